"""Validating user files (scenarios, MCP servers, routes): every error names ``file:line``, the key and the fix.

A :class:`Validator` walks data loaded by :mod:`.yamlio` (which remembers the line of every
key) and raises the error class of its file kind. Loaders subclass it and add the shapes of
their own files; the checks every file kind needs (a mapping with known keys and typo
suggestions, a value of a type, a declared field) live here once.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable
from pathlib import Path as FilePath
from typing import Any, Protocol, TypeVar

from .errors import InputError, ScenarioError, YamlLocationError
from .yamlio import Path, load_with_lines

T = TypeVar("T")


def closest_first(name: str, known: Iterable[str], limit: int = 30) -> str:
    """The known names, those most like ``name`` first (for "no X named Y; known: ..." errors), at most ``limit``."""
    names = sorted(set(known))
    ordered = difflib.get_close_matches(name, names, n=len(names), cutoff=0.0)
    shown = ", ".join(ordered[:limit])
    return f"{shown} (and {len(ordered) - limit} more)" if len(ordered) > limit else shown or "none"


class Checked(Protocol):
    """A declared field (see ``mock.fields.Field``): the typed value, or ValueError with the reason."""

    def check(self, value: Any) -> Any: ...


def kind_of(value: Any) -> str:
    """How an error message names a value's type."""
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def dotted(path: Path) -> str:
    """``rules[2].when.model`` for ``("rules", 2, "when", "model")``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_text(path: str | FilePath, what: str, error_class: type[InputError] = ScenarioError) -> str:
    """A user file's text; the error says where it was looked for and how to point at it from Robot."""
    file = FilePath(path)
    if not file.is_file():
        where = "is a directory" if file.is_dir() else "does not exist"
        raise error_class(
            f"{what} '{file}' {where} (resolved to '{file.resolve()}'). "
            "Check the path; in a .robot file build it from ${CURDIR}, e.g. ${CURDIR}/scenarios/name.yaml."
        )
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise error_class(f"{what} '{file}' cannot be read: {error}. Save it as UTF-8 text.") from None


def parse_yaml(text: str, source: str, error_class: type[InputError] = ScenarioError) -> tuple[Any, dict[Path, int]]:
    """YAML (or JSON) text as data and the line of every key; the error names ``file:line:column``."""
    try:
        return load_with_lines(text)
    except YamlLocationError as error:
        place = f"{source}:{error.line}:{error.column}" if error.line else source
        raise error_class(
            f"{place}: invalid YAML: {error.message}. Fix the indentation or quoting at that place."
        ) from None


def data_from(value: Any, source: str, error_class: type[InputError] = ScenarioError) -> Any:
    """Keyword input written as in a file: a dictionary or list (a copy of it), text as YAML (or JSON)."""
    if isinstance(value, str):
        data, _ = parse_yaml(value, source, error_class)
        return data
    return detached(value)


def detached(value: T) -> T:
    """``value`` copied all the way down: data a keyword takes in or hands out shares nothing with a mock's state,
    so a test that edits it afterwards changes neither the mock nor what the next keyword sees."""
    return copy.deepcopy(value)


class Validator:
    """Checks one file's data; errors carry the file, the line of the closest key and the dotted path."""

    error_class: type[InputError] = ScenarioError

    def __init__(self, source: str, lines: dict[Path, int] | None = None) -> None:
        self.source = source
        self.lines = lines or {}

    def fail(self, path: Path, problem: str) -> InputError:
        line = None
        for depth in range(len(path), -1, -1):
            line = self.lines.get(path[:depth])
            if line is not None:
                break
        place = f"{self.source}:{line}" if line is not None else self.source
        return self.error_class(f"{place}: {dotted(path) or 'top level'}: {problem}")

    def location(self, path: Path) -> str:
        line = self.lines.get(path)
        return f"{self.source}:{line}" if line else self.source

    def mapping(self, value: Any, path: Path, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping with keys {', '.join(allowed)}; got {kind_of(value)}.")
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise self.fail((*path, key), f"unknown key '{key}'.{hint} Valid keys: {', '.join(allowed)}.")
        return value

    def typed(self, value: Any, path: Path, kind: type | tuple[type, ...], kind_name: str) -> Any:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            raise self.fail(path, f"expected {kind_name}; got {kind_of(value)} {value!r}.")
        return value

    def items(self, value: Any, path: Path, what: str) -> list[Any]:
        return list(self.typed(value, path, list, f"a list of {what}"))

    def field(self, declared: Checked, value: Any, path: Path) -> Any:
        try:
            return declared.check(value)
        except ValueError as error:
            raise self.fail(path, str(error)) from None

    def unique(self, names: list[str], path: Path, what: str) -> None:
        for index, name in enumerate(names):
            if name in names[:index]:
                raise self.fail((*path, index, "name"), f"duplicate {what} name '{name}'; names must be unique.")
