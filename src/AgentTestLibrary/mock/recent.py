"""What was worked out from something an agent resends with every request (its system prompt, its tool list), kept
by value within a budget.

An agent's request repeats most of the one before: looking a long key up (hashing it) is several times quicker than
working its value out again, and a value made once is one object however many requests share it. :class:`Recent`
is bounded by the weight of the keys it holds (a client sending ever new megabytes only refills it) and safe to share
between the threads of the mocks' servers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

A = TypeVar("A")
V = TypeVar("V")
_MISSING = object()


class Recent(Generic[V]):
    """Values kept by key while the keys' weights (their lengths) sum to at most ``budget``; when a new key would go
    over, everything kept is let go and keeping starts again (no order to maintain on the hot path)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._values: dict[Hashable, V] = {}
        self._weight = 0
        self._lock = threading.Lock()
        # The kept value or None, for the hottest callers (a request's header lines): a dict lookup and nothing else.
        self.find: Callable[[Hashable], V | None] = self._values.get

    def get(self, key: Hashable, weight: int, make: Callable[[A], V], argument: A) -> V:
        """The value kept for ``key``, else ``make(argument)``, kept when ``weight`` fits the budget at all. An error
        ``make`` raises is not kept: the next request with the key raises it again."""
        found = self._values.get(key, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        value = make(argument)
        with self._lock:
            if self._weight + weight > self.budget:
                self._values.clear()  # the same dict: ``find`` looks in it
                self._weight = 0
            if weight <= self.budget:
                self._values[key] = value
                self._weight += weight
        return value

    def __len__(self) -> int:
        return len(self._values)
