"""pi's extension and opencode's plugin: the hooks bridge written as the agent's own code, and their MCP configs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from AgentTestLibrary.errors import HookConfigError, McpConfigError
from AgentTestLibrary.harness.hook_config import EVENTS, install_hooks
from AgentTestLibrary.harness.hooks import normalize
from AgentTestLibrary.harness.mcp_config import McpTarget, install_mcp_config, tool_name

HOSTILE = '/opt/we"ird*/ \u2028 $(x)/agenttest'


def install(runtime: str, directory: Path, bridge: list[str], events: list[str] | None = None) -> Path:
    return install_hooks(runtime, directory, bridge=bridge, evidence=directory / "e.jsonl",
                         decisions=directory / "d.json", events=events)  # fmt: skip


def literal(text: str, name: str) -> object:
    found = re.search(rf"const {name}(?:: string\[\])? = (.*);\n", text)
    assert found, text
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("runtime", "file"),
    [("pi", ".pi/agent/extensions/agenttest-bridge.ts"), ("opencode", ".config/opencode/plugins/agenttest-bridge.js")],
)
def test_the_bridge_is_written_as_the_agents_own_code(tmp_path: Path, runtime: str, file: str) -> None:
    path = install(runtime, tmp_path, [HOSTILE])
    assert path == tmp_path / file
    text = path.read_text(encoding="utf-8")
    assert "__AGENTTEST_" not in text and text.isascii()  # a raw U+2028 would end a JS string literal
    assert literal(text, "BRIDGE") == [HOSTILE, "hook", "--runtime", runtime, "--evidence", str(tmp_path / "e.jsonl"),
                                       "--decisions", str(tmp_path / "d.json")]  # fmt: skip
    assert literal(text, "EVENTS") == list(EVENTS[runtime])
    some = list(EVENTS[runtime][2:4])
    assert literal(install(runtime, tmp_path, [HOSTILE], some).read_text(encoding="utf-8"), "EVENTS") == some
    with pytest.raises(HookConfigError, match=f"{runtime} has no hook event"):
        install(runtime, tmp_path, [HOSTILE], ["PreToolUse"])


def payload(event: str, **fields: object) -> dict[str, object]:
    return {"hook_event_name": event, "cwd": "/w", "session_id": "s1", **fields}


@pytest.mark.parametrize(
    ("runtime", "events"),
    [
        ("pi", ["session_start", "before_agent_start", "tool_call", "tool_result", "agent_end", "session_shutdown"]),
        ("opencode", ["session.created", "chat.message", "tool.execute.before", "tool.execute.after", "session.idle"]),
    ],
)
def test_their_events_normalize_to_the_same_phases(runtime: str, events: list[str]) -> None:
    records = [normalize(payload(event, tool_name="bash" if "tool" in event else None), runtime) for event in events]
    assert [(record["phase"], record.get("tool_kind")) for record in records][:5] == [
        ("session_start", None), ("user_prompt", None), ("pre_tool", "shell"), ("post_tool", "shell"), ("stop", None),
    ]  # fmt: skip
    assert {record["runtime"] for record in records} == {runtime}
    if runtime == "pi":
        assert records[-1]["phase"] == "session_end"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_opencode_plugin_blocks_by_throwing_when_the_bridge_exits_2(tmp_path: Path) -> None:
    """The real plugin code under Node, with a stand-in bridge: what opencode would call, and what it would see."""
    log = tmp_path / "calls.jsonl"
    bridge = tmp_path / "bridge.py"
    bridge.write_text(
        "import json, sys\n"
        "record = json.load(sys.stdin)\n"
        f"open({str(log)!r}, 'a').write(json.dumps([sys.argv[1:], record]) + '\\n')\n"
        "if record['hook_event_name'] == 'tool.execute.before':\n"
        "    sys.stderr.write('no shell in this test\\n'); sys.exit(2)\n",
        encoding="utf-8",
    )
    plugin = install("opencode", tmp_path, [sys.executable, str(bridge)])
    (plugin.parent / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    script = (
        f"const {{ AgentTestBridge }} = await import({json.dumps(plugin.as_uri())});\n"
        "const hooks = await AgentTestBridge({ directory: '/w' });\n"
        "await hooks.event({ event: { type: 'session.created', properties: { sessionID: 's1' } } });\n"
        "await hooks.event({ event: { type: 'message.updated', properties: {} } });\n"
        "await hooks['chat.message']({ sessionID: 's1' }, { parts: [{ type: 'text', text: 'hi' }] });\n"
        "const call = { tool: 'bash', sessionID: 's1', callID: 'c1' };\n"
        "try { await hooks['tool.execute.before'](call, { args: { command: 'ls' } }); console.log('ran'); }\n"
        "catch (error) { console.log('blocked: ' + error.message); }\n"
    )
    done = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "blocked: no shell in this test"
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [call[1]["hook_event_name"] for call in calls] == ["session.created", "chat.message", "tool.execute.before"]
    assert calls[2][1]["tool_input"] == {"command": "ls"} and calls[1][1]["prompt"] == "hi"
    assert calls[2][0][:3] == ["hook", "--runtime", "opencode"]
    assert calls[2][0][-2:] == ["--event", "tool.execute.before"]


def test_opencode_mcp_config_goes_in_and_comes_out(tmp_path: Path) -> None:
    config = tmp_path / ".config" / "opencode" / "opencode.json"
    config.parent.mkdir(parents=True)
    config.write_text('{"model": "mock/m", "mcp": {"theirs": {"type": "remote", "url": "http://x"}}}')
    before = json.loads(config.read_text())
    remote = install_mcp_config("opencode", tmp_path, McpTarget("tools", "http://127.0.0.1:9/mcp"))
    local = install_mcp_config("opencode", tmp_path, McpTarget("files", command=("agenttest", "mcp", "relay", "u")))
    servers = json.loads(config.read_text())["mcp"]
    assert servers["tools"] == {"type": "remote", "url": "http://127.0.0.1:9/mcp", "enabled": True}
    assert servers["files"] == {"type": "local", "command": ["agenttest", "mcp", "relay", "u"], "enabled": True}
    remote.remove()
    local.remove()
    assert json.loads(config.read_text()) == before
    assert tool_name("opencode", "tools", "search") == "tools_search"


def test_pi_has_no_mcp_and_the_error_says_why(tmp_path: Path) -> None:
    with pytest.raises(McpConfigError, match=r"pi has no MCP support.*intentionally does not include built-in MCP"):
        install_mcp_config("pi", tmp_path, McpTarget("tools", "http://127.0.0.1:9/mcp"))
    assert not list(tmp_path.iterdir())
    with pytest.raises(McpConfigError, match=r"use one of claude-code, codex, gemini-cli, opencode\."):
        install_mcp_config("cursor", tmp_path, McpTarget("tools", "http://127.0.0.1:9/mcp"))
