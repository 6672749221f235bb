"""HTTP/1.1 server for a :class:`MockLLM`: asyncio sockets + h11 framing, on a background thread.

h11 (already a dependency of httpx) does the HTTP/1.1 parsing and framing: keep-alive,
chunked transfer-encoding for SSE, ``Expect: 100-continue``, HEAD. The server only moves
bytes; every decision is made by the application.
"""

from __future__ import annotations

import asyncio
import errno
import json
import socket
import threading
from http import HTTPStatus

import h11
from wsproto.connection import Connection as WebSocket
from wsproto.connection import ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.utilities import generate_accept_token

from ..errors import MockServerError
from .app import MockLLM
from .http import HttpRequest, HttpResponse, Timing
from .websocket_session import WEBSOCKET_PATHS, FrameAnswer, error_event, respond_to_frame

READ_SIZE = 65536
MAX_HEADER_BYTES = 1024 * 1024
START_TIMEOUT_S = 10.0


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind and listen synchronously, so a busy port fails in the caller with a clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(512)
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


class MockServer:
    """Runs a :class:`MockLLM` on ``host:port`` (port 0: the OS picks) until :meth:`stop`."""

    def __init__(self, app: MockLLM, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.requested_port = port
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None

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
            raise MockServerError(f"The mock server at {self.url} is already running.")
        sock = bind_socket(self.host, self.requested_port)
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, args=(sock,), name=f"agenttest-mock-{self.port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._startup_error:
            raise MockServerError(f"The mock server on {self.host}:{self.port} did not start: {self._startup_error}")
        return self.url

    def stop(self) -> None:
        """Stop accepting, close open connections and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(START_TIMEOUT_S)
        self._loop = self._thread = None

    def _run(self, sock: socket.socket) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(asyncio.start_server(self._serve_connection, sock=sock))
        except BaseException as error:  # noqa: BLE001 - reported to the starting thread
            self._startup_error = error
            self._ready.set()
            sock.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.run_until_complete(server.wait_closed())
            loop.close()

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER_BYTES)
        sock = writer.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # Each SSE event is its own small write: without this, Nagle + delayed ACK stall streams ~40 ms.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                try:
                    request = await self._read_request(conn, reader, writer)
                except h11.RemoteProtocolError as error:
                    await self._reject(conn, writer, error)
                    return
                if request is None:
                    return
                if request.headers.get("upgrade", "").lower() == "websocket":
                    await self._websocket(conn, reader, writer, request)
                    return
                if self.app.may_block:
                    response = await asyncio.to_thread(self.app.handle, request)
                else:
                    response = self.app.handle(request)
                completed = await self._write(conn, writer, response, request.method)
                if not completed or conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()
        except (ConnectionError, asyncio.CancelledError, h11.LocalProtocolError):
            return
        finally:
            writer.close()

    @staticmethod
    async def _read_request(
        conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> HttpRequest | None:
        start: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                if conn.they_are_waiting_for_100_continue:
                    writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
                conn.receive_data(await reader.read(READ_SIZE))
            elif isinstance(event, h11.Request):
                start = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage) and start is not None:
                headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in start.headers}
                return HttpRequest(start.method.decode("ascii"), start.target.decode("latin-1"), headers, bytes(body))
            else:
                return None

    @staticmethod
    async def _write(conn: h11.Connection, writer: asyncio.StreamWriter, response: HttpResponse, method: str) -> bool:
        """Write a response with its injected timing; False when the connection must be dropped."""
        timing = response.timing
        if not await _wait_before_answering(timing):
            return False
        headers = [("content-type", response.content_type), ("server", "agenttest-mock-llm"), *response.headers]
        reason = _reason(response.status)
        if response.events is None:
            length = response.declared_length if response.declared_length is not None else len(response.body)
            headers.append(("content-length", str(length)))
            data = conn.send(h11.Response(status_code=response.status, headers=headers, reason=reason))
            if response.body and method != "HEAD":
                data += conn.send(h11.Data(data=response.body))
            writer.write(data if response.cut else data + conn.send(h11.EndOfMessage()))
            await writer.drain()
            return not response.cut
        writer.write(conn.send(h11.Response(status_code=response.status, headers=headers, reason=reason)))
        for number, event in enumerate(response.events):
            pause = timing.first_event_delay_s if number == 0 else timing.event_delay_s
            if number < len(timing.event_delays_s):
                pause = timing.event_delays_s[number]
            if pause:
                await writer.drain()
                await asyncio.sleep(pause)
            writer.write(conn.send(h11.Data(data=event)))
            await writer.drain()
        if response.cut:
            return False
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()
        return True

    async def _websocket(
        self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: HttpRequest
    ) -> None:
        """RFC 6455 upgrade (framing by wsproto), then one JSON text frame per event."""
        key = request.headers.get("sec-websocket-key")
        if request.method != "GET" or request.path not in WEBSOCKET_PATHS or not key:
            message = f"WebSocket upgrades need GET {' or '.join(WEBSOCKET_PATHS)} with a Sec-WebSocket-Key header."
            response = HttpResponse.json(
                404 if request.path not in WEBSOCKET_PATHS else 400, {"error": {"message": message}}
            )
            await self._write(conn, writer, response, request.method)
            return
        accept = generate_accept_token(key.encode("latin-1")).decode("ascii")
        headers = [("upgrade", "websocket"), ("connection", "Upgrade"), ("sec-websocket-accept", accept)]
        writer.write(conn.send(h11.InformationalResponse(status_code=101, headers=headers)))
        await writer.drain()
        socket_state = WebSocket(ConnectionType.SERVER)
        if conn.trailing_data[0]:
            socket_state.receive_data(conn.trailing_data[0])
        text: list[str] = []
        while True:
            for event in socket_state.events():
                if isinstance(event, TextMessage):
                    text.append(event.data)
                    if event.message_finished:
                        answer = respond_to_frame(self.app, request, "".join(text))
                        text.clear()
                        if not await self._send_frames(socket_state, writer, answer):
                            return
                elif isinstance(event, BytesMessage):
                    refusal = error_event(400, "Binary frames are not supported; send JSON text frames.")
                    writer.write(socket_state.send(TextMessage(data=json.dumps(refusal))))
                elif isinstance(event, Ping):
                    writer.write(socket_state.send(event.response()))
                elif isinstance(event, CloseConnection):
                    writer.write(socket_state.send(event.response()))
                    await writer.drain()
                    return
            data = await reader.read(READ_SIZE)
            if not data:
                return
            socket_state.receive_data(data)

    @staticmethod
    async def _send_frames(socket_state: WebSocket, writer: asyncio.StreamWriter, answer: FrameAnswer) -> bool:
        """Send one answer's events with its timing; False when a fault closed the socket."""
        timing = answer.timing
        if not await _wait_before_answering(timing):
            return False
        for number, event in enumerate(answer.events):
            if number == answer.close_after:
                writer.write(socket_state.send(CloseConnection(code=1011, reason="AgentTestLibrary injected fault")))
                await writer.drain()
                return False
            pause = timing.first_event_delay_s if number == 0 else timing.event_delay_s
            if pause:
                await asyncio.sleep(pause)
            writer.write(socket_state.send(TextMessage(data=json.dumps(event))))
            await writer.drain()
        return True

    @staticmethod
    async def _reject(conn: h11.Connection, writer: asyncio.StreamWriter, error: h11.RemoteProtocolError) -> None:
        if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        body = f'{{"error":{{"message":"Malformed HTTP request: {error}","type":"invalid_request_error"}}}}'.encode()
        headers = [("content-type", "application/json"), ("content-length", str(len(body))), ("connection", "close")]
        try:
            writer.write(conn.send(h11.Response(status_code=400, headers=headers)) + conn.send(h11.Data(data=body)))
            await writer.drain()
        except (h11.LocalProtocolError, ConnectionError):
            return


async def _wait_before_answering(timing: Timing) -> bool:
    """Injected latency before the first byte; False for a hang, after which nothing is sent."""
    if timing.hang_s is not None:
        await asyncio.sleep(timing.hang_s)
        return False
    if timing.delay_s:
        await asyncio.sleep(timing.delay_s)
    return True


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b"Overloaded" if status == 529 else b""
