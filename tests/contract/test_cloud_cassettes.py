"""Cassettes for the cloud endpoints: record through the mock from a stand-in upstream (another mock, which checks
the upstream auth: SigV4, api-key, bearer) with the official clients, then replay with the upstream gone; the
streams keep their framing (AWS event-stream messages, JSON lines, SSE) and no key reaches the cassette."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anthropic
import boto3
import ollama
import openai
import pytest
from google import genai
from google.genai import types
from google.oauth2.credentials import Credentials

from AgentTestLibrary.cassettes import CassetteSession, load_cassette
from AgentTestLibrary.cassettes.verify import rebuilt_request, stream_drifts
from AgentTestLibrary.environment import FIXTURE_AWS_ACCESS_KEY, FIXTURE_AWS_SECRET_KEY
from AgentTestLibrary.mockllm import MockLLM, MockServer
from AgentTestLibrary.mockllm.scenario import scenario_from_text
from AgentTestLibrary.secrets import SecretRegistry

SENTINEL = "sentinel-upstream-secret-0123456789abcdef"
UPSTREAM = """
rules:
  - name: tool first
    when: {user_text_contains: weather, tool_result: false}
    reply: {tool_calls: [{name: get_weather, arguments: {city: Paris}}]}
  - name: plain
    reply: {text: "Recorded from the cloud, several words long."}
