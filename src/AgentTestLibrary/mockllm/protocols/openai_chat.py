"""OpenAI Chat Completions: ``POST /v1/chat/completions``, JSON and SSE."""

from __future__ import annotations

import time
from typing import Any

from ...errors import RequestError
from ...mock.http import Event
from ..conversation import Conversation, Message, ProviderError, Reply, Tool, ToolCall, ToolResult
from ..tokens import count_tokens, json_chunks, reply_id, text_chunks, token_usage
from .base import Unchained, check_fields, parse_arguments, require, shared_tools, text_of_parts, text_parts, uses_tools

FINISH_REASONS = {"end_turn": "stop", "tool_use": "tool_calls", "max_tokens": "length", "stop_sequence": "stop",
                  "refusal": "stop", "content_filter": "content_filter"}  # fmt: skip
SAID_NOTHING = frozenset({"empty", "reasoning_only"})  # content "" (not null): the model answered, with nothing
DONE = Event("[DONE]")  # the stream's last event: one object for every stream (events are never changed in place)
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "invalid_request_error",
    429: "rate_limit_exceeded",
}


FIELDS = {
    "stream": "a boolean", "stream_options": "an object", "max_tokens": "an integer",
    "max_completion_tokens": "an integer", "temperature": "a number", "top_p": "a number", "n": "an integer",
    "tools": "an array", "functions": "an array", "tool_choice": "a string or an object",
    "response_format": "an object", "parallel_tool_calls": "a boolean", "metadata": "an object", "user": "a string",
    "seed": "an integer", "stop": "a string or an array", "presence_penalty": "a number",
    "frequency_penalty": "a number", "logprobs": "a boolean", "store": "a boolean",
}  # fmt: skip


