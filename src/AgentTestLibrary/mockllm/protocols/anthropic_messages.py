"""Anthropic Messages: ``POST /v1/messages`` (JSON and SSE) and ``/v1/messages/count_tokens``."""

from __future__ import annotations

import json
from typing import Any

from ...errors import RequestError
from ...mock.http import Event
from ..conversation import Conversation, Message, ProviderError, Reply, Tool, ToolCall, ToolResult
from ..tokens import conversation_tokens, json_chunks, reply_id, stable_id, text_chunks, token_usage
from .base import Unchained, check_fields, require, shared_tools, text_of_parts, uses_tools

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


NO_TEXT_BLOCK = frozenset({"empty", "reasoning_only", "content_filter"})  # misbehaviours whose content has no text

FIELDS = {
    "stream": "a boolean", "max_tokens": "an integer", "system": "a string or an array", "temperature": "a number",
    "top_p": "a number", "top_k": "an integer", "stop_sequences": "an array", "tools": "an array",
    "tool_choice": "an object", "metadata": "an object", "thinking": "an object", "output_format": "an object",
    "output_config": "an object",
}  # fmt: skip


class AnthropicMessagesCodec(Unchained):
    protocol = "anthropic.messages"

    def parse(
        self, body: Any, params: dict[str, str] | None = None, *, require_max_tokens: bool = True
    ) -> Conversation:
        if not isinstance(body, dict):
            raise RequestError("The request body must be a JSON object.")
        model = require(body, "model", str, "a string")
        check_fields(body, FIELDS)
        if require_max_tokens:
            require(body, "max_tokens", int, "an integer")
        raw_messages = require(body, "messages", list, "an array of messages")
        messages = [self._message(raw, f"messages[{index}]") for index, raw in enumerate(raw_messages)]
        if uses_tools(messages):
            _check_tool_results(raw_messages)
        max_tokens = body.get("max_tokens")
        return Conversation(
            protocol=self.protocol,
            model=model,
            messages=tuple(messages),
            system=text_of_parts(body.get("system"), "system"),
            tools=shared_tools(body.get("tools"), self._tools),
            stream=bool(body.get("stream", False)),
            max_tokens=max_tokens if isinstance(max_tokens, int) else None,
            response_schema=_output_schema(body),
            forced_tool=_forced_tool(body.get("tool_choice")),
        )

    @staticmethod
    def _tools(raw: Any) -> tuple[Tool, ...]:
        tools = raw if isinstance(raw, list) else []
        return tuple(Tool(str(tool["name"]), str(tool.get("description", "")), tool.get("input_schema"))
                     for tool in tools if isinstance(tool, dict) and "name" in tool)  # fmt: skip

    @staticmethod
    def _message(raw: Any, where: str) -> Message:
        if not isinstance(raw, dict) or raw.get("role") not in ("user", "assistant", "system"):
            raise RequestError(f"'{where}' must be an object with role 'user' or 'assistant'.", param=f"{where}.role")
        content = raw.get("content")
        if isinstance(content, str):
            return Message.of_parts(raw["role"], [content])
        if not isinstance(content, list):
            raise RequestError(f"'{where}.content' must be a string or a list of blocks.", param=f"{where}.content")
        texts, calls, results = [], [], []
        for index, block in enumerate(content):
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "text":
                texts.append(str(block.get("text", "")))
            elif kind == "tool_use":
                calls.append(ToolCall(str(block.get("id", "")), str(block.get("name", "")), block.get("input", {})))
            elif kind == "tool_result":
                if not isinstance(block.get("tool_use_id"), str):
                    raise RequestError(
                        f"'{where}.content[{index}].tool_use_id' is required on a tool_result block.",
                        param=f"{where}.content[{index}].tool_use_id",
                    )
                results.append(
                    ToolResult(
                        block["tool_use_id"],
                        text_of_parts(_referenced(block.get("content")), f"{where}.content[{index}].content"),
                        bool(block.get("is_error", False)),
                    )
                )
        return Message.of_parts(raw["role"], texts, tuple(calls), tuple(results))

    @staticmethod
    def _usage(reply: Reply, conversation: Conversation) -> dict[str, Any]:
        prompt, output = token_usage(reply, conversation)
        return {"input_tokens": prompt, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                "output_tokens": output}  # fmt: skip

    @staticmethod
    def _blocks(reply: Reply) -> list[dict[str, Any]]:
        """The content blocks; a tool_use block keeps its call's JSON text (``_json``) for the stream's deltas."""
        blocks: list[dict[str, Any]] = []
        if reply.reasoning:
            signature = stable_id("sig_", reply.reasoning, length=32)
            blocks.append({"type": "thinking", "thinking": reply.reasoning, "signature": signature})
        said = reply.text or reply.refusal
        if said or not (reply.tool_calls or reply.misbehaviour in NO_TEXT_BLOCK):
            blocks.append({"type": "text", "text": said})
        blocks.extend({"type": "tool_use", "id": call.id, "name": call.name, "input": _input(call),
                       "_json": call.arguments_json()} for call in reply.tool_calls)  # fmt: skip
        return blocks

    def render(self, reply: Reply, conversation: Conversation, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "id": _message_id(reply, conversation),
            "type": "message",
            "role": "assistant",
            "model": conversation.model,
            "content": [{k: v for k, v in block.items() if k != "_json"} for block in self._blocks(reply)],
            "stop_reason": _stop_reason(reply),
            "stop_sequence": None,
            "usage": self._usage(reply, conversation),
        }

    def render_events(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> list[Event]:
        usage = self._usage(reply, conversation)
        start: dict[str, Any] = {
            "id": _message_id(reply, conversation),
            "type": "message",
            "role": "assistant",
            "model": conversation.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {**usage, "output_tokens": 1},
        }
        events = [
            Event({"type": "message_start", "message": start}, "message_start"),
            Event({"type": "ping"}, "ping"),
        ]
        for index, block in enumerate(self._blocks(reply)):
            opening, deltas = BLOCK_DELTAS[block["type"]](block)
            events.append(
                Event({"type": "content_block_start", "index": index, "content_block": opening}, "content_block_start")
            )
            events.extend(
                Event({"type": "content_block_delta", "index": index, "delta": delta}, "content_block_delta")
                for delta in deltas
            )
            events.append(Event({"type": "content_block_stop", "index": index}, "content_block_stop"))
        delta = {"stop_reason": _stop_reason(reply), "stop_sequence": None}
        events.append(
            Event(
                {"type": "message_delta", "delta": delta, "usage": {"output_tokens": usage["output_tokens"]}},
                "message_delta",
            )
        )
        events.append(Event({"type": "message_stop"}, "message_stop"))
        return events

    def render_error(self, error: ProviderError) -> dict[str, Any]:
        error_type = error.type or ERROR_TYPES.get(
            error.status, "api_error" if error.status >= 500 else "invalid_request_error"
        )
        return {"type": "error", "error": {"type": error_type, "message": error.message}}

    def count_tokens(self, body: Any, params: dict[str, str] | None = None) -> dict[str, Any]:
        return {"input_tokens": conversation_tokens(self.parse(body, params, require_max_tokens=False))}


def _stop_reason(reply: Reply) -> str:
    """Anthropic has no content-filter stop: its safety classifiers stop a turn with ``refusal``."""
    reason = reply.neutral_stop_reason
    return "refusal" if reason == "content_filter" else reason


def _input(call: ToolCall) -> Any:
    """A tool_use block's ``input``: the arguments object; for arguments cut by the token limit, what the SDK's
    partial parse of the streamed JSON gives (``{}``: the value was cut); text that does not parse stays text."""
    if not isinstance(call.arguments, str):
        return call.arguments
    try:
        return json.loads(call.arguments)
    except ValueError:
        return {} if _cut(call.arguments) else call.arguments


def _cut(text: str) -> bool:
    """Whether JSON text ends before its object closes (a truncation) rather than being wrong (invalid)."""
    return not text.rstrip().endswith("}")


def _text_deltas(block: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return {"type": "text", "text": ""}, [{"type": "text_delta", "text": piece} for piece in text_chunks(block["text"])]


def _thinking_deltas(block: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    deltas = [{"type": "thinking_delta", "thinking": piece} for piece in text_chunks(block["thinking"])]
    return {"type": "thinking", "thinking": "", "signature": ""}, [
        *deltas,
        {"type": "signature_delta", "signature": block["signature"]},
    ]


def _tool_deltas(block: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    opening = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
    return opening, [{"type": "input_json_delta", "partial_json": piece} for piece in json_chunks(block["_json"])]


BLOCK_DELTAS = {"text": _text_deltas, "thinking": _thinking_deltas, "tool_use": _tool_deltas}


def _check_tool_results(raw_messages: list[dict[str, Any]]) -> None:
    """Anthropic's rule for tool blocks, with its own 400s: each ``tool_use`` of an assistant turn is answered by a
    ``tool_result`` in the next turn, and each ``tool_result`` answers a ``tool_use`` of the turn before. Consecutive
    messages of one role are one turn, as Anthropic combines them; system messages (Claude Code sends some) stand
    anywhere."""
    used: list[str] = []  # the tool_use ids of the turn before
    for start, role, blocks in _turns(raw_messages):
        answered = []
        for index, position, block in blocks:
            if block.get("type") == "tool_result":
                answer = str(block.get("tool_use_id"))
                if answer not in used:
                    raise RequestError(f"messages.{index}.content.{position}: unexpected `tool_use_id` found in "
                                       f"`tool_result` blocks: {answer}. Each `tool_result` block must have a "
                                       "corresponding `tool_use` block in the previous message.")  # fmt: skip
                answered.append(answer)
        missing = [call for call in used if call not in answered]
        if missing:
            raise RequestError(f"messages.{start}: `tool_use` ids were found without `tool_result` blocks immediately "
                               f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding "
                               "`tool_result` block in the next message.")  # fmt: skip
        is_assistant = role == "assistant"
        used = [str(block.get("id")) for _, _, block in blocks if is_assistant and block.get("type") == "tool_use"]


Turn = tuple[int, str, list[tuple[int, int, dict[str, Any]]]]  # first message's index, role, (index, position, block)


def _turns(raw_messages: list[dict[str, Any]]) -> list[Turn]:
    """The conversation's turns: consecutive messages of one role together, system messages left out."""
    turns: list[Turn] = []
    for index, raw in enumerate(raw_messages):
        if raw["role"] == "system":
            continue
        if not turns or turns[-1][1] != raw["role"]:
            turns.append((index, raw["role"], []))
        content = raw.get("content")
        if isinstance(content, list):
            turns[-1][2].extend((index, position, block) for position, block in enumerate(content)
                                if isinstance(block, dict))  # fmt: skip
    return turns


def _message_id(reply: Reply, conversation: Conversation) -> str:
    return reply_id("msg_", conversation, reply)


def _referenced(content: Any) -> Any:
    """A tool result's content with each ``tool_reference`` block (a deferred tool that Claude Code's ToolSearch
    loaded, advanced-tool-use beta) as the text of the tool's name."""
    if not isinstance(content, list):
        return content
    return [
        {"type": "text", "text": str(part.get("tool_name", ""))}
        if isinstance(part, dict) and part.get("type") == "tool_reference"
        else part
        for part in content
    ]


def _output_schema(body: dict[str, Any]) -> Any:
    """Structured outputs: ``output_format`` or ``output_config.format`` of type json_schema."""
    config = body.get("output_config")
    for candidate in (body.get("output_format"), config.get("format") if isinstance(config, dict) else None):
        if isinstance(candidate, dict) and candidate.get("type") == "json_schema":
            return candidate.get("schema", {})
    return None


def _forced_tool(choice: Any) -> str | None:
    if isinstance(choice, dict) and choice.get("type") == "tool" and isinstance(choice.get("name"), str):
        return str(choice["name"])
    return None
