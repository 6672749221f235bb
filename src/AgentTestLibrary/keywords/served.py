"""Mock servers a test talks to (the model mock, MCP servers, REST services, AWS): one lifecycle for all of them.

A :class:`ServedComponent` keeps its running servers by name, in the order started, and
follows scopes: at a test's start every server's counters restart (sequences, faults, and
whatever else its application counts per test); at its end the test's additions are removed,
its exchanges written as evidence, and exchanges that broke a strict server's closed world
fail the test with the near miss; a server stops with the suite that started it, and its
secrets (its admin token) leave the registry then. A server is started only here
(:meth:`ServedComponent.start_server`); the newest one is the current one
(:meth:`ServedComponent.current`). Subclasses say what kind of server they hold, how
evidence and transcripts name it, and how to describe an entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from robot.api import logger

from ..environment import describe
from ..errors import NotRunningError, ScenarioError
from .evidence import write_evidence
from .scopes import LibraryComponent, Scope, TestReport

if TYPE_CHECKING:
    from ..environment import EnvironmentPatch
    from ..mock.application import MockApplication
    from ..mock.faults import Fault
    from ..mock.fields import Field
    from ..mock.journal import Journal, JournalEntry
    from ..mock.rulebook import RuleBook
    from ..mock.server import Limits, MockServer
    from ..report.transcript import Source


@dataclass
class Served:
    """One started server: its name, application, server, exported variables and owning suite."""

    name: str
    app: Any  # a MockApplication
    server: MockServer
    suite: str
    environment: EnvironmentPatch
    test_mark: int = 0

    @property
    def url(self) -> str:
        return self.server.url

    def counts(self, entry: JournalEntry) -> bool:
        """Whether an entry is one of the client's requests (not an admin call, a notification, a refusal)."""
        return entry.kind == "request" and entry.subject is not None

    def entries(self, in_test: bool) -> list[JournalEntry]:
        """The client's requests of the current test (or since the start)."""
        journal: Journal = self.app.journal
        return [entry for entry in journal.entries(self.test_mark if in_test else 0) if self.counts(entry)]

    def stop(self) -> None:
        """Stop serving, put the environment back, and let the application go (its secrets leave the registry)."""
        self.server.stop()
        self.environment.restore()
        self.app.close()


