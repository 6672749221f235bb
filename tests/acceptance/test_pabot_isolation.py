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
