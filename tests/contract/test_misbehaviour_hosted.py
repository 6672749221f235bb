"""Every misbehaviour on the hosted endpoints, parsed by their official clients, plain and streamed.

Bedrock Converse (boto3) and Ollama (the ollama client) render the catalogue in their own words;
Azure OpenAI (AzureOpenAI), Vertex AI (google-genai vertexai=True, AnthropicVertex) and Bedrock
InvokeModel (AnthropicBedrock) share the OpenAI, Gemini and Anthropic codecs, so the expectations of
``test_misbehaviour`` hold there too, through the hosted routes and clients.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anthropic
import boto3
import ollama
import openai
import pytest
from google import genai
from google.genai import types
from google.oauth2.credentials import Credentials

from AgentTestLibrary.environment import FIXTURE_AWS_ACCESS_KEY, FIXTURE_AWS_SECRET_KEY
from AgentTestLibrary.mockllm import MockServer
from AgentTestLibrary.mockllm.misbehaviour import NAMES, REASONING_TEXT, REFUSAL_TEXT
from AgentTestLibrary.mockllm.protocols.bedrock import GUARDRAIL_TEXT
from AgentTestLibrary.mockllm.scenario import parse_fault
from tests.conftest import StartMock
from tests.contract.test_misbehaviour import (
    CUT,
    EXPECTED,
    INVALID,
    SCENARIO,
    SCHEMA,
    STREAMED_DIFFERENTLY,
    TRUNCATED,
    View,
    chat,
    claude,
    gemini,
)

CALL = ("call_1", "list_files")
LISTING = {"path": "."}


def converse(server: MockServer, prompt: str, stream: bool) -> View:
    keys = {"aws_access_key_id": FIXTURE_AWS_ACCESS_KEY, "aws_secret_access_key": FIXTURE_AWS_SECRET_KEY}
    client = boto3.client("bedrock-runtime", endpoint_url=server.url, region_name="us-east-1", **keys)
    request: dict[str, Any] = {
        "modelId": "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "messages": [{"role": "user", "content": [{"text": prompt}]}],
        "toolConfig": {"tools": [{"toolSpec": {"name": "list_files", "inputSchema": {"json": SCHEMA}}}]},
    }
    if not stream:
        answer = client.converse(**request)
        blocks = answer["output"]["message"]["content"]
        return {"stop": answer["stopReason"], "text": "".join(b["text"] for b in blocks if "text" in b),
                "calls": [(b["toolUse"]["toolUseId"], b["toolUse"]["name"], b["toolUse"]["input"])
                          for b in blocks if "toolUse" in b],
                "reasoning": "".join(b["reasoningContent"]["reasoningText"]["text"] for b in blocks
                                     if "reasoningContent" in b),
                "blocks": [next(iter(b)) for b in blocks]}  # fmt: skip
    text, reasoning, stop, calls = "", "", None, []
    for event in client.converse_stream(**request)["stream"]:
        if "contentBlockStart" in event:
            use = event["contentBlockStart"]["start"]["toolUse"]
            calls.append([use["toolUseId"], use["name"], ""])
        delta = event.get("contentBlockDelta", {}).get("delta", {})
        text += delta.get("text", "")
        reasoning += delta.get("reasoningContent", {}).get("text", "")
        if "toolUse" in delta:
            calls[-1][2] += delta["toolUse"]["input"]
        stop = event.get("messageStop", {}).get("stopReason", stop)
    return {"stop": stop, "text": text, "reasoning": reasoning, "calls": [(i, n, _loads(a)) for i, n, a in calls]}


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def ollama_chat(server: MockServer, prompt: str, stream: bool) -> View:
    client = ollama.Client(host=server.url)
    tools: Any = [{"type": "function", "function": {"name": "list_files", "parameters": SCHEMA}}]
    request: Any = {"model": "llama3.2", "messages": [{"role": "user", "content": prompt}], "tools": tools}
    parts = list(client.chat(**request, stream=True)) if stream else [client.chat(**request)]
    calls = [(c.function.name, dict(c.function.arguments)) for p in parts for c in p.message.tool_calls or []]
    return {"stop": parts[-1].done_reason, "text": "".join(p.message.content or "" for p in parts),
            "reasoning": "".join(p.message.thinking or "" for p in parts), "calls": calls}  # fmt: skip


CONVERSE: dict[str, View] = {
    "refusal": {"stop": "content_filtered", "text": REFUSAL_TEXT, "calls": []},
    "content_filter": {"stop": "guardrail_intervened", "text": GUARDRAIL_TEXT, "calls": []},
    "max_tokens": {"stop": "max_tokens", "text": CUT, "calls": []},
    "truncated_tool_arguments": {"stop": "max_tokens", "calls": [(*CALL, {})]},
    "invalid_tool_arguments": {"stop": "malformed_tool_use", "calls": []},
    "undeclared_tool": {"stop": "tool_use", "calls": [("call_1", "undeclared_tool", LISTING)]},
    "duplicate_tool_call_ids": {"stop": "tool_use", "calls": [(*CALL, LISTING)] * 2},
    "empty": {"stop": "end_turn", "text": "", "calls": [], "reasoning": ""},
    "reasoning_only": {"stop": "end_turn", "text": "", "calls": [], "reasoning": REASONING_TEXT},
}
CONVERSE_STREAMED: dict[str, View] = {  # the stream hands out the tool use's input as the text it is
    "truncated_tool_arguments": {"stop": "max_tokens", "calls": [(*CALL, TRUNCATED)]},
}
OLLAMA: dict[str, View] = {
    "refusal": {"stop": "stop", "text": REFUSAL_TEXT, "calls": []},
    "content_filter": {"stop": "stop", "text": "", "calls": []},
    "max_tokens": {"stop": "length", "text": CUT, "calls": []},
    "truncated_tool_arguments": {"stop": "length", "text": '{"name": "list_files", "arguments": ' + TRUNCATED,
                                 "calls": []},
    "invalid_tool_arguments": {"stop": "stop", "text": '{"name": "list_files", "arguments": ' + INVALID + "}",
                               "calls": []},
    "undeclared_tool": {"stop": "stop", "calls": [("undeclared_tool", LISTING)]},
    "duplicate_tool_call_ids": {"stop": "stop", "calls": [("list_files", LISTING)] * 2},
    "empty": {"stop": "stop", "text": "", "calls": [], "reasoning": ""},
    "reasoning_only": {"stop": "stop", "text": "", "calls": [], "reasoning": REASONING_TEXT},
}  # fmt: skip


def test_every_misbehaviour_has_an_expectation() -> None:
    assert sorted(CONVERSE) == sorted(OLLAMA) == sorted(NAMES)


def _inject(server: MockServer, name: str) -> None:
    server.app.add_fault(parse_fault({"misbehave": name}, "test"), "test")


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("name", NAMES)
def test_bedrock_converse(start_mock: StartMock, name: str, stream: bool) -> None:
    server = start_mock(SCENARIO)
    _inject(server, name)
    want = (stream and CONVERSE_STREAMED.get(name)) or CONVERSE[name]
    seen = converse(server, EXPECTED[name][0], stream)
    assert {key: seen.get(key) for key in want} == want, seen
    assert server.app.journal.entries()[-1].reply.misbehaviour == name


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("name", NAMES)
def test_ollama_chat(start_mock: StartMock, name: str, stream: bool) -> None:
    server = start_mock(SCENARIO)
    _inject(server, name)
    seen = ollama_chat(server, EXPECTED[name][0], stream)
    assert {key: seen.get(key) for key in OLLAMA[name]} == OLLAMA[name], seen


def azure(server: MockServer) -> Any:
    return openai.AzureOpenAI(azure_endpoint=server.url, api_version="2024-10-21", api_key="azure-fixture-key",
                              azure_deployment="gpt-4o", max_retries=0)  # fmt: skip


def vertex_gemini(server: MockServer) -> Any:
    return genai.Client(vertexai=True, project="fixture-project", location="us-east5",
                        credentials=Credentials(token="fixture"),
                        http_options=types.HttpOptions(base_url=server.url, retry_options=None))  # fmt: skip


def vertex_claude(server: MockServer) -> Any:
    return anthropic.AnthropicVertex(region="us-east5", project_id="fixture-project", access_token="fixture-token",
                                     base_url=f"{server.url}/v1", max_retries=0)  # fmt: skip


def bedrock_claude(server: MockServer) -> Any:
    return anthropic.AnthropicBedrock(aws_access_key=FIXTURE_AWS_ACCESS_KEY, aws_secret_key=FIXTURE_AWS_SECRET_KEY,
                                      aws_region="us-east-1", base_url=server.url, max_retries=0)  # fmt: skip


SHARED: dict[str, tuple[Callable[..., View], Callable[[MockServer], Any], str, str]] = {
    "azure chat": (chat, azure, "chat", "azure.chat"),
    "vertex gemini": (gemini, vertex_gemini, "gemini", "vertex.gemini"),
    "vertex claude": (claude, vertex_claude, "anthropic", "vertex.anthropic"),
    "bedrock invoke": (claude, bedrock_claude, "anthropic", "bedrock.invoke"),
}


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("endpoint", list(SHARED))
def test_hosted_endpoints_of_the_shared_codecs(start_mock: StartMock, endpoint: str, name: str, stream: bool) -> None:
    view, client, wire, _ = SHARED[endpoint]
    server = start_mock(SCENARIO)
    _inject(server, name)
    prompt, expected = EXPECTED[name]
    want = (stream and STREAMED_DIFFERENTLY.get((name, wire))) or expected[wire]
    seen = view(server, prompt, stream, client(server))
    assert {key: seen.get(key) for key in want} == want, seen
    assert server.app.journal.entries()[-1].reply.misbehaviour == name


def test_azure_names_the_filtered_category(start_mock: StartMock) -> None:
    server = start_mock(SCENARIO)
    server.app.add_fault(parse_fault({"misbehave": "content_filter", "times": 2}, "test"), "test")
    assert chat(server, "hi", False, azure(server))["filtered"] == ["violence"]
    chunks = list(azure(server).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}],
                                                        stream=True))  # fmt: skip
    last = [chunk.choices[0] for chunk in chunks if chunk.choices and chunk.choices[0].finish_reason][-1]
    assert last.finish_reason == "content_filter"
    assert (last.model_extra or {})["content_filter_results"]["violence"] == {"filtered": True, "severity": "high"}
    assert chat(server, "hi", False, azure(server))["filtered"] == []  # the fault is spent: nothing filtered