class ServedComponent(LibraryComponent):
    """Keeps named servers of one kind and their lifecycle."""

    kind = "mock server"  # how messages name one, e.g. "mock MCP server"
    start_keyword = "Start Mock Server"  # what starts one (named when none is running)
    evidence_tag = "server"  # evidence files are <test>-<tag>-<name>.json
    always_evidence = False  # write an evidence file even for a test with no exchanges
    source: Source = "service"  # how the transcript draws its exchanges: llm, mcp, service or aws
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
            for number, served in enumerate(self.of_test(None)):
                unfired = served.app.faults.unfired(scope.key)
                served.app.remove_scope(scope.key)
                entries = served.entries(in_test=True)
                dropped = served.app.journal.truncated_since(served.test_mark)
                if entries or dropped or self.always_evidence:
                    write_evidence(self.ctx, scope, entries, self.evidence_suffix(number, served), dropped,
                                   what=self.evidence_label(served))  # fmt: skip
                problem = self.strict_problem(served, entries)
                if problem:
                    report.fail(problem)
                if unfired:
                    report.fail(self.unfired_problem(served, unfired, "this test"))
            self.stopped_during_test.clear()
            return
        for served in list(self.servers.values()):
            unfired = served.app.faults.unfired(scope.key)
            if unfired:
                logger.warn(self.unfired_problem(served, unfired, f"suite '{scope.name}'"))
            served.app.remove_scope(scope.key)
            if served.suite == scope.name and self.servers.get(served.name) is served:
                self.stop_served(served)
                logger.info(f"Stopped {self.kind} '{served.name}' at {served.url} at the end of suite '{scope.name}'.")

    def close(self) -> None:
        for served in reversed(list(self.servers.values())):
            self.stop_served(served)

    # -- how a server is shown -----------------------------------------------------------------

    def describe(self, entry: JournalEntry) -> str:
        """One line naming an exchange in failure messages."""
        return f"{entry.method} {entry.path}"

    def evidence_suffix(self, number: int, served: Served) -> str:
        """What tells this server's evidence file apart (``number``: its place among the test's servers)."""
        return f"-{self.evidence_tag}-{served.name}"

    def evidence_label(self, served: Served) -> str:
        return f"{self.kind} '{served.name}'"

    def transcript_label(self, number: int, served: Served) -> str:
        return f"{self.label} {served.name}" if self.label != served.name.upper() else self.label

    def strict_problem(self, served: Served, entries: list[JournalEntry]) -> str:
        """Why the test fails because of exchanges that broke a strict server's closed world, or that a rule could
        not answer as written (a 500 naming the rule, its file and the placeholder), strict or not ('' when none)."""
        problems = []
        broken = [entry for entry in entries if entry.unmatched]
        if broken:
            lines = "\n".join(f"exchange #{entry.index} {self.describe(entry)}: {entry.near_miss}" for entry in broken)
            problems.append(f"strict {self.kind} '{served.name}': {len(broken)} call(s) broke its closed world:\n"
                            f"{lines}")  # fmt: skip
        flawed = [entry for entry in entries if entry.rule_error]
        if flawed:
            lines = "\n".join(f"exchange #{entry.index} {self.describe(entry)}: {entry.error}" for entry in flawed)
            problems.append(f"{self.kind} '{served.name}': {len(flawed)} call(s) got an error because a rule could not "
                            f"answer as written:\n{lines}")  # fmt: skip
        return "\n".join(problems)

    def unfired_problem(self, served: Served, faults: list[Fault], scope: str) -> str:
        """Faults a test (it fails) or a suite setup (a warning) injected that never fired, with their targets."""
        lines = "\n".join(f"- {fault.describe()}{_target(fault)}" for fault in faults)
        return (f"{self.kind} '{served.name}': {len(faults)} fault(s) injected in {scope} never fired (a target no "
                f"request matched; a fault meant never to fire is cleared before the test ends):\n{lines}")  # fmt: skip

    # -- servers -------------------------------------------------------------------------------

    def start_server(self, app: MockApplication, host: str = "127.0.0.1", port: int = 0, *,
                     limits: Limits | None = None, allow_remote: bool = False) -> MockServer:  # fmt: skip
        """Serve ``app`` on ``host:port`` (0: the OS picks) and return the running server."""
        from ..mock.server import MockServer

        server = MockServer(app, host, port, limits=limits, allow_remote=allow_remote)
        server.start()
        if server.warning:
            logger.warn(server.warning)
        return server

    def add_served(self, served: Served) -> None:
        """Register a started server (its name checked free with :meth:`check_free` before starting it)."""
        served.environment.apply()
        if served.environment.values:
            logger.info(f"Exported to processes started from now on: {describe(served.environment.values)}.")
        served.test_mark = served.app.journal.next_index
        self.servers[served.name] = served

    def check_free(self, name: str) -> None:
        if name in self.servers:
            raise ScenarioError(f"A {self.kind} named '{name}' is already running at {self.servers[name].url}; "
                                "stop it first or choose another name.")  # fmt: skip

    def stop_served(self, served: Served) -> None:
        """Stop one server; servers started after it that exported the same variables stop first (newest first),
        so every variable ends as it was before the oldest of them started."""
        running = list(self.servers.values())
        later = running[running.index(served) + 1 :]
        for other in reversed(later):
            if set(other.environment.values) & set(served.environment.values):
                self._stop(other)
        self._stop(served)

    def _stop(self, served: Served) -> None:
        served.stop()
        del self.servers[served.name]
        if self.ctx.current_test:
            self.stopped_during_test.append(served)

    def served(self, name: str) -> Served:
        found = self.servers.get(name)
        if found is None:
            names = ", ".join(self.servers) or "none is running"
            raise NotRunningError(f"No {self.kind} named '{name}' ({names}). Start it first.")
        return found

    def current(self) -> Served:
        """The newest running server."""
        if not self.servers:
            raise NotRunningError(f"No {self.kind} is running. Call '{self.start_keyword}' first (e.g. in Suite "
                                  "Setup).")  # fmt: skip
        return next(reversed(self.servers.values()))

    def of_test(self, name: str | None) -> list[Served]:
        """The servers of the current test (those it stopped included), oldest first; ``name`` picks one."""
        servers = [*self.stopped_during_test, *self.servers.values()]
        if name is None:
            return servers
        chosen = [served for served in servers if served.name == name]
        return chosen or [self.served(name)]


