"""A service cassette: what an agent exchanged with a real REST API through a mock service, scrubbed, replayable.

Recording forwards the agent's request as it came (method, path and query appended to the
upstream base URL, every header but the hop-by-hop ones: the agent's own token authenticates
it) and answers with what the cassette then holds. Before anything is kept, the values of
credential headers (``Authorization``, cookies, API-key headers), of ``Set-Cookie`` and of
credential query parameters (``access_token``, ``token``, ``key`` ...) join the secret registry,
so journal, evidence and log mask them too; credential headers are dropped, those parameters
read ``<scrubbed>``, and known values and key shapes are scrubbed from bodies and headers. The
upstream's own URL becomes ``{{base}}`` (GitHub's ``Link`` and ``url`` fields): replay puts the
mock's URL there, so a client following a link stays on the mock.

A request view (what matching uses): ``protocol: service``, ``method``, ``path``, ``query``,
``body`` (JSON, or text); ``upstream`` says where it was recorded from (not matched).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ..mock.http import Event, Outcome, Request
from ..mock.tape import Taped
from ..mockservice.model import METHODS
from ..secrets import SECRET_HEADERS, SecretRegistry, is_credential_parameter, parameter_credentials
from .model import Episode
from .options import SERVICE_MATCH, SERVICE_MATCH_FIELDS
from .recording import Recording, UpstreamFailure
from .scrub import SCRUBBED, scrub, scrub_events

PROTOCOL = "service"
BASE64 = "base64"  # a response's ``encoding`` when its body is binary
BASE = "{{base}}"  # where the upstream's URL stood; a route file fills it the same way
SAFE_PATH = re.compile(r"/[A-Za-z0-9._~:@!$&'()*+,;=%/\-]{0,2048}")
UPSTREAM_URL = re.compile(r"https?://[A-Za-z0-9.\-]+(?::\d{1,5})?(?:/[A-Za-z0-9._~\-/]*)?")


def check_upstream(url: str) -> str:
    """The upstream base URL without a trailing slash; ValueError naming the fix when it is not one."""
    if not UPSTREAM_URL.fullmatch(url or "") or "@" in url:
        raise ValueError(f"upstream {url[:200]!r} is not a base URL: give http(s)://host[:port][/prefix], no query, "
                         "no user name or password.")  # fmt: skip
    return url.rstrip("/")


def request_body(request_headers: Mapping[str, str], body: bytes) -> Any:
    """A request body as the view keeps it: JSON data when it is JSON, a form as a mapping, else text; None empty."""
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    kind = request_headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return {"form": dict(parse_qsl(text, keep_blank_values=True))}
    try:
        return json.loads(text)
    except ValueError:
        return text


def service_view(request: Request, upstream: str) -> dict[str, Any]:
    """What a service cassette keeps of a request (before scrubbing): credential parameters already masked."""
    query = {name: [SCRUBBED] * len(values) if is_credential_parameter(name) else values
             for name, values in sorted(request.query.items())}  # fmt: skip
    return {"protocol": PROTOCOL, "method": request.method, "path": request.path, "query": query,
            "body": request_body(request.headers, request.body), "upstream": upstream}  # fmt: skip


def resent_request(view: Mapping[str, Any]) -> tuple[str, str, dict[str, str], bytes]:
    """The method, path with query, headers and body of a recorded request, to send it again (``cassette verify``):
    scrubbed query parameters are left out. ValueError when the view cannot be sent as it is (a hostile file)."""
    method, path = str(view.get("method") or ""), str(view.get("path") or "")
    if method not in METHODS:
        raise ValueError(f"method {method[:20]!r} is not one of {', '.join(METHODS)}")
    if not forwardable(path):
        raise ValueError(f"path {path[:200]!r} cannot be sent: plain characters only, no '..'")
    query = view.get("query") or {}
    pairs = [(str(name), str(value)) for name, values in dict(query).items() for value in list(values)
             if value != SCRUBBED]  # fmt: skip
    target = path + (f"?{urlencode(pairs)}" if pairs else "")
    body, headers = view.get("body"), dict[str, str]()
    if body is None:
        return method, target, headers, b""
    if isinstance(body, dict) and set(body) == {"form"} and isinstance(body["form"], dict):
        headers["content-type"] = "application/x-www-form-urlencoded"
        return method, target, headers, urlencode(body["form"]).encode()
    if isinstance(body, str):
        return method, target, {"content-type": "text/plain; charset=utf-8"}, body.encode()
    return method, target, {"content-type": "application/json"}, json.dumps(body).encode()


def forwardable(path: str) -> bool:
    """A path that cannot climb out of the upstream's base: plain characters, no dot segments, no ``//``."""
    return (bool(SAFE_PATH.fullmatch(path)) and not any(part in ("..", ".") for part in path.split("/"))
            and "%2e" not in path.lower() and "//" not in path)  # fmt: skip


def credentials_of(request: Request, response_headers: Mapping[str, str] | None = None) -> list[str]:
    """The secret values a request (and its answer's ``Set-Cookie``) carries: register them before writing."""
    found = []
    for name, value in [*request.headers.items(), *(response_headers or {}).items()]:
        if name.lower() in SECRET_HEADERS:
            found += [value, value.split()[-1] if value.split() else value]
            found += [part.split("=", 1)[1] for part in value.replace(",", ";").split(";") if "=" in part]
    found += parameter_credentials(request.target.split("?", 1)[1] if "?" in request.target else "")
    return [value.strip() for value in found if value.strip()]


