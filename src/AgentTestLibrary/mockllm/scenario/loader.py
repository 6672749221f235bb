"""Load and validate scenarios; every error names the file, line, key and the fix."""

from __future__ import annotations

import difflib
import json
from pathlib import Path as FilePath
from typing import Any

from ...errors import ScenarioError, YamlLocationError
from ...mock.faults import EFFECTS, Fault
from ...mock.fields import Field, specs
from ...yamlio import Path, load_with_lines
from ..conversation import ProviderError, Usage
from ..embeddings import MAX_DIMENSIONS
from .matching import Matcher, Rule
from .model import DEFAULT_REPLY, ReplySpec, Scenario, ToolCallSpec

TOP_KEYS = ("version", "strict", "models", "default_reply", "embedding_dimensions", "rules", "faults")
FAULT_FIELDS = {("type" if name == "error_type" else name): spec for name, spec in specs(Fault).items()}
FAULT_KEYS = ("name", "when", *FAULT_FIELDS)
MATCHER_FIELDS = specs(Matcher)
RULE_KEYS = ("name", "when", "reply", "sequence")
WHEN_KEYS = tuple(MATCHER_FIELDS)
REPLY_KEYS = ("text", "tool_calls", "json", "usage", "stop_reason", "error")
TOOL_CALL_KEYS = ("name", "arguments", "id")
USAGE_KEYS = ("input_tokens", "output_tokens")
ERROR_KEYS = ("status", "message", "type")
STOP_REASONS = ("end_turn", "tool_use", "max_tokens", "stop_sequence")


def from_text(values: dict[str, Any], fields: dict[str, Field]) -> dict[str, Any]:
    """Robot passes free named arguments as strings: each becomes the typed value its field's kind spells
    (unknown names pass through, so the validator can name them and suggest the right one)."""
    return {key: fields[key].from_text(value) if key in fields else value for key, value in values.items()}


def load_scenario(path: str | FilePath) -> Scenario:
    """Read and validate a scenario file."""
    file = FilePath(path)
    if not file.is_file():
        where = "is a directory" if file.is_dir() else "does not exist"
        raise ScenarioError(
            f"Scenario file '{file}' {where} (resolved to '{file.resolve()}'). "
            "Check the path; in a .robot file build it from ${CURDIR}, e.g. ${CURDIR}/scenarios/name.yaml."
        )
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"Scenario file '{file}' cannot be read: {error}. Save it as UTF-8 text.") from None
    return scenario_from_text(text, str(file))


def scenario_from_text(text: str, source: str = "<scenario>") -> Scenario:
    """Validate scenario YAML (or JSON, which is YAML) given as text."""
    try:
        data, lines = load_with_lines(text)
    except YamlLocationError as error:
        place = f"{source}:{error.line}:{error.column}" if error.line else source
        raise ScenarioError(
            f"{place}: invalid YAML: {error.message}. Fix the indentation or quoting at that place."
        ) from None
    return parse_scenario(data, source, lines)


def parse_scenario(data: Any, source: str = "<scenario>", lines: dict[Path, int] | None = None) -> Scenario:
    """Validate already-parsed scenario data (a mapping with ``rules``)."""
    return _Validator(source, lines or {}).scenario(data)


def parse_rule(data: Any, source: str, index: int = 0) -> Rule:
    """Validate one rule given as a mapping, e.g. from a keyword argument."""
    return _Validator(source, {}).rule(data, ("rules", index))


def parse_fault(data: Any, source: str, index: int = 0) -> Fault:
    """Validate one fault given as a mapping, e.g. from a keyword argument or the admin API."""
    return _Validator(source, {}).fault(data, ("faults", index))


