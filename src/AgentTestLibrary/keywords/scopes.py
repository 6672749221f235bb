"""One scope mechanism: the listener announces suites and tests; every component with scoped state follows.

A keyword component that keeps state per test or per suite (mocks, rules and faults, cassettes,
fake CLIs, hooks, runtimes, the live lane) subclasses :class:`LibraryComponent` and implements
:meth:`~LibraryComponent.start_scope` / :meth:`~LibraryComponent.end_scope`. The listener only
pushes and pops :class:`Scope` objects and calls every component in order (ends in reverse), so
ending a scope is one loop whether the suite ends, the test ends or Robot closes the library:
no component can be forgotten on one of those paths. A component that fails does not stop the
others; its error is reported on the test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .context import LibraryContext


@dataclass(frozen=True)
class Scope:
    """A suite or a test while it runs."""

    kind: Literal["suite", "test"]
    name: str  # full name, e.g. "E2E.Faults" or "E2E.Faults.Rate Limited Twice"
    short_name: str
    suite_name: str  # the short name of the suite (the suite itself, or the test's suite)
    parent: str = ""  # the full name of the enclosing suite
    source: str = ""
    tags: tuple[str, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """How rules, faults and fakes added in this scope are labelled (and removed at its end)."""
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class Verdict:
    """What must happen to a test before it runs: a skip or a failure, with the reason."""

    action: Literal["skip", "fail"]
    message: str


@dataclass
class TestReport:
    """A test's result as components see it at its end: they add failures or explain one away."""

    __test__ = False  # not a pytest test class
    status: str
    message: str
    upstream_failures: list[str] = field(default_factory=list)  # recordings that could not reach their upstream

    @property
    def passed(self) -> bool:
        return self.status == "PASS"

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"

    def fail(self, problem: str) -> None:
        """Fail the test with ``problem``; a test that already failed keeps its first message."""
        if self.failed:
            self.message = f"{self.message}\n\nAlso, {problem}"
        elif self.passed:
            self.status, self.message = "FAIL", problem[:1].upper() + problem[1:]

    def skip(self, reason: str) -> None:
        self.status, self.message = "SKIP", reason


class LibraryComponent:
    """A keyword component: shares the library's context, follows scopes (no-ops by default)."""

    def __init__(self, ctx: LibraryContext) -> None:
        self.ctx = ctx

    def start_scope(self, scope: Scope) -> Verdict | None:
        """A suite or test starts; a test may be skipped or failed before it runs."""
        return None

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        """A suite or test ends (``report`` for tests). Runs for every open scope when Robot closes, too."""
        return None

    def close(self) -> None:
        """The library goes out of scope, after every open scope has ended."""
        return None
