"""Under pabot every worker gets its own mock and port, including pabot 5.2.x's pool-id reuse case."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SUITE = """
*** Settings ***
Library    AgentTestLibrary
Library    OperatingSystem
Library    Process
Suite Setup    Start Mock LLM    base_port=${BASE_PORT}
Test Tags    lane:no-model

*** Variables ***
${BASE_PORT}    ${None}
${AGENT}    import os, httpx; print(httpx.post(os.environ["OPENAI_BASE_URL"] + "/chat/completions",
...    json={"model": "m", "messages": [{"role": "user", "content": "hi"}]}).json()["choices"][0]["message"]["content"])

*** Test Cases ***
Own Mock Only
    Reply With Text    I am {name}
    Sleep    {sleep}
    ${result}=    Run Process    ${PYTHON}    -c    ${AGENT}
    Should Be Equal    ${result.stdout}    I am {name}
    Mock LLM Should Have Received    1    request
    Append To File    ${PORTS_FILE}    {name} ${MOCK_LLM_URL}\\n
"""


def free_block(size: int) -> int:
    """A base port whose next ``size`` ports are free right now."""
    for base in range(20000, 60000, 97):
        sockets = []
        try:
            for offset in range(size):
                sock = socket.socket()
                sock.bind(("127.0.0.1", base + offset))
                sockets.append(sock)
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free port block")


def run_pabot(tmp_path: Path, *extra: str) -> list[str]:
    suites = tmp_path / "suites"
    suites.mkdir()
    for name, sleep in (("a_long", "3s"), ("b_short", "0.2s"), ("c_short", "0.2s"), ("d_short", "0.2s")):
        (suites / f"{name}.robot").write_text(SUITE.replace("{name}", name).replace("{sleep}", sleep), encoding="utf-8")
    ports_file = tmp_path / "ports.txt"
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]}
    result = subprocess.run(
        [sys.executable, "-m", "pabot.pabot", "--processes", "2", "--pabotlibport", "0",
         "--variable", f"PYTHON:{sys.executable}", "--variable", f"PORTS_FILE:{ports_file}", *extra,
         "--outputdir", str(tmp_path / "out"), str(suites)],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return ports_file.read_text(encoding="utf-8").split()


def test_port_zero_gives_every_worker_its_own_mock(tmp_path: Path) -> None:
    lines = run_pabot(tmp_path)
    urls = dict(zip(lines[::2], lines[1::2], strict=True))
    assert sorted(urls) == ["a_long", "b_short", "c_short", "d_short"]
    assert len(set(urls.values())) == 4


@pytest.mark.parametrize("split", [(), ("--testlevelsplit",)])
def test_fixed_port_mode_uses_queue_index(tmp_path: Path, split: tuple[str, ...]) -> None:
    base = free_block(4)
    lines = run_pabot(tmp_path, "--variable", f"BASE_PORT:{base}", *split)
    ports = sorted(int(url.rsplit(":", 1)[1]) for url in lines[1::2])
    assert ports == [base, base + 1, base + 2, base + 3]


SERVICES_SUITE = """
*** Settings ***
Library    AgentTestLibrary
Library    OperatingSystem
Library    Process
Suite Setup    Start The Mocks
Test Tags    lane:no-model

*** Test Cases ***
Own Service, MCP Server And AWS Only
    Seed Service Collection    crm    things    [{"id": 1, "owner": "{name}"}]
    Reply To MCP Tool    echo    from {name}
    Sleep    {sleep}
    ${result}=    Run Process    ${PYTHON}    ${AGENT_FILE}    {name}
    Should Be Equal As Integers    ${result.rc}    0    ${result.stderr}
    ${seen}=    Evaluate    json.loads($result.stdout)    modules=json
    Should Be Equal    ${seen}[0][0][owner]    {name}
    Should Be Equal    ${seen}[1][0]    bucket-{dash}
    Length Should Be    ${seen}[1]    1
    Should Be Equal    ${seen}[2]    from {name}
    Append To File    ${PORTS_FILE}    {name} %{AGENTTEST_CRM_URL} %{AGENTTEST_MCP_TOOLS_URL} %{AWS_ENDPOINT_URL}\\n

*** Keywords ***
Start The Mocks
    Start Mock Service    crm    routes=${ROUTES}
    Start Mock MCP Server    tools
    Start Mock AWS
"""
AGENT = """
import asyncio, json, os, sys
import boto3, httpx
from mcp import Client

async def call():
    async with Client(os.environ["AGENTTEST_MCP_TOOLS_URL"]) as client:
        return (await client.call_tool("echo", {"text": "x"})).content[0].text

things = httpx.get(os.environ["AGENTTEST_CRM_URL"] + "/things").json()
s3 = boto3.client("s3")
s3.create_bucket(Bucket="bucket-" + sys.argv[1].replace("_", "-"))
print(json.dumps([things, [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]], asyncio.run(call())]))
"""
ROUTES = "routes:\n  - {name: things, method: GET, path: /things, reply: {list: things}}\ncollections:\n  things: {}\n"


def test_services_mcp_servers_and_aws_are_per_worker(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    for name, sleep in (("a_long", "2s"), ("b_short", "0.2s"), ("c_short", "0.2s"), ("d_short", "0.2s")):
        text = (
            SERVICES_SUITE.replace("{name}", name).replace("{sleep}", sleep).replace("{dash}", name.replace("_", "-"))
        )
        (suites / f"{name}.robot").write_text(text, encoding="utf-8")
    (tmp_path / "routes.yaml").write_text(ROUTES, encoding="utf-8")
    (tmp_path / "agent.py").write_text(AGENT, encoding="utf-8")
    ports_file = tmp_path / "ports.txt"
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    result = subprocess.run(
        [sys.executable, "-m", "pabot.pabot", "--processes", "4", "--pabotlibport", "0",
         "--variable", f"PYTHON:{sys.executable}", "--variable", f"PORTS_FILE:{ports_file}",
         "--variable", f"ROUTES:{tmp_path / 'routes.yaml'}", "--variable", f"AGENT_FILE:{tmp_path / 'agent.py'}",
         "--outputdir", str(tmp_path / "out"), str(suites)],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = [line.split() for line in ports_file.read_text(encoding="utf-8").splitlines()]
    assert sorted(row[0] for row in rows) == ["a_long", "b_short", "c_short", "d_short"]
    for column in (1, 2, 3):
        assert len({row[column] for row in rows}) == 4, rows
