"""Google Gemini: ``POST /v1beta/models/{model}:generateContent``, ``:streamGenerateContent``
(SSE with ``alt=sse``, else a JSON array) and ``:countTokens``."""

from __future__ import annotations

import json
from typing import Any

from ...errors import RequestError
from ...mock.http import Event
from ..conversation import Conversation, Message, ProviderError, Reply, Tool, ToolCall, ToolResult
from ..tokens import conversation_tokens, count_tokens, reply_id, text_chunks, token_usage
from .base import check_fields, shared_tools, uses_tools

FINISH_REASONS = {"end_turn": "STOP", "tool_use": "STOP", "max_tokens": "MAX_TOKENS", "stop_sequence": "STOP",
                  "refusal": "STOP", "content_filter": "SAFETY"}  # fmt: skip
# Gemini's args are always an object: arguments that do not parse never reach the client, the API says so instead.
MALFORMED_CALL = {
    "finishReason": "MALFORMED_FUNCTION_CALL",
    "finishMessage": "Malformed function call: the arguments the model wrote are not valid JSON.",
}
BLOCKED_RATINGS = [
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
]
FINISH_BY_MISBEHAVIOUR: dict[str, dict[str, Any]] = {
    "content_filter": {"safetyRatings": BLOCKED_RATINGS},
    "invalid_tool_arguments": MALFORMED_CALL,
}
NO_CALL_PARTS = frozenset({"invalid_tool_arguments", "truncated_tool_arguments"})  # a cut or bad call is not sent
STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


FIELDS = {
    "contents": "an array", "generationConfig": "an object", "systemInstruction": "a string or an object",
    "tools": "an array", "toolConfig": "an object", "safetySettings": "an array", "cachedContent": "a string",
}  # fmt: skip


