"""The hooks bridge: one command every agent's hook configuration calls.

It reads the runtime's native payload (stdin JSON for Claude Code, Codex and Gemini CLI
hooks and for the bridge's pi extension and opencode plugin; the JSON argument of Codex's legacy
``notify``), normalizes it to a phase, appends it
to the evidence file the test named (``AGENTTEST_HOOKS_FILE`` or ``--evidence``), and, when
the test asked (``AGENTTEST_HOOK_DECISIONS``), answers for the hook: exit 2 with a reason on
stderr blocks the tool; an ``output`` is printed as the hook's JSON answer.

Kept to the standard library and the package's ground ``clock`` (the package ``__init__`` imports
nothing): it runs once per hook event, so start-up time matters.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from ..clock import iso

TYPE_CHECKING = False  # typing costs ~10 ms to import; annotations only need it for the checker
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

USAGE = """usage: agenttest hook [--runtime NAME] [--event NAME] [--evidence FILE] [--decisions FILE]

The hooks bridge agents' hook configurations call (Install Hooks Bridge writes them). It reads
the hook payload (JSON on stdin; Codex's notify: the last argument), appends a normalized
record to the evidence file and, when the test asked, blocks the tool (exit 2) or answers.

  --runtime NAME     claude-code, codex, gemini-cli, pi, opencode, codex-notify or auto (default)
  --event NAME       the event, when the payload does not say it
  --evidence FILE    where records go (default: $AGENTTEST_HOOKS_FILE)
  --decisions FILE   the test's block/answer rules (default: $AGENTTEST_HOOK_DECISIONS)
"""
EVIDENCE_VARIABLE = "AGENTTEST_HOOKS_FILE"
DECISIONS_VARIABLE = "AGENTTEST_HOOK_DECISIONS"
RUNTIMES = ("claude-code", "codex", "gemini-cli", "pi", "opencode", "codex-notify", "auto")
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
    # pi (extension events; the bridge extension sends them in the bridge's payload shape)
    "before_agent_start": "user_prompt",
    "tool_call": "pre_tool",
    "tool_result": "post_tool",
    "agent_end": "stop",
    "session_shutdown": "session_end",
    # opencode (plugin hooks and bus events, sent the same way by the bridge plugin)
    "session.created": "session_start",
    "chat.message": "user_prompt",
    "tool.execute.before": "pre_tool",
    "tool.execute.after": "post_tool",
    "session.idle": "stop",
    "session.error": "stop_failure",
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
        "time": iso(),
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
    if not isinstance(payload, dict):
        raise ValueError("the notify payload is not a JSON object")
    messages = payload.get("input-messages")
    return {
        "time": iso(),
        "runtime": "codex-notify",
        "phase": "stop" if payload.get("type") == "agent-turn-complete" else phase_of(str(payload.get("type", ""))),
        "event": payload.get("type"),
        "session_id": payload.get("thread-id"),
        "cwd": payload.get("cwd"),
        "prompt": messages[-1] if isinstance(messages, list) and messages else None,
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


UNREADABLE = (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError)


def _decisions(path: str | None) -> tuple[list[dict[str, Any]], str]:
    """The scripted decisions, and a warning when the file cannot be used (then there are none)."""
    if not path or not Path(path).is_file():
        return [], ""
    try:
        loaded = json.loads(Path(path).read_text(encoding="utf-8") or "[]")
    except (OSError, *UNREADABLE) as error:
        return [], f"agenttest hook: cannot read the decisions file {path} ({error}); no decision applies.\n"
    if not isinstance(loaded, list) or not all(isinstance(item, dict) for item in loaded):
        return [], f"agenttest hook: the decisions file {path} is not a list of objects; no decision applies.\n"
    return loaded, ""


def run(argv: Sequence[str], stdin: str) -> tuple[int, str, str, dict[str, Any]]:
    """The bridge as a pure function: (exit code, stdout, stderr, evidence record).

    It fails closed: when the payload cannot be read while a block rule is in force, the
    call is blocked (exit 2), never waved through by a crash.
    """
    options = {"--runtime": "auto", "--event": None, "--evidence": os.environ.get(EVIDENCE_VARIABLE),
               "--decisions": os.environ.get(DECISIONS_VARIABLE)}  # fmt: skip
    rest = list(argv)
    if rest[:1] in (["--help"], ["-h"]):
        return 0, USAGE, "", {}
    while rest and rest[0].startswith("--"):
        option = rest.pop(0)
        if option not in options or not rest:
            usage = "Use --runtime NAME, --event NAME, --evidence FILE, --decisions FILE."
            return 64, "", f"agenttest hook: unknown option {option!r}. {usage}\n", {}
        options[option] = rest.pop(0)
    runtime, event, evidence, decisions_file = (options[name] for name in options)
    if runtime not in RUNTIMES:
        return 64, "", f"agenttest hook: unknown runtime {runtime!r}; one of {', '.join(RUNTIMES)}.\n", {}
    decisions, warning = _decisions(decisions_file)
    if not evidence:  # misconfigured, but an agent must not be blocked by the test's plumbing
        warning += (f"agenttest hook: no evidence file (--evidence FILE or {EVIDENCE_VARIABLE}); this event is not "
                    "recorded. Install the bridge with the library's Install Hooks Bridge keyword.\n")  # fmt: skip
    out, err, code = "", warning, 0
    try:
        if runtime == "codex-notify":
            record = normalize_notify(rest[-1] if rest else stdin)
        else:
            payload = json.loads(stdin or "{}")
            if not isinstance(payload, dict):
                raise ValueError("the payload is not a JSON object")
            record = normalize(payload, str(runtime), event)
    except UNREADABLE as error:
        problem = f"cannot read the hook payload ({type(error).__name__}: {str(error)[:200]})"
        record = {"time": iso(), "runtime": runtime, "phase": "unreadable", "event": event, "error": problem}
        if any(decision.get("decision", "block") == "block" for decision in decisions):
            record["decision"] = "block"
            code, err = 2, err + f"agenttest hook: {problem}; blocked because this test has a block rule.\n"
        else:
            code, err = 64, err + f"agenttest hook: {problem}; expected JSON on stdin.\n"
    else:
        decision = decide(record, decisions)
        if decision is not None:
            record["decision"] = decision.get("decision", "block")
            if record["decision"] == "block":
                code = 2
                err += str(decision.get("reason", "blocked by the AgentTestLibrary hooks bridge")) + "\n"
            elif "output" in decision:
                out = json.dumps(decision["output"]) + "\n"
    if evidence:
        _append(evidence, record)
    return code, out, err, record


def _append(evidence: str, record: dict[str, Any]) -> None:
    """One JSON line, ASCII only: lone surrogates and U+2028 cannot break the file or its readers."""
    try:
        line = json.dumps(record, ensure_ascii=True, default=str) + "\n"
    except (ValueError, RecursionError):
        line = json.dumps({key: str(value)[:2000] for key, value in record.items()}, ensure_ascii=True) + "\n"
    fd = os.open(evidence, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode("ascii"))
    finally:
        os.close(fd)


def _read_stdin() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        return ""
    return sys.stdin.buffer.read().decode("utf-8", errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[2:] if argv is None else argv)
    # Codex's notify passes its payload as an argument and may leave stdin open: never read it then.
    notify = "codex-notify" in arguments
    try:
        code, out, err, _ = run(arguments, "" if notify else _read_stdin())
    except Exception as error:  # noqa: BLE001 - a crash would let a blocked tool run: fail closed instead
        named = arguments.index("--decisions") + 1 if "--decisions" in arguments[:-1] else None
        decisions, _ = _decisions(arguments[named] if named else os.environ.get(DECISIONS_VARIABLE))
        blocking = any(item.get("decision", "block") == "block" for item in decisions)
        sys.stderr.write(f"agenttest hook: internal error ({type(error).__name__}: {error}); blocking to be safe.\n")
        return 2 if blocking else 70
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


def read_evidence(path: str | Path) -> list[dict[str, Any]]:
    """The records of an evidence file; a line that does not parse becomes an ``unreadable`` record."""
    file = Path(path)
    if not file.is_file():
        return []
    records = []
    for line in file.read_text(encoding="utf-8", errors="replace").split("\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except UNREADABLE:
            record = None
        records.append(record if isinstance(record, dict) else {"phase": "unreadable", "line": line[:200]})
    return records
