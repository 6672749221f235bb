"""The model mock: its routes, scenario, runtime rules, reply sequences and response chains.

Pure request → outcome logic (the :class:`~AgentTestLibrary.mock.pipeline.Pipeline` does the
sequencing, :mod:`.endpoints` the per-route work), so it is unit-testable without sockets and
shared by the in-process server (keywords) and the standalone CLI server.
"""

from __future__ import annotations

import json
from typing import Any

from ..mock import jsonio
from ..mock.admin import ADMIN_PREFIX
from ..mock.application import MockApplication
from ..mock.faults import Fault
from ..mock.http import Outcome, Request
from ..mock.journal import DEFAULT_LIMIT
from ..mock.pipeline import Endpoint, Found, Route
from ..mock.rulebook import RuleBook
from ..mock.scoped import Scoped
from ..secrets import SecretRegistry
from .auth import check_azure, check_azure_v1, check_bedrock, check_vertex
from .chains import ResponseChains
from .conversation import Conversation, ProviderError, Reply, ToolCall
from .endpoints import Answered, CountTokens, Embeddings, Generate, Models, Root
from .protocols import (
    AnthropicMessagesCodec,
    AzureChatCodec,
    AzureResponsesCodec,
    BedrockConverseCodec,
    BedrockInvokeCodec,
    Codec,
    GeminiCodec,
    OllamaChatCodec,
    OllamaGenerateCodec,
    OpenAIChatCodec,
    OpenAIResponsesCodec,
    VertexAnthropicCodec,
    VertexGeminiCodec,
)
from .protocols.bedrock import inference_profiles
from .protocols.ollama import embed_response, show, tags, version
from .protocols.vertex import embed_content, predict_embeddings
from .scenario import Rule, Scenario, parse_fault, parse_rule, scenario_from_text
from .structured import example_for
from .tape import Tape
from .tokens import stable_id

UNMATCHED_PREFIX = "AgentTestLibrary mock: no scenario rule matched this request (strict mode)"
STRUCTURED_RULE = "<structured output from the request's schema>"
GEMINI_MODEL = r"/v1(?:beta|alpha)?/models/(?P<model>[A-Za-z0-9][A-Za-z0-9._\-]*)"
AZURE_DEPLOYMENT = r"/openai/deployments/(?P<deployment>[A-Za-z0-9][A-Za-z0-9._\-]*)"
VERTEX = r"/(?:v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/publishers/"
VERTEX_MODEL = r"models/(?P<model>[A-Za-z0-9][A-Za-z0-9._@%\-]*)"
BEDROCK_MODEL = r"/model/(?P<model>[A-Za-z0-9][A-Za-z0-9._:%\-]*)"
ROUTES = (
    "POST /v1/chat/completions, POST /v1/responses (and WebSocket GET), POST /v1/messages, "
    "POST /v1/messages/count_tokens, POST /v1/embeddings, GET /v1/models, "
    "POST /v1beta/models/{model}:generateContent|streamGenerateContent|countTokens, "
    "POST /model/{modelId}/converse|converse-stream|invoke|invoke-with-response-stream|count-tokens, "
    "GET /inference-profiles (Bedrock), "
    "POST /openai/deployments/{deployment}/chat/completions|responses|embeddings?api-version=..., "
    "/openai/responses?api-version=... and /openai/v1/chat/completions|responses|embeddings (Azure OpenAI), "
    "POST /api/chat|generate|embed|show, GET /api/tags|version (Ollama), "
    "POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent|streamGenerateContent|"
    "countTokens|predict|embedContent and .../publishers/anthropic/models/{m}:rawPredict|streamRawPredict (Vertex AI)"
)


