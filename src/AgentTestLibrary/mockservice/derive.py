"""Fields a mock service computes from another stored field (a route's ``derive:``), as the real service would.

``derive: {size: {base64_size: content}, sha: {base64_git_sha: content}}`` stores a file's
decoded size and its git blob SHA-1 beside the base64 ``content`` a client sent (GitHub's
contents API); ``{integer: size}`` a number a form sent as text (Slack's ``length``). A value
the function cannot read is :class:`Underivable`, answered 422. ``{first: assignees}`` is a list's
first entry or null (GitHub's ``assignee`` beside ``assignees``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from typing import Any


class Underivable(ValueError):
    """A stored field the function cannot read (the message says which and why)."""


def _decoded(value: Any) -> bytes:
    if not isinstance(value, str):
        raise Underivable(f"expected base64 text; got {type(value).__name__}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Underivable("content is not valid Base64") from None


def _git_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _integer(value: Any) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise Underivable(f"expected a whole number; got {text[:40]!r}")
    return int(text)


DERIVE: dict[str, Callable[[Any], Any]] = {
    "integer": _integer,
    "base64_size": lambda value: len(_decoded(value)),
    "base64_git_sha": lambda value: _git_sha(_decoded(value)),
    "first": lambda value: value[0] if isinstance(value, list) and value else None,  # GitHub's assignee
}


def derived(item: dict[str, Any], rules: tuple[tuple[str, str, str], ...]) -> dict[str, Any]:
    """The item with each ``(field, function, source)`` computed from its source field (when it has one)."""
    for field, function, source in rules:
        if source in item:
            item = {**item, field: DERIVE[function](item[source])}
    return item
