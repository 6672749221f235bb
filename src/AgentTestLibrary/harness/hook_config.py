"""Write each runtime's real hook configuration so it calls the bridge for the requested events.

User files are edited, not rewritten from scratch: JSON settings may carry comments (JSONC, as
Gemini CLI allows), Codex's ``config.toml`` is round-tripped with tomlkit (comments, tables and
multi-line arrays kept), and only the bridge's own entries are ever replaced or removed. Every
entry written is also given to the caller's ``written`` list (:mod:`.entries`), for the run's
ledger, so the next run can take out what a killed one left.
pi and opencode have no hook settings: their hooks are code, so the bridge is written as the agent's own
extension (pi, TypeScript) or plugin (opencode, JavaScript), a whole file of its own that calls
``agenttest hook`` with a payload in the bridge's shape.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any, Literal

from ..errors import HookConfigError
from ..shipped import BRIDGES
from .entries import Entry, created
from .settings import read_json_settings, read_toml_settings, write_json_settings, write_toml_settings

EVENTS = {
    "claude-code": (
        "SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "PostToolUseFailure", "Notification", "Stop",
        "SubagentStart", "SubagentStop", "PreCompact", "SessionEnd",
    ),
    "codex": (
        "SessionStart", "UserPromptSubmit", "PreToolUse", "PermissionRequest", "PostToolUse", "PreCompact", "Stop",
        "SubagentStart", "SubagentStop", "SessionEnd",
    ),
    "gemini-cli": (
        "SessionStart", "BeforeAgent", "BeforeModel", "AfterModel", "BeforeToolSelection", "BeforeTool", "AfterTool",
        "AfterAgent", "PreCompress", "Notification", "SessionEnd",
    ),
    "pi": ("session_start", "before_agent_start", "tool_call", "tool_result", "agent_end", "session_shutdown"),
    "opencode": (
        "session.created", "chat.message", "tool.execute.before", "tool.execute.after", "session.idle", "session.error",
    ),
    "example-agent": ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SessionEnd"),
}  # fmt: skip
CONFIG_FILES = {
    "claude-code": ".claude/settings.json",  # project settings, under the project (working) directory
    "codex": "hooks.json",  # under CODEX_HOME
    "gemini-cli": ".gemini/settings.json",  # user settings, under the isolated HOME
    "pi": ".pi/agent/extensions/agenttest-bridge.ts",  # a global extension, under the isolated HOME
    "opencode": ".config/opencode/plugins/agenttest-bridge.js",  # a global plugin, under the isolated HOME
    "example-agent": "agent-settings.json",
}
CODE_BRIDGES = {"pi": "pi.ts", "opencode": "opencode.js"}  # runtimes whose hooks are code: the template of each
BRIDGE_OPTIONS = ("--runtime", "--evidence", "--decisions")
HookRuntime = Literal["claude-code", "codex", "gemini-cli", "pi", "opencode", "example-agent"]


def bridge_command(bridge: list[str], runtime: str, evidence: Path, decisions: Path) -> list[str]:
    return [*bridge, "hook", "--runtime", runtime, "--evidence", str(evidence), "--decisions", str(decisions)]


def is_bridge_command(command: Any) -> bool:
    """Whether a hook command (a string, or an argv list) is a call of this bridge, not a user's own hook."""
    try:
        argv = shlex.split(command) if isinstance(command, str) else [str(part) for part in command]
    except (ValueError, TypeError):
        return False
    if "hook" not in argv:
        return False
    program, rest = argv[: argv.index("hook")], argv[argv.index("hook") + 1 :]
    is_bridge = bool(program) and (Path(program[-1]).name == "agenttest" or program[-2:] == ["-m", "AgentTestLibrary"])
    return is_bridge and all(option in rest for option in BRIDGE_OPTIONS)


def _without_bridge(groups: Any) -> list[Any]:
    """A hook event's groups with this bridge's entries taken out (groups left empty dropped)."""
    kept = []
    for group in groups if isinstance(groups, list) else []:
        hooks = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(hooks, list):
            kept.append(group)
            continue
        own = [hook for hook in hooks if not (isinstance(hook, dict) and is_bridge_command(hook.get("command")))]
        if own:
            kept.append({**group, "hooks": own})
    return kept


def install_hooks(
    runtime: str,
    directory: Path,
    *,
    bridge: list[str],
    evidence: Path,
    decisions: Path,
    events: list[str] | None = None,
    written: list[Entry] | None = None,
) -> Path:
    """Merge bridge hooks for ``events`` (default: all the runtime fires) into its config file; return it.
    What is written is appended to ``written`` (for the ledger of the run)."""
    written = [] if written is None else written
    if runtime not in EVENTS:
        raise HookConfigError(f"Unknown runtime '{runtime}' for hooks; use one of {', '.join(EVENTS)}.")
    wanted = events or list(EVENTS[runtime])
    unknown = [event for event in wanted if event not in EVENTS[runtime]]
    if unknown:
        raise HookConfigError(f"{runtime} has no hook event(s) {unknown}; its events are {', '.join(EVENTS[runtime])}.")
    argv = bridge_command(bridge, runtime if runtime != "example-agent" else "claude-code", evidence, decisions)
    path = directory / CONFIG_FILES[runtime]
    if runtime in CODE_BRIDGES:
        return _write_code_bridge(path, CODE_BRIDGES[runtime], argv, wanted, written)
    command = shlex.join(argv)
    written.extend(created(path))
    settings = read_json_settings(path)
    hooks = settings.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise HookConfigError(f"{path}: 'hooks' must be an object mapping event names to hook groups.")
    for event in wanted:
        entry: dict[str, Any] = {"type": "command", "command": command, "timeout": 30}
        if runtime == "gemini-cli":  # Gemini CLI counts hook timeouts in milliseconds
            entry.update(name="agenttest-bridge", timeout=30_000)
        group = {"matcher": "*", "hooks": [entry]}
        hooks[event] = [*_without_bridge(hooks.get(event, [])), group]
        written.append(Entry(str(path), ("hooks", event), item=group))
    write_json_settings(path, settings)
    return path


def _write_code_bridge(path: Path, template: str, argv: list[str], events: list[str], written: list[Entry]) -> Path:
    """The bridge as the agent's own extension or plugin: the template with the argv and events as JS literals."""
    literal = {"__AGENTTEST_BRIDGE__": argv, "__AGENTTEST_EVENTS__": events}
    text = (BRIDGES / template).read_text(encoding="utf-8")
    for placeholder, value in literal.items():  # ASCII JSON is a valid JS literal (no raw U+2028 in strings)
        text = text.replace(placeholder, json.dumps(value, ensure_ascii=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    written.append(Entry.whole_file(path, text))
    return path


def install_codex_notify(
    codex_home: Path, bridge: list[str], evidence: Path, decisions: Path, written: list[Entry] | None = None
) -> Path:
    """Codex's legacy ``notify``: an argv (absolute paths: Codex clears the environment) in config.toml."""
    config = codex_home / "config.toml"
    fresh = created(config)
    document = read_toml_settings(config)
    # Codex runs one notify program: the bridge takes the slot for the test (the file is restored after it).
    import tomlkit

    argv = tomlkit.array()
    argv.extend(bridge_command(bridge, "codex-notify", evidence, decisions))
    document["notify"] = argv  # tomlkit keeps a new top-level key before the first table
    write_toml_settings(config, document)
    if written is not None:
        written.extend([*fresh, Entry(str(config), ("notify",), value=argv.unwrap())])
    return config
