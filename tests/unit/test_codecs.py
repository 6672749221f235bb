"""Codecs: captured requests from real clients parse into the neutral model; replies render."""

from __future__ import annotations

import json

import pytest

from AgentTestLibrary.errors import RequestError
from AgentTestLibrary.mock.http import Event
from AgentTestLibrary.mockllm.conversation import ProviderError, Reply, ToolCall
from AgentTestLibrary.mockllm.protocols import (
    AnthropicMessagesCodec,
    GeminiCodec,
    OpenAIChatCodec,
    OpenAIResponsesCodec,
)
from tests.captures import load_capture

CHAT = OpenAIChatCodec()
MESSAGES = AnthropicMessagesCodec()


def events(raw: list[Event]) -> list[dict[str, object]]:
    """The JSON of each event as it goes out over SSE."""
    parsed = []
    for event in raw:
        data = next(line[6:] for line in event.sse().decode().splitlines() if line.startswith("data: "))
        if data != "[DONE]":
            parsed.append(json.loads(data))
    return parsed


def test_openai_sdk_tool_result_capture() -> None:
    conv = CHAT.parse(load_capture("openai_sdk_chat_tool_result.json")["body"])
    assert conv.protocol == "openai.chat" and conv.provider == "openai"
    assert conv.latest_user_text == 'CALL_TOOL get_weather {"city":"Paris"}'
    assert conv.tool_calls[0].arguments == {"city": "Paris"}
    assert [r.content for r in conv.latest_tool_results] == ["sunny 21C"]
    assert conv.latest_tool_results[0].call_id == conv.tool_calls[0].id
    assert conv.turn == 2
    assert conv.tool_names == ("get_weather",)


def test_llm_cli_streamed_tool_result_capture() -> None:
    conv = CHAT.parse(load_capture("llm_cli_chat_tool_result.json")["body"])
    assert conv.stream and conv.latest_tool_results


def test_claude_code_capture_with_mid_conversation_system_message() -> None:
    conv = MESSAGES.parse(load_capture("claude_code_tool_result.json")["body"])
    assert "CALL_TOOL Bash" in conv.latest_user_text
    assert conv.tool_calls[0].name == "Bash"
    assert conv.latest_tool_results[0].content == "hi"
    assert len(conv.tools) == 25
    assert conv.system.startswith("x-anthropic-billing-header")
    assert conv.turn == 2


def test_claude_code_first_turn_capture() -> None:
    conv = MESSAGES.parse(load_capture("claude_code_first_turn.json")["body"])
    assert conv.stream and conv.turn == 1 and not conv.latest_tool_results


def test_anthropic_sdk_capture_and_count_tokens_is_deterministic() -> None:
    conv = MESSAGES.parse(load_capture("anthropic_sdk_tool_result.json")["body"])
    assert conv.latest_tool_results
    body = load_capture("anthropic_sdk_count_tokens.json")["body"]
    assert MESSAGES.count_tokens(body) == MESSAGES.count_tokens(body)
    assert MESSAGES.count_tokens(body)["input_tokens"] > 0


@pytest.mark.parametrize(
    ("codec", "body", "param"),
    [
        (CHAT, {"messages": [{"role": "user", "content": "x"}]}, "model"),
        (CHAT, {"model": "m"}, "messages"),
        (CHAT, {"model": "m", "messages": []}, "messages"),
        (CHAT, {"model": 3, "messages": [{"role": "user", "content": "x"}]}, "model"),
        (CHAT, {"model": "m", "messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role"),
        (CHAT, {"model": "m", "messages": [{"role": "user", "content": 7}]}, "messages[0].content"),
        (CHAT, {"model": "m", "messages": [{"role": "user", "content": "x"}, "hi"]}, "messages[1]"),
        (CHAT, {"model": "m", "messages": [{"role": "user", "content": "x"}, {"content": "x"}]}, "messages[1]"),
        (
            CHAT,
            {"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "system", "content": 7}]},
            "messages[1].content",
        ),
        (
            CHAT,
            {"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "tool", "content": {}}]},
            "messages[1].content",
        ),
        (
            CHAT,
            {"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [{}]}]},
            "messages[1].tool_calls[0]",
        ),
        (MESSAGES, {"model": "m", "messages": []}, "max_tokens"),
        (MESSAGES, {"model": "m", "max_tokens": "9", "messages": []}, "max_tokens"),
        (MESSAGES, {"model": "m", "max_tokens": 9, "messages": [{"role": "bot"}]}, "messages[0].role"),
        (
            MESSAGES,
            {"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": [{"type": "tool_result"}]}]},
            "messages[0].content[0].tool_use_id",
        ),
    ],
)
def test_malformed_requests_name_the_param(
    codec: OpenAIChatCodec | AnthropicMessagesCodec, body: dict[str, object], param: str
) -> None:
    with pytest.raises(RequestError) as caught:
        codec.parse(body)
    assert caught.value.param == param
    assert param.split("[", maxsplit=1)[0].split(".", maxsplit=1)[0] in caught.value.message


def test_chat_reads_text_given_as_a_string_or_as_parts_alike() -> None:
    def conversation(content: object) -> object:
        return CHAT.parse({"model": "m", "messages": [
            {"role": "system", "content": content}, {"role": "user", "content": content},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "function": {"name": "f"}}]},
            {"role": "tool", "tool_call_id": "c", "content": content}]})  # fmt: skip

    assert conversation("one two") == conversation([{"type": "text", "text": "one two"}])
    assert conversation("one two") != conversation("one")


