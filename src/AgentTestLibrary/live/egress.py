"""Egress diagnosis: DNS → TCP → (proxy CONNECT) → TLS → HTTP, and one classification.

Honours ``HTTPS_PROXY``/``https_proxy``/``HTTP_PROXY``/``http_proxy`` and ``NO_PROXY``/
``no_proxy`` the way urllib does. The resolver and connector can be replaced, so every
classification is testable on loopback.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

BLOCKED = (
    "dns_failure",
    "connect_refused",
    "connect_timeout",
    "proxy_auth_required",
    "proxy_blocked",
    "proxy_error",
    "tls_error",
)
PROXY_SIGNATURES = ("via", "proxy-agent", "x-squid-error", "x-cache", "proxy-connection")

Resolver = Callable[[str, int], list[Any]]
Connector = Callable[[tuple[str, int], float], socket.socket]


@dataclass
class Diagnosis:
    url: str
    classification: str = "ok"
    proxy: str | None = None
    status: int | None = None
    steps: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def blocked(self) -> bool:
        return self.classification in BLOCKED

    def summary(self) -> str:
        via = f" via proxy {_without_password(self.proxy)}" if self.proxy else ""
        steps = f" Steps: {' -> '.join(self.steps)}." if self.steps else ""
        return f"{self.url}{via}: {self.classification} ({self.detail}).{steps}"

    def to_dict(self) -> dict[str, Any]:
        proxy = _without_password(self.proxy) if self.proxy else None
        return {"url": self.url, "classification": self.classification, "blocked": self.blocked, "proxy": proxy,
                "status": self.status, "steps": self.steps, "detail": self.detail}  # fmt: skip


def _without_password(proxy: str) -> str:
    """A proxy URL fit to print: the password of its user info replaced."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.password is None:
        return proxy
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


class _Stop(Exception):
    def __init__(self, classification: str, detail: str) -> None:
        super().__init__(detail)
        self.classification = classification
        self.detail = detail


def proxy_for(url: str, environ: Mapping[str, str]) -> str | None:
    """The proxy URL to use for ``url`` under this environment (None: direct); lower-case names win."""

    def setting(name: str) -> str:
        return environ.get(name) or environ.get(name.upper()) or ""

    parts = urlsplit(url)
    no_proxy = setting("no_proxy")
    if no_proxy and urllib.request.proxy_bypass_environment(  # type: ignore[attr-defined]
        parts.hostname or "", {"no": no_proxy}
    ):
        return None
    return setting(f"{parts.scheme}_proxy") or None


