"""The server as an attacker or a careless client meets it: web pages, the agent itself, slow and huge requests."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from AgentTestLibrary.errors import MockServerError
from AgentTestLibrary.mock.http import Outcome, Request
from AgentTestLibrary.mock.journal import Journal
from AgentTestLibrary.mock.pipeline import MAX_VERDICTS, Guard
from AgentTestLibrary.mock.server import Limits
from AgentTestLibrary.mockllm import MockLLM, MockServer
from AgentTestLibrary.mockllm.conversation import Conversation
from AgentTestLibrary.mockllm.tape import TapeAnswer
from tests.conftest import ADMIN, ADMIN_TOKEN, StartMock

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
SCENARIO = "rules:\n  - name: safe\n    reply: {text: safe answer}\n"
INJECTED = "rules:\n  - reply: {tool_calls: [{name: run_command, arguments: {command: 'touch /tmp/pwned'}}]}\n"


def raw(server: MockServer, data: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def started(app: MockLLM | None = None, **limits: Any) -> MockServer:
    server = MockServer(app or MockLLM(admin_token=ADMIN_TOKEN), limits=Limits(**limits))
    server.start()
    return server


def chat_reply(server: MockServer) -> str:
    return str(httpx.post(f"{server.url}/v1/chat/completions", json=CHAT).json()["choices"][0]["message"]["content"])


# -- 1. a web page cannot drive the admin API ------------------------------------------------------


def test_a_browser_no_cors_post_through_a_rebound_name_is_refused(start_mock: StartMock) -> None:
    server = start_mock(SCENARIO)
    page = {"content-type": "text/plain", "origin": "http://evil.example", "host": f"rebind.evil.example:{server.port}"}
    for headers in (page, {**page, **ADMIN}):
        reply = httpx.post(f"{server.url}/__agenttest/scenario", content=INJECTED, headers=headers)
        assert reply.status_code == 403 and "access-control-allow-origin" not in reply.headers
    assert chat_reply(server) == "safe answer"


def test_foreign_origins_and_plain_text_writes_are_refused(start_mock: StartMock) -> None:
    server = start_mock(SCENARIO)
    evil = httpx.post(f"{server.url}/v1/chat/completions", json=CHAT, headers={"origin": "http://evil.example"})
    assert evil.status_code == 403 and "requests from web pages are refused" in evil.json()["error"]["message"]
    other_port = httpx.post(f"{server.url}/v1/chat/completions", json=CHAT, headers={"origin": "http://127.0.0.1:1"})
    assert other_port.status_code == 403
    headers = {**ADMIN, "content-type": "text/plain"}
    plain = httpx.post(f"{server.url}/__agenttest/scenario", content=INJECTED, headers=headers)
    assert plain.status_code == 415 and chat_reply(server) == "safe answer"
    preflight = httpx.options(f"{server.url}/__agenttest/scenario", headers={"origin": "http://evil.example"})
    assert not [name for name in preflight.headers if name.startswith("access-control")]


def test_the_guard_remembers_each_host_and_origin_on_its_own_and_boundedly() -> None:
    """Verdicts are kept per (Host, Origin): an allowed pair never lets a foreign one through, before or after the
    kept verdicts fill up and are dropped."""
    guard = Guard(4000)
    allowed, evil = {"host": "127.0.0.1:4000"}, {"host": "127.0.0.1:4000", "origin": "http://evil.example"}
    for round_number in range(3):
        assert guard.refuse(Request("POST", "/v1/chat/completions", allowed)) == ""
        assert "web pages are refused" in guard.refuse(Request("POST", "/v1/chat/completions", evil))
        assert "DNS rebinding" in guard.refuse(Request("POST", "/", {"host": "rebind.evil.example:4000"}))
        for number in range(MAX_VERDICTS + 1):  # a client churning Origins fills the kept verdicts
            port = 3900 + number + round_number  # port 4000, the mock's own, is the one allowed
            verdict = guard.refuse(
                Request("GET", "/", {"host": "127.0.0.1:4000", "origin": f"http://localhost:{port}"})
            )
            assert verdict == "" if port == 4000 else "web pages are refused" in verdict
        assert len(guard.verdicts) <= MAX_VERDICTS


# -- 2. the agent under test cannot rewrite its own evidence ---------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "reset", b""), ("POST", "scenario", b"strict: false\nrules: []\n"), ("DELETE", "faults", b""),
     ("GET", "journal", b"")],
)  # fmt: skip
def test_admin_calls_without_the_token_are_refused_and_journaled(
    start_mock: StartMock, method: str, path: str, body: bytes
) -> None:
    server = start_mock(SCENARIO)
    assert chat_reply(server) == "safe answer"
    headers = {"content-type": "application/yaml"} if body else {}
    refused = httpx.request(method, f"{server.url}/__agenttest/{path}", content=body, headers=headers)
    wrong = httpx.request(method, f"{server.url}/__agenttest/{path}", content=body,
                          headers={**headers, "authorization": "Bearer guessed"})  # fmt: skip
    assert refused.status_code == wrong.status_code == 401
    entries = server.app.journal.entries()
    assert [entry.kind for entry in entries] == ["request", "admin", "admin"]
    assert [entry.protocol for entry in entries] == ["openai.chat", None, None]
    assert server.app.scenario.strict and chat_reply(server) == "safe answer"


def test_the_cli_admin_api_needs_its_token(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "AgentTestLibrary", "mock", "serve", "--admin-token", "cli-admin-token-1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().split("=", 1)[1]
        assert httpx.post(f"{url}/__agenttest/reset").status_code == 401
        assert httpx.post(f"{url}/__agenttest/reset", headers={"authorization": "Bearer cli-admin-token-1"}).is_success
    finally:
        process.terminate()
        process.wait(10)
    off = subprocess.Popen(command[:-2], stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        assert off.stdout is not None
        url = off.stdout.readline().strip().split("=", 1)[1]
        reply = httpx.post(f"{url}/__agenttest/reset", headers={"authorization": "Bearer anything"})
        assert reply.status_code == 401 and "--admin-token" in reply.json()["error"]["message"]
    finally:
        off.terminate()
        off.wait(10)


# -- 10. one client cannot stall the others or grow memory without bound --------------------------


def test_a_half_sent_request_gets_408_and_the_connection_closes() -> None:
    server = started(request_timeout_s=0.3)
    try:
        reply = raw(server, b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
    finally:
        server.stop()
    assert reply.startswith(b"HTTP/1.1 408") and json.loads(reply.split(b"\r\n\r\n", 1)[1])["error"]


def test_a_slow_drip_head_is_timed_from_its_first_byte() -> None:
    server = started(request_timeout_s=0.6)
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            closed_after = None
            for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200:
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    closed_after = byte
                    break
                time.sleep(0.05)
            reply = sock.recv(65536)
    finally:
        server.stop()
    assert reply.startswith(b"HTTP/1.1 408") or closed_after is not None


def test_idle_keep_alive_connections_are_closed() -> None:
    server = started(idle_timeout_s=0.3)
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            assert sock.recv(1) == b""  # the server closes its side
    finally:
        server.stop()


async def still_sending(port: int, head: bytes, body_bytes: int) -> bytes:
    """A client that sends its whole request before it reads (as asyncio and most SDK clients do), then reads all."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        for _ in range(body_bytes // 65536):
            writer.write(b"x" * 65536)
            await writer.drain()
        writer.write_eof()
        return await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4194304\r\n\r\n", b"413"),
        (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\nContent-Length: 4194304\r\n\r\n",
         b"400"),
    ],
)  # fmt: skip
def test_an_early_answer_reaches_a_client_that_is_still_sending(head: bytes, status: bytes) -> None:
    server = started(max_body_bytes=1000)

    async def clients() -> list[bytes | BaseException]:
        return await asyncio.gather(*(still_sending(server.port, head, 4 * 1024 * 1024) for _ in range(8)),
                                    return_exceptions=True)  # fmt: skip

    try:
        answers = asyncio.run(clients())
    finally:
        server.stop()
    assert all(isinstance(answer, bytes) and answer.startswith(b"HTTP/1.1 " + status) for answer in answers), [
        answer[:40] if isinstance(answer, bytes) else repr(answer) for answer in answers
    ]


