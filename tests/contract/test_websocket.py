"""The Responses API over WebSocket, as Codex uses it: warm-up, then chained turns with new items only."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from AgentTestLibrary.mockllm import MockServer
from tests.conftest import StartMock

SCENARIO = """
rules:
  - name: run echo
    when: {user_text_contains: echo, tool_result: false}
    reply: {tool_calls: [{name: exec_command, arguments: {cmd: echo hi}}]}
  - name: report
    when: {tool_result_contains: hi, turn: 2}
    reply: {text: The command printed hi.}
"""


def ws_url(server: MockServer) -> str:
    return server.url.replace("http://", "ws://") + "/v1/responses"


def turn(ws: ClientConnection, frame: dict[str, Any]) -> list[dict[str, Any]]:
    ws.send(json.dumps({"type": "response.create", "model": "gpt-5-codex", **frame}))
    events = []
    while not events or events[-1]["type"] not in ("response.completed", "error"):
        events.append(json.loads(ws.recv(timeout=10)))
    return events


def test_warm_up_then_chained_turns(start_mock: StartMock) -> None:
    server = start_mock(SCENARIO)
    developer = {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "be safe"}]}
    with connect(ws_url(server), additional_headers={"openai-beta": "responses_websockets=2026-02-06"}) as ws:
        warm = turn(ws, {"generate": False, "input": [developer]})
        assert [event["type"] for event in warm] == ["response.created", "response.completed"]
        assert warm[-1]["response"]["output"] == []
        user = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "please echo hi"}]}
        first = turn(ws, {"previous_response_id": warm[-1]["response"]["id"], "input": [user]})
        assert [event["sequence_number"] for event in first] == list(range(len(first)))
        call = first[-1]["response"]["output"][0]
        added = next(event for event in first if event["type"] == "response.output_item.added")
        assert call["type"] == "function_call" and added["item"]["call_id"] == call["call_id"]
        output = {"type": "function_call_output", "call_id": call["call_id"], "output": "hi\n"}
        second = turn(ws, {"previous_response_id": first[-1]["response"]["id"], "input": [output]})
        assert second[-1]["response"]["output"][0]["content"][0]["text"] == "The command printed hi."
    entries = server.app.journal.entries()
    assert [entry.rule for entry in entries] == ["<warm-up: generate false>", "run echo", "report"]
    assert entries[2].subject is not None and entries[2].subject.system == "be safe"


def test_bad_frames_get_error_events_and_the_socket_stays_open(start_mock: StartMock) -> None:
    server = start_mock(SCENARIO)
    with connect(ws_url(server)) as ws:
        ws.send("not json")
        assert "not valid JSON" in json.loads(ws.recv(timeout=10))["error"]["message"]
        ws.send(json.dumps({"type": "session.update"}))
        assert "Unsupported frame type 'session.update'" in json.loads(ws.recv(timeout=10))["error"]["message"]
        error = turn(ws, {"previous_response_id": "resp_unknown", "input": []})[-1]
        assert (
            error["type"] == "error" and error["status"] == 400 and "unknown to this mock" in error["error"]["message"]
        )
        unmatched = turn(ws, {"input": "nothing matches this"})[-1]
        assert unmatched["type"] == "error" and "closest was rule" in unmatched["error"]["message"]


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/unknown"])
def test_upgrade_elsewhere_is_refused(start_mock: StartMock, path: str) -> None:
    server = start_mock()
    headers = {"upgrade": "websocket", "connection": "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
               "sec-websocket-version": "13"}  # fmt: skip
    assert httpx.get(server.url + path, headers=headers).status_code == 404
