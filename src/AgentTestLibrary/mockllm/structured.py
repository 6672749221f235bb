"""Deterministic JSON that is valid against a JSON Schema (or Gemini's OpenAPI-style schema).

Used when a request asks for structured output and no scenario rule answers it: the same
schema always gives the same value. Covers types (incl. Gemini's upper-case names and
``nullable``), ``enum``/``const``, required and optional properties, nested objects and
arrays, ``minItems``/``maxItems``, numeric bounds (incl. exclusive and ``multipleOf``),
string lengths and common ``format`` values, ``anyOf``/``oneOf``/``allOf`` and local ``$ref``.
Schemas come from the agent under test: what one may ask the mock to build is bounded
(:data:`MAX_ITEMS` per array, :data:`MAX_STRING` characters per string, :data:`MAX_NODES` in all).
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

from ..errors import RequestError

try:  # the regex parser behind ``re``: walked to build a shortest matching string
    import re._parser as sre_parse  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # Python < 3.11
    import sre_parse  # type: ignore[no-redef, unused-ignore]

MAX_DEPTH = 12
MAX_ITEMS = 1000  # per array: a schema asking for more is answered with a 400, not gigabytes
MAX_STRING = 100_000
MAX_NODES = 100_000  # values in one answer, nested arrays included
FORMATS = {
    "date-time": "2025-01-01T00:00:00Z",
    "date": "2025-01-01",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
}


def example_for(schema: Any) -> Any:
    """A deterministic instance of ``schema``."""
    return _Generator(schema if isinstance(schema, dict) else {}).value(schema, "value", 0)


class _Generator:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.nodes = 0

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while isinstance(schema.get("$ref"), str) and seen < MAX_DEPTH:
            ref = schema["$ref"]
            target: Any = self.root
            if ref.startswith("#"):
                for part in ref.lstrip("#/").split("/"):
                    if part:
                        target = (
                            target.get(part.replace("~1", "/").replace("~0", "~"), {})
                            if isinstance(target, dict)
                            else {}
                        )
            schema = {
                **(target if isinstance(target, dict) else {}),
                **{k: v for k, v in schema.items() if k != "$ref"},
            }
            seen += 1
        return schema

    def value(self, schema: Any, name: str, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise RequestError(f"The response schema asks for more than {MAX_NODES} values; the mock builds fewer.")
        if not isinstance(schema, dict) or depth > MAX_DEPTH:
            return None if depth > MAX_DEPTH else name
        schema = self.resolve(schema)
        if "const" in schema:  # copied: schemas are shared between requests (protocols.base.shared_tools)
            return copy.deepcopy(schema["const"])
        if schema.get("enum"):
            return copy.deepcopy(schema["enum"][0])
        if "allOf" in schema:
            return self.value(self.merge_all_of(schema), name, depth + 1)
        for key in ("anyOf", "oneOf"):
            options = [self.resolve(o) for o in schema.get(key, []) if isinstance(o, dict)]
            if options:
                chosen = next((o for o in options if _type_of(o) != "null"), options[0])
                return self.value({**{k: v for k, v in schema.items() if k != key}, **chosen}, name, depth + 1)
        kind = _type_of(schema)
        if kind == "object" or (kind is None and "properties" in schema):
            return {key: self.value(sub, key, depth + 1) for key, sub in (schema.get("properties") or {}).items()}
        if kind == "array":
            return self.array(schema, name, depth)
        if kind == "integer":
            return int(self.number(schema, integer=True))
        if kind == "number":
            return self.number(schema, integer=False)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self.string(schema, name)

    def merge_all_of(self, schema: dict[str, Any]) -> dict[str, Any]:
        """One schema holding every ``allOf`` part's keywords, properties and required names."""
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        properties = dict(merged.get("properties", {}))
        for raw in schema["allOf"]:
            part = self.resolve(raw) if isinstance(raw, dict) else {}
            merged.update({k: v for k, v in part.items() if k not in ("properties", "required", "allOf")})
            properties.update(part.get("properties", {}))
        return {**merged, "properties": properties} if properties else merged

    def array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        items = schema.get("items", {})
        prefix = schema.get("prefixItems") or (items if isinstance(items, list) else [])
        count = max(_bounded(schema.get("minItems", 1), MAX_ITEMS, "minItems"), len(prefix))
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        values = []
        for index in range(count):
            sub = prefix[index] if index < len(prefix) else (items if isinstance(items, dict) else {})
            values.append(self.value(sub, f"{name}_{index + 1}" if not sub else name, depth + 1))
        if schema.get("uniqueItems") and len({repr(v) for v in values}) < len(values):
            values = values[:1]
        return values

    @staticmethod
    def number(schema: dict[str, Any], integer: bool) -> float:
        low, high = _bound(schema, "minimum"), _bound(schema, "maximum")
        above, below = _bound(schema, "exclusiveMinimum"), _bound(schema, "exclusiveMaximum")
        if schema.get("exclusiveMinimum") is True:  # draft 4: a flag on minimum
            above, low = low, None
        if schema.get("exclusiveMaximum") is True:
            below, high = high, None
        step = schema.get("multipleOf")
        gap = float(step) if step else (1.0 if integer else 0.5)
        if low is not None:
            value = low
        elif above is not None:
            value = above + gap
        elif high is not None:
            value = min(1.0, high)
        elif below is not None:
            value = min(1.0, below - gap)
        else:
            value = 1.0
        if step:
            value = math.ceil(value / step) * step
        return float(math.ceil(value)) if integer else value

    @staticmethod
    def string(schema: dict[str, Any], name: str) -> str:
        if isinstance(schema.get("pattern"), str):
            matching = string_matching(schema["pattern"])
            if matching is not None:
                return matching
        text = FORMATS.get(str(schema.get("format", "")), name)
        low, high = _bounded(schema.get("minLength", 0), MAX_STRING, "minLength"), schema.get("maxLength")
        if len(text) < low:
            text = text + "x" * (low - len(text))
        if high is not None and len(text) > int(high):
            text = text[: int(high)]
        return text


