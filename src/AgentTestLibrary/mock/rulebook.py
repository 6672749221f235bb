"""Scripted answers for every mock: rules in order (first match wins), reply sequences, rules added per scope.

A protocol family brings its own rule type (conditions on its neutral request, the replies
as written); the :class:`RuleBook` (a :class:`~.scoped.Scoped` collection) keeps the file's
rules and the ones keywords or the admin API added (checked first, removed with their
scope), advances a sequence one reply per matching call, and explains a miss by the closest
rule. Sequence positions restart with every test, like fault counters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, NamedTuple, TypeVar

from .faults import Targeting
from .scoped import Scoped

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


class Match(NamedTuple, Generic[R]):
    """The rule that matched and the reply it gives this time; or, without a rule, the closest miss (a tuple: one is
    made per request, in half the time of a frozen dataclass)."""

    rule: R | None
    reply: Any = None
    near_miss: str = ""


def find_match(rules: Sequence[R], subject: Any) -> Match[R]:
    """First rule whose conditions hold (its first reply); otherwise the closest rule and why it missed.

    Closeness is the number of failed conditions, unless the matcher weighs its own misses
    (``distance(subject)``: a service route whose path does not fit is farther than one whose
    method does not)."""
    missed: list[tuple[R, list[str]]] = []
    for rule in rules:
        reasons = rule.matcher.mismatches(subject)
        if not reasons:
            return Match(rule, rule.replies[0])
        missed.append((rule, reasons))
    scored: list[tuple[float, R, list[str]]] = []
    for rule, reasons in missed:  # weighed only when nothing matched
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


class RuleBook(Scoped[R, tuple[R, ...]]):
    """A mock's rules: added ones first (in the order added), then the file's; thread-safe."""

    def __init__(self, rules: Sequence[R] = ()) -> None:
        self._positions: dict[str, int] = {}
        self._used_in_test: set[str] = set()
        self._used: set[str] = set()
        super().__init__(rules)

    def combine(self, base: tuple[R, ...], added: tuple[R, ...]) -> tuple[R, ...]:
        return added + base

    def load(self, base: Iterable[R]) -> None:
        """Replace the file's rules (keys ``scenario:NAME``); sequences restart."""
        super().load(rule if rule.key else _with_key(rule, f"scenario:{rule.name}") for rule in base)

    def prepare(self, item: R, scope_key: str) -> R:
        """A rule checked before the file's rules, until :meth:`remove_scope` of ``scope_key``."""
        return _with_key(item, f"{scope_key}:{item.name}")

    def reset_counters(self) -> None:
        """A new test: sequences start again (and its rule uses are counted afresh)."""
        with self._lock:
            self._positions.clear()
            self._used_in_test.clear()

    def unused(self, in_test: bool) -> list[R]:
        """Rules in force that answered nothing (in the current test, or since the mock started)."""
        used = self._used_in_test if in_test else self._used
        with self._lock:
            return [rule for rule in self.view() if rule.key not in used]

    def rules(self) -> tuple[R, ...]:
        return self.view()

    def choose(self, subject: Any) -> Match[R]:
        """The matching rule and its reply for this call (a sequence gives its next reply, then repeats the last)."""
        match = find_match(self.view(), subject)
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
