"""The hooks bridge: one command every agent's hook configuration calls.

It reads the runtime's native payload (stdin JSON for Claude Code, Codex and Gemini CLI
hooks; the JSON argument of Codex's legacy ``notify``), normalizes it to a phase, appends it
to the evidence file the test named (``AGENTTEST_HOOKS_FILE`` or ``--evidence``), and, when
the test asked (``AGENTTEST_HOOK_DECISIONS``), answers for the hook: exit 2 with a reason on
stderr blocks the tool; an ``output`` is printed as the hook's JSON answer.

Kept to the standard library and imported without the rest of the package: it runs once
per hook event, so start-up time matters.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

TYPE_CHECKING = False  # typing costs ~10 ms to import; annotations only need it for the checker
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

EVIDENCE_VARIABLE = "AGENTTEST_HOOKS_FILE"
DECISIONS_VARIABLE = "AGENTTEST_HOOK_DECISIONS"
RUNTIMES = ("claude-code", "codex", "gemini-cli", "codex-notify", "auto")
PHASES = {
    "SessionStart": "session_start",
    "SessionEnd": "session_end",
    "UserPromptSubmit": "user_prompt",
    "UserPromptExpansion": "user_prompt_expansion",
    "PreToolUse": "pre_tool",
    "PostToolUse": "post_tool",
    "PostToolUseFailure": "post_tool_failure",
    "PostToolBatch": "post_tool_batch",
    "PermissionRequest": "permission_request",
    "PermissionDenied": "permission_denied",
    "Notification": "notification",
    "Stop": "stop",
    "StopFailure": "stop_failure",
    "SubagentStart": "subagent_start",
    "SubagentStop": "subagent_stop",
    "PreCompact": "pre_compact",
    "PostCompact": "post_compact",
    "MessageDisplay": "message_display",
    "Interrupt": "interrupt",
    # Gemini CLI
    "BeforeAgent": "user_prompt",
    "AfterAgent": "stop",
    "BeforeModel": "pre_model",
    "AfterModel": "post_model",
    "BeforeToolSelection": "pre_tool_selection",
    "BeforeTool": "pre_tool",
    "AfterTool": "post_tool",
    "PreCompress": "pre_compact",
}
GEMINI_EVENTS = frozenset(
    (
        "BeforeAgent",
        "AfterAgent",
        "BeforeModel",
        "AfterModel",
        "BeforeToolSelection",
        "BeforeTool",
        "AfterTool",
        "PreCompress",
    )
)
SHELL_TOOLS = frozenset({"bash", "run_shell_command", "exec_command", "shell", "local_shell"})


def phase_of(event: str) -> str:
    """The normalized phase of a native event name (unknown names become snake_case)."""
    return PHASES.get(event) or re.sub(r"(?<!^)(?=[A-Z])", "_", event).lower()


def normalize(payload: dict[str, Any], runtime: str = "auto", event: str | None = None) -> dict[str, Any]:
    """One hook payload → ``{phase, event, runtime, tool, tool_input, tool_response, prompt, ...}``."""
    name = str(event or payload.get("hook_event_name") or "")
    if runtime == "auto":
        runtime = (
            "gemini-cli" if name in GEMINI_EVENTS else ("codex" if os.environ.get("CODEX_HOME") else "claude-code")
        )
    tool = payload.get("tool_name")
    record: dict[str, Any] = {
        "time": time.time(),
        "runtime": runtime,
        "phase": phase_of(name),
        "event": name,
        "session_id": payload.get("session_id"),
        "cwd": payload.get("cwd"),
        "tool": tool,
        "tool_kind": "shell" if str(tool or "").lower() in SHELL_TOOLS else None,
        "tool_input": payload.get("tool_input"),
        "tool_response": payload.get("tool_response"),
        "tool_use_id": payload.get("tool_use_id"),
        "prompt": payload.get("prompt"),
    }
    return {key: value for key, value in record.items() if value is not None}


def normalize_notify(argument: str) -> dict[str, Any]:
    """Codex's legacy ``notify``: the JSON payload arrives as the last argument."""
    payload = json.loads(argument)
    return {
        "time": time.time(),
        "runtime": "codex-notify",
        "phase": "stop" if payload.get("type") == "agent-turn-complete" else phase_of(str(payload.get("type", ""))),
        "event": payload.get("type"),
        "session_id": payload.get("thread-id"),
        "cwd": payload.get("cwd"),
        "prompt": (payload.get("input-messages") or [None])[-1],
        "last_message": payload.get("last-assistant-message"),
    }


def decide(record: dict[str, Any], decisions: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The first decision whose phase (and tool, if given) matches the record."""
    for decision in decisions:
        if decision.get("phase") != record.get("phase"):
            continue
        tool = decision.get("tool")
        if tool and tool not in (record.get("tool"), record.get("tool_kind")):
            continue
        return decision
    return None


def run(argv: Sequence[str], stdin: str) -> tuple[int, str, str, dict[str, Any]]:
    """The bridge as a pure function: (exit code, stdout, stderr, evidence record)."""
    options = {"--runtime": "auto", "--event": None, "--evidence": os.environ.get(EVIDENCE_VARIABLE),
               "--decisions": os.environ.get(DECISIONS_VARIABLE)}  # fmt: skip
    rest = list(argv)
    while rest and rest[0].startswith("--"):
        option = rest.pop(0)
        if option not in options or not rest:
            usage = "Use --runtime NAME, --event NAME, --evidence FILE, --decisions FILE."
            return 64, "", f"agenttest hook: unknown option {option!r}. {usage}\n", {}
        options[option] = rest.pop(0)
    runtime, event, evidence, decisions_file = (options[name] for name in options)
    if runtime not in RUNTIMES:
        return 64, "", f"agenttest hook: unknown runtime {runtime!r}; one of {', '.join(RUNTIMES)}.\n", {}
    try:
        if runtime == "codex-notify":
            record = normalize_notify(rest[-1] if rest else stdin)
        else:
            payload = json.loads(stdin or "{}")
            if not isinstance(payload, dict):
                raise ValueError("the payload is not a JSON object")
            record = normalize(payload, str(runtime), event)
    except (ValueError, IndexError) as error:
        return 64, "", f"agenttest hook: cannot read the hook payload ({error}); expected JSON on stdin.\n", {}
    out, err, code = "", "", 0
    if decisions_file and Path(decisions_file).is_file():
        decision = decide(record, json.loads(Path(decisions_file).read_text(encoding="utf-8") or "[]"))
        if decision is not None:
            record["decision"] = decision.get("decision", "block")
            if record["decision"] == "block":
                code, err = 2, str(decision.get("reason", "blocked by the AgentTestLibrary hooks bridge")) + "\n"
            elif "output" in decision:
                out = json.dumps(decision["output"]) + "\n"
    if evidence:
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        fd = os.open(evidence, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
    return code, out, err, record


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[2:] if argv is None else argv)
    # Codex's notify passes its payload as an argument and may leave stdin open: never read it then.
    notify = "codex-notify" in arguments
    stdin = "" if notify or sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    code, out, err, _ = run(arguments, stdin)
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


def read_evidence(path: str | Path) -> list[dict[str, Any]]:
    file = Path(path)
    if not file.is_file():
        return []
    return [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
