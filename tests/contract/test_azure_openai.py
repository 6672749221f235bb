"""Azure OpenAI against the official client, ``openai.AzureOpenAI`` (and ``openai.OpenAI`` on ``/openai/v1/``).

Deployments as models, Chat Completions plain/streamed/tools/structured, Responses, embeddings,
``api-key`` and bearer auth, the refusals Azure gives (401 without a key, 404 without ``api-version``),
Azure's error and content-filter shapes, and the SDK's retries on throttling.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest
from pydantic import BaseModel

from AgentTestLibrary.mockllm import MockServer
from AgentTestLibrary.mockllm.scenario import parse_fault
from tests.conftest import StartMock

SCENARIO = """
rules:
  - name: call the tool
    when: {user_text_contains: weather, tool_result: false}
    reply: {tool_calls: [{name: get_weather, arguments: {city: Paris}}]}
  - name: answer with the result
    when: {tool_result_contains: sunny}
    reply: {text: It is sunny in Paris.}
  - name: filtered
    when: {user_text_contains: jailbreak}
    reply: {error: {status: 400, type: content_filter, message: "The response was filtered due to the prompt."}}
  - name: plain
    when: {provider: azure, model: my-gpt-deployment}
    reply: {text: "Hello from Azure, in several streamed chunks."}
