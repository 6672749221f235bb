"""One cassette in use: replay matching episodes, record the rest through the upstream (by mode).

The modes, episode choice and near misses are :class:`~.recording.Recording`'s; this is the model's part:
the normalized conversation as the request view, the provider's own upstream and auth.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import UpstreamError
from ..mock import eventstream
from ..mock.http import Event, Outcome, Request, Timing
from ..mockllm.conversation import Conversation, ProviderError
from ..mockllm.tape import TapeAnswer
from ..secrets import SecretRegistry
from .model import Episode
from .options import DEFAULT_MATCH, MATCH_FIELDS
from .recording import Recording, UpstreamFailure, is_loopback
from .reply import summarize
from .scrub import scrub, scrub_events
from .upstream import EVENTSTREAM, NDJSON, default_upstream, forward, join, signed, upstream_target

DEFAULT_UPSTREAMS = {
    "openai": "https://api.openai.com",
    "anthropic": "https://api.anthropic.com",
    "gemini": "https://generativelanguage.googleapis.com",
}


def request_view(conversation: Conversation, method: str, path: str) -> dict[str, Any]:
    """What a cassette stores of a request: the normalized fields matching uses, ids left out."""
    messages = []
    for message in conversation.messages:
        item: dict[str, Any] = {"role": message.role, "text": message.text}
        if message.tool_calls:
            item["tool_calls"] = [{"name": call.name, "arguments": call.arguments} for call in message.tool_calls]
        if message.tool_results:
            item["tool_results"] = [result.content for result in message.tool_results]
        messages.append(item)
    return {
        "protocol": conversation.protocol,
        "method": method,
        "path": path.split("?", 1)[0],
        "model": conversation.model,
        "stream": conversation.stream,
        "system": conversation.system,
        "messages": messages,
        "tools": list(conversation.tool_names),
    }


def _framed(content_type: str, event: Mapping[str, Any]) -> bytes:
    """A recorded stream event in its framing: an AWS event-stream message, a JSON line, or an SSE block."""
    data = str(event.get("data", ""))
    if EVENTSTREAM in content_type:
        return eventstream.message({str(k): str(v) for k, v in (event.get("headers") or {}).items()}, data.encode())
    if NDJSON in content_type:
        return data.encode() + b"\n"
    return f"{data}\n\n".encode()


class CassetteSession(Recording):
    """A model cassette: requests matched on their normalized conversation, recorded through the provider."""

    always_matched = ("stream",)

    def __init__(
        self,
        path: str | Path,
        mode: str,
        secrets: SecretRegistry,
        *,
        credentials: Mapping[str, str | None] | None = None,
        upstreams: Mapping[str, str] | None = None,
        match_on: tuple[str, ...] = DEFAULT_MATCH,
        replay_timing: bool = False,
        allow_real_upstreams: bool = True,
    ) -> None:
        super().__init__(path, mode, secrets, match_on, MATCH_FIELDS)
        self.credentials = dict(credentials or {})
        self.configured_upstreams = dict(upstreams or {})
        self.upstreams = {**DEFAULT_UPSTREAMS, **self.configured_upstreams}
        self.allow_real_upstreams = allow_real_upstreams
        self.replay_timing = replay_timing
        self.upstream_errors: list[str] = []  # episodes whose recorded answer is an upstream error (4xx/5xx)

    def upstream_urls(self) -> list[str]:
        return list((self.configured_upstreams or self.upstreams).values())

    def upstream_labels(self) -> list[str]:
        return [f"{name} {url}" for name, url in self.configured_upstreams.items()]

    def answer(self, request: Request, conversation: Conversation) -> TapeAnswer:
        view = request_view(conversation, request.method, request.target)
        chosen = self.pick(scrub(view, self.secrets))
        if chosen is not None:
            return TapeAnswer(self._replay(self.cassette.episodes[chosen]), f"<cassette episode {chosen + 1}>")
        if not self.may_record:
            return TapeAnswer(None, "", True, self.near_miss(view), self._unmatched(conversation))
        return self._record(request, conversation, view)

    def _replay(self, episode: Episode) -> Outcome:
        response = episode.response
        headers = [
            (name, str(value)) for name, value in (response.get("headers") or {}).items() if name != "content-type"
        ]
        content_type = (response.get("headers") or {}).get("content-type", "application/json")
        if "events" in response:
            events = [Event(None, raw=_framed(content_type, event)) for event in response["events"]]
            delays = tuple(event.get("delay_ms", 0) / 1000 for event in response["events"])
            timing = Timing(event_delays_s=delays) if self.replay_timing else Timing()
            return Outcome(response["status"], content_type=content_type, headers=headers, events=events, timing=timing)
        body = response["body"]
        raw = body.encode() if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
        return Outcome(response["status"], raw, content_type=content_type, headers=headers)

    def _record(self, request: Request, conversation: Conversation, view: dict[str, Any]) -> TapeAnswer:
        provider = conversation.provider
        base = self.upstreams.get(provider) or default_upstream(provider, request.path, self.credentials)
        if base is None:
            message = f"Recording {provider} needs its upstream: give upstream_{provider}= (your resource's endpoint)."
            return TapeAnswer(None, "", error=ProviderError(400, message))
        try:
            target = upstream_target(conversation.protocol, conversation.model, conversation.stream, request.query,
                                     request.path)  # fmt: skip
        except UpstreamError as error:
            return TapeAnswer(None, "", error=ProviderError(400, f"AgentTestLibrary cassette: {error}"))
        auth = signed(provider, self.credentials, join(base, target), request.body)
        if not self.allow_real_upstreams and not is_loopback(base):
            message = (
                f"Recording from {base} needs RUN_LIVE_TESTS=true and credentials; "
                f"give upstream_{provider}= for a local upstream instead."
            )
            return TapeAnswer(None, "", error=ProviderError(403, message, param=None))
        if not auth and not is_loopback(base) and provider != "ollama":
            message = f"No {provider} credential to record with: set the provider's API key in the environment."
            return TapeAnswer(None, "", error=ProviderError(401, message))
        for value in (*auth.values(), self.credentials.get("AWS_SECRET_ACCESS_KEY")):
            self.secrets.add(value.split()[-1] if value else None)
        import httpx  # only recording needs it

        try:
            captured = forward(base, target, request.headers, request.body, auth)
        except httpx.TransportError as error:
            detail = self.secrets.mask_text(f"{type(error).__name__}: {error}")
            self.upstream_failures.append(UpstreamFailure(base, detail))
            message = f"AgentTestLibrary cassette: the upstream {base} could not be reached while recording ({detail})."
            return TapeAnswer(None, "", error=ProviderError(502, message))
        if captured.status >= 400:
            excerpt = self.secrets.mask_text(json.dumps(captured.body, default=str)[:300]) if captured.body else ""
            self.upstream_errors.append(f"HTTP {captured.status} from {base}{target}: {excerpt}")
        response: dict[str, Any] = {"status": captured.status, "headers": scrub(captured.headers, self.secrets)}
        if captured.streamed:
            response["events"] = scrub_events(captured.events, self.secrets)
        else:
            response["body"] = scrub(captured.body, self.secrets)
        summary = summarize(conversation.protocol, captured.status, captured.body, captured.events)
        episode = Episode(scrub(view, self.secrets), response, scrub(summary, self.secrets))
        self.add(episode)
        # The agent gets what the cassette holds: a key the upstream echoed never reaches it either.
        return TapeAnswer(self._replay(episode), "<recorded from upstream>")

    def _unmatched(self, conversation: Conversation) -> ProviderError:
        message = (
            f"AgentTestLibrary cassette {self.path}: no recorded episode matches this {conversation.protocol} request "
            f"(record_mode={self.mode}). Record it with record_mode=new_episodes (adds what is missing) or all "
            "(everything afresh); RUN_LIVE_TESTS=true and the provider's key are needed only to record from the real "
            "providers, not from a loopback upstream."
        )
        return ProviderError(400, message, "invalid_request_error")
