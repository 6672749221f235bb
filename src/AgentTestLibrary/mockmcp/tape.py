"""What a mock MCP server asks of a recording (an MCP cassette): declared here, so it never imports cassettes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass
class TapedCall:
    """A recorded (or just recorded) JSON-RPC answer to one request: its ``result`` or its ``error`` object."""

    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    rule: str = ""
    unmatched: bool = False
    near_miss: str = ""


class McpTape(Protocol):
    """A source of recorded MCP answers that may also record new ones from a real server."""

    @property
    def may_record(self) -> bool:
        """True while answers may wait on the real server (they then run off the event loop)."""
        ...

    def answer(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> TapedCall: ...
