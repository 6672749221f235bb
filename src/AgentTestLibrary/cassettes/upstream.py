"""Forward a request to the real provider and capture the answer, event by event with timings.

The upstream URL is rebuilt from the parsed route (protocol, model, stream mode) with an
allow-list of query parameters: nothing of the client's own path or query is forwarded, so a
``..`` in a model name or a client's ``?key=`` never reaches the provider.
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
KEPT_RESPONSE_HEADERS = ("content-type", "retry-after", "retry-after-ms", "x-should-retry")
TIMEOUT_S = 120.0
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,127}")
PATHS = {
    "openai.chat": "/v1/chat/completions",
    "openai.responses": "/v1/responses",
    "anthropic.messages": "/v1/messages",
}


def upstream_target(protocol: str, model: str, stream: bool, query: dict[str, list[str]]) -> str:
    """The path and query to send upstream, rebuilt from the parsed request."""
    if protocol in PATHS:
        beta = protocol == "anthropic.messages" and query.get("beta") == ["true"]
        return PATHS[protocol] + ("?beta=true" if beta else "")
    if not MODEL_NAME.fullmatch(model):
        raise UpstreamError(f"model name {model!r} cannot be forwarded: use letters, digits and . _ - only.")
    if not stream:
        return f"/v1beta/models/{model}:generateContent"
    sse = query.get("alt") == ["sse"]
    return f"/v1beta/models/{model}:streamGenerateContent" + ("?alt=sse" if sse else "")


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
    """The upstream's auth, from real keys captured before the fixture keys were exported."""
    if provider == "anthropic":
        if credentials.get("ANTHROPIC_API_KEY"):
            return {"x-api-key": str(credentials["ANTHROPIC_API_KEY"])}
        token = credentials.get("ANTHROPIC_AUTH_TOKEN")
        return {"authorization": f"Bearer {token}"} if token else {}
    if provider == "gemini":
        key = credentials.get("GEMINI_API_KEY") or credentials.get("GOOGLE_API_KEY")
        return {"x-goog-api-key": str(key)} if key else {}
    key = credentials.get("OPENAI_API_KEY")
    return {"authorization": f"Bearer {key}"} if key else {}


def join(base_url: str, target: str) -> str:
    """The upstream URL of ``target`` (``/v1/...``, ``/v1beta/...``): a base given the way SDKs take it, ending in
    the API version (``http://host/v1``), is accepted as well as the bare base."""
    base = base_url.rstrip("/")
    version = target.split("/", 2)[1] if target.startswith("/") else ""
    if version and base.endswith("/" + version):
        base = base[: -len(version) - 1]
    return base + target


def forward(base_url: str, target: str, headers: Mapping[str, str], body: bytes, auth: Mapping[str, str]) -> Captured:
    """POST ``body`` to ``base_url + target``; SSE is split into events, each with its delay."""
    import httpx  # loaded when a recording or a drift check first forwards

    sent = {name: value for name, value in headers.items() if name in FORWARDED_HEADERS} | dict(auth)
    with (
        httpx.Client(timeout=TIMEOUT_S) as client,
        client.stream("POST", join(base_url, target), content=body, headers=sent) as reply,
    ):
        kept = {name: value for name, value in reply.headers.items() if name.lower() in KEPT_RESPONSE_HEADERS}
        if "text/event-stream" not in reply.headers.get("content-type", ""):
            raw = reply.read()
            try:
                return Captured(reply.status_code, kept, json.loads(raw))
            except ValueError:
                return Captured(reply.status_code, kept, raw.decode("utf-8", errors="replace"))
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
