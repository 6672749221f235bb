"""Cassette drift against loopback stand-in providers: a clean match, an added field, a dropped stream event type
and a changed status are each reported as the drift they are; no key and a sealed network skip (exit 0)."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import threading
import typing
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from AgentTestLibrary.cassettes.model import Cassette, Episode, save_cassette
from AgentTestLibrary.cassettes.verify import rebuilt_request, shape_drifts, stream_drifts
from tests.acceptance.robot_outputs import everything_written
from tests.acceptance.robot_run import run_robot
from tests.contract.test_cli import AGENTTEST

SENTINEL = "sk-sntl-verify-3Jq8-planted-openai-key"
ANTHROPIC_SENTINEL = "sk-ant-sntl-verify-planted-anthropic-key"
CHAT = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!", "refusal": None},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}  # fmt: skip
EVENTS = [
    ("message_start", {"type": "message_start", "message": {"id": "msg_1", "role": "assistant", "content": [],
                                                          "usage": {"input_tokens": 3, "output_tokens": 1}}}),
    ("ping", {"type": "ping"}),
    ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}}),
    ("message_stop", {"type": "message_stop"}),
]  # fmt: skip


def sse(events: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{"delay_ms": 0, "data": f"event: {name}\ndata: {json.dumps(data)}"} for name, data in events]


class StandIn(BaseHTTPRequestHandler):
    """A provider whose answers have the recorded shape, except for the one change its mode names."""

    mode = "same"
    received: typing.ClassVar[list[dict[str, Any]]] = []

    def log_message(self, *args: object) -> None:
        return None

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        authorized = bool(self.headers.get("authorization") or self.headers.get("x-api-key"))
        StandIn.received.append({"path": self.path, "body": body, "auth": authorized})
        if self.path.startswith("/v1/chat/completions"):
            answer: dict[str, Any] = {**CHAT, "id": "chatcmpl-other", "choices": [
                {**CHAT["choices"][0], "message": {"role": "assistant", "content": "Different words.", "refusal": None}}
            ]}  # fmt: skip
            status = 200
            if self.mode == "added_field":
                answer["service_tier"] = "default"
            if self.mode == "status":
                status, answer = 400, {"error": {"message": "model retired", "type": "invalid_request_error"}}
            raw = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            return
        events = [event for event in EVENTS if not (self.mode == "dropped_event" and event[0] == "ping")]
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for name, data in events:
            self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())


@pytest.fixture
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    StandIn.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def cassettes(tmp_path: Path) -> Path:
    folder = tmp_path / "cassettes" / "Suite"
    folder.mkdir(parents=True)
    chat = Episode(
        {"protocol": "openai.chat", "method": "POST", "path": "/v1/chat/completions", "model": "gpt-4o-mini",
         "stream": False, "system": "Be brief.", "messages": [{"role": "user", "text": "hi"}], "tools": ["list_files"]},
        {"status": 200, "headers": {"content-type": "application/json"}, "body": CHAT}, {"text": "Hello!"},
    )  # fmt: skip
    streamed = Episode(
        {"protocol": "anthropic.messages", "method": "POST", "path": "/v1/messages", "model": "claude-sonnet-4",
         "stream": True, "system": "", "messages": [{"role": "user", "text": "hi"}], "tools": []},
        {"status": 200, "headers": {"content-type": "text/event-stream; charset=utf-8"}, "events": sse(EVENTS)},
        {"text": "Hi"},
    )  # fmt: skip
    save_cassette(Cassette(folder / "Greets.yaml", dt.datetime.now(dt.timezone.utc), [chat, streamed]))
    return tmp_path / "cassettes"


def verify(cassettes: Path, upstream: str, *extra: str, keys: bool = True, live: bool = True) -> tuple[int, str, Any]:
    env = {name: value for name, value in os.environ.items() if not name.endswith(("_API_KEY", "_AUTH_TOKEN"))}
    env.pop("RUN_LIVE_TESTS", None)
    if live:
        env["RUN_LIVE_TESTS"] = "true"
    if keys:
        env.update({"OPENAI_API_KEY": SENTINEL, "ANTHROPIC_API_KEY": ANTHROPIC_SENTINEL})
    report = cassettes.parent / "drift.json"
    done = subprocess.run([*AGENTTEST, "cassette", "verify", str(cassettes), "--report", str(report),
                           "--upstream-openai", upstream, "--upstream-anthropic", upstream, *extra],
                          capture_output=True, text=True, timeout=120, env=env, cwd=cassettes.parent)  # fmt: skip
    written = report.read_text(encoding="utf-8") if report.is_file() else ""
    assert SENTINEL not in done.stdout + done.stderr + written and ANTHROPIC_SENTINEL not in written
    return done.returncode, done.stdout + done.stderr, json.loads(written) if written else None


def test_a_provider_that_still_matches_gives_a_clean_report(cassettes: Path, provider: str) -> None:
    code, out, report = verify(cassettes, provider)
    assert code == 0, out
    assert "episode 1 openai.chat: CLEAN" in out and "episode 2 anthropic.messages: CLEAN" in out
    assert "Cassette verify: no drift (2 clean, 0 drift, 0 skipped, 0 error, 0 invalid)." in out
    assert report["counts"] == {"clean": 2, "drift": 0, "skipped": 0, "error": 0, "invalid": 0}
    chat = next(item for item in StandIn.received if item["path"] == "/v1/chat/completions")
    assert chat["auth"] and chat["body"]["model"] == "gpt-4o-mini"
    assert chat["body"]["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert chat["body"]["tools"][0]["function"]["name"] == "list_files"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("added_field", 'field_added body $.service_tier: recorded null, live ["string"]'),
        ("dropped_event", "event_removed stream event ping"),
        ("status", "status status: recorded 200, live 400"),
    ],
)
def test_each_kind_of_drift_is_reported_as_what_it_is(cassettes: Path, provider: str, mode: str, expected: str) -> None:
    StandIn.mode = mode
    try:
        code, out, report = verify(cassettes, provider)
    finally:
        StandIn.mode = "same"
    assert code == 1 and expected in out, out
    assert report["drifted"] and any(episode["status"] == "drift" for episode in report["episodes"])
    assert "DRIFT" in out


def test_without_keys_gate_or_network_it_skips_and_exits_0(cassettes: Path, provider: str) -> None:
    code, out, _ = verify(cassettes, provider, keys=False)
    assert code == 0 and "SKIPPED (no OPENAI_API_KEY: not verified)" in out, out
    code, out, _ = verify(cassettes, provider, live=False)
    assert code == 0 and out.startswith("SKIP: RUN_LIVE_TESTS not set"), out
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    code, out, _ = verify(cassettes, closed)
    assert code == 0 and "SKIPPED (egress blocked:" in out and "connect_refused" in out, out
    assert StandIn.received == [], "nothing may be sent when skipping"


def test_a_hostile_cassette_is_reported_invalid_and_the_others_are_verified(cassettes: Path, provider: str) -> None:
    hostile = Episode(
        {"protocol": "gemini.generate", "model": "../../v1/x:evil?key=", "stream": False, "messages": "not a list"},
        {"status": 200, "headers": {}, "body": {}}, {},
    )  # fmt: skip
    odd = Episode({"protocol": "openai.chat", "model": "m", "messages": [{"tool_calls": 7}]},
                  {"status": 200, "headers": {}, "body": {}}, {})  # fmt: skip
    folder = cassettes / "Suite"
    save_cassette(Cassette(folder / "Aaa_Hostile.yaml", dt.datetime.now(dt.timezone.utc), [hostile, odd]))
    (folder / "Aab_Broken.yaml").write_text("version: 1\nrecorded_at: [\n", encoding="utf-8")
    code, out, report = verify(cassettes, provider)
    assert code == 1, out
    assert "Traceback" not in out
    assert "episode 1 gemini.generate: INVALID (model name '../../v1/x:evil?key=' cannot be forwarded" in out
    assert "episode 2 openai.chat: INVALID (" in out
    assert "Aab_Broken.yaml:" in out and "invalid YAML" in out
    assert "episode 1 openai.chat: CLEAN" in out and "episode 2 anthropic.messages: CLEAN" in out
    assert report["counts"] == {"clean": 2, "drift": 0, "skipped": 0, "error": 0, "invalid": 3}
    assert len(StandIn.received) == 2


def test_the_per_run_cap_bounds_the_requests(cassettes: Path, provider: str) -> None:
    code, out, _ = verify(cassettes, provider, "--max-requests", "1")
    assert code == 0 and "SKIPPED (the cap of 1 requests per run was reached)" in out
    assert len(StandIn.received) == 1


def test_shapes_ignore_content_and_null_but_not_types() -> None:
    assert shape_drifts({"a": "x", "b": [], "c": None}, {"a": "y", "b": [{"z": 1}], "c": "now text"}) == []
    changed = shape_drifts({"a": 1}, {"a": "1"})
    assert [drift.kind for drift in changed] == ["type_changed"] and changed[0].where == "body $.a"
    repeated = sse([EVENTS[3][:2]] * 3)
    assert stream_drifts(sse(EVENTS), sse(EVENTS[:3]) + repeated + sse(EVENTS[4:])) == []


def test_each_protocol_is_rebuilt_in_its_own_format() -> None:
    view = {"protocol": "gemini.generate", "model": "gemini-2.5-flash", "stream": True, "system": "s",
            "messages": [{"role": "user", "text": "hi"},
                         {"role": "assistant", "text": "", "tool_calls": [{"name": "ls", "arguments": {}}]},
                         {"role": "user", "text": "", "tool_results": ["a.txt"]}], "tools": ["ls"]}  # fmt: skip
    target, _, body = rebuilt_request(view)
    sent = json.loads(body)
    assert target == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    assert sent["contents"][2]["parts"][0]["functionResponse"]["name"] == "ls"
    anthropic = json.loads(rebuilt_request({**view, "protocol": "anthropic.messages"})[2])
    assert anthropic["messages"][2]["content"][0]["tool_use_id"] == anthropic["messages"][1]["content"][0]["id"]
    responses = json.loads(rebuilt_request({**view, "protocol": "openai.responses"})[2])
    assert [item.get("type", "message") for item in responses["input"]] == ["message", "function_call",
                                                                            "function_call_output"]  # fmt: skip
    with pytest.raises(ValueError, match="cannot be re-sent"):
        rebuilt_request({**view, "protocol": "grpc"})


def test_the_keyword_shows_drift_in_a_live_suite(tmp_path: Path, cassettes: Path, provider: str) -> None:
    suite = f"""
