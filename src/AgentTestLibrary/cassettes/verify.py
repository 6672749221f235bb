"""Cassette drift: re-send each recorded request to its real provider and compare the *shape* of the answers.

Shape, not content: the status, the media type clients parse by, the JSON structure of the body
(fields added, removed, or of another type; ``null`` fits any type, and what lies inside a list
that is empty on one side is content), and for a stream the sequence of event types (repeats
collapsed) with the JSON structure of each type's events. A model's words, ids and token counts
may differ at will.

It runs only in the live lane: without ``RUN_LIVE_TESTS`` everything is skipped; a provider
without its key is skipped; a provider whose network path is blocked (the egress diagnosis) is
skipped with the diagnosis. Each episode costs one request (with the live lane's bounded retry
on a transport error), at most ``max_requests`` per run. The request is rebuilt from the
cassette's normalized view (model, system, messages, tool names, stream) in the provider's own
format, with a small output-token cap. Nothing written or printed holds a key: auth goes only
into the request, and every text is masked. Cassettes may be hostile: one that cannot be read or
re-sent as it is (a broken file, a model name that would bend the path, a malformed view) is
reported ``invalid`` with the reason, and the others are verified. No Robot Framework.

Service episodes are re-sent as recorded (without the credentials the cassette never held) to
``upstream_service`` or where they were recorded from; MCP episodes in one session per server, to
``upstream_mcp``, the URL they were recorded from, or ``upstream_mcp_command`` (a cassette recorded
over stdio needs it: a command is never taken from a cassette).
"""

from __future__ import annotations

import functools
import json
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import CassetteError, UpstreamError
from ..live.egress import Diagnosis, diagnose
from ..live.gate import MASTER_GATE, PROVIDER_CREDENTIALS, live_enabled
from ..live.network import ENDPOINTS
from ..live.retry import bounded_retry
from ..secrets import SecretRegistry
from .mcp import CLIENT_INFO, DEFAULT_VERSION, McpUpstream
from .mcp import PROTOCOL as MCP
from .model import load_cassette
from .options import DEFAULT_MAX_REQUESTS
from .service import PROTOCOL as SERVICE
from .service import check_upstream, kept_body, resent_request
from .session import DEFAULT_UPSTREAMS
from .tools import cassette_files
from .upstream import UPSTREAM_SETTINGS, Captured, default_upstream, forward, join, signed, upstream_target

OUTPUT_TOKENS = 256
# what rebuilding a hostile or malformed request view raises: the view is invalid, the run goes on
INVALID_VIEW = (UpstreamError, ValueError, TypeError, AttributeError, KeyError, IndexError)
PROVIDER_KEYS = {
    "openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY",
    "azure": "AZURE_OPENAI_API_KEY", "bedrock": "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    "vertex": "GOOGLE_OAUTH_ACCESS_TOKEN",
}  # fmt: skip
Status = Literal["clean", "drift", "skipped", "error", "invalid"]
STATUSES: tuple[Status, ...] = ("clean", "drift", "skipped", "error", "invalid")


@dataclass(frozen=True)
class Drift:
    kind: str  # status | media_type | field_added | field_removed | type_changed | event_added | event_removed ...
    where: str
    recorded: Any = None
    live: Any = None

    def text(self) -> str:
        return f"{self.kind} {self.where}: recorded {json.dumps(self.recorded)}, live {json.dumps(self.live)}"


@dataclass
class EpisodeReport:
    cassette: str
    episode: int
    protocol: str
    status: Status
    drifts: list[Drift] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"cassette": self.cassette, "episode": self.episode, "protocol": self.protocol, "status": self.status,
                "note": self.note, "drifts": [vars(drift) for drift in self.drifts]}  # fmt: skip


