"""Each route of the model mock as a pipeline endpoint: what it parses, how it answers, how it renders.

- :class:`Generate` — a model call in any wire format (Chat, Responses over HTTP and
  WebSocket, Messages, Gemini): chaining, cassette or rules, structured output, streaming.
  Cloud routes (Bedrock, Azure) authenticate first, the way the cloud does (:mod:`.auth`).
- :class:`CountTokens`, :class:`Embeddings`, :class:`Answered`, :class:`Models`, :class:`Root` — the answers
  that are not model calls (never faulted, never matched).

Provider error shapes come only from the codecs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import RequestError, UnknownResponseError
from ..mock import jsonio
from ..mock.admin import ADMIN_PREFIX
from ..mock.faults import AppliedFault, Fault
from ..mock.http import Outcome, Request
from ..mock.pipeline import Answer, Call
from .conversation import Conversation, ProviderError, Reply
from .embeddings import embeddings_response
from .misbehaviour import LLMFault, misbehave
from .protocols import Codec
from .protocols.azure import with_deployment
from .tokens import stable_id

if TYPE_CHECKING:
    from .app import MockLLM

WARMUP_RULE = "<warm-up: generate false>"
SSE_HEADERS = [("cache-control", "no-cache")]


Authenticate = Callable[[Request], None]  # raises RequestError with the cloud's status (see .auth)


class _Shaped:
    """Errors in the shape of the endpoint's codec, and the route's authentication (none for the public APIs)."""

    codec: Codec
    body_format = "json"
    authenticate: Authenticate | None = None

    def check_auth(self, call: Call) -> None:
        if self.authenticate is not None:
            self.authenticate(call.request)

    def error(self, status: int, message: str, param: str | None = None) -> Outcome:
        return self.error_outcome(ProviderError(status, message, param=param))

    def error_outcome(self, error: ProviderError) -> Outcome:
        return Outcome(error.status, self.codec.render_error(error), headers=self.codec.error_headers(error))

    def malformed(self, message: str) -> Outcome:
        return self.error(400, message)

    def fault_error(self, call: Call, subject: Any, fault: Fault) -> tuple[Outcome, Reply]:
        error = ProviderError(fault.status or 500, fault.error_message, fault.error_type)
        return self.error_outcome(error), Reply(error=error)


class Generate(_Shaped):
    """A model call: the codec parses it, the scenario (or a cassette) answers, the codec renders."""

    def __init__(self, app: MockLLM, codec: Codec, authenticate: Authenticate | None = None) -> None:
        self.app = app
        self.codec = codec
        self.protocol: str | None = codec.protocol
        self.authenticate = authenticate

    def parse(self, call: Call) -> Conversation:
        self.check_auth(call)
        request, params = call.request, call.params
        body = _frame_body(call.body) if request.transport == "ws" else call.body
        if params.get("method") not in (None, "generateContent", "streamGenerateContent"):
            raise RequestError(
                f"Unknown Gemini method ':{params['method']}'; use generateContent, streamGenerateContent or "
                "countTokens."
            )
        conversation = self.codec.parse(body, params)
        if request.transport == "ws":
            conversation = replace(conversation, stream=True)
        previous = self.codec.previous_response(body)
        if previous and self.app.tape is None:  # a cassette matches requests as sent, chained ids included
            try:
                conversation = self.app.chains.extend(conversation, previous)
            except UnknownResponseError:
                raise UnknownResponseError(
                    f"previous_response_id '{previous}' is unknown to this mock: it only knows responses it produced "
                    "since it started or was last reset.",
                    param="previous_response_id",
                ) from None
        return conversation.fingerprinted(request.body)

    def answer(self, call: Call, conversation: Conversation) -> Answer:
        body = call.body
        if call.request.transport == "ws" and isinstance(body, dict) and body.get("generate") is False:
            return self._warm_up(conversation, _frame_body(body))
        tape = self.app.tape
        if tape is not None:
            taped = tape.answer(call.request, conversation)
            outcome = taped.outcome
            if outcome is None:
                error = taped.error or ProviderError(500, "AgentTestLibrary cassette: no answer")
                outcome = self.error_outcome(error)
            message = taped.error.message if taped.error else ""
            return Answer(None, outcome, taped.rule or None, taped.unmatched, taped.near_miss, message, False)
        reply, near_miss = self.app.choose_reply(conversation)
        unmatched = reply.rule is None and self.app.scenario.strict
        return Answer(reply, rule=reply.rule, unmatched=unmatched, near_miss=near_miss)

    def _warm_up(self, conversation: Conversation, body: dict[str, Any]) -> Answer:
        """A ``generate: false`` frame: an empty completed response to chain from, not a model call."""
        response_id = stable_id("resp_", "warm-up", conversation.fingerprint)
        self.app.chains.remember(response_id, conversation, None)
        events = self.app.responses.warm_up_events(response_id, conversation, body)
        return Answer(None, Outcome(200, events=events), rule=WARMUP_RULE, faultable=False, kind="warm-up")

    def render(self, call: Call, conversation: Conversation, answer: Answer, fault: AppliedFault | None) -> Outcome:
        reply: Reply = answer.reply
        broken = fault is not None and fault.fault.breaks_response
        if reply.error:
            return self.error_outcome(reply.error)
        injected = fault.fault if fault is not None else None
        if isinstance(injected, LLMFault) and injected.misbehave:
            reply = answer.reply = misbehave(injected.misbehave, reply, conversation, injected.message)
        request = call.request
        frame = _frame_body(call.body) if request.transport == "ws" else call.body
        response_id = self.codec.response_id(reply, conversation)
        if response_id and not broken:
            self.app.chains.remember(response_id, conversation, reply)
        if not conversation.stream:
            return Outcome(200, self.codec.render(reply, conversation, frame))
        events = self.codec.render_events(reply, conversation, frame)
        if self.codec.array_stream(request.query):
            return Outcome(200, [event.data for event in events])
        return Outcome(200, events=events, content_type=self.codec.stream_content_type, headers=list(SSE_HEADERS))


class _Direct(_Shaped):
    """Routes whose answer is the outcome itself: never matched against rules, never faulted."""

    protocol: str | None = None

    def parse(self, call: Call) -> None:
        return None

    def render(self, call: Call, subject: None, answer: Answer, fault: AppliedFault | None) -> Outcome:
        raise AssertionError(f"{type(self).__name__} answers carry their outcome")  # pragma: no cover


class Counting(Codec, Protocol):
    def count_tokens(self, body: Any, params: dict[str, str]) -> dict[str, Any]: ...


class CountTokens(_Direct):
    """Anthropic's ``/v1/messages/count_tokens`` and Gemini's ``:countTokens``."""

    codec: Counting

    def __init__(self, codec: Counting, protocol: str, authenticate: Authenticate | None = None) -> None:
        self.codec = codec
        self.protocol = protocol
        self.authenticate = authenticate

    def answer(self, call: Call, subject: None) -> Answer:
        self.check_auth(call)
        return Answer(outcome=Outcome(200, self.codec.count_tokens(call.body, call.params)), faultable=False)


class Embeddings(_Direct):
    """``POST /v1/embeddings`` (and Azure's, whose deployment is the model): deterministic vectors (bounded in
    size; answered off the event loop)."""

    def __init__(
        self, app: MockLLM, codec: Codec, protocol: str = "openai.embeddings", authenticate: Authenticate | None = None
    ) -> None:
        self.app = app
        self.codec = codec
        self.protocol = protocol
        self.authenticate = authenticate

    def answer(self, call: Call, subject: None) -> Answer:
        self.check_auth(call)
        body = with_deployment(call.body, call.params)
        result = embeddings_response(body, self.app.scenario.embedding_dimensions)
        return Answer(outcome=Outcome(200, jsonio.dumps(result)), faultable=False)


class Answered(_Direct):
    """Answers worked out from the body alone (Ollama's ``/api/embed``, ``/api/tags``, ``/api/show``, Bedrock's
    inference profiles)."""

    def __init__(
        self,
        codec: Codec,
        protocol: str | None,
        compute: Callable[[Any], dict[str, Any]],
        authenticate: Authenticate | None = None,
    ) -> None:
        self.codec = codec
        self.protocol = protocol
        self.compute = compute
        self.authenticate = authenticate

    def answer(self, call: Call, subject: None) -> Answer:
        self.check_auth(call)
        return Answer(outcome=Outcome(200, self.compute(call.body)), faultable=False)


class Models(_Direct):
    """``GET /v1/models``, in Anthropic's shape when the request carries ``anthropic-version``."""

    def __init__(self, app: MockLLM) -> None:
        self.app = app
        self.codec = app.chat

    def answer(self, call: Call, subject: None) -> Answer:
        models = self.app.scenario.models
        if "anthropic-version" in call.request.headers:
            listing = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
                       for m in models]  # fmt: skip
            first, last = (models[0], models[-1]) if models else (None, None)
            data: Any = {"data": listing, "has_more": False, "first_id": first, "last_id": last}
        else:
            data = {"object": "list",
                    "data": [{"id": m, "object": "model", "created": 1735689600, "owned_by": "agenttest"}
                             for m in models]}  # fmt: skip
        return Answer(outcome=Outcome(200, data), faultable=False)


class Root(Models):
    """``GET /`` and ``HEAD /``: what this server is (clients probe it)."""

    def answer(self, call: Call, subject: None) -> Answer:
        return Answer(outcome=Outcome(200, {"service": "AgentTestLibrary mock LLM", "admin": ADMIN_PREFIX}),
                      faultable=False)  # fmt: skip


def _frame_body(frame: Any) -> dict[str, Any]:
    """A WebSocket ``response.create`` frame as a Responses request body."""
    if not isinstance(frame, dict) or frame.get("type") != "response.create":
        kind = frame.get("type") if isinstance(frame, dict) else type(frame).__name__
        raise RequestError(f"Unsupported frame type {kind!r}; this endpoint accepts 'response.create'.")
    return {key: value for key, value in frame.items() if key != "type"}
