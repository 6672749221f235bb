"""What a test or suite adds to a mock and takes away at its end: the one scoped-collection type.

A :class:`Scoped` collection holds a base (what a scenario or route file declares, replaced
with :meth:`~Scoped.load`) and the additions made since, each labelled with the ``scope_key``
of the scope that made it (``test:Suite.Test``, ``suite:Suite``, the admin API's key).
:meth:`~Scoped.remove_scope` drops one scope's additions when that scope ends;
:meth:`~Scoped.reset_counters` restarts whatever the collection counts per test (sequence
positions, fault counters, collections grown from their seeds). Readers get a snapshot that is
rebuilt only after a change, so a request never races a keyword. Faults, rule books, the MCP
catalogues and the service collections are built on it; each says how its base and additions
combine (:meth:`~Scoped.combine`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")
V = TypeVar("V")


class Scoped(Generic[T, V]):
    """A base of items plus additions by scope; thread-safe; :meth:`view` is the combination (cached)."""

    def __init__(self, base: Iterable[T] = ()) -> None:
        self._lock = threading.RLock()
        self._base: tuple[T, ...] = ()
        self._added: list[tuple[str, T]] = []
        self._view: V | None = None
        self.load(base)

    def combine(self, base: tuple[T, ...], added: tuple[T, ...]) -> V:
        """How the base and the additions (oldest first) make the view readers see."""
        raise NotImplementedError

    def prepare(self, item: T, scope_key: str) -> T:
        """An item as it is kept when ``scope_key`` adds it (e.g. labelled with that key)."""
        return item

    def load(self, base: Iterable[T]) -> None:
        """Replace the base (a file read again); additions stay; counters restart."""
        with self._lock:
            self._base = tuple(base)
            self._changed()
        self.reset_counters()

    def add(self, item: T, scope_key: str) -> None:
        """Add ``item`` until :meth:`remove_scope` of ``scope_key``."""
        with self._lock:
            self._added.append((scope_key, self.prepare(item, scope_key)))
            self._changed()

    def remove_scope(self, scope_key: str) -> None:
        """Drop what ``scope_key`` added."""
        with self._lock:
            kept = [entry for entry in self._added if entry[0] != scope_key]
            if len(kept) != len(self._added):
                self._added = kept
                self._changed()

    def reset_counters(self) -> None:
        """A new test: restart what is counted per test (nothing, unless a subclass counts)."""
        return None

    def view(self) -> V:
        view = self._view  # a change replaces the snapshot, never alters it: reading it needs no lock
        if view is not None:
            return view
        with self._lock:
            if self._view is None:
                self._view = self.combine(self._base, tuple(item for _, item in self._added))
            return self._view

    def __len__(self) -> int:
        with self._lock:
            return len(self._base) + len(self._added)

    def _changed(self) -> None:
        self._view = None


class ScopedList(Scoped[T, tuple[T, ...]]):
    """The base first, then the additions in the order made (faults: the first that fires wins)."""

    def combine(self, base: tuple[T, ...], added: tuple[T, ...]) -> tuple[T, ...]:
        return base + added


class ScopedCatalogue(Scoped[tuple[str, T], dict[str, T]]):
    """Items by key (tools, resources, prompts): an addition replaces the base's item of its key while it lasts."""

    def combine(self, base: tuple[tuple[str, T], ...], added: tuple[tuple[str, T], ...]) -> dict[str, T]:
        return {**dict(base), **dict(added)}