"""
HELLO = "Hello from Azure, in several streamed chunks."
DEPLOYMENT = "my-gpt-deployment"
API_VERSION = "2025-04-01-preview"
USER: Any = [{"role": "user", "content": "hi"}]
WEATHER: Any = [{"type": "function", "function": {"name": "get_weather", "description": "weather",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]  # fmt: skip


def azure(server: MockServer, **options: Any) -> openai.AzureOpenAI:
    options.setdefault("api_key", "azure-fixture-key")
    return openai.AzureOpenAI(azure_endpoint=server.url, api_version=API_VERSION, **options)


def test_chat_with_the_deployment_as_model(server: MockServer) -> None:
    reply = azure(server).chat.completions.create(model=DEPLOYMENT, messages=USER)
    assert reply.choices[0].message.content == HELLO
    data = reply.model_dump()
    assert data["prompt_filter_results"][0]["content_filter_results"]["jailbreak"] == {"filtered": False,
                                                                                       "detected": False}  # fmt: skip
    assert data["choices"][0]["content_filter_results"]["hate"] == {"filtered": False, "severity": "safe"}
    entry = server.app.journal.entries()[-1]
    assert entry.path == f"/openai/deployments/{DEPLOYMENT}/chat/completions?api-version={API_VERSION}"
    assert (entry.protocol, entry.subject.model) == ("azure.chat", DEPLOYMENT)


def test_azure_deployment_client_option(server: MockServer) -> None:
    client = azure(server, azure_deployment=DEPLOYMENT)
    assert client.chat.completions.create(model="ignored-by-azure", messages=USER).choices[0].message.content == HELLO


def test_stream_opens_with_the_prompt_filter_chunk(server: MockServer) -> None:
    chunks = list(azure(server).chat.completions.create(model=DEPLOYMENT, messages=USER, stream=True))
    assert chunks[0].choices == [] and chunks[0].model_dump()["prompt_filter_results"]
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks[1:] if chunk.choices) == HELLO
    with azure(server).chat.completions.stream(model=DEPLOYMENT, messages=USER) as stream:
        assert stream.get_final_completion().choices[0].message.content == HELLO


@pytest.mark.parametrize("stream", [False, True])
def test_tool_round_trip(server: MockServer, stream: bool) -> None:
    client = azure(server)
    messages: Any = [{"role": "user", "content": "weather in Paris?"}]
    if stream:
        with client.chat.completions.stream(model=DEPLOYMENT, messages=messages, tools=WEATHER) as events:
            message = events.get_final_completion().choices[0].message
    else:
        message = client.chat.completions.create(model=DEPLOYMENT, messages=messages, tools=WEATHER).choices[0].message
    call = message.tool_calls[0]  # type: ignore[index]
    assert (call.function.name, json.loads(call.function.arguments)) == ("get_weather", {"city": "Paris"})  # type: ignore[union-attr]
    messages += [message.model_dump(exclude_none=True), {"role": "tool", "tool_call_id": call.id, "content": "sunny"}]
    answer = client.chat.completions.create(model=DEPLOYMENT, messages=messages, tools=WEATHER)
    assert answer.choices[0].message.content == "It is sunny in Paris."


class City(BaseModel):
    city: str
    country: str


def test_structured_output_without_a_rule(start_mock: StartMock) -> None:
    server = start_mock("rules: []")
    parsed = azure(server).chat.completions.parse(model=DEPLOYMENT, messages=USER, response_format=City)
    assert isinstance(parsed.choices[0].message.parsed, City)


def test_responses_with_the_deployment_as_model(server: MockServer) -> None:
    client = azure(server)
    response = client.responses.create(model=DEPLOYMENT, input="hi")
    assert response.output_text == HELLO
    chained = client.responses.create(model=DEPLOYMENT, input="again", previous_response_id=response.id)
    assert chained.output_text == HELLO
    entry = server.app.journal.entries()[-1]
    assert entry.path == f"/openai/responses?api-version={API_VERSION}" and entry.protocol == "azure.responses"
    assert [message.text for message in entry.subject.messages] == ["hi", HELLO, "again"]
    streamed = [event.type for event in client.responses.create(model=DEPLOYMENT, input="hi", stream=True)]
    assert streamed[0] == "response.created" and streamed[-1] == "response.completed"


def test_embeddings(server: MockServer) -> None:
    vectors = azure(server).embeddings.create(model="my-embedding-deployment", input=["a", "b"], dimensions=8)
    assert [len(item.embedding) for item in vectors.data] == [8, 8]
    assert vectors.model == "my-embedding-deployment"
    assert server.app.journal.entries()[-1].protocol == "azure.embeddings"


def test_bearer_token_instead_of_api_key(server: MockServer) -> None:
    client = openai.AzureOpenAI(azure_endpoint=server.url, api_version=API_VERSION, azure_ad_token="entra-token")
    assert client.chat.completions.create(model=DEPLOYMENT, messages=USER).choices[0].message.content == HELLO


def test_the_v1_surface_with_the_plain_openai_client(server: MockServer) -> None:
    client = openai.OpenAI(base_url=f"{server.url}/openai/v1/", api_key="azure-fixture-key")
    assert client.chat.completions.create(model=DEPLOYMENT, messages=USER).choices[0].message.content == HELLO
    assert client.responses.create(model=DEPLOYMENT, input="hi").output_text == HELLO
    assert len(client.embeddings.create(model="e", input="a", dimensions=4).data[0].embedding) == 4


def test_no_key_is_401_in_azure_shape(server: MockServer) -> None:
    response = httpx.post(f"{server.url}/openai/deployments/d/chat/completions?api-version={API_VERSION}",
                          json={"messages": USER})  # fmt: skip
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "401"
    assert response.json()["error"]["message"].startswith("Access denied due to invalid subscription key")


def test_no_api_version_is_404_resource_not_found(server: MockServer) -> None:
    client = openai.OpenAI(base_url=f"{server.url}/openai/deployments/{DEPLOYMENT}", api_key="k",
                           default_headers={"api-key": "k"})  # fmt: skip
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model=DEPLOYMENT, messages=USER)
    assert caught.value.body["code"] == "404"  # type: ignore[index]
    assert "Resource not found" in caught.value.body["message"]  # type: ignore[index]


def test_content_filter_error_shape(server: MockServer) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        azure(server).chat.completions.create(model=DEPLOYMENT, messages=[{"role": "user", "content": "jailbreak"}])
    assert caught.value.code == "content_filter" and caught.value.param == "prompt"
    inner = caught.value.body["innererror"]  # type: ignore[index]
    assert inner["code"] == "ResponsibleAIPolicyViolation"
    assert inner["content_filter_result"]["jailbreak"] == {"filtered": True, "detected": True}


def test_sdk_retries_throttling_then_succeeds(server: MockServer) -> None:
    server.app.add_fault(parse_fault({"status": 429, "retry_after_ms": 20, "times": 2}, "test"), "test")
    assert azure(server).chat.completions.create(model=DEPLOYMENT, messages=USER).choices[0].message.content == HELLO
    assert [entry.status for entry in server.app.journal.entries()] == [429, 429, 200]
    server.app.add_fault(parse_fault({"status": 429, "message": "Rate limit is exceeded."}, "test"), "test")
    with pytest.raises(openai.RateLimitError) as caught:
        azure(server, max_retries=0).chat.completions.create(model=DEPLOYMENT, messages=USER)
    assert caught.value.body == {"code": "429", "message": "Rate limit is exceeded."}
