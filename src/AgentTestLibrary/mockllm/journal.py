"""The journal: every request and its answer, redacted before it is stored."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .conversation import Conversation, Reply


@dataclass(frozen=True)
class JournalEntry:
    """One exchange. ``headers`` and ``body`` are already redacted."""

    index: int
    time: float
    method: str
    path: str
    status: int
    protocol: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    conversation: Conversation | None = None
    reply: Reply | None = None
    rule: str | None = None
    unmatched: bool = False
    near_miss: str = ""
    error: str = ""
    fault: str = ""
    broken: bool = False
    retry_after_s: float | None = None
    delay_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        reply = self.reply
        return {
            "index": self.index,
            "time": round(self.time, 6),
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "protocol": self.protocol,
            "rule": self.rule,
            "unmatched": self.unmatched,
            "near_miss": self.near_miss,
            "error": self.error,
            "fault": self.fault,
            "broken": self.broken,
            "retry_after_s": self.retry_after_s,
            "delay_s": self.delay_s,
            "headers": self.headers,
            "request": self.conversation.to_dict() if self.conversation else None,
            "reply": (
                {
                    "text": reply.text,
                    "tool_calls": [call.to_dict() for call in reply.tool_calls],
                    "stop_reason": reply.neutral_stop_reason,
                    "error": reply.error.message if reply.error else None,
                }
                if reply
                else None
            ),
            "body": self.body,
        }


class Journal:
    """Append-only, thread-safe; readers get snapshots, so assertions never race the server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[JournalEntry] = []
        self._next_index = 0

    def record(self, **values: Any) -> JournalEntry:
        with self._lock:
            entry = JournalEntry(index=self._next_index, time=time.time(), **values)
            self._next_index += 1
            self._entries.append(entry)
            return entry

    def entries(self, since: int = 0) -> list[JournalEntry]:
        """Entries whose index is ``since`` or later."""
        with self._lock:
            return [entry for entry in self._entries if entry.index >= since]

    @property
    def next_index(self) -> int:
        with self._lock:
            return self._next_index

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
