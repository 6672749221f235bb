"""Faults on demand, for every protocol and both transports: what to break, when, and how.

A fault is a targeting part (a protocol's ``when`` matcher, the ``nth`` call, ``times`` then
recover, a ``probability`` with a fixed ``seed``) and its effects (an error status with retry
headers, latency, stream pacing, a cut, a malformed body or event, a bounded hang, a WebSocket
close, a reset). The pipeline asks :meth:`FaultSet.pick` once per request and alone decides
whether the fault replaces the answer (:attr:`Fault.replaces_answer`); the endpoint only
renders that error in its protocol's shape; :func:`apply` enacts every other effect on the
outcome, the same way over HTTP and WebSocket. Field kinds are declared once, on :class:`Fault`.
Counters restart with every test, so a fault in one test never leaks into the next.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from ..validation import Validator, dotted
from ..yamlio import Path
from .fields import Field, spec, specs
from .http import Event, Outcome, Timing
from .scoped import ScopedList

MAX_HANG_S = 300.0
MALFORMED_KINDS = ("sse", "json")
MALFORMED_EVENT = '{"malformed": <<not json'


class Targeting(Protocol):
    """A protocol's conditions on a request: why it does not match (empty: it matches)."""

    def mismatches(self, subject: Any) -> list[str]: ...


class MatchAll:
    def mismatches(self, subject: Any) -> list[str]:
        return []


@dataclass(frozen=True)
class Fault:
    """One fault as configured; docs/reference/formats.md lists every key."""

    name: str
    matcher: Targeting = field(default_factory=MatchAll)
    status: int | None = field(
        default=None, metadata=spec("int", minimum=400, maximum=599, expected="an error status 400-599")
    )
    message: str | None = field(default=None, metadata=spec("str"))
    error_type: str | None = field(default=None, metadata=spec("str"))
    retry_after: float | None = field(default=None, metadata=spec("number", minimum=0))
    retry_after_ms: int | None = field(default=None, metadata=spec("int", minimum=0))
    should_retry: bool | None = field(default=None, metadata=spec("bool"))
    delay_ms: int = field(default=0, metadata=spec("int", minimum=0, maximum=MAX_HANG_S * 1000))
    first_token_ms: int = field(default=0, metadata=spec("int", minimum=0, maximum=MAX_HANG_S * 1000))
    chunk_ms: int = field(default=0, metadata=spec("int", minimum=0, maximum=60_000))
    cut_after_events: int | None = field(default=None, metadata=spec("int", minimum=0))
    cut_after_bytes: int | None = field(default=None, metadata=spec("int", minimum=0))
    malformed: str | None = field(default=None, metadata=spec("choice", choices=MALFORMED_KINDS))
    hang_s: float | None = field(
        default=None,
        metadata=spec("number", minimum=0, maximum=MAX_HANG_S,
                      too_large=f"a hang is bounded to {MAX_HANG_S:g} s so no test hangs forever"),
    )  # fmt: skip
    ws_close_after_events: int | None = field(default=None, metadata=spec("int", minimum=0))
    reset: bool | None = field(default=None, metadata=spec("bool"))  # drop the connection without an answer
    nth: int | None = field(default=None, metadata=spec("int", minimum=1))
    times: int | None = field(default=None, metadata=spec("int", minimum=1))
    probability: float | None = field(
        default=None, metadata=spec("number", minimum=0, maximum=1, too_large="a probability is between 0 and 1")
    )
    seed: int = field(default=0, metadata=spec("int", minimum=0))

    @property
    def breaks_response(self) -> bool:
        """True when the client does not get a complete, well-formed success."""
        return any(
            value is not None
            for value in (self.status, self.cut_after_events, self.cut_after_bytes, self.malformed, self.hang_s,
                          self.ws_close_after_events)
        ) or bool(self.reset)  # fmt: skip

    @property
    def replaces_answer(self) -> bool:
        """True when the client gets the fault's answer instead of the reply (an error status, a reset);
        only the pipeline asks (:meth:`~.pipeline.Pipeline.handle`), every protocol alike."""
        return self.status is not None or bool(self.reset)

    def timing(self) -> Timing:
        return Timing(self.delay_ms / 1000, self.first_token_ms / 1000, self.chunk_ms / 1000, self.hang_s)

    @property
    def error_message(self) -> str:
        return self.message or f"AgentTestLibrary injected fault: HTTP {self.status or 500}"

    def retry_headers(self) -> list[tuple[str, str]]:
        headers = []
        if self.retry_after is not None:
            headers.append(("retry-after", str(max(0, math.ceil(self.retry_after)))))
            if self.retry_after_ms is None:
                headers.append(("retry-after-ms", str(round(self.retry_after * 1000))))
        if self.retry_after_ms is not None:
            headers.append(("retry-after-ms", str(self.retry_after_ms)))
        if self.should_retry is not None:
            headers.append(("x-should-retry", "true" if self.should_retry else "false"))
        return headers

    @property
    def asked_wait_s(self) -> float | None:
        """How long the response asked the client to wait, as clients read it (ms wins)."""
        if self.retry_after_ms is not None:
            return self.retry_after_ms / 1000
        return self.retry_after

    def describe(self) -> str:
        parts = []
        if self.status is not None:
            parts.append(f"status {self.status}")
        if self.asked_wait_s is not None:
            parts.append(f"retry after {self.asked_wait_s:g} s")
        if self.should_retry is not None:
            parts.append(f"x-should-retry {str(self.should_retry).lower()}")
        for label, value in (("delay", self.delay_ms), ("first token", self.first_token_ms),
                             ("per chunk", self.chunk_ms)):  # fmt: skip
            if value:
                parts.append(f"{label} {value} ms")
        if self.cut_after_events is not None:
            parts.append(f"stream cut after {self.cut_after_events} events")
        if self.cut_after_bytes is not None:
            parts.append(f"cut after {self.cut_after_bytes} bytes")
        if self.malformed:
            parts.append(f"malformed {self.malformed}")
        if self.hang_s is not None:
            parts.append(f"hang up to {self.hang_s:g} s")
        if self.ws_close_after_events is not None:
            parts.append(f"WebSocket closed after {self.ws_close_after_events} events")
        if self.reset:
            parts.append("connection reset")
        return f"fault '{self.name}': " + (", ".join(parts) or "no effect")


