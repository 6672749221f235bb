"""The mock LLM application: routes requests to codecs, picks replies, keeps the journal.

Pure request → response logic with no sockets, so it is unit-testable and shared by the
in-process server (keywords) and the standalone CLI server.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..errors import UnknownResponseError
from ..secrets import SecretRegistry
from .admin import ADMIN_PREFIX, handle_admin
from .chains import ResponseChains
from .conversation import Conversation, ProviderError, Reply, ToolCall
from .embeddings import embeddings_response
from .faults import AppliedFault, Fault, FaultSet
from .http import HttpRequest, HttpResponse
from .journal import Journal
from .protocols import AnthropicMessagesCodec, Codec, GeminiCodec, OpenAIChatCodec, OpenAIResponsesCodec, RequestError
from .scenario import Rule, Scenario
from .scenario.matching import find_match
from .structured import example_for
from .tokens import stable_id

if TYPE_CHECKING:
    from ..cassettes import CassetteSession

UNMATCHED_PREFIX = "AgentTestLibrary mock: no scenario rule matched this request (strict mode)"
STRUCTURED_RULE = "<structured output from the request's schema>"
WARMUP_RULE = "<warm-up: generate false>"
GEMINI_ROUTE = re.compile(r"^/v1(?:beta|alpha)?/models/(?P<model>[A-Za-z0-9][A-Za-z0-9._\-]*):(?P<method>[A-Za-z]+)$")
ROUTES = (
    "POST /v1/chat/completions, POST /v1/responses (and WebSocket GET), POST /v1/messages, "
    "POST /v1/messages/count_tokens, POST /v1/embeddings, GET /v1/models, "
    "POST /v1beta/models/{model}:generateContent|streamGenerateContent|countTokens"
)


@dataclass(frozen=True)
class Exchange:
    """One answered model request: the (chained) conversation, the reply, and what broke it."""

    conversation: Conversation
    reply: Reply
    near_miss: str = ""
    fault: AppliedFault | None = None


class MockLLM:
    """One mock instance: its scenario, runtime rules, sequence counters, response chains, journal."""

    def __init__(self, scenario: Scenario | None = None, secrets: SecretRegistry | None = None) -> None:
        self.scenario = scenario or Scenario(strict=False)
        self.secrets = secrets or SecretRegistry()
        self.journal = Journal()
        self.chains = ResponseChains()
        self._lock = threading.Lock()
        self._runtime_rules: list[tuple[str, Rule]] = []
        self._sequence_positions: dict[str, int] = {}
        self.faults = FaultSet()
        self.faults.replace_scope("scenario", self.scenario.faults)
        self.tape: CassetteSession | None = None
        self.chat = OpenAIChatCodec()
        self.responses = OpenAIResponsesCodec()
        self.anthropic = AnthropicMessagesCodec()
        self.gemini = GeminiCodec()

    # -- state used by keywords, the CLI and the admin API -------------------------------

    def load_scenario(self, scenario: Scenario) -> None:
        with self._lock:
            self.scenario = scenario
            self._sequence_positions.clear()
        self.faults.replace_scope("scenario", scenario.faults)
        self.faults.reset_counters()

    def add_rule(self, rule: Rule, scope: str) -> None:
        """Add a rule checked before the scenario's rules; ``scope`` lets it be removed later."""
        with self._lock:
            self._runtime_rules.append((scope, replace(rule, key=f"{scope}:{rule.name}")))

    def add_fault(self, fault: Fault, scope: str) -> None:
        """Add a fault (checked in the order added; the first that fires wins); removable by scope."""
        self.faults.add(fault, scope)

    def remove_scope(self, scope: str) -> None:
        """Drop the rules and faults added for ``scope`` (a test, a suite, the admin API)."""
        with self._lock:
            self._runtime_rules = [(s, rule) for s, rule in self._runtime_rules if s != scope]
        self.faults.remove(scope)

    def reset_counters(self) -> None:
        """Restart reply sequences and fault counters (nth call, times, probability seeds)."""
        with self._lock:
            self._sequence_positions.clear()
        self.faults.reset_counters()

    def reset(self) -> None:
        self.journal.clear()
        self.chains.clear()
        self.reset_counters()

    def rules(self) -> tuple[Rule, ...]:
        with self._lock:
            runtime = tuple(rule for _, rule in self._runtime_rules)
            return runtime + tuple(
                replace(rule, key=rule.key or f"scenario:{rule.name}") for rule in self.scenario.rules
            )

    def choose_reply(self, conversation: Conversation) -> tuple[Reply, str]:
        """The reply for a conversation and, when no rule matched, the near-miss explanation."""
        match = find_match(self.rules(), conversation)
        rule = match.rule
        if rule is None:
            structured = _structured_reply(conversation)
            if structured is not None:
                return structured, ""
            if self.scenario.strict:
                message = f"{UNMATCHED_PREFIX}; {match.near_miss}."
                return Reply(error=ProviderError(400, message, "invalid_request_error")), match.near_miss
            return self.scenario.default_reply.build(conversation, None), match.near_miss
        spec = rule.replies[0]
        if rule.is_sequence:
            with self._lock:
                position = self._sequence_positions.get(rule.key, 0)
                self._sequence_positions[rule.key] = position + 1
            spec = rule.replies[min(position, len(rule.replies) - 1)]
        return spec.build(conversation, rule.name), ""

    # -- HTTP ------------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request; never raises, so a bad request cannot take the server down."""
        try:
            return self._route(request)
        except Exception as error:  # noqa: BLE001 - the server must survive any request
            message = f"AgentTestLibrary mock internal error: {type(error).__name__}: {error}"
            self._record(request, 500, error=message)
            return HttpResponse.json(
                500, {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
            )

    def _route(self, request: HttpRequest) -> HttpResponse:
        method, path = request.method, request.path.rstrip("/") or "/"
        if path.startswith(ADMIN_PREFIX.rstrip("/")):
            return handle_admin(self, request)
        if path == "/" and method in ("GET", "HEAD"):
            return HttpResponse.json(200, {"service": "AgentTestLibrary mock LLM", "admin": ADMIN_PREFIX})
        if path == "/v1/models" and method == "GET":
            return self._models(request)
        gemini = GEMINI_ROUTE.match(path)
        endpoints: dict[str, Codec] = {
            "/v1/chat/completions": self.chat,
            "/v1/responses": self.responses,
            "/v1/messages": self.anthropic,
            "/v1/messages/count_tokens": self.anthropic,
            "/v1/embeddings": self.chat,
        }
        codec = endpoints.get(path, self.gemini if gemini else None)
        if codec is None:
            return self._unknown_route(request)
        if method != "POST":
            return self._error(request, codec, 405, f"{path} accepts POST, not {method}.")
        body = self._json_body(request, codec)
        if isinstance(body, HttpResponse):
            return body
        try:
            if path == "/v1/messages/count_tokens":
                return self._answer_plain(request, "anthropic.count_tokens", body, self.anthropic.count_tokens(body))
            if path == "/v1/embeddings":
                dimensions = self.scenario.embedding_dimensions
                return self._answer_plain(request, "openai.embeddings", body, embeddings_response(body, dimensions))
            if gemini:
                return self._gemini(request, body, gemini["model"].removeprefix("models/"), gemini["method"])
            return self._generate(request, codec, body, codec.parse(body))
        except RequestError as error:
            return self._error(request, codec, error.status, error.message, body=body, param=error.param)

    def _gemini(self, request: HttpRequest, body: Any, model: str, method: str) -> HttpResponse:
        if method == "countTokens":
            return self._answer_plain(request, "gemini.count_tokens", body, self.gemini.count_tokens(body, model))
        if method not in ("generateContent", "streamGenerateContent"):
            raise RequestError(
                f"Unknown Gemini method ':{method}'; use generateContent, streamGenerateContent or countTokens."
            )
        stream = method == "streamGenerateContent"
        if self.tape is not None:
            return self._from_tape(request, self.gemini, body, self.gemini.parse(body, model, stream))
        exchange = self.answer(self.gemini, body, self.gemini.parse(body, model, stream))
        self.record_exchange(request, self.gemini, body, exchange)
        if stream and request.query.get("alt") != ["sse"]:
            chunks = self.gemini.render_chunks(exchange.reply, exchange.conversation)
            exchange = replace(exchange, conversation=replace(exchange.conversation, stream=False))
            return _render(self.gemini, body, exchange, rendered=HttpResponse.json(200, chunks))
        return _render(self.gemini, body, exchange)

    def record_warm_up(self, request: HttpRequest, body: Any) -> None:
        """Warm-ups generate nothing: journaled without a protocol, so request counts skip them."""
        self._record(request, 200, body=body, rule=WARMUP_RULE)

    def record_error(self, request: HttpRequest, codec: Codec, status: int, message: str, body: Any = None) -> None:
        self._record(request, status, protocol=codec.protocol, body=body, error=message)

    def answer(self, codec: Codec, body: dict[str, Any], conversation: Conversation) -> Exchange:
        """Resolve chaining, pick a fault, choose the reply, remember Responses chains (HTTP and WebSocket)."""
        if codec is self.responses:
            try:
                conversation = self.chains.extend(conversation, body.get("previous_response_id"))
            except UnknownResponseError:
                raise RequestError(
                    f"previous_response_id '{body['previous_response_id']}' is unknown to this mock: it only knows "
                    "responses it produced since it started or was last reset.",
                    param="previous_response_id",
                ) from None
        fault = self.faults.pick(conversation)
        reply, near_miss = self.choose_reply(conversation)
        if codec is self.responses and reply.error is None and (fault is None or not fault.fault.breaks_response):
            self.chains.remember(self.responses.response_id(reply, conversation), conversation, reply)
        return Exchange(conversation, reply, near_miss, fault)

    @property
    def may_block(self) -> bool:
        """True while a cassette records: answers then wait on the real upstream."""
        return self.tape is not None and self.tape.may_record

    def _from_tape(self, request: HttpRequest, codec: Codec, body: Any, conversation: Conversation) -> HttpResponse:
        assert self.tape is not None
        answer = self.tape.answer(request, conversation)
        response = answer.response
        if response is None:
            error = answer.error or ProviderError(500, "AgentTestLibrary cassette: no answer")
            response = HttpResponse.json(error.status, codec.render_error(error))
        self._record(
            request,
            response.status,
            protocol=codec.protocol,
            body=body,
            conversation=conversation,
            rule=answer.rule or None,
            unmatched=answer.unmatched,
            near_miss=answer.near_miss,
            error=answer.error.message if answer.error else "",
        )
        return response

    def _generate(self, request: HttpRequest, codec: Codec, body: dict[str, Any], parsed: Conversation) -> HttpResponse:
        if self.tape is not None:
            return self._from_tape(request, codec, body, parsed)
        exchange = self.answer(codec, body, parsed)
        self.record_exchange(request, codec, body, exchange)
        return _render(codec, body, exchange)

    def record_exchange(self, request: HttpRequest, codec: Codec, body: Any, exchange: Exchange) -> None:
        reply, applied = exchange.reply, exchange.fault
        fault = applied.fault if applied else None
        status = reply.error.status if reply.error else 200
        self._record(
            request,
            fault.status if fault and fault.status else status,
            protocol=codec.protocol,
            body=body,
            conversation=exchange.conversation,
            reply=reply,
            rule=reply.rule,
            unmatched=reply.rule is None and self.scenario.strict,
            near_miss=exchange.near_miss,
            fault=applied.describe() if applied else "",
            broken=bool(fault and fault.breaks_response),
            retry_after_s=fault.asked_wait_s if fault else None,
            delay_s=(fault.delay_ms / 1000) if fault else 0.0,
        )

    def _answer_plain(self, request: HttpRequest, protocol: str, body: Any, result: dict[str, Any]) -> HttpResponse:
        self._record(request, 200, protocol=protocol, body=body)
        return HttpResponse.json(200, result)

    def _models(self, request: HttpRequest) -> HttpResponse:
        self._record(request, 200)
        models = self.scenario.models
        if "anthropic-version" in request.headers:
            listing = [
                {"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"} for m in models
            ]
            first, last = (models[0], models[-1]) if models else (None, None)
            return HttpResponse.json(200, {"data": listing, "has_more": False, "first_id": first, "last_id": last})
        data = [{"id": m, "object": "model", "created": 1735689600, "owned_by": "agenttest"} for m in models]
        return HttpResponse.json(200, {"object": "list", "data": data})

    def _json_body(self, request: HttpRequest, codec: Codec) -> Any:
        try:
            return json.loads(request.body or b"")
        except ValueError as error:
            return self._error(
                request,
                codec,
                400,
                f"The request body is not valid JSON ({error}). Send a JSON object with "
                "'content-type: application/json'.",
            )

    def _shape_for(self, request: HttpRequest) -> Codec:
        if request.path.startswith("/v1/messages") or "anthropic-version" in request.headers:
            return self.anthropic
        if request.path.startswith("/v1beta") or "x-goog-api-key" in request.headers:
            return self.gemini
        return self.chat

    def _unknown_route(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        hint = ""
        for known in ("/chat/completions", "/responses", "/messages", "/models", "/embeddings"):
            if path.endswith(known) and not path.startswith("/v1/"):
                hint = f" Did you mean /v1{known}? Point OPENAI_BASE_URL at <mock>/v1 and ANTHROPIC_BASE_URL at <mock>."
        message = f"Unknown route {request.method} {path}.{hint} The mock serves {ROUTES} and {ADMIN_PREFIX}*."
        return self._error(request, self._shape_for(request), 404, message)

    def _error(
        self,
        request: HttpRequest,
        codec: Codec,
        status: int,
        message: str,
        *,
        body: Any = None,
        param: str | None = None,
    ) -> HttpResponse:
        self.record_error(request, codec, status, message, body=body)
        return HttpResponse.json(status, codec.render_error(ProviderError(status, message, param=param)))

    def _record(self, request: HttpRequest, status: int, body: Any = None, **values: Any) -> None:
        """Journal an exchange; everything is redacted before it is stored."""
        self.journal.record(
            method=request.method,
            path=self.secrets.mask_text(request.target),
            status=status,
            headers=self.secrets.mask_headers(request.headers),
            body=self.secrets.mask(body),
            **{name: self.secrets.mask(value) for name, value in values.items()},
        )


def _render(
    codec: Codec, body: dict[str, Any], exchange: Exchange, rendered: HttpResponse | None = None
) -> HttpResponse:
    """The provider response for an exchange, broken the way its fault says."""
    reply, conversation = exchange.reply, exchange.conversation
    fault = exchange.fault.fault if exchange.fault else None
    if fault and fault.status:
        error = fault.provider_error()
        response = HttpResponse.json(error.status, codec.render_error(error), fault.retry_headers())
    elif reply.error:
        response = HttpResponse.json(reply.error.status, codec.render_error(reply.error))
    elif rendered is not None:
        response = rendered
    elif conversation.stream:
        response = HttpResponse.sse(codec.render_stream(reply, conversation, body))
    else:
        response = HttpResponse.json(200, codec.render(reply, conversation, body))
    return break_response(response, fault) if fault else response


def break_response(response: HttpResponse, fault: Fault) -> HttpResponse:
    """Apply a fault's timing, cut and malformation to a rendered response."""
    response.timing = fault.timing()
    response.headers.extend(header for header in fault.retry_headers() if header not in response.headers)
    if fault.status:
        return response
    events = response.events
    if fault.malformed:
        if events is None:
            response.body = response.body[: max(1, len(response.body) // 2)] + b"<<not json"
        else:
            events[min(1, len(events) - 1)] = b'data: {"malformed": <<not json\n\n'
    if fault.cut_after_events is not None:
        if events is None:
            response.declared_length, response.body = len(response.body), response.body[: len(response.body) // 2]
        else:
            response.events = events[: fault.cut_after_events]
        response.cut = True
    if fault.cut_after_bytes is not None:
        if events is None:
            response.declared_length, response.body = len(response.body), response.body[: fault.cut_after_bytes]
        else:
            response.events = [b"".join(events)[: fault.cut_after_bytes]]
        response.cut = True
    return response


def _structured_reply(conversation: Conversation) -> Reply | None:
    """Schema-valid JSON (or a forced tool call) when the request asks for it and no rule answered."""
    tool = conversation.tool(conversation.forced_tool) if conversation.forced_tool else None
    if tool is not None:
        arguments = example_for(tool.parameters or {"type": "object"})
        call_id = stable_id("toolu_" if conversation.provider == "anthropic" else "call_", conversation.to_dict())
        return Reply(tool_calls=(ToolCall(call_id, tool.name, arguments),), rule=STRUCTURED_RULE)
    if conversation.response_schema is not None:
        return Reply(text=json.dumps(example_for(conversation.response_schema)), rule=STRUCTURED_RULE)
    return None
