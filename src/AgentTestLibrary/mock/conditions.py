"""Conditions on JSON values (tool arguments, request bodies, query and headers), with near-miss reasons.

Written in files and keywords as ``{path: expected}``; ``path`` is a key, or dotted keys into
nested objects (``filters.lang``, ``items.0.id``); ``expected`` is a value (equals) or a
mapping of operators::

    query: docs                      # equals (1 and "1" are the same to a keyword argument)
    query: {contains: mcp}           # substring of a string, element of a list, key of an object
    query: {matches: "^m.p$"}        # regular expression, bounded in time (mock.fields.Pattern)
    query: {equals: {contains: 1}}   # equals a mapping that would read as operators
    limit: {exists: false}           # absent (or present, with true)
    mode: {one_of: [fast, slow]}

Every condition must hold; :meth:`Conditions.mismatches` says why each failed one does not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import regex

from .fields import Pattern

OPERATORS = ("equals", "contains", "matches", "exists", "one_of")
MISSING = object()


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path (list items by index), or :data:`MISSING`."""
    value = data
    for part in path.split(".") if path else ():
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def same(expected: Any, actual: Any) -> bool:
    """Equality (true is not 1), where a text (a keyword argument) also equals the JSON value it spells."""
    if isinstance(expected, str) and not isinstance(actual, str):
        return expected == json.dumps(actual, ensure_ascii=False) or (
            isinstance(actual, bool) and expected.lower() == json.dumps(actual)
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return bool(expected == actual)


def shown(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _contains(wanted: Any, actual: Any) -> bool:
    if isinstance(actual, str):
        return isinstance(wanted, str) and wanted in actual
    if isinstance(actual, list):
        return any(same(wanted, item) for item in actual)
    if isinstance(actual, Mapping):
        return wanted in actual
    return False


def _matches(wanted: Pattern, actual: Any) -> bool:
    text = actual if isinstance(actual, str) else shown(actual, 10_000)
    return bool(wanted.search(text))


CHECKS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": same,
    "contains": _contains,
    "matches": _matches,
    "one_of": lambda wanted, actual: any(same(option, actual) for option in wanted),
}


@dataclass(frozen=True)
class Condition:
    path: str
    operator: str
    expected: Any

    def holds(self, data: Any) -> bool:
        actual = lookup(data, self.path)
        if self.operator == "exists":
            return (actual is not MISSING) is self.expected
        return actual is not MISSING and CHECKS[self.operator](self.expected, actual)

    def why_not(self, data: Any, what: str) -> str:
        actual = lookup(data, self.path)
        where = f"{what} '{self.path}'" if self.path else what
        if self.operator == "exists":
            return f"{where} is {'missing' if self.expected else 'present'}"
        if actual is MISSING:
            return f"{where} is missing (wanted {self.describe()})"
        return f"{where} is {shown(actual)!r}, wanted {self.describe()}"

    def describe(self) -> str:
        if self.operator == "equals":
            return repr(self.expected) if not isinstance(self.expected, str) else f"'{self.expected}'"
        if self.operator == "matches":
            return f"matching {self.expected}"
        if self.operator == "one_of":
            return "one of " + ", ".join(shown(option) for option in self.expected)
        return f"{self.operator} {shown(self.expected)!r}"


@dataclass(frozen=True)
class Conditions:
    """All of them must hold on one JSON value; ``what`` names that value in explanations (``argument``)."""

    items: tuple[Condition, ...] = ()
    what: str = "value"

    def mismatches(self, data: Any) -> list[str]:
        return [condition.why_not(data, self.what) for condition in self.items if not condition.holds(data)]

    def __bool__(self) -> bool:
        return bool(self.items)


def equal_to(values: Mapping[str, Any], what: str = "argument") -> Conditions:
    """Equality conditions from keyword arguments (``path=value``: the value, or the text of its JSON)."""
    return Conditions(tuple(Condition(str(path), "equals", value) for path, value in values.items()), what)


def parse_conditions(data: Any, what: str = "value") -> Conditions:
    """Conditions from ``{path: expected}``; ValueError naming the path and the fix when one is invalid."""
    if data is None:
        return Conditions((), what)
    if not isinstance(data, Mapping):
        raise ValueError(f"expected a mapping of {what} names to expected values; got {type(data).__name__}.")
    return Conditions(tuple(_condition(str(path), expected) for path, expected in data.items()), what)


def _condition(path: str, expected: Any) -> Condition:
    if not (isinstance(expected, Mapping) and expected and all(key in OPERATORS for key in expected)):
        return Condition(path, "equals", expected)
    if len(expected) != 1:
        raise ValueError(f"'{path}': give one operator ({', '.join(OPERATORS)}), not {', '.join(expected)}.")
    operator, value = next(iter(expected.items()))
    if operator == "matches":
        if not isinstance(value, str):
            raise ValueError(f"'{path}': matches needs a regular expression (a string); got {value!r}.")
        try:
            value = Pattern(value)
        except regex.error as error:
            raise ValueError(f"'{path}': invalid regular expression {value!r}: {error}.") from None
    elif operator == "exists" and not isinstance(value, bool):
        raise ValueError(f"'{path}': exists is true or false; got {value!r}.")
    elif operator == "one_of" and not isinstance(value, list):
        raise ValueError(f"'{path}': one_of needs a list of values; got {value!r}.")
    return Condition(path, operator, value)
