"""Hooks: install the bridge into a runtime's real config, script its answers, assert the phases.

What the bridge writes into agents' settings is recorded in the run's ledger (``harness/entries.py``);
when the first suite starts, entries a killed run left (MCP entries included) are taken out.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from ..environment import agenttest_command
from ..errors import HookConfigError
from ..harness.entries import Entry, sweep_dead_runs
from ..harness.hook_config import CONFIG_FILES, HookRuntime, install_codex_notify, install_hooks
from ..harness.hooks import read_evidence
from .context import LibraryContext
from .scopes import LibraryComponent, Scope, TestReport, Verdict


@dataclass
class HookScope:
    """Hook evidence and scripted decisions of one test (or suite).

    The bridge appends raw payloads (which may hold keys) to ``evidence`` in the private area;
    the masked ``events.jsonl`` in ``root`` (under ``${OUTPUT DIR}``) is written when the scope ends.
    """

    root: Path
    evidence: Path
    decisions: Path
    mark: int = 0
    rules: list[dict[str, Any]] = field(default_factory=list)
    installed: list[tuple[Path, str | None]] = field(default_factory=list)  # config files and their text before
    entries: list[Entry] = field(default_factory=list)  # what was written, as the run's ledger holds it

    def remember(self, path: Path) -> None:
        if all(known != path for known, _ in self.installed):
            self.installed.append((path, path.read_text(encoding="utf-8") if path.is_file() else None))

    def uninstall(self) -> None:
        """Put the runtime config files back as they were, so the hooks do not outlive their test."""
        for path, before in reversed(self.installed):
            if before is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(before, encoding="utf-8")

    def write_decisions(self) -> None:
        self.decisions.write_text(json.dumps(self.rules), encoding="utf-8")


class HookKeywords(LibraryComponent):
    def __init__(self, ctx: LibraryContext) -> None:
        super().__init__(ctx)
        self.hooks: dict[str, HookScope] = {}  # by scope key
        self.swept = False

    def start_scope(self, scope: Scope) -> Verdict | None:
        if not self.swept:
            self.swept = True
            self._sweep_dead_runs()
        if scope.kind == "test":  # events so far belong to earlier tests
            for hooks in self.hooks.values():
                hooks.mark = len(read_evidence(hooks.evidence))
        return None

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        """Uninstall the scope's hooks from the runtime configs; its masked evidence stays on disk."""
        hooks = self.hooks.pop(scope.key, None)
        if hooks is None:
            return
        hooks.uninstall()
        self.ctx.ledger.forget(hooks.entries)
        events = [self.ctx.secrets.mask(event) for event in read_evidence(hooks.evidence)]
        text = "".join(json.dumps(event, ensure_ascii=True) + "\n" for event in events)
        (hooks.root / "events.jsonl").write_text(text, encoding="utf-8")
        shutil.rmtree(hooks.evidence.parent, ignore_errors=True)

    def _sweep_dead_runs(self) -> None:
        """Take out the hook and MCP entries of runs that were killed before they could (their ledgers)."""
        removed, problems = sweep_dead_runs()
        if removed:
            files = ", ".join(dict.fromkeys(entry.file for entry in removed))
            logger.warn(
                f"Removed {len(removed)} entries a killed earlier run had written into agent settings: {files}."
            )
        for problem in problems:
            logger.warn(f"Could not take out an entry a killed earlier run left: {problem}.")

    def _scope(self) -> HookScope:
        key = self.ctx.scope_key
        hooks = self.hooks.get(key)
        if hooks is None:
            root = self.ctx.fresh_folder("hooks", key)
            raw = self.ctx.private.folder("hooks", root.name)
            hooks = self.hooks[key] = HookScope(root, raw / "events.jsonl", root / "decisions.json")
            hooks.write_decisions()
        return hooks

    @keyword("Install Hooks Bridge")
    def install_hooks_bridge(self, runtime: HookRuntime, directory: str, *events: str, notify: bool = False) -> str:
        """Writes the real hook configuration of ``runtime`` under ``directory`` so every hook calls the bridge.

        ``runtime``: ``claude-code`` (``.claude/settings.json`` of the project directory),
        ``codex`` (``hooks.json`` in ``CODEX_HOME``; ``notify=True`` also sets the legacy
        ``notify`` in ``config.toml``), ``gemini-cli`` (``.gemini/settings.json`` of the
        isolated HOME), ``pi`` (an extension, ``.pi/agent/extensions/agenttest-bridge.ts`` of the
        isolated HOME: ``session_start``, ``before_agent_start``, ``tool_call``, ``tool_result``,
        ``agent_end``, ``session_shutdown``), ``opencode`` (a plugin,
        ``.config/opencode/plugins/agenttest-bridge.js`` of the isolated HOME: ``session.created``,
        ``chat.message``, ``tool.execute.before``, ``tool.execute.after``, ``session.idle``,
        ``session.error``; opencode's ``run`` has no session-end event) or ``example-agent``.
        ``events`` are the runtime's native event names (default: all it fires). Existing settings
        are kept; the file is put back as it was (or removed) when the test ends; if the run is killed
        before that, the next run takes the bridge's entries out. Returns the file written.

        Each event is normalized to a phase (``session_start``, ``user_prompt``,
        ``pre_tool``, ``post_tool``, ``stop``, ``session_end``, ``pre_model``, ...) and
        recorded for `Assert Hooks Phase`.

        Example:
        | ${settings}=    Install Hooks Bridge    claude-code    ${project}    PreToolUse    PostToolUse
        """
        scope = self._scope()
        target = Path(directory)
        scope.remember(target / CONFIG_FILES.get(runtime, "hooks.json"))
        if notify:
            scope.remember(target / "config.toml")
        written: list[Entry] = []
        try:
            path = install_hooks(runtime, Path(directory), bridge=agenttest_command(), evidence=scope.evidence,
                                 decisions=scope.decisions, events=list(events) or None, written=written)  # fmt: skip
            if notify:
                if runtime != "codex":
                    raise HookConfigError("notify=True is Codex's legacy notify; use it with runtime codex.")
                install_codex_notify(Path(directory), agenttest_command(), scope.evidence, scope.decisions, written)
        finally:
            scope.entries.extend(written)
            self.ctx.ledger.record(written)
        logger.info(f"Hooks bridge installed for {runtime} in {path}; evidence in {scope.evidence}.")
        return str(path)

    @keyword("Make Hook Block")
    def make_hook_block(
        self, phase: str = "pre_tool", tool: str | None = None, reason: str = "blocked by the test"
    ) -> None:
        """Makes the bridge block matching hook calls: exit 2 with ``reason`` on stderr.

        ``tool`` matches the runtime's tool name (``Bash``, ``run_shell_command``, ``bash``) or ``shell``.
        The block is real for every runtime: a hook's exit 2 for Claude Code, Codex and Gemini CLI,
        ``{block: true}`` from pi's extension, a thrown error in opencode's ``tool.execute.before``.

        Example:
        | Make Hook Block    pre_tool    tool=Bash    reason=no shell in this test
        """
        self._add({"phase": phase, "tool": tool, "decision": "block", "reason": reason})

    @keyword("Make Hook Answer")
    def make_hook_answer(self, phase: str, output: dict[str, Any] | str, tool: str | None = None) -> None:
        """Makes the bridge print ``output`` (a dictionary or JSON) as the hook's JSON answer, exit 0."""
        answer = json.loads(output) if isinstance(output, str) else output
        self._add({"phase": phase, "tool": tool, "decision": "answer", "output": answer})

    def _add(self, rule: dict[str, Any]) -> None:
        scope = self._scope()
        scope.rules.append({key: value for key, value in rule.items() if value is not None})
        scope.write_decisions()

    def _events(self) -> list[dict[str, Any]]:
        in_test = self.ctx.current_test is not None
        events = [event for scope in self.hooks.values()
                  for event in read_evidence(scope.evidence)[scope.mark if in_test else 0 :]]  # fmt: skip
        return sorted(events, key=lambda event: str(event.get("time", "")))

    @keyword("Get Hook Events")
    def get_hook_events(self, phase: str | None = None) -> list[dict[str, Any]]:
        """Returns the normalized hook events of the current test, oldest first (``phase`` keeps one phase).

        Each is a dictionary with ``time`` (ISO 8601), ``runtime``, ``phase``, ``event`` (the
        runtime's own name), ``session_id``, ``cwd``, ``tool``, ``tool_kind`` (``shell`` for any
        runtime's shell tool), ``tool_input``, ``tool_response``, ``tool_use_id``, ``prompt`` and,
        when a `Make Hook Block` / `Make Hook Answer` rule answered, ``decision``; keys without a
        value are left out.

        Example:
        | ${events}=    Get Hook Events    pre_tool
        | Should Be Equal    ${events}[0][tool_input][command]    git status
        """
        return [event for event in self._events() if phase is None or event.get("phase") == phase]

    @keyword("Assert Hooks Phase")
    def assert_hooks_phase(self, phase: str, tool: str | None = None, count: int | None = None) -> None:
        """Fails unless a hook of ``phase`` fired (for ``tool``, ``count`` times if given).

        The failure lists the phases actually seen.

        Example:
        | Assert Hooks Phase    pre_tool    tool=Bash
        | Assert Hooks Phase    session_start    count=1
        """
        events = self._events()
        hits = [
            e
            for e in events
            if e.get("phase") == phase and (tool is None or tool in (e.get("tool"), e.get("tool_kind")))
        ]
        if (count is None and hits) or (count is not None and len(hits) == count):
            return
        wanted = f"{phase}{f' (tool {tool})' if tool else ''}" + (f" {count} time(s)" if count is not None else "")
        raise AssertionError(f"Expected hook phase {wanted}, seen {len(hits)}. Phases seen: {_listing(events)}.")

    @keyword("Hooks Phases Should Be In Order")
    def hooks_phases_should_be_in_order(self, *phases: str) -> None:
        """Fails unless the phases fired in this order (others may come between).

        Example:
        | Hooks Phases Should Be In Order    session_start    user_prompt    pre_tool    post_tool    stop
        """
        events = self._events()
        position = 0
        for phase in phases:
            found = next((i for i in range(position, len(events)) if events[i].get("phase") == phase), None)
            if found is None:
                raise AssertionError(
                    f"Phase '{phase}' did not fire after the ones before it. Phases seen: {_listing(events)}."
                )
            position = found + 1

    @keyword("Hook Phase Should Not Have Fired")
    def hook_phase_should_not_have_fired(self, phase: str, tool: str | None = None) -> None:
        """Fails if a hook of ``phase`` (for ``tool``, if given) fired in this test."""
        hits = [
            e for e in self._events() if e.get("phase") == phase and tool in (None, e.get("tool"), e.get("tool_kind"))
        ]
        if hits:
            raise AssertionError(f"Phase '{phase}' fired {len(hits)} time(s). Phases seen: {_listing(self._events())}.")


def _listing(events: list[dict[str, Any]]) -> str:
    return ", ".join(f"{e.get('phase')}{'(' + str(e['tool']) + ')' if e.get('tool') else ''}" for e in events) or "none"
