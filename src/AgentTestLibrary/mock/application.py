"""What every mock application is on its pipeline: the defaults the model mock, MCP, services and AWS share.

An application says its routes, its :attr:`~MockApplication.endpoint` (whose error shape
answers requests no route serves) and the scoped collections it keeps
(:meth:`~MockApplication.scoped`: rule books, catalogues, seeded collections). Given once,
here: adding and clearing faults, removing what a scope added, restarting what is counted per
test, the error shape, the not-found answer, and what it shows of its pipeline (journal,
faults, secrets).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..secrets import SecretRegistry
from .faults import Fault, FaultSet
from .http import Outcome, Request
from .journal import DEFAULT_LIMIT, Journal
from .pipeline import Endpoint, Found, Pipeline, Route
from .scoped import Scoped


class MockApplication:
    """The shared part of every mock application; subclasses set their state, then call :meth:`start_pipeline`."""

    name = "mock"
    paths_hint = ""  # what a 404 adds, e.g. where the protocol's endpoint is
    pipeline: Pipeline
    endpoint: Endpoint

    def start_pipeline(self, secrets: SecretRegistry | None = None, *, admin_token: str | None = None,
                       journal_limit: int = DEFAULT_LIMIT, faults: Iterable[Fault] = ()) -> None:  # fmt: skip
        self.pipeline = Pipeline(self, secrets, admin_token=admin_token, journal_limit=journal_limit)
        self.pipeline.faults.load(faults)

    # -- what the pipeline asks ----------------------------------------------------------------

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def parse_fault(self, data: Any, source: str) -> Fault:
        """A fault from JSON data, its ``when`` in this protocol's conditions; ScenarioError when invalid."""
        raise NotImplementedError

    def shape_for(self, request: Request) -> Endpoint:
        """The endpoint whose error shape fits a request that matched no route."""
        return self.endpoint

    def not_found(self, request: Request, found: Found) -> Outcome:
        shape = self.shape_for(request)
        if found.allowed:
            allowed = " or ".join(found.allowed)
            outcome = shape.error(405, f"{request.path} accepts {allowed}, not {request.method}.{self.paths_hint}")
            outcome.headers.append(("allow", ", ".join(found.allowed)))
            return outcome
        return shape.error(404, f"Unknown path {request.path}.{self.paths_hint}")

    def blocking(self, request: Request) -> bool:
        """Whether answering may wait on something slow (then it runs off the event loop)."""
        return False

    def reset(self) -> None:
        """Restart the application's counters and state (the pipeline also empties the journal)."""
        self.reset_counters()

    # -- scopes --------------------------------------------------------------------------------

    def scoped(self) -> tuple[Scoped[Any, Any], ...]:
        """The collections that follow scopes besides the faults (rule books, catalogues, collections)."""
        return ()

    def add_fault(self, fault: Fault, scope_key: str) -> None:
        """A fault (checked in the order added; the first that fires wins) until ``scope_key`` ends."""
        self.faults.add(fault, scope_key)

    def clear_faults(self, scope_key: str) -> None:
        """Drop the faults ``scope_key`` added and restart fault counters."""
        self.faults.clear(scope_key)

    def remove_scope(self, scope_key: str) -> None:
        """Drop everything ``scope_key`` added (faults, rules, tools, seeds ...)."""
        for collection in (self.faults, *self.scoped()):
            collection.remove_scope(scope_key)

    def reset_counters(self) -> None:
        """A new test: sequences, fault counters and whatever else is counted per test start again."""
        for collection in (self.faults, *self.scoped()):
            collection.reset_counters()

    def close(self) -> None:
        """The mock is done (its server stopped): release what it holds."""
        self.pipeline.close()

    # -- the pipeline it sits on ---------------------------------------------------------------

    def handle(self, request: Request) -> Outcome:
        return self.pipeline.handle(request)

    @property
    def journal(self) -> Journal:
        return self.pipeline.journal

    @property
    def faults(self) -> FaultSet:
        return self.pipeline.faults

    @property
    def secrets(self) -> SecretRegistry:
        return self.pipeline.secrets