@pytest.mark.parametrize(("path", "shape"), [("/v1/chat/completions", "openai"), ("/v1/messages", "anthropic")])
def test_a_body_over_the_limit_gets_the_providers_413(path: str, shape: str) -> None:
    app = MockLLM()
    server = started(app, max_body_bytes=1000)
    try:
        reply = httpx.post(f"{server.url}{path}", content=b"x" * 5000, headers={"content-type": "application/json"})
    finally:
        server.stop()
    assert reply.status_code == 413
    error = reply.json()
    assert error["type"] == "error" if shape == "anthropic" else "message" in error["error"]
    assert "max_body_bytes" in json.dumps(error) and app.journal.entries()[0].body is None


def test_a_websocket_message_over_the_cap_closes_with_1009() -> None:
    server = started(max_ws_message_bytes=2000)
    try:
        with connect(f"ws://127.0.0.1:{server.port}/v1/responses", open_timeout=10) as socket_client:
            socket_client.send(json.dumps({"type": "response.create", "model": "m", "input": "x" * 5000}))
            with pytest.raises(ConnectionClosed) as closed:
                socket_client.recv(timeout=10)
    finally:
        server.stop()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_a_ping_flood_that_reads_nothing_keeps_the_servers_output_bounded() -> None:
    """Pongs for a flood read in one chunk must not pile up: past the high-water mark only the newest ping is
    answered (RFC 6455 5.5.3), when the client reads again. The old code answered all (~250 KB buffered)."""
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import Ping
    from wsproto.events import Request as Upgrade

    high_water = 16 * 1024
    server = started(write_high_water=high_water)
    try:
        client = WSConnection(ConnectionType.CLIENT)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # small kernel buffers on both sides, so
        sock.connect(("127.0.0.1", server.port))  # unread pongs reach the server's own write buffer at once
        sock.settimeout(10)
        sock.sendall(client.send(Upgrade(host="127.0.0.1", target="/v1/responses")))
        client.receive_data(sock.recv(65536))
        list(client.events())
        for connection in list(server.connections):
            if connection.transport is not None:
                connection.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        flood = client.send(Ping(payload=b"p" * 120)) * 3000  # ~380 KB: the server reads it in large chunks
        sender = threading.Thread(target=sock.sendall, args=(flood,), daemon=True)
        sender.start()
        largest = 0
        for _ in range(150):  # bounded sampling (~1.5 s): the bound must hold at every moment
            sizes = [connection.transport.get_write_buffer_size() for connection in server.connections
                     if connection.transport is not None]  # fmt: skip
            largest = max([largest, *sizes])
            time.sleep(0.01)
        sock.close()
        sender.join(timeout=10)
    finally:
        server.stop()
    assert 0 < largest <= high_water + 1024, f"{largest} bytes of output queued for a client that reads nothing"