"""
CREDENTIALS = {"AWS_ACCESS_KEY_ID": FIXTURE_AWS_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SENTINEL,
               "AZURE_OPENAI_API_KEY": SENTINEL, "GOOGLE_OAUTH_ACCESS_TOKEN": SENTINEL}  # fmt: skip
USER: Any = [{"role": "user", "content": "weather in Paris?"}]
TOOLS: Any = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


def converse(url: str, stream: bool) -> Any:
    keys = {"aws_access_key_id": FIXTURE_AWS_ACCESS_KEY, "aws_secret_access_key": FIXTURE_AWS_SECRET_KEY}
    client = boto3.client("bedrock-runtime", endpoint_url=url, region_name="us-east-1", **keys)
    request: Any = {"modelId": "anthropic.claude-x-v1:0", "messages": [{"role": "user", "content": [{"text": "hi"}]}]}
    if stream:
        return [event for event in client.converse_stream(**request)["stream"]]
    return client.converse(**request)["output"]


def invoke(url: str, stream: bool) -> Any:
    client = anthropic.AnthropicBedrock(aws_access_key=FIXTURE_AWS_ACCESS_KEY, aws_secret_key=FIXTURE_AWS_SECRET_KEY,
                                        aws_region="us-east-1", base_url=url, max_retries=0)  # fmt: skip
    tools: Any = [{"name": "get_weather", "input_schema": {"type": "object"}}]
    if stream:
        with client.messages.stream(model="anthropic.claude-x-v1:0", max_tokens=50, messages=USER, tools=tools) as s:
            message = s.get_final_message()
    else:
        message = client.messages.create(model="anthropic.claude-x-v1:0", max_tokens=50, messages=USER, tools=tools)
    return [(block.type, getattr(block, "name", None), getattr(block, "input", None)) for block in message.content]


def azure(url: str, stream: bool) -> Any:
    client = openai.AzureOpenAI(
        azure_endpoint=url, api_version="2025-04-01-preview", api_key="agent-key", max_retries=0
    )
    if stream:
        with client.chat.completions.stream(model="my-deployment", messages=USER, tools=TOOLS) as s:
            message = s.get_final_completion().choices[0].message
    else:
        message = client.chat.completions.create(model="my-deployment", messages=USER, tools=TOOLS).choices[0].message
    return [(call.function.name, call.function.arguments) for call in message.tool_calls or []]  # type: ignore[union-attr]


def vertex_gemini(url: str, stream: bool) -> Any:
    client = genai.Client(vertexai=True, project="p", location="us-east5", credentials=Credentials(token="agent"),
                          http_options=types.HttpOptions(base_url=url))  # fmt: skip
    if stream:
        return [chunk.text for chunk in client.models.generate_content_stream(model="gemini-2.5-flash", contents="hi")]
    return [client.models.generate_content(model="gemini-2.5-flash", contents="hi").text]


def vertex_claude(url: str, stream: bool) -> Any:
    client = anthropic.AnthropicVertex(region="us-east5", project_id="p", access_token="agent", base_url=f"{url}/v1",
                                       max_retries=0)  # fmt: skip
    request: Any = {"model": "claude-x@1", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}
    if stream:
        with client.messages.stream(**request) as s:
            return "".join(s.text_stream)
    return client.messages.create(**request).content[0].text  # type: ignore[union-attr]


def ollama_chat(url: str, stream: bool) -> Any:
    client = ollama.Client(host=url)
    if stream:
        parts = client.chat(model="llama3.2", messages=USER, tools=TOOLS, stream=True)
        return [(part.message.content, part.message.model_dump()["tool_calls"]) for part in parts]
    return client.chat(model="llama3.2", messages=USER, tools=TOOLS).message.model_dump()["tool_calls"]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("client", [converse, invoke, azure, vertex_gemini, vertex_claude, ollama_chat])
def test_record_then_replay(tmp_path: Path, client: Callable[[str, bool], Any], stream: bool) -> None:
    cassette = tmp_path / "cloud.yaml"
    upstream = MockServer(MockLLM(scenario_from_text(UPSTREAM)))
    upstream_url = upstream.start()
    secrets = SecretRegistry()
    recorder_app = MockLLM(secrets=secrets)
    upstreams = dict.fromkeys(("bedrock", "azure", "vertex", "ollama"), upstream_url)
    recorder_app.tape = CassetteSession(cassette, "once", secrets, credentials=CREDENTIALS, upstreams=upstreams)
    recorder = MockServer(recorder_app)
    try:
        recorded = client(recorder.start(), stream)
        assert recorder_app.tape.save()
    finally:
        recorder.stop()
        upstream.stop()
    assert [entry.status for entry in upstream.app.journal.entries()] == [200]  # the upstream accepted its auth
    text = cassette.read_text(encoding="utf-8")
    assert SENTINEL not in text and "agent-key" not in text
    episode = load_cassette(cassette).episodes[0]
    assert episode.reply["text"] or episode.reply["tool_calls"]  # the summary reads every framing

    replay_app = MockLLM()
    replay_app.tape = CassetteSession(cassette, "none", SecretRegistry())
    replayer = MockServer(replay_app)
    try:
        assert client(replayer.start(), stream) == recorded
        assert [entry.rule for entry in replay_app.journal.entries()] == ["<cassette episode 1>"]
    finally:
        replayer.stop()
    target, _, body = rebuilt_request(episode.request)  # cassette verify can re-send it in the cloud's shape
    assert target.startswith(episode.request["path"]) and json.loads(body)
    if "events" in episode.response:
        assert stream_drifts(episode.response["events"], episode.response["events"]) == []


@pytest.mark.parametrize(
    "path",
    ["/model/..%2F..%2Fadmin/invoke", "/model/%2e%2e/invoke", "/openai/deployments/../x/chat/completions",
     "/model/a b/invoke", "//evil.example/model/x/invoke"],
)  # fmt: skip
def test_a_hostile_cloud_path_is_never_forwarded(path: str) -> None:
    from AgentTestLibrary.cassettes.upstream import upstream_target
    from AgentTestLibrary.errors import UpstreamError

    with pytest.raises(UpstreamError, match="cannot be forwarded"):
        upstream_target("bedrock.invoke", "m", False, {}, path)


def test_only_allowed_query_parameters_go_upstream() -> None:
    from AgentTestLibrary.cassettes.upstream import upstream_target

    query = {"api-version": ["2025-04-01-preview"], "key": ["leaked"]}
    target = upstream_target("azure.chat", "d", False, query, "/openai/deployments/d/chat/completions")
    assert target == "/openai/deployments/d/chat/completions?api-version=2025-04-01-preview"