CONDITION_DATA = ("query", "json", "params", "arguments")  # conditions written as JSON or YAML text in keywords


def inject_fault(app: MockApplication, name: str, fault: dict[str, Any], fields: Mapping[str, Field],
                 conditions: Mapping[str, Field] | tuple[str, ...], *, scope_key: str) -> str:  # fmt: skip
    """A fault from a keyword's named arguments: effects converted from Robot's strings by their fields; conditions
    by theirs when typed (the model mock's), else as given (JSON/YAML text for the ones that hold conditions);
    unknown names refused with the valid ones."""
    from ..mock.fields import from_text
    from ..validation import data_from

    spec = from_text({key: value for key, value in fault.items() if key in fields or key == "name"}, dict(fields))
    typed = conditions if isinstance(conditions, Mapping) else {}
    when: dict[str, Any] = {}
    for key, value in fault.items():
        if key in typed:
            when[key] = typed[key].from_text(value)
        elif key in conditions and key in CONDITION_DATA:
            when[key] = data_from(value, f"fault condition {key}")
        elif key in conditions:
            when[key] = int(value) if key == "page" and isinstance(value, str) and value.isdigit() else value
    unknown = sorted(set(fault) - set(spec) - set(when))
    if unknown:
        raise ScenarioError(f"Unknown fault argument(s) {', '.join(unknown)}; use the fault keys {', '.join(fields)} "
                            f"or the conditions {', '.join(conditions)}.")  # fmt: skip
    spec["when"] = when
    spec.setdefault("name", f"keyword fault #{len(app.faults) + 1}")
    parsed = app.parse_fault(spec, f"fault for '{name}'")
    app.add_fault(parsed, scope_key)
    logger.info(f"Injected {parsed.describe()} into '{name}' for {scope_key}.")
    return str(parsed.name)


def _target(fault: Fault) -> str:
    """What a fault's ``when`` asks for, as written (its plain values), e.g. `` for route=add labels``."""
    matcher = fault.matcher
    if not dataclasses.is_dataclass(matcher):
        return ""
    values = [(item.name, getattr(matcher, item.name)) for item in dataclasses.fields(matcher)]
    asked = [f"{name}={value}" for name, value in values if isinstance(value, str | int)]
    return f" for {', '.join(asked)}" if asked else ""


def count_unmet(count: int, times: int | None, any_of: str, each: str) -> str:
    """What a ``... Should Have Received`` assertion wanted (``any_of`` when ``times`` is None, else ``N each``), or
    '' when ``count`` matching exchanges fit it (at least one, or exactly ``times``)."""
    if (count > 0) if times is None else count == times:
        return ""
    return any_of if times is None else f"{times} {each}"


def with_values(values: dict[str, Any]) -> str:
    """`` with key='value', ...`` of an assertion's conditions, '' without any."""
    return f" with {', '.join(f'{key}={value!r}' for key, value in values.items())}" if values else ""


def require_all_used(book: RuleBook[Any], in_test: bool, noun: str) -> None:
    """Fail naming the rules (or routes) that answered nothing in the test, or since the mock started."""
    unused = book.unused(in_test)
    if unused:
        when = "in this test" if in_test else "since the mock started"
        listing = "\n".join(f"- {rule.describe()}" for rule in unused)
        raise AssertionError(f"{len(unused)} {noun}(s) answered nothing {when}:\n{listing}")
    logger.info(f"Every {noun} answered at least once.")
