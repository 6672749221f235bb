"""Vertex AI against the official clients, offline with fixture credentials: google-genai with ``vertexai=True``
(Gemini under ``publishers/google``) and ``anthropic.AnthropicVertex`` (Claude's ``rawPredict`` /
``streamRawPredict`` under ``publishers/anthropic``); plain, streamed, tools, token counts, errors, auth."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
import pytest
from google import genai
from google.genai import errors, types
from google.oauth2.credentials import Credentials

from AgentTestLibrary.mockllm import MockServer
from AgentTestLibrary.mockllm.scenario import parse_fault

SCENARIO = """
rules:
  - name: call the tool
    when: {user_text_contains: weather, tool_result: false}
    reply: {tool_calls: [{name: get_weather, arguments: {city: Paris}}]}
  - name: answer with the result
    when: {tool_result_contains: sunny}
    reply: {text: It is sunny in Paris.}
  - name: plain
    when: {provider: vertex}
    reply: {text: "Hello from Vertex, in several streamed chunks."}
"""
HELLO = "Hello from Vertex, in several streamed chunks."
PROJECT, LOCATION = "fixture-project", "us-east5"
CLAUDE = "claude-sonnet-4-5@20250929"
WEATHER = types.Tool(function_declarations=[types.FunctionDeclaration(
    name="get_weather", description="weather",
    parameters_json_schema={"type": "object", "properties": {"city": {"type": "string"}}})])  # fmt: skip


@pytest.fixture
def gemini(server: MockServer) -> genai.Client:
    return genai.Client(vertexai=True, project=PROJECT, location=LOCATION, credentials=Credentials(token="fixture"),
                        http_options=types.HttpOptions(base_url=server.url, retry_options=None))  # fmt: skip


@pytest.fixture
def claude(server: MockServer) -> anthropic.AnthropicVertex:
    return anthropic.AnthropicVertex(region=LOCATION, project_id=PROJECT, access_token="fixture-token",
                                     base_url=f"{server.url}/v1", max_retries=0)  # fmt: skip


def test_gemini_generate_and_stream(gemini: genai.Client, server: MockServer) -> None:
    assert gemini.models.generate_content(model="gemini-2.5-flash", contents="hi").text == HELLO
    chunks = list(gemini.models.generate_content_stream(model="gemini-2.5-flash", contents="hi"))
    assert len(chunks) > 1 and "".join(chunk.text or "" for chunk in chunks) == HELLO
    first = server.app.journal.entries()[0]
    assert first.path.startswith(f"/v1beta1/projects/{PROJECT}/locations/{LOCATION}/publishers/google/models/")
    assert (first.protocol, first.subject.model) == ("vertex.gemini", "gemini-2.5-flash")
    assert first.headers["authorization"] != "Bearer fixture"  # the journal redacts the token


@pytest.mark.parametrize("stream", [False, True])
def test_gemini_function_call_round_trip(gemini: genai.Client, stream: bool) -> None:
    config = types.GenerateContentConfig(tools=[WEATHER])
    contents: list[types.Content] = [types.Content(role="user", parts=[types.Part(text="weather?")])]
    if stream:
        calls = [call for chunk in gemini.models.generate_content_stream(model="g", contents=contents, config=config)
                 for call in chunk.function_calls or []]  # fmt: skip
    else:
        calls = gemini.models.generate_content(model="g", contents=contents, config=config).function_calls or []
    assert [(call.name, call.args) for call in calls] == [("get_weather", {"city": "Paris"})]
    contents.append(types.Content(role="model", parts=[types.Part(function_call=calls[0])]))
    answer = types.FunctionResponse(id=calls[0].id, name="get_weather", response={"output": "sunny"})
    contents.append(types.Content(role="user", parts=[types.Part(function_response=answer)]))
    assert gemini.models.generate_content(model="g", contents=contents, config=config).text == "It is sunny in Paris."


def test_gemini_count_tokens_and_errors(gemini: genai.Client, server: MockServer) -> None:
    assert gemini.models.count_tokens(model="g", contents="one two three").total_tokens == 3
    server.app.add_fault(parse_fault({"status": 429, "message": "Resource exhausted."}, "test"), "test")
    with pytest.raises(errors.ClientError) as caught:
        gemini.models.generate_content(model="g", contents="hi")
    assert (caught.value.code, caught.value.status) == (429, "RESOURCE_EXHAUSTED")


def test_claude_raw_predict_and_stream(claude: anthropic.AnthropicVertex, server: MockServer) -> None:
    messages: Any = [{"role": "user", "content": "hi"}]
    assert claude.messages.create(model=CLAUDE, max_tokens=20, messages=messages).content[0].text == HELLO  # type: ignore[union-attr]
    with claude.messages.stream(model=CLAUDE, max_tokens=20, messages=messages) as stream:
        assert "".join(stream.text_stream) == HELLO
    paths = [entry.path for entry in server.app.journal.entries()]
    prefix = f"/v1/projects/{PROJECT}/locations/{LOCATION}/publishers/anthropic/models/"
    assert [path.removeprefix(prefix).split(":")[-1] for path in paths] == ["rawPredict", "streamRawPredict"]
    entry = server.app.journal.entries()[0]
    assert (entry.protocol, entry.subject.model) == ("vertex.anthropic", CLAUDE)


@pytest.mark.parametrize("stream", [False, True])
def test_claude_tool_round_trip(claude: anthropic.AnthropicVertex, stream: bool) -> None:
    tools: Any = [{"name": "get_weather", "description": "weather",
                   "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]  # fmt: skip
    messages: Any = [{"role": "user", "content": "weather in Paris?"}]
    if stream:
        with claude.messages.stream(model=CLAUDE, max_tokens=50, messages=messages, tools=tools) as events:
            message = events.get_final_message()
    else:
        message = claude.messages.create(model=CLAUDE, max_tokens=50, messages=messages, tools=tools)
    use: Any = message.content[0]
    assert (use.name, use.input, use.id[:6]) == ("get_weather", {"city": "Paris"}, "toolu_")
    result = {"type": "tool_result", "tool_use_id": use.id, "content": "sunny"}
    messages += [{"role": "assistant", "content": [use.model_dump()]}, {"role": "user", "content": [result]}]
    answer: Any = claude.messages.create(model=CLAUDE, max_tokens=50, messages=messages, tools=tools)
    assert answer.content[0].text == "It is sunny in Paris."


def test_claude_count_tokens_and_overloaded(claude: anthropic.AnthropicVertex, server: MockServer) -> None:
    messages: Any = [{"role": "user", "content": "one two three"}]
    assert claude.messages.count_tokens(model=CLAUDE, messages=messages).input_tokens == 3
    server.app.add_fault(parse_fault({"status": 529, "message": "Overloaded"}, "test"), "test")
    with pytest.raises(anthropic.InternalServerError) as caught:
        claude.messages.create(model=CLAUDE, max_tokens=20, messages=messages)
    assert caught.value.status_code == 529 and caught.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]


def test_unauthenticated_requests_are_401(server: MockServer) -> None:
    base = f"{server.url}/v1/projects/{PROJECT}/locations/{LOCATION}/publishers"
    gemini = httpx.post(f"{base}/google/models/g:generateContent", json={"contents": [{"parts": [{"text": "hi"}]}]})
    assert gemini.status_code == 401 and gemini.json()["error"]["status"] == "UNAUTHENTICATED"
    claude = httpx.post(f"{base}/anthropic/models/{CLAUDE}:rawPredict",
                        json={"anthropic_version": "vertex-2023-10-16", "max_tokens": 5, "messages": []})  # fmt: skip
    assert claude.status_code == 401 and claude.json()["error"]["type"] == "authentication_error"


def test_claude_body_needs_anthropic_version(server: MockServer) -> None:
    response = httpx.post(
        f"{server.url}/v1/projects/{PROJECT}/locations/{LOCATION}/publishers/anthropic/models/{CLAUDE}:rawPredict",
        json={"max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]},
        headers={"authorization": "Bearer t"},
    )
    assert response.status_code == 400 and "anthropic_version" in response.json()["error"]["message"]


def test_anthropic_vertex_retries_rate_limits(server: MockServer) -> None:
    server.app.add_fault(parse_fault({"status": 429, "retry_after_ms": 10, "times": 1}, "test"), "test")
    client = anthropic.AnthropicVertex(region=LOCATION, project_id=PROJECT, access_token="fixture-token",
                                       base_url=f"{server.url}/v1", max_retries=2)  # fmt: skip
    message: Any = client.messages.create(model=CLAUDE, max_tokens=20, messages=[{"role": "user", "content": "hi"}])
    assert message.content[0].text == HELLO
    assert [entry.status for entry in server.app.journal.entries()] == [429, 200]


@pytest.mark.parametrize("model", ["text-embedding-005", "gemini-embedding-2"])
def test_embeddings_predict_and_embed_content(gemini: genai.Client, server: MockServer, model: str) -> None:
    config = types.EmbedContentConfig(output_dimensionality=16)
    first = gemini.models.embed_content(model=model, contents="hello", config=config).embeddings
    again = gemini.models.embed_content(model=model, contents="hello", config=config).embeddings
    assert first and again and len(first[0].values or []) == 16 and first[0].values == again[0].values
    entry = server.app.journal.entries()[-1]
    assert entry.protocol == "vertex.embeddings" and entry.path.split(":")[-1] in ("predict", "embedContent")
