"""One fault decision: whether a fault replaces the answer is the pipeline's, and every mock journals it alike.

A ``reset`` sends nothing; the client sees the connection close, and the journal of the model
mock, an MCP server, a REST service and AWS says so the same way (status 0, no reply, the
same error), whatever the protocol. An injected error status never reaches the endpoint's
``render`` (the route does not act), and each journal holds the error reply the client got.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from AgentTestLibrary.mock.application import MockApplication
from AgentTestLibrary.mock.pipeline import NO_RESPONSE, NO_RESPONSE_ERROR
from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockaws.app import MockAWS, Moto
from AgentTestLibrary.mockllm import MockLLM
from AgentTestLibrary.mockmcp import MockMCP
from AgentTestLibrary.mockservice import MockService, load_service

LLM_REQUEST = ("POST", "/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": "hi"}]})
MCP_REQUEST = ("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                           "clientInfo": {"name": "test", "version": "1"}}})  # fmt: skip
SERVICE_REQUEST = ("GET", "/user", None)
AWS_REQUEST = ("POST", "/", None)
MCP_HEADERS = {"accept": "application/json, text/event-stream"}
AWS_HEADERS = {"content-type": "application/x-www-form-urlencoded",
               "authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request"}  # fmt: skip

Mock = tuple[Callable[[pytest.FixtureRequest], MockApplication], tuple[str, str, Any], dict[str, str]]
MOCKS: dict[str, Mock] = {
    "llm": (lambda _: MockLLM(), LLM_REQUEST, {}),
    "mcp": (lambda _: MockMCP(), MCP_REQUEST, MCP_HEADERS),
    "service": (lambda _: MockService(load_service("github", "github")), SERVICE_REQUEST, {}),
    "aws": (lambda request: MockAWS(request.getfixturevalue("moto")), AWS_REQUEST, AWS_HEADERS),
}


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    upstream = Moto()
    try:
        yield upstream.start()
    finally:
        upstream.stop()


@pytest.fixture(params=sorted(MOCKS))
def served(request: pytest.FixtureRequest) -> Iterator[tuple[MockServer, tuple[str, str, Any], dict[str, str]]]:
    factory, call, headers = MOCKS[request.param]
    server = MockServer(factory(request))  # type: ignore[arg-type]
    server.start()
    try:
        yield server, call, headers
    finally:
        server.stop()


def send(server: MockServer, call: tuple[str, str, Any], headers: dict[str, str]) -> httpx.Response:
    method, path, body = call
    content = "Action=ListQueues&Version=2012-11-05" if path == "/" else None
    return httpx.request(method, server.url + path, json=body, content=content, headers=headers, timeout=10)


def fault(server: MockServer, **effects: Any) -> None:
    app: MockApplication = server.app  # type: ignore[assignment]
    app.add_fault(app.parse_fault({"name": "broken", **effects}, "test"), "test:T")


def shape(entry: dict[str, Any]) -> dict[str, Any]:
    """What must agree across protocols for one fault."""
    return {key: entry[key] for key in ("kind", "status", "reply", "error", "broken", "unmatched")}


def test_a_reset_is_journaled_as_no_response_by_every_mock(served: Any) -> None:
    server, call, headers = served
    fault(server, reset=True)
    with pytest.raises(httpx.RemoteProtocolError):
        send(server, call, headers)
    [entry] = [item.to_dict() for item in server.app.journal.entries()]
    assert shape(entry) == {"kind": "request", "status": NO_RESPONSE, "reply": None, "error": NO_RESPONSE_ERROR,
                            "broken": True, "unmatched": False}  # fmt: skip
    assert entry["fault"] == "fault 'broken': connection reset (matching call #1)"
    assert entry["protocol"] and entry["request"] is not None


def test_an_injected_status_never_reaches_the_endpoint_and_the_journal_holds_the_error_sent(
    served: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, call, headers = served
    endpoint = server.app.pipeline.routes.find(call[0], call[1]).endpoint

    def never(*args: object) -> None:
        raise AssertionError("the endpoint rendered an answer a fault had replaced")

    monkeypatch.setattr(endpoint, "render", never)
    fault(server, status=503, message="down for the test")
    answer = send(server, call, headers)
    [entry] = [item.to_dict() for item in server.app.journal.entries()]
    assert (answer.status_code, entry["status"], entry["error"], entry["broken"]) == (503, 503, "down for the test",
                                                                                         True)  # fmt: skip
    reply = entry["reply"]  # the error in the protocol's reply shape: LLM and MCP carry the message, service and AWS
    assert reply is not None and ("down for the test" in json.dumps(reply) or reply.get("status") == 503), reply


def test_a_hang_that_closes_without_an_answer_is_journaled_as_no_response(served: Any) -> None:
    server, call, headers = served
    fault(server, hang_s=0.05)
    with pytest.raises(httpx.RemoteProtocolError):
        send(server, call, headers)
    [entry] = [item.to_dict() for item in server.app.journal.entries()]
    assert (entry["status"], entry["reply"], entry["error"]) == (NO_RESPONSE, None, NO_RESPONSE_ERROR)