def _bounded(value: Any, limit: int, key: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise RequestError(f"The response schema's {key} is not a number: {value!r}.") from None
    if number > limit:
        raise RequestError(
            f"The response schema asks for {key} {number}; the mock builds structured output with at most {limit}."
        )
    return number


def _bound(schema: dict[str, Any], key: str) -> float | None:
    value = schema.get(key)
    return None if value is None or isinstance(value, bool) else float(value)


def _type_of(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [str(k).lower() for k in kind]
        kind = next((k for k in kinds if k != "null"), kinds[0] if kinds else None)
    return str(kind).lower() if kind is not None else None


def string_matching(pattern: str) -> str | None:
    """A short string that ``re.search(pattern, ...)`` accepts, or None if the pattern is too exotic."""
    try:
        candidate = _emit(sre_parse.parse(pattern))
        return candidate if re.search(pattern, candidate) else None
    except (re.error, ValueError, TypeError, IndexError, RecursionError):
        return None


def _emit(tokens: Any) -> str:
    out = []
    for op, value in tokens:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(value))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(value) != "a" else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_class_member(value))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, item = value
            out.append(_emit(item) * max(low, 0))
        elif name == "SUBPATTERN":
            out.append(_emit(value[-1]))
        elif name == "BRANCH":
            out.append(_emit(value[1][0]))
        elif name == "CATEGORY":
            out.append(_category(str(value)))
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        else:
            raise ValueError(name)
    return "".join(out)


def _class_member(items: Any) -> str:
    negated = any(str(op) == "NEGATE" for op, _ in items)
    for op, value in items:
        name = str(op)
        if negated:
            break
        if name == "LITERAL":
            return chr(value)
        if name == "RANGE":
            return chr(value[0])
        if name == "CATEGORY":
            return _category(str(value))
    excluded = "".join(chr(v) for op, v in items if str(op) == "LITERAL")
    return next(c for c in "a0_ -" if c not in excluded)


def _category(name: str) -> str:
    return {"CATEGORY_DIGIT": "0", "CATEGORY_SPACE": " ", "CATEGORY_WORD": "a"}.get(name, "-")
