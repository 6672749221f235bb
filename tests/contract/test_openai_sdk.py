"""The official openai SDK parses every response and stream the mock produces."""

from __future__ import annotations

import json

import openai
import pytest

from tests.conftest import StartMock

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]
SCENARIO = """
rules:
  - name: two parallel calls
    when: {user_text_contains: weather in two cities, tool_result: false}
    reply:
      tool_calls:
        - {name: get_weather, arguments: {city: Paris}}
        - {name: get_weather, arguments: {city: Oslo}}
  - name: one call
    when: {user_text_contains: weather, tool_result: false}
    reply:
      tool_calls: [{name: get_weather, arguments: {city: Paris}}]
  - name: summarise
    when: {tool_result_contains: sunny}
    reply: {text: "It is sunny in Paris."}
  - name: plain
    when: {}
    reply: {text: "Hello from the mock, with several words to stream."}
"""


@pytest.fixture
def client(start_mock: StartMock) -> openai.OpenAI:
    server = start_mock(SCENARIO)
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-test", max_retries=0)


def test_create(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert completion.choices[0].message.content == "Hello from the mock, with several words to stream."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens > 0


def test_stream_with_usage(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == "Hello from the mock, with several words to stream."
    assert len(chunks) > 3
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_stream_helper(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == "Hello from the mock, with several words to stream."


@pytest.mark.parametrize("stream", [False, True])
def test_tool_round_trip(client: openai.OpenAI, stream: bool) -> None:
    messages: list[dict[str, object]] = [{"role": "user", "content": "What is the weather?"}]
    if stream:
        with client.chat.completions.stream(model="gpt-4o-mini", messages=messages, tools=TOOLS) as events:  # type: ignore[arg-type]
            message = events.get_final_completion().choices[0].message
    else:
        message = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0].message  # type: ignore[arg-type]
    assert message.tool_calls and message.tool_calls[0].function.name == "get_weather"  # type: ignore[union-attr]
    assert json.loads(message.tool_calls[0].function.arguments) == {"city": "Paris"}  # type: ignore[union-attr]
    messages.append(message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "sunny 21C"})
    final = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)  # type: ignore[arg-type]
    assert final.choices[0].message.content == "It is sunny in Paris."


def test_parallel_tool_calls_streamed(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "weather in two cities"}],
        tools=TOOLS,  # type: ignore[arg-type]
    ) as events:
        calls = events.get_final_completion().choices[0].message.tool_calls
    assert calls is not None
    assert [json.loads(call.function.arguments)["city"] for call in calls] == ["Paris", "Oslo"]  # type: ignore[union-attr]
    assert len({call.id for call in calls}) == 2


def test_models(client: openai.OpenAI) -> None:
    assert [model.id for model in client.models.list()] == ["gpt-4o-mini", "claude-opus-4-8"]


def test_strict_unmatched_raises_bad_request_with_near_miss(start_mock: StartMock) -> None:
    server = start_mock("rules:\n  - {name: only, when: {model: other}, reply: {text: x}}\n")
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-test", max_retries=0)
    with pytest.raises(
        openai.BadRequestError, match=r"closest was rule 'only'.*model is 'gpt-4o-mini', rule wants 'other'"
    ):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])


CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
ASKED: list[dict[str, object]] = [{"role": "user", "content": "weather?"},
                                  {"role": "assistant", "content": None, "tool_calls": [CALL]}]  # fmt: skip


@pytest.mark.parametrize(
    ("messages", "expected", "param"),
    [
        (
            [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}],
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
            "'tool_calls'.",
            "messages.[1].role",
        ),
        (
            [*ASKED, {"role": "tool", "tool_call_id": "call_9", "content": "sunny"}],
            "Invalid parameter: 'tool_call_id' of 'call_9' not found in 'tool_calls' of previous message.",
            None,
        ),
        (
            [*ASKED, {"role": "user", "content": "and now?"}],
            "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
            "'tool_call_id'. The following tool_call_ids did not have response messages: call_1",
            None,
        ),
    ],
    ids=["result without its call", "result of another call", "call without its result"],
)
def test_a_history_whose_tool_calls_and_results_do_not_pair_is_refused_as_openai_refuses_it(
    client: openai.OpenAI, messages: list[dict[str, object]], expected: str, param: str | None
) -> None:
    """An agent that trims or rebuilds its history can break a call from its result; OpenAI answers 400."""
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)  # type: ignore[arg-type]
    assert caught.value.message.endswith(expected) and caught.value.param == param
    answered = [*ASKED, {"role": "system", "content": "note"}, {"role": "tool", "tool_call_id": "call_1",
                                                                 "content": "sunny"}]  # fmt: skip
    assert client.chat.completions.create(model="gpt-4o-mini", messages=answered).choices  # type: ignore[arg-type]
