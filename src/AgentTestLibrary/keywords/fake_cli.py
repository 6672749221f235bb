"""Fake CLI binaries on PATH for the agent's child processes, and assertions on their calls."""

from __future__ import annotations

import json
import os
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from ..environment import EnvironmentPatch
from ..harness.fake_cli import (
    CliCall,
    CliRule,
    MatchKind,
    Unmatched,
    call_count,
    install,
    load_rules,
    parse_rule,
    read_calls,
)
from .context import LibraryContext
from .scopes import LibraryComponent, Scope, TestReport, Verdict
from .served import count_unmet


@dataclass
class FakeScope:
    """The fakes of one test (or suite): the shims, the private call records, the PATH change to undo.

    Call records hold raw argv and stdin (maybe keys), so they live in the private area; the
    masked ``calls.jsonl`` in ``root`` (under ``${OUTPUT DIR}``) is written when the scope ends.
    """

    root: Path
    raw: Path
    patch: EnvironmentPatch
    mark: int = 0  # calls numbered below this belong to earlier tests
    rules: dict[str, tuple[list[CliRule], Unmatched, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def bin_dir(self) -> Path:
        return self.root / "bin"

    @property
    def calls_dir(self) -> Path:
        return self.raw / "calls"


class FakeCliKeywords(LibraryComponent):
    def __init__(self, ctx: LibraryContext) -> None:
        super().__init__(ctx)
        self.fakes: dict[str, FakeScope] = {}  # by scope key

    def start_scope(self, scope: Scope) -> Verdict | None:
        if scope.kind == "test":  # calls made so far belong to earlier tests
            for fakes in self.fakes.values():
                fakes.mark = call_count(fakes.calls_dir)
        return None

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        """Undo the PATH change of the scope's fakes; keep a masked copy of their calls, drop the raw ones."""
        fakes = self.fakes.pop(scope.key, None)
        if fakes is None:
            return
        fakes.patch.restore()
        calls = [self.ctx.secrets.mask(call.to_dict()) for call in read_calls(fakes.calls_dir)]
        lines = "".join(json.dumps(call, ensure_ascii=True) + "\n" for call in calls)
        (fakes.root / "calls.jsonl").write_text(lines, encoding="utf-8")
        shutil.rmtree(fakes.raw, ignore_errors=True)

    def _scope(self) -> FakeScope:
        key = self.ctx.scope_key
        fakes = self.fakes.get(key)
        if fakes is None:
            root = self.ctx.fresh_folder("fake-cli", key)
            raw = self.ctx.private.folder("fake-cli", root.name)
            patch = EnvironmentPatch({"PATH": f"{root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"})
            patch.apply()
            fakes = self.fakes[key] = FakeScope(root, raw, patch)
        return fakes

    def _install(self, name: str, rules: list[CliRule], unmatched: Unmatched, record_env: tuple[str, ...]) -> str:
        scope = self._scope()
        shim = install(name, bin_dir=scope.bin_dir, records_root=scope.calls_dir, rules=rules,
                       unmatched=unmatched, env=record_env)  # fmt: skip
        scope.rules[name] = (rules, unmatched, record_env)
        logger.info(f"Fake '{name}' at {shim}: {len(rules)} rule(s), unmatched calls {unmatched}.")
        return str(shim)

    @keyword("Create Fake CLI")
    def create_fake_cli(
        self,
        name: str,
        stdout: str = "",
        stderr: str = "",
        exit_code: int = 0,
        *,
        rules: str | None = None,
        unmatched: Unmatched = "fail",
        delay: float = 0.0,
        capture_stdin: bool = False,
        record_env: str = "",
    ) -> str:
        """Puts an executable ``name`` first on PATH for processes started afterwards; returns its path.

        Without ``rules`` every call prints ``stdout`` and ``stderr`` and exits with ``exit_code``
        (after ``delay`` seconds, reading stdin when ``capture_stdin``). ``rules`` is a YAML
        file or YAML text: a list of ``{name, args, match, stdout, stderr, exit_code, delay,
        files, capture_stdin}``, ``match`` being ``exact``, ``prefix`` (default), ``glob``,
        ``regex`` or ``any`` on the arguments joined by spaces; the first rule that matches
        answers. ``unmatched=fail`` (exit 127 and a message naming the rules) or
        ``passthrough`` (run the real binary). ``record_env`` lists variables to record.

        Fakes made in a test vanish with it; in a suite setup, with the suite. Every call is
        recorded by the fake itself (argv, cwd, environment, stdin), even through a shell.

        Example:
        | Create Fake CLI    git    stdout=ok\\n
        | Create Fake CLI    gh    rules=${CURDIR}/fakes/gh.yaml    unmatched=passthrough
        """
        if rules:
            parsed = load_rules(rules)
        else:
            spec = {"name": "default", "stdout": stdout, "stderr": stderr, "exit_code": exit_code,
                    "delay": delay, "capture_stdin": capture_stdin}  # fmt: skip
            parsed = [parse_rule(spec, f"Create Fake CLI {name}")]
        env = tuple(name.strip() for name in record_env.replace(",", " ").split())
        return self._install(name, parsed, unmatched, env)

    @keyword("Add Fake CLI Rule")
    def add_fake_cli_rule(
        self, name: str, args: str, stdout: str = "", stderr: str = "", exit_code: int = 0, *,
        match: MatchKind = "prefix", delay: float = 0.0, capture_stdin: bool = False,
    ) -> None:  # fmt: skip
        """Adds a rule to fake ``name`` (creating it if needed), checked before its catch-all rules.

        Example:
        | Add Fake CLI Rule    git    push origin    stderr=rejected\\n    exit_code=1
        """
        spec = {"args": args, "match": match, "stdout": stdout, "stderr": stderr, "exit_code": exit_code,
                "delay": delay, "capture_stdin": capture_stdin}  # fmt: skip
        rule = parse_rule(spec, f"Add Fake CLI Rule {name}")
        rules, unmatched, env = self._scope().rules.get(name, ([], "fail", ()))
        specific = [r for r in rules if r.match != "any"]
        self._install(name, [*specific, rule, *[r for r in rules if r.match == "any"]], unmatched, env)

    def _calls(self, name: str | None = None) -> list[CliCall]:
        in_test = self.ctx.current_test is not None
        calls = [
            call for scope in self.fakes.values() for call in read_calls(scope.calls_dir, scope.mark if in_test else 0)
        ]
        calls.sort(key=lambda call: call.time_ns)
        return [call for call in calls if name is None or call.name == name]

    @keyword("Get Fake CLI Calls")
    def get_fake_cli_calls(self, name: str | None = None) -> list[dict[str, Any]]:
        """Returns the calls of fake ``name`` (or of every fake) in the current test, in order.

        Each is a dictionary with ``name``, ``argv``, ``cwd``, ``env``, ``stdin``, ``time``,
        ``rule`` (the rule that answered) and ``exit_code``.
        """
        calls = [call.to_dict() for call in self._calls(name)]
        logger.info("\n".join(_line(call) for call in self._calls(name)) or "No fake CLI calls.")
        return calls

    @keyword("Fake CLI Should Have Been Called")
    def fake_cli_should_have_been_called(
        self, name: str, *args: str, times: int | None = None, exact: bool = False
    ) -> None:
        """Fails unless fake ``name`` was called with arguments starting with ``args``.

        ``exact=True`` compares the whole argument list; ``times`` the number of such calls.

        Example:
        | Fake CLI Should Have Been Called    git    push    origin
        | Fake CLI Should Have Been Called    git    status    times=2
        """
        calls = self._calls(name)
        matching = [call for call in calls if _matches(call, args, exact)]
        count = count_unmet(len(matching), times, "at least once", "time(s)")
        if count:
            wanted = shlex.join([name, *args]) + (" (exactly)" if exact else "")
            raise AssertionError(
                f"Expected '{wanted}' {count}, seen {len(matching)}. Calls of '{name}': "
                + (", ".join(repr(shlex.join(call.argv)) for call in calls) or "none")
            )

    @keyword("Fake CLI Should Not Have Been Called")
    def fake_cli_should_not_have_been_called(self, name: str, *args: str) -> None:
        """Fails if fake ``name`` was called (with arguments starting with ``args``, if given)."""
        matching = [call for call in self._calls(name) if _matches(call, args, False)]
        if matching:
            raise AssertionError(f"'{shlex.join([name, *args])}' was called: {', '.join(_line(c) for c in matching)}")

    @keyword("Fake CLI Calls Should Be In Order")
    def fake_cli_calls_should_be_in_order(self, *commands: str) -> None:
        """Fails unless the given command lines were called in this order (other calls may come between).

        Each command is the fake's name and the first arguments, as one string.

        Example:
        | Fake CLI Calls Should Be In Order    git add .    git commit -m fix    git push origin
        """
        calls = self._calls()
        position = 0
        for command in commands:
            name, *args = shlex.split(command)
            found = next(
                (i for i in range(position, len(calls)) if calls[i].name == name and _matches(calls[i], args, False)),
                None,
            )
            if found is None:
                seen = ", ".join(repr(shlex.join([c.name, *c.argv])) for c in calls) or "none"
                raise AssertionError(f"'{command}' was not called after the previous commands. Calls in order: {seen}.")
            position = found + 1


def _matches(call: CliCall, args: tuple[str, ...] | list[str], exact: bool) -> bool:
    return list(call.argv) == list(args) if exact else list(call.argv[: len(args)]) == list(args)


def _line(call: CliCall) -> str:
    return f"{shlex.join([call.name, *call.argv])} (cwd {call.cwd}) -> rule {call.rule}, exit {call.exit_code}"
