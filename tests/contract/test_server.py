"""The HTTP server on real sockets: keep-alive, chunked SSE, malformed input, ports, concurrency."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import httpx
import openai
import pytest

from AgentTestLibrary.mockllm import MockLLM, MockServer, MockServerError
from AgentTestLibrary.mockmcp import MockMCP
from tests.conftest import StartMock

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def raw_exchange(server: MockServer, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_keep_alive_serves_many_requests_on_one_connection(start_mock: StartMock) -> None:
    server = start_mock()
    with httpx.Client(base_url=server.url) as client:
        for _ in range(5):
            assert client.post("/v1/chat/completions", json=CHAT).status_code == 200
    assert len(server.app.journal.entries()) == 5


def test_sse_is_chunked_and_event_stream(start_mock: StartMock) -> None:
    server = start_mock()
    with (
        httpx.Client(base_url=server.url) as client,
        client.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as response,
    ):
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["transfer-encoding"] == "chunked"
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"


def test_malformed_http_gets_400_and_server_survives(start_mock: StartMock) -> None:
    server = start_mock()
    assert raw_exchange(server, b"THIS IS NOT HTTP\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert raw_exchange(server, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: nope\r\n\r\n").startswith(
        b"HTTP/1.1 400"
    )
    with httpx.Client(base_url=server.url) as client:
        assert client.post("/v1/chat/completions", json=CHAT).status_code == 200


def test_client_disconnecting_mid_request_does_not_hurt(start_mock: StartMock) -> None:
    server = start_mock()
    raw_exchange(server, b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
    with httpx.Client(base_url=server.url) as client:
        assert client.post("/v1/chat/completions", json=CHAT).status_code == 200


def test_head_root_and_chunked_request_body(start_mock: StartMock) -> None:
    server = start_mock()
    assert raw_exchange(server, b"HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").startswith(b"HTTP/1.1 200")
    body = json.dumps(CHAT).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    reply = raw_exchange(
        server,
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + chunked,
    )
    assert reply.startswith(b"HTTP/1.1 200") and b"chat.completion" in reply


def test_port_in_use_is_a_clear_error(start_mock: StartMock) -> None:
    busy = start_mock()
    with pytest.raises(MockServerError, match=rf"Port {busy.port} on 127.0.0.1 is already in use.*port=0"):
        MockServer(MockLLM(), port=busy.port).start()


def test_port_zero_gives_distinct_ports(start_mock: StartMock) -> None:
    ports = {start_mock().port for _ in range(4)}
    assert len(ports) == 4 and 0 not in ports


def test_stop_releases_the_port() -> None:
    server = MockServer(MockLLM())
    server.start()
    port = server.port
    server.stop()
    again = MockServer(MockLLM(), port=port)
    again.start()
    again.stop()


def test_many_agents_at_once_no_cross_talk(start_mock: StartMock) -> None:
    """16 concurrent clients, each with its own prompt, each gets only its own answers."""
    rules = "\n".join(
        f"  - {{when: {{user_text_contains: <agent-{i}>}}, reply: {{text: answer-{i}}}}}" for i in range(16)
    )
    server = start_mock(f"rules:\n{rules}\n")
    errors: list[str] = []

    def agent(number: int) -> None:
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-test", max_retries=0, timeout=30)
        for turn in range(5):
            stream = turn % 2 == 1
            messages = [{"role": "user", "content": f"I am <agent-{number}>"}]
            if stream:
                with client.chat.completions.stream(model="m", messages=messages) as events:  # type: ignore[arg-type]
                    text = events.get_final_completion().choices[0].message.content
            else:
                text = client.chat.completions.create(model="m", messages=messages).choices[0].message.content  # type: ignore[arg-type]
            if text != f"answer-{number}":
                errors.append(f"agent-{number} got {text!r}")

    threads = [threading.Thread(target=agent, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(server.app.journal.entries()) == 80


def test_a_head_gets_the_head_a_get_would_alone_and_the_connection_stays_in_step(start_mock: StartMock) -> None:
    server = start_mock()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    for path in ("/", "/v1/models", "/api/tags", "/api/version"):
        connection.request("GET", path)
        got = connection.getresponse()
        body = got.read()
        connection.request("HEAD", path)
        head = connection.getresponse()
        assert head.read() == b""
        assert (head.status, head.getheader("content-type"), head.getheader("content-length")) == (
            got.status, got.getheader("content-type"), str(len(body))), path  # fmt: skip
    connection.request("PUT", "/v1/models")
    refused = connection.getresponse()
    refused.read()
    assert (refused.status, refused.getheader("allow")) == (405, "GET, HEAD")
    connection.request("POST", "/v1/chat/completions", json.dumps(CHAT), {"content-type": "application/json"})
    assert connection.getresponse().status == 200
    connection.close()


def test_a_head_on_a_stream_gets_its_head_and_never_its_events() -> None:
    server = MockServer(MockMCP())
    server.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        sent = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
        initialize = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        }
        connection.request("POST", "/mcp", json.dumps(initialize), sent)
        answer = connection.getresponse()
        answer.read()
        session = {"mcp-session-id": answer.getheader("mcp-session-id") or ""}
        connection.request("HEAD", "/mcp", headers={**session, "accept": "text/event-stream"})
        head = connection.getresponse()
        assert (head.status, head.getheader("content-type"), head.read()) == (200, "text/event-stream", b"")
        connection.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 2, "method": "ping"}),
                           {**sent, **session})  # fmt: skip
        pong = connection.getresponse()
        assert (pong.status, json.loads(pong.read())["id"]) == (200, 2)  # no stream bytes came before it
        connection.close()
    finally:
        server.stop()
