"""The sealed network's egress proxy: CONNECT and plain HTTP on loopback, routed to mocks, refused or allowed.

One connection, one decision, journaled as a :class:`NetworkAttempt` (host, port, time, the
process that opened it where ``/proc`` says, whether the host looks like a model provider):

- **routed** (a mock stands for the host): ``CONNECT`` is answered 200, TLS is terminated with a
  leaf for that host from the seal's :class:`~.authority.CertificateAuthority` (ALPN
  ``http/1.1`` only), and the decrypted connection is served in this process by the target mock's
  own connection handling (:func:`~..mock.server.serve_routed`): its pipeline, limits, faults and
  journal, its Host guard told which host the connection was opened for. A plain ``http://``
  request is served the same way without TLS, one request per connection.
- **allowed** (``allow=``): the only way to a real network: the bytes are relayed to the host.
- **refused**: everything else, ``CONNECT`` and plain HTTP alike: 403 with a body that says why
  and how to route or allow the host.

The proxy listens on loopback only, under the same :class:`~..mock.server.Limits` as the mocks:
bounded connections (503 beyond), a request head that must arrive whole within
``request_timeout_s`` (408) and within ``max_head_bytes`` (400).
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from ..clock import iso
from ..errors import MockServerError
from ..mock.server import LoopServer, serve_routed
from ..secrets import SecretRegistry
from . import attribution
from .authority import CertificateAuthority
from .routes import Decide, Target, host_or_none, known_provider

if TYPE_CHECKING:
    from ..mock.server import Limits

ROUTED, REFUSED, ALLOWED, UNTRUSTED = "routed", "refused", "allowed", "tls-failed"
MAX_ATTEMPTS = 10_000  # attempts kept; older ones are dropped (and counted)
CONNECT_TIMEOUT_S = 10.0  # to an allowed host
_HOP_BY_HOP = ("proxy-connection", "proxy-authorization", "connection", "keep-alive")


@dataclass
class NetworkAttempt:
    """One connection (or plain request) an agent made through the seal, and what the proxy did with it."""

    index: int
    time: float
    host: str
    port: int
    method: str  # CONNECT, or the plain request's method
    outcome: str  # routed | refused | allowed | tls-failed
    target: str = ""  # the mock that answered a routed host, the allow pattern of an allowed one
    provider: str = ""  # the model provider the host belongs to, '' when none is known
    pid: int = 0
    process: str = ""  # the command line of the process that tried, masked ('' when unknown)
    detail: str = ""

    @property
    def problem(self) -> bool:
        """Whether this attempt breaks the seal's promise: a refused host, or a routed one whose TLS failed."""
        return self.outcome in (REFUSED, UNTRUSTED)

    def describe(self) -> str:
        provider = f" ({self.provider})" if self.provider else ""
        who = f" by pid {self.pid}: {self.process}" if self.pid else ""
        return f"{self.method} {self.host}:{self.port}{provider} {self.outcome}{who}"

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "time": iso(self.time), "host": self.host, "port": self.port,
                "method": self.method, "outcome": self.outcome, "target": self.target, "provider": self.provider,
                "pid": self.pid, "process": self.process, "detail": self.detail}  # fmt: skip


class EgressProxy(LoopServer):
    """The proxy of one seal: ``decide`` says what each host gets; attempts are kept in :attr:`attempts`."""

    name = "egress proxy"

    def __init__(self, authority: CertificateAuthority, decide: Decide, secrets: SecretRegistry | None = None,
                 *, limits: Limits | None = None, host: str = "127.0.0.1") -> None:  # fmt: skip
        from ..mock.server import is_loopback

        if not is_loopback(host):
            raise MockServerError(f"The egress proxy listens on loopback only; {host!r} is not a loopback address.")
        super().__init__(host, 0, limits)
        self.authority = authority
        self.decide = decide
        self.secrets = SecretRegistry() if secrets is None else secrets
        self.attempts: deque[NetworkAttempt] = deque(maxlen=MAX_ATTEMPTS)
        self.next_index = 0
        self._lock = threading.Lock()

    def protocol(self) -> asyncio.Protocol:
        return _ProxyConnection(self)

    def record(self, head: _Head, outcome: str, process: attribution.Process, *, target: str = "",
               detail: str = "") -> NetworkAttempt:  # fmt: skip
        with self._lock:
            attempt = NetworkAttempt(self.next_index, time.time(), head.host, head.port, head.method, outcome, target,
                                     known_provider(head.host), process.pid, self.secrets.mask_text(process.command),
                                     self.secrets.mask_text(detail))  # fmt: skip
            self.next_index += 1
            self.attempts.append(attempt)
            return attempt

    def since(self, index: int) -> list[NetworkAttempt]:
        """The attempts numbered ``index`` and later that are still kept."""
        with self._lock:
            return [attempt for attempt in self.attempts if attempt.index >= index]

    def dropped_since(self, index: int) -> int:
        with self._lock:
            oldest = self.attempts[0].index if self.attempts else self.next_index
            return max(0, oldest - index)


