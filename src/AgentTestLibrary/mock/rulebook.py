"""Scripted answers for every mock: rules in order (first match wins), reply sequences, rules added per scope.

A protocol family brings its own rule type (conditions on its neutral request, the replies
as written); the :class:`RuleBook` keeps the file's rules and the ones keywords or the admin
API added (checked first, removed with their scope), advances a sequence one reply per
matching call, and explains a miss by the closest rule. Sequence positions restart with
every test, like fault counters.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .faults import Targeting

M = TypeVar("M", bound=Targeting)
Y = TypeVar("Y")


@dataclass(frozen=True)
class Scripted(Generic[M, Y]):
    """A rule of any protocol family: its conditions (``matcher``) and the replies it gives (one reply, or a
    sequence of them, one per matching call). Families subclass it with their matcher and reply types."""

    name: str
    matcher: M
    replies: tuple[Y, ...]
    location: str = ""
    is_sequence: bool = False
    key: str = field(default="", compare=False)  # unique among the rules of a mock: its scope and name

    def describe(self) -> str:
        return f"rule '{self.name}'" + (f" ({self.location})" if self.location else "")


R = TypeVar("R", bound=Scripted[Any, Any])


@dataclass(frozen=True)
class Match(Generic[R]):
    """The rule that matched and the reply it gives this time; or, without a rule, the closest miss."""

    rule: R | None
    reply: Any = None
    near_miss: str = ""


def find_match(rules: Sequence[R], subject: Any) -> Match[R]:
    """First rule whose conditions hold (its first reply); otherwise the closest rule and why it missed.

    Closeness is the number of failed conditions, unless the matcher weighs its own misses
    (``distance(subject)``: a service route whose path does not fit is farther than one whose
    method does not)."""
    scored: list[tuple[float, R, list[str]]] = []
    for rule in rules:
        reasons = rule.matcher.mismatches(subject)
        if not reasons:
            return Match(rule, rule.replies[0])
        weigh = getattr(rule.matcher, "distance", None)
        scored.append((float(weigh(subject)) if weigh is not None else float(len(reasons)), rule, reasons))
    if not scored:
        return Match(None, near_miss="the scenario has no rules")
    best = min(distance for distance, _, _ in scored)
    tied = [(rule, reasons) for distance, rule, reasons in scored if distance == best]
    if len(tied) == 1:
        return Match(None, near_miss=f"closest was {tied[0][0].describe()}: " + "; ".join(tied[0][1]))
    shown = [f"{rule.describe()}: " + "; ".join(reasons) for rule, reasons in tied[:5]]
    more = f" (and {len(tied) - 5} more as close)" if len(tied) > 5 else ""
    return Match(None, near_miss=f"closest were {len(tied)} rules, equally close: " + " | ".join(shown) + more)


class RuleBook(Generic[R]):
    """A mock's rules: added ones first (newest scope last), then the file's; thread-safe."""

    def __init__(self, rules: Sequence[R] = ()) -> None:
        self._lock = threading.Lock()
        self._base: tuple[R, ...] = ()
        self._added: list[tuple[str, R]] = []
        self._positions: dict[str, int] = {}
        self._cache: tuple[R, ...] | None = None
        self._used_in_test: set[str] = set()
        self._used: set[str] = set()
        self.load(rules)

    def load(self, rules: Sequence[R]) -> None:
        """Replace the file's rules (keys ``scenario:NAME``); sequences restart."""
        keyed = tuple(rule if rule.key else _with_key(rule, f"scenario:{rule.name}") for rule in rules)
        with self._lock:
            self._base, self._cache = keyed, None
            self._positions.clear()

    def add(self, rule: R, scope: str) -> None:
        """A rule checked before the file's rules, until :meth:`remove_scope` of ``scope``."""
        with self._lock:
            self._added.append((scope, _with_key(rule, f"{scope}:{rule.name}")))
            self._cache = None

    def remove_scope(self, scope: str) -> None:
        with self._lock:
            self._added = [(owner, rule) for owner, rule in self._added if owner != scope]
            self._cache = None

    def reset_positions(self) -> None:
        """A new test: sequences start again (and its rule uses are counted afresh)."""
        with self._lock:
            self._positions.clear()
            self._used_in_test.clear()

    def unused(self, in_test: bool) -> list[R]:
        """Rules in force that answered nothing (in the current test, or since the mock started)."""
        used = self._used_in_test if in_test else self._used
        with self._lock:
            return [rule for rule in self.rules_unlocked() if rule.key not in used]

    def rules(self) -> tuple[R, ...]:
        with self._lock:
            return self.rules_unlocked()

    def rules_unlocked(self) -> tuple[R, ...]:
        if self._cache is None:
            self._cache = tuple(rule for _, rule in self._added) + self._base
        return self._cache

    def choose(self, subject: Any) -> Match[R]:
        """The matching rule and its reply for this call (a sequence gives its next reply, then repeats the last)."""
        match = find_match(self.rules(), subject)
        rule = match.rule
        if rule is None:
            return match
        with self._lock:
            self._used.add(rule.key)
            self._used_in_test.add(rule.key)
            if not rule.is_sequence:
                return match
            position = self._positions.get(rule.key, 0)
            self._positions[rule.key] = position + 1
        return Match(rule, rule.replies[min(position, len(rule.replies) - 1)])


def _with_key(rule: R, key: str) -> R:
    return dataclasses.replace(rule, key=key)