class OpenAIChatCodec(Unchained):
    protocol = "openai.chat"

    def parse(self, body: Any, params: dict[str, str] | None = None) -> Conversation:
        if not isinstance(body, dict):
            raise RequestError("The request body must be a JSON object.")
        model = require(body, "model", str, "a string")
        check_fields(body, FIELDS)
        raw_messages = require(body, "messages", list, "an array of messages")
        if not raw_messages:
            raise RequestError("'messages' must contain at least one message.", param="messages")
        system: list[str] = []
        messages: list[Message] = []
        for index, raw in enumerate(raw_messages):  # a message's place is named only when it is wrong
            role = raw.get("role") if isinstance(raw, dict) else None
            if not isinstance(role, str):
                raise RequestError(f"'messages[{index}]' must be an object with a string 'role'.",
                                   param=f"messages[{index}]")  # fmt: skip
            content = raw.get("content")
            if role in ("system", "developer"):
                system.append(content if isinstance(content, str) else text_of_parts(content, _where(index)))
            elif role == "user":
                texts = [content] if isinstance(content, str) else text_parts(content, _where(index))
                messages.append(Message.of_parts("user", texts))
            elif role == "assistant":
                messages.append(self._assistant(raw, f"messages[{index}]"))
            elif role in ("tool", "function"):
                result = ToolResult(
                    call_id=str(raw.get("tool_call_id") or raw.get("name") or ""),
                    content=content if isinstance(content, str) else text_of_parts(content, _where(index)),
                )
                if messages and messages[-1].role == "user" and messages[-1].tool_results and not messages[-1].text:
                    messages[-1] = Message("user", tool_results=(*messages[-1].tool_results, result))
                else:
                    messages.append(Message("user", tool_results=(result,)))
            else:
                raise RequestError(
                    f"'messages[{index}].role' is '{role}'; expected system, developer, user, assistant or tool.",
                    param=f"messages[{index}].role",
                )
        if uses_tools(messages):
            _check_tool_replies(raw_messages)
        stream = bool(body.get("stream", False))
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        return Conversation(
            protocol=self.protocol,
            model=model,
            messages=tuple(messages),
            system="\n".join(filter(None, system)),
            tools=shared_tools(self._definitions(body), self._tools),
            stream=stream,
            max_tokens=max_tokens if isinstance(max_tokens, int) else None,
            response_schema=_response_schema(body.get("response_format")),
            forced_tool=_forced_tool(body.get("tool_choice")),
        )

    @staticmethod
    def _assistant(raw: dict[str, Any], where: str) -> Message:
        calls = []
        for index, call in enumerate(raw.get("tool_calls") or []):
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict) or not isinstance(function.get("name"), str):
                raise RequestError(
                    f"'{where}.tool_calls[{index}]' must have a function with a name.",
                    param=f"{where}.tool_calls[{index}]",
                )
            calls.append(
                ToolCall(str(call.get("id", "")), function["name"], parse_arguments(function.get("arguments", "")))
            )
        return Message("assistant", text_of_parts(raw.get("content"), f"{where}.content"), tool_calls=tuple(calls))

    @staticmethod
    def _definitions(body: dict[str, Any]) -> list[Any] | None:
        """The request's ``tools`` and its (older) ``functions``, when it sends either."""
        tools, functions = body.get("tools"), body.get("functions")
        return [tools, functions] if tools or functions else None

    @staticmethod
    def _tools(raw: list[Any] | None) -> tuple[Tool, ...]:
        if raw is None:
            return ()
        tools = []
        for entry in raw[0] or []:
            function = entry.get("function") if isinstance(entry, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                tools.append(Tool(function["name"], str(function.get("description", "")), function.get("parameters")))
        for function in raw[1] or []:
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                tools.append(Tool(function["name"], str(function.get("description", "")), function.get("parameters")))
        return tuple(tools)

    @staticmethod
    def _tool_calls(reply: Reply) -> list[dict[str, Any]]:
        return [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_json()},
            }
            for call in reply.tool_calls
        ]

    def _usage(self, reply: Reply, conversation: Conversation) -> dict[str, Any]:
        prompt, completion = token_usage(reply, conversation)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": count_tokens(reply.reasoning)},
        }

    def render(self, reply: Reply, conversation: Conversation, body: dict[str, Any] | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": _content(reply), "refusal": reply.refusal or None}
        if reply.tool_calls:
            message["tool_calls"] = self._tool_calls(reply)
        return {
            "id": _completion_id(reply, conversation),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": conversation.model,
            "system_fingerprint": "fp_agenttest",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": FINISH_REASONS.get(reply.neutral_stop_reason, "stop"),
                }
            ],
            "usage": self._usage(reply, conversation),
        }

    def render_events(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> list[Event]:
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        head = {
            "id": _completion_id(reply, conversation),
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": conversation.model,
            "system_fingerprint": "fp_agenttest",
        }  # what every chunk starts with

        def chunk(delta: dict[str, Any], finish: str | None = None) -> Event:
            data = {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            if include_usage:
                data["usage"] = None
            return Event(data)

        content = "" if _content(reply) is not None else None
        events = [chunk({"role": "assistant", "content": content, "refusal": "" if reply.refusal else None})]
        events += [chunk({"content": piece}) for piece in text_chunks(reply.text)]
        if reply.refusal:  # most replies refuse nothing: no chunks to make
            events += [chunk({"refusal": piece}) for piece in text_chunks(reply.refusal)]
        for index, call in enumerate(reply.tool_calls):
            opening = {
                "index": index,
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            events.append(chunk({"tool_calls": [opening]}))
            events.extend(
                chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                for piece in json_chunks(call.arguments_json())
            )
        events.append(chunk({}, FINISH_REASONS.get(reply.neutral_stop_reason, "stop")))
        if include_usage:
            events.append(Event({**head, "choices": [], "usage": self._usage(reply, conversation)}))
        events.append(DONE)
        return events

    def render_error(self, error: ProviderError) -> dict[str, Any]:
        error_type = error.type or ERROR_TYPES.get(
            error.status, "server_error" if error.status >= 500 else "invalid_request_error"
        )
        return {"error": {"message": error.message, "type": error_type, "param": error.param, "code": error_type}}


def _content(reply: Reply) -> str | None:
    return reply.text or ("" if reply.misbehaviour in SAID_NOTHING else None)


def _completion_id(reply: Reply, conversation: Conversation) -> str:
    return reply_id("chatcmpl-", conversation, reply)


def _check_tool_replies(raw_messages: list[Any]) -> None:
    """OpenAI's rule for tool messages, with its own 400s: the tool messages after an assistant message with
    ``tool_calls`` answer each of its calls (by ``tool_call_id``) before any other message; a tool message answers
    a call of that assistant message. System and developer messages are let through anywhere."""
    unanswered: list[str] = []  # the latest assistant message's call ids not answered yet
    answerable: set[str] = set()  # its call ids, while only tool messages have followed it
    for index, raw in enumerate(raw_messages):
        role = raw.get("role")
        if role in ("system", "developer", "function"):
            continue
        if role == "tool":
            if not answerable:
                raise RequestError("Invalid parameter: messages with role 'tool' must be a response to a preceeding "
                                   "message with 'tool_calls'.", param=f"messages.[{index}].role")  # fmt: skip
            call_id = str(raw.get("tool_call_id"))
            if call_id not in answerable:
                raise RequestError(f"Invalid parameter: 'tool_call_id' of '{call_id}' not found in 'tool_calls' of "
                                   "previous message.")  # fmt: skip
            if call_id in unanswered:
                unanswered.remove(call_id)
            continue
        if unanswered:
            raise RequestError("An assistant message with 'tool_calls' must be followed by tool messages responding to "
                               "each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                               f"{', '.join(unanswered)}")  # fmt: skip
        calls = raw.get("tool_calls") if role == "assistant" else None
        unanswered = (
            [str(call.get("id")) for call in calls if isinstance(call, dict)] if isinstance(calls, list) else []
        )
        answerable = set(unanswered)


def _where(index: int) -> str:
    return f"messages[{index}].content"


def _response_schema(response_format: Any) -> Any:
    if not isinstance(response_format, dict):
        return None
    if response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema")
        return spec.get("schema", {}) if isinstance(spec, dict) else {}
    return {"type": "object"} if response_format.get("type") == "json_object" else None


def _forced_tool(choice: Any) -> str | None:
    function = choice.get("function") if isinstance(choice, dict) else None
    return str(function["name"]) if isinstance(function, dict) and isinstance(function.get("name"), str) else None
