"""WebSocket sessions of a mock server: the RFC 6455 upgrade and framing (by wsproto), within bounds.

A connection whose request asks to upgrade hands it to :func:`upgrade`: a path the
application serves over WebSocket, from an allowed origin, gets ``101 Switching Protocols``
and a :class:`WebSocketSession`; anything else an HTTP refusal. The session reassembles text
messages (bounded: a larger one closes with 1009), sends each through the pipeline as one
frame (``transport="ws"``) and writes the outcome as text frames, one per event (an error as
an ``error`` event); binary messages are refused, pings answered (while output is paused, only
the newest one, RFC 6455 5.5.3), a close is answered. Injected timing or breakage is enacted
frame by frame; a cut closes with the fault's code (1011). The connection (:class:`Link`)
moves the bytes; nothing here touches a socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Protocol

from wsproto.connection import Connection as WebSocket
from wsproto.connection import ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.utilities import generate_accept_token

from . import jsonio
from .http import Outcome, Request
from .pipeline import Pipeline

INJECTED_CLOSE = "AgentTestLibrary injected fault"


class Link(Protocol):
    """What a session needs of its connection."""

    pipeline: Pipeline
    paused: bool  # the client reads nothing: output waits
    busy: bool  # an answer is being written in the background

    def send(self, data: bytes) -> None: ...

    def hang_up(self) -> None: ...

    def refuse(self, outcome: Outcome, method: str) -> None:
        """Answer with ``outcome`` over HTTP and close."""
        ...

    def background(self, work: Coroutine[Any, Any, None]) -> None: ...

    async def waited(self, outcome: Outcome) -> bool: ...

    async def drained(self) -> None: ...


def upgrade(link: Link, request: Request, leftover: bytes, max_message_bytes: int) -> WebSocketSession | None:
    """Switch the connection to WebSocket for a path the application serves that way, or refuse over HTTP."""
    pipeline = link.pipeline
    key = request.headers.get("sec-websocket-key")
    found = pipeline.routes.find("WS", request.path)
    if request.method != "GET" or found.endpoint is None or not key:
        paths = " or ".join(pipeline.websocket_paths()) or "no path"
        status = 404 if found.endpoint is None else 400
        message = f"WebSocket upgrades need GET {paths} with a Sec-WebSocket-Key header."
        link.refuse(pipeline.reject(request, status, message, found.endpoint), request.method)
        return None
    refusal = pipeline.guard.refuse(request)
    if refusal:
        link.refuse(pipeline.reject(request, 403, refusal, found.endpoint, kind="refused"), "GET")
        return None
    accept = generate_accept_token(key.encode("latin-1")).decode("ascii")
    link.send(b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
              b"sec-websocket-accept: %s\r\n\r\n" % accept.encode())  # fmt: skip
    session = WebSocketSession(link, request, max_message_bytes)
    if leftover:
        session.receive(leftover)
    return session


class WebSocketSession:
    """One upgraded connection: frames in, the pipeline's outcomes out as frames."""

    def __init__(self, link: Link, request: Request, max_message_bytes: int) -> None:
        self.link = link
        self.request = request  # the upgrade request: its path and headers go with every frame
        self.max_message_bytes = max_message_bytes
        self.socket = WebSocket(ConnectionType.SERVER)
        self.message: list[str] = []
        self.message_size = 0
        self.pending_pong = b""  # the answer to the newest ping that came while output was paused

    def receive(self, data: bytes) -> None:
        self.socket.receive_data(data)
        for event in self.socket.events():
            if isinstance(event, (TextMessage, BytesMessage)):
                self.message_size += len(event.data)
                if self.message_size > self.max_message_bytes:
                    reason = f"messages are limited to {self.max_message_bytes} bytes"
                    self._close(1009, reason)
                    return
                if isinstance(event, BytesMessage):
                    if event.message_finished:
                        self.message_size = 0
                        message = "Binary frames are not supported; send JSON text frames."
                        refusal = {"type": "error", "status": 400, "error": {"type": "invalid_request_error",
                                                                             "message": message}}  # fmt: skip
                        self.send_frame(jsonio.dumps_text(refusal))
                    continue
                self.message.append(event.data)
                if event.message_finished:
                    text, self.message, self.message_size = "".join(self.message), [], 0
                    self._answer(text)
            elif isinstance(event, Ping):
                # RFC 6455 5.5.3: with pongs still unsent, answering only the newest ping is enough; a flood
                # read in one chunk must not queue one pong per ping while the client reads nothing.
                pong = self.socket.send(event.response())
                if self.link.paused:
                    self.pending_pong = pong
                else:
                    self.link.send(pong)
            elif isinstance(event, CloseConnection):
                self.link.send(self.socket.send(event.response()))
                self.link.hang_up()
                return

    def resume(self) -> None:
        """Output may flow again: send the pong held back while it could not."""
        if self.pending_pong:
            pong, self.pending_pong = self.pending_pong, b""
            self.link.send(pong)

    def send_frame(self, data: str) -> None:
        self.link.send(self.socket.send(TextMessage(data=data)))

    def _close(self, code: int, reason: str) -> None:
        self.link.send(self.socket.send(CloseConnection(code=code, reason=reason)))
        self.link.hang_up()

    def _answer(self, text: str) -> None:
        upgrade = self.request
        frame = Request(
            "WS", upgrade.target, upgrade.headers, text.encode(), transport="ws", via=upgrade.via, scheme=upgrade.scheme
        )
        outcome = self.link.pipeline.handle(frame)
        if outcome.immediate and not self.link.busy:
            for data in frames(outcome):
                self.send_frame(data)
        else:
            self.link.background(self._timed(outcome))

    async def _timed(self, outcome: Outcome) -> None:
        timing = outcome.timing
        if not await self.link.waited(outcome):
            return
        sent = frames(outcome)
        close_after = 0 if outcome.dropped else outcome.cut_after_events
        if close_after is None and outcome.cut_after_bytes is not None:
            close_after = len(sent) // 2
        for number, data in enumerate(sent):
            if number == close_after:
                self._close(outcome.close_code or 1011, INJECTED_CLOSE)
                return
            pause = timing.pause_before(number)
            if pause:
                await asyncio.sleep(pause)
            self.send_frame(data)
            await self.link.drained()


def frames(outcome: Outcome) -> list[str]:
    """An outcome as WebSocket text frames: one per event, or an ``error`` event for a failure."""
    if outcome.events is not None:
        return [
            event.data if isinstance(event.data, str) else jsonio.dumps_text(event.data) for event in outcome.events
        ]
    body = outcome.body if isinstance(outcome.body, dict) else {"error": {"message": str(outcome.body)}}
    if outcome.status >= 400:
        return [jsonio.dumps_text({"type": "error", "status": outcome.status, **body})]
    return [jsonio.dumps_text(body)]