*** Settings ***
Library    AgentTestLibrary
Test Tags    live    lane:model-backed    owner:qa

*** Test Cases ***
Recordings Against The Stand-In
    Cassettes Should Match The Providers    {cassettes}    upstream_openai={provider}    upstream_anthropic={provider}
"""
    keys = {"RUN_LIVE_TESTS": "true", "OPENAI_API_KEY": SENTINEL, "ANTHROPIC_API_KEY": ANTHROPIC_SENTINEL}
    for run_folder in "abc":
        (tmp_path / run_folder).mkdir()
    assert run_robot(tmp_path / "a", {"drift.robot": suite}, keys).statuses["Recordings Against The Stand-In"] == (
        "PASS", "",
    )  # fmt: skip
    StandIn.mode = "status"
    try:
        run = run_robot(tmp_path / "b", {"drift.robot": suite}, keys)
    finally:
        StandIn.mode = "same"
    status, message = run.statuses["Recordings Against The Stand-In"]
    assert status == "FAIL" and "The providers drifted from the cassettes" in message and "live 400" in message
    assert SENTINEL not in everything_written(run.output_dir)
    assert list(run.output_dir.glob("agenttest-drift/*.json"))
    keyless = {"RUN_LIVE_TESTS": "true", "OPENAI_API_KEY": None, "ANTHROPIC_API_KEY": None}
    status, message = run_robot(tmp_path / "c", {"drift.robot": suite}, keyless).statuses[
        "Recordings Against The Stand-In"
    ]
    assert status == "SKIP" and "No episode could be verified: no OPENAI_API_KEY" in message, message
