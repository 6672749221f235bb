"""Hook payloads captured from Claude Code, Codex and Gemini CLI normalize to the same phases."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from AgentTestLibrary.harness.hook_config import HookConfigError, install_codex_notify, install_hooks
from AgentTestLibrary.harness.hooks import normalize, read_evidence, run

HOOKS = Path(__file__).parents[1] / "fixtures" / "hooks"


def phases(capture: str, runtime: str) -> list[tuple[str, str | None]]:
    records = [json.loads(line) for line in (HOOKS / capture).read_text(encoding="utf-8").splitlines()]
    return [(r["phase"], r.get("tool")) for r in (normalize(rec["stdin_json"], runtime) for rec in records)]


def test_claude_code_tool_run() -> None:
    assert phases("claude_code_toolrun.jsonl", "claude-code") == [
        ("session_start", None), ("user_prompt", None), ("pre_tool", "Bash"), ("post_tool", "Bash"),
        ("post_tool_batch", None), ("message_display", None), ("stop", None), ("session_end", None),
    ]  # fmt: skip


def test_claude_code_blocked_run_has_no_post_tool() -> None:
    seen = [phase for phase, _ in phases("claude_code_blocked.jsonl", "claude-code")]
    assert "pre_tool" in seen and "post_tool" not in seen


def test_codex_tool_run() -> None:
    assert phases("codex_toolrun.jsonl", "codex") == [
        ("session_start", None), ("user_prompt", None), ("pre_tool", "Bash"), ("post_tool", "Bash"), ("stop", None),
        ("session_end", None),
    ]  # fmt: skip


def test_gemini_cli_tool_run_and_auto_detection() -> None:
    seen = phases("gemini_cli_toolrun.jsonl", "auto")
    assert seen[:2] == [("session_start", None), ("user_prompt", None)]
    assert ("pre_tool", "run_shell_command") in seen and ("post_tool", "run_shell_command") in seen
    assert {"pre_model", "post_model", "pre_tool_selection", "pre_compact", "stop", "session_end"} <= {
        p for p, _ in seen
    }
    record = normalize(json.loads((HOOKS / "gemini_cli_toolrun.jsonl").read_text().splitlines()[6])["stdin_json"])
    assert record["runtime"] == "gemini-cli" and record["tool_kind"] == "shell"


def test_tool_details_are_kept() -> None:
    post = [json.loads(line)["stdin_json"] for line in (HOOKS / "claude_code_toolrun.jsonl").read_text().splitlines()][
        3
    ]
    record = normalize(post, "claude-code")
    assert record["tool_input"]["command"] == "echo hi" and record["tool_response"]["stdout"] == "hi"
    assert record["tool_use_id"].startswith("toolu_")


def test_codex_notify_argument(tmp_path: Path) -> None:
    evidence = tmp_path / "events.jsonl"
    code, _, _, record = run(
        ["--runtime", "codex-notify", "--evidence", str(evidence), (HOOKS / "codex_notify.txt").read_text()], ""
    )
    assert code == 0 and record["phase"] == "stop" and record["prompt"] == "say hi"
    assert read_evidence(evidence)[0]["last_message"] == "Hi! This is the mock server."
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", read_evidence(evidence)[0]["time"])  # ISO 8601


def test_block_and_answer_decisions(tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.json"
    decisions.write_text(json.dumps([
        {"phase": "pre_tool", "tool": "shell", "decision": "block", "reason": "no shell"},
        {"phase": "user_prompt", "decision": "answer", "output": {"continue": True}},
    ]), encoding="utf-8")  # fmt: skip
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}})
    evidence = ["--evidence", str(tmp_path / "events.jsonl")]
    code, out, err, record = run(["--runtime", "claude-code", "--decisions", str(decisions), *evidence], payload)
    assert (code, out, err, record["decision"]) == (2, "", "no shell\n", "block")
    code, out, _, _ = run(
        ["--decisions", str(decisions), *evidence], json.dumps({"hook_event_name": "UserPromptSubmit", "prompt": "x"})
    )
    assert (code, json.loads(out)) == (0, {"continue": True})
    code, _, _, _ = run(
        ["--decisions", str(decisions)], json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Read"})
    )
    assert code == 0


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["--runtime", "vim"], "{}", "unknown runtime 'vim'"),
        (["--colour", "x"], "{}", "unknown option '--colour'"),
        ([], "not json", "cannot read the hook payload"),
        ([], "[1]", "not a JSON object"),
    ],
)
def test_bad_bridge_input_exits_64_with_a_reason(argv: list[str], stdin: str, message: str) -> None:
    code, _, err, _ = run(argv, stdin)
    assert code == 64 and message in err


def test_configs_are_written_and_merged(tmp_path: Path) -> None:
    settings = tmp_path / ".gemini" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"security": {"auth": {"selectedType": "gemini-api-key"}}}', encoding="utf-8")
    kwargs = {"bridge": ["/bin/agenttest"], "evidence": tmp_path / "e.jsonl", "decisions": tmp_path / "d.json"}
    written = json.loads(install_hooks("gemini-cli", tmp_path, events=["BeforeTool"], **kwargs).read_text())  # type: ignore[arg-type]
    assert written["security"]["auth"]["selectedType"] == "gemini-api-key"
    hook = written["hooks"]["BeforeTool"][0]["hooks"][0]
    assert hook["command"].startswith("/bin/agenttest hook --runtime gemini-cli --evidence ") and hook["name"]
    assert hook["timeout"] == 30_000  # milliseconds for Gemini CLI
    claude = json.loads(install_hooks("claude-code", tmp_path, **kwargs).read_text())  # type: ignore[arg-type]
    assert set(claude["hooks"]) >= {"SessionStart", "PreToolUse", "PostToolUse", "Stop", "SessionEnd"}
    again = json.loads(install_hooks("claude-code", tmp_path, **kwargs).read_text())  # type: ignore[arg-type]
    assert len(again["hooks"]["PreToolUse"]) == 1  # installing twice does not duplicate
    toml = install_codex_notify(tmp_path / "codex", ["/bin/agenttest"], tmp_path / "e.jsonl", tmp_path / "d.json")
    assert toml.read_text().startswith('notify = ["/bin/agenttest", "hook", "--runtime", "codex-notify"')
    with pytest.raises(HookConfigError, match="Unknown runtime 'vscode'"):
        install_hooks("vscode", tmp_path, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(HookConfigError, match="codex has no hook event"):
        install_hooks("codex", tmp_path, events=["BeforeTool"], **kwargs)  # type: ignore[arg-type]
