"""The official cloud clients reach the mock from the environment `Start Mock LLM` exports alone: no URL, key,
region or version in the code (google-genai and AnthropicVertex are given only an offline token, google-genai
its project and location too)."""

from __future__ import annotations

import json
import os
from typing import Any

import anthropic
import boto3
import ollama
import openai
import pytest
from google import genai
from google.oauth2.credentials import Credentials

from AgentTestLibrary.environment import agent_environment
from AgentTestLibrary.mockllm import MockServer
from tests.conftest import StartMock

HELLO = "Hello from the exported environment."
USER: Any = [{"role": "user", "content": "hi"}]


@pytest.fixture
def server(start_mock: StartMock, monkeypatch: pytest.MonkeyPatch) -> MockServer:
    server = start_mock(f"rules: [{{reply: {{text: {HELLO}}}}}]")
    for name in ("AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "GOOGLE_GENAI_USE_VERTEXAI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in agent_environment(server.url).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return server


def test_boto3_bedrock_runtime(server: MockServer) -> None:
    reply = boto3.client("bedrock-runtime").converse(modelId="anthropic.claude-x", messages=[
        {"role": "user", "content": [{"text": "hi"}]}])  # fmt: skip
    assert reply["output"]["message"]["content"] == [{"text": HELLO}]


def test_anthropic_bedrock(server: MockServer) -> None:
    message: Any = anthropic.AnthropicBedrock().messages.create(model="anthropic.claude-x", max_tokens=9, messages=USER)
    assert message.content[0].text == HELLO


def test_anthropic_vertex(server: MockServer) -> None:
    message: Any = anthropic.AnthropicVertex(access_token="offline").messages.create(
        model="claude-x@1", max_tokens=9, messages=USER)  # fmt: skip
    assert message.content[0].text == HELLO
    assert server.app.journal.entries()[-1].protocol == "vertex.anthropic"


def test_google_genai_on_vertex(server: MockServer) -> None:
    # With a base URL and no explicit project/location, google-genai treats the URL as a gateway and posts to it
    # as it is, so the project and location are passed (from the exported variables).
    project, location = os.environ["GOOGLE_CLOUD_PROJECT"], os.environ["GOOGLE_CLOUD_LOCATION"]
    client = genai.Client(vertexai=True, project=project, location=location, credentials=Credentials(token="offline"))
    assert client.models.generate_content(model="gemini-2.5-flash", contents="hi").text == HELLO
    assert server.app.journal.entries()[-1].protocol == "vertex.gemini"


def test_azure_openai(server: MockServer) -> None:
    reply = openai.AzureOpenAI().chat.completions.create(model="my-deployment", messages=USER)
    assert reply.choices[0].message.content == HELLO


def test_ollama(server: MockServer) -> None:
    # ollama.chat() uses a client made when ollama was imported; a fresh process has OLLAMA_HOST by then
    assert ollama.Client().chat(model="llama3.2", messages=USER).message.content == HELLO


def test_nothing_real_is_left_over(server: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    exported = agent_environment(server.url)
    assert {name for name, value in exported.items() if value is None} >= {
        "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK", "AZURE_OPENAI_AD_TOKEN"}  # fmt: skip
    keys = [value for name, value in exported.items() if value and ("KEY" in name or "SECRET" in name)]
    assert all("agenttest" in value.lower() for value in keys), json.dumps(keys)
