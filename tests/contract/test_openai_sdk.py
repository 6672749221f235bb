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