def _refusal(status: int, message: str) -> bytes:
    body = f"AgentTestLibrary sealed network: {message}\n".encode()
    return (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\ncontent-type: text/plain; "
            f"charset=utf-8\r\nx-agenttest-sealed: refused\r\ncontent-length: {len(body)}\r\n"
            "connection: close\r\n\r\n").encode() + body  # fmt: skip


@dataclass(frozen=True)
class _Head:
    method: str
    host: str
    port: int
    path: str = ""  # origin-form path of a plain request
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def plain(self) -> bool:
        return self.method != "CONNECT"

    def origin_form(self) -> bytes:
        """The plain request as a server expects it: origin-form target, hop-by-hop headers out, one request."""
        lines = [f"{self.method} {self.path} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in self.headers if name.lower() not in _HOP_BY_HOP]
        lines.append("connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _BadHead(Exception):
    pass


def _parse_head(head: bytes) -> _Head:
    """The proxy request's line and headers; _BadHead says what is wrong."""
    text = head.decode("latin-1")
    first, *lines = text.split("\r\n")
    parts = first.split(" ")
    if len(parts) != 3 or parts[2] not in ("HTTP/1.1", "HTTP/1.0") or not parts[0].isalpha():
        raise _BadHead(f"malformed request line {first[:100]!r}")
    method, target = parts[0], parts[1]
    headers = []
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or any(ord(c) < 32 for c in value.strip(" \t")):
            raise _BadHead(f"malformed header line {line[:100]!r}")
        headers.append((name, value.strip(" \t")))
    if method == "CONNECT":
        host, port = _authority(target, None)
        return _Head(method, host, port, "", tuple(headers))
    if not target.startswith("http://"):
        raise _BadHead(f"{method} {target[:100]!r} is not a proxy request: this is AgentTestLibrary's egress proxy; "
                       "send CONNECT host:port or an absolute http:// URL")  # fmt: skip
    url = urlsplit(target)
    host, port = _authority(url.netloc, 80)
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    return _Head(method, host, port, path, tuple(headers))


def _authority(authority: str, default_port: int | None) -> tuple[str, int]:
    """``host[:port]`` (IPv6 in brackets) as a checked host and port; _BadHead when it is not one."""
    if authority.startswith("["):
        name, _, after = authority.partition("]")
        host_text, port_text = name + "]", after.removeprefix(":") if after.startswith(":") or not after else "?"
    else:
        host_text, _, port_text = authority.partition(":")
    host = host_or_none(host_text)
    port = default_port if not port_text else int(port_text) if port_text.isdigit() and len(port_text) < 6 else None
    if host is None or port is None or not 0 < port < 65536:
        needed = "host:port" if default_port is None else "host or host:port"
        raise _BadHead(f"{authority[:100]!r} is not {needed}")
    return host, port


class _ProxyConnection(asyncio.Protocol):
    """One client of the proxy until its request is decided; then it becomes a mock's connection or a relay."""

    def __init__(self, proxy: EgressProxy) -> None:
        self.proxy = proxy
        self.limits = proxy.limits
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.state = "head"  # head -> deciding -> tls -> handed over | closed
        self.started = 0.0
        self.early = bytearray()  # decrypted bytes that arrived before the mock's connection took over
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        if len(self.proxy.connections) >= self.limits.max_connections:
            self.answer(503, f"the egress proxy serves at most {self.limits.max_connections} connections at once.")
            return
        self.proxy.connections.add(self)
        self.started = asyncio.get_running_loop().time()

    def connection_lost(self, exc: Exception | None) -> None:
        self.state = "closed"
        self.proxy.connections.discard(self)
        if self.task is not None:
            self.task.cancel()

    def data_received(self, data: bytes) -> None:
        if self.state == "tls":
            self.early += data
            return
        if self.state != "head":
            return
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 and len(self.buffer) <= self.limits.max_head_bytes:
            return
        if end < 0 or end > self.limits.max_head_bytes:
            self.answer(400, f"the request head is larger than {self.limits.max_head_bytes} bytes.")
            return
        head, rest = bytes(self.buffer[:end]), bytes(self.buffer[end + 4 :])
        self.buffer.clear()
        try:
            parsed = _parse_head(head)
        except _BadHead as error:
            self.answer(400, f"{error}.")
            return
        self.state = "deciding"
        assert self.transport is not None
        self.transport.pause_reading()
        self.task = asyncio.get_running_loop().create_task(self.dispatch(parsed, rest))

    def eof_received(self) -> bool | None:
        return None

    def answer(self, status: int, message: str) -> None:
        self.state = "closed"
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_refusal(status, message))
            self.transport.close()

    def check_time(self, now: float) -> None:
        if self.state == "head" and now - self.started > self.limits.request_timeout_s:
            self.answer(408, f"the request did not arrive completely within {self.limits.request_timeout_s:g} s.")

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    async def dispatch(self, head: _Head, rest: bytes) -> None:
        """Decide and carry out; a failure of the proxy itself is a 502 naming it, never a connection left hanging."""
        try:
            await self._dispatch(head, rest)
        except Exception as error:  # noqa: BLE001 - any failure here is answered, the proxy goes on
            if self.state in ("deciding", "tls"):
                self.answer(502, f"the egress proxy failed on {head.host}:{head.port}: {type(error).__name__}: {error}")
            elif self.transport is not None:
                self.transport.abort()

    async def _dispatch(self, head: _Head, rest: bytes) -> None:
        loop = asyncio.get_running_loop()
        assert self.transport is not None
        ends = attribution.socket_ends(self.transport.get_extra_info("socket"))
        process = await loop.run_in_executor(self.proxy.executor, attribution.owner, *ends) if ends else (
            attribution.UNKNOWN)  # fmt: skip
        decision = self.proxy.decide(head.host)
        record = self.proxy.record
        if isinstance(decision, Target) and decision.server is not None:
            await self.route(head, rest, decision, process)
        elif isinstance(decision, str):
            record(head, ALLOWED, process, target=decision)
            await self.relay(head, rest)
        else:
            why = decision.problem if isinstance(decision, Target) else (
                "the host is not routed to a mock and not allowed. Route it to a mock with 'Route Host To Mock' "
                f"or let it through with 'Seal Agent Network    allow={head.host}'")  # fmt: skip
            what = f"CONNECT {head.host}:{head.port}" if not head.plain else f"{head.method} http://{head.host}"
            record(head, REFUSED, process, target=decision.label if decision else "", detail=why)
            self.answer(403, f"{what} refused: {why}.")

    async def route(self, head: _Head, rest: bytes, target: Target, process: attribution.Process) -> None:
        assert self.transport is not None and target.server is not None
        loop = asyncio.get_running_loop()
        transport: asyncio.Transport = self.transport
        received = rest
        if head.plain:
            received = head.origin_form() + rest
        else:
            if rest:
                self.answer(400, "the client sent data before the proxy answered CONNECT; wait for the 200.")
                return
            context = await loop.run_in_executor(self.proxy.executor, self.proxy.authority.server_context, head.host)
            transport.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.state = "tls"
            try:
                tls = await loop.start_tls(transport, self, context, server_side=True,
                                           ssl_handshake_timeout=self.limits.request_timeout_s)  # fmt: skip
            except (ssl.SSLError, OSError, asyncio.TimeoutError, ConnectionError) as error:
                detail = f"the TLS handshake failed: {getattr(error, 'reason', None) or error or type(error).__name__}"
                self.proxy.record(
                    head,
                    UNTRUSTED,
                    process,
                    target=target.label,
                    detail=f"{detail}; does the client trust the seal's CA (SSL_CERT_FILE ...)?",
                )
                self.state = "closed"
                transport.abort()
                return
            if tls is None or self.state == "closed":
                return
            transport = tls
            received = bytes(self.early)
        self.proxy.record(head, ROUTED, process, target=target.label)
        self.state = "handed over"
        self.proxy.connections.discard(self)
        scheme = "http" if head.plain else "https"
        serve_routed(target.server, transport, self.proxy.connections, head.host, scheme=scheme, received=received)
        transport.resume_reading()

    async def relay(self, head: _Head, rest: bytes) -> None:
        """An allowed host: connect, then carry the bytes both ways until either side closes."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        client = _Pipe(self.proxy)
        upstream = _Pipe(self.proxy)
        try:
            await asyncio.wait_for(loop.create_connection(lambda: upstream, head.host, head.port), CONNECT_TIMEOUT_S)
        except (OSError, asyncio.TimeoutError) as error:
            self.answer(502, f"the allowed host {head.host}:{head.port} could not be reached: {error}.")
            return
        self.state = "handed over"
        self.proxy.connections.discard(self)
        client.pair(self.transport, upstream)
        if head.plain:
            upstream.send(head.origin_form() + rest)
        else:
            self.transport.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            upstream.send(rest)
        self.transport.resume_reading()


class _Pipe(asyncio.Protocol):
    """One side of a relay to an allowed host: what it reads goes to its peer, with the peer's back-pressure."""

    def __init__(self, proxy: EgressProxy) -> None:
        self.proxy = proxy
        self.transport: asyncio.Transport | None = None
        self.peer: _Pipe | None = None
        self.last_active = 0.0

    def pair(self, transport: asyncio.Transport, peer: _Pipe) -> None:
        """Take over ``transport`` (the client's) and join ``peer`` (the upstream side)."""
        transport.set_protocol(self)
        self.connection_made(transport)
        self.peer, peer.peer = peer, self

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.proxy.connections.add(self)
        self.last_active = asyncio.get_running_loop().time()

    def send(self, data: bytes) -> None:
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        self.last_active = asyncio.get_running_loop().time()
        if self.peer is not None:
            self.peer.send(data)

    def eof_received(self) -> bool | None:
        peer = self.peer.transport if self.peer is not None else None
        if peer is not None and peer.can_write_eof() and not peer.is_closing():
            peer.write_eof()
            return True
        return None

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.proxy.connections.discard(self)
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()

    def check_time(self, now: float) -> None:
        if now - self.last_active > self.proxy.limits.idle_timeout_s and self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()
