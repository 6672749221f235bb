"""Small HTML for the log: tables and preformatted text, every value escaped (names come from untrusted files)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

STYLE = "border-collapse:collapse;font:12px system-ui,sans-serif"
CELL = "border:1px solid #cfd8dc;padding:2px 6px;text-align:left;vertical-align:top"


def table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An escaped HTML table (``caption`` above it); values are shown with ``str``, lists joined by commas."""

    def cell(value: Any) -> str:
        text = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else "" if value is None else str(value)
        return f"<td style='{CELL}'>{html.escape(text)}</td>"

    head = "".join(f"<th style='{CELL};background:#eceff1'>{html.escape(name)}</th>" for name in headers)
    body = "".join(f"<tr>{''.join(cell(value) for value in row)}</tr>" for row in rows)
    return f"<b>{html.escape(caption)}</b><table style='{STYLE}'><tr>{head}</tr>{body}</table>"


def preformatted(text: str) -> str:
    """``text`` as an escaped ``<pre>`` block: aligned tables and listings keep their columns, markup stays text."""
    return f"<pre>{html.escape(text)}</pre>"
