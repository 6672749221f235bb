"""OpenAI Responses: ``POST /v1/responses`` (JSON and SSE) and the same events over WebSocket.

``previous_response_id`` chaining is resolved by the application, which keeps each
response's conversation; this codec only parses the new input and renders events.
"""

from __future__ import annotations

import time
from typing import Any

from ...errors import RequestError
from ...mock.http import Event
from ..conversation import Conversation, Message, ProviderError, Reply, Tool, ToolCall, ToolResult
from ..tokens import count_tokens, json_chunks, reply_id, stable_id, text_chunks, token_usage
from .base import check_fields, parse_arguments, require, shared_tools, text_of_parts, text_parts, uses_tools
from .openai_chat import OpenAIChatCodec

FIELDS = {
    "stream": "a boolean", "input": "a string or an array", "instructions": "a string",
    "previous_response_id": "a string", "max_output_tokens": "an integer", "temperature": "a number",
    "top_p": "a number", "tools": "an array", "tool_choice": "a string or an object", "text": "an object",
    "parallel_tool_calls": "a boolean", "store": "a boolean", "metadata": "an object", "reasoning": "an object",
    "include": "an array", "truncation": "a string", "user": "a string", "background": "a boolean",
    "prompt_cache_key": "a string",
}  # fmt: skip


NAMESPACE_JOIN = "__"
INCOMPLETE = {"max_tokens": "max_output_tokens", "content_filter": "content_filter"}  # stop -> incomplete_details
NO_MESSAGE = frozenset({"empty", "reasoning_only", "content_filter"})  # misbehaviours whose output has no message