def diagnose(
    url: str,
    environ: Mapping[str, str],
    *,
    timeout_s: float = 5.0,
    resolver: Resolver = socket.getaddrinfo,
    connector: Connector = socket.create_connection,
    tls_context: ssl.SSLContext | None = None,
) -> Diagnosis:
    """Walk the path to ``url`` step by step and classify where (or whether) it breaks."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Diagnose an http(s) URL such as https://api.anthropic.com; got {url!r}.")
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    result = Diagnosis(url, proxy=proxy_for(url, environ))
    try:
        if result.proxy:
            proxy = urlsplit(result.proxy if "://" in result.proxy else f"http://{result.proxy}")
            sock = _connect(
                result,
                proxy.hostname or "",
                proxy.port or 3128,
                timeout_s=timeout_s,
                resolver=resolver,
                connector=connector,
                label="proxy ",
            )
            _tunnel(result, sock, host, port, proxy)
        else:
            sock = _connect(result, host, port, timeout_s=timeout_s, resolver=resolver, connector=connector, label="")
        if parts.scheme == "https":
            sock = _tls(result, sock, host, tls_context)
        _http(result, sock, host, parts.path or "/")
    except _Stop as stop:
        result.classification, result.detail = stop.classification, stop.detail
    return result


def _connect(
    result: Diagnosis, host: str, port: int, *, timeout_s: float, resolver: Resolver, connector: Connector, label: str
) -> socket.socket:
    try:
        resolver(host, port)
    except (socket.gaierror, UnicodeError) as error:
        raise _Stop("dns_failure", f"{label}DNS lookup of {host} failed: {error}") from None
    result.steps.append(f"{label}DNS ok")
    try:
        sock = connector((host, port), timeout_s)
    except TimeoutError:
        raise _Stop("connect_timeout", f"{label}TCP connect to {host}:{port} timed out after {timeout_s:g} s") from None
    except ConnectionRefusedError:
        raise _Stop("connect_refused", f"{label}TCP connect to {host}:{port} was refused") from None
    except OSError as error:
        raise _Stop("connect_refused", f"{label}TCP connect to {host}:{port} failed: {error.strerror}") from None
    sock.settimeout(timeout_s)
    result.steps.append(f"{label}TCP ok")
    return sock


def _tunnel(result: Diagnosis, sock: socket.socket, host: str, port: int, proxy: Any) -> None:
    request = f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n"
    if proxy.username:
        credentials = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode()
        request += f"Proxy-Authorization: Basic {base64.b64encode(credentials).decode()}\r\n"
    sock.sendall((request + "\r\n").encode())
    status, headers, _ = _read_response(sock, head_only=True)
    result.status = status
    if status == 407:
        raise _Stop(
            "proxy_auth_required",
            "the proxy answered 407 Proxy Authentication Required: set user:password in HTTPS_PROXY",
        )
    if status == 403:
        raise _Stop("proxy_blocked", f"the proxy refused CONNECT {host}:{port} with 403{_signature(headers)}")
    if status != 200:
        raise _Stop("proxy_error", f"the proxy answered {status} to CONNECT {host}:{port}")
    result.steps.append("proxy CONNECT ok")


def _tls(result: Diagnosis, sock: socket.socket, host: str, context: ssl.SSLContext | None) -> socket.socket:
    try:
        wrapped = (context or ssl.create_default_context()).wrap_socket(sock, server_hostname=host)
    except (ssl.SSLError, ssl.CertificateError) as error:
        raise _Stop(
            "tls_error", f"TLS handshake with {host} failed: {getattr(error, 'reason', None) or error}"
        ) from None
    result.steps.append("TLS ok")
    return wrapped


def _http(result: Diagnosis, sock: socket.socket, host: str, path: str) -> None:
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: agenttest-egress\r\nConnection: close\r\n\r\n".encode()
    )
    status, headers, body = _read_response(sock, head_only=False)
    result.status = status
    result.steps.append(f"HTTP {status}")
    provider_error = _provider_error(body)
    if status in (401, 403) and provider_error:
        raise _Stop("provider_auth_error", f"the provider answered {status}: {provider_error}")
    if status == 403 and _signature(headers):
        raise _Stop("proxy_blocked", f"403 from an intermediary{_signature(headers)}")
    if status == 407:
        raise _Stop("proxy_auth_required", "407 Proxy Authentication Required")
    if status == 429:
        raise _Stop("rate_limited", "the provider answered 429: rate limited")
    result.detail = f"reached the provider (HTTP {status})"


def _read_response(sock: socket.socket, head_only: bool) -> tuple[int, dict[str, str], bytes]:
    data = b""
    try:
        while b"\r\n\r\n" not in data or not head_only:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if len(data) > 1_000_000:
                break
    except TimeoutError:
        if not data:
            raise _Stop("connect_timeout", "no answer before the timeout") from None
    except ssl.SSLError as error:
        raise _Stop("tls_error", f"TLS error while reading: {error}") from None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        raise _Stop("proxy_error", f"not an HTTP answer: {lines[0][:80]!r}") from None
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def _signature(headers: Mapping[str, str]) -> str:
    found = [f"{name}: {headers[name]}" for name in PROXY_SIGNATURES if name in headers]
    return f" ({'; '.join(found)})" if found else ""


def _provider_error(body: bytes) -> str:
    """The message of a provider-shaped JSON error body, or '' if the body is not one."""
    try:
        data = json.loads(body.decode("utf-8", errors="replace").strip() or "null")
    except ValueError:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error.get("type") or error)
    return str(error) if isinstance(error, str) else ""
