"""The hooks bridge as agents run it, fed hostile payloads: it never crashes and never fails open."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from AgentTestLibrary.harness.hooks import read_evidence

BRIDGE = [sys.executable, "-m", "AgentTestLibrary", "hook"]
DEEP = b'{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": ' + b"[" * 5000 + b"]" * 5000 + b"}"
HOSTILE = {
    "lone surrogate": b'{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "\\ud800"}}',
    "invalid utf-8": b'{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "\xff\xfe"}}',
    "deep nesting": DEEP,
    "not an object": b"[1, 2, 3]",
    "not json": b"\x00\x01 garbage",
}


def bridge(tmp_path: Path, stdin: bytes, *options: str, block: bool = True) -> subprocess.CompletedProcess[bytes]:
    decisions = tmp_path / "decisions.json"
    rules = [{"phase": "pre_tool", "tool": "Bash", "decision": "block", "reason": "no shell"}] if block else []
    decisions.write_text(json.dumps(rules), encoding="utf-8")
    command = [*BRIDGE, "--evidence", str(tmp_path / "events.jsonl"), "--decisions", str(decisions), *options]
    return subprocess.run(command, input=stdin, capture_output=True, timeout=60, check=False)


@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_block_rule_holds_whatever_the_payload(tmp_path: Path, payload: bytes) -> None:
    done = bridge(tmp_path, payload, "--runtime", "claude-code")
    assert done.returncode == 2, done.stderr
    assert b"Traceback" not in done.stderr
    assert [record["decision"] for record in read_evidence(tmp_path / "events.jsonl")] == ["block"]


def test_a_non_object_notify_payload_is_blocked_not_a_crash(tmp_path: Path) -> None:
    done = bridge(tmp_path, b"", "--runtime", "codex-notify", "[1]")
    assert done.returncode == 2 and b"Traceback" not in done.stderr


def test_without_a_block_rule_an_unreadable_payload_says_so_without_blocking(tmp_path: Path) -> None:
    done = bridge(tmp_path, HOSTILE["not json"], "--runtime", "claude-code", block=False)
    assert done.returncode not in (0, 2) and b"cannot read the hook payload" in done.stderr
    assert b"Traceback" not in done.stderr


def test_line_separators_in_tool_output_do_not_break_the_evidence(tmp_path: Path) -> None:
    payload = {
        "hook_event_name": "PostToolUse",
        "tool_name": "Bash",
        "tool_response": {"stdout": "a\u2028b\u2029c\x85d"},
    }
    for _ in range(2):
        assert bridge(tmp_path, json.dumps(payload, ensure_ascii=False).encode(), block=False).returncode == 0
    records = read_evidence(tmp_path / "events.jsonl")
    assert [record["tool_response"]["stdout"] for record in records] == ["a\u2028b\u2029c\x85d"] * 2
    assert (tmp_path / "events.jsonl").read_bytes().isascii()
