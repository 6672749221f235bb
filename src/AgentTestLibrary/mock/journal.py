"""The journal: every exchange of a mock and what was answered, capped, masked when read.

Recording is on the hot path, so an entry only holds references to what the request and the
answer already are, and everything derived from them is worked out when it is read:
credential headers are replaced by a marker whenever the headers are read
(:attr:`JournalEntry.headers`), and every other secret is masked when an entry leaves the
journal (evidence, keywords, the admin API) through :meth:`JournalEntry.to_dict`, with the
journal's secret registry. The
journal keeps the newest :data:`DEFAULT_LIMIT` entries and at most :data:`DEFAULT_MAX_BYTES` of
them (each entry weighs what it keeps: a request's bytes twice, for the raw body and its parsed form,
a body kept as a marker as the marker, plus what its reply keeps: :func:`kept_bytes`); older ones are
dropped and counted, and readers see the same truncation marker for either cap instead of silently
missing requests. An entry over the byte cap on its own is kept as its head (:meth:`Journal.add`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..clock import iso
from ..secrets import REDACTED, SECRET_HEADERS, SecretRegistry
from . import jsonio

DEFAULT_LIMIT = 10_000
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
MAX_BODY_CHARS = 1_000_000  # a body longer than this is journaled as a marker, not kept


class RawJson:
    """A JSON body kept as the bytes the client sent and decoded when an entry is read (:meth:`JournalEntry.to_dict`):
    a journal of thousands of agent requests then holds one object per body instead of hundreds, and garbage
    collection, which walks every object the journal keeps, no longer grows with it (on Gemini CLI's requests it
    had come to a third of the mock's time)."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def __len__(self) -> int:
        return len(self.raw)

    def decoded(self) -> Any:
        return jsonio.loads(self.raw) if self.raw else None


class Viewable(Protocol):
    """A neutral request or reply (a conversation, a tool call ...) that can show itself as JSON data."""

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(slots=True)
class JournalEntry:
    """One exchange, as it arrived (``headers``, ``body``, ``subject`` are not masked yet)."""

    index: int
    time: float
    method: str
    path: str
    status: int
    protocol: str | None = None  # None for admin calls, warm-ups and unknown routes: not model requests
    kind: str = "request"  # request | admin | warm-up
    transport: str = "http"
    received_headers: Mapping[str, str] = field(default_factory=dict, repr=False)  # as sent, credentials included
    body: Any = None  # the JSON body: as the client sent it (RawJson, decoded when read) or as a recorder gave it
    subject: Any = None  # the neutral request (a Conversation for the model mock)
    reply: Any = None  # the neutral reply
    rule: str | None = None
    unmatched: bool = False
    near_miss: str = ""
    rule_error: bool = False  # the rule could not answer as written; ``error`` says why
    error: str = ""
    fault: str = ""
    broken: bool = False
    retry_after_s: float | None = None
    delay_s: float = 0.0
    secrets: SecretRegistry | None = field(default=None, repr=False, compare=False)
    size: int = field(default=0, repr=False, compare=False)  # weight against the bytes cap: request + kept_bytes

    @property
    def headers(self) -> dict[str, str]:
        """The request's headers, credential headers replaced by a marker."""
        return {
            name: REDACTED if name.lower() in SECRET_HEADERS else value for name, value in self.received_headers.items()
        }

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON data, every secret masked."""
        secrets = SecretRegistry() if self.secrets is None else self.secrets
        reply = self.reply
        data = {
            "index": self.index,
            "time": iso(self.time),
            "kind": self.kind,
            "transport": self.transport,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "protocol": self.protocol,
            "rule": self.rule,
            "unmatched": self.unmatched,
            "near_miss": self.near_miss,
            "rule_error": self.rule_error,
            "error": self.error,
            "fault": self.fault,
            "broken": self.broken,
            "retry_after_s": self.retry_after_s,
            "delay_s": self.delay_s,
            "headers": secrets.mask_headers(self.received_headers),
            "request": self.subject.to_dict() if self.subject is not None else None,
            "reply": reply.to_dict() if reply is not None else None,
            "body": self.body.decoded() if isinstance(self.body, RawJson) else self.body,
        }
        headers = data.pop("headers")
        masked: dict[str, Any] = secrets.mask(data)
        masked["headers"] = headers
        return masked


def kept_bytes(reply: Any) -> int:
    """What a journaled reply weighs: what it says it keeps (``stored_bytes``: a service's page as sent, the model's
    and MCP's reply texts); a reply that does not say is not weighed."""
    return getattr(reply, "stored_bytes", 0)


class Journal:
    """Thread-safe and capped; readers get snapshots, so assertions never race the server."""

    def __init__(
        self, limit: int = DEFAULT_LIMIT, secrets: SecretRegistry | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque()
        self._next_index = 0
        self._bytes = 0
        self.limit = limit
        self.max_bytes = max_bytes
        self.secrets = SecretRegistry() if secrets is None else secrets  # an empty registry is falsy: keep it

    def record(self, **values: Any) -> JournalEntry:
        """Keep an entry of these fields (those of :class:`JournalEntry` after ``index`` and ``time``)."""
        return self.add(JournalEntry(0, 0.0, **values))

    def add(self, entry: JournalEntry, body_bytes: int = 0) -> JournalEntry:
        """Number, stamp and keep an entry its recorder built (the hot path: no keyword dict in between).

        ``body_bytes`` is the request body's length on the wire, counted twice (raw and parsed); a body over
        :data:`MAX_BODY_CHARS` is kept as a marker and weighs the marker (and once more when the parsed request is
        kept). An entry that alone weighs more than :attr:`max_bytes` is kept, but its body as a marker and without
        its parsed request and reply: the journal still shows the exchange and stays bounded.
        """
        body = entry.body
        if isinstance(body, (str, bytes)) and len(body) > MAX_BODY_CHARS:
            entry.body = f"<{len(body)} bytes, not kept>"
            entry.size += len(entry.body) + (body_bytes if entry.subject is not None else 0)
        else:
            entry.size += 2 * body_bytes
        entry.secrets = self.secrets
        entry.size += kept_bytes(entry.reply)
        if entry.size > self.max_bytes:
            self._strip(entry)
        with self._lock:
            entry.index, entry.time = self._next_index, time.time()
            self._next_index += 1
            self._entries.append(entry)
            self._bytes += entry.size
            while len(self._entries) > self.limit or (self._bytes > self.max_bytes and len(self._entries) > 1):
                self._bytes -= self._entries.popleft().size
            return entry

    def _strip(self, entry: JournalEntry) -> None:
        """Keep ``entry`` (over the cap on its own) as its head: the body a marker, no parsed request, no reply."""
        body = entry.body
        length = f"{len(body)} bytes, " if isinstance(body, (str, bytes, RawJson)) else ""
        entry.body = (f"<{length}not kept: the exchange weighed {entry.size} bytes, over the journal's byte cap of "
                      f"{self.max_bytes}; its request and reply were not kept either>")  # fmt: skip
        entry.subject = entry.reply = None
        entry.size = len(entry.body) + len(entry.path) + sum(map(len, entry.received_headers.values()))

    @property
    def size_bytes(self) -> int:
        """What the kept entries weigh against :attr:`max_bytes`."""
        with self._lock:
            return self._bytes

    @property
    def dropped(self) -> int:
        """How many of the oldest entries the cap has dropped."""
        with self._lock:
            return self._next_index - len(self._entries)

    def entries(self, since: int = 0, limit: int | None = None) -> list[JournalEntry]:
        """Entries whose index is ``since`` or later (at most ``limit`` of them), oldest first."""
        with self._lock:
            first = self._next_index - len(self._entries)
            start = max(0, since - first)
            stop = len(self._entries) if limit is None else min(len(self._entries), start + limit)
            return [self._entries[position] for position in range(start, stop)]

    def truncated_since(self, since: int) -> int:
        """How many entries numbered ``since`` or later were dropped by the cap (0 when none)."""
        with self._lock:
            return max(0, (self._next_index - len(self._entries)) - since)

    @property
    def next_index(self) -> int:
        with self._lock:
            return self._next_index

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
