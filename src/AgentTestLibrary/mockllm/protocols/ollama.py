"""Ollama: ``POST /api/chat`` and ``/api/generate`` (JSON, or newline-delimited JSON streams, which Ollama
sends unless ``stream`` is false), ``/api/embed``, ``GET /api/tags``, ``POST /api/show``, ``GET /api/version``.

Tool calls carry no ids in Ollama (``{"function": {"name", "arguments"}}``, arguments an object);
a tool's answer names it with ``tool_name``, so the neutral call id is the tool's name. Errors
are ``{"error": "message"}``, which the ``ollama`` client raises as ``ResponseError``.
"""

from __future__ import annotations

import time
from typing import Any

from ...errors import RequestError
from ...mock import jsonio
from ...mock.http import Event
from ..conversation import Conversation, Message, ProviderError, Reply, Tool, ToolCall, ToolResult
from ..embeddings import bounded_vectors
from ..tokens import count_tokens, text_chunks, token_usage
from .base import Unchained, check_fields, parse_arguments, require, shared_tools

NDJSON = "application/x-ndjson"
VERSION = "0.12.6"
DONE_REASONS = {"end_turn": "stop", "tool_use": "stop", "max_tokens": "length", "stop_sequence": "stop"}
UNPARSED_CALLS = frozenset({"truncated_tool_arguments", "invalid_tool_arguments"})  # left in the content as text
CHAT_FIELDS = {
    "messages": "an array", "tools": "an array", "stream": "a boolean", "format": "a string or an object",
    "options": "an object",
}  # fmt: skip
GENERATE_FIELDS = {"prompt": "a string", "system": "a string", "stream": "a boolean",
                   "format": "a string or an object", "options": "an object", "suffix": "a string"}  # fmt: skip
MODIFIED_AT = "2025-01-01T00:00:00Z"
DETAILS = {"parent_model": "", "format": "gguf", "family": "agenttest", "families": ["agenttest"],
           "parameter_size": "1B", "quantization_level": "Q4_0"}  # fmt: skip


def _created_at() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())


