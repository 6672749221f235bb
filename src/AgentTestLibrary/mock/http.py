"""Sans-I/O HTTP/1.1 for every mock server: requests parsed from bytes, outcomes turned into bytes.

What must live here, and nowhere else:

- request framing and its defences: one request line (``METHOD SP origin-form SP HTTP/1.x``),
  header lines without folding, whitespace before the colon or control characters; exactly one
  ``Content-Length`` of digits, never together with ``Transfer-Encoding``; ``chunked`` as the
  only transfer coding; a ``Host`` header on HTTP/1.1; a bounded head and a bounded body. Any
  breach is a :class:`ProtocolError` (400, 413 or 501) and the connection is closed after it.
- :class:`Outcome`, the transport-neutral result of an exchange (status, headers, a JSON body
  or a list of events, injected timing and breakage), and its HTTP rendering: one buffer for a
  whole response when nothing is paced, per-event chunks when something is.

No sockets, no clocks: :mod:`.server` moves the bytes, :mod:`.pipeline` decides the answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from . import jsonio
from .recent import Recent

if TYPE_CHECKING:
    from .feed import Feed

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE")  # what 501 is not for


def with_head(methods: tuple[str, ...]) -> tuple[str, ...]:
    """The methods a resource answers, HEAD added wherever GET is (RFC 9110: a HEAD answer is a GET's head alone)."""
    return (*methods, "HEAD") if "GET" in methods and "HEAD" not in methods else methods


MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 32 * 1024 * 1024  # larger bodies get the protocol's 413 (Limits.max_body_bytes)
MAX_CHUNK_LINE = 1024
_REQUEST_LINE = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (/[\x21-\x7e]*|\*) HTTP/1\.([01])")
# A header line: a token, a colon, then visible text, tabs or obs-text (no control characters).
_FIELD_LINE = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):([\t\x20-\x7e\x80-\xff]*)")
# A client sends the same request line and most of the same header lines with every request: each line is checked
# and split once, then looked up (a bounded weight of lines kept, shared by every connection).
_REQUEST_LINES: Recent[tuple[str, str, bytes]] = Recent(64 * 1024)
_FIELD_LINES: Recent[tuple[str, str]] = Recent(256 * 1024)
_ONCE_ONLY = {"host": "Host", "content-length": "Content-Length"}  # header fields a request may not repeat
_UNSAFE_HEADER = str.maketrans("\r\n\x00", "   ")  # what may not appear in a header line


