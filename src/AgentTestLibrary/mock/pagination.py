"""Pagination in the styles real APIs use, over an in-memory list: which page is asked for, what comes next.

=======  ============================================  =================================================
style    the request says                               the response says
=======  ============================================  =================================================
link     ``page`` (from 1), ``per_page``                ``Link: <url?page=2>; rel="next", ..."last"`` (GitHub)
cursor   ``cursor``, ``limit``                          a cursor in the body, "" on the last page (Slack
                                                        ``response_metadata.next_cursor``)
token    ``NextToken`` / ``Marker``, ``MaxResults``     ``NextToken`` / ``NextMarker`` in the body, absent
                                                        on the last page (AWS)
offset   ``offset``, ``limit``                          the items and the ``total``
=======  ============================================  =================================================

Cursors and tokens are opaque to clients (``agenttest:<offset>`` in URL-safe base64); a forged
or stale one is an :class:`InvalidPage`. :attr:`Slice.number` (1-based) is what faults address
as ``page``. Sizes are bounded by :attr:`Paging.max_size`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, get_args
from urllib.parse import parse_qsl, urlencode

Style = Literal["link", "cursor", "token", "offset"]
STYLES: tuple[str, ...] = get_args(Style)
DEFAULTS: dict[str, dict[str, str]] = {
    "link": {"position": "page", "size": "per_page"},
    "cursor": {"position": "cursor", "size": "limit", "next": "response_metadata.next_cursor"},
    "token": {"position": "NextToken", "size": "MaxResults", "next": "NextToken"},
    "offset": {"position": "offset", "size": "limit", "next": "total"},
}


class InvalidPage(ValueError):
    """The page, cursor, token or size asked for cannot be served (the message says why)."""


@dataclass(frozen=True)
class Paging:
    """How one route pages: its style, default and largest page size, and the names it uses."""

    style: str = "link"
    size: int = 30
    max_size: int = 100
    position_param: str = ""  # default per style (DEFAULTS)
    size_param: str = ""
    next_field: str = ""  # cursor/token: where the next position goes in the body; offset: the total

    def name(self, which: str) -> str:
        """The name of its ``position``, ``size`` or ``next`` (as given, else its style's default)."""
        return self.names[which]

    @cached_property
    def names(self) -> dict[str, str]:
        given = {"position": self.position_param, "size": self.size_param, "next": self.next_field}
        return {which: name or DEFAULTS[self.style].get(which, "") for which, name in given.items()}


@dataclass(frozen=True)
class Slice:
    items: list[Any]
    number: int  # 1-based page number
    size: int
    offset: int
    total: int
    next_position: str | int | None  # what the client sends for the next page (None: this is the last)

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.size))


def encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"agenttest:{offset}".encode()).decode().rstrip("=")


def decode(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "agenttest" or not number.isdigit():
            raise ValueError
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidPage(f"the pagination token {token[:40]!r} was not issued by this mock: pass back the one "
                          "the previous page gave") from None  # fmt: skip


def _integer(value: Any, what: str, minimum: int) -> int:
    text = str(value)
    if not text.isdigit() or int(text) < minimum:
        raise InvalidPage(f"{what} must be an integer >= {minimum}; got {text[:20]!r}")
    return int(text)


def position_of(paging: Paging, params: Mapping[str, Any]) -> tuple[int, int, int]:
    """(offset, size, page number) asked for by the request's parameters."""
    raw_size = params.get(paging.name("size"))
    size = paging.size if raw_size in (None, "") else _integer(raw_size, paging.name("size"), 1)
    size = min(size, paging.max_size)
    raw = params.get(paging.name("position"))
    if raw in (None, ""):
        return 0, size, 1
    if paging.style == "link":
        page = _integer(raw, paging.name("position"), 1)
        return (page - 1) * size, size, page
    offset = _integer(raw, paging.name("position"), 0) if paging.style == "offset" else decode(str(raw))
    return offset, size, offset // size + 1


def page(paging: Paging, items: Sequence[Any], params: Mapping[str, Any]) -> Slice:
    """The slice of ``items`` the request asks for."""
    offset, size, number = position_of(paging, params)
    if offset > len(items) and paging.style != "link":
        raise InvalidPage(f"the position {offset} is past the end of the {len(items)} items")
    chosen = list(items[offset : offset + size])
    following: str | int | None = None
    if offset + size < len(items):
        following = number + 1 if paging.style == "link" else offset + size if paging.style == "offset" else (
            encode(offset + size))  # fmt: skip
    return Slice(chosen, number, size, offset, len(items), following)


def link_header(url: str, query: str, paging: Paging, result: Slice) -> str:
    """GitHub's ``Link`` header for a ``link``-style page (absolute URLs, other query parameters kept)."""
    kept = [(key, value) for key, value in parse_qsl(query, keep_blank_values=True)
            if key not in (paging.name("position"), paging.name("size"))]  # fmt: skip

    def target(number: int) -> str:
        pairs = [*kept, (paging.name("position"), str(number)), (paging.name("size"), str(result.size))]
        return f"<{url}?{urlencode(pairs)}>"

    links = []
    if result.next_position is not None:
        links += [f'{target(result.number + 1)}; rel="next"', f'{target(result.last_page)}; rel="last"']
    if result.number > 1:
        links += [f'{target(1)}; rel="first"', f'{target(result.number - 1)}; rel="prev"']
    return ", ".join(links)
