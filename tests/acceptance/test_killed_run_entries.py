"""A run killed with SIGKILL after installing hooks bridges and MCP entries into agents' own settings leaves them
behind; the next run takes out exactly those entries (recognised by the dead run's ledger) and nothing of the user's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.acceptance.robot_run import run_robot

tomllib = pytest.importorskip("tomllib")

REPO = Path(__file__).parents[2]
INSTALLING = f"""
*** Settings ***
Library    AgentTestLibrary
Library    OperatingSystem
Test Tags    lane:no-model

*** Test Cases ***
Installs Everywhere And Is Killed
    Start Mock MCP Server    tools    scenario={REPO}/robot/e2e/scenarios/mcp_flow.yaml
    Install Hooks Bridge    claude-code    ${{PROJECT}}    PreToolUse
    Install Hooks Bridge    codex    ${{CODEX}}    notify=${{True}}
    Install Hooks Bridge    pi    ${{PI_HOME}}
    Install MCP Server Config    claude-code    server=tools    project=${{PROJECT}}
    ${{codex}}=    Install MCP Server Config    codex    server=tools
    ${{gemini}}=    Install MCP Server Config    gemini-cli    server=tools
    Create File    ${{READY}}    ${{codex}}\\n${{gemini}}
    Sleep    300s
"""
NEXT = """
*** Settings ***
Library    AgentTestLibrary
Test Tags    lane:no-model

*** Test Cases ***
The Next Run
    No Operation
"""
USER_SETTINGS = {"model": "opus", "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
    {"type": "command", "command": "./my-own-hook.sh"}]}]}}  # fmt: skip
USER_MCP = {"mcpServers": {"mine": {"type": "stdio", "command": "my-server", "args": []}}}


def test_the_next_run_removes_the_entries_a_killed_run_left(tmp_path: Path) -> None:
    project, codex, pi_home, ready = tmp_path / "project", tmp_path / "codex", tmp_path / "pi", tmp_path / "ready"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "settings.json").write_text(json.dumps(USER_SETTINGS), encoding="utf-8")
    (project / ".mcp.json").write_text(json.dumps(USER_MCP), encoding="utf-8")
    codex.mkdir()
    (codex / "config.toml").write_text('model = "o4"\n\n[profiles.mine]\nmodel = "o3"\n', encoding="utf-8")
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "installing.robot").write_text(INSTALLING, encoding="utf-8")
    variables = [f"PROJECT:{project}", f"CODEX:{codex}", f"PI_HOME:{pi_home}", f"READY:{ready}"]
    environ = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    killed = subprocess.Popen(
        [sys.executable, "-m", "robot", "--outputdir", str(tmp_path / "killed"),
         *(option for variable in variables for option in ("--variable", variable)), str(suites / "installing.robot")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path, env=environ,
    )  # fmt: skip
    try:
        for _ in range(1200):
            if ready.is_file() or killed.poll() is not None:
                break
            time.sleep(0.1)
        assert ready.is_file(), "the installing run never got ready"
    finally:
        os.kill(killed.pid, signal.SIGKILL)  # what kill -9 does: no teardown, no listener close
        killed.wait(60)
    codex_home_config, gemini_settings = (Path(line) for line in ready.read_text(encoding="utf-8").splitlines())
    left = (project / ".claude" / "settings.json").read_text(encoding="utf-8")
    assert "agenttest" in left and "tools" in (project / ".mcp.json").read_text(encoding="utf-8")
    assert (pi_home / ".pi/agent/extensions/agenttest-bridge.ts").is_file()

    run = run_robot(tmp_path, {"next.robot": NEXT})
    assert run.statuses["The Next Run"] == ("PASS", ""), run.stdout

    assert json.loads((project / ".claude" / "settings.json").read_text(encoding="utf-8")) == USER_SETTINGS
    assert json.loads((project / ".mcp.json").read_text(encoding="utf-8")) == USER_MCP
    assert tomllib.loads((codex / "config.toml").read_text(encoding="utf-8")) == {
        "model": "o4", "profiles": {"mine": {"model": "o3"}}}  # fmt: skip
    assert not (codex / "hooks.json").exists()
    assert not (pi_home / ".pi/agent/extensions/agenttest-bridge.ts").exists()
    assert "mcp_servers" not in tomllib.loads(codex_home_config.read_text(encoding="utf-8")) \
        if codex_home_config.exists() else True  # fmt: skip
    assert not gemini_settings.exists() or "tools" not in gemini_settings.read_text(encoding="utf-8")