def rebased(data: Any, old: str, new: str) -> Any:
    """``data`` with the URL ``old`` replaced by ``new`` in every string (the upstream's URL in the mock's)."""
    if isinstance(data, str):
        return data.replace(old, new)
    if isinstance(data, dict):
        return {key: rebased(value, old, new) for key, value in data.items()}
    if isinstance(data, list):
        return [rebased(item, old, new) for item in data]
    return data


def replay_outcome(response: Mapping[str, Any], base: str) -> Outcome:
    """A recorded REST answer as the mock sends it, ``{{base}}`` filled with the mock's own URL."""
    headers = rebased(dict(response.get("headers") or {}), BASE, base)
    content_type = str(headers.pop("content-type", "application/json"))
    sent = [(str(name), str(value)) for name, value in headers.items()]
    if "events" in response:
        events = [Event(None, raw=f"{rebased(event.get('data', ''), BASE, base)}\n\n".encode())
                  for event in response["events"]]  # fmt: skip
        return Outcome(response["status"], content_type=content_type, headers=sent, events=events)
    if response.get("encoding") == BASE64:
        return Outcome(response["status"], base64.b64decode(str(response.get("body") or "")),
                       content_type=content_type, headers=sent)  # fmt: skip
    body = rebased(response.get("body"), BASE, base)
    raw = body.encode() if isinstance(body, str) else b"" if body is None else json.dumps(body).encode()
    return Outcome(response["status"], raw, content_type=content_type, headers=sent)


def kept_body(body: Any, secrets: SecretRegistry | None = None) -> tuple[Any, str | None]:
    """A response body as a cassette keeps it: JSON data or text, or binary as base64 (with its ``encoding``), a
    known secret's bytes in it overwritten with ``*`` of the same length (offsets in an archive stay right)."""
    if not isinstance(body, bytes):
        return body, None
    if secrets is not None:
        text = body.decode("latin-1")  # one character per byte
        for start, end in secrets.spans(text):
            text = text[:start] + "*" * (end - start) + text[end:]
        body = text.encode("latin-1")
    return base64.b64encode(body).decode(), BASE64


class ServiceCassette(Recording):
    """One test's service cassette: replay what matches, record the rest through ``upstream`` (by mode)."""

    always_matched = ("protocol",)

    def __init__(self, path: str | Path, mode: str, secrets: SecretRegistry, upstream: str, *,
                 match_on: tuple[str, ...] = SERVICE_MATCH) -> None:  # fmt: skip
        super().__init__(path, mode, secrets, match_on, SERVICE_MATCH_FIELDS)
        self.upstream = check_upstream(upstream)

    def upstream_urls(self) -> list[str]:
        return [self.upstream]

    def upstream_labels(self) -> list[str]:
        return [f"service {self.upstream}"]

    def answer(self, request: Request) -> Taped:
        for value in credentials_of(request):  # replayed or recorded, what the agent sent stays out of every file
            self.secrets.add(value)
        view = service_view(request, self.upstream)
        base = f"http://{request.headers.get('host', '127.0.0.1')}"
        chosen = self.pick(scrub(view, self.secrets))
        if chosen is not None:
            episode = self.cassette.episodes[chosen]
            return Taped(replay_outcome(episode.response, base), f"<cassette episode {chosen + 1}>")
        if not self.may_record:
            return Taped(None, "", True, self.near_miss(scrub(view, self.secrets)), status=404, error=(
                f"AgentTestLibrary cassette {self.path}: no recorded episode matches {request.method} {request.path} "
                f"(record_mode={self.mode}). Record it with record_mode=new_episodes (adds what is missing) or all "
                "(everything afresh)."))  # fmt: skip
        return self._record(request, view, base)

    def _record(self, request: Request, view: dict[str, Any], base: str) -> Taped:
        if not forwardable(request.path):
            return Taped(None, status=400, error=f"AgentTestLibrary cassette: the path {request.path[:200]!r} is not "
                                                 "forwarded (plain characters only, no '..').")  # fmt: skip
        import httpx  # only recording needs it

        from .upstream import forward

        try:
            captured = forward(self.upstream, request.target, request.headers, request.body, {},
                               method=request.method, passthrough=True)  # fmt: skip
        except httpx.TransportError as error:
            detail = self.secrets.mask_text(f"{type(error).__name__}: {error}")
            self.upstream_failures.append(UpstreamFailure(self.upstream, detail))
            return Taped(None, status=502, error=f"AgentTestLibrary cassette: the upstream {self.upstream} could not "
                                                 f"be reached while recording ({detail}).")  # fmt: skip
        for value in credentials_of(request, captured.headers):
            self.secrets.add(value)
        headers = {name: value for name, value in captured.headers.items() if name != "server"}  # the mock's own
        response: dict[str, Any] = {
            "status": captured.status,
            "headers": rebased(scrub(headers, self.secrets), self.upstream, BASE),
        }
        if captured.streamed:
            response["events"] = rebased(scrub_events(captured.events, self.secrets), self.upstream, BASE)
        else:
            body, encoding = kept_body(captured.body, self.secrets)
            if encoding:
                response.update(body=body, encoding=encoding)
            else:
                response["body"] = rebased(scrub(body, self.secrets), self.upstream, BASE)
        episode = Episode(scrub(view, self.secrets), response)
        self.add(episode)
        # The agent gets what the cassette holds: a token the upstream echoed never reaches it either.
        return Taped(replay_outcome(response, base), "<recorded from upstream>")
