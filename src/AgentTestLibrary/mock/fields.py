"""Typed fields of faults and match conditions, declared once on their dataclasses.

A field's :func:`spec` (dataclass metadata) says its kind and bounds; from that one place the
file loaders check YAML/JSON values (:meth:`Field.check`) and the keyword layer converts Robot's
string arguments (:meth:`Field.from_text`). Regular expressions from scenario files are
untrusted: they compile with the ``regex`` engine and every search is bounded in time
(:data:`REGEX_TIMEOUT_S`), so a backtracking pattern cannot stall the server.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

import regex

from ..validation import kind_of

Kind = Literal["int", "number", "bool", "str", "regex", "choice", "choices"]
REGEX_TIMEOUT_S = 0.05
BOOL_TEXT = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False, "1": True, "0": False}


def text_to_bool(text: str) -> bool | None:
    """``true``/``false`` (and yes/no, on/off, 1/0) in any case; None for anything else."""
    return BOOL_TEXT.get(text.strip().lower())


class Pattern:
    """A user's regular expression whose searches are bounded in time."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled = regex.compile(pattern)

    def search(self, text: str) -> bool | None:
        """Whether the pattern occurs in ``text``; None when the search ran out of time."""
        try:
            return self._compiled.search(text, timeout=REGEX_TIMEOUT_S) is not None
        except TimeoutError:
            return None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"/{self.pattern}/"


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    meaning: str = ""
    expected_text: str = ""  # how to say what is expected, when the generic wording does not fit
    too_large: str = ""  # what to say above the maximum
    too_small: str = ""  # what to say below the minimum

    def expected(self) -> str:
        if self.expected_text:
            return self.expected_text
        if self.kind in ("choice", "choices"):
            listing = ", ".join(self.choices)
            return f"one of {listing}" if self.kind == "choice" else f"one or a list of {listing}"
        names = {"int": "an integer", "number": "a number", "bool": "true or false", "str": "a string",
                 "regex": "a regular expression (string)"}  # fmt: skip
        return names[self.kind]

    def check(self, value: Any) -> Any:
        """The typed value; ValueError with the reason (the caller adds the place) when it does not fit."""
        wrong = ValueError(f"expected {self.expected()}; got {kind_of(value)} {value!r}.")
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise wrong
            return value
        if self.kind == "str":
            if not isinstance(value, str):
                raise wrong
            return value
        if self.kind == "regex":
            if not isinstance(value, str):
                raise wrong
            try:
                return Pattern(value)
            except regex.error as error:
                raise ValueError(f"invalid regular expression {value!r}: {error}.") from None
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"expected {self.expected()}; got {value!r}.")
            return value
        if self.kind == "choices":
            wanted = [value] if isinstance(value, str) else value
            if not isinstance(wanted, list) or not wanted or not all(item in self.choices for item in wanted):
                raise ValueError(f"expected {self.expected()}; got {value!r}.")
            return tuple(wanted)
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not numeric or (self.kind == "int" and not isinstance(value, int)) or not math.isfinite(value):
            raise wrong
        if self.too_small and self.minimum is not None and value < self.minimum:
            raise ValueError(self.too_small)
        if self.expected_text and not self._within(value):
            raise ValueError(f"expected {self.expected_text}; got {value!r}.")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"expected {self.expected()} >= {self.minimum:g}; got {value!r}.")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"{self.too_large or f'expected {self.expected()} <= {self.maximum:g}'}; got {value!r}.")
        return float(value) if self.kind == "number" else value

    def _within(self, value: float) -> bool:
        return (self.minimum is None or value >= self.minimum) and (self.maximum is None or value <= self.maximum)

    def from_text(self, value: Any) -> Any:
        """What a Robot string argument spells in this field's kind; other values pass through for :meth:`check`."""
        if not isinstance(value, str):
            return value
        if self.kind == "bool":
            parsed = text_to_bool(value)
            return value if parsed is None else parsed
        if self.kind == "choices" and "," in value:
            return [item.strip() for item in value.split(",")]
        try:
            if self.kind == "int":
                return int(value)
            if self.kind == "number":
                return float(value)
        except ValueError:
            return value
        return value


def from_text(values: dict[str, Any], fields: dict[str, Field]) -> dict[str, Any]:
    """Robot passes free named arguments as strings: each becomes the typed value its field's kind spells
    (unknown names pass through, so the validator can name them and suggest the right one)."""
    return {key: fields[key].from_text(value) if key in fields else value for key, value in values.items()}


def spec(
    kind: Kind,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] = (),
    meaning: str = "",
    expected: str = "",
    too_large: str = "",
    too_small: str = "",
) -> dict[str, Any]:
    """Dataclass field metadata declaring the field's kind (use as ``field(metadata=spec(...))``)."""
    return {"spec": Field("", kind, minimum, maximum, choices, meaning, expected, too_large, too_small)}


def specs(cls: type) -> dict[str, Field]:
    """The declared fields of a dataclass, by name, in declaration order."""
    found = {}
    for item in dataclasses.fields(cls):
        declared = item.metadata.get("spec")
        if declared is not None:
            found[item.name] = dataclasses.replace(declared, name=item.name)
    return found