@dataclass
class VerifyReport:
    episodes: list[EpisodeReport] = field(default_factory=list)
    skipped: str = ""  # why nothing was verified at all

    @property
    def drifted(self) -> bool:
        return any(episode.status in ("drift", "error", "invalid") for episode in self.episodes)

    def counts(self) -> dict[str, int]:
        return {status: sum(1 for e in self.episodes if e.status == status) for status in STATUSES}

    def text(self) -> str:
        if self.skipped:
            return f"SKIP: {self.skipped}"
        lines = []
        for cassette in dict.fromkeys(episode.cassette for episode in self.episodes):
            lines.append(f"{cassette}:")
            for episode in (e for e in self.episodes if e.cassette == cassette):
                note = f" ({episode.note})" if episode.note else ""
                lines.append(f"  episode {episode.episode} {episode.protocol}: {episode.status.upper()}{note}")
                lines += [f"    - {drift.text()}" for drift in episode.drifts]
        counts = ", ".join(f"{number} {status}" for status, number in self.counts().items())
        verdict = "DRIFT" if self.drifted else "no drift"
        return "\n".join([*lines, f"Cassette verify: {verdict} ({counts})."])

    def to_dict(self) -> dict[str, Any]:
        return {"skipped": self.skipped, "drifted": self.drifted, "counts": self.counts(),
                "episodes": [episode.to_dict() for episode in self.episodes]}  # fmt: skip


# -- the request, rebuilt in each provider's format ------------------------------------------------------


def _calls(message: dict[str, Any]) -> list[dict[str, Any]]:
    return list(message.get("tool_calls") or [])


