"""Azure OpenAI: Chat Completions and Responses under ``/openai/deployments/{deployment}/...?api-version=``,
``/openai/responses`` and the ``/openai/v1/...`` surface.

The OpenAI codecs parse and render; here the deployment name becomes the model (what rules and
the journal see), successes carry Azure's content-filter annotations (``prompt_filter_results``,
each choice's ``content_filter_results``; a stream opens with the prompt's), and errors take
Azure's shape: ``{"error": {"code", "message"}}``, and for ``type: content_filter`` the 400 with
``innererror.content_filter_result`` that Azure sends when a prompt is filtered.
"""

from __future__ import annotations

from typing import Any

from ...mock.http import Event
from ..conversation import Conversation, ProviderError, Reply
from .openai_chat import OpenAIChatCodec
from .openai_responses import OpenAIResponsesCodec

SAFE = {"filtered": False, "severity": "safe"}
UNDETECTED = {"filtered": False, "detected": False}
PROMPT_FILTERS = {"hate": SAFE, "jailbreak": UNDETECTED, "self_harm": SAFE, "sexual": SAFE, "violence": SAFE}
COMPLETION_FILTERS = {
    "hate": SAFE, "protected_material_code": UNDETECTED, "protected_material_text": UNDETECTED, "self_harm": SAFE,
    "sexual": SAFE, "violence": SAFE,
}  # fmt: skip
PROMPT_FILTER_RESULTS = [{"prompt_index": 0, "content_filter_results": PROMPT_FILTERS}]
# What a choice stopped by the filter (finish_reason content_filter) carries: the category that was filtered.
FILTERED_COMPLETION = {**COMPLETION_FILTERS, "violence": {"filtered": True, "severity": "high"}}
CONTENT_FILTER = "content_filter"


def with_deployment(body: Any, params: dict[str, str]) -> Any:
    """The body with the deployment as its ``model`` (Azure ignores the body's; the OpenAI codecs require one)."""
    deployment = params.get("deployment")
    return {**body, "model": deployment} if deployment and isinstance(body, dict) else body


class AzureErrors:
    """Azure OpenAI's error shapes, shared by its codecs."""

    def render_error(self, error: ProviderError) -> dict[str, Any]:
        if error.type == CONTENT_FILTER:
            flagged = {**PROMPT_FILTERS, "jailbreak": {"filtered": True, "detected": True}}
            inner = {"code": "ResponsibleAIPolicyViolation", "content_filter_result": flagged}
            return {"error": {"message": error.message, "type": None, "param": "prompt", "code": CONTENT_FILTER,
                              "status": error.status, "innererror": inner}}  # fmt: skip
        body: dict[str, Any] = {"code": error.type or str(error.status), "message": error.message}
        if error.param:
            body["param"] = error.param
        return {"error": body}

    def error_headers(self, error: ProviderError) -> list[tuple[str, str]]:
        return []


class AzureChatCodec(AzureErrors, OpenAIChatCodec):
    protocol = "azure.chat"

    def parse(self, body: Any, params: dict[str, str] | None = None) -> Conversation:
        return super().parse(with_deployment(body, params or {}), params)

    def render(self, reply: Reply, conversation: Conversation, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = super().render(reply, conversation, body)
        data["prompt_filter_results"] = PROMPT_FILTER_RESULTS
        for choice in data["choices"]:
            choice["content_filter_results"] = _filters(choice["finish_reason"])
        return data

    def render_events(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> list[Event]:
        opening = {"choices": [], "created": 0, "id": "", "model": "", "object": "",
                   "prompt_filter_results": PROMPT_FILTER_RESULTS}  # fmt: skip
        events = super().render_events(reply, conversation, body)
        for index, event in enumerate(events):  # the chunk the filter stopped says which category it filtered
            choices = event.data.get("choices") if isinstance(event.data, dict) else None
            if choices and choices[0].get("finish_reason") == CONTENT_FILTER:
                stopped = {**choices[0], "content_filter_results": FILTERED_COMPLETION}
                events[index] = Event({**event.data, "choices": [stopped]})
        return [Event(opening), *events]


def _filters(finish_reason: str | None) -> dict[str, Any]:
    return FILTERED_COMPLETION if finish_reason == CONTENT_FILTER else COMPLETION_FILTERS


class AzureResponsesCodec(AzureErrors, OpenAIResponsesCodec):
    protocol = "azure.responses"

    def parse(self, body: Any, params: dict[str, str] | None = None) -> Conversation:
        return super().parse(with_deployment(body, params or {}), params)
