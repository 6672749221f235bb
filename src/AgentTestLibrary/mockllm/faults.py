"""Faults on demand: what to break, when, and for whom.

A fault is a targeting part (``when`` matcher, ``nth`` call, ``times`` then recover,
``probability`` with a fixed ``seed``) and an effect (an HTTP error in the provider's shape
with retry headers, latency, stream pacing, a cut stream, a malformed body, a bounded hang,
a WebSocket close). The application asks :meth:`FaultSet.pick` once per model request;
counters restart with every test, so a fault in one test never leaks into the next.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field

from .conversation import Conversation, ProviderError
from .http import Timing
from .scenario.matching import Matcher

MAX_HANG_S = 300.0
DEFAULT_HANG_S = 30.0


@dataclass(frozen=True)
class Fault:
    """One fault as configured; see the README's Faults section for every key."""

    name: str
    matcher: Matcher = field(default_factory=Matcher)
    status: int | None = None
    message: str | None = None
    error_type: str | None = None
    retry_after: float | None = None
    retry_after_ms: int | None = None
    should_retry: bool | None = None
    delay_ms: int = 0
    first_token_ms: int = 0
    chunk_ms: int = 0
    cut_after_events: int | None = None
    cut_after_bytes: int | None = None
    malformed: str | None = None
    hang_s: float | None = None
    ws_close_after_events: int | None = None
    nth: int | None = None
    times: int | None = None
    probability: float | None = None
    seed: int = 0

    @property
    def breaks_response(self) -> bool:
        """True when the client does not get a complete, well-formed success."""
        return any(
            value is not None
            for value in (self.status, self.cut_after_events, self.cut_after_bytes, self.malformed, self.hang_s,
                          self.ws_close_after_events)
        )  # fmt: skip

    def timing(self) -> Timing:
        return Timing(self.delay_ms / 1000, self.first_token_ms / 1000, self.chunk_ms / 1000, self.hang_s)

    def provider_error(self) -> ProviderError:
        status = self.status or 500
        return ProviderError(status, self.message or f"AgentTestLibrary injected fault: HTTP {status}", self.error_type)

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
        for label, value in (
            ("delay", self.delay_ms),
            ("first token", self.first_token_ms),
            ("per chunk", self.chunk_ms),
        ):
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
        return f"fault '{self.name}': " + (", ".join(parts) or "no effect")


@dataclass(frozen=True)
class AppliedFault:
    fault: Fault
    call_number: int

    def describe(self) -> str:
        return f"{self.fault.describe()} (matching call #{self.call_number})"


class FaultSet:
    """Faults in the order added, with per-scope lifetimes and per-test counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[tuple[str, Fault]] = []
        self._seen: dict[int, int] = {}
        self._applied: dict[int, int] = {}
        self._random: dict[int, random.Random] = {}

    def add(self, fault: Fault, scope: str) -> None:
        with self._lock:
            self._faults.append((scope, fault))

    def remove(self, scope: str) -> None:
        with self._lock:
            self._faults = [(s, fault) for s, fault in self._faults if s != scope]

    def replace_scope(self, scope: str, faults: tuple[Fault, ...]) -> None:
        with self._lock:
            self._faults = [(s, f) for s, f in self._faults if s != scope] + [(scope, f) for f in faults]

    def reset_counters(self) -> None:
        with self._lock:
            self._seen.clear()
            self._applied.clear()
            self._random.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    def pick(self, conversation: Conversation) -> AppliedFault | None:
        """The first fault that targets this request, counting it as one call for every matching fault."""
        chosen: AppliedFault | None = None
        with self._lock:
            for _, fault in self._faults:
                if fault.matcher.mismatches(conversation):
                    continue
                key = id(fault)
                seen = self._seen.get(key, 0) + 1
                self._seen[key] = seen
                if chosen is None and self._fires(fault, key, seen):
                    self._applied[key] = self._applied.get(key, 0) + 1
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
