"""The library listener: announces suites and tests to the components, and masks secrets in every output.

It holds no state of its own beyond the components it was given: each suite or test becomes a
:class:`~.keywords.scopes.Scope` pushed on the context's stack and announced to every component
in order (ends in reverse order), so all scoped state follows one mechanism. A verdict from a
component (a lane breach, the live gate, a stale cassette) replaces the test's body before it
runs; what components report at a test's end (strict mode, a failed recording, a sealed network)
becomes its status and message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property, partial
from typing import Any

from robot import result as robot_result
from robot import running
from robot.api import logger
from robot.errors import DataError
from robot.libraries.BuiltIn import BuiltIn

from .keywords.arguments import SECRET_PARAMETERS, secret_arguments
from .keywords.context import LibraryContext
from .keywords.scopes import LibraryComponent, Scope, TestReport, Verdict


class LibraryListener:
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, ctx: LibraryContext, components: Sequence[LibraryComponent]) -> None:
        self.ctx = ctx
        self.components = tuple(components)

    # -- masking: no registered secret reaches output.xml, log.html or the console ------------

    def log_message(self, message: robot_result.Message) -> None:
        message.message = self.ctx.secrets.mask_text(message.message)

    def message(self, message: robot_result.Message) -> None:
        message.message = self.ctx.secrets.mask_text(message.message)

    @cached_property
    def secret_takers(self) -> dict[str, Callable[..., Any]]:
        """Keywords with secret parameters, by normalized name (see ``keywords.arguments.takes_secrets``)."""
        return {  # read from the classes: no property of a component runs
            _normalized(function.robot_name): function
            for component in self.components
            for klass in type(component).__mro__
            for function in vars(klass).values()
            if getattr(function, SECRET_PARAMETERS, None) and getattr(function, "robot_name", None)
        }

    def start_keyword(self, data: running.Keyword, result: robot_result.Keyword) -> None:
        """Register the secrets a keyword is given before Robot logs its arguments (TRACE) or runs it."""
        method = self.secret_takers.get(_normalized(result.name or ""))
        if method is None:
            return
        for written, secrets_in in secret_arguments(method, result.args):
            try:
                value = BuiltIn().replace_variables(written)
            except DataError:
                continue  # Robot fails the call itself, before it logs any argument
            for secret in secrets_in(value):
                self.ctx.secrets.add(secret)

    def end_keyword(self, data: running.Keyword, result: robot_result.Keyword) -> None:
        mask = self.ctx.secrets.mask_text
        result.args = tuple(mask(str(argument)) for argument in result.args)
        result.message = mask(result.message)

    # -- scopes ----------------------------------------------------------------------------------

    def start_suite(self, data: running.TestSuite, result: robot_result.TestSuite) -> None:
        parent = data.parent.full_name if data.parent else ""
        scope = Scope("suite", data.full_name, data.name, data.name, parent, str(data.source or ""),
                      metadata=_metadata(data))  # fmt: skip
        self._start(scope)

    def start_test(self, data: running.TestCase, result: robot_result.TestCase) -> None:
        suite = data.parent
        scope = Scope("test", data.full_name, data.name, suite.name if suite else "", suite.full_name if suite else "",
                      str(data.source or ""), tuple(str(tag) for tag in data.tags), _metadata(suite))  # fmt: skip
        verdict = self._start(scope)
        if verdict is not None:
            _replace_body(data, "BuiltIn.Fail" if verdict.action == "fail" else "BuiltIn.Skip", verdict.message)

    def end_test(self, data: running.TestCase, result: robot_result.TestCase) -> None:
        report = TestReport(result.status, self.ctx.secrets.mask_text(result.message))
        self._end(data.full_name, report)
        result.status, result.message = report.status, self.ctx.secrets.mask_text(report.message)

    def end_suite(self, data: running.TestSuite, result: robot_result.TestSuite) -> None:
        self._end(data.full_name, None)

    def close(self) -> None:
        """Every scope still open ends the same way it would have (innermost first), then the components close."""
        while self.ctx.scopes:
            self._end(self.ctx.scopes[-1].name, None)
        for component in self.components:
            _guarded(component.close, f"{type(component).__name__} could not close")
        self.ctx.ledger.close()
        self.ctx.private.close()

    def _start(self, scope: Scope) -> Verdict | None:
        self.ctx.scopes.append(scope)
        verdicts = [
            _guarded(partial(component.start_scope, scope), f"{type(component).__name__} failed to start "
                     f"'{scope.name}'", as_verdict=scope.kind == "test")
            for component in self.components
        ]  # fmt: skip
        return next((verdict for verdict in verdicts if isinstance(verdict, Verdict)), None)

    def _end(self, name: str, report: TestReport | None) -> None:
        if not any(scope.name == name for scope in self.ctx.scopes):
            return  # a scope this listener never saw start
        while self.ctx.scopes:
            scope = self.ctx.scopes[-1]
            for component in reversed(self.components):
                problem = _guarded(partial(component.end_scope, scope, report),
                                   f"{type(component).__name__} failed to end '{scope.name}'")  # fmt: skip
                if isinstance(problem, str) and report is not None:
                    report.fail(problem)
            self.ctx.scopes.pop()
            if scope.name == name:
                return


def _guarded(call: Callable[[], object], what: str, as_verdict: bool = False) -> object:
    """Run one component's part; its error is reported (as a verdict or a problem), never stops the others."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - one broken component must not skip the others' cleanup
        problem = f"{what}: {type(error).__name__}: {error}"
        logger.error(problem)
        return Verdict("fail", problem) if as_verdict else problem


def _replace_body(test: running.TestCase, keyword: str, message: str) -> None:
    """Run only ``keyword`` (Skip or Fail) with ``message`` instead of the test and its setup/teardown."""
    test.setup.config(name=None)
    test.teardown.config(name=None)
    test.body.clear()
    test.body.create_keyword(name=keyword, args=[message.replace("\\", "\\\\")])


def _normalized(name: str) -> str:
    """A keyword name as Robot matches it: case, spaces and underscores ignored."""
    return "".join(name.lower().split()).replace("_", "")


def _metadata(suite: running.TestSuite | None) -> tuple[tuple[str, str], ...]:
    """The suite's metadata with its parents' (nearer suites win)."""
    metadata: dict[str, str] = {}
    while suite is not None:
        metadata = {**{str(k): str(v) for k, v in suite.metadata.items()}, **metadata}
        suite = suite.parent
    return tuple(metadata.items())
