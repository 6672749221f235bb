"""A loopback stand-in for a provider or service: answers canned bytes and records what it was sent."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    chunks: list[bytes] = field(default_factory=lambda: [b"{}"])


@dataclass
class StandIn:
    url: str
    received: list[Received]


@contextmanager
def stand_in(answer: Answer | Callable[[Received], Answer]) -> Iterator[StandIn]:
    """Serve on 127.0.0.1 (port 0) until the block ends; streamed answers are sent chunk by chunk."""
    received: list[Received] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = Received(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
            )
            received.append(request)
            reply = answer(request) if callable(answer) else answer
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            chunked = reply.headers.get("content-type", "").startswith("text/event-stream")
            if chunked:
                self.send_header("transfer-encoding", "chunked")
            else:
                self.send_header("content-length", str(sum(len(chunk) for chunk in reply.chunks)))
            self.end_headers()
            for chunk in reply.chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                self.wfile.flush()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")

        do_GET = do_POST = do_DELETE = _serve  # the names http.server dispatches to

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StandIn(f"http://127.0.0.1:{server.server_address[1]}", received)
    finally:
        server.shutdown()
        server.server_close()