class MockLLM(MockApplication):
    """One mock instance: its scenario, runtime rules, sequence counters, response chains and pipeline."""

    name = "mock LLM"

    def __init__(
        self,
        scenario: Scenario | None = None,
        secrets: SecretRegistry | None = None,
        *,
        admin_token: str | None = None,
        journal_limit: int = DEFAULT_LIMIT,
    ) -> None:
        self.scenario = scenario or Scenario(strict=False)
        self.chains = ResponseChains()
        self.rulebook: RuleBook[Rule] = RuleBook(self.scenario.rules)
        self.tape: Tape | None = None
        self.chat = OpenAIChatCodec()
        self.responses = OpenAIResponsesCodec()
        self.anthropic = AnthropicMessagesCodec()
        self.gemini = GeminiCodec()
        self.converse = BedrockConverseCodec()
        self.invoke = BedrockInvokeCodec()
        self.azure_chat = AzureChatCodec()
        self.azure_responses = AzureResponsesCodec()
        self.ollama_chat = OllamaChatCodec()
        self.ollama_generate = OllamaGenerateCodec()
        self.vertex_gemini = VertexGeminiCodec()
        self.vertex_anthropic = VertexAnthropicCodec()
        self.start_pipeline(secrets, admin_token=admin_token, journal_limit=journal_limit, faults=self.scenario.faults)
        self.pipeline.admin_actions[("POST", "scenario")] = (self._admin_scenario, "YAML scenario")
        self.pipeline.admin_actions[("POST", "rules")] = (self._admin_rule, "JSON rule")

    # -- what the pipeline asks ----------------------------------------------------------------

    def routes(self) -> list[Route]:
        generate = {codec.protocol: Generate(self, codec) for codec in self._codecs()}
        converse, invoke = Generate(self, self.converse, check_bedrock), Generate(self, self.invoke, check_bedrock)
        bedrock_tokens = CountTokens(self.converse, "bedrock.count_tokens", check_bedrock)
        profiles = Answered(self.converse, None, lambda body: inference_profiles(self.scenario.models), check_bedrock)
        return [
            Route(("GET",), "/", Root(self)),
            Route(("GET",), "/v1/models", Models(self)),
            Route(("POST",), "/v1/chat/completions", generate["openai.chat"]),
            Route(("POST", "WS"), "/v1/responses", generate["openai.responses"]),
            Route(("POST",), "/v1/messages", generate["anthropic.messages"]),
            Route(("POST",), "/v1/messages/count_tokens", CountTokens(self.anthropic, "anthropic.count_tokens")),
            Route(("POST",), "/v1/embeddings", Embeddings(self, self.chat)),
            Route(("POST",), GEMINI_MODEL + ":countTokens", CountTokens(self.gemini, "gemini.count_tokens"), True),
            Route(("POST",), GEMINI_MODEL + r":(?P<method>[A-Za-z]+)", generate["gemini.generate"], True),
            Route(("POST",), BEDROCK_MODEL + "/(?P<action>converse|converse-stream)", converse, True),
            Route(("POST",), BEDROCK_MODEL + "/(?P<action>invoke|invoke-with-response-stream)", invoke, True),
            Route(("POST",), BEDROCK_MODEL + "/count-tokens", bedrock_tokens, True),
            Route(("GET",), "/inference-profiles", profiles),
            *self._azure_routes(),
            *self._ollama_routes(),
            *self._vertex_routes(),
        ]

    def _azure_routes(self) -> list[Route]:
        """Azure's deployments surface (``api-version`` required) and its ``/openai/v1/`` surface."""
        chat, responses = (
            Generate(self, self.azure_chat, check_azure),
            Generate(self, self.azure_responses, check_azure),
        )
        embeddings = Embeddings(self, self.azure_chat, "azure.embeddings", check_azure)
        embeddings_v1 = Embeddings(self, self.azure_chat, "azure.embeddings", check_azure_v1)
        return [
            Route(("POST",), AZURE_DEPLOYMENT + "/chat/completions", chat, True),
            Route(("POST",), AZURE_DEPLOYMENT + "/responses", responses, True),
            Route(("POST",), "/openai/responses", responses),
            Route(("POST",), AZURE_DEPLOYMENT + "/embeddings", embeddings, True),
            Route(("POST",), "/openai/v1/chat/completions", Generate(self, self.azure_chat, check_azure_v1)),
            Route(("POST",), "/openai/v1/responses", Generate(self, self.azure_responses, check_azure_v1)),
            Route(("POST",), "/openai/v1/embeddings", embeddings_v1),
        ]

    def _ollama_routes(self) -> list[Route]:
        codec = self.ollama_chat
        embed = Answered(codec, "ollama.embed", lambda body: embed_response(body, self.dimensions))
        return [
            Route(("POST",), "/api/chat", Generate(self, codec)),
            Route(("POST",), "/api/generate", Generate(self, self.ollama_generate)),
            Route(("POST",), "/api/embed", embed),
            Route(("GET",), "/api/tags", Answered(codec, None, lambda body: tags(self.scenario.models))),
            Route(("POST",), "/api/show", Answered(codec, None, show)),
            Route(("GET",), "/api/version", Answered(codec, None, lambda body: version())),
        ]

    def _vertex_routes(self) -> list[Route]:
        gemini, claude = VERTEX + "google/" + VERTEX_MODEL, VERTEX + "anthropic/"
        gemini_tokens = CountTokens(self.vertex_gemini, "vertex.count_tokens", check_vertex)
        claude_tokens = CountTokens(self.vertex_anthropic, "vertex.count_tokens", check_vertex)
        codec, protocol = self.vertex_gemini, "vertex.embeddings"
        predict = Answered(codec, protocol, lambda body: predict_embeddings(body, self.dimensions), check_vertex)
        embed = Answered(codec, protocol, lambda body: embed_content(body, self.dimensions), check_vertex)
        return [
            Route(("POST",), gemini + ":countTokens", gemini_tokens, True),
            Route(("POST",), gemini + ":predict", predict, True),
            Route(("POST",), gemini + ":embedContent", embed, True),
            Route(
                ("POST",), gemini + r":(?P<method>[A-Za-z]+)", Generate(self, self.vertex_gemini, check_vertex), True
            ),
            Route(("POST",), claude + "models/count-tokens:rawPredict", claude_tokens, True),
            Route(
                ("POST",),
                claude + VERTEX_MODEL + ":(?:rawPredict|streamRawPredict)",
                Generate(self, self.vertex_anthropic, check_vertex),
                True,
            ),
        ]

    @property
    def dimensions(self) -> int:
        """The size of an embedding when the request does not ask for one."""
        return self.scenario.embedding_dimensions

    def _codecs(self) -> tuple[Codec, ...]:
        return (self.chat, self.responses, self.anthropic, self.gemini)

    def shape_for(self, request: Request) -> Endpoint:
        path = request.path
        if path.startswith("/model/"):
            codec: Codec = self.converse
        elif "/publishers/anthropic/" in path:
            codec = self.vertex_anthropic
        elif "/publishers/" in path:
            codec = self.vertex_gemini
        elif path.startswith("/openai/"):
            codec = self.azure_chat
        elif path.startswith("/api/"):
            codec = self.ollama_chat
        elif path.startswith("/v1/messages") or "anthropic-version" in request.headers:
            codec = self.anthropic
        elif path.startswith("/v1beta") or "x-goog-api-key" in request.headers:
            codec = self.gemini
        else:
            codec = self.chat
        return Generate(self, codec)

    def not_found(self, request: Request, found: Found) -> Outcome:
        if found.allowed:
            return super().not_found(request, found)  # the 405 with Allow every mock sends
        path = request.path
        hint = ""
        for known in ("/chat/completions", "/responses", "/messages", "/models", "/embeddings"):
            if path.endswith(known) and not path.startswith("/v1/"):
                hint = f" Did you mean /v1{known}? Point OPENAI_BASE_URL at <mock>/v1 and ANTHROPIC_BASE_URL at <mock>."
        message = f"Unknown route {request.method} {path}.{hint} The mock serves {ROUTES} and {ADMIN_PREFIX}*."
        return self.shape_for(request).error(404, message)

    def scoped(self) -> tuple[Scoped[Any, Any], ...]:
        return (self.rulebook,)

    def blocking(self, request: Request) -> bool:
        """Recording waits on the real upstream; embeddings may be large: both run off the event loop."""
        return (self.tape is not None and self.tape.may_record) or request.path.endswith(
            ("/embeddings", "/api/embed", ":predict", ":embedContent")
        )

    def parse_fault(self, data: Any, source: str) -> Fault:
        return parse_fault(data, source)

    # -- state used by keywords, the CLI and the admin API -------------------------------------

    def load_scenario(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.rulebook.load(scenario.rules)
        self.faults.load(scenario.faults)

    def add_rule(self, rule: Rule, scope_key: str) -> None:
        """Add a rule checked before the scenario's rules until ``scope_key`` ends."""
        self.rulebook.add(rule, scope_key)

    def reset(self) -> None:
        """Forget chains and restart every counter (the pipeline also empties the journal)."""
        self.chains.clear()
        super().reset()

    def rules(self) -> tuple[Rule, ...]:
        return self.rulebook.rules()

    def choose_reply(self, conversation: Conversation) -> tuple[Reply, str]:
        """The reply for a conversation and, when no rule matched, the near-miss explanation."""
        match = self.rulebook.choose(conversation)
        if match.rule is None:
            structured = _structured_reply(conversation)
            if structured is not None:
                return structured, ""
            if self.scenario.strict:
                message = f"{UNMATCHED_PREFIX}; {match.near_miss}."
                return Reply(error=ProviderError(400, message, "invalid_request_error")), match.near_miss
            return self.scenario.default_reply.build(conversation, None), match.near_miss
        return match.reply.build(conversation, match.rule.name), ""

    # -- admin calls of the model mock ---------------------------------------------------------

    def _admin_scenario(self, request: Request, text: str) -> Outcome:
        scenario = scenario_from_text(text, f"POST {ADMIN_PREFIX}scenario")
        self.load_scenario(scenario)
        return Outcome(200, {"loaded": True, "rules": len(scenario.rules), "strict": scenario.strict})

    def _admin_rule(self, request: Request, text: str) -> Outcome:
        data = jsonio.loads(text) if text.strip() else None
        self.add_rule(parse_rule(data, f"POST {ADMIN_PREFIX}rules"), "admin")
        return Outcome(200, {"added": True})


def _structured_reply(conversation: Conversation) -> Reply | None:
    """Schema-valid JSON (or a forced tool call) when the request asks for it and no rule answered."""
    tool = conversation.tool(conversation.forced_tool) if conversation.forced_tool else None
    if tool is not None:
        arguments = example_for(tool.parameters or {"type": "object"})
        call_id = stable_id(conversation.call_id_prefix, conversation.fingerprint)
        return Reply(tool_calls=(ToolCall(call_id, tool.name, arguments),), rule=STRUCTURED_RULE)
    if conversation.response_schema is not None:
        return Reply(text=json.dumps(example_for(conversation.response_schema)), rule=STRUCTURED_RULE)
    return None