F = TypeVar("F", bound=Fault)
TARGETING = ("name", "matcher", "message", "error_type", "nth", "times", "probability", "seed")


def fault_fields(cls: type[Fault]) -> dict[str, Field]:
    """The declared fields of a fault class as files spell them (``type`` for ``error_type``)."""
    return {("type" if name == "error_type" else name): declared for name, declared in specs(cls).items()}


def effects_of(cls: type[Fault]) -> tuple[str, ...]:
    """The fields of a fault class that break something (a fault needs at least one)."""
    return tuple(item.name for item in dataclasses.fields(cls) if item.name not in TARGETING)


EFFECTS = effects_of(Fault)


def parse_fault_data(
    validator: Validator, data: Any, path: Path, cls: type[F], matcher: Callable[[Any, Path], Targeting]
) -> F:
    """A fault of ``cls`` from file or keyword data; ``matcher`` reads its ``when`` in the protocol's conditions."""
    declared = fault_fields(cls)
    raw = validator.mapping(data, path, ("name", "when", *declared))
    effects = effects_of(cls)
    if not any(key in raw for key in effects):
        raise validator.fail(path, f"a fault needs at least one effect: {', '.join(effects)}.")
    values: dict[str, Any] = {"name": validator.typed(raw.get("name", dotted(path)), (*path, "name"), str, "a string")}
    values["matcher"] = matcher(raw.get("when", {}), (*path, "when"))
    for key, value in raw.items():
        if key in declared:
            values["error_type" if key == "type" else key] = validator.field(declared[key], value, (*path, key))
    return cls(**values)


@dataclass(frozen=True)
class AppliedFault:
    fault: Fault
    call_number: int

    def describe(self) -> str:
        return f"{self.fault.describe()} (matching call #{self.call_number})"


def apply(applied: AppliedFault | None, outcome: Outcome) -> Outcome:
    """Enact a fault's effects other than its error status (which the endpoint rendered) on ``outcome``."""
    if applied is None:
        return outcome
    fault = applied.fault
    outcome.timing = fault.timing()
    outcome.headers.extend(header for header in fault.retry_headers() if header not in outcome.headers)
    if fault.reset:
        outcome.dropped = True
    if fault.status:
        return outcome
    if fault.malformed:
        if outcome.events:
            outcome.events[min(1, len(outcome.events) - 1)] = Event(MALFORMED_EVENT)
        else:
            body = outcome.body_bytes()
            outcome.body = body[: max(1, len(body) // 2)] + b"<<not json"
    if fault.cut_after_events is not None:
        outcome.cut_after_events = fault.cut_after_events
    if fault.cut_after_bytes is not None:
        outcome.cut_after_bytes = fault.cut_after_bytes
    if fault.ws_close_after_events is not None:
        outcome.cut_after_events, outcome.close_code = fault.ws_close_after_events, 1011
    elif outcome.broken:
        outcome.close_code = 1011
    return outcome


class FaultSet(ScopedList[Fault]):
    """Faults in the order added (a file's first), removed with their scope; counters restart with every test."""

    def __init__(self, base: Iterable[Fault] = ()) -> None:
        self._seen: dict[int, int] = {}
        self._applied: dict[int, int] = {}
        self._fired: set[int] = set()  # added faults that fired since they were added (across tests)
        self._random: dict[int, random.Random] = {}
        super().__init__(base)

    def clear(self, scope_key: str) -> None:
        """Drop the faults ``scope_key`` added and restart the counters."""
        self.remove_scope(scope_key)
        self.reset_counters()

    def remove_scope(self, scope_key: str) -> None:
        with self._lock:
            self._fired -= {id(fault) for key, fault in self._added if key == scope_key}
        super().remove_scope(scope_key)

    def unfired(self, scope_key: str) -> list[Fault]:
        """The faults ``scope_key`` added that have not fired since (a test's: in that test)."""
        with self._lock:
            return [fault for key, fault in self._added if key == scope_key and id(fault) not in self._fired]

    def reset_counters(self) -> None:
        with self._lock:
            self._seen.clear()
            self._applied.clear()
            self._random.clear()

    def pick(self, subject: Any) -> AppliedFault | None:
        """The first fault that targets this request, counting it as one call for every matching fault."""
        faults = self.view()
        if not faults:
            return None
        chosen: AppliedFault | None = None
        with self._lock:
            for fault in faults:
                if fault.matcher.mismatches(subject):
                    continue
                key = id(fault)
                seen = self._seen.get(key, 0) + 1
                self._seen[key] = seen
                if chosen is None and self._fires(fault, key, seen):
                    self._applied[key] = self._applied.get(key, 0) + 1
                    self._fired.add(key)
                    chosen = AppliedFault(fault, seen)
        return chosen

    def _fires(self, fault: Fault, key: int, seen: int) -> bool:
        if fault.nth is not None and seen < fault.nth:
            return False
        if fault.nth is not None and fault.times is None and seen != fault.nth:
            return False
        if fault.times is not None and self._applied.get(key, 0) >= fault.times:
            return False
        if fault.probability is not None:
            generator = self._random.setdefault(key, random.Random(fault.seed))
            return generator.random() < fault.probability
        return True
