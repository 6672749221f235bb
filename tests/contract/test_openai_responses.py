"""The official openai SDK against the Responses API: create, stream, helpers, tools, chaining."""

from __future__ import annotations

import openai
import pytest

from tests.conftest import StartMock

TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
SCENARIO = """
rules:
  - name: call the tool
    when: {user_text_contains: weather, tool_result: false}
    reply: {tool_calls: [{name: get_weather, arguments: {city: Paris}}]}
  - name: answer with the result
    when: {tool_result_contains: sunny}
    reply: {text: It is sunny in Paris.}
  - name: remembers the instructions
    when: {system_contains: pirate}
    reply: {text: "Arr, several words to stream here."}
  - name: plain
    reply: {text: Hello from the Responses API.}
"""


@pytest.fixture
def client(start_mock: StartMock) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{start_mock(SCENARIO).url}/v1", api_key="sk-test", max_retries=0)


def test_create_with_string_input(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-5", input="hi")
    assert response.output_text == "Hello from the Responses API."
    assert response.status == "completed" and response.usage is not None and response.usage.total_tokens > 0


def test_instructions_are_the_system_prompt(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-5", input="hi", instructions="Talk like a pirate.")
    assert response.output_text == "Arr, several words to stream here."


def test_raw_stream_event_order_and_sequence_numbers(client: openai.OpenAI) -> None:
    events = list(client.responses.create(model="gpt-5", input="hi", instructions="pirate", stream=True))
    kinds = [event.type for event in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert kinds.index("response.output_item.added") < kinds.index("response.content_part.added")
    assert kinds.index("response.content_part.added") < kinds.index("response.output_text.delta")
    assert kinds.index("response.output_item.done") < kinds.index("response.completed")
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert events[-1].response.id == events[0].response.id  # type: ignore[union-attr]


def test_stream_helper(client: openai.OpenAI) -> None:
    with client.responses.stream(model="gpt-5", input="hi") as stream:
        deltas = [event.delta for event in stream if event.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == "Hello from the Responses API."


@pytest.mark.parametrize("stream", [False, True])
def test_function_call_round_trip_with_full_history(client: openai.OpenAI, stream: bool) -> None:
    if stream:
        with client.responses.stream(model="gpt-5", input="weather?", tools=TOOLS) as events:  # type: ignore[arg-type]
            first = events.get_final_response()
    else:
        first = client.responses.create(model="gpt-5", input="weather?", tools=TOOLS)  # type: ignore[arg-type]
    call = first.output[0]
    assert call.type == "function_call" and call.name == "get_weather" and call.arguments == '{"city":"Paris"}'
    history = [
        {"role": "user", "content": "weather?"},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"},
    ]
    second = client.responses.create(model="gpt-5", input=history, tools=TOOLS)  # type: ignore[arg-type]
    assert second.output_text == "It is sunny in Paris."


def test_previous_response_id_chaining_with_only_new_items(client: openai.OpenAI) -> None:
    first = client.responses.create(model="gpt-5", input="weather?", tools=TOOLS)  # type: ignore[arg-type]
    call = first.output[0]
    assert call.type == "function_call"
    output = {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}
    second = client.responses.create(model="gpt-5", previous_response_id=first.id, input=[output], tools=TOOLS)  # type: ignore[arg-type,list-item]
    assert second.output_text == "It is sunny in Paris."
    assert second.previous_response_id == first.id


def test_unknown_previous_response_id_is_a_clear_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="previous_response_id 'resp_nope' is unknown to this mock"):
        client.responses.create(model="gpt-5", previous_response_id="resp_nope", input="hi")


def test_tolerates_codex_fields_and_input_items(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-5",
        input=[
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "be brief"}]},
            {"type": "additional_tools", "tools": []},  # type: ignore[list-item]
            {"type": "configuration_update", "config": {}},  # type: ignore[list-item]
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        ],
        store=False,
        include=["reasoning.encrypted_content"],
        reasoning={"summary": "auto"},
        extra_body={"prompt_cache_key": "k", "client_metadata": {"a": "b"}},
    )
    assert response.output_text == "Hello from the Responses API."


ASK = {"role": "user", "content": "weather?"}
CALL = {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}
OUTPUT = {"type": "function_call_output", "call_id": "call_1", "output": "sunny"}


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([ASK, {**OUTPUT, "call_id": "call_9"}], "No tool call found for function call output with call_id call_9."),
        ([ASK, CALL, {"role": "user", "content": "and?"}], "No tool output found for function call call_1."),
    ],
    ids=["output without its call", "call without its output"],
)
def test_input_whose_calls_and_outputs_do_not_pair_is_refused_as_openai_refuses_it(
    client: openai.OpenAI, items: list[dict[str, str]], expected: str
) -> None:
    """An agent that trims or rebuilds its input can break a call from its output; OpenAI answers 400."""
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-5", input=items)  # type: ignore[arg-type]
    assert (caught.value.message.endswith(expected), caught.value.param) == (True, "input")
    assert client.responses.create(model="gpt-5", input=[ASK, CALL, OUTPUT]).output_text == "It is sunny in Paris."  # type: ignore[arg-type]
