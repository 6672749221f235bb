"""Ollama against its official Python client: chat and generate (plain and NDJSON streams), tool calls,
structured output, embed, tags, show, and errors as ``ResponseError``; the client finds the mock through
``OLLAMA_HOST`` alone."""

from __future__ import annotations

import json
from typing import Any

import httpx
import ollama
import pytest
from pydantic import BaseModel

from AgentTestLibrary.mockllm import MockServer
from AgentTestLibrary.mockllm.scenario import parse_fault
from tests.conftest import StartMock

SCENARIO = """
models: [llama3.2, qwen3]
rules:
  - name: call the tool
    when: {user_text_contains: weather, tool_result: false}
    reply: {tool_calls: [{name: get_weather, arguments: {city: Paris}}]}
  - name: answer with the result
    when: {tool_result_contains: sunny}
    reply: {text: It is sunny in Paris.}
  - name: plain
    when: {provider: ollama}
    reply: {text: "Hello from Ollama, in several streamed chunks."}
"""
HELLO = "Hello from Ollama, in several streamed chunks."
USER = [{"role": "user", "content": "hi"}]
WEATHER: Any = [{"type": "function", "function": {"name": "get_weather", "description": "weather",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]  # fmt: skip


@pytest.fixture
def client(server: MockServer, monkeypatch: pytest.MonkeyPatch) -> ollama.Client:
    monkeypatch.setenv("OLLAMA_HOST", server.url)
    return ollama.Client()


def test_chat(client: ollama.Client, server: MockServer) -> None:
    response = client.chat(model="llama3.2", messages=USER, options={"num_predict": 40})
    assert response.message.content == HELLO and response.done and response.done_reason == "stop"
    assert response.prompt_eval_count and response.eval_count
    entry = server.app.journal.entries()[-1]
    assert (entry.protocol, entry.subject.model, entry.subject.max_tokens) == ("ollama.chat", "llama3.2", 40)


def test_chat_stream_is_ndjson(client: ollama.Client, server: MockServer) -> None:
    parts = list(client.chat(model="llama3.2", messages=USER, stream=True))
    assert len(parts) > 2 and [part.done for part in parts] == [False] * (len(parts) - 1) + [True]
    assert "".join(part.message.content or "" for part in parts) == HELLO
    raw = httpx.post(f"{server.url}/api/chat", json={"model": "m", "messages": USER})  # Ollama streams by default
    assert raw.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line)["done"] for line in raw.text.splitlines()][-1] is True


@pytest.mark.parametrize("stream", [False, True])
def test_tool_round_trip(client: ollama.Client, stream: bool) -> None:
    messages: list[Any] = [{"role": "user", "content": "weather in Paris?"}]
    if stream:
        calls = [call for part in client.chat(model="qwen3", messages=messages, tools=WEATHER, stream=True)
                 for call in part.message.tool_calls or []]  # fmt: skip
    else:
        calls = list(client.chat(model="qwen3", messages=messages, tools=WEATHER).message.tool_calls or [])
    assert [(call.function.name, dict(call.function.arguments)) for call in calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    messages += [{"role": "assistant", "content": "", "tool_calls": [call.model_dump() for call in calls]},
                 {"role": "tool", "content": "sunny", "tool_name": "get_weather"}]  # fmt: skip
    assert client.chat(model="qwen3", messages=messages, tools=WEATHER).message.content == "It is sunny in Paris."


class City(BaseModel):
    city: str


def test_structured_output_without_a_rule(start_mock: StartMock) -> None:
    server = start_mock("rules: []")
    response = ollama.Client(host=server.url).chat(model="m", messages=USER, format=City.model_json_schema())
    assert City.model_validate_json(response.message.content or "")


def test_generate(client: ollama.Client, server: MockServer) -> None:
    response = client.generate(model="llama3.2", prompt="hi", system="be brief")
    assert response.response == HELLO and response.done
    assert "".join(part.response for part in client.generate(model="llama3.2", prompt="hi", stream=True)) == HELLO
    entry = server.app.journal.entries()[0]
    assert (entry.protocol, entry.subject.system, entry.subject.latest_user_text) == ("ollama.generate", "be brief",
                                                                                       "hi")  # fmt: skip


def test_embed(client: ollama.Client) -> None:
    response = client.embed(model="nomic-embed-text", input=["a", "b"], dimensions=16)
    assert [len(vector) for vector in response.embeddings] == [16, 16]
    assert client.embed(model="e", input="a", dimensions=16).embeddings[0] == list(response.embeddings[0])


def test_tags_show_and_version(client: ollama.Client, server: MockServer) -> None:
    assert [model.model for model in client.list().models] == ["llama3.2", "qwen3"]
    shown = client.show("llama3.2")
    assert shown.capabilities == ["completion", "tools"] and shown.details and shown.details.format == "gguf"
    assert httpx.get(f"{server.url}/api/version").json()["version"]


def test_errors_are_response_errors(client: ollama.Client, server: MockServer) -> None:
    with pytest.raises(ollama.ResponseError) as caught:
        client.chat(model="llama3.2", messages=[{"role": "robot", "content": "hi"}])
    assert caught.value.status_code == 400 and "role" in caught.value.error
    server.app.add_fault(parse_fault({"status": 503, "message": "server busy"}, "test"), "test")
    with pytest.raises(ollama.ResponseError) as busy:
        client.chat(model="llama3.2", messages=USER)
    assert (busy.value.status_code, busy.value.error) == (503, "server busy")
