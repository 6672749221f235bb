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
     ["service", "check"], ["lanes", "check"], ["lanes", "summary"], ["shards", "merge"], ["cassette", "check"],
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