def test_a_ping_is_answered_with_its_pong() -> None:
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import Ping, Pong
    from wsproto.events import Request as Upgrade

    server = started()
    try:
        client = WSConnection(ConnectionType.CLIENT)
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(client.send(Upgrade(host="127.0.0.1", target="/v1/responses")))
            client.receive_data(sock.recv(65536))
            list(client.events())
            sock.sendall(client.send(Ping(payload=b"are you there")))
            client.receive_data(sock.recv(65536))
            answers = list(client.events())
    finally:
        server.stop()
    assert [event.payload for event in answers if isinstance(event, Pong)] == [b"are you there"]


def test_past_the_connection_cap_new_connections_get_503() -> None:
    server = started(max_connections=2)
    try:
        held = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(2)]
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as third:
            refused = b""
            while chunk := third.recv(65536):
                refused += chunk
        for sock in held:
            sock.close()
    finally:
        server.stop()
    assert refused.startswith(b"HTTP/1.1 503") and b"at most 2 connections" in refused


class BlockingTape:
    """A recording that waits on its upstream until released: answered off the loop, it stalls nobody."""

    may_record = True

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()

    def answer(self, request: Request, conversation: Conversation) -> TapeAnswer:
        self.entered.set()
        self.release.wait(30)
        return TapeAnswer(Outcome(200, {"choices": [{"message": {"content": "late"}}]}), "<slow>")


def test_a_slow_answer_does_not_stall_other_clients() -> None:
    tape = BlockingTape()
    app = MockLLM()
    app.tape = tape
    server = started(app)
    try:
        slow = threading.Thread(target=httpx.post, args=(f"{server.url}/v1/chat/completions",),
                                kwargs={"json": CHAT, "timeout": 30})  # fmt: skip
        slow.start()
        assert tape.entered.wait(10)
        models = httpx.get(f"{server.url}/v1/models", timeout=10)  # served while the first request waits
        assert models.status_code == 200 and not tape.release.is_set()
        tape.release.set()
        slow.join(30)
    finally:
        server.stop()


