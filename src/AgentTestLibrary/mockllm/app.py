"""The mock LLM application: routes requests to codecs, picks replies, keeps the journal.

Pure request → response logic with no sockets, so it is unit-testable and shared by the
in-process server (keywords) and the standalone CLI server.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any

from ..secrets import SecretRegistry
from .conversation import Conversation, ProviderError, Reply
from .http import HttpRequest, HttpResponse
from .journal import Journal
from .protocols import AnthropicMessagesCodec, Codec, OpenAIChatCodec, RequestError
from .scenario import Rule, Scenario, ScenarioError, parse_rule, scenario_from_text
from .scenario.matching import find_match

ADMIN_PREFIX = "/__agenttest/"
UNMATCHED_PREFIX = "AgentTestLibrary mock: no scenario rule matched this request (strict mode)"


class MockLLM:
    """One mock instance: its scenario, runtime rules, sequence counters and journal."""

    def __init__(self, scenario: Scenario | None = None, secrets: SecretRegistry | None = None) -> None:
        self.scenario = scenario or Scenario(strict=False)
        self.secrets = secrets or SecretRegistry()
        self.journal = Journal()
        self._lock = threading.Lock()
        self._runtime_rules: list[tuple[str, Rule]] = []
        self._sequence_positions: dict[str, int] = {}
        self.chat = OpenAIChatCodec()
        self.anthropic = AnthropicMessagesCodec()

    # -- state used by keywords, the CLI and the admin API -------------------------------

    def load_scenario(self, scenario: Scenario) -> None:
        with self._lock:
            self.scenario = scenario
            self._sequence_positions.clear()

    def add_rule(self, rule: Rule, scope: str) -> None:
        """Add a rule checked before the scenario's rules; ``scope`` lets it be removed later."""
        with self._lock:
            self._runtime_rules.append((scope, replace(rule, key=f"{scope}:{rule.name}")))

    def remove_rules(self, scope: str) -> None:
        with self._lock:
            self._runtime_rules = [(s, rule) for s, rule in self._runtime_rules if s != scope]

    def reset_sequences(self) -> None:
        with self._lock:
            self._sequence_positions.clear()

    def reset(self) -> None:
        self.journal.clear()
        self.reset_sequences()

    def rules(self) -> tuple[Rule, ...]:
        with self._lock:
            runtime = tuple(rule for _, rule in self._runtime_rules)
            return runtime + tuple(
                replace(rule, key=rule.key or f"scenario:{rule.name}") for rule in self.scenario.rules
            )

    def choose_reply(self, conversation: Conversation) -> tuple[Reply, str]:
        """The reply for a conversation and, when nothing matched, the near-miss explanation."""
        match = find_match(self.rules(), conversation)
        rule = match.rule
        if rule is None:
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
            return self._admin(method, path, request)
        if path == "/" and method in ("GET", "HEAD"):
            return HttpResponse.json(200, {"service": "AgentTestLibrary mock LLM", "admin": ADMIN_PREFIX})
        if path == "/v1/models" and method == "GET":
            return self._models(request)
        endpoints: dict[str, Codec] = {"/v1/chat/completions": self.chat, "/v1/messages": self.anthropic}
        if path == "/v1/messages/count_tokens" and method == "POST":
            return self._count_tokens(request)
        codec = endpoints.get(path)
        if codec is None:
            return self._unknown_route(request)
        if method != "POST":
            return self._error(request, self._shape_for(request), 405, f"{path} accepts POST, not {method}.")
        return self._generate(request, codec)

    def _generate(self, request: HttpRequest, codec: Codec) -> HttpResponse:
        body = self._json_body(request, codec)
        if isinstance(body, HttpResponse):
            return body
        try:
            conversation = codec.parse(body)
        except RequestError as error:
            return self._error(request, codec, error.status, error.message, body=body, param=error.param)
        reply, near_miss = self.choose_reply(conversation)
        self._record(
            request,
            reply.error.status if reply.error else 200,
            protocol=codec.protocol,
            body=body,
            conversation=conversation,
            reply=reply,
            rule=reply.rule,
            unmatched=reply.rule is None and self.scenario.strict,
            near_miss=near_miss,
        )
        if reply.error:
            return HttpResponse.json(reply.error.status, codec.render_error(reply.error))
        if conversation.stream:
            return HttpResponse.sse(codec.render_stream(reply, conversation, body))
        return HttpResponse.json(200, codec.render(reply, conversation))

    def _count_tokens(self, request: HttpRequest) -> HttpResponse:
        body = self._json_body(request, self.anthropic)
        if isinstance(body, HttpResponse):
            return body
        try:
            result = self.anthropic.count_tokens(body)
        except RequestError as error:
            return self._error(request, self.anthropic, error.status, error.message, body=body, param=error.param)
        self._record(request, 200, protocol="anthropic.count_tokens", body=body)
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
        return self.chat

    def _unknown_route(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        hint = ""
        for known in ("/chat/completions", "/messages", "/models"):
            if path.endswith(known) and not path.startswith("/v1/"):
                hint = f" Did you mean /v1{known}? Point OPENAI_BASE_URL at <mock>/v1 and ANTHROPIC_BASE_URL at <mock>."
        message = (
            f"Unknown route {request.method} {path}.{hint} The mock serves POST /v1/chat/completions, "
            f"POST /v1/messages, POST /v1/messages/count_tokens, GET /v1/models and {ADMIN_PREFIX}*."
        )
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
        self._record(request, status, protocol=codec.protocol, body=body, error=message)
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

    # -- admin API -------------------------------------------------------------------------

    def _admin(self, method: str, path: str, request: HttpRequest) -> HttpResponse:
        action = path[len(ADMIN_PREFIX) :] if path.startswith(ADMIN_PREFIX) else ""
        if (method, action) == ("GET", "journal"):
            return HttpResponse.json(200, {"entries": [entry.to_dict() for entry in self.journal.entries()]})
        if (method, action) == ("GET", "health"):
            return HttpResponse.json(200, {"status": "ok"})
        if (method, action) == ("POST", "reset"):
            self.reset()
            return HttpResponse.json(200, {"reset": True})
        if (method, action) in (("POST", "scenario"), ("POST", "rules")):
            text = request.body.decode("utf-8", errors="replace")
            try:
                if action == "scenario":
                    scenario = scenario_from_text(text, "POST /__agenttest/scenario")
                    self.load_scenario(scenario)
                    return HttpResponse.json(
                        200, {"loaded": True, "rules": len(scenario.rules), "strict": scenario.strict}
                    )
                data = json.loads(text) if text.strip() else None
                self.add_rule(parse_rule(data, "POST /__agenttest/rules"), "admin")
                return HttpResponse.json(200, {"added": True})
            except (ScenarioError, ValueError) as error:
                return HttpResponse.json(400, {"error": {"message": str(error), "type": "invalid_scenario"}})
        message = (
            f"Unknown admin call {method} {path}. Available: GET {ADMIN_PREFIX}journal, GET {ADMIN_PREFIX}health, "
            f"POST {ADMIN_PREFIX}reset, POST {ADMIN_PREFIX}scenario (YAML body), POST {ADMIN_PREFIX}rules (JSON rule)."
        )
        return HttpResponse.json(404, {"error": {"message": message, "type": "not_found"}})
