"""JSON Schema checks for tool arguments and results: the common keywords, bounded for hostile schemas.

Schemas come from scenario files and values from the agent, so both may be hostile: the
walk is bounded in steps (:data:`MAX_STEPS`) and ``$ref`` depth, only local references
(``#/$defs/...``, ``#/definitions/...``) resolve (nothing is fetched), and ``pattern`` uses
the time-bounded :class:`~.fields.Pattern`. Supported: ``type`` (one or a list), ``enum``,
``const``, ``properties``, ``required``, ``additionalProperties``, ``items``,
``minItems``/``maxItems``, ``minLength``/``maxLength``, ``minimum``/``maximum`` and the
exclusive forms, ``pattern``, ``anyOf``/``oneOf``/``allOf``/``not``; other keywords are
ignored, as validators do with unknown keywords.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import regex

from .fields import Pattern

MAX_STEPS = 100_000
MAX_REF_DEPTH = 32
MAX_ERRORS = 10
TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


class SchemaTooComplex(Exception):
    pass


def problems(value: Any, schema: Any) -> list[str]:
    """Why ``value`` does not conform to ``schema`` (empty: it does), at most :data:`MAX_ERRORS` reasons."""
    walk = _Walk(schema)
    try:
        walk.check(value, schema, "$", 0)
    except SchemaTooComplex:
        return [f"the schema is too complex to check within {MAX_STEPS} steps"]
    return walk.errors[:MAX_ERRORS]


def schema_problem(schema: Any) -> str:
    """'' when ``schema`` can be used to check values, else what is wrong with it (for loaders)."""
    if not isinstance(schema, Mapping):
        return f"a JSON schema is an object; got {type(schema).__name__}"
    declared = schema.get("type")
    names = declared if isinstance(declared, list) else [declared] if declared is not None else []
    unknown = [name for name in names if name not in TYPES]
    if unknown:
        return f"unknown type {unknown[0]!r}; JSON Schema types are {', '.join(TYPES)}"
    pattern = schema.get("pattern")
    if pattern is not None:
        try:
            Pattern(str(pattern))
        except regex.error as error:
            return f"invalid pattern {pattern!r}: {error}"
    return ""


class _Walk:
    def __init__(self, root: Any) -> None:
        self.root = root
        self.steps = 0
        self.errors: list[str] = []
        self._patterns: dict[str, Pattern | None] = {}

    def fail(self, where: str, problem: str) -> None:
        self.errors.append(f"{where}: {problem}")

    def check(self, value: Any, schema: Any, where: str, depth: int) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise SchemaTooComplex
        if schema is False:
            self.fail(where, "no value is allowed here")
            return
        if not isinstance(schema, Mapping):
            return
        if "$ref" in schema:
            target = self.resolve(schema["$ref"])
            if target is None or depth >= MAX_REF_DEPTH:
                self.fail(where, f"cannot follow $ref {str(schema['$ref'])[:80]!r} (only local #/$defs references)")
                return
            self.check(value, target, where, depth + 1)
        if not self.check_type(value, schema, where):
            return
        if "enum" in schema and isinstance(schema["enum"], list) and not any(_equal(value, o) for o in schema["enum"]):
            self.fail(where, f"{_short(value)} is not one of {_short(schema['enum'])}")
        if "const" in schema and not _equal(value, schema["const"]):
            self.fail(where, f"{_short(value)} is not {_short(schema['const'])}")
        if isinstance(value, str):
            self.check_string(value, schema, where)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self.check_number(value, schema, where)
        elif isinstance(value, dict):
            self.check_object(value, schema, where, depth)
        elif isinstance(value, list):
            self.check_array(value, schema, where, depth)
        self.check_combinations(value, schema, where, depth)

    def check_type(self, value: Any, schema: Mapping[str, Any], where: str) -> bool:
        declared = schema.get("type")
        if declared is None:
            return True
        names = declared if isinstance(declared, list) else [declared]
        if any(name in TYPES and TYPES[name](value) for name in names):
            return True
        self.fail(where, f"expected {' or '.join(map(str, names))}, got {_type_name(value)} {_short(value)}")
        return False

    def check_string(self, value: str, schema: Mapping[str, Any], where: str) -> None:
        if isinstance(schema.get("minLength"), int) and len(value) < schema["minLength"]:
            self.fail(where, f"shorter than {schema['minLength']} characters")
        if isinstance(schema.get("maxLength"), int) and len(value) > schema["maxLength"]:
            self.fail(where, f"longer than {schema['maxLength']} characters")
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            compiled = self.pattern(pattern)
            if compiled is not None and not compiled.search(value):
                self.fail(where, f"{_short(value)} does not match {pattern!r}")

    def check_number(self, value: float, schema: Mapping[str, Any], where: str) -> None:
        if not math.isfinite(value):
            self.fail(where, "not a finite number")
            return
        for key, words in (("minimum", "less than"), ("maximum", "greater than"),
                           ("exclusiveMinimum", "at most"), ("exclusiveMaximum", "at least")):  # fmt: skip
            bound = schema.get(key)
            if isinstance(bound, (int, float)) and not isinstance(bound, bool) and _breaks(key, value, bound):
                self.fail(where, f"{value!r} is {words} {bound!r}")

    def check_object(self, value: dict[str, Any], schema: Mapping[str, Any], where: str, depth: int) -> None:
        required = schema.get("required")
        for name in required if isinstance(required, list) else ():
            if name not in value:
                self.fail(where, f"missing required property '{name}'")
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                self.check(item, properties[name], f"{where}.{name}", depth + 1)
            elif extra is False:
                allowed = ", ".join(properties) or "none"
                self.fail(where, f"unexpected property '{name}' (allowed: {allowed})")
            elif isinstance(extra, Mapping):
                self.check(item, extra, f"{where}.{name}", depth + 1)

    def check_array(self, value: list[Any], schema: Mapping[str, Any], where: str, depth: int) -> None:
        if isinstance(schema.get("minItems"), int) and len(value) < schema["minItems"]:
            self.fail(where, f"fewer than {schema['minItems']} items")
        if isinstance(schema.get("maxItems"), int) and len(value) > schema["maxItems"]:
            self.fail(where, f"more than {schema['maxItems']} items")
        items = schema.get("items")
        if isinstance(items, (Mapping, bool)):
            for index, item in enumerate(value):
                self.check(item, items, f"{where}[{index}]", depth + 1)

    def check_combinations(self, value: Any, schema: Mapping[str, Any], where: str, depth: int) -> None:
        for sub in schema.get("allOf", []) if isinstance(schema.get("allOf"), list) else ():
            self.check(value, sub, where, depth + 1)
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if not isinstance(options, list) or not options:
                continue
            fitting = sum(1 for option in options if self.fits(value, option, depth))
            if fitting == 0 or (key == "oneOf" and fitting > 1):
                words = "matches none" if fitting == 0 else f"matches {fitting}, not exactly one,"
                self.fail(where, f"{_short(value)} {words} of the {key} alternatives")
        if "not" in schema and self.fits(value, schema["not"], depth):
            self.fail(where, f"{_short(value)} must not match the 'not' schema")

    def fits(self, value: Any, schema: Any, depth: int) -> bool:
        kept = self.errors
        self.errors = []
        self.check(value, schema, "$", depth + 1)
        fitting = not self.errors
        self.errors = kept
        return fitting

    def resolve(self, reference: Any) -> Any:
        if not isinstance(reference, str) or not reference.startswith("#"):
            return None
        node: Any = self.root
        for escaped in reference[1:].lstrip("/").split("/") if reference != "#" else ():
            part = escaped.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def pattern(self, text: str) -> Pattern | None:
        if text not in self._patterns:
            try:
                self._patterns[text] = Pattern(text)
            except regex.error:
                self._patterns[text] = None
        return self._patterns[text]


def _breaks(key: str, value: float, bound: float) -> bool:
    return {"minimum": value < bound, "maximum": value > bound, "exclusiveMinimum": value <= bound,
            "exclusiveMaximum": value >= bound}[key]  # fmt: skip


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right)


def _type_name(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if TYPES[name](value):
            return name
    return type(value).__name__


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