class OllamaChatCodec(Unchained):
    protocol = "ollama.chat"
    stream_content_type = NDJSON

    def parse(self, body: Any, params: dict[str, str]) -> Conversation:
        if not isinstance(body, dict):
            raise RequestError("The request body must be a JSON object.")
        model = require(body, "model", str, "a string")
        check_fields(body, CHAT_FIELDS)
        system: list[str] = []
        messages: list[Message] = []
        for index, raw in enumerate(body.get("messages") or []):
            where = f"messages[{index}]"
            if not isinstance(raw, dict) or raw.get("role") not in ("system", "user", "assistant", "tool"):
                raise RequestError(f"'{where}' must be an object with role system, user, assistant or tool.",
                                   param=f"{where}.role")  # fmt: skip
            content = str(raw.get("content") or "")
            role = raw["role"]
            if role == "system":
                system.append(content)
            elif role == "tool":
                messages.append(Message("user", tool_results=(ToolResult(str(raw.get("tool_name") or ""), content),)))
            elif role == "assistant":
                messages.append(Message("assistant", content, self._calls(raw.get("tool_calls"), where)))
            else:
                messages.append(Message("user", content))
        tools = shared_tools(body.get("tools"), self._tools)
        return self._conversation(body, model, tuple(messages), "\n".join(system), tools)

    def _conversation(
        self, body: dict[str, Any], model: str, messages: tuple[Message, ...], system: str, tools: tuple[Tool, ...]
    ) -> Conversation:
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        predict = options.get("num_predict") if options else None
        return Conversation(
            protocol=self.protocol,
            model=model,
            messages=messages,
            system=system,
            tools=tools,
            stream=body.get("stream", True) is not False,
            max_tokens=predict if isinstance(predict, int) and predict > 0 else None,
            response_schema=_schema(body.get("format")),
        )

    @staticmethod
    def _calls(raw: Any, where: str) -> tuple[ToolCall, ...]:
        calls = []
        for index, call in enumerate(raw or []):
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict) or not isinstance(function.get("name"), str):
                raise RequestError(f"'{where}.tool_calls[{index}]' must have a function with a name.",
                                   param=f"{where}.tool_calls[{index}]")  # fmt: skip
            name = function["name"]
            calls.append(ToolCall(name, name, parse_arguments(function.get("arguments", {}))))
        return tuple(calls)

    @staticmethod
    def _tools(raw: Any) -> tuple[Tool, ...]:
        tools = []
        for entry in raw or []:
            function = entry.get("function") if isinstance(entry, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                tools.append(Tool(function["name"], str(function.get("description") or ""), function.get("parameters")))
        return tuple(tools)

    @staticmethod
    def _done(reply: Reply, conversation: Conversation) -> dict[str, Any]:
        prompt, output = token_usage(reply, conversation)
        return {"done": True, "done_reason": DONE_REASONS.get(reply.neutral_stop_reason, "stop"),
                "total_duration": 1000, "load_duration": 100, "prompt_eval_count": prompt,
                "prompt_eval_duration": 100, "eval_count": output, "eval_duration": 100}  # fmt: skip

    def _message(self, text: str, reply: Reply | None, thinking: str = "") -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if thinking:
            message["thinking"] = thinking
        calls = _calls_sent(reply) if reply is not None else ()
        if calls:
            message["tool_calls"] = [{"function": {"name": call.name, "arguments": call.arguments}} for call in calls]
        return message

    def _part(self, conversation: Conversation, text: str, reply: Reply | None, thinking: str = "") -> dict[str, Any]:
        """One answer or stream line without its ``done`` fields (``reply`` given: its tool calls too)."""
        return {"model": conversation.model, "created_at": _created_at(),
                "message": self._message(text, reply, thinking)}  # fmt: skip

    def render(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> dict[str, Any]:
        return {**self._part(conversation, _said(reply), reply, reply.reasoning), **self._done(reply, conversation)}

    def render_events(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> list[Event]:
        lines = [{**self._part(conversation, "", None, piece), "done": False} for piece in text_chunks(reply.reasoning)]
        lines += [{**self._part(conversation, piece, None), "done": False} for piece in text_chunks(_said(reply))]
        if _calls_sent(reply):
            lines.append({**self._part(conversation, "", reply), "done": False})
        lines.append({**self._part(conversation, "", None), **self._done(reply, conversation)})
        return [Event(line, None, jsonio.dumps(line) + b"\n") for line in lines]

    def render_error(self, error: ProviderError) -> dict[str, Any]:
        return {"error": error.message}


class OllamaGenerateCodec(OllamaChatCodec):
    """``/api/generate``: one ``prompt`` (and ``system``) in, ``response`` text out."""

    protocol = "ollama.generate"

    def parse(self, body: Any, params: dict[str, str]) -> Conversation:
        if not isinstance(body, dict):
            raise RequestError("The request body must be a JSON object.")
        model = require(body, "model", str, "a string")
        check_fields(body, GENERATE_FIELDS)
        messages = (Message("user", body["prompt"]),) if body.get("prompt") else ()
        return self._conversation(body, model, messages, str(body.get("system") or ""), ())

    def _part(self, conversation: Conversation, text: str, reply: Reply | None, thinking: str = "") -> dict[str, Any]:
        part = {"model": conversation.model, "created_at": _created_at(), "response": text}
        return {**part, "thinking": thinking} if thinking else part

    def render(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> dict[str, Any]:
        return {**super().render(reply, conversation, body), "context": [1, 2, 3]}


def _calls_sent(reply: Reply) -> tuple[ToolCall, ...]:
    """The tool calls Ollama sends: a call whose JSON it cannot parse (cut or invalid) is not one."""
    return () if reply.misbehaviour in UNPARSED_CALLS else reply.tool_calls


def _said(reply: Reply) -> str:
    """The content: a refusal is the model's text; a call Ollama could not parse stays in it as the model wrote it."""
    if reply.misbehaviour in UNPARSED_CALLS:
        close = "" if reply.misbehaviour == "truncated_tool_arguments" else "}"  # a cut call never closes
        return reply.text + "".join(f'{{"name": "{call.name}", "arguments": {call.arguments_json()}{close}'
                                    for call in reply.tool_calls)  # fmt: skip
    return reply.text or reply.refusal


def _schema(requested: Any) -> Any:
    """``format``: ``"json"`` asks for any JSON object, an object is a JSON schema."""
    if requested == "json":
        return {"type": "object"}
    return requested if isinstance(requested, dict) else None


def embed_response(body: Any, default_dimensions: int) -> dict[str, Any]:
    """``/api/embed``: deterministic vectors for ``input`` (a string or strings), bounded like ``/v1/embeddings``."""
    if not isinstance(body, dict):
        raise RequestError("The request body must be a JSON object.")
    model = require(body, "model", str, "a string")
    raw = body.get("input")
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not texts or not all(isinstance(text, str) for text in texts):
        raise RequestError("'input' must be a string or a non-empty array of strings.", param="input")
    vectors = bounded_vectors(texts, body.get("dimensions") or default_dimensions)
    return {"model": model, "embeddings": vectors, "total_duration": 1000,
            "load_duration": 100, "prompt_eval_count": sum(count_tokens(text) for text in texts)}  # fmt: skip


def tags(models: tuple[str, ...]) -> dict[str, Any]:
    """``GET /api/tags``: the scenario's models as locally pulled ones."""
    return {"models": [{"name": model, "model": model, "modified_at": MODIFIED_AT, "size": 1_000_000,
                        "digest": "0" * 64, "details": DETAILS} for model in models]}  # fmt: skip


def show(body: Any) -> dict[str, Any]:
    """``POST /api/show``: any model is there, with tool calling and completion."""
    if not isinstance(body, dict):
        raise RequestError("The request body must be a JSON object.")
    model = require(body, "model", str, "a string")
    return {"modelfile": f"FROM {model}\n", "parameters": "", "template": "{{ .Prompt }}", "details": DETAILS,
            "model_info": {"general.architecture": "agenttest", "agenttest.context_length": 131072},
            "capabilities": ["completion", "tools"], "modified_at": MODIFIED_AT}  # fmt: skip


def version() -> dict[str, Any]:
    return {"version": VERSION}
