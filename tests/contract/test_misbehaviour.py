"""Every misbehaviour of the catalogue in every wire format, plain and streamed, parsed by the official SDK.

Each case injects ``misbehave=NAME`` and reads what the SDK exposes (finish reason, text, refusal,
tool calls, reasoning) into one view; the expectations say what each provider really shows.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import types
from pydantic import TypeAdapter
from websockets.sync.client import connect

from AgentTestLibrary.mockllm import MockServer
from AgentTestLibrary.mockllm.misbehaviour import NAMES, REASONING_TEXT, REFUSAL_TEXT
from AgentTestLibrary.mockllm.scenario import ScenarioError, parse_fault
from tests.conftest import StartMock

SCENARIO = """
rules:
  - name: list the files
    when: {user_text_contains: files}
    reply: {tool_calls: [{name: list_files, arguments: {path: .}, id: call_1}]}
  - name: answer
    reply: {text: The directory holds notes.txt and todo.md.}
"""
ANSWER = "The directory holds notes.txt and todo.md."
CUT = "The directory holds n"
SCHEMA = {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}
INVALID = '{"path":".", oops}'
TRUNCATED = '{"path": "'
View = dict[str, Any]


def chat(server: MockServer, prompt: str, stream: bool, client: Any = None) -> View:
    client = client or openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-test", max_retries=0)
    request: dict[str, Any] = {"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}],
                               "tools": [{"type": "function", "function": {"name": "list_files",
                                                                           "parameters": SCHEMA}}]}  # fmt: skip
    raised = None
    try:
        if stream:
            with client.chat.completions.stream(**request, stream_options={"include_usage": True}) as events:
                completion: Any = events.get_final_completion()
        else:
            completion = client.chat.completions.create(**request)
    except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as error:
        raised, completion = type(error).__name__, error.completion  # the stream helper's snapshot
    choice, usage = completion.choices[0], completion.usage
    filtered = [
        name
        for name, result in (choice.model_extra or {}).get("content_filter_results", {}).items()
        if result.get("filtered")
    ]  # Azure's annotation of the choice
    details = usage.completion_tokens_details if usage else None
    calls = [(c.id, c.function.name, c.function.arguments) for c in choice.message.tool_calls or []]  # type: ignore[union-attr]
    return {"stop": choice.finish_reason, "text": choice.message.content, "refusal": choice.message.refusal,
            "calls": calls, "reasoning": bool(details and details.reasoning_tokens), "raised": raised,
            "filtered": filtered}  # fmt: skip


def responses(server: MockServer, prompt: str, stream: bool) -> View:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-test", max_retries=0)
    request: dict[str, Any] = {"model": "gpt-5", "input": prompt,
                               "tools": [{"type": "function", "name": "list_files", "parameters": SCHEMA}]}  # fmt: skip
    if stream:
        events = list(client.responses.create(**request, stream=True))
        response = events[-1].response  # type: ignore[union-attr]
        assert events[-1].type == f"response.{response.status}"
    else:
        response = client.responses.create(**request)
    return _responses_view(response)


def _responses_view(response: Any) -> View:
    messages = [part for item in response.output if item.type == "message" for part in item.content]
    refusals = [part.refusal for part in messages if part.type == "refusal"]
    calls = [(item.call_id, item.name, item.arguments) for item in response.output if item.type == "function_call"]
    reasoning = [s.text for item in response.output if item.type == "reasoning" for s in item.summary]
    reason = response.incomplete_details.reason if response.incomplete_details else None
    return {"stop": f"{response.status}/{reason}" if reason else response.status, "text": response.output_text,
            "refusal": refusals[0] if refusals else None, "calls": calls, "reasoning": "".join(reasoning),
            "items": [item.type for item in response.output]}  # fmt: skip


def claude(server: MockServer, prompt: str, stream: bool, client: Any = None) -> View:
    client = client or anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test", max_retries=0)
    request: dict[str, Any] = {"model": "claude-opus-4-8", "max_tokens": 1024, "tools": [
        {"name": "list_files", "input_schema": SCHEMA}], "messages": [{"role": "user", "content": prompt}]}  # fmt: skip
    try:
        if stream:
            with client.messages.stream(**request) as events:
                message = events.get_final_message()
        else:
            message = client.messages.create(**request)
    except ValueError as error:
        return {"raised": str(error).split(".")[0]}
    blocks = message.content
    return {"stop": message.stop_reason, "text": "".join(b.text for b in blocks if b.type == "text"),
            "calls": [(b.id, b.name, b.input) for b in blocks if b.type == "tool_use"],
            "reasoning": "".join(b.thinking for b in blocks if b.type == "thinking"),
            "signed": all(b.signature for b in blocks if b.type == "thinking"),
            "blocks": [b.type for b in blocks]}  # fmt: skip


def gemini(server: MockServer, prompt: str, stream: bool, client: Any = None) -> View:
    client = client or genai.Client(api_key="fixture-key", http_options=types.HttpOptions(base_url=server.url))
    config = types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=[types.FunctionDeclaration(name="list_files",
                                                                           parameters_json_schema=SCHEMA)])],
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )  # fmt: skip
    if stream:
        chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash", contents=prompt, config=config))
    else:
        chunks = [client.models.generate_content(model="gemini-2.5-flash", contents=prompt, config=config)]
    candidates = [chunk.candidates[0] for chunk in chunks if chunk.candidates]
    parts = [part for candidate in candidates if candidate.content for part in candidate.content.parts or []]
    last = candidates[-1]
    ratings = [rating.category.value for rating in last.safety_ratings or [] if rating.blocked and rating.category]
    return {"stop": last.finish_reason.value if last.finish_reason else None,
            "text": "".join(part.text for part in parts if part.text and not part.thought),
            "calls": [(p.function_call.id, p.function_call.name, p.function_call.args) for p in parts
                      if p.function_call],
            "reasoning": "".join(part.text for part in parts if part.text and part.thought),
            "blocked": ratings, "message": last.finish_message}  # fmt: skip


FORMATS = {"chat": chat, "responses": responses, "anthropic": claude, "gemini": gemini}
CALL = ("call_1", "list_files")
# misbehaviour -> (prompt, {format: what the SDK shows}); keys not named are not checked
EXPECTED: dict[str, tuple[str, dict[str, View]]] = {
    "refusal": ("hi", {
        "chat": {"stop": "stop", "text": None, "refusal": REFUSAL_TEXT, "calls": []},
        "responses": {"stop": "completed", "text": "", "refusal": REFUSAL_TEXT, "items": ["message"]},
        "anthropic": {"stop": "refusal", "text": REFUSAL_TEXT, "calls": []},
        "gemini": {"stop": "STOP", "text": REFUSAL_TEXT, "calls": []},
    }),
    "content_filter": ("hi", {
        "chat": {"stop": "content_filter", "text": None, "refusal": None, "calls": []},
        "responses": {"stop": "incomplete/content_filter", "text": "", "items": []},
        "anthropic": {"stop": "refusal", "blocks": []},
        "gemini": {"stop": "SAFETY", "text": "", "blocked": ["HARM_CATEGORY_DANGEROUS_CONTENT"]},
    }),
    "max_tokens": ("hi", {
        "chat": {"stop": "length", "text": CUT, "calls": []},
        "responses": {"stop": "incomplete/max_output_tokens", "text": CUT},
        "anthropic": {"stop": "max_tokens", "text": CUT},
        "gemini": {"stop": "MAX_TOKENS", "text": CUT},
    }),
    "truncated_tool_arguments": ("List the files", {
        "chat": {"stop": "length", "calls": [(*CALL, TRUNCATED)]},
        "responses": {"stop": "incomplete/max_output_tokens", "calls": [(*CALL, TRUNCATED)]},
        "anthropic": {"stop": "max_tokens", "calls": [(*CALL, {})]},
        "gemini": {"stop": "MAX_TOKENS", "calls": []},
    }),
    "invalid_tool_arguments": ("List the files", {
        "chat": {"stop": "tool_calls", "calls": [(*CALL, INVALID)]},
        "responses": {"stop": "completed", "calls": [(*CALL, INVALID)]},
        "anthropic": {"stop": "tool_use", "calls": [(*CALL, INVALID)]},
        "gemini": {"stop": "MALFORMED_FUNCTION_CALL", "calls": []},
    }),
    "undeclared_tool": ("List the files", {
        "chat": {"stop": "tool_calls", "calls": [("call_1", "undeclared_tool", '{"path":"."}')]},
        "responses": {"stop": "completed", "calls": [("call_1", "undeclared_tool", '{"path":"."}')]},
        "anthropic": {"stop": "tool_use", "calls": [("call_1", "undeclared_tool", {"path": "."})]},
        "gemini": {"stop": "STOP", "calls": [("call_1", "undeclared_tool", {"path": "."})]},
    }),
    "duplicate_tool_call_ids": ("List the files", {
        "chat": {"stop": "tool_calls", "calls": [(*CALL, '{"path":"."}')] * 2},
        "responses": {"stop": "completed", "calls": [(*CALL, '{"path":"."}')] * 2},
        "anthropic": {"stop": "tool_use", "calls": [(*CALL, {"path": "."})] * 2},
        "gemini": {"stop": "STOP", "calls": [(*CALL, {"path": "."})] * 2},
    }),
    "empty": ("hi", {
        "chat": {"stop": "stop", "text": "", "refusal": None, "calls": []},
        "responses": {"stop": "completed", "text": "", "items": []},
        "anthropic": {"stop": "end_turn", "blocks": []},
        "gemini": {"stop": "STOP", "text": "", "calls": []},
    }),
    "reasoning_only": ("hi", {
        "chat": {"stop": "stop", "text": "", "calls": [], "reasoning": True},
        "responses": {"stop": "completed", "text": "", "items": ["reasoning"], "reasoning": REASONING_TEXT},
        "anthropic": {"stop": "end_turn", "blocks": ["thinking"], "reasoning": REASONING_TEXT, "signed": True},
        "gemini": {"stop": "STOP", "text": "", "calls": [], "reasoning": REASONING_TEXT},
    }),
}  # fmt: skip
STREAMED_DIFFERENTLY: dict[tuple[str, str], View] = {
    # the SDK's stream accumulator parses input_json_delta pieces and refuses what does not parse, as it does live
    ("invalid_tool_arguments", "anthropic"): {"raised": "Unable to parse tool parameter JSON from model"},
    # openai's stream helper raises on these finish reasons; the error carries the completion as it was streamed
    ("content_filter", "chat"): {"raised": "ContentFilterFinishReasonError", "stop": "content_filter", "text": None},
    ("max_tokens", "chat"): {"raised": "LengthFinishReasonError", "stop": "length", "text": CUT},
    ("truncated_tool_arguments", "chat"): {"raised": "LengthFinishReasonError", "calls": [(*CALL, TRUNCATED)]},
}


def test_the_catalogue_is_covered() -> None:
    assert sorted(EXPECTED) == sorted(NAMES)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("wire", list(FORMATS))
@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_sdk_parses_the_misbehaviour(start_mock: StartMock, name: str, wire: str, stream: bool) -> None:
    server = start_mock(SCENARIO)
    server.app.add_fault(parse_fault({"misbehave": name}, "test"), "test")
    prompt, expected = EXPECTED[name]
    want = (stream and STREAMED_DIFFERENTLY.get((name, wire))) or expected[wire]
    seen = FORMATS[wire](server, prompt, stream)
    assert {key: seen.get(key) for key in want} == want, seen
    entry = server.app.journal.entries()[-1]
    assert entry.status == 200 and not entry.broken
    assert entry.reply.misbehaviour == name and f"misbehave {name}" in entry.fault


def test_gemini_says_why_a_call_was_malformed(start_mock: StartMock) -> None:
    server = start_mock(SCENARIO)
    server.app.add_fault(parse_fault({"misbehave": "invalid_tool_arguments"}, "test"), "test")
    body = {"contents": [{"role": "user", "parts": [{"text": "List the files"}]}]}
    candidate = httpx.post(f"{server.url}/v1beta/models/g:generateContent", json=body).json()["candidates"][0]
    assert candidate["finishReason"] == "MALFORMED_FUNCTION_CALL"
    assert candidate["finishMessage"].startswith("Malformed function call")


def test_responses_websocket_mode(start_mock: StartMock) -> None:
    server = start_mock(SCENARIO)
    server.app.add_fault(parse_fault({"misbehave": "max_tokens"}, "test"), "test")
    adapter: TypeAdapter[Any] = TypeAdapter(openai.types.responses.ResponseStreamEvent)
    with connect(server.url.replace("http://", "ws://") + "/v1/responses") as ws:
        ws.send(json.dumps({"type": "response.create", "model": "gpt-5", "input": "hi"}))
        events = []
        while not events or events[-1].type not in ("response.completed", "response.incomplete", "error"):
            events.append(adapter.validate_python(json.loads(ws.recv(timeout=10))))
    assert events[-1].type == "response.incomplete"
    assert _responses_view(events[-1].response)["text"] == CUT
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == CUT


def test_the_refusal_text_comes_from_the_fault_message(start_mock: StartMock) -> None:
    server = start_mock(SCENARIO)
    server.app.add_fault(parse_fault({"misbehave": "refusal", "message": "Not today."}, "test"), "test")
    assert chat(server, "hi", False)["refusal"] == "Not today."


def test_targeted_like_every_fault(start_mock: StartMock) -> None:
    server = start_mock(SCENARIO)
    server.app.add_fault(parse_fault({"misbehave": "empty", "nth": 2, "when": {"provider": "anthropic"}}, "t"), "t")
    seen = [claude(server, "hi", False)["blocks"] for _ in range(3)]
    assert chat(server, "hi", False)["text"] == ANSWER
    assert seen == [["text"], [], ["text"]]


def test_an_unknown_name_lists_the_catalogue() -> None:
    with pytest.raises(ScenarioError) as raised:
        parse_fault({"misbehave": "hallucinate"}, "test")
    assert "misbehave" in str(raised.value)
    assert all(name in str(raised.value) for name in NAMES)
