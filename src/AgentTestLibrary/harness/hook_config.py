"""Write each runtime's real hook configuration so it calls the bridge for the requested events."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

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
    "example-agent": ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SessionEnd"),
}  # fmt: skip
CONFIG_FILES = {
    "claude-code": ".claude/settings.json",  # project settings, under the project (working) directory
    "codex": "hooks.json",  # under CODEX_HOME
    "gemini-cli": ".gemini/settings.json",  # user settings, under the isolated HOME
    "example-agent": "agent-settings.json",
}


class HookConfigError(ValueError):
    """Unknown runtime or event; the message lists the valid ones."""


def bridge_command(bridge: list[str], runtime: str, evidence: Path, decisions: Path) -> list[str]:
    return [*bridge, "hook", "--runtime", runtime, "--evidence", str(evidence), "--decisions", str(decisions)]


def install_hooks(
    runtime: str,
    directory: Path,
    *,
    bridge: list[str],
    evidence: Path,
    decisions: Path,
    events: list[str] | None = None,
) -> Path:
    """Merge bridge hooks for ``events`` (default: all the runtime fires) into its config file; return it."""
    if runtime not in EVENTS:
        raise HookConfigError(f"Unknown runtime '{runtime}' for hooks; use one of {', '.join(EVENTS)}.")
    wanted = events or list(EVENTS[runtime])
    unknown = [event for event in wanted if event not in EVENTS[runtime]]
    if unknown:
        raise HookConfigError(f"{runtime} has no hook event(s) {unknown}; its events are {', '.join(EVENTS[runtime])}.")
    command = shlex.join(
        bridge_command(bridge, runtime if runtime != "example-agent" else "claude-code", evidence, decisions)
    )
    path = directory / CONFIG_FILES[runtime]
    path.parent.mkdir(parents=True, exist_ok=True)
    settings: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    hooks = settings.setdefault("hooks", {})
    for event in wanted:
        entry: dict[str, Any] = {"type": "command", "command": command, "timeout": 30}
        if runtime == "gemini-cli":  # Gemini CLI counts hook timeouts in milliseconds
            entry.update(name="agenttest-bridge", timeout=30_000)
        groups = [group for group in hooks.get(event, []) if "agenttest" not in json.dumps(group)]
        hooks[event] = [*groups, {"matcher": "*", "hooks": [entry]}]
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return path


def install_codex_notify(codex_home: Path, bridge: list[str], evidence: Path, decisions: Path) -> Path:
    """Codex's legacy ``notify``: an argv (absolute paths: Codex clears the environment) in config.toml."""
    config = codex_home / "config.toml"
    codex_home.mkdir(parents=True, exist_ok=True)
    lines = [line for line in (config.read_text(encoding="utf-8").splitlines() if config.is_file() else [])
             if not line.startswith("notify")]  # fmt: skip
    argv = bridge_command(bridge, "codex-notify", evidence, decisions)
    # Top-level keys must precede any [table] in TOML.
    config.write_text("\n".join([f"notify = {json.dumps(argv)}", *lines]) + "\n", encoding="utf-8")
    return config