def test_anthropic_tolerates_unknown_fields_thinking_and_cache_control() -> None:
    body = {
        "model": "m",
        "max_tokens": 5,
        "thinking": {"type": "adaptive"},
        "context_management": {"edits": []},
        "system": [{"type": "text", "text": "sys", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]},
            {
                "role": "assistant",
                "content": [{"type": "thinking", "thinking": "hmm", "signature": "s"}, {"type": "text", "text": "yo"}],
            },
            {"role": "system", "content": "mid-conversation"},
            {"role": "user", "content": "again"},
        ],
    }
    conv = MESSAGES.parse(body)
    assert conv.system == "sys" and conv.latest_user_text == "again" and conv.turn == 2


def test_chat_stream_has_object_index_tool_deltas_and_usage() -> None:
    conv = CHAT.parse({"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True})
    reply = Reply(text="a b c d", tool_calls=(ToolCall("call_1", "t", {"k": "v" * 40}), ToolCall("call_2", "u", {})))
    chunks = events(CHAT.render_events(reply, conv, {"stream_options": {"include_usage": True}}))
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert all(choice["index"] == 0 for chunk in chunks for choice in chunk["choices"])  # type: ignore[union-attr]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])  # type: ignore[index]
    assert text == "a b c d"
    deltas = [
        c["choices"][0]["delta"]["tool_calls"][0]
        for c in chunks
        if c["choices"] and "tool_calls" in c["choices"][0]["delta"]
    ]  # type: ignore[index]
    assert [d["index"] for d in deltas if "id" in d] == [0, 1]
    assert "".join(d["function"]["arguments"] for d in deltas if d["index"] == 0) == json.dumps(
        {"k": "v" * 40}, separators=(",", ":")
    )
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"  # type: ignore[index]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0  # type: ignore[index]


def test_anthropic_stream_event_order() -> None:
    conv = MESSAGES.parse(
        {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}], "stream": True}
    )
    reply = Reply(text="hello", tool_calls=(ToolCall("toolu_1", "t", {"a": 1}),))
    kinds = [e["type"] for e in events(MESSAGES.render_events(reply, conv, {}))]
    assert kinds == [
        "message_start", "ping",
        "content_block_start", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop",
    ]  # fmt: skip
    start = events(MESSAGES.render_events(reply, conv, {}))[0]
    assert start["message"]["content"] == [] and "usage" in start["message"]  # type: ignore[index]


def test_same_input_same_ids_and_usage() -> None:
    conv = CHAT.parse({"model": "m", "messages": [{"role": "user", "content": "x y z"}]})
    first, second = CHAT.render(Reply(text="ok"), conv), CHAT.render(Reply(text="ok"), conv)
    assert first["id"] == second["id"] and first["usage"] == second["usage"]


def test_error_shapes() -> None:
    error = ProviderError(429, "slow down")
    assert CHAT.render_error(error) == {
        "error": {"message": "slow down", "type": "rate_limit_exceeded", "param": None, "code": "rate_limit_exceeded"}
    }
    assert MESSAGES.render_error(error) == {
        "type": "error",
        "error": {"type": "rate_limit_error", "message": "slow down"},
    }
    assert MESSAGES.render_error(ProviderError(529, "busy"))["error"]["type"] == "overloaded_error"


RESPONSES = OpenAIResponsesCodec()
GEMINI = GeminiCodec()


def test_codex_responses_capture_with_function_call_output() -> None:
    conv = RESPONSES.parse(load_capture("codex_responses_tool_result.json")["body"])
    assert conv.protocol == "openai.responses" and conv.stream
    assert conv.system.startswith("You are a coding agent running in the Codex CLI")
    assert conv.tool_calls[0].name == "exec_command"
    assert conv.latest_tool_results[0].call_id == conv.tool_calls[0].id
    assert "hi" in conv.latest_tool_results[0].content
    assert "exec_command" in conv.tool_names and conv.turn == 2