class OpenAIResponsesCodec:
    protocol = "openai.responses"
    stream_content_type = "text/event-stream"

    def parse(self, body: Any, params: dict[str, str] | None = None) -> Conversation:
        if not isinstance(body, dict):
            raise RequestError("The request body must be a JSON object.")
        model = require(body, "model", str, "a string")
        check_fields(body, FIELDS)
        if "input" not in body and "messages" in body:
            raise RequestError(
                "'messages' is a Chat Completions field; /v1/responses takes 'input' (a string or input items).",
                param="messages",
            )
        raw_input = body.get("input", [])
        items = [{"role": "user", "content": raw_input}] if isinstance(raw_input, str) else raw_input
        if not isinstance(items, list):
            raise RequestError("'input' must be a string or an array of input items.", param="input")
        system: list[str] = [body["instructions"]] if isinstance(body.get("instructions"), str) else []
        messages: list[Message] = []
        for index, item in enumerate(items):
            self._item(item, f"input[{index}]", system, messages)
        if uses_tools(messages):
            _check_tool_outputs(items, chained=bool(self.previous_response(body)))
        text_format = (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
        schema = None
        if isinstance(text_format, dict) and text_format.get("type") == "json_schema":
            schema = text_format.get("schema", {})
        elif isinstance(text_format, dict) and text_format.get("type") == "json_object":
            schema = {"type": "object"}
        return Conversation(
            protocol=self.protocol,
            model=model,
            messages=tuple(messages),
            system="\n".join(part for part in system if part),
            tools=shared_tools(body.get("tools"), self._tools),
            stream=bool(body.get("stream", False)),
            max_tokens=body.get("max_output_tokens") if isinstance(body.get("max_output_tokens"), int) else None,
            response_schema=schema,
            forced_tool=_forced_tool(body.get("tool_choice")),
        )

    @staticmethod
    def _item(item: Any, where: str, system: list[str], messages: list[Message]) -> None:
        """Messages, function calls and their outputs count; other items (reasoning, Codex's
        additional_tools and configuration_update, web search calls ...) are tolerated and skipped."""
        if not isinstance(item, dict):
            raise RequestError(f"'{where}' must be an object.", param=where)
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            texts = text_parts(item.get("content"), f"{where}.content")
            if role in ("system", "developer"):
                system.append("\n".join(texts))
            elif role in ("user", "assistant"):
                messages.append(Message.of_parts(role, texts))
            else:
                raise RequestError(
                    f"'{where}.role' is {role!r}; expected user, assistant, system or developer.", param=f"{where}.role"
                )
        elif kind == "function_call":
            name = str(item.get("name", ""))
            if item.get("namespace"):
                name = f"{item['namespace']}{NAMESPACE_JOIN}{name}"
            call = ToolCall(str(item.get("call_id", "")), name, parse_arguments(item.get("arguments", "")))
            if messages and messages[-1].role == "assistant":
                last = messages[-1]
                messages[-1] = Message("assistant", last.text, (*last.tool_calls, call))
            else:
                messages.append(Message("assistant", tool_calls=(call,)))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output", "")
            result = ToolResult(
                str(item.get("call_id", "")), output if isinstance(output, str) else text_of_parts(output, where)
            )
            if messages and messages[-1].role == "user" and messages[-1].tool_results and not messages[-1].text:
                messages[-1] = Message("user", tool_results=(*messages[-1].tool_results, result))
            else:
                messages.append(Message("user", tool_results=(result,)))

    @staticmethod
    def _tools(raw: Any) -> tuple[Tool, ...]:
        """Function tools, and the tools inside ``namespace`` tools as ``<namespace>__<name>`` (Codex's MCP
        servers arrive as namespace ``mcp__<server>``, so scenarios name the tool ``mcp__<server>__<tool>``
        as they do for Claude Code)."""
        tools: list[Tool] = []
        for tool in raw if isinstance(raw, list) else []:
            if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
                continue
            if tool.get("type") == "namespace" and isinstance(tool.get("tools"), list):
                space = tool["name"]
                inside = [
                    item for item in tool["tools"] if isinstance(item, dict) and isinstance(item.get("name"), str)
                ]
                tools.extend(Tool(f"{space}{NAMESPACE_JOIN}{inner['name']}", str(inner.get("description", "")),
                                  inner.get("parameters"), space) for inner in inside)  # fmt: skip
            else:
                tools.append(Tool(tool["name"], str(tool.get("description", "")), tool.get("parameters")))
        return tuple(tools)

    # -- rendering ----------------------------------------------------------------------------

    def response_id(self, reply: Reply, conversation: Conversation) -> str:
        """Kept on the conversation for its reply: the endpoint (to chain from) and the rendering both ask."""
        kept = conversation.__dict__.get("_response_id")
        if kept is not None and kept[0] is reply:
            return str(kept[1])
        response_id = reply_id("resp_", conversation, reply)
        conversation.__dict__["_response_id"] = (reply, response_id)
        return response_id

    def _output(self, reply: Reply, response_id: str, conversation: Conversation) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        status = "incomplete" if reply.neutral_stop_reason in INCOMPLETE else "completed"
        if reply.reasoning:
            items.append({"type": "reasoning", "id": stable_id("rs_", response_id),
                          "summary": [{"type": "summary_text", "text": reply.reasoning}]})  # fmt: skip
        if reply.refusal:
            part: dict[str, Any] = {"type": "refusal", "refusal": reply.refusal}
        else:
            part = {"type": "output_text", "text": reply.text, "annotations": [], "logprobs": []}
        if reply.text or reply.refusal or not (reply.tool_calls or reply.misbehaviour in NO_MESSAGE):
            items.append({"type": "message", "id": stable_id("msg_", response_id), "status": status,
                          "role": "assistant", "content": [part]})  # fmt: skip
        spaces = {tool.name: tool.namespace for tool in conversation.tools if tool.namespace}
        for index, call in enumerate(reply.tool_calls):
            item = {"type": "function_call", "id": stable_id("fc_", response_id, index), "call_id": call.id,
                    "name": call.name, "arguments": call.arguments_json(), "status": status}  # fmt: skip
            space = spaces.get(call.name)
            if space:
                item["name"], item["namespace"] = call.name[len(space) + len(NAMESPACE_JOIN) :], space
            items.append(item)
        return items

    @staticmethod
    def _started(conversation: Conversation, body: dict[str, Any], response_id: str) -> dict[str, Any]:
        """The response as it begins (in progress, no output, no usage); every later state is a copy of it."""
        return {
            "id": response_id,
            "object": "response",
            "created_at": int(time.time()),
            "status": "in_progress",
            "error": None,
            "incomplete_details": None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "model": conversation.model,
            "output": [],
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {"effort": None, "summary": None},
            "store": body.get("store", True),
            "temperature": 1.0,
            "text": body.get("text") or {"format": {"type": "text"}},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools") or [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": None,
            "metadata": body.get("metadata") or {},
        }

    @staticmethod
    def _finished(
        started: dict[str, Any], reply: Reply, conversation: Conversation, status: str, output: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The started response with its final status, output and usage (the keys keep their places)."""
        prompt, completion = token_usage(reply, conversation)
        usage = {
            "input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": completion,
            "output_tokens_details": {"reasoning_tokens": count_tokens(reply.reasoning)},
            "total_tokens": prompt + completion,
        }
        incomplete = {"reason": INCOMPLETE[reply.neutral_stop_reason]} if status == "incomplete" else None
        return {**started, "status": status, "incomplete_details": incomplete, "output": output, "usage": usage}

    def render(self, reply: Reply, conversation: Conversation, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response_id = self.response_id(reply, conversation)
        output = self._output(reply, response_id, conversation)
        started = self._started(conversation, body or {}, response_id)
        return self._finished(started, reply, conversation, _final_status(reply), output)

    def render_events(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> list[Event]:
        """The typed events in the real order; the SSE and WebSocket transports share them."""
        response_id = self.response_id(reply, conversation)  # worked out once: every event names it
        output = self._output(reply, response_id, conversation)
        started = self._started(conversation, body, response_id)
        events: list[dict[str, Any]] = [
            {"type": "response.created", "response": started},
            {"type": "response.in_progress", "response": dict(started)},
        ]
        for index, item in enumerate(output):
            events.extend(ITEM_EVENTS[item["type"]](index, item))
        status = _final_status(reply)
        events.append({"type": f"response.{status}",
                       "response": self._finished(started, reply, conversation, status, output)})  # fmt: skip
        return _numbered(events)

    def warm_up_events(self, response_id: str, conversation: Conversation, body: dict[str, Any]) -> list[Event]:
        """An empty completed response: what a ``generate: false`` warm-up frame gets."""
        started = self._started(conversation, body, response_id)
        completed = self._finished(started, Reply(), conversation, "completed", [])
        return _numbered([{"type": "response.created", "response": started},
                          {"type": "response.completed", "response": completed}])  # fmt: skip

    def render_error(self, error: ProviderError) -> dict[str, Any]:
        return OpenAIChatCodec().render_error(error)

    def error_headers(self, error: ProviderError) -> list[tuple[str, str]]:
        return []

    def previous_response(self, body: dict[str, Any]) -> str | None:
        previous = body.get("previous_response_id")
        return previous if isinstance(previous, str) and previous else None

    def array_stream(self, query: dict[str, list[str]]) -> bool:
        return False


def _check_tool_outputs(items: list[dict[str, Any]], chained: bool) -> None:
    """OpenAI's rule for tool items, with its own 400s: a function call's output answers a call before it (in the
    input, or, with ``previous_response_id``, perhaps in the responses chained before: not checked then), and a
    function call in the input has its output there. Any ``*_call`` item's ``call_id`` counts as a call (Codex's
    custom and shell tools)."""
    called: set[str] = set()
    answered: set[str] = set()
    for item in items:
        kind, call_id = str(item.get("type", "message")), str(item.get("call_id"))  # an id of any JSON type
        if kind in ("function_call_output", "custom_tool_call_output"):
            if call_id not in called and not chained:
                raise RequestError(f"No tool call found for function call output with call_id {call_id}.",
                                   param="input")  # fmt: skip
            answered.add(call_id)
        elif kind.endswith("_call"):
            called.add(call_id)
    for item in items:
        if item.get("type") == "function_call" and str(item.get("call_id")) not in answered:
            raise RequestError(f"No tool output found for function call {item.get('call_id')}.", param="input")


def _final_status(reply: Reply) -> str:
    return "incomplete" if reply.neutral_stop_reason in INCOMPLETE else "completed"


def _message_events(index: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    """A message item's events: its one part (output text, or a refusal) added, streamed in deltas, done."""
    part = item["content"][0]
    kind, field = ("refusal", "refusal") if part["type"] == "refusal" else ("output_text", "text")
    text = part[field]
    extra: dict[str, Any] = {} if kind == "refusal" else {"logprobs": []}
    where = {"item_id": item["id"], "output_index": index, "content_index": 0}
    return [
        {"type": "response.output_item.added", "output_index": index,
         "item": {**item, "status": "in_progress", "content": []}},
        {"type": "response.content_part.added", **where, "part": {**part, field: ""}},
        *({"type": f"response.{kind}.delta", **where, "delta": piece, **extra} for piece in text_chunks(text)),
        {"type": f"response.{kind}.done", **where, field: text, **extra},
        {"type": "response.content_part.done", **where, "part": part},
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]  # fmt: skip


def _call_events(index: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    """A function call item's events: added with empty arguments, the arguments in deltas, done."""
    where = {"item_id": item["id"], "output_index": index}
    return [
        {"type": "response.output_item.added", "output_index": index,
         "item": {**item, "status": "in_progress", "arguments": ""}},
        *({"type": "response.function_call_arguments.delta", **where, "delta": piece}
          for piece in json_chunks(item["arguments"])),
        {"type": "response.function_call_arguments.done", **where, "name": item["name"],
         "arguments": item["arguments"]},
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]  # fmt: skip


def _reasoning_events(index: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    """A reasoning item's events: added, its summary part added, the summary text in deltas, done."""
    text = item["summary"][0]["text"]
    where = {"item_id": item["id"], "output_index": index, "summary_index": 0}
    return [
        {"type": "response.output_item.added", "output_index": index, "item": {**item, "summary": []}},
        {"type": "response.reasoning_summary_part.added", **where, "part": {"type": "summary_text", "text": ""}},
        *({"type": "response.reasoning_summary_text.delta", **where, "delta": piece} for piece in text_chunks(text)),
        {"type": "response.reasoning_summary_text.done", **where, "text": text},
        {"type": "response.reasoning_summary_part.done", **where, "part": {"type": "summary_text", "text": text}},
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]  # fmt: skip


ITEM_EVENTS = {"message": _message_events, "function_call": _call_events, "reasoning": _reasoning_events}


def _forced_tool(choice: Any) -> str | None:
    if isinstance(choice, dict) and choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return str(choice["name"])
    return None


def _numbered(events: list[dict[str, Any]]) -> list[Event]:
    """The events numbered in place: every dict given here is built for this one response."""
    for number, event in enumerate(events):
        event["sequence_number"] = number
    return [Event(event, event["type"]) for event in events]
