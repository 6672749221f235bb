"""One mock server: HTTP/1.1, SSE and WebSocket I/O on a background asyncio loop, within bounds.

The server only moves bytes and time. Each connection is an ``asyncio.Protocol``: bytes go
into the sans-I/O :class:`~.http.RequestParser`, complete requests go through the
:class:`~.pipeline.Pipeline`, and the outcome leaves in one write, or event by event with
the pauses a fault asked for; a connection that upgrades hands its bytes to a
:class:`~.websocket.WebSocketSession` (the framing lives there). Every client is bounded
(:class:`Limits`): head and body size, a request that does not arrive within
``request_timeout_s`` of its first byte, idle keep-alive connections, the number of
connections, WebSocket message size, and output a client does not read (reading pauses while
the send buffer is full, so a ping flood cannot grow memory). An answer given before the
request was read whole (413, 400, 408, 503) closes gracefully: reading goes on and is thrown
away, the answer is sent, the server shuts down its writing and closes when the client has
finished or after :data:`LINGER_S` at most, so the client reads the status instead of a reset.
Answers that may be slow (a large body, a recording waiting on its upstream) run off the
event loop, so one request never stalls the others. uvloop is used when installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, cast

from ..errors import MockServerError
from .feed import Feed, Signal
from .http import (
    CONTINUE,
    LAST_CHUNK,
    MAX_BODY_BYTES,
    MAX_HEAD_BYTES,
    Event,
    Outcome,
    ProtocolError,
    Request,
    RequestParser,
    chunk,
    error_body,
    event_stream,
    response_head,
)
from .pipeline import Guard, Pipeline
from .websocket import WebSocketSession, upgrade

try:
    import uvloop
except ImportError:  # pragma: no cover - a default dependency, absent only where no wheel exists
    uvloop = None  # type: ignore[assignment]

START_TIMEOUT_S = 10.0
LINGER_S = 2.0  # how long an early answer's connection drains what the client still sends
INCOMPLETE = "The client closed its side (EOF) before the request was complete; send the whole request."
SERVER_NAME = "agenttest-mock"


@dataclass(frozen=True)
class Limits:
    """What one client may cost the server; every bound has a clear answer when crossed."""

    max_body_bytes: int = MAX_BODY_BYTES  # larger bodies get the protocol's 413
    max_head_bytes: int = MAX_HEAD_BYTES
    request_timeout_s: float = 30.0  # from a request's first byte to its last (then 408 and close)
    idle_timeout_s: float = 75.0  # keep-alive connections with nothing to do are closed
    max_connections: int = 1024  # beyond this, new connections get 503 and are closed
    max_ws_message_bytes: int = 16 * 1024 * 1024  # larger WebSocket messages close with 1009
    write_high_water: int = 1024 * 1024  # reading pauses while this much output is unsent
    heavy_body_bytes: int = 256 * 1024  # bodies above this are answered off the event loop
    backlog: int = 512
    stop_timeout_s: float = 10.0


class Served(Protocol):
    """What a server serves: an application that owns its pipeline (the model mock, an MCP server ...)."""

    pipeline: Pipeline


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int, backlog: int = 512) -> socket.socket:
    """Bind and listen synchronously, so a busy port fails in the caller with a clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise MockServerError(
                f"Port {port} on {host} is already in use (EADDRINUSE): another mock or service listens there. "
                "Use port=0 to let the OS pick a free port, or pick another port / base_port."
            ) from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise MockServerError(
                f"Cannot bind {host}:{port}: the address is not on this machine. Use host=127.0.0.1."
            ) from None
        raise MockServerError(f"Cannot bind {host}:{port}: {error.strerror}.") from None
    return sock