def test_gemini_cli_capture_with_function_response() -> None:
    route = {"model": "gemini-3.8-flash", "method": "streamGenerateContent"}
    conv = GEMINI.parse(load_capture("gemini_cli_stream_tool_result.json")["body"], route)
    assert conv.protocol == "gemini.generate" and conv.provider == "gemini"
    assert "CALL_TOOL run_shell_command" in conv.latest_user_text
    assert conv.tool_calls[0].name == "run_shell_command"
    assert conv.latest_tool_results[0].call_id == conv.tool_calls[0].id
    assert conv.turn == 2


def test_gemini_cli_router_capture_asks_for_a_schema() -> None:
    route = {"model": "gemini-3.5-flash-lite", "method": "generateContent"}
    conv = GEMINI.parse(load_capture("gemini_cli_router_generate_content.json")["body"], route)
    assert conv.response_schema["required"] == ["complexity_reasoning", "complexity_score"]


def test_responses_stream_events_identity_and_order() -> None:
    conv = RESPONSES.parse({"model": "m", "input": "x", "stream": True})
    reply = Reply(text="hi there", tool_calls=(ToolCall("call_1", "t", {"a": 1}),))
    events = [event.data for event in RESPONSES.render_events(reply, conv, {})]
    kinds = [event["type"] for event in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    added = [e["item"] for e in events if e["type"] == "response.output_item.added"]
    done = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    assert [item["id"] for item in added] == [item["id"] for item in done]
    assert added[1]["call_id"] == done[1]["call_id"] == "call_1"
    assert [e["sequence_number"] for e in events] == list(range(len(events)))


def test_gemini_error_shape() -> None:
    error = GEMINI.render_error(ProviderError(429, "slow down"))
    assert error == {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": "x"}, "model"),
        ({"model": "m", "input": 3}, "input"),
        ({"model": "m", "input": [{"type": "message", "role": "robot", "content": "x"}]}, "input[0].role"),
    ],
)
def test_malformed_responses_requests(body: dict[str, object], param: str) -> None:
    with pytest.raises(RequestError) as caught:
        RESPONSES.parse(body)
    assert caught.value.param == param


def test_gemini_cli_failed_tool_result_is_an_error() -> None:
    """Gemini CLI sends a failed tool's result as ``response: {"error": message}`` (its createErrorResponse)."""
    body = load_capture("gemini_cli_stream_tool_result.json")["body"]
    answer = body["contents"][-1]["parts"][0]["functionResponse"]
    failed = {**body, "contents": [*body["contents"][:-1], {"role": "user", "parts": [
        {"functionResponse": {**answer, "response": {"error": "Command exited with code 127"}}}]}]}  # fmt: skip
    route = {"model": "gemini-3.8-flash", "method": "streamGenerateContent"}
    result = GeminiCodec().parse(failed, route).latest_tool_results[0]
    assert (result.content, result.is_error) == ("Command exited with code 127", True)
    assert GeminiCodec().parse(body, route).latest_tool_results[0].is_error is False


def test_a_chat_stream_carries_the_text_or_the_refusal_in_its_deltas() -> None:
    conversation = CHAT.parse({"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]})

    def deltas(reply: Reply, key: str) -> list[str]:
        events = CHAT.render_events(reply, conversation, {})
        return [event.data["choices"][0]["delta"][key] for event in events[1:-2]]

    assert "".join(deltas(Reply("one two three four five"), "content")) == "one two three four five"
    assert "".join(deltas(Reply(refusal="I will not do that."), "refusal")) == "I will not do that."
    events = CHAT.render_events(Reply("ok"), conversation, {})
    assert [event.data["choices"][0]["delta"] for event in events[1:-2]] == [{"content": "ok"}]


@pytest.mark.parametrize("call_id", [["x"], {"a": 1}, 7])
def test_a_responses_call_id_of_any_json_type_is_paired_as_text_never_a_server_error(call_id: object) -> None:
    call = {"type": "function_call", "call_id": call_id, "name": "f", "arguments": "{}"}
    output = {"type": "function_call_output", "call_id": call_id, "output": "done"}
    assert RESPONSES.parse({"model": "m", "input": [call, output]}).tool_results
    with pytest.raises(RequestError, match="No tool call found for function call output with call_id"):
        RESPONSES.parse({"model": "m", "input": [output]})