def test_a_backtracking_rule_pattern_costs_a_bounded_time(start_mock: StartMock) -> None:
    server = start_mock("rules:\n  - when: {user_text_matches: '(a|aa)+$'}\n    reply: {text: never}\n")
    message = {"model": "m", "messages": [{"role": "user", "content": "a" * 60 + "!"}]}
    reply = httpx.post(f"{server.url}/v1/chat/completions", json=message, timeout=30)
    assert reply.status_code == 400 and "took too long" in reply.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"model": "e", "input": ["x"] * 300, "dimensions": 16384},
        {"model": "e", "input": ["x"] * 3000},
    ],
)
def test_embeddings_are_bounded(start_mock: StartMock, body: dict[str, Any]) -> None:
    reply = httpx.post(f"{start_mock().url}/v1/embeddings", json=body, timeout=30)
    assert reply.status_code == 400 and reply.json()["error"]["param"] == "input"


def test_a_schema_asking_for_a_billion_items_is_refused(start_mock: StartMock) -> None:
    schema = {"type": "object", "properties": {"x": {"type": "array", "minItems": 10**9, "items": {"type": "string"}}}}
    body = {**CHAT, "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}}
    reply = httpx.post(f"{start_mock().url}/v1/chat/completions", json=body, timeout=30)
    assert reply.status_code == 400 and "at most 1000" in reply.json()["error"]["message"]


def test_the_journal_is_capped_with_a_truncation_marker_and_paged() -> None:
    app = MockLLM(admin_token=ADMIN_TOKEN, journal_limit=5)
    server = started(app)
    try:
        for _ in range(8):
            httpx.post(f"{server.url}/v1/chat/completions", json=CHAT)
        page = httpx.get(f"{server.url}/__agenttest/journal?since=0&limit=2", headers=ADMIN).json()
        rest = httpx.get(f"{server.url}/__agenttest/journal?since={page['next']}", headers=ADMIN).json()
    finally:
        server.stop()
    assert len(app.journal.entries()) == 5 and app.journal.dropped == 3
    assert page["dropped"] == 3 and [entry["index"] for entry in page["entries"]] == [3, 4] and page["next"] == 5
    assert [entry["index"] for entry in rest["entries"]] == [5, 6, 7] and rest["next"] is None


def test_the_journal_is_capped_by_bytes_with_the_same_truncation_marker() -> None:
    app = MockLLM(admin_token=ADMIN_TOKEN)
    assert app.journal.max_bytes == 256 * 1024 * 1024
    journal = Journal(secrets=app.journal.secrets, max_bytes=10 * 1024 * 1024)
    big = b"x" * (2 * 1024 * 1024)
    for _ in range(8):
        journal.record(method="POST", path="/v1/chat/completions", status=200, body="kept as a marker", size=len(big))
    assert journal.size_bytes <= 10 * 1024 * 1024
    assert journal.dropped == 3 and [entry.index for entry in journal.entries()] == [3, 4, 5, 6, 7]
    assert journal.truncated_since(0) == 3


def test_big_requests_through_the_server_keep_the_journal_within_its_bytes() -> None:
    app = MockLLM(admin_token=ADMIN_TOKEN)
    app.pipeline.journal = Journal(secrets=app.journal.secrets, max_bytes=5 * 1024 * 1024)
    server = started(app, max_body_bytes=2 * 1024 * 1024)
    text = "y" * (1024 * 1024)
    try:
        for _ in range(6):
            reply = httpx.post(f"{server.url}/v1/chat/completions", timeout=30,
                               json={"model": "m", "messages": [{"role": "user", "content": text}]})  # fmt: skip
            assert reply.status_code == 200
        page = httpx.get(f"{server.url}/__agenttest/journal?since=0", headers=ADMIN).json()
    finally:
        server.stop()
    assert page["dropped"] >= 2 and app.journal.size_bytes <= 5 * 1024 * 1024
    assert len(page["entries"]) + page["dropped"] == 6


@pytest.mark.skipif(shutil.which("ss") is None, reason="ss (iproute2) is not installed: the backlog cannot be read")
def test_the_listening_socket_has_the_intended_backlog(start_mock: StartMock) -> None:
    server = start_mock()
    listing = subprocess.run(["ss", "-ltn", f"sport = :{server.port}"], capture_output=True, text=True, check=True)
    assert " 512 " in listing.stdout.splitlines()[-1]


def test_the_loops_own_errors_are_reported_at_most_every_10_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    server = MockServer(MockLLM())
    for _ in range(4000):
        server._report(None, {"message": "socket.accept() out of system resource", "exception": OSError(24, "EMFILE")})  # type: ignore[arg-type]
    assert len(capsys.readouterr().err.splitlines()) == 1


# -- 11. stop() tells the truth ------------------------------------------------------------------


def test_stop_with_a_stuck_handler_raises_closes_the_port_and_refuses_a_restart() -> None:
    app = MockLLM()
    stuck = threading.Event()
    original = app.pipeline.handle

    def handle(request: Request) -> Outcome:
        stuck.set()
        time.sleep(2.0)  # a handler blocking the event loop
        return original(request)

    app.pipeline.handle = handle  # type: ignore[method-assign]
    server = started(app)
    threading.Thread(target=lambda: raw(server, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), daemon=True).start()
    assert stuck.wait(10)
    with pytest.raises(MockServerError, match="did not stop within"):
        server.stop(timeout_s=0.2)
    assert server.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2)
    with pytest.raises(MockServerError, match="still running"):
        server.start()
    deadline = time.monotonic() + 20
    while server.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not server.running


