"""Plain request/response values passed between the HTTP server and the application."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.target.split("?", 1)[1]) if "?" in self.target else {}


@dataclass(frozen=True)
class Timing:
    """Injected timing: before the headers, before the first event, between events; or a hang."""

    delay_s: float = 0.0
    first_event_delay_s: float = 0.0
    event_delay_s: float = 0.0
    hang_s: float | None = None
    event_delays_s: tuple[float, ...] = ()  # per event, as recorded; overrides the uniform pacing


@dataclass
class HttpResponse:
    """A complete body, or ``events`` written one by one (SSE), each flushed on its own."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    events: list[bytes] | None = None
    timing: Timing = field(default_factory=Timing)
    cut: bool = False  # drop the connection after what is written: no terminal chunk, short body
    declared_length: int | None = None  # content-length to announce when ``cut`` shortens the body

    @classmethod
    def json(cls, status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
        return cls(status, json.dumps(data, ensure_ascii=False).encode(), headers=headers or [])

    @classmethod
    def sse(cls, events: list[bytes]) -> HttpResponse:
        return cls(200, content_type="text/event-stream", headers=[("cache-control", "no-cache")], events=events)
