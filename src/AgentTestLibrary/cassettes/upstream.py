"""Forward a request to the real provider and capture the answer, event by event with timings.

The upstream URL is rebuilt from the parsed route (protocol, model, stream mode) with an
allow-list of query parameters: nothing of the client's own query is forwarded, so a client's
``?key=`` never reaches the provider. The clouds' paths (Bedrock, Azure, Vertex, Ollama) carry
their project, deployment or model: their path is forwarded only when it is made of plain
characters with no ``..`` or encoded dot, so it cannot climb out of the API.

Streams are captured in their own framing: server-sent events, Ollama's JSON lines, or AWS
event-stream messages (``{"headers", "data"}`` per message). Auth: an API key header, a bearer
token, or for Bedrock a SigV4 signature made with the real AWS keys over the exact request.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import UpstreamError

FORWARDED_HEADERS = ("content-type", "accept", "anthropic-version", "anthropic-beta", "openai-beta")
# What a recording needs besides the provider keys, read before the fixture values are exported.
UPSTREAM_SETTINGS = ("AWS_ACCESS_KEY_ID", "AWS_REGION", "GOOGLE_OAUTH_ACCESS_TOKEN")
CLOUD_PROVIDERS = ("bedrock", "azure", "vertex", "ollama")
CLOUD_QUERY = {"azure": ("api-version",), "vertex": ("alt",)}  # the only query parameters forwarded
DEFAULT_QUERY = {"azure": "api-version=2025-04-01-preview"}  # when re-sending a view, which keeps no query
CLOUD_PATH = re.compile(r"/[A-Za-z0-9._~:@%/\-]{1,512}")
EVENTSTREAM = "application/vnd.amazon.eventstream"
NDJSON = "application/x-ndjson"
KEPT_RESPONSE_HEADERS = ("content-type", "retry-after", "retry-after-ms", "x-should-retry", "x-amzn-errortype")
# What never passes a proxy (RFC 9110 7.6.1) or no longer fits a body re-sent decoded.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
                        "upgrade", "host", "content-length", "content-encoding", "accept-encoding"})  # fmt: skip
TIMEOUT_S = 120.0
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,127}")
PATHS = {
    "openai.chat": "/v1/chat/completions",
    "openai.responses": "/v1/responses",
    "anthropic.messages": "/v1/messages",
}


def upstream_target(protocol: str, model: str, stream: bool, query: dict[str, list[str]], path: str = "") -> str:
    """The path and query to send upstream, rebuilt from the parsed request (``path``: the cloud route's)."""
    provider = protocol.split(".", 1)[0]
    if provider in CLOUD_PROVIDERS:
        return _cloud_target(provider, path, stream, query)
    if protocol in PATHS:
        beta = protocol == "anthropic.messages" and query.get("beta") == ["true"]
        return PATHS[protocol] + ("?beta=true" if beta else "")
    if not MODEL_NAME.fullmatch(model):
        raise UpstreamError(f"model name {model!r} cannot be forwarded: use letters, digits and . _ - only.")
    if not stream:
        return f"/v1beta/models/{model}:generateContent"
    sse = query.get("alt") == ["sse"]
    return f"/v1beta/models/{model}:streamGenerateContent" + ("?alt=sse" if sse else "")


def _cloud_target(provider: str, path: str, stream: bool, query: dict[str, list[str]]) -> str:
    lowered = path.lower()
    if not CLOUD_PATH.fullmatch(path) or ".." in path or "%2e" in lowered or "//" in path:
        raise UpstreamError(f"path {path[:200]!r} cannot be forwarded: plain characters only, no '..'.")
    kept = [f"{name}={query[name][0]}" for name in CLOUD_QUERY.get(provider, ()) if query.get(name)]
    if provider == "vertex" and stream and not kept and path.endswith(":streamGenerateContent"):
        kept = ["alt=sse"]
    if not kept and provider in DEFAULT_QUERY and "/openai/v1/" not in path:
        kept = [DEFAULT_QUERY[provider]]
    text = "&".join(kept)
    if text and not re.fullmatch(r"[A-Za-z0-9=&._\-]+", text):
        raise UpstreamError(f"query {text[:100]!r} cannot be forwarded.")
    return path + (f"?{text}" if text else "")


def default_upstream(provider: str, path: str, credentials: Mapping[str, str | None]) -> str | None:
    """Where a cloud request goes when no ``upstream_<provider>`` is given (None: it must be given: Azure)."""
    if provider == "bedrock":
        return f"https://bedrock-runtime.{credentials.get('AWS_REGION') or 'us-east-1'}.amazonaws.com"
    if provider == "vertex":
        location = re.search(r"/locations/([a-z0-9-]+)/", path)
        region = location.group(1) if location else "global"
        return (
            "https://aiplatform.googleapis.com" if region == "global" else f"https://{region}-aiplatform.googleapis.com"
        )
    if provider == "ollama":
        return "http://127.0.0.1:11434"
    return None


@dataclass
class Captured:
    status: int
    headers: dict[str, str]
    body: Any = None
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def streamed(self) -> bool:
        return bool(self.events)


def auth_headers(provider: str, credentials: Mapping[str, str | None]) -> dict[str, str]:
    """The upstream's auth, from real keys captured before the fixture keys were exported (Bedrock: see
    :func:`signed`)."""
    if provider == "vertex":
        token = credentials.get("GOOGLE_OAUTH_ACCESS_TOKEN")
        return {"authorization": f"Bearer {token}"} if token else {}
    if provider == "anthropic":
        if credentials.get("ANTHROPIC_API_KEY"):
            return {"x-api-key": str(credentials["ANTHROPIC_API_KEY"])}
        token = credentials.get("ANTHROPIC_AUTH_TOKEN")
        return {"authorization": f"Bearer {token}"} if token else {}
    if provider == "gemini":
        key = credentials.get("GEMINI_API_KEY") or credentials.get("GOOGLE_API_KEY")
        return {"x-goog-api-key": str(key)} if key else {}
    if provider == "azure":
        key = credentials.get("AZURE_OPENAI_API_KEY")
        return {"api-key": str(key)} if key else {}
    if provider in ("ollama", "bedrock"):
        return {}
    key = credentials.get("OPENAI_API_KEY")
    return {"authorization": f"Bearer {key}"} if key else {}


def signed(provider: str, credentials: Mapping[str, str | None], url: str, body: bytes) -> dict[str, str]:
    """The auth headers of one request: for Bedrock a SigV4 signature over ``url`` and ``body`` with the real AWS
    keys (``{}`` without them), else :func:`auth_headers`."""
    if provider != "bedrock":
        return auth_headers(provider, credentials)
    key, secret = credentials.get("AWS_ACCESS_KEY_ID"), credentials.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        return {}
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    region = re.search(r"bedrock-runtime\.([a-z0-9-]+)\.", url)
    request = AWSRequest(method="POST", url=url, data=body, headers={"content-type": "application/json"})
    aws = Credentials(key, secret, credentials.get("AWS_SESSION_TOKEN"))
    SigV4Auth(aws, "bedrock", region.group(1) if region else credentials.get("AWS_REGION") or "us-east-1").add_auth(
        request
    )
    return {name.lower(): value for name, value in request.headers.items() if name.lower() != "content-type"}


def join(base_url: str, target: str) -> str:
    """The upstream URL of ``target`` (``/v1/...``, ``/v1beta/...``): a base given the way SDKs take it, ending in
    the API version (``http://host/v1``), is accepted as well as the bare base."""
    base = base_url.rstrip("/")
    version = target.split("/", 2)[1] if target.startswith("/") else ""
    if version and base.endswith("/" + version):
        base = base[: -len(version) - 1]
    return base + target


def forward(base_url: str, target: str, headers: Mapping[str, str], body: bytes, auth: Mapping[str, str], *,
            method: str = "POST", passthrough: bool = False) -> Captured:  # fmt: skip
    """Send ``body`` to ``base_url + target``; SSE is split into events, each with its delay.

    A provider gets only the headers it needs (its auth from ``auth``); with ``passthrough`` (a REST service,
    where ``target`` is appended to the base as it is) every header but the hop-by-hop ones goes both ways.
    """
    import httpx  # loaded when a recording or a drift check first forwards

    if passthrough:
        sent = {name: value for name, value in headers.items() if name.lower() not in HOP_BY_HOP} | dict(auth)
        url = base_url.rstrip("/") + target
    else:
        sent = {name: value for name, value in headers.items() if name in FORWARDED_HEADERS} | dict(auth)
        url = join(base_url, target)
    with (
        httpx.Client(timeout=TIMEOUT_S) as client,
        client.stream(method, url, content=body, headers=sent) as reply,
    ):

        def keep(name: str) -> bool:
            return name not in HOP_BY_HOP if passthrough else name in KEPT_RESPONSE_HEADERS

        kept: dict[str, str] = {}
        for raw_name, value in reply.headers.multi_items():  # a repeated header joined; a repeated content-type: last
            name = raw_name.lower()
            if keep(name):
                kept[name] = f"{kept[name]}, {value}" if name in kept and name != "content-type" else value
        media = reply.headers.get("content-type", "")
        if EVENTSTREAM in media or NDJSON in media:
            return _framed(reply, kept, EVENTSTREAM in media)
        if "text/event-stream" not in media:
            raw = reply.read()
            try:
                return Captured(reply.status_code, kept, json.loads(raw))
            except ValueError:
                pass
            try:
                return Captured(reply.status_code, kept, raw.decode("utf-8"))
            except UnicodeDecodeError:  # binary (an archive, an image): a service keeps its bytes
                return Captured(reply.status_code, kept, raw if passthrough else raw.decode("utf-8", "replace"))
        captured = Captured(reply.status_code, kept)
        last, block = time.perf_counter(), []
        for line in reply.iter_lines():
            if line:
                block.append(line)
                continue
            if block:
                now = time.perf_counter()
                captured.events.append({"delay_ms": round((now - last) * 1000), "data": "\n".join(block)})
                last, block = now, []
        if block:
            captured.events.append({"delay_ms": round((time.perf_counter() - last) * 1000), "data": "\n".join(block)})
        return captured


def _framed(reply: Any, kept: dict[str, str], aws: bool) -> Captured:
    """A stream of AWS event-stream messages or of JSON lines, one captured event per message or line."""
    from botocore.eventstream import EventStreamBuffer

    captured = Captured(reply.status_code, kept)
    last = time.perf_counter()
    buffer, pending = EventStreamBuffer(), b""
    for data in reply.iter_bytes():
        if aws:
            buffer.add_data(data)
            parts = [({str(k): str(v) for k, v in message.headers.items()}, message.payload) for message in buffer]
        else:
            *lines, pending = (pending + data).split(b"\n")
            parts = [({}, line) for line in lines if line.strip()]
        for headers, payload in parts:
            now = time.perf_counter()
            event: dict[str, Any] = {"delay_ms": round((now - last) * 1000), "data": payload.decode("utf-8", "replace")}
            if headers:
                event["headers"] = headers
            captured.events.append(event)
            last = now
    if pending.strip():
        captured.events.append({"delay_ms": 0, "data": pending.decode("utf-8", "replace")})
    return captured