class LoopServer:
    """A listening socket on a background asyncio loop, one protocol object per connection, within :class:`Limits`.

    Subclasses say what serves a connection (:meth:`protocol`) and what to set up once the port is
    known (:meth:`bound`): the mock server below, and the sealed network's egress proxy.
    """

    name = "mock server"  # how messages name it

    def __init__(self, host: str, port: int, limits: Limits | None) -> None:
        self.host = host
        self.requested_port = port
        self.port = 0
        self.limits = limits or Limits()
        self.connections: set[Any] = set()  # protocols with check_time(now) and abort()
        self.executor: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listener: socket.socket | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._server: asyncio.AbstractServer | None = None
        self._last_report = 0.0
        self._suppressed = 0

    def protocol(self) -> asyncio.Protocol:
        raise NotImplementedError

    def bound(self) -> None:
        """The port is known (``self.port``); called before the first connection."""

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> str:
        """Start serving; returns the base URL once connections are accepted."""
        if self.running:
            raise MockServerError(
                f"The {self.name} at {self.url} is still running (or still stopping); stop it before starting again."
            )
        sock = bind_socket(self.host, self.requested_port, self.limits.backlog)
        self.port = sock.getsockname()[1]
        self.bound()
        self._listener = sock
        self._loop = uvloop.new_event_loop() if uvloop is not None else asyncio.new_event_loop()
        self.executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix=f"agenttest-mock-{self.port}-work")
        self._ready.clear()
        self._startup_error = None
        self._thread = threading.Thread(target=self._run, args=(sock,), name=f"agenttest-mock-{self.port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._startup_error:
            raise MockServerError(f"The {self.name} on {self.host}:{self.port} did not start: {self._startup_error}")
        return self.url

    def stop(self, timeout_s: float | None = None) -> None:
        """Stop accepting, close open connections and join the thread.

        If the loop is stuck in a handler past the timeout, the listening socket is closed from
        here (no new connections) and :class:`MockServerError` says so; :attr:`running` stays
        true until the thread really ends, and the server cannot be started again before that.
        """
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                loop.call_soon_threadsafe(self._shutdown)
            thread.join(self.limits.stop_timeout_s if timeout_s is None else timeout_s)
        if thread.is_alive():
            if self._listener is not None:
                with contextlib.suppress(OSError):  # shutdown reaches the socket even where the loop holds a copy
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
            raise MockServerError(
                f"The {self.name} on port {self.port} did not stop within {self.limits.stop_timeout_s:g} s: a request "
                "handler is still running on its event loop. Its port is closed; the thread ends when the handler "
                "returns."
            )
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
        self._loop = self._thread = None

    def _shutdown(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError, ValueError):  # the listener may have been closed from outside
                self._server.close()
        for connection in list(self.connections):
            connection.abort()
        assert self._loop is not None
        self._loop.stop()

    def _run(self, sock: socket.socket) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(self._report)
        try:
            self._server = loop.run_until_complete(
                loop.create_server(self.protocol, sock=sock, backlog=self.limits.backlog)
            )
        except BaseException as error:  # noqa: BLE001 - reported to the starting thread
            self._startup_error = error
            self._ready.set()
            sock.close()
            return
        self._ready.set()
        loop.call_later(self._sweep_interval, self._sweep)
        try:
            loop.run_forever()
        finally:
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.sleep(0))
            with contextlib.suppress(OSError, ValueError):
                sock.close()
            loop.close()

    @property
    def _sweep_interval(self) -> float:
        return min(1.0, self.limits.request_timeout_s / 4, self.limits.idle_timeout_s / 4)

    def _sweep(self) -> None:
        """Close connections whose request is overdue or that idled too long (one timer for all of them)."""
        assert self._loop is not None
        now = self._loop.time()
        for connection in list(self.connections):
            connection.check_time(now)
        self._loop.call_later(self._sweep_interval, self._sweep)

    def _report(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """Asyncio's own errors (e.g. out of file descriptors): one line at most every 10 s, never a flood."""
        now = time.monotonic()
        if now - self._last_report < 10:
            self._suppressed += 1
            return
        extra = f" ({self._suppressed} similar messages suppressed)" if self._suppressed else ""
        self._last_report, self._suppressed = now, 0
        error = context.get("exception")
        detail = f": {type(error).__name__}: {error}" if error is not None else ""
        sys.stderr.write(f"agenttest mock on port {self.port}: {context.get('message', 'error')}{detail}{extra}\n")


class MockServer(LoopServer):
    """Runs an application on ``host:port`` (port 0: the OS picks) until :meth:`stop`.

    Binding beyond loopback needs ``allow_remote=True`` (the mock has no authentication for
    model requests); :attr:`warning` then says so, for the caller to log.
    """

    def __init__(
        self,
        app: Served,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        limits: Limits | None = None,
        allow_remote: bool = False,
    ) -> None:
        if not host.strip():
            raise MockServerError("The host is empty: give an address to bind, e.g. host=127.0.0.1.")
        if not is_loopback(host) and not allow_remote:
            raise MockServerError(
                f"Refusing to bind {host!r}: it is not a loopback address, so other machines could drive the mock. "
                "Use 127.0.0.1, or opt in with allow_remote (--allow-remote on the command line)."
            )
        super().__init__(host, port, limits)
        self.app = app
        self.pipeline = app.pipeline
        self.warning = "" if is_loopback(host) else (
            f"The mock listens on {host}, beyond loopback: any machine that reaches it can send model requests."
        )  # fmt: skip
        self.allow_remote = allow_remote

    def protocol(self) -> asyncio.Protocol:
        return _Connection(self)

    def bound(self) -> None:
        extra = frozenset({self.host}) if self.allow_remote and not is_loopback(self.host) else frozenset()
        self.pipeline.guard = Guard(self.port, extra)


class _Connection(asyncio.Protocol):
    """One client connection: HTTP requests in order, then optionally a WebSocket session it carries the bytes of.

    The egress proxy hands a routed connection to the target mock's connection (:func:`serve_routed`): it then
    runs on the proxy's loop and in the proxy's set of connections, and its requests carry ``via``.
    """

    def __init__(self, server: MockServer, connections: set[Any] | None = None, via: str = "",
                 scheme: str = "http") -> None:  # fmt: skip
        self.server = server
        self.connections = server.connections if connections is None else connections
        self.via = via  # the host a client asked the egress proxy for (its requests are let past the Host guard)
        self.scheme = scheme
        self.pipeline = server.pipeline
        self.limits = server.limits
        self.parser = RequestParser(self.limits.max_body_bytes, self.limits.max_head_bytes)
        self.transport: asyncio.Transport | None = None
        self.loop: asyncio.AbstractEventLoop  # the loop serving it, from connection_made on
        self.busy = False
        self.closing = False
        self.paused = False
        self.last_active = 0.0
        self.request_started: float | None = None  # when the first byte of an incomplete request came
        self.continued = False
        self.task: asyncio.Task[None] | None = None
        self.writable: asyncio.Future[None] | None = None
        self.websocket: WebSocketSession | None = None
        self.lingering: asyncio.TimerHandle | None = None
        self.ended = False  # the client sent EOF: answer what it sent, then close

    # -- transport callbacks ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's classes
        self.transport = transport
        self.loop = asyncio.get_running_loop()  # asked once: each ask costs a getpid system call
        if len(self.connections) >= self.limits.max_connections:
            message = f"The mock serves at most {self.limits.max_connections} connections at once; try again."
            outcome = Outcome(503, error_body(503, message))
            transport.write(response_head(outcome, len(outcome.body), False, SERVER_NAME) + outcome.body)
            self.linger()
            return
        self.connections.add(self)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # Each SSE event is its own small write: without this, Nagle + delayed ACK stall streams ~40 ms.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport.set_write_buffer_limits(high=self.limits.write_high_water)
        self.last_active = self.loop.time()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        if self.lingering is not None:
            self.lingering.cancel()
        self.connections.discard(self)
        if self.task is not None:
            self.task.cancel()
        if self.writable is not None and not self.writable.done():
            self.writable.set_result(None)

    def pause_writing(self) -> None:
        self.paused = True
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.paused = False
        if self.websocket is not None:
            self.websocket.resume()
        if self.transport is not None and not self.busy and not self.closing:
            self.transport.resume_reading()
        if self.writable is not None and not self.writable.done():
            self.writable.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.last_active = self.loop.time()
        if self.websocket is not None:
            self.websocket.receive(data)
            return
        self.parser.receive(data)
        self._serve()

    def refuse(self, outcome: Outcome, method: str) -> None:
        """Answer ``outcome`` and close (a request this connection will not serve)."""
        self._write(outcome, method, keep_alive=False)
        self.hang_up()

    def eof_received(self) -> bool | None:
        """The client sends nothing more: an answer under way is still sent, an unfinished request gets a 400."""
        self.ended = True
        if self.busy and not self.closing and self.websocket is None:
            return True  # keep writing; _done closes once the answer is out
        self.answer_unfinished()
        return None  # close our side too

    def answer_unfinished(self) -> None:
        if self.parser.pending and not self.closing and self.websocket is None:
            self._write(self.pipeline.framing_error(ProtocolError(400, INCOMPLETE)), "POST", keep_alive=False)
        self.closing = True

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # -- HTTP ------------------------------------------------------------------------------------

    def _serve(self) -> None:
        """Answer every complete request in the buffer, in order; stop at the first that takes time."""
        while not self.busy and not self.closing:
            try:
                request = self.parser.next_request()
            except ProtocolError as error:
                self._write(self.pipeline.framing_error(error), "POST", keep_alive=False)
                self.linger()
                return
            if request is None:
                if self.parser.wants_continue and not self.continued:
                    self.continued = True
                    self.send(CONTINUE)
                if self.parser.pending and self.request_started is None:
                    self.request_started = self.last_active
                return
            self.continued = False
            self.request_started = None
            request.via, request.scheme = self.via, self.scheme
            if request.headers.get("upgrade", "").lower() == "websocket":
                self.websocket = upgrade(self, request, self.parser.leftover, self.limits.max_ws_message_bytes)
                return
            if len(request.body) > self.limits.heavy_body_bytes or self.pipeline.application.blocking(request):
                self.background(self._answer_off_loop(request))
                return
            outcome = self.pipeline.handle(request)
            if not outcome.immediate:
                self.background(self._write_timed(outcome, request))
                return
            self._write(outcome, request.method, request.keep_alive)
            if not request.keep_alive:
                self.hang_up()

    def background(self, work: Any) -> None:
        """Run ``work`` while reading pauses; the next pipelined request is served when it is done."""
        self.busy = True
        assert self.transport is not None
        self.transport.pause_reading()
        self.task = self.loop.create_task(work)
        self.task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.task = None
        self.busy = False
        self.last_active = self.loop.time()
        if task.cancelled() or self.closing or self.transport is None:
            return
        if task.exception() is not None:
            self.hang_up()
            return
        if not self.paused:
            self.transport.resume_reading()
        if self.websocket is None:
            self._serve()
        if self.ended and not self.busy:
            self.answer_unfinished()
            self.hang_up()

    async def _answer_off_loop(self, request: Request) -> None:
        loop = self.loop
        outcome = await loop.run_in_executor(self.server.executor, self.pipeline.handle, request)
        if outcome.immediate:
            self._write(outcome, request.method, request.keep_alive)
            if not request.keep_alive:
                self.hang_up()
        else:
            await self._write_timed(outcome, request)

    def _write(self, outcome: Outcome, method: str, keep_alive: bool) -> None:
        """The whole response in one write; to a HEAD, the head alone (a stream's events never made)."""
        if outcome.events is None and outcome.feed is None:
            body = outcome.body_bytes()
            data = response_head(outcome, len(body), keep_alive, SERVER_NAME)
            self.send(data if method == "HEAD" else data + body)
            return
        head = response_head(outcome, None, keep_alive, SERVER_NAME)
        self.send(head if method == "HEAD" or outcome.events is None else head + event_stream(outcome.events))

    async def waited(self, outcome: Outcome) -> bool:
        """Sleep out an injected hang (then close: False) or delay; True when the answer is to follow."""
        if outcome.timing.hang_s is not None:
            await asyncio.sleep(outcome.timing.hang_s)
            self.hang_up()
            return False
        if outcome.timing.delay_s:
            await asyncio.sleep(outcome.timing.delay_s)
        return True

    async def _write_timed(self, outcome: Outcome, request: Request) -> None:
        """A response with injected timing or breakage, or a feed: each event flushed on its own."""
        timing = outcome.timing
        if not await self.waited(outcome):
            return
        if request.method == "HEAD" and not outcome.dropped:
            self._write(outcome, "HEAD", request.keep_alive and not outcome.broken)
            if outcome.broken or not request.keep_alive:
                self.hang_up()
            return
        if outcome.feed is not None:
            await self._write_feed(outcome.feed, outcome, request.keep_alive)
            return
        if outcome.dropped:
            self.hang_up()
            return
        keep_alive = request.keep_alive and not outcome.broken
        if outcome.events is None:
            body = outcome.body_bytes()
            sent = body
            if outcome.cut_after_events is not None:
                sent = body[: len(body) // 2]
            if outcome.cut_after_bytes is not None:
                sent = body[: outcome.cut_after_bytes]
            self.send(response_head(outcome, len(body), keep_alive, SERVER_NAME) + sent)
        else:
            self.send(response_head(outcome, None, keep_alive, SERVER_NAME))
            encoded = [event.sse() for event in outcome.events]
            if outcome.cut_after_bytes is not None:
                self.send(chunk(b"".join(encoded)[: outcome.cut_after_bytes]))
                self.hang_up()
                return
            limit = len(encoded) if outcome.cut_after_events is None else outcome.cut_after_events
            for number, data in enumerate(encoded[:limit]):
                pause = timing.pause_before(number)
                if pause:
                    await asyncio.sleep(pause)
                self.send(chunk(data))
                await self.drained()
            if outcome.cut_after_events is None:
                self.send(LAST_CHUNK)
        if not keep_alive:
            self.hang_up()

    async def _write_feed(self, feed: Feed, outcome: Outcome, keep_alive: bool) -> None:
        """A stream produced while it is sent: events as they come, pauses, waits on another request's signal."""
        self.send(response_head(outcome, None, keep_alive, SERVER_NAME))
        finished = False
        try:
            for step in feed.steps():
                if self.closing:
                    break
                if isinstance(step, Event):
                    self.send(chunk(step.sse()))
                    await self.drained()
                elif isinstance(step, Signal):
                    await self._signalled(step)
                elif step > 0:
                    await asyncio.sleep(step)
            else:
                finished = True
        finally:
            if not finished:
                feed.close()
        if finished:
            self.send(LAST_CHUNK)
        if not keep_alive:
            self.hang_up()

    async def _signalled(self, signal: Signal) -> None:
        """Wait until ``signal`` is set (from any thread) or its timeout passes."""
        loop = self.loop
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        def from_any_thread() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(wake)

        signal.on_set(from_any_thread)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(ready, signal.timeout_s)

    async def drained(self) -> None:
        if self.paused and not self.closing:
            self.writable = self.loop.create_future()
            await self.writable

    def send(self, data: bytes) -> None:
        if self.transport is not None and not self.closing:
            self.transport.write(data)

    def hang_up(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    def linger(self) -> None:
        """Close after an early answer: stop serving, keep reading (and dropping) what the client still sends,
        shut down our writing once the answer is out, and close when the client is done or at ``LINGER_S``."""
        self.closing = True  # data_received drops everything from now on
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()  # after the buffered answer: the client sees the status, then EOF
        transport.resume_reading()
        self.lingering = self.loop.call_later(LINGER_S, transport.close)

    def check_time(self, now: float) -> None:
        """Called by the server's sweep: 408 for a request that is not complete in time, close when idle."""
        if self.closing or self.busy:
            return
        if self.request_started is not None and now - self.request_started > self.limits.request_timeout_s:
            message = f"The request did not arrive completely within {self.limits.request_timeout_s:g} s."
            outcome = Outcome(408, error_body(408, message))
            self.send(response_head(outcome, len(outcome.body), False, SERVER_NAME) + outcome.body)
            self.linger()
        elif self.websocket is None and now - self.last_active > self.limits.idle_timeout_s:
            self.hang_up()


def serve_routed(server: MockServer, transport: asyncio.Transport, connections: set[Any], via: str, *,
                 scheme: str, received: bytes = b"") -> None:  # fmt: skip
    """Serve a connection the egress proxy accepted for host ``via`` as one of ``server``'s own (its pipeline,
    limits, faults and journal), on the calling loop; ``scheme``: https when the proxy terminated TLS;
    ``received``: bytes that already arrived."""
    connection = _Connection(server, connections, via, scheme)
    transport.set_protocol(connection)
    connection.connection_made(transport)
    if received and not connection.closing:
        connection.data_received(received)
