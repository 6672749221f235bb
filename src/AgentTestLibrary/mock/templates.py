"""Replies that echo the request: ``{{name}}`` placeholders filled from the request's values, bounded.

``{{text}}`` is the value at a dotted path (``{{filters.lang}}``, ``{{items.0}}``) of the values
a protocol offers (a tool's arguments, a route's path parameters and body ...). A text that
is one placeholder alone keeps the value's JSON type (``"{{limit}}"`` gives 10, not "10");
inside longer text a value is written as JSON unless it is a string. Unknown names stay as
written, so a typo is visible in the reply. Output is bounded (:data:`MAX_RENDERED`): a
template cannot multiply a large request into a huge reply.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .conditions import MISSING, lookup

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*\}\}")
MAX_RENDERED = 4 * 1024 * 1024
TRUNCATED = "…[truncated by AgentTestLibrary: a reply template may render at most 4 MiB]"


def fill(text: str, values: Any, budget: list[int] | None = None) -> Any:
    """The text with its placeholders filled; one placeholder alone gives the value itself."""
    if "{{" not in text:
        return text
    alone = PLACEHOLDER.fullmatch(text.strip())
    if alone is not None:
        value = lookup(values, alone.group(1))
        return text if value is MISSING else value
    left = budget if budget is not None else [MAX_RENDERED]

    def replace(found: re.Match[str]) -> str:
        value = lookup(values, found.group(1))
        written = found.group(0) if value is MISSING else value if isinstance(value, str) else _json(value)
        if len(written) > left[0]:
            written, left[0] = written[: left[0]] + TRUNCATED, 0
        else:
            left[0] -= len(written)
        return written

    return PLACEHOLDER.sub(replace, text)


def fill_data(data: Any, values: Any, budget: list[int] | None = None) -> Any:
    """Every string inside JSON data filled (keys stay as written), all of it within one output budget."""
    left = budget if budget is not None else [MAX_RENDERED]
    if isinstance(data, str):
        return fill(data, values, left)
    if isinstance(data, list):
        return [fill_data(item, values, left) for item in data]
    if isinstance(data, dict):
        return {key: fill_data(item, values, left) for key, item in data.items()}
    return data


def has_placeholders(data: Any) -> bool:
    if isinstance(data, str):
        return PLACEHOLDER.search(data) is not None
    if isinstance(data, list):
        return any(has_placeholders(item) for item in data)
    if isinstance(data, dict):
        return any(has_placeholders(item) for item in data.values())
    return False


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