class GeminiCodec:
    protocol = "gemini.generate"
    stream_content_type = "text/event-stream"

    def parse(self, body: Any, params: dict[str, str] | None = None) -> Conversation:
        """``params``: the route's ``model`` and ``method`` (streamGenerateContent streams)."""
        route = params or {}
        model, stream = route.get("model", ""), route.get("method") == "streamGenerateContent"
        if not isinstance(body, dict):
            raise RequestError("The request body must be a JSON object.")
        check_fields(body, FIELDS)
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            raise RequestError("'contents' is required: a non-empty array of {role, parts}.", param="contents")
        messages = [self._content(content, f"contents[{index}]") for index, content in enumerate(contents)]
        if uses_tools(messages):
            _check_function_turns(contents)
        config = body.get("generationConfig") or {}
        schema = config.get("responseJsonSchema") or config.get("responseSchema") if isinstance(config, dict) else None
        if schema is None and isinstance(config, dict) and config.get("responseMimeType") == "application/json":
            schema = {"type": "object"}
        return Conversation(
            protocol=self.protocol,
            model=model,
            messages=tuple(messages),
            system=_parts_text(body.get("systemInstruction")),
            tools=shared_tools(body.get("tools"), self._tools),
            stream=stream,
            max_tokens=config.get("maxOutputTokens") if isinstance(config, dict) else None,
            response_schema=schema,
            forced_tool=_forced_tool(body.get("toolConfig")),
        )

    @staticmethod
    def _content(content: Any, where: str) -> Message:
        if not isinstance(content, dict) or not isinstance(content.get("parts"), list):
            raise RequestError(f"'{where}' must be an object with a 'parts' array.", param=f"{where}.parts")
        sent = content.get("role")
        if sent not in (None, "", "user", "model"):  # Gemini's own answer to an OpenAI role ("assistant", "system")
            raise RequestError("Please use a valid role: user, model.", param=f"{where}.role")
        role = "assistant" if sent == "model" else "user"
        texts, calls, results = [], [], []
        for part in content["parts"]:
            if not isinstance(part, dict) or part.get("thought"):
                continue
            if isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif isinstance(part.get("functionCall"), dict):
                call = part["functionCall"]
                calls.append(
                    ToolCall(
                        str(call.get("id") or call.get("name", "")), str(call.get("name", "")), call.get("args", {})
                    )
                )
            elif isinstance(part.get("functionResponse"), dict):
                results.append(_tool_result(part["functionResponse"]))
        return Message.of_parts(role, texts, tuple(calls), tuple(results))

    @staticmethod
    def _tools(raw: Any) -> tuple[Tool, ...]:
        tools = []
        for group in raw or []:
            for declaration in (group.get("functionDeclarations") or []) if isinstance(group, dict) else []:
                if isinstance(declaration, dict) and isinstance(declaration.get("name"), str):
                    schema = declaration.get("parametersJsonSchema", declaration.get("parameters"))
                    tools.append(Tool(declaration["name"], str(declaration.get("description", "")), schema))
        return tuple(tools)

    def _usage(self, reply: Reply, conversation: Conversation) -> dict[str, int]:
        prompt, output = token_usage(reply, conversation)
        usage = {"promptTokenCount": prompt, "candidatesTokenCount": output, "totalTokenCount": prompt + output}
        if reply.reasoning:
            usage["thoughtsTokenCount"] = count_tokens(reply.reasoning)
        return usage

    def _chunk(
        self, parts: list[dict[str, Any]], reply: Reply, conversation: Conversation, last: bool, response_id: str
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if not parts and reply.misbehaviour == "content_filter":
            del candidate["content"]  # a blocked candidate carries no content at all
        elif not parts:
            del candidate["content"]["parts"]
        data: dict[str, Any] = {"candidates": [candidate]}
        if last:
            candidate["finishReason"] = FINISH_REASONS.get(reply.neutral_stop_reason, "STOP")
            candidate.update(FINISH_BY_MISBEHAVIOUR.get(reply.misbehaviour, {}))
            data["usageMetadata"] = self._usage(reply, conversation)
        data["modelVersion"] = conversation.model
        data["responseId"] = response_id
        return data

    @staticmethod
    def _call_parts(reply: Reply) -> list[dict[str, Any]]:
        if reply.misbehaviour in NO_CALL_PARTS:
            return []
        return [
            {"functionCall": {"id": call.id, "name": call.name, "args": call.arguments}} for call in reply.tool_calls
        ]

    @staticmethod
    def _said(reply: Reply) -> str:
        """Gemini has no refusal field: a refusal is the model's text."""
        return reply.text or reply.refusal

    def render(self, reply: Reply, conversation: Conversation, body: dict[str, Any] | None = None) -> dict[str, Any]:
        said = self._said(reply)
        thought = [{"text": reply.reasoning, "thought": True}] if reply.reasoning else []
        text = [{"text": said}] if said or not (reply.tool_calls or reply.misbehaviour) else []
        parts: list[dict[str, Any]] = [*thought, *text, *self._call_parts(reply)]
        return self._chunk(parts, reply, conversation, last=True, response_id=_response_id(reply, conversation))

    def render_chunks(self, reply: Reply, conversation: Conversation) -> list[dict[str, Any]]:
        said = self._said(reply)
        pieces: list[list[dict[str, Any]]] = [
            [{"text": piece, "thought": True}] for piece in text_chunks(reply.reasoning)
        ]
        pieces.extend([{"text": piece}] for piece in text_chunks(said))
        calls = self._call_parts(reply)
        if calls or not pieces:
            pieces.append(calls or ([] if reply.misbehaviour else [{"text": ""}]))
        response_id = _response_id(reply, conversation)  # every chunk names the same response
        return [
            self._chunk(parts, reply, conversation, last=index == len(pieces) - 1, response_id=response_id)
            for index, parts in enumerate(pieces)
        ]

    def render_events(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> list[Event]:
        return [Event(chunk) for chunk in self.render_chunks(reply, conversation)]

    def render_error(self, error: ProviderError) -> dict[str, Any]:
        status = error.type or STATUSES.get(error.status, "INTERNAL" if error.status >= 500 else "INVALID_ARGUMENT")
        return {"error": {"code": error.status, "message": error.message, "status": status}}

    def error_headers(self, error: ProviderError) -> list[tuple[str, str]]:
        return []

    def count_tokens(self, body: Any, params: dict[str, str] | None = None) -> dict[str, Any]:
        request = body.get("generateContentRequest", body) if isinstance(body, dict) else body
        return {"totalTokens": conversation_tokens(self.parse(request, params))}

    def previous_response(self, body: dict[str, Any]) -> str | None:
        return None

    def response_id(self, reply: Reply, conversation: Conversation) -> str | None:
        return None

    def array_stream(self, query: dict[str, list[str]]) -> bool:
        """``:streamGenerateContent`` without ``alt=sse`` answers with one JSON array of chunks."""
        return query.get("alt") != ["sse"]


def _response_id(reply: Reply, conversation: Conversation) -> str:
    return reply_id("", conversation, reply)


def _check_function_turns(contents: list[dict[str, Any]]) -> None:
    """Gemini's rule for function turns, with its own 400s: a turn of function calls follows a user turn, and the
    turn after it answers every call (one function response part each); a turn of function responses follows a
    turn of function calls."""
    calls = 0  # the function call parts of the turn before
    for index, content in enumerate(contents):
        parts = [part for part in content["parts"] if isinstance(part, dict)]
        asked = sum(1 for part in parts if isinstance(part.get("functionCall"), dict))
        answered = sum(1 for part in parts if isinstance(part.get("functionResponse"), dict))
        if answered and not calls:
            raise RequestError("Please ensure that function response turn comes immediately after a function call "
                               "turn.")  # fmt: skip
        if calls and answered != calls:
            raise RequestError("Please ensure that the number of function response parts is equal to the number of "
                               "function call parts of the function call turn.")  # fmt: skip
        if asked and (index == 0 or contents[index - 1].get("role") == "model"):
            raise RequestError("Please ensure that function call turn comes immediately after a user turn or after a "
                               "function response turn.")  # fmt: skip
        calls = asked if content.get("role") == "model" else 0


def _tool_result(answer: dict[str, Any]) -> ToolResult:
    """A functionResponse: ``{"output": ...}`` from a tool that ran, ``{"error": ...}`` from one that failed
    (Gemini CLI's error response), or any other object, kept whole."""
    response = answer.get("response", {})
    failed = isinstance(response, dict) and "error" in response and "output" not in response
    if isinstance(response, dict):
        output = response["error"] if failed else response.get("output", response)
    else:
        output = response
    content = output if isinstance(output, str) else json.dumps(output)
    return ToolResult(str(answer.get("id") or answer.get("name", "")), content, failed)


def _parts_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict) and isinstance(content.get("parts"), list):
        return "\n".join(
            part["text"] for part in content["parts"] if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _forced_tool(config: Any) -> str | None:
    calling = config.get("functionCallingConfig") if isinstance(config, dict) else None
    if (
        isinstance(calling, dict)
        and calling.get("mode") == "ANY"
        and len(calling.get("allowedFunctionNames") or []) == 1
    ):
        return str(calling["allowedFunctionNames"][0])
    return None
