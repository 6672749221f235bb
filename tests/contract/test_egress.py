"""Egress diagnosis against local servers that play each failure (loopback only)."""

from __future__ import annotations

import select
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import trustme

from AgentTestLibrary.live.egress import diagnose, proxy_for

Handler = Callable[[socket.socket], None]


@pytest.fixture
def serve() -> Iterator[Callable[..., int]]:
    """Start a one-connection-at-a-time TCP server on loopback running ``handler``; returns its port."""
    sockets: list[socket.socket] = []

    def start(handler: Handler, tls: ssl.SSLContext | None = None) -> int:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        sockets.append(listener)

        def loop() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                try:
                    handler(tls.wrap_socket(conn, server_side=True) if tls else conn)
                except (OSError, ssl.SSLError):
                    pass
                finally:
                    conn.close()

        threading.Thread(target=loop, daemon=True).start()
        return int(listener.getsockname()[1])

    yield start
    for listener in sockets:
        listener.close()


def answer(status_line: str, headers: str = "", body: str = "") -> Handler:
    def handler(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(f"HTTP/1.1 {status_line}\r\n{headers}Content-Length: {len(body)}\r\n\r\n{body}".encode())

    return handler


def refused_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def test_ok_direct(serve: Callable[..., int]) -> None:
    port = serve(answer("200 OK", body="{}"))
    result = diagnose(f"http://127.0.0.1:{port}/v1/models", {})
    assert (result.classification, result.status, result.blocked) == ("ok", 200, False)
    assert result.steps == ["DNS ok", "TCP ok", "HTTP 200"]


def test_connection_refused() -> None:
    result = diagnose(f"http://127.0.0.1:{refused_port()}/", {})
    assert result.classification == "connect_refused" and result.blocked
    assert "was refused" in result.detail


def test_dns_failure_and_timeout_through_injected_network() -> None:
    def no_dns(host: str, port: int) -> list[Any]:
        raise socket.gaierror(-2, "Name or service not known")

    def timeout(address: tuple[str, int], timeout_s: float) -> socket.socket:
        raise TimeoutError

    assert diagnose("https://api.example.invalid/", {}, resolver=no_dns).classification == "dns_failure"
    result = diagnose("https://api.example.invalid/", {}, resolver=lambda h, p: [], connector=timeout, timeout_s=0.5)
    assert result.classification == "connect_timeout" and "timed out after 0.5 s" in result.detail


def test_provider_auth_error_from_the_error_body(serve: Callable[..., int]) -> None:
    body = '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'
    port = serve(answer("401 Unauthorized", "Content-Type: application/json\r\n", body))
    result = diagnose(f"http://127.0.0.1:{port}/v1/models", {})
    assert result.classification == "provider_auth_error" and "invalid x-api-key" in result.detail


def test_rate_limited(serve: Callable[..., int]) -> None:
    assert diagnose(f"http://127.0.0.1:{serve(answer('429 Too Many Requests'))}/", {}).classification == "rate_limited"


def test_proxy_requires_authentication(serve: Callable[..., int]) -> None:
    proxy = serve(answer("407 Proxy Authentication Required", 'Proxy-Authenticate: Basic realm="corp"\r\n'))
    result = diagnose("https://api.anthropic.com/v1/models", {"HTTPS_PROXY": f"http://127.0.0.1:{proxy}"})
    assert result.classification == "proxy_auth_required" and result.proxy == f"http://127.0.0.1:{proxy}"
    assert result.steps == ["proxy DNS ok", "proxy TCP ok"]


def test_proxy_blocks_with_via_signature(serve: Callable[..., int]) -> None:
    proxy = serve(answer("403 Forbidden", "Via: 1.1 corp-proxy\r\n", "blocked by policy"))
    result = diagnose("https://api.openai.com/v1/models", {"https_proxy": f"127.0.0.1:{proxy}"})
    assert result.classification == "proxy_blocked" and "via: 1.1 corp-proxy" in result.detail


def test_tls_error_when_the_certificate_is_not_trusted(serve: Callable[..., int]) -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("wrong.example").configure_cert(server_context)
    port = serve(answer("200 OK"), tls=server_context)
    result = diagnose(f"https://127.0.0.1:{port}/", {})
    assert result.classification == "tls_error" and result.blocked


def test_tls_ok_through_a_tunnelling_proxy(serve: Callable[..., int]) -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    upstream = serve(answer("401 Unauthorized", "", '{"error":{"message":"missing key"}}'), tls=server_context)

    def tunnel(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with socket.create_connection(("127.0.0.1", upstream)) as target:
            peers = {conn: target, target: conn}
            while True:
                readable, _, _ = select.select(list(peers), [], [], 5)
                if not readable:
                    return
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    peers[source].sendall(data)

    proxy = serve(tunnel)
    result = diagnose(f"https://localhost:{upstream}/", {"HTTPS_PROXY": f"http://127.0.0.1:{proxy}"},
                      tls_context=client_context, timeout_s=5)  # fmt: skip
    assert result.classification == "provider_auth_error", result.summary()
    assert "proxy CONNECT ok" in result.steps and "TLS ok" in result.steps


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"HTTPS_PROXY": "http://upper:1"}, "http://upper:1"),
        ({"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2"}, "http://lower:2"),
        ({"https_proxy": "http://p:1", "NO_PROXY": "api.example.com"}, None),
        ({"https_proxy": "http://p:1", "no_proxy": ".example.com"}, None),
        ({"https_proxy": "http://p:1", "no_proxy": "other.org"}, "http://p:1"),
        ({"HTTP_PROXY": "http://plain:1"}, None),
    ],
)
def test_proxy_selection_honours_both_cases_and_no_proxy(environ: dict[str, str], expected: str | None) -> None:
    assert proxy_for("https://api.example.com/v1", environ) == expected


def test_rejects_non_http_urls() -> None:
    with pytest.raises(ValueError, match="Diagnose an http"):
        diagnose("ftp://example.com", {})
