"""Agent servers as real subprocesses: the printed URL, an early exit, the whole process group stopped, masked logs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from AgentTestLibrary.errors import AgentServerError
from AgentTestLibrary.harness.agent_server import AgentServer
from AgentTestLibrary.secrets import SecretRegistry

SENTINEL = "sk-agenttest-sentinel-key-0123456789abcdef"


def registry() -> SecretRegistry:
    secrets = SecretRegistry()
    secrets.add(SENTINEL)
    return secrets


def test_an_agent_that_exits_first_fails_with_its_code_and_last_lines(tmp_path: Path) -> None:
    script = f"print('loading config with key {SENTINEL}'); raise SystemExit('port 80: permission denied')"
    server = AgentServer("broken", [sys.executable, "-c", script], tmp_path / "out.log", registry())
    with pytest.raises(AgentServerError) as failed:
        server.wait_ready(30, pattern=r"READY (\S+)")
    message = str(failed.value)
    assert "Agent server 'broken' exited with code 1 before printing a URL matching 'READY (\\\\S+)'" in message
    assert "port 80: permission denied" in message and "Command: " in message and SENTINEL not in message
    assert SENTINEL not in (tmp_path / "out.log").read_text() and "***" in (tmp_path / "out.log").read_text()


def test_the_printed_url_is_returned_and_stopping_ends_the_agents_children(tmp_path: Path) -> None:
    child = tmp_path / "child.pid"
    script = (
        f"import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', 'import time; "
        f"time.sleep(60)']); open({str(child)!r}, 'w').write(str(p.pid)); "
        "print('listening on http://127.0.0.1:9/ as READY http://127.0.0.1:9/api', flush=True); time.sleep(60)"
    )
    server = AgentServer("parent", [sys.executable, "-c", script], tmp_path / "out.log", registry())
    assert server.wait_ready(30, pattern=r"READY (\S+)") == "http://127.0.0.1:9/api"
    assert server.stop(grace_s=5) == -15
    pid = int(child.read_text())
    status = Path(f"/proc/{pid}/status")
    for _ in range(100):  # the child got SIGTERM with its group; it may take a moment to end (a zombie has ended)
        if not status.exists() or "State:\tZ" in status.read_text():
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the agent's child {pid} outlived Stop Agent Server")


def test_a_command_that_cannot_start_says_so(tmp_path: Path) -> None:
    with pytest.raises(AgentServerError, match=r"'ghost' could not start: /nonexistent/agent: .*Check the command"):
        AgentServer("ghost", ["/nonexistent/agent"], tmp_path / "out.log", registry())
