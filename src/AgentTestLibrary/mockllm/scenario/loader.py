"""Load and validate scenarios; every error names the file, line, key and the fix."""

from __future__ import annotations

import json
from pathlib import Path as FilePath
from typing import Any

from ...mock.faults import fault_fields, parse_fault_data
from ...mock.fields import specs
from ...validation import Validator, dotted, kind_of, parse_yaml, read_text
from ...wire import SCENARIO_SECTIONS
from ...yamlio import Path
from ..conversation import ProviderError, Usage
from ..embeddings import MAX_DIMENSIONS
from ..misbehaviour import LLMFault
from .matching import Matcher, Rule
from .model import DEFAULT_REPLY, ReplySpec, Scenario, ToolCallSpec

FAULT_FIELDS = fault_fields(LLMFault)
FAULT_KEYS = ("name", "when", *FAULT_FIELDS)
MATCHER_FIELDS = specs(Matcher)
RULE_KEYS = ("name", "when", "reply", "sequence")
WHEN_KEYS = tuple(MATCHER_FIELDS)
REPLY_KEYS = ("text", "tool_calls", "json", "usage", "stop_reason", "error")
TOOL_CALL_KEYS = ("name", "arguments", "id")
USAGE_KEYS = ("input_tokens", "output_tokens")
ERROR_KEYS = ("status", "message", "type")
STOP_REASONS = ("end_turn", "tool_use", "max_tokens", "stop_sequence")


def load_scenario(path: str | FilePath) -> Scenario:
    """Read and validate a scenario file."""
    return scenario_from_text(read_text(path, "Scenario file"), str(path))


def scenario_from_text(text: str, source: str = "<scenario>") -> Scenario:
    """Validate scenario YAML (or JSON, which is YAML) given as text."""
    data, lines = parse_yaml(text, source)
    return parse_scenario(data, source, lines)


def parse_scenario(data: Any, source: str = "<scenario>", lines: dict[Path, int] | None = None) -> Scenario:
    """Validate already-parsed scenario data (a mapping with ``rules``)."""
    return _Validator(source, lines or {}).scenario(data)


def parse_rule(data: Any, source: str, index: int = 0) -> Rule:
    """Validate one rule given as a mapping, e.g. from a keyword argument."""
    return _Validator(source, {}).rule(data, ("rules", index))


def parse_fault(data: Any, source: str, index: int = 0) -> LLMFault:
    """Validate one fault given as a mapping, e.g. from a keyword argument or the admin API."""
    return _Validator(source, {}).fault(data, ("faults", index))


class _Validator(Validator):
    def scenario(self, data: Any) -> Scenario:
        if data is None:
            raise self.fail((), "the scenario is empty. Add a 'rules:' list (see docs/reference/formats.md, Scenario).")
        top = self.mapping(data, (), SCENARIO_SECTIONS)
        if "version" in top and top["version"] != 1:
            raise self.fail(("version",), f"unsupported version {top['version']!r}; the only version is 1.")
        raw_rules = self.typed(top.get("rules", []), ("rules",), list, "a list of rules")
        rules = tuple(self.rule(raw, ("rules", index)) for index, raw in enumerate(raw_rules))
        self.unique([rule.name for rule in rules], ("rules",), "rule")
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
        name = self.typed(raw.get("name", dotted(path)), (*path, "name"), str, "a string")
        if ("reply" in raw) == ("sequence" in raw):
            raise self.fail(path, "give exactly one of 'reply' (same answer each time) or 'sequence' (one per call).")
        if "reply" in raw:
            replies: tuple[ReplySpec, ...] = (self.reply(raw["reply"], (*path, "reply")),)
        else:
            items = self.typed(raw["sequence"], (*path, "sequence"), list, "a list of replies")
            if not items:
                raise self.fail((*path, "sequence"), "a sequence needs at least one reply.")
            replies = tuple(self.reply(item, (*path, "sequence", i)) for i, item in enumerate(items))
        matcher = self.matcher(raw.get("when", {}), (*path, "when"))
        return Rule(name, matcher, replies, self.location(path), "sequence" in raw)

    def fault(self, data: Any, path: Path) -> LLMFault:
        return parse_fault_data(self, data, path, LLMFault, self.matcher)

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
                (*path, "arguments"), f"expected a mapping of argument names to values; got {kind_of(arguments)}."
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
