"""The official anthropic SDK parses every response and stream the mock produces."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from tests.conftest import StartMock

TOOLS = [
    {
        "name": "get_weather",
        "description": "weather",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
SCENARIO = """
rules:
  - name: text then tool
    when: {user_text_contains: weather, tool_result: false}
    reply:
      text: Let me check.
      tool_calls: [{name: get_weather, arguments: {city: Paris, days: [1, 2]}}]
  - name: summarise
    when: {tool_result_contains: sunny}
    reply: {text: It is sunny in Paris., usage: {input_tokens: 42, output_tokens: 7}}
  - name: plain
    when: {}
    reply: {text: "Hello from the mock, with several words to stream."}
"""


@pytest.fixture
def client(start_mock: StartMock) -> anthropic.Anthropic:
    server = start_mock(SCENARIO)
    return anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test", max_retries=0)


def test_create(client: anthropic.Anthropic) -> None:
    message = client.messages.create(
        model="claude-opus-4-8", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    )
    assert message.content[0].type == "text" and message.content[0].text.startswith("Hello from the mock")
    assert message.stop_reason == "end_turn" and message.usage.input_tokens > 0


def test_raw_stream_events(client: anthropic.Anthropic) -> None:
    events = list(
        client.messages.create(
            model="claude-opus-4-8", max_tokens=100, messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )
    kinds = [event.type for event in events]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert "content_block_stop" in kinds and "message_delta" in kinds


def test_stream_helper_final_message(client: anthropic.Anthropic) -> None:
    with client.messages.stream(
        model="claude-opus-4-8", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Hello from the mock, with several words to stream."
    assert final.content[0].text == text  # type: ignore[union-attr]


@pytest.mark.parametrize("stream", [False, True])
def test_tool_round_trip(client: anthropic.Anthropic, stream: bool) -> None:
    messages: list[dict[str, object]] = [{"role": "user", "content": "weather please"}]
    request = {"model": "claude-opus-4-8", "max_tokens": 100, "tools": TOOLS, "messages": messages}
    if stream:
        with client.messages.stream(**request) as events:  # type: ignore[arg-type]
            message = events.get_final_message()
    else:
        message = client.messages.create(**request)  # type: ignore[call-overload]
    assert [block.type for block in message.content] == ["text", "tool_use"]
    call = message.content[1]
    assert call.name == "get_weather" and call.input == {"city": "Paris", "days": [1, 2]}  # type: ignore[union-attr]
    assert message.stop_reason == "tool_use"
    messages.append({"role": "assistant", "content": [block.model_dump() for block in message.content]})
    messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"}]})  # type: ignore[union-attr]
    final = client.messages.create(**request)  # type: ignore[call-overload]
    assert final.content[0].text == "It is sunny in Paris."
    assert (final.usage.input_tokens, final.usage.output_tokens) == (42, 7)


def test_count_tokens_is_deterministic(client: anthropic.Anthropic) -> None:
    counts = {
        client.messages.count_tokens(
            model="claude-opus-4-8", messages=[{"role": "user", "content": "one two three"}]
        ).input_tokens
        for _ in range(3)
    }
    assert counts == {3}


def test_models_in_anthropic_shape(client: anthropic.Anthropic) -> None:
    page = client.models.list()
    assert [model.id for model in page.data] == ["gpt-4o-mini", "claude-opus-4-8"]
    assert page.has_more is False


def test_scripted_overloaded_error(start_mock: StartMock) -> None:
    server = start_mock("rules:\n  - reply: {error: {status: 529, message: try later}}\n")
    client = anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test", max_retries=0)
    with pytest.raises(anthropic.APIStatusError) as caught:
        client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 529
    assert caught.value.body == {"type": "error", "error": {"type": "overloaded_error", "message": "try later"}}


def test_invalid_request_is_bad_request(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError, match="messages"):
        client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=[{"role": "robot", "content": "hi"}])  # type: ignore[misc,list-item]


ASK = {"role": "user", "content": "weather?"}
USE = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}
RESULT = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (
            [{"role": "user", "content": [{"type": "text", "text": "hi"}, RESULT]}],
            "messages.0.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_1. Each `tool_result` "
            "block must have a corresponding `tool_use` block in the previous message.",
        ),
        (
            [ASK, {"role": "assistant", "content": [USE]}, {"role": "user", "content": "and now?"}],
            "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1. Each "
            "`tool_use` block must have a corresponding `tool_result` block in the next message.",
        ),
    ],
    ids=["result without its call", "call without its result"],
)
def test_a_history_whose_tool_blocks_do_not_pair_is_refused_as_anthropic_refuses_it(
    client: anthropic.Anthropic, messages: list[dict[str, Any]], expected: str
) -> None:
    """An agent that trims or rebuilds its history can break a tool_use from its tool_result; Anthropic answers 400."""
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=20, messages=messages)  # type: ignore[arg-type]
    assert caught.value.body["error"] == {"type": "invalid_request_error", "message": expected}  # type: ignore[index]
    answered = [ASK, {"role": "assistant", "content": [USE]}, {"role": "user", "content": [RESULT]}]
    assert client.messages.create(model="claude-sonnet-4-5", max_tokens=20, messages=answered).content  # type: ignore[arg-type]


def test_results_across_consecutive_user_messages_answer_the_turn_before(client: anthropic.Anthropic) -> None:
    """Anthropic combines consecutive messages of one role into one turn: results split across them still pair."""
    second = {**USE, "id": "toolu_2"}
    history: Any = [ASK, {"role": "assistant", "content": [USE, second]}, {"role": "user", "content": [RESULT]},
                    {"role": "user", "content": [{**RESULT, "tool_use_id": "toolu_2"}]}]  # fmt: skip
    assert client.messages.create(model="claude-sonnet-4-5", max_tokens=20, messages=history).content
    with pytest.raises(anthropic.BadRequestError, match=r"messages\.2: `tool_use` ids were found .*: toolu_2\."):
        client.messages.create(model="claude-sonnet-4-5", max_tokens=20, messages=[*history[:3], ASK])