def _openai_chat(view: dict[str, Any]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": view["system"]}] if view.get("system") else []
    ids: list[str] = []
    for message in view.get("messages") or []:
        if message.get("tool_results"):
            messages += [{"role": "tool", "tool_call_id": ids[i] if i < len(ids) else f"call_{i}",
                          "content": str(content)} for i, content in enumerate(message["tool_results"])]  # fmt: skip
            continue
        item: dict[str, Any] = {"role": message.get("role", "user"), "content": message.get("text") or None}
        if _calls(message):
            ids = [f"call_{len(messages)}_{i}" for i in range(len(_calls(message)))]
            item["tool_calls"] = [{"id": ids[i], "type": "function", "function": {"name": call["name"],
                                  "arguments": json.dumps(call.get("arguments") or {})}}
                                  for i, call in enumerate(_calls(message))]  # fmt: skip
        messages.append(item)
    body: dict[str, Any] = {"model": view["model"], "messages": messages, "max_completion_tokens": OUTPUT_TOKENS}
    if view.get("tools"):
        body["tools"] = [{"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
                         for name in view["tools"]]  # fmt: skip
    if view.get("stream"):
        body["stream"] = True
    return body


def _openai_responses(view: dict[str, Any]) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    ids: list[str] = []
    for message in view.get("messages") or []:
        if message.get("tool_results"):
            items += [{"type": "function_call_output", "call_id": ids[i] if i < len(ids) else f"call_{i}",
                       "output": str(content)} for i, content in enumerate(message["tool_results"])]  # fmt: skip
            continue
        if message.get("text"):
            items.append({"role": message.get("role", "user"), "content": message["text"]})
        ids = [f"call_{len(items)}_{i}" for i in range(len(_calls(message)))]
        items += [{"type": "function_call", "call_id": ids[i], "name": call["name"],
                   "arguments": json.dumps(call.get("arguments") or {})}
                  for i, call in enumerate(_calls(message))]  # fmt: skip
    body: dict[str, Any] = {"model": view["model"], "input": items, "max_output_tokens": OUTPUT_TOKENS}
    if view.get("system"):
        body["instructions"] = view["system"]
    if view.get("tools"):
        body["tools"] = [{"type": "function", "name": name, "parameters": {"type": "object", "properties": {}}}
                         for name in view["tools"]]  # fmt: skip
    if view.get("stream"):
        body["stream"] = True
    return body


def _anthropic(view: dict[str, Any]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    ids: list[str] = []
    for message in view.get("messages") or []:
        if message.get("tool_results"):
            blocks: list[dict[str, Any]] = [
                {"type": "tool_result", "tool_use_id": ids[i] if i < len(ids) else f"toolu_{i}", "content": str(text)}
                for i, text in enumerate(message["tool_results"])
            ]
            messages.append({"role": "user", "content": blocks})
            continue
        blocks = [{"type": "text", "text": message["text"]}] if message.get("text") else []
        ids = [f"toolu_{len(messages)}_{i}" for i in range(len(_calls(message)))]
        blocks += [{"type": "tool_use", "id": ids[i], "name": call["name"], "input": call.get("arguments") or {}}
                   for i, call in enumerate(_calls(message))]  # fmt: skip
        messages.append({"role": message.get("role", "user"), "content": blocks})
    body: dict[str, Any] = {"model": view["model"], "max_tokens": OUTPUT_TOKENS, "messages": messages}
    if view.get("system"):
        body["system"] = view["system"]
    if view.get("tools"):
        body["tools"] = [{"name": name, "input_schema": {"type": "object"}} for name in view["tools"]]
    if view.get("stream"):
        body["stream"] = True
    return body


def _gemini(view: dict[str, Any]) -> dict[str, Any]:
    contents: list[dict[str, Any]] = []
    names: list[str] = []
    for message in view.get("messages") or []:
        if message.get("tool_results"):
            parts = [{"functionResponse": {"name": names[i] if i < len(names) else "tool",
                                           "response": {"content": str(text)}}}
                     for i, text in enumerate(message["tool_results"])]  # fmt: skip
            contents.append({"role": "user", "parts": parts})
            continue
        parts = [{"text": message["text"]}] if message.get("text") else []
        names = [call["name"] for call in _calls(message)]
        parts += [
            {"functionCall": {"name": call["name"], "args": call.get("arguments") or {}}} for call in _calls(message)
        ]
        contents.append({"role": "model" if message.get("role") == "assistant" else "user", "parts": parts})
    body: dict[str, Any] = {"contents": contents, "generationConfig": {"maxOutputTokens": OUTPUT_TOKENS}}
    if view.get("system"):
        body["systemInstruction"] = {"parts": [{"text": view["system"]}]}
    if view.get("tools"):
        body["tools"] = [{"functionDeclarations": [{"name": name} for name in view["tools"]]}]
    return body


def _hosted_anthropic(version: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """An Anthropic body for a cloud whose path names the model (Bedrock InvokeModel streams by its path)."""

    def build(view: dict[str, Any]) -> dict[str, Any]:
        body = {key: value for key, value in _anthropic(view).items() if key != "model"}
        if version.startswith("bedrock"):
            body.pop("stream", None)
        return {**body, "anthropic_version": version}

    return build


def _converse(view: dict[str, Any]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    ids: list[str] = []
    for message in view.get("messages") or []:
        if message.get("tool_results"):
            results = [{"toolUseId": ids[i] if i < len(ids) else f"tooluse_{i}", "content": [{"text": str(text)}]}
                       for i, text in enumerate(message["tool_results"])]  # fmt: skip
            messages.append({"role": "user", "content": [{"toolResult": result} for result in results]})
            continue
        blocks: list[dict[str, Any]] = [{"text": message["text"]}] if message.get("text") else []
        ids = [f"tooluse_{len(messages)}_{i}" for i in range(len(_calls(message)))]
        blocks += [{"toolUse": {"toolUseId": ids[i], "name": call["name"], "input": call.get("arguments") or {}}}
                   for i, call in enumerate(_calls(message))]  # fmt: skip
        messages.append({"role": message.get("role", "user"), "content": blocks})
    body: dict[str, Any] = {"messages": messages, "inferenceConfig": {"maxTokens": OUTPUT_TOKENS}}
    if view.get("system"):
        body["system"] = [{"text": view["system"]}]
    if view.get("tools"):
        body["toolConfig"] = {"tools": [{"toolSpec": {"name": name, "inputSchema": {"json": {"type": "object"}}}}
                                        for name in view["tools"]]}  # fmt: skip
    return body


def _ollama_chat(view: dict[str, Any]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": view["system"]}] if view.get("system") else []
    names: list[str] = []
    for message in view.get("messages") or []:
        if message.get("tool_results"):
            messages += [{"role": "tool", "content": str(text), "tool_name": names[i] if i < len(names) else "tool"}
                         for i, text in enumerate(message["tool_results"])]  # fmt: skip
            continue
        names = [call["name"] for call in _calls(message)]
        item: dict[str, Any] = {"role": message.get("role", "user"), "content": message.get("text") or ""}
        if names:
            item["tool_calls"] = [{"function": {"name": call["name"], "arguments": call.get("arguments") or {}}}
                                  for call in _calls(message)]  # fmt: skip
        messages.append(item)
    body: dict[str, Any] = {"model": view["model"], "messages": messages, "stream": bool(view.get("stream")),
                            "options": {"num_predict": OUTPUT_TOKENS}}  # fmt: skip
    if view.get("tools"):
        body["tools"] = [{"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
                         for name in view["tools"]]  # fmt: skip
    return body


def _ollama_generate(view: dict[str, Any]) -> dict[str, Any]:
    prompt = next((m.get("text") for m in reversed(view.get("messages") or []) if m.get("role") == "user"), "")
    return {"model": view["model"], "prompt": prompt or "", "system": view.get("system") or "",
            "stream": bool(view.get("stream")), "options": {"num_predict": OUTPUT_TOKENS}}  # fmt: skip


BUILDERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "openai.chat": _openai_chat, "openai.responses": _openai_responses,
    "anthropic.messages": _anthropic, "gemini.generate": _gemini,
    "azure.chat": _openai_chat, "azure.responses": _openai_responses, "vertex.gemini": _gemini,
    "vertex.anthropic": _hosted_anthropic("vertex-2023-10-16"),
    "bedrock.invoke": _hosted_anthropic("bedrock-2023-05-31"),
    "bedrock.converse": _converse, "ollama.chat": _ollama_chat, "ollama.generate": _ollama_generate,
}  # fmt: skip


def rebuilt_request(view: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    """The upstream path, headers and body for a cassette's request view."""
    protocol = str(view.get("protocol"))
    if protocol not in BUILDERS:
        raise ValueError(f"protocol {protocol!r} cannot be re-sent; one of {', '.join(BUILDERS)}")
    sse = {"alt": ["sse"]} if protocol in ("gemini.generate", "vertex.gemini") and view.get("stream") else {}
    target = upstream_target(protocol, str(view.get("model") or ""), bool(view.get("stream")), sse,
                             str(view.get("path") or ""))  # fmt: skip
    headers = {"content-type": "application/json", "anthropic-version": "2023-06-01"}
    return target, headers, json.dumps(BUILDERS[protocol](view)).encode()


# -- shapes --------------------------------------------------------------------------------------------


def json_shape(value: Any, path: str = "$", into: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Every JSON path of ``value`` with the types seen there; list items share the path ``...[]``."""
    shape = {} if into is None else into
    kind = ("null" if value is None else "boolean" if isinstance(value, bool) else "number"
            if isinstance(value, int | float) else "string" if isinstance(value, str) else "array"
            if isinstance(value, list) else "object")  # fmt: skip
    shape.setdefault(path, set()).add(kind)
    if isinstance(value, dict):
        for key, item in value.items():
            json_shape(item, f"{path}.{key}", shape)
    elif isinstance(value, list):
        shape.setdefault(f"{path}[]", set())
        for item in value:
            json_shape(item, f"{path}[]", shape)
    return shape


def shape_drifts(recorded: Any, live: Any, where: str = "body") -> list[Drift]:
    before, after = json_shape(recorded), json_shape(live)
    empty = {path for shape in (before, after) for path, kinds in shape.items() if path.endswith("[]") and not kinds}

    def inside_empty(path: str) -> bool:
        return any(path.startswith(list_path) and path != list_path for list_path in empty)

    drifts = []
    for path in sorted(set(before) | set(after)):
        if path.endswith("[]") and (not before.get(path) or not after.get(path)):
            continue  # an empty list on one side: what it holds is content
        if inside_empty(path):
            continue
        old, new = before.get(path), after.get(path)
        if old is None and new is not None and new != {"null"}:
            drifts.append(Drift("field_added", f"{where} {path}", None, sorted(new)))
        elif new is None and old is not None and old != {"null"}:
            drifts.append(Drift("field_removed", f"{where} {path}", sorted(old), None))
        elif old and new and (old - {"null"}) and (new - {"null"}) and not (old - {"null"}) & (new - {"null"}):
            drifts.append(Drift("type_changed", f"{where} {path}", sorted(old), sorted(new)))
    return drifts


def _event(event: Mapping[str, Any]) -> tuple[str, Any]:
    """A stream event's type (an SSE ``event:`` name or AWS ``:event-type``, else its JSON ``type`` or ``object``)
    and its JSON payload (an SSE ``data:`` line, or the whole data of a JSON line or event-stream message)."""
    data = str(event.get("data", ""))
    name, payload = str((event.get("headers") or {}).get(":event-type") or ""), None
    if "data:" not in data:
        try:
            payload = json.loads(data)
        except ValueError:
            payload = data
    for line in data.splitlines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            text = line[5:].strip()
            try:
                payload = json.loads(text)
            except ValueError:
                payload = text
    if not name and isinstance(payload, dict):
        name = str(payload.get("type") or payload.get("object") or "data")
    return name or ("[DONE]" if payload == "[DONE]" else "data"), payload


def stream_drifts(recorded: Iterable[dict[str, Any]], live: Iterable[dict[str, Any]]) -> list[Drift]:
    def sequence(events: Iterable[dict[str, Any]]) -> tuple[list[str], dict[str, list[Any]]]:
        names: list[str] = []
        payloads: dict[str, list[Any]] = {}
        for event in events:
            name, payload = _event(event)
            if not names or names[-1] != name:
                names.append(name)
            payloads.setdefault(name, []).append(payload)
        return names, payloads

    (old, old_payloads), (new, new_payloads) = sequence(recorded), sequence(live)
    drifts = [
        Drift("event_removed", f"stream event {name}", old, new) for name in dict.fromkeys(old) if name not in new
    ]
    drifts += [Drift("event_added", f"stream event {name}", old, new) for name in dict.fromkeys(new) if name not in old]
    common = [name for name in dict.fromkeys(old) if name in new]
    if not drifts and [n for n in dict.fromkeys(new) if n in common] != common:
        drifts.append(Drift("event_order", "stream events", old, new))
    for name in common:
        drifts += shape_drifts(old_payloads[name], new_payloads[name], f"event {name}")
    return drifts


def _media_type(headers: Mapping[str, Any] | None) -> str:
    return str((headers or {}).get("content-type", "")).split(";", 1)[0].strip().lower()


def response_drifts(recorded: Mapping[str, Any], live: Captured) -> list[Drift]:
    drifts = []
    if recorded.get("status") != live.status:
        drifts.append(Drift("status", "status", recorded.get("status"), live.status))
    if _media_type(recorded.get("headers")) != _media_type(live.headers):
        drifts.append(
            Drift("media_type", "content-type", _media_type(recorded.get("headers")), _media_type(live.headers))
        )
    if "events" in recorded or live.streamed:
        return drifts + stream_drifts(recorded.get("events") or [], live.events)
    return drifts + shape_drifts(recorded.get("body"), live.body)


# -- the run -------------------------------------------------------------------------------------------


def verify(
    paths: Iterable[str | Path],
    environ: Mapping[str, str],
    secrets: SecretRegistry,
    *,
    upstreams: Mapping[str, str] | None = None,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    attempts: int = 2,
    backoff_s: float = 1.0,
    only: set[tuple[str, str]] | None = None,
    check_egress: Callable[..., Diagnosis] = diagnose,
) -> VerifyReport:
    """Verify every episode of the cassettes at ``paths`` (``only``: (suite slug, test slug) of cassettes to take)."""
    files = [file for file in cassette_files(paths) if only is None or (file.parent.name, file.stem) in only]
    if not live_enabled(environ):
        return VerifyReport(skipped=f"{MASTER_GATE} not set: cassette verify sends real requests only in the live lane "
                                    f"({len(files)} cassette(s) not verified).")  # fmt: skip
    bases = {**DEFAULT_UPSTREAMS, **(upstreams or {})}
    names = (*PROVIDER_CREDENTIALS, *UPSTREAM_SETTINGS)
    credentials = {name: environ.get(name) for name in names}
    for value in credentials.values():
        secrets.add(value)
    egress: dict[str, Diagnosis] = {}
    sessions: dict[str, McpUpstream] = {}  # one session per real MCP server
    report, sent = VerifyReport(), 0
    for file in files:
        try:
            cassette = load_cassette(file)
        except CassetteError as error:
            report.episodes.append(EpisodeReport(str(file), 0, "-", "invalid", note=secrets.mask_text(str(error))))
            continue
        for number, episode in enumerate(cassette.episodes, start=1):
            protocol = str(episode.request.get("protocol"))
            provider = protocol.split(".", 1)[0]
            entry = EpisodeReport(str(file), number, protocol, "skipped")
            report.episodes.append(entry)
            prepared: tuple[str, Send] | str
            try:
                if protocol == SERVICE:
                    prepared = _service_send(episode.request, bases)
                elif protocol == MCP:
                    prepared = _mcp_send(episode.request, bases, sessions)
                else:
                    prepared = _provider_send(episode.request, provider, bases, credentials)
            except INVALID_VIEW as error:
                entry.status, entry.note = "invalid", secrets.mask_text(str(error) or type(error).__name__)
                continue
            if isinstance(prepared, str):
                entry.note = prepared
                continue
            base, send = prepared
            route = base if protocol in (SERVICE, MCP) else provider
            if route and route not in egress:  # no route: a local stdio server, no network on the way
                probe = (
                    base if protocol in (SERVICE, MCP) else (upstreams or {}).get(provider) or ENDPOINTS.get(provider)
                )
                egress[route] = check_egress(probe or base, environ)
            if route and egress[route].blocked:
                entry.note = secrets.mask_text(f"egress blocked: {egress[route].summary()}")
                continue
            if sent >= max_requests:
                entry.note = f"the cap of {max_requests} requests per run was reached"
                continue
            sent += 1
            try:
                live = bounded_retry(send, attempts, backoff_s, final=_unreachable)
            except Exception as error:  # noqa: BLE001 - any failure to get an answer is reported, masked
                again = check_egress(base, environ) if route else None
                blocked = again is not None and again.blocked
                entry.status = "skipped" if blocked else "error"
                entry.note = secrets.mask_text(
                    f"egress blocked: {again.summary()}" if again and blocked else str(error)
                )
                continue
            entry.drifts = response_drifts(episode.response, live)
            entry.status = "drift" if entry.drifts else "clean"
            if live.status >= 400 and isinstance(live.body, dict):
                entry.note = secrets.mask_text(json.dumps(live.body)[:300])
    for session in sessions.values():
        session.close()
    return report


Send = Callable[[], Captured]


def _provider_send(view: dict[str, Any], provider: str, bases: Mapping[str, str],
                   credentials: Mapping[str, str | None]) -> tuple[str, Send] | str:  # fmt: skip
    """Where a model episode goes and how it is sent, rebuilt in the provider's format; or why it is not sent."""
    target, headers, body = rebuilt_request(view)
    base = bases.get(provider) or default_upstream(provider, str(view.get("path") or ""), credentials)
    if base is None:
        return f"no upstream_{provider}: not verified"
    auth = signed(provider, credentials, join(base, target), body)
    if not auth and provider != "ollama":
        return f"no {PROVIDER_KEYS.get(provider, provider + ' key')}: not verified"
    return base, functools.partial(forward, base, target, headers, body, auth)


def _service_send(view: dict[str, Any], bases: Mapping[str, str]) -> tuple[str, Send]:
    """Where a service episode goes (``upstream_service``, else where it was recorded from) and how it is sent:
    as recorded, without the credentials the cassette never held."""
    base = check_upstream(bases.get(SERVICE) or str(view.get("upstream") or ""))
    method, target, headers, body = resent_request(view)

    def send() -> Captured:
        live = forward(base, target, headers, body, {}, method=method, passthrough=True)
        live.body = kept_body(live.body)[0]  # binary compared as the cassette keeps it
        return live

    return base, send


def _mcp_send(
    view: dict[str, Any], bases: Mapping[str, str], sessions: dict[str, McpUpstream]
) -> tuple[str, Send] | str:
    """Where an MCP episode goes and how it is sent: to ``upstream_mcp`` (a URL), ``upstream_mcp_command`` (a stdio
    server) or the URL it was recorded from, in one session per server. A command is never taken from a cassette."""
    method, params = view.get("method"), view.get("params")
    if not isinstance(method, str) or not method or not isinstance(params, dict):
        raise ValueError("an MCP episode needs a method and params (a mapping)")
    recorded = str(view.get("upstream") or "")
    command = bases.get("mcp_command")
    url = bases.get(MCP) or (recorded if recorded.startswith(("http://", "https://")) else None)
    if not command and not url:
        return "recorded from a stdio server: give --upstream-mcp-command (a cassette never starts a command)"
    key = command or check_upstream(str(url))
    if key not in sessions:
        sessions[key] = McpUpstream(None, shlex.split(command)) if command else McpUpstream(key, None)
    client = sessions[key]

    def send() -> Captured:
        if method != "initialize" and not client.protocol_version:
            client.request("initialize", {"protocolVersion": DEFAULT_VERSION, "capabilities": {},
                                          "clientInfo": CLIENT_INFO}, {})  # fmt: skip
        sent = {"protocolVersion": params.get("protocolVersion") or DEFAULT_VERSION, "capabilities": {},
                "clientInfo": CLIENT_INFO} if method == "initialize" else params  # fmt: skip
        answer = client.request(method, sent, {})
        return Captured(200, {}, {name: answer[name] for name in ("result", "error") if name in answer})

    return ("" if command else key), send


def _unreachable(error: BaseException) -> bool:
    """Whether a forwarding error is final (anything but the network failing on the way)."""
    import httpx

    return not isinstance(error, httpx.TransportError)