# -- 14. binding -----------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["", "  ", "0.0.0.0", "::"])
def test_empty_and_wildcard_hosts_are_refused_without_the_opt_in(host: str) -> None:
    with pytest.raises(MockServerError, match=r"host is empty|not a loopback address"):
        MockServer(MockLLM(), host=host)


def test_binding_beyond_loopback_needs_the_opt_in_and_warns() -> None:
    server = MockServer(MockLLM(), host="0.0.0.0", allow_remote=True)
    assert "beyond loopback" in server.warning
    for arguments in (["--host", ""], ["--host", "0.0.0.0"]):
        done = subprocess.run([sys.executable, "-m", "AgentTestLibrary", "mock", "serve", *arguments],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)  # fmt: skip
        assert done.returncode == 2 and "MOCK_LLM_URL" not in done.stdout


# -- 15. malformed input gets a provider-shaped 4xx, never a 5xx ---------------------------------


def test_deep_nesting_and_bad_request_lines_are_clean_400s(start_mock: StartMock) -> None:
    server = start_mock()
    deep = httpx.post(f"{server.url}/v1/chat/completions", content=b"[" * 5000 + b"]" * 5000,
                      headers={"content-type": "application/json"})  # fmt: skip
    assert deep.status_code == 400 and "nested" in deep.json()["error"]["message"]
    line = raw(server, b'GET /"quoted" HTTP/1.1 extra\r\nHost: 127.0.0.1\r\n\r\n')
    assert line.startswith(b"HTTP/1.1 400") and json.loads(line.split(b"\r\n\r\n", 1)[1])


def test_responses_checks_the_types_of_known_fields(start_mock: StartMock) -> None:
    server = start_mock()
    wrong = httpx.post(f"{server.url}/v1/responses", json={"model": "m", "messages": "notalist", "stream": "yes"})
    assert wrong.status_code == 400 and wrong.json()["error"]["param"] == "stream"
    chat_style = httpx.post(f"{server.url}/v1/responses", json={"model": "m", "messages": []})
    assert chat_style.status_code == 400 and "takes 'input'" in chat_style.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/v1/chat/completions", {**CHAT, "stream": "yes"}, "stream"),
        ("/v1/chat/completions", {**CHAT, "max_tokens": "9"}, "max_tokens"),
        ("/v1/messages", {**CHAT, "max_tokens": 5, "stream": 1}, "stream"),
        ("/v1beta/models/g:generateContent", {"contents": [{"parts": [{"text": "x"}]}], "tools": {}}, "tools"),
    ],
)
def test_every_provider_checks_field_types(start_mock: StartMock, path: str, body: dict[str, Any], param: str) -> None:
    reply = httpx.post(f"{start_mock().url}{path}", json=body)
    assert reply.status_code == 400 and param in json.dumps(reply.json())
