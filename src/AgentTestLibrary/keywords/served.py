"""Named mock servers a test talks to (MCP servers, REST services, AWS): one lifecycle for all of them.

A :class:`ServedComponent` keeps its running servers by name and follows scopes the way the
model mock does: at a test's start every server's counters restart (sequences, faults, and
whatever else its application restarts); at its end the test's additions are removed, its
exchanges written as evidence, and exchanges that broke a strict server's closed world fail
the test with the near miss; a server stops with the suite that started it. Subclasses say
what kind of server they hold and how to describe an entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from robot.api import logger

from ..environment import EnvironmentPatch
from ..errors import ScenarioError
from ..mock.fields import Field, from_text
from ..mock.journal import Journal, JournalEntry
from ..mock.rulebook import RuleBook
from ..mock.server import MockServer
from ..validation import data_from
from .evidence import write_evidence
from .scopes import LibraryComponent, Scope, TestReport


class ScopedApp(Protocol):
    """What a served application offers the keyword layer."""

    @property
    def journal(self) -> Journal: ...

    def remove_scope(self, scope: str) -> None: ...

    def reset_counters(self) -> None: ...


@dataclass
class Served:
    """One started server: its name, application, server, exported variables and owning suite."""

    name: str
    app: Any  # a ScopedApp
    server: MockServer
    suite: str
    environment: EnvironmentPatch
    test_mark: int = 0

    def entries(self, in_test: bool) -> list[JournalEntry]:
        """The client's requests of the current test (or since the start), not admin calls or notifications."""
        journal: Journal = self.app.journal
        return [entry for entry in journal.entries(self.test_mark if in_test else 0)
                if entry.kind == "request" and entry.subject is not None]  # fmt: skip

    def stop(self) -> None:
        self.server.stop()
        self.environment.restore()


class ServedComponent(LibraryComponent):
    """Keeps named servers of one kind and their lifecycle."""

    kind = "mock server"  # how messages name one, e.g. "mock MCP server"
    evidence_tag = "server"  # evidence files are <test>-<tag>-<name>.json
    source = "service"  # how the transcript draws its exchanges: mcp, service or aws
    label = "server"  # how the transcript names one, before its name

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.servers: dict[str, Served] = {}
        self.stopped_during_test: list[Served] = []
        ctx.served.append(self)

    # -- scopes --------------------------------------------------------------------------------

    def start_scope(self, scope: Scope) -> None:
        if scope.kind == "test":
            for served in self.servers.values():
                served.test_mark = served.app.journal.next_index
                served.app.reset_counters()

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        if report is not None:
            for served in [*self.stopped_during_test, *self.servers.values()]:
                served.app.remove_scope(scope.key)
                entries = served.entries(in_test=True)
                dropped = served.app.journal.truncated_since(served.test_mark)
                if entries or dropped:
                    write_evidence(self.ctx, scope, entries, f"-{self.evidence_tag}-{served.name}", dropped,
                                   what=f"{self.kind} '{served.name}'")  # fmt: skip
                broken = [entry for entry in entries if entry.unmatched]
                if broken:
                    lines = "\n".join(f"exchange #{entry.index} {self.describe(entry)}: {entry.near_miss}"
                                      for entry in broken)  # fmt: skip
                    report.fail(f"strict {self.kind} '{served.name}': {len(broken)} call(s) broke its closed "
                                f"world:\n{lines}")  # fmt: skip
            self.stopped_during_test.clear()
            return
        for served in list(self.servers.values()):
            served.app.remove_scope(scope.key)
            if served.suite == scope.name:
                self.stop_served(served)
                logger.info(f"Stopped {self.kind} '{served.name}' at the end of suite '{scope.name}'.")

    def close(self) -> None:
        for served in list(self.servers.values()):
            self.stop_served(served)

    # -- servers -------------------------------------------------------------------------------

    def describe(self, entry: JournalEntry) -> str:
        """One line naming an exchange in failure messages."""
        return f"{entry.method} {entry.path}"

    def add_served(self, served: Served) -> None:
        """Register a started server (its name checked free with :meth:`check_free` before starting it)."""
        served.environment.apply()
        served.test_mark = served.app.journal.next_index
        self.servers[served.name] = served

    def check_free(self, name: str) -> None:
        if name in self.servers:
            raise ScenarioError(f"A {self.kind} named '{name}' is already running at {self.servers[name].server.url}; "
                                "stop it first or choose another name.")  # fmt: skip

    def stop_served(self, served: Served) -> None:
        served.stop()
        del self.servers[served.name]
        if self.ctx.current_test:
            self.stopped_during_test.append(served)

    def served(self, name: str) -> Served:
        found = self.servers.get(name)
        if found is None:
            names = ", ".join(self.servers) or "none is running"
            raise ScenarioError(f"No {self.kind} named '{name}' ({names}). Start it first.")
        return found

    def of_test(self, name: str | None) -> list[Served]:
        """The servers of the current test (those it stopped included); ``name`` picks one."""
        servers = [*self.stopped_during_test, *self.servers.values()]
        if name is None:
            return servers
        chosen = [served for served in servers if served.name == name]
        return chosen or [self.served(name)]


CONDITION_DATA = ("query", "json", "params", "arguments")  # conditions written as JSON or YAML text in keywords


def inject_fault(app: Any, name: str, fault: dict[str, Any], fields: dict[str, Field], when_keys: tuple[str, ...],
                 *, scope: str) -> str:  # fmt: skip
    """A fault from a keyword's named arguments: effects converted from Robot's strings, conditions as given
    (JSON/YAML text for the ones that hold conditions), unknown names refused with the valid ones."""
    spec = from_text({key: value for key, value in fault.items() if key in fields or key == "name"}, fields)
    when: dict[str, Any] = {}
    for key, value in fault.items():
        if key in when_keys:
            when[key] = data_from(value, f"fault condition {key}") if key in CONDITION_DATA else value
    if isinstance(when.get("page"), str) and when["page"].isdigit():
        when["page"] = int(when["page"])
    unknown = sorted(set(fault) - set(spec) - set(when))
    if unknown:
        raise ScenarioError(f"Unknown fault argument(s) {', '.join(unknown)}; use the fault keys {', '.join(fields)} "
                            f"or the conditions {', '.join(when_keys)}.")  # fmt: skip
    spec["when"] = when
    spec.setdefault("name", f"keyword fault #{len(app.faults) + 1}")
    parsed = app.parse_fault(spec, f"fault for '{name}'")
    app.add_fault(parsed, scope)
    logger.info(f"Injected {parsed.describe()} into '{name}' for {scope}.")
    return str(parsed.name)


def require_all_used(book: RuleBook[Any], in_test: bool, noun: str) -> None:
    """Fail naming the rules (or routes) that answered nothing in the test, or since the mock started."""
    unused = book.unused(in_test)
    if unused:
        when = "in this test" if in_test else "since the mock started"
        listing = "\n".join(f"- {rule.describe()}" for rule in unused)
        raise AssertionError(f"{len(unused)} {noun}(s) answered nothing {when}:\n{listing}")
    logger.info(f"Every {noun} answered at least once.")