class ProtocolError(Exception):
    """The bytes are not an acceptable HTTP/1.1 request; answered with ``status``, then the connection closes."""

    def __init__(self, status: int, message: str, head: Request | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.head = head  # the request as far as it was read, so the answer can take the route's shape


@dataclass(slots=True)
class Request:
    """One request (or one WebSocket text frame, ``transport="ws"``) with lower-case header names."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""
    keep_alive: bool = True
    transport: str = "http"
    via: str = ""  # the real host a client asked for, when the sealed network's proxy routed it here
    scheme: str = "http"  # https when the sealed network's proxy terminated TLS for it

    @property
    def origin(self) -> str:
        """The URL this request reached, as the client sees it (``https://api.github.com`` through the seal)."""
        return f"{self.scheme}://{self.headers.get('host') or '127.0.0.1'}"

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_query(self.target.split("?", 1)[1]) if "?" in self.target else {}


def parse_query(text: str) -> dict[str, list[str]]:
    """What ``parse_qs`` gives, split by hand when nothing in the text needs decoding (Gemini's ``alt=sse``,
    Azure's ``api-version=...``: a third of the time)."""
    if "%" in text or "+" in text:
        return parse_qs(text)
    parsed: dict[str, list[str]] = {}
    for pair in text.split("&"):
        name, _, value = pair.partition("=")
        if value:  # as parse_qs: blank values and names without '=' are left out
            parsed.setdefault(name, []).append(value)
    return parsed


@dataclass(frozen=True, slots=True)
class Timing:
    """Injected timing: before the headers, before the first event, between events; or a hang."""

    delay_s: float = 0.0
    first_event_delay_s: float = 0.0
    event_delay_s: float = 0.0
    hang_s: float | None = None
    event_delays_s: tuple[float, ...] = ()  # per event, as recorded; overrides the uniform pacing

    @property
    def paced(self) -> bool:
        return bool(self.delay_s or self.first_event_delay_s or self.event_delay_s or self.event_delays_s)

    def pause_before(self, number: int) -> float:
        if number < len(self.event_delays_s):
            return self.event_delays_s[number]
        return self.first_event_delay_s if number == 0 else self.event_delay_s


NO_TIMING = Timing()


@dataclass(slots=True)
class Event:
    """One streamed event: JSON data (or a string sent as is), an optional SSE event name, or raw SSE bytes."""

    data: Any
    name: str | None = None
    raw: bytes | None = None

    def sse(self) -> bytes:
        if self.raw is not None:
            return self.raw
        payload = self.data.encode() if isinstance(self.data, str) else jsonio.dumps(self.data)
        if self.name:
            return b"event: " + self.name.encode() + b"\ndata: " + payload + b"\n\n"
        return b"data: " + payload + b"\n\n"


@dataclass(slots=True)
class Outcome:
    """The answer to one exchange, before any transport frames it."""

    status: int
    body: Any = None  # JSON-able data, or bytes sent as they are
    events: list[Event] | None = None  # a stream: SSE over HTTP, one frame each over WebSocket
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    timing: Timing = NO_TIMING
    cut_after_events: int | None = None  # drop the connection after this many events (no terminal chunk)
    cut_after_bytes: int | None = None  # ... or after this many body bytes
    close_code: int | None = None  # WebSocket: close with this code after ``cut_after_events`` events
    dropped: bool = False  # close the connection without any answer (a server that died)
    feed: Feed | None = None  # a stream produced while it is sent (SSE over HTTP), instead of ``events``

    @property
    def immediate(self) -> bool:
        """Whether the whole outcome goes out at once: nothing paced, held, cut or dropped."""
        return (not self.timing.paced and self.timing.hang_s is None and self.cut_after_events is None
                and self.cut_after_bytes is None and not self.dropped and self.feed is None)  # fmt: skip

    @property
    def answered(self) -> bool:
        """Whether the client gets any response at all (not when the connection drops or hangs, then closes)."""
        return not self.dropped and self.timing.hang_s is None

    @property
    def broken(self) -> bool:
        return (self.cut_after_events is not None or self.cut_after_bytes is not None
                or self.timing.hang_s is not None or self.dropped)  # fmt: skip

    def body_bytes(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return b"" if self.body is None else jsonio.dumps(self.body)


def json_outcome(status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> Outcome:
    return Outcome(status, data, headers=headers or [])


# -- requests ---------------------------------------------------------------------------------


class RequestParser:
    """Incremental request parser: :meth:`receive` bytes, then take requests with :meth:`next_request`."""

    def __init__(self, max_body_bytes: int, max_head_bytes: int = MAX_HEAD_BYTES) -> None:
        self.max_body_bytes = max_body_bytes
        self.max_head_bytes = max_head_bytes
        self._buffer = bytearray()
        self._head: Request | None = None
        self._length = 0
        self._chunked = False
        self._chunks: list[bytes] = []
        self._received = 0
        self.wants_continue = False  # the client waits for "100 Continue" before sending the body

    @property
    def pending(self) -> bool:
        """A request has begun but is not complete (the server times it out)."""
        return self._head is not None or bool(self._buffer.strip(b"\r\n"))

    @property
    def leftover(self) -> bytes:
        return bytes(self._buffer)

    def receive(self, data: bytes) -> None:
        self._buffer += data

    def next_request(self) -> Request | None:
        """The next complete request, None when more bytes are needed; raises :class:`ProtocolError`."""
        if self._head is None and not self._buffer:  # all read and answered (after every request)
            return None
        if self._head is None:
            while self._buffer[:2] == b"\r\n":  # stray line breaks between requests are allowed
                del self._buffer[:2]
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > self.max_head_bytes:
                    raise ProtocolError(400, f"The request head is larger than {self.max_head_bytes} bytes.")
                if b"\n\n" in self._buffer:
                    raise ProtocolError(400, "Header lines must end with CRLF.")
                return None
            if end > self.max_head_bytes:
                raise ProtocolError(400, f"The request head is larger than {self.max_head_bytes} bytes.")
            head = bytes(self._buffer[:end])
            del self._buffer[: end + 4]
            self._start(head)
        assert self._head is not None
        body = self._chunked_body() if self._chunked else self._fixed_body()
        if body is None:
            return None
        request, self._head = self._head, None
        request.body = body
        self.wants_continue = False
        return request

    def _start(self, head: bytes) -> None:
        first, _, block = head.partition(b"\r\n")
        request_line = _REQUEST_LINES.find(first) or _REQUEST_LINES.get(first, len(first), _request_line, first)
        method, target, minor = request_line
        find, lines = _FIELD_LINES.find, block.split(b"\r\n") if block else ()
        fields = [find(line) or _FIELD_LINES.get(line, len(line), _field, line) for line in lines]
        headers = dict(fields)
        if len(headers) < len(fields):  # a name sent twice (rare): its values joined, or refused
            headers = _joined(fields, method, target)
        request = Request(method, target, headers)
        if minor == b"1" and "host" not in headers:
            raise ProtocolError(400, "HTTP/1.1 requests need a Host header.", request)
        connection = headers.get("connection", "").lower()
        request.keep_alive = "close" not in connection if minor == b"1" else "keep-alive" in connection
        coding, length = headers.get("transfer-encoding"), headers.get("content-length")
        if coding is not None:
            if length is not None:
                raise ProtocolError(400, "Content-Length together with Transfer-Encoding is not allowed.", request)
            if coding.lower() != "chunked" or minor == b"0":
                raise ProtocolError(501, f"Transfer-Encoding {coding!r} is not supported; use chunked.", request)
        elif length is not None:
            if not length.isascii() or not length.isdigit() or len(length) > 18:
                raise ProtocolError(400, f"Content-Length {length[:30]!r} is not a number.", request)
            self._length = int(length)
            if self._length > self.max_body_bytes:
                raise ProtocolError(413, self._too_large(), request)
        self._chunked = coding is not None
        if length is None:
            self._length = 0
        self._head = request
        self.wants_continue = headers.get("expect", "").lower() == "100-continue"

    def _too_large(self) -> str:
        return f"The request body is larger than the mock's limit of {self.max_body_bytes} bytes (max_body_bytes)."

    def _fixed_body(self) -> bytes | None:
        if len(self._buffer) < self._length:
            return None
        body = bytes(self._buffer[: self._length])
        del self._buffer[: self._length]
        self._length = 0
        return body

    def _chunked_body(self) -> bytes | None:
        while True:
            line_end = self._buffer.find(b"\r\n")
            if line_end < 0:
                if len(self._buffer) > MAX_CHUNK_LINE:
                    raise ProtocolError(400, "A chunk-size line is too long.", self._head)
                return None
            size_text = bytes(self._buffer[:line_end]).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError(400, f"Malformed chunk size {size_text[:20]!r}.", self._head) from None
            if size == 0:
                trailer_end = self._buffer.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    if len(self._buffer) > self.max_head_bytes:
                        raise ProtocolError(400, "The chunked trailer is too large.", self._head)
                    return None
                del self._buffer[: trailer_end + 4]
                body, self._chunks, self._received = b"".join(self._chunks), [], 0
                return body
            if self._received + size > self.max_body_bytes:
                raise ProtocolError(413, self._too_large(), self._head)
            if len(self._buffer) < line_end + 2 + size + 2:
                return None
            start = line_end + 2
            if self._buffer[start + size : start + size + 2] != b"\r\n":
                raise ProtocolError(400, "A chunk is not followed by CRLF.", self._head)
            self._chunks.append(bytes(self._buffer[start : start + size]))
            self._received += size
            del self._buffer[: start + size + 2]


def _request_line(line: bytes) -> tuple[str, str, bytes]:
    """The method, target and minor version of a request line; :class:`ProtocolError` when it is not one."""
    matched = _REQUEST_LINE.fullmatch(line)
    if matched is None:
        raise ProtocolError(400, f"Malformed request line {line[:100]!r}; expected 'METHOD /path HTTP/1.1'.")
    return matched.group(1).decode("ascii"), matched.group(2).decode("ascii"), matched.group(3)


def _joined(fields: list[tuple[str, str]], method: str, target: str) -> dict[str, str]:
    """Header fields with a name sent more than once: their values joined with ", " in the order sent (RFC 9110),
    except Host and Content-Length, which a request may carry once only (:class:`ProtocolError`)."""
    headers: dict[str, str] = {}
    for key, text in fields:
        if key not in headers:
            headers[key] = text
        elif key in _ONCE_ONLY:
            raise ProtocolError(400, f"More than one {_ONCE_ONLY[key]} header.", Request(method, target, headers))
        else:
            headers[key] = f"{headers[key]}, {text}"
    return headers


def _field(line: bytes) -> tuple[str, str]:
    """A header line's lower-case name and its value without surrounding blanks; :class:`ProtocolError` when it is
    not a header line (folded, no colon, blanks before the colon, control characters)."""
    matched = _FIELD_LINE.fullmatch(line)
    if matched is None:
        problem = "folded header lines are not allowed" if line[:1] in b" \t" else "malformed header line"
        raise ProtocolError(400, f"{problem.capitalize()}: {line[:100]!r}.")
    return matched.group(1).decode("ascii").lower(), matched.group(2).decode("latin-1").strip(" \t")


# -- responses --------------------------------------------------------------------------------

_REASONS = {status.value: status.phrase for status in HTTPStatus} | {529: "Overloaded"}
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
LAST_CHUNK = b"0\r\n\r\n"


# Headers the server writes itself, from the body it sends: a route's or a cassette's own are left out (a
# content-length that is not the body's would desync the connection). A content-type or server a route gives
# replaces the default one instead of following it.
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
_HEADS: dict[tuple[Any, ...], bytes] = {}  # status line and headers as rendered, by what they depend on
_MAX_HEADS = 256  # answers repeat their heads; cassette replays with headers of their own may not: bounded


def response_head(outcome: Outcome, length: int | None, keep_alive: bool, server: str) -> bytes:
    """Status line and headers; ``length`` None means chunked. Header text loses line breaks and NULs, so a
    replayed cassette cannot split the response. All but the framing lines are rendered once per shape; each
    header the server sets is sent once (:data:`FRAMING_HEADERS`: the server's; content type, server: the
    outcome's own when it has one)."""
    key = (outcome.status, outcome.content_type, *outcome.headers, server)
    try:
        start, kept = _HEADS.get(key), True
    except TypeError:  # a value that cannot be a key (a hostile cassette's): rendered, not kept
        start, kept = None, False
    if start is None:
        named = {name.lower() for name, _ in outcome.headers}
        lines = [f"HTTP/1.1 {outcome.status} {_REASONS.get(outcome.status, '')}\r\n"]
        if "content-type" not in named:
            lines.append(f"content-type: {_safe(outcome.content_type)}\r\n")
        if "server" not in named:
            lines.append(f"server: {server}\r\n")
        lines += [f"{_safe(name)}: {_safe(value)}\r\n" for name, value in outcome.headers
                  if name.lower() not in FRAMING_HEADERS]  # fmt: skip
        start = "".join(lines).encode("latin-1", "replace")
        if kept:
            if len(_HEADS) >= _MAX_HEADS:
                _HEADS.clear()
            _HEADS[key] = start
    framing = b"content-length: %d\r\n" % length if length is not None else b"transfer-encoding: chunked\r\n"
    return start + framing + (b"\r\n" if keep_alive else b"connection: close\r\n\r\n")


def _safe(text: str) -> str:
    """Header text without line breaks and NULs (translated only when it has one: most never do, and a page's
    headers change with every request, as GitHub's rate-limit counts)."""
    return text.translate(_UNSAFE_HEADER) if "\r" in text or "\n" in text or "\x00" in text else text


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""


def event_stream(events: list[Event]) -> bytes:
    """A whole SSE stream as the chunked body of one write: every event its own chunk (size line, the event's
    :meth:`Event.sse`, CRLF; a JSON data event, named or not, the usual ones, in one formatting), then the last
    chunk."""
    parts = []
    for event in events:
        if event.raw is not None or isinstance(event.data, str):
            data = event.sse()
            parts.append(b"%x\r\n%b\r\n" % (len(data), data))
            continue
        payload = jsonio.dumps(event.data)
        if event.name:
            name = event.name.encode()
            parts.append(b"%x\r\nevent: %b\ndata: %b\n\n\r\n" % (len(name) + len(payload) + 16, name, payload))
        else:
            parts.append(b"%x\r\ndata: %b\n\n\r\n" % (len(payload) + 8, payload))
    parts.append(LAST_CHUNK)
    return b"".join(parts)


def error_body(status: int, message: str) -> bytes:
    """The body of a framing error when no protocol shape is known: valid JSON, always."""
    return jsonio.dumps({"error": {"message": message, "type": "invalid_request_error", "code": status}})