class _Validator:
    def __init__(self, source: str, lines: dict[Path, int]) -> None:
        self.source = source
        self.lines = lines

    def fail(self, path: Path, problem: str) -> ScenarioError:
        line = None
        for depth in range(len(path), -1, -1):
            line = self.lines.get(path[:depth])
            if line is not None:
                break
        place = f"{self.source}:{line}" if line is not None else self.source
        return ScenarioError(f"{place}: {_dotted(path) or 'top level'}: {problem}")

    def mapping(self, value: Any, path: Path, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping with keys {', '.join(allowed)}; got {_kind(value)}.")
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise self.fail((*path, key), f"unknown key '{key}'.{hint} Valid keys: {', '.join(allowed)}.")
        return value

    def typed(self, value: Any, path: Path, kind: type, kind_name: str) -> Any:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.fail(path, f"expected {kind_name}; got {_kind(value)} {value!r}.")
        return value

    def scenario(self, data: Any) -> Scenario:
        if data is None:
            raise self.fail((), "the scenario is empty. Add a 'rules:' list (see the README, Scenarios).")
        top = self.mapping(data, (), TOP_KEYS)
        if "version" in top and top["version"] != 1:
            raise self.fail(("version",), f"unsupported version {top['version']!r}; the only version is 1.")
        raw_rules = self.typed(top.get("rules", []), ("rules",), list, "a list of rules")
        rules = tuple(self.rule(raw, ("rules", index)) for index, raw in enumerate(raw_rules))
        names = [rule.name for rule in rules]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise self.fail(("rules", index, "name"), f"duplicate rule name '{name}'; names must be unique.")
        models = top.get("models", Scenario.models)
        if not isinstance(models, (list, tuple)) or not all(isinstance(m, str) for m in models):
            raise self.fail(("models",), "expected a list of model names (strings).")
        default = self.reply(top["default_reply"], ("default_reply",)) if "default_reply" in top else DEFAULT_REPLY
        strict = self.typed(top.get("strict", True), ("strict",), bool, "true or false")
        dimensions = self.typed(top.get("embedding_dimensions", 1536), ("embedding_dimensions",), int, "an integer")
        if not 1 <= dimensions <= MAX_DIMENSIONS:
            raise self.fail(("embedding_dimensions",), f"expected 1 to {MAX_DIMENSIONS}; got {dimensions}.")
        raw_faults = self.typed(top.get("faults", []), ("faults",), list, "a list of faults")
        faults = tuple(self.fault(raw, ("faults", index)) for index, raw in enumerate(raw_faults))
        return Scenario(rules, strict, default, tuple(models), self.source, dimensions, faults)

    def rule(self, data: Any, path: Path) -> Rule:
        raw = self.mapping(data, path, RULE_KEYS)
        name = self.typed(raw.get("name", _dotted(path)), (*path, "name"), str, "a string")
        if ("reply" in raw) == ("sequence" in raw):
            raise self.fail(path, "give exactly one of 'reply' (same answer each time) or 'sequence' (one per call).")
        if "reply" in raw:
            replies: tuple[ReplySpec, ...] = (self.reply(raw["reply"], (*path, "reply")),)
        else:
            items = self.typed(raw["sequence"], (*path, "sequence"), list, "a list of replies")
            if not items:
                raise self.fail((*path, "sequence"), "a sequence needs at least one reply.")
            replies = tuple(self.reply(item, (*path, "sequence", i)) for i, item in enumerate(items))
        line = self.lines.get(path)
        location = f"{self.source}:{line}" if line else self.source
        return Rule(name, self.matcher(raw.get("when", {}), (*path, "when")), replies, location, "sequence" in raw)

    def fault(self, data: Any, path: Path) -> Fault:
        raw = self.mapping(data, path, FAULT_KEYS)
        if not any(key in raw for key in EFFECTS):
            raise self.fail(path, f"a fault needs at least one effect: {', '.join(EFFECTS)}.")
        values: dict[str, Any] = {"name": self.typed(raw.get("name", _dotted(path)), (*path, "name"), str, "a string")}
        values["matcher"] = self.matcher(raw.get("when", {}), (*path, "when"))
        for key, value in raw.items():
            if key in FAULT_FIELDS:
                values["error_type" if key == "type" else key] = self.field(FAULT_FIELDS[key], value, (*path, key))
        return Fault(**values)

    def field(self, spec: Field, value: Any, path: Path) -> Any:
        try:
            return spec.check(value)
        except ValueError as error:
            raise self.fail(path, str(error)) from None

    def matcher(self, data: Any, path: Path) -> Matcher:
        raw = self.mapping(data if data is not None else {}, path, WHEN_KEYS)
        return Matcher(**{key: self.field(MATCHER_FIELDS[key], value, (*path, key)) for key, value in raw.items()})

    def reply(self, data: Any, path: Path) -> ReplySpec:
        raw = self.mapping(data, path, REPLY_KEYS)
        if "error" in raw:
            others = sorted(set(raw) - {"error"})
            if others:
                raise self.fail(path, f"'error' cannot be combined with {', '.join(others)}.")
            return ReplySpec(error=self.error(raw["error"], (*path, "error")))
        if "json" in raw and "text" in raw:
            raise self.fail(path, "give either 'text' or 'json', not both ('json' is sent as the text).")
        text = self.typed(raw.get("text", ""), (*path, "text"), str, "a string")
        if "json" in raw:
            text = json.dumps(raw["json"], ensure_ascii=False)
        calls = tuple(
            self.tool_call(item, (*path, "tool_calls", i))
            for i, item in enumerate(self.typed(raw.get("tool_calls", []), (*path, "tool_calls"), list, "a list"))
        )
        if not text and not calls and "text" not in raw:
            raise self.fail(path, "a reply needs 'text', 'json', 'tool_calls' or 'error'.")
        stop = raw.get("stop_reason")
        if stop is not None and stop not in STOP_REASONS:
            raise self.fail((*path, "stop_reason"), f"expected one of {', '.join(STOP_REASONS)}; got {stop!r}.")
        return ReplySpec(text, calls, self.usage(raw["usage"], (*path, "usage")) if "usage" in raw else None, stop)

    def tool_call(self, data: Any, path: Path) -> ToolCallSpec:
        raw = self.mapping(data, path, TOOL_CALL_KEYS)
        if "name" not in raw:
            raise self.fail(path, "a tool call needs a 'name'.")
        name = self.typed(raw["name"], (*path, "name"), str, "a string")
        arguments = raw.get("arguments", {})
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except ValueError:
                raise self.fail((*path, "arguments"), "a string must hold a JSON object; or write a mapping.") from None
        if not isinstance(arguments, dict):
            raise self.fail(
                (*path, "arguments"), f"expected a mapping of argument names to values; got {_kind(arguments)}."
            )
        call_id = raw.get("id")
        if call_id is not None:
            self.typed(call_id, (*path, "id"), str, "a string")
        return ToolCallSpec(name, arguments, call_id)

    def usage(self, data: Any, path: Path) -> Usage:
        raw = self.mapping(data, path, USAGE_KEYS)
        for key in USAGE_KEYS:
            if key not in raw:
                raise self.fail(path, f"usage needs '{key}'.")
            if self.typed(raw[key], (*path, key), int, "a non-negative integer") < 0:
                raise self.fail((*path, key), "token counts cannot be negative.")
        return Usage(raw["input_tokens"], raw["output_tokens"])

    def error(self, data: Any, path: Path) -> ProviderError:
        raw = self.mapping(data, path, ERROR_KEYS)
        status = self.typed(raw.get("status"), (*path, "status"), int, "an HTTP status code (400-599)")
        if not 400 <= status <= 599:
            raise self.fail((*path, "status"), f"expected an error status 400-599; got {status}.")
        message = self.typed(raw.get("message", f"mock error {status}"), (*path, "message"), str, "a string")
        error_type = raw.get("type")
        if error_type is not None:
            self.typed(error_type, (*path, "type"), str, "a string")
        return ProviderError(status, message, error_type)


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )
