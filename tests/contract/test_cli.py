"""``agenttest`` as a user runs it: a real subprocess, real signals, real exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from AgentTestLibrary.harness.agents import AGENTS
from AgentTestLibrary.mockservice import load_service

AGENTTEST = [str(Path(sys.executable).with_name("agenttest"))]
MODULE = [sys.executable, "-m", "AgentTestLibrary"]


def start_serving(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [*MODULE, "mock", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line.startswith("MOCK_LLM_URL=http://127.0.0.1:"), (line, process.stderr.read() if process.stderr else "")
    return process, line.split("=", 1)[1]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_one_line_answers_and_exits_zero_on_signal(stop_signal: signal.Signals) -> None:
    process, url = start_serving()
    try:
        reply = httpx.post(
            f"{url}/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        )
        assert reply.status_code == 200
        assert "deterministic reply" in reply.json()["choices"][0]["message"]["content"]
    finally:
        process.send_signal(stop_signal)
        stdout, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    assert stdout == ""


def test_serve_with_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("rules:\n  - reply: {text: from the file}\n", encoding="utf-8")
    process, url = start_serving("--scenario", str(scenario), "--port", "0")
    try:
        body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
        assert httpx.post(f"{url}/v1/messages", json=body).json()["content"][0]["text"] == "from the file"
    finally:
        process.terminate()
        process.communicate(timeout=15)
    assert process.returncode == 0


def test_serve_with_bad_scenario_exits_nonzero_with_the_error(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("rules:\n  - reply: {txt: x}\n", encoding="utf-8")
    result = subprocess.run(
        [*MODULE, "mock", "serve", "--scenario", str(scenario)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "bad.yaml:2: rules[0].reply.txt: unknown key 'txt'. Did you mean 'text'?" in result.stderr


def test_serve_on_busy_port_fails_clearly() -> None:
    process, url = start_serving()
    try:
        port = url.rsplit(":", 1)[1]
        result = subprocess.run([*MODULE, "mock", "serve", "--port", port], capture_output=True, text=True, timeout=30)
        assert result.returncode == 2
        assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    finally:
        process.terminate()
        process.communicate(timeout=15)


def test_scenario_check_ok_and_error(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("rules:\n  - reply: {text: ok}\n", encoding="utf-8")
    ok = subprocess.run([*AGENTTEST, "scenario", "check", str(good)], capture_output=True, text=True, timeout=30)
    assert (ok.returncode, ok.stdout.strip()) == (0, f"{good}: OK, 1 rule(s), strict.")
    missing = subprocess.run(
        [*AGENTTEST, "scenario", "check", str(tmp_path / "no.yaml")], capture_output=True, text=True, timeout=30
    )
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_scenario_check_covers_every_mcp_server(tmp_path: Path) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text("rules: []\nmcp_servers:\n  a: {}\n  b:\n    tools: [{name: t}]\n", encoding="utf-8")
    ok = subprocess.run([*AGENTTEST, "scenario", "check", str(flow)], capture_output=True, text=True, timeout=30)
    assert ok.stdout.strip() == (f"{flow}: OK, 0 rule(s), strict; MCP server 'a': 0 tool(s), 0 rule(s); "
                                 "MCP server 'b': 1 tool(s), 0 rule(s).")  # fmt: skip
    flow.write_text("mcp_servers:\n  a:\n    tools: [{name: t, inputSchem: {}}]\n", encoding="utf-8")
    bad = subprocess.run([*AGENTTEST, "scenario", "check", str(flow)], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1
    assert f"{flow}:3: mcp_servers.a.tools[0].inputSchem: unknown key 'inputSchem'. Did you mean 'inputSchema'?" in (
        bad.stderr
    )


def test_mcp_serve_names_the_server_and_fails_clearly(tmp_path: Path) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text("mcp_servers:\n  a: {}\n  b: {}\n", encoding="utf-8")
    unnamed = subprocess.run([*MODULE, "mcp", "serve", "--scenario", str(flow)], capture_output=True, text=True,
                             timeout=30, stdin=subprocess.DEVNULL)  # fmt: skip
    assert unnamed.returncode == 2 and "declares 2 servers (a, b); name one" in unnamed.stderr
    relay = subprocess.run([*MODULE, "mcp", "relay", "not-a-url"], capture_output=True, text=True, timeout=30)
    assert relay.returncode == 2 and "usage: agenttest mcp relay http://" in relay.stderr


def test_service_check_names_presets_files_and_mistakes(tmp_path: Path) -> None:
    ok = subprocess.run([*AGENTTEST, "service", "check", "slack"], capture_output=True, text=True, timeout=30)
    assert (
        ok.returncode == 0
        and ok.stdout.strip() == "slack: OK, 13 route(s), collections: channels, messages, users, files, strict: True."
    )
    routes = tmp_path / "routes.yaml"
    routes.write_text("routes:\n  - {path: /x, replay: {}}\n", encoding="utf-8")
    bad = subprocess.run([*AGENTTEST, "service", "check", str(routes)], capture_output=True, text=True, timeout=30)
    assert (
        bad.returncode == 1
        and f"{routes}:2: routes[0].replay: unknown key 'replay'. Did you mean 'reply'?" in bad.stderr
    )


def test_service_routes_lists_each_routes_method_path_and_name_for_faults() -> None:
    listed = subprocess.run([*AGENTTEST, "service", "routes", "github"], capture_output=True, text=True, timeout=30)
    lines = listed.stdout.splitlines()
    assert listed.returncode == 0 and lines[0].split()[:3] == ["METHOD", "PATH", "ROUTE"]
    assert ["POST", "/repos/{owner}/{repo}/issues/{number}/labels", "add", "labels"] in [line.split() for line in lines]
    assert len(lines) == 1 + len(load_service("github").routes)
    missing = subprocess.run([*AGENTTEST, "service", "routes", "nowhere.yaml"], capture_output=True, text=True,
                             timeout=30)  # fmt: skip
    assert missing.returncode == 1 and "Route file 'nowhere.yaml' does not exist" in missing.stderr


def test_repository_scenarios_are_valid() -> None:
    for scenario in Path(__file__).parents[2].glob("robot/e2e/scenarios/*.yaml"):
        result = subprocess.run(
            [*MODULE, "scenario", "check", str(scenario)], capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, result.stderr


def test_lanes_check_lists_offending_tests(tmp_path: Path) -> None:
    (tmp_path / "bad.robot").write_text(
        "*** Keywords ***\nNeeds Key\n    Require Credential Or Skip    X\n\n"
        "*** Test Cases ***\nNo Lane\n    Log    x\n"
        "Gated In No Model\n    [Tags]    lane:no-model\n    Needs Key\n"
        "Good\n    [Tags]    lane:no-model\n    Log    x\n"
        "Fetches In No Model\n    [Tags]    lane:no-model\n    FOR    ${i}    IN    1\n"
        "        Get Credential    K    from=aws-sm:ci/k\n    END\n"
        "Reads The Environment In No Model\n    [Tags]    lane:no-model\n    Get Credential    K\n",
        encoding="utf-8",
    )
    result = subprocess.run([*AGENTTEST, "lanes", "check", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    assert "Bad.Fetches In No Model: is lane:no-model but calls Get Credential with from=: " in lines[2]
    assert lines[0].endswith(
        "Bad.No Lane: declares no lane: add [Tags] lane:no-model or lane:model-backed (or Test Tags in the suite)"
    )
    assert "Bad.Gated In No Model: is lane:no-model but calls Require Credential Or Skip" in lines[1]
    assert "3 lane problem(s)." in result.stderr


def test_lanes_check_on_the_repository_and_missing_path(tmp_path: Path) -> None:
    ok = subprocess.run(
        [*AGENTTEST, "lanes", "check", str(Path(__file__).parents[2] / "robot")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stdout
    missing = subprocess.run(
        [*AGENTTEST, "lanes", "check", str(tmp_path / "nope")], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_agents_install_dry_run_unknown_and_missing_npm(tmp_path: Path) -> None:
    dry = subprocess.run([*AGENTTEST, "agents", "install", "--dry-run", "--prefix", str(tmp_path), "codex"],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert dry.returncode == 0
    pin = AGENTS["codex"][1]
    assert f"npm install -g --prefix {tmp_path} --no-fund --no-audit @openai/codex@{pin}" in dry.stdout
    assert f"codex: would install {pin}" in dry.stdout
    unknown = subprocess.run([*AGENTTEST, "agents", "install", "cursor"], capture_output=True, text=True, timeout=60)
    assert (
        unknown.returncode == 1
        and "Unknown agent(s) ['cursor']; choose from claude-code, codex, gemini-cli" in unknown.stderr
    )
    without_npm = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    command = [*AGENTTEST, "agents", "install", "--prefix", str(tmp_path), "codex"]
    no_npm = subprocess.run(command, capture_output=True, text=True, timeout=60, env=without_npm)
    assert no_npm.returncode == 3 and "npm is not on PATH" in no_npm.stderr


@pytest.mark.parametrize(
    "command",
    [["mock", "serve"], ["mcp", "serve"], ["mcp", "relay"], ["a2a", "serve"], ["scenario", "check"],
     ["service", "check"], ["service", "serve"], ["aws", "serve"], ["lanes", "check"], ["lanes", "summary"],
     ["shards", "merge"], ["cassette", "check"],
     ["cassette", "to-scenario"],
     ["cassette", "verify"], ["scores", "compare"],
     ["agents", "install"], ["hook"]],
)  # fmt: skip
def test_every_command_answers_help(command: list[str]) -> None:
    done = subprocess.run([*AGENTTEST, *command, "--help"], capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("usage: agenttest"), (done.stdout, done.stderr)


def test_a_bridge_without_evidence_says_so_and_does_not_block() -> None:
    payload = '{"hook_event_name": "PreToolUse", "tool_name": "Bash"}'
    env = {key: value for key, value in os.environ.items() if not key.startswith("AGENTTEST_HOOK")}
    done = subprocess.run([*AGENTTEST, "hook", "--runtime", "claude-code"], input=payload, capture_output=True,
                          text=True, timeout=30, env=env)  # fmt: skip
    assert done.returncode == 0 and "no evidence file" in done.stderr


def serving(*args: str, prefix: str) -> tuple[subprocess.Popen[str], str]:
    """``agenttest ARGS`` started as a user would; (process, URL) once it printed its one line."""
    process = subprocess.Popen([*AGENTTEST, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True)  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line.startswith(f"{prefix}=http://127.0.0.1:"), (line, process.stderr.read() if process.stderr else "")
    return process, line.split("=", 1)[1]


def stopped(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=30)
    return process.returncode, stdout


def test_service_serve_serves_a_preset_or_a_route_file_until_a_signal(tmp_path: Path) -> None:
    process, url = serving("service", "serve", "github", prefix="AGENTTEST_GITHUB_URL")
    try:
        issue = httpx.post(f"{url}/repos/acme/app/issues", json={"title": "Crash"}, headers={"authorization": "x"})
        assert issue.status_code == 201 and issue.json()["title"] == "Crash"
        assert httpx.get(f"{url}/repos/acme/app/issues/1").json()["title"] == "Crash"
    finally:
        assert stopped(process) == (0, "")
    routes = tmp_path / "crm.yaml"
    routes.write_text("routes:\n  - {name: ping, method: GET, path: /ping, reply: {json: {ok: true}}}\n", "utf-8")
    process, url = serving("service", "serve", str(routes), "--name", "my-crm", prefix="AGENTTEST_MY_CRM_URL")
    try:
        assert httpx.get(f"{url}/ping").json() == {"ok": True}
        assert httpx.get(f"{url}/nowhere").status_code == 404
    finally:
        assert stopped(process) == (0, "")


def test_service_serve_and_aws_serve_fail_clearly(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*AGENTTEST, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    bad = tmp_path / "bad.yaml"
    bad.write_text("rutes: []\n", "utf-8")
    done = run("service", "serve", str(bad))
    assert done.returncode == 2 and f"{bad}:1: rutes: unknown key 'rutes'" in done.stderr, done.stderr
    done = run("service", "serve", "github", "--host", "0.0.0.0")
    assert done.returncode == 2 and "0.0.0.0" in done.stderr and done.stdout == "", done.stderr
    seed = tmp_path / "seed.yaml"
    seed.write_text("s3:\n  - CreateBuckets: {Bucket: b}\n", "utf-8")
    done = run("aws", "serve", "--seed", str(seed))
    assert done.returncode == 2 and f"{seed}:2: s3[0].CreateBuckets: s3 has no operation" in done.stderr, done.stderr
    done = run("aws", "serve", "--host", "0.0.0.0")
    assert done.returncode == 2 and "0.0.0.0" in done.stderr, done.stderr


def test_aws_serve_answers_boto3_with_its_seed_until_a_signal(tmp_path: Path) -> None:
    boto3 = pytest.importorskip("boto3")
    seed = tmp_path / "seed.yaml"
    seed.write_text("s3:\n  - CreateBucket: {Bucket: reports}\n  - PutObject: {Bucket: reports, Key: a.csv, Body: x}\n"
                    "sqs:\n  - CreateQueue: {QueueName: jobs}\n", "utf-8")  # fmt: skip
    process, url = serving("aws", "serve", "--seed", str(seed), "--region", "eu-west-1", prefix="AWS_ENDPOINT_URL")
    try:
        keys = {"aws_access_key_id": "AKIAFIXTURE", "aws_secret_access_key": "fixture", "endpoint_url": url}
        s3 = boto3.client("s3", region_name="eu-west-1", **keys)
        assert s3.get_object(Bucket="reports", Key="a.csv")["Body"].read() == b"x"
        assert boto3.client("sqs", region_name="eu-west-1", **keys).list_queues()["QueueUrls"][0].endswith("/jobs")
    finally:
        assert stopped(process) == (0, "")
