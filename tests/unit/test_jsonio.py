"""JSON from the agent: nesting up to MAX_DEPTH levels is read, one level more is a clear error, whatever the mix."""

from __future__ import annotations

import json
from typing import Any

import pytest

from AgentTestLibrary.mock import jsonio


def nested(levels: int, kinds: str) -> Any:
    """``levels`` containers, one inside the next, cycling through ``kinds`` (d: an object, l: an array)."""
    value: Any = "leaf"
    for level in range(levels):
        value = {"k": value, "n": 1} if kinds[level % len(kinds)] == "d" else [1, value, "x"]
    return value


@pytest.mark.parametrize("kinds", ["d", "l", "dl", "ldd"])
def test_max_depth_levels_are_read_and_one_more_is_refused(kinds: str) -> None:
    body = json.dumps(nested(jsonio.MAX_DEPTH, kinds)).encode()
    assert jsonio.loads(body) == json.loads(body)
    with pytest.raises(jsonio.JsonError, match=f"nested more than {jsonio.MAX_DEPTH} levels deep"):
        jsonio.loads(json.dumps(nested(jsonio.MAX_DEPTH + 1, kinds)).encode())


def test_a_deep_branch_among_wide_shallow_ones_is_found() -> None:
    wide = {f"tool_{number}": {"type": "object", "properties": {"p": {"type": "string"}}} for number in range(200)}
    wide["deep"] = nested(jsonio.MAX_DEPTH, "dl")
    with pytest.raises(jsonio.JsonError, match="levels deep"):
        jsonio.loads(json.dumps(wide).encode())
    del wide["deep"]
    assert jsonio.loads(json.dumps(wide).encode()) == wide
