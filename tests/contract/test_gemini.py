"""The official google-genai SDK: generate, stream, function calling round trip, count tokens, errors."""

from __future__ import annotations

import httpx
import pytest
from google import genai
from google.genai import errors, types

from tests.conftest import StartMock

SCENARIO = """
rules:
  - name: call the tool
    when: {provider: gemini, user_text_contains: weather, tool_result: false}
    reply: {tool_calls: [{name: get_weather, arguments: {city: Paris}}]}
  - name: answer with the result
    when: {tool_result_contains: sunny}
    reply: {text: It is sunny in Paris.}
  - name: refuse
    when: {user_text_contains: overload}
    reply: {error: {status: 503, message: try later}}
  - name: plain
    reply: {text: "Hello from Gemini, in several streamed chunks."}
"""
WEATHER = types.Tool(
    function_declarations=[
        types.FunctionDeclaration(
            name="get_weather",
            description="weather",
            parameters_json_schema={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        )
    ]
)


@pytest.fixture
def client(start_mock: StartMock) -> genai.Client:
    server = start_mock(SCENARIO)
    return genai.Client(api_key="fixture-key", http_options=types.HttpOptions(base_url=server.url))


def test_generate(client: genai.Client) -> None:
    response = client.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert response.text == "Hello from Gemini, in several streamed chunks."
    assert response.candidates and response.candidates[0].finish_reason == types.FinishReason.STOP
    assert response.usage_metadata and response.usage_metadata.total_token_count


def test_stream_has_finish_reason_on_last_chunk(client: genai.Client) -> None:
    chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash", contents="hi"))
    assert len(chunks) > 1
    assert "".join(chunk.text or "" for chunk in chunks) == "Hello from Gemini, in several streamed chunks."
    assert chunks[-1].candidates and chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert all(chunk.candidates and chunk.candidates[0].finish_reason is None for chunk in chunks[:-1])


@pytest.mark.parametrize("stream", [False, True])
def test_function_call_round_trip(client: genai.Client, stream: bool) -> None:
    config = types.GenerateContentConfig(tools=[WEATHER])
    contents: list[types.Content] = [types.Content(role="user", parts=[types.Part(text="weather?")])]
    if stream:
        calls = [call for chunk in client.models.generate_content_stream(model="g", contents=contents, config=config)
                 for call in chunk.function_calls or []]  # fmt: skip
    else:
        calls = client.models.generate_content(model="g", contents=contents, config=config).function_calls or []
    assert [(call.name, call.args) for call in calls] == [("get_weather", {"city": "Paris"})]
    assert calls[0].id
    contents.append(types.Content(role="model", parts=[types.Part(function_call=calls[0])]))
    answer = types.FunctionResponse(id=calls[0].id, name="get_weather", response={"output": "sunny"})
    contents.append(types.Content(role="user", parts=[types.Part(function_response=answer)]))
    assert client.models.generate_content(model="g", contents=contents, config=config).text == "It is sunny in Paris."


def test_count_tokens(client: genai.Client) -> None:
    assert client.models.count_tokens(model="g", contents="one two three").total_tokens == 3


def test_error_in_gemini_shape(client: genai.Client) -> None:
    with pytest.raises(errors.ServerError) as caught:
        client.models.generate_content(model="g", contents="overload please")
    assert caught.value.code == 503 and caught.value.status == "UNAVAILABLE"


def test_stream_without_alt_sse_is_a_json_array(start_mock: StartMock) -> None:
    server = start_mock(SCENARIO)
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    chunks = httpx.post(f"{server.url}/v1beta/models/g:streamGenerateContent", json=body).json()
    assert isinstance(chunks, list) and chunks[-1]["candidates"][0]["finishReason"] == "STOP"


def test_missing_contents_is_invalid_argument(start_mock: StartMock) -> None:
    reply = httpx.post(f"{start_mock().url}/v1beta/models/g:generateContent", json={})
    assert reply.status_code == 400
    assert reply.json()["error"]["status"] == "INVALID_ARGUMENT" and "contents" in reply.json()["error"]["message"]


@pytest.mark.parametrize("role", ["assistant", "system"])
def test_an_openai_role_is_refused_as_gemini_refuses_it(client: genai.Client, role: str) -> None:
    """Gemini takes the roles user and model (or none); an agent that sends OpenAI's gets Gemini's own 400."""
    contents = [types.Content(role="user", parts=[types.Part(text="hi")]),
                types.Content(role=role, parts=[types.Part(text="hello")]),
                types.Content(role="user", parts=[types.Part(text="again")])]  # fmt: skip
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="g", contents=contents)
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert caught.value.message == "Please use a valid role: user, model."
    without_role = types.Content(parts=[types.Part(text="hi")])  # no role at all is a user turn
    assert client.models.generate_content(model="g", contents=[without_role]).text


def turn(role: str, *parts: types.Part) -> types.Content:
    return types.Content(role=role, parts=list(parts))


ASKED = types.Part(function_call=types.FunctionCall(name="get_weather", args={"city": "Paris"}))
ANSWER = types.Part(function_response=types.FunctionResponse(name="get_weather", response={"output": "sunny"}))
HI = types.Part(text="weather?")


@pytest.mark.parametrize(
    ("contents", "expected"),
    [
        ([turn("user", HI), turn("user", ANSWER)],
         "Please ensure that function response turn comes immediately after a function call turn."),
        ([turn("user", HI), turn("model", ASKED, ASKED), turn("user", ANSWER)],
         "Please ensure that the number of function response parts is equal to the number of function call parts of "
         "the function call turn."),
        ([turn("user", HI), turn("model", HI), turn("model", ASKED), turn("user", ANSWER)],
         "Please ensure that function call turn comes immediately after a user turn or after a function response "
         "turn."),
    ],
    ids=["response without its call", "fewer responses than calls", "call after a model turn"],
)  # fmt: skip
def test_function_turns_that_do_not_pair_are_refused_as_gemini_refuses_them(
    client: genai.Client, contents: list[types.Content], expected: str
) -> None:
    """An agent that trims or rebuilds its history can break a function call from its response; Gemini answers 400."""
    config = types.GenerateContentConfig(tools=[WEATHER])
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="g", contents=contents, config=config)
    assert (caught.value.code, caught.value.status, caught.value.message) == (400, "INVALID_ARGUMENT", expected)
    paired = [turn("user", HI), turn("model", ASKED), turn("user", ANSWER)]
    assert client.models.generate_content(model="g", contents=paired, config=config).text == "It is sunny in Paris."
