"""Record through the proxy against a local mock playing the provider, then replay with it stopped."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import types

from AgentTestLibrary.cassettes import CassetteError, CassetteSession, load_cassette
from AgentTestLibrary.mockllm import MockLLM, MockServer
from AgentTestLibrary.mockllm.scenario import scenario_from_text
from AgentTestLibrary.secrets import SecretRegistry
from tests.stand_in import Answer, stand_in

SENTINEL = "sk-sentinel-upstream-key-0123456789"
USER = [{"role": "user", "content": "hi"}]
USAGE = {"input_tokens": 1, "output_tokens": 1}
UPSTREAM_SCENARIO = """
rules:
  - name: tool first
    when: {user_text_contains: weather, tool_result: false}
    reply: {tool_calls: [{name: get_weather, arguments: {city: Paris}}]}
  - name: echo the key back
    when: {user_text_contains: leak}
    reply: {text: "your key is sk-sentinel-upstream-key-0123456789, Bearer sk-sentinel-upstream-key-0123456789"}
  - name: plain
    reply: {text: "Recorded answer, several words long."}
"""


def chat(url: str, stream: bool) -> list[Any]:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="sk-fixture-key-for-agent", max_retries=0)
    if stream:
        with client.chat.completions.stream(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]) as s:
            message = s.get_final_completion().choices[0].message
    else:
        message = (
            client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
            .choices[0]
            .message
        )
    return [message.content]


def responses(url: str, stream: bool) -> list[Any]:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="sk-fixture-key-for-agent", max_retries=0)
    tools = [{"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}]
    if stream:
        with client.responses.stream(model="gpt-5", input="weather?", tools=tools) as s:  # type: ignore[arg-type]
            response = s.get_final_response()
    else:
        response = client.responses.create(model="gpt-5", input="weather?", tools=tools)  # type: ignore[arg-type]
    return [(item.type, getattr(item, "name", None), getattr(item, "arguments", None)) for item in response.output]


def messages(url: str, stream: bool) -> list[Any]:
    client = anthropic.Anthropic(base_url=url, api_key="sk-ant-fixture-key", max_retries=0)
    request: dict[str, Any] = {
        "model": "claude-opus-4-8",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "please leak"}],
    }
    if stream:
        with client.messages.stream(**request) as s:
            message = s.get_final_message()
    else:
        message = client.messages.create(**request)
    return [block.model_dump() for block in message.content]


def gemini(url: str, stream: bool) -> list[Any]:
    client = genai.Client(api_key="fixture-gemini-key", http_options=types.HttpOptions(base_url=url))
    if stream:
        return [chunk.text for chunk in client.models.generate_content_stream(model="gemini-2.5-flash", contents="hi")]
    return [client.models.generate_content(model="gemini-2.5-flash", contents="hi").text]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("client", [chat, responses, messages, gemini])
def test_record_then_replay_gives_identical_results(
    tmp_path: Path, client: Callable[[str, bool], list[Any]], stream: bool
) -> None:
    cassette = tmp_path / "cassette.yaml"
    upstream = MockServer(MockLLM(scenario_from_text(UPSTREAM_SCENARIO)))
    upstream_url = upstream.start()
    secrets = SecretRegistry()
    credentials = {name: SENTINEL for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY")}
    recorder_app = MockLLM(secrets=secrets)
    recorder_app.tape = CassetteSession(
        cassette,
        "once",
        secrets,
        credentials=credentials,
        upstreams=dict.fromkeys(("openai", "anthropic", "gemini"), upstream_url),
    )
    recorder = MockServer(recorder_app)
    try:
        recorded = client(recorder.start(), stream)
        assert recorder_app.tape.save()
    finally:
        recorder.stop()
        upstream.stop()
    auth = {"authorization", "x-api-key", "x-goog-api-key"}
    assert all(auth & set(entry.headers) for entry in upstream.app.journal.entries())  # the upstream got a key
    text = cassette.read_text(encoding="utf-8")
    assert SENTINEL not in text and "fixture-key" not in text
    assert "recorded_at:" in text
    assert SENTINEL not in repr(recorded)  # the agent is answered from the scrubbed episode too

    replay_app = MockLLM()
    replay_app.tape = CassetteSession(cassette, "none", SecretRegistry())
    replayer = MockServer(replay_app)
    try:
        assert client(replayer.start(), stream) == recorded
        assert [entry.rule for entry in replay_app.journal.entries()] == ["<cassette episode 1>"]
    finally:
        replayer.stop()


def test_unmatched_request_in_replay_mode_is_a_strict_failure(tmp_path: Path) -> None:
    cassette = tmp_path / "empty.yaml"
    cassette.write_text("version: 1\nrecorded_at: '2026-01-01T00:00:00Z'\nepisodes: []\n", encoding="utf-8")
    app = MockLLM(scenario_from_text("rules: []\n"))
    app.tape = CassetteSession(cassette, "none", SecretRegistry())
    server = MockServer(app)
    try:
        reply = httpx.post(
            f"{server.start()}/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "x"}]}
        )
    finally:
        server.stop()
    assert reply.status_code == 400 and "no recorded episode matches" in reply.json()["error"]["message"]
    entry = app.journal.entries()[0]
    assert entry.unmatched and "has no episodes" in entry.near_miss


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nrecorded_at: nope\nepisodes: []\n", ":2: recorded_at: expected an ISO timestamp"),
        ("version: 2\nrecorded_at: '2026-01-01T00:00:00Z'\n", ":1: version: unsupported version 2"),
        (
            "version: 1\nrecorded_at: '2026-01-01T00:00:00Z'\nepisodes:\n  - request: {}\n",
            "episodes.0: each episode needs",
        ),
        ("version: 1\nrecorded_at: x\nepisodez: []\n", "unknown key"),
        ("version: [1\n", "invalid YAML"),
    ],
)
def test_invalid_cassettes_name_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CassetteError, match=r"bad\.yaml") as caught:
        load_cassette(path)
    assert expected in str(caught.value)


def test_bad_session_options(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match=r"record_mode must be one of none, once, new_episodes, all"):
        CassetteSession(tmp_path / "x.yaml", "sometimes", SecretRegistry())
    with pytest.raises(CassetteError, match="match_on fields"):
        CassetteSession(tmp_path / "x.yaml", "none", SecretRegistry(), match_on=("colour",))


def recording_session(path: Path, upstream: str, secrets: SecretRegistry) -> CassetteSession:
    return CassetteSession(
        path, "all", secrets, credentials={"ANTHROPIC_API_KEY": SENTINEL, "GEMINI_API_KEY": SENTINEL},
        upstreams=dict.fromkeys(("openai", "anthropic", "gemini"), upstream),
    )  # fmt: skip


def sse(*events: dict[str, Any]) -> list[bytes]:
    return [f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode() for event in events]


def test_a_key_streamed_in_pieces_and_its_base64_never_reach_the_cassette_or_the_agent(tmp_path: Path) -> None:
    half = len(SENTINEL) // 2
    b64 = base64.b64encode(f"user:{SENTINEL}".encode()).decode()
    delta = {"type": "content_block_delta", "index": 0}
    events = sse(
        {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [],
                                              "model": "claude-opus-4-8", "usage": USAGE}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {**delta, "delta": {"type": "text_delta", "text": f"key {SENTINEL[:half]}"}},
        {**delta, "delta": {"type": "text_delta", "text": f"{SENTINEL[half:]} and {b64}"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
        {"type": "message_stop"},
    )  # fmt: skip
    secrets = SecretRegistry()
    app = MockLLM(secrets=secrets)
    with stand_in(Answer(headers={"content-type": "text/event-stream"}, chunks=events)) as upstream:
        app.tape = recording_session(tmp_path / "split.yaml", upstream.url, secrets)
        server = MockServer(app)
        try:
            client = anthropic.Anthropic(base_url=server.start(), api_key="sk-ant-fixture", max_retries=0)
            with client.messages.stream(model="claude-opus-4-8", max_tokens=9, messages=USER) as stream:
                text = stream.get_final_message().content[0].text  # type: ignore[union-attr]
            assert app.tape.save()
        finally:
            server.stop()
    written = (tmp_path / "split.yaml").read_text(encoding="utf-8")
    for leaked in (SENTINEL, SENTINEL[:half], SENTINEL[half:], b64[8:-8]):
        assert leaked not in written and leaked not in text
    assert text.startswith("key <scrubbed>")


def test_upstream_urls_are_rebuilt_from_the_route_and_keys_stay_home(tmp_path: Path) -> None:
    body = {"candidates": [{"content": {"parts": [{"text": "ok"}], "role": "model"}, "finishReason": "STOP"}]}
    app = MockLLM(secrets=SecretRegistry())
    with stand_in(Answer(chunks=[json.dumps(body).encode()])) as upstream:
        app.tape = recording_session(tmp_path / "route.yaml", upstream.url, SecretRegistry())
        server = MockServer(app)
        try:
            url = server.start()
            request = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
            traversal = httpx.post(
                f"{url}/v1beta/models/x/../../../v1beta/tunedModels/evil:generateContent?key=client-key", json=request
            )
            normal = httpx.post(
                f"{url}/v1beta/models/gemini-2.5-flash:generateContent?key=client-key&pageToken=1", json=request
            )
        finally:
            server.stop()
    assert traversal.status_code == 404 and normal.status_code == 200
    assert [received.path for received in upstream.received] == ["/v1beta/models/gemini-2.5-flash:generateContent"]
    assert "client-key" not in repr(upstream.received)


def test_an_unreachable_upstream_is_reported_not_a_500(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    app = MockLLM(secrets=SecretRegistry())
    app.tape = recording_session(tmp_path / "down.yaml", closed, SecretRegistry())
    server = MockServer(app)
    try:
        client = anthropic.Anthropic(base_url=server.start(), api_key="sk-ant-fixture", max_retries=0)
        with pytest.raises(anthropic.APIStatusError) as caught:
            client.messages.create(model="claude-opus-4-8", max_tokens=9, messages=USER)
    finally:
        server.stop()
    assert caught.value.status_code == 502 and "could not be reached while recording" in caught.value.message
    assert [failure.url for failure in app.tape.upstream_failures] == [closed]
    assert not app.tape.dirty


def test_an_upstream_given_with_v1_records_and_an_upstream_error_is_flagged(tmp_path: Path) -> None:
    upstream = MockServer(
        MockLLM(scenario_from_text("rules:\n  - {when: {user_text_contains: hi}, reply: {text: up}}\n"))
    )
    base = upstream.start()
    app = MockLLM(secrets=SecretRegistry())
    server = MockServer(app)
    try:
        app.tape = CassetteSession(tmp_path / "v1.yaml", "all", SecretRegistry(), upstreams={"openai": base + "/v1"})
        url = server.start()
        assert chat(url, stream=False) == ["up"]  # the SDK-style base (…/v1) reached /v1/chat/completions
        assert app.tape.upstream_errors == []
        app.tape = CassetteSession(tmp_path / "err.yaml", "all", SecretRegistry(), upstreams={"openai": base})
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="sk-fixture-key-for-agent", max_retries=0)
        with pytest.raises(openai.BadRequestError):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "unscripted"}])
    finally:
        server.stop()
        upstream.stop()
    assert len(app.tape.upstream_errors) == 1
    assert app.tape.upstream_errors[0].startswith(f"HTTP 400 from {base}/v1/chat/completions: ")
