"""One scope mechanism: every component sees every scope start and end, on every path, in order."""

from __future__ import annotations

from robot import result, running

from AgentTestLibrary.keywords.context import LibraryContext
from AgentTestLibrary.keywords.scopes import LibraryComponent, Scope, TestReport, Verdict
from AgentTestLibrary.listener import LibraryListener


class Recorder(LibraryComponent):
    def __init__(self, ctx: LibraryContext, name: str, log: list[str], broken: bool = False) -> None:
        super().__init__(ctx)
        self.name, self.log, self.broken = name, log, broken

    def start_scope(self, scope: Scope) -> Verdict | None:
        self.log.append(f"{self.name} start {scope.key}")
        return None

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        self.log.append(f"{self.name} end {scope.key}")
        if self.broken:
            raise RuntimeError("cleanup broke")

    def close(self) -> None:
        self.log.append(f"{self.name} close")


def tree() -> tuple[running.TestSuite, running.TestCase]:
    suite = running.TestSuite(name="Suite")
    return suite, suite.tests.create(name="Test", tags=["lane:no-model"])


def test_close_ends_every_open_scope_in_every_component_innermost_first() -> None:
    log: list[str] = []
    ctx = LibraryContext()
    listener = LibraryListener(ctx, [Recorder(ctx, "a", log), Recorder(ctx, "b", log)])
    suite, test = tree()
    listener.start_suite(suite, result.TestSuite())
    listener.start_test(test, result.TestCase())
    listener.close()  # Robot closed the library mid-test: the same ends run as if the test and suite had ended
    assert log == [
        "a start suite:Suite", "b start suite:Suite", "a start test:Suite.Test", "b start test:Suite.Test",
        "b end test:Suite.Test", "a end test:Suite.Test", "b end suite:Suite", "a end suite:Suite",
        "a close", "b close",
    ]  # fmt: skip
    assert ctx.scopes == []


def test_a_broken_component_does_not_stop_the_others_and_fails_the_test() -> None:
    log: list[str] = []
    ctx = LibraryContext()
    listener = LibraryListener(ctx, [Recorder(ctx, "a", log), Recorder(ctx, "broken", log, broken=True)])
    suite, test = tree()
    listener.start_suite(suite, result.TestSuite())
    listener.start_test(test, result.TestCase())
    outcome = result.TestCase(status="PASS")
    listener.end_test(test, outcome)
    assert "a end test:Suite.Test" in log
    assert (
        outcome.status == "FAIL"
        and "Recorder failed to end 'Suite.Test': RuntimeError: cleanup broke" in outcome.message
    )


def test_the_context_knows_the_current_test_and_the_scope_key() -> None:
    ctx = LibraryContext()
    listener = LibraryListener(ctx, [])
    suite, test = tree()
    listener.start_suite(suite, result.TestSuite())
    assert ctx.current_test is None and ctx.scope_key == "suite:Suite"
    listener.start_test(test, result.TestCase())
    assert ctx.current_test == "Suite.Test" and ctx.scope_key == "test:Suite.Test"
    listener.end_test(test, result.TestCase(status="PASS"))
    assert ctx.scope_key == "suite:Suite"
