"""Seeded fuzzing: mutated bodies on every route and mutated bytes on the wire never get a 5xx or crash the server;
the model mock, an MCP server, a REST service and the AWS front each answer every mutated request on their socket
(no 5xx the test did not inject, no dropped answer, no hang), bounded in count and by a per-answer timeout."""

from __future__ import annotations

import io
import json
import random
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx

from AgentTestLibrary.mock import jsonio
from AgentTestLibrary.mock.http import Request, parse_query
from AgentTestLibrary.mockllm import MockLLM, MockServer

SEED = 20261201
VALID = {
    "/v1/chat/completions": {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False},
    "/v1/responses": {"model": "m", "input": [{"role": "user", "content": "hi"}], "stream": False},
    "/v1/messages": {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]},
    "/v1/messages/count_tokens": {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
    "/v1/embeddings": {"model": "e", "input": ["a", "b"], "dimensions": 8},
    "/v1beta/models/g:generateContent": {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
    "/v1beta/models/g:streamGenerateContent": {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
    "/v1beta/models/g:countTokens": {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
}
ODD_VALUES: list[Any] = [None, True, False, 0, -1, 2**70, 1.5, float("1e308"), "", "x" * 3000, "\ud800", [], {},
                         [None], {"": None}, [[[[[]]]]], "yes", {"type": "json_schema"}, ["\u2028"]]  # fmt: skip


KNOWN_FIELDS = ["stream", "tools", "tool_choice", "response_format", "text", "system", "previous_response_id",
                "generationConfig", "toolConfig", "instructions", "dimensions", "encoding_format"]  # fmt: skip


def mutate(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """One random change somewhere in ``value``: a swapped type, a dropped or extra key, a deep nest."""
    choice = rng.random()
    if depth > 4 or choice < 0.15:
        return rng.choice(ODD_VALUES)
    if isinstance(value, dict) and value:
        copy = dict(value)
        key = rng.choice(list(copy))
        if choice < 0.3:
            copy.pop(key)
        elif choice < 0.4:
            copy[rng.choice(KNOWN_FIELDS)] = rng.choice(ODD_VALUES)
        else:
            copy[key] = mutate(copy[key], rng, depth + 1)
        return copy
    if isinstance(value, list) and value:
        copy = list(value)
        index = rng.randrange(len(copy))
        copy[index] = mutate(copy[index], rng, depth + 1)
        if choice > 0.9:
            copy.append(rng.choice(ODD_VALUES))
        return copy
    return rng.choice(ODD_VALUES)


def encode(value: Any, rng: random.Random) -> bytes:
    text = json.dumps(value)
    roll = rng.random()
    if roll < 0.05:
        return text[: rng.randrange(max(1, len(text)))].encode()
    if roll < 0.08:
        return b"[" * rng.randrange(100, 3000) + b"]" * rng.randrange(100, 3000)
    if roll < 0.1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 60)))
    return text.encode("utf-8", "surrogatepass")


def check_answer(status: int, body: bytes, path: str) -> None:
    assert status < 500, (path, status, body[:300])
    if status >= 400:
        data = json.loads(body)
        assert isinstance(data, dict) and "error" in data, body[:300]


def test_ten_thousand_mutated_bodies_get_provider_shaped_4xx_or_success() -> None:
    rng = random.Random(SEED)
    app = MockLLM()
    routes = list(VALID)
    for _ in range(10_000):
        path = rng.choice(routes)
        body = encode(mutate(VALID[path], rng), rng)
        query = "?alt=sse" if "stream" in path and rng.random() < 0.5 else ""
        outcome = app.handle(Request("POST", path + query, {"host": "127.0.0.1"}, body))
        check_answer(outcome.status, outcome.body_bytes() if outcome.events is None else b"{}", path)
    assert app.journal.next_index == 10_000


def test_a_query_is_read_as_parse_qs_reads_it() -> None:
    """The query split by hand (nothing to decode) or by parse_qs gives parse_qs's answer for any text."""
    rng = random.Random(SEED)
    alphabet = ["a", "b", "alt", "sse", "=", "&", "&", ";", "%", "%41", "%zz", "+", "#", "?", " ", "é", "\u2028", ""]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
        assert parse_query(text) == parse_qs(text), text


def wire_mutations(rng: random.Random) -> bytes:
    body = json.dumps(VALID["/v1/chat/completions"]).encode()
    lines = [b"POST /v1/chat/completions HTTP/1.1", b"Host: 127.0.0.1", b"Content-Type: application/json",
             b"Content-Length: %d" % len(body)]  # fmt: skip
    roll = rng.random()
    if roll < 0.2:
        lines[0] = rng.choice([b"POST  /v1 HTTP/1.1", b"POST /v1", b"\x00GET / HTTP/1.1", b"GET / HTTP/2.0",
                               b"POST /v1/chat/completions HTTP/1.1 x", b"G\xffT / HTTP/1.1"])  # fmt: skip
    elif roll < 0.4:
        lines.append(rng.choice([b"Content-Length: 5", b"Transfer-Encoding: chunked", b" folded", b"Bad Header: x",
                                 b"X: \x01", b"Host: other", b"Transfer-Encoding: gzip"]))  # fmt: skip
    elif roll < 0.5:
        lines[3] = rng.choice([b"Content-Length: -1", b"Content-Length: 1e3", b"Content-Length: 99999999999999999999",
                               b"Content-Length: \xd9\xa3"])  # fmt: skip
    elif roll < 0.6:
        lines.append(b"X-Big: " + b"a" * rng.randrange(70_000, 90_000))
    data = b"\r\n".join(lines) + b"\r\n\r\n" + body
    if rng.random() < 0.1:
        cut = rng.randrange(len(data))
        data = data[:cut] + bytes([rng.randrange(256)]) + data[cut + 1 :]
    return data


def test_mutated_bytes_on_the_wire_get_4xx_and_the_server_keeps_serving() -> None:
    rng = random.Random(SEED)
    server = MockServer(MockLLM())
    server.start()
    try:
        for _ in range(300):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                sock.sendall(wire_mutations(rng))
                sock.shutdown(socket.SHUT_WR)
                received = b""
                while chunk := sock.recv(65536):  # no reset: an early answer closes gracefully
                    received += chunk
            assert received, "every request gets an answer, even a malformed one"
            status = int(received.split(b" ", 2)[1])
            head, _, body = received.partition(b"\r\n\r\n")
            if b"chunked" not in head.lower():
                check_answer(status, body, "wire")
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        server.stop()


# -- every mock over its socket: no 5xx the test did not inject, no dropped answer, no hang ------------

ANSWER_TIMEOUT_S = 10.0  # a request without its whole answer by then is a hang; no test asserts on speed


def fire(url: str, requests: list[tuple[str, str, dict[str, str], bytes]]) -> list[httpx.Response]:
    """Send every request on one keep-alive client, in order; a dropped answer or a hang raises (the test fails)."""
    answers = []
    with httpx.Client(base_url=url, timeout=ANSWER_TIMEOUT_S) as client:
        for method, path, headers, body in requests:
            answers.append(client.request(method, path, headers=headers, content=body))
    return answers


def served(app: Any) -> Iterator[str]:
    server = MockServer(app)
    try:
        yield server.start()
    finally:
        server.stop()


def no_server_error(answers: list[httpx.Response], requests: list[Any]) -> None:
    failed = [(request[:2], answer.status_code, answer.text[:200]) for request, answer in zip(requests, answers,
              strict=True) if answer.status_code >= 500]  # fmt: skip
    assert not failed, failed[:5]
    kinds = {answer.status_code // 100 for answer in answers}
    assert {2, 4} <= kinds, f"the fuzz must reach both answers and refusals; saw {sorted(kinds)}xx"


def test_the_model_mock_answers_every_mutated_request_over_its_socket() -> None:
    rng = random.Random(SEED + 1)
    json_headers = {"content-type": "application/json"}
    requests = [("POST", path, json_headers, encode(mutate(VALID[path], rng), rng))
                for path in (rng.choice(list(VALID)) for _ in range(2_000))]  # fmt: skip
    app = MockLLM()
    for url in served(app):
        answers = fire(url, requests)
    no_server_error(answers, requests)
    for answer in answers:
        if answer.status_code >= 400:
            assert "error" in answer.json(), answer.text[:300]
    assert app.journal.next_index == len(requests)


MCP_SCENARIO = """
mcp_servers:
  tools:
    page_size: 1
    tools:
      - name: search
        inputSchema: {type: object, properties: {query: {type: string}}, required: [query]}
        reply: {text: "results for {{query}}"}
      - name: weather
        inputSchema: {type: object, properties: {city: {type: string}}, required: [city]}
        outputSchema: {type: object, properties: {celsius: {type: number}}, required: [celsius]}
        reply: {structured: {celsius: 21.5}}
    resources:
      - {uri: "file:///readme.md", name: readme, mimeType: text/markdown, text: "# Read me"}
    prompts:
      - {name: review, arguments: [{name: code, required: true}], messages: [{role: user, text: "Review {{code}}"}]}
"""
MCP_CALLS: list[dict[str, Any]] = [
    {"method": "tools/list", "params": {}},
    {"method": "tools/list", "params": {"cursor": "MQ"}},
    {"method": "tools/call", "params": {"name": "search", "arguments": {"query": "mcp"}}},
    {"method": "tools/call", "params": {"name": "weather", "arguments": {"city": "Oslo"}}},
    {"method": "resources/list", "params": {}},
    {"method": "resources/read", "params": {"uri": "file:///readme.md"}},
    {"method": "prompts/get", "params": {"name": "review", "arguments": {"code": "x"}}},
    {"method": "ping"},
    {"method": "notifications/initialized"},
    {"method": "completion/complete", "params": {"ref": {"type": "ref/prompt", "name": "review"},
                                                "argument": {"name": "code", "value": "x"}}},
]  # fmt: skip


def test_the_mcp_server_answers_every_mutated_message_over_its_socket() -> None:
    from AgentTestLibrary.mockmcp import MockMCP, mcp_server_from_text
    from AgentTestLibrary.secrets import SecretRegistry

    rng = random.Random(SEED + 2)
    app = MockMCP(mcp_server_from_text(MCP_SCENARIO), SecretRegistry())
    for url in served(app):
        accept = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
        opened = httpx.post(f"{url}/mcp", headers=accept, json={"jsonrpc": "2.0", "id": 0, "method": "initialize",
                            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                       "clientInfo": {"name": "fuzz", "version": "1"}}})  # fmt: skip
        session = {**accept, "mcp-session-id": opened.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18"}
        requests = []
        for number in range(2_000):
            message = {"jsonrpc": "2.0", "id": number + 1, **rng.choice(MCP_CALLS)}
            headers = dict(session)
            if rng.random() < 0.05:
                headers.pop(rng.choice(list(headers)))
            body = encode(mutate(message, rng) if rng.random() < 0.8 else message, rng)
            requests.append(("POST", "/mcp", headers, body))
        requests.append(("DELETE", "/mcp", session, b""))  # (a GET opens the server-to-client stream: it stays open)
        answers = fire(url, requests)
    no_server_error(answers, requests)
    for answer in answers:
        if answer.headers.get("content-type", "").startswith("application/json") and answer.content:
            assert isinstance(answer.json(), dict | list), answer.text[:300]


SERVICE_PATHS = ["/repos/acme/app/issues", "/repos/acme/app/issues/1", "/repos/acme/app/issues/1/comments",
                 "/repos/acme/app/issues/1/labels", "/repos/acme/app/pulls", "/user", "/repos/acme/app",
                 "/repos/acme/app/issues?page=2&per_page=1", "/repos/acme/app/issues?page=-1", "/nowhere",
                 "/repos/%ff/app/issues", "/repos/acme/app/issues/99999999999999999999"]  # fmt: skip
SERVICE_BODIES: list[Any] = [{"title": "t", "body": "b"}, {"labels": ["bug"]}, {"body": "comment"}, {"state": "closed"}]


def test_the_rest_service_answers_every_mutated_request_over_its_socket() -> None:
    from AgentTestLibrary.mockservice import MockService, load_service

    rng = random.Random(SEED + 3)
    requests = []
    for _ in range(2_000):
        method = rng.choice(["GET", "POST", "PATCH", "PUT", "DELETE"])
        body = encode(mutate(rng.choice(SERVICE_BODIES), rng), rng) if method != "GET" else b""
        requests.append((method, rng.choice(SERVICE_PATHS), {"content-type": "application/json"}, body))
    app = MockService(load_service("github", "github"))
    for url in served(app):
        answers = fire(url, requests)
    no_server_error(answers, requests)
    for answer in answers:
        if answer.status_code >= 400:
            assert "message" in answer.json(), answer.text[:300]  # GitHub's error shape


def sigv4(service: str) -> dict[str, str]:
    """The headers moto tells a service by (a SigV4 credential scope); the signature itself is not checked."""
    scope = f"AKIAFIXTURE/20260101/us-east-1/{service}/aws4_request"
    return {"authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0",
            "x-amz-date": "20260101T000000Z"}  # fmt: skip


def aws_request(rng: random.Random) -> tuple[str, str, dict[str, str], bytes]:
    roll = rng.random()
    if roll < 0.3:
        body = encode(mutate({"TableName": "t", "Key": {"id": {"S": "1"}}}, rng), rng)
        target = rng.choice(["GetItem", "Scan", "ListTables", "PutItem", "Nope"])
        return "POST", "/", {**sigv4("dynamodb"), "x-amz-target": f"DynamoDB_20120810.{target}",
                             "content-type": "application/x-amz-json-1.0"}, body  # fmt: skip
    if roll < 0.55:
        action = rng.choice(["ListQueues", "CreateQueue&QueueName=q", "GetQueueUrl&QueueName=%00", "SendMessage", ""])
        return "POST", "/", {**sigv4("sqs"), "content-type": "application/x-www-form-urlencoded"}, (
            f"Action={action}&Version=2012-11-05".encode())  # fmt: skip
    if roll < 0.8:
        path = rng.choice(["/", "/bucket-a", "/bucket-a/key.txt", "/bucket-a?list-type=2&max-keys=-1", "/%2e%2e/x"])
        method = rng.choice(["GET", "PUT", "HEAD", "DELETE"])
        chunked = {"content-encoding": "aws-chunked"} if rng.random() < 0.3 else {}  # SDK upload framing, mangled
        return method, path, {**sigv4("s3"), **chunked}, bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
    path = rng.choice(
        ["/2015-03-31/functions/", "/2015-03-31/functions/?Marker=zz&MaxItems=2", "/2015-03-31/functions/f"]
    )
    return "GET", path, sigv4("lambda"), b""


def test_the_aws_front_answers_every_mutated_call_over_its_socket() -> None:
    from AgentTestLibrary.mockaws import MockAWS, Moto

    rng = random.Random(SEED + 4)
    requests = [aws_request(rng) for _ in range(600)]
    moto = Moto()
    app = MockAWS(moto.start())
    for url in served(app):
        answers = fire(url, requests)
    app.close()
    no_server_error(answers, requests)


A2A_SCENARIO = """
a2a_agents:
  researcher:
    rules:
      - name: research
        when: {text_contains: sources}
        reply: {states: [working, completed], status: "done {{text}}", artifacts: [{name: a, text: "{{data.x}}"}]}
      - name: clarify
        when: {text_contains: vague}
        reply: {states: [input-required], status: Which one?}
"""
A2A_MESSAGE = {"messageId": "m1", "role": "ROLE_USER", "parts": [{"text": "find sources"}, {"data": {"x": 1}}]}
A2A_LEGACY_MESSAGE = {
    "kind": "message",
    "messageId": "m2",
    "role": "user",
    "parts": [{"kind": "text", "text": "something vague"}, {"kind": "data", "data": {"x": 2}}],
}
A2A_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("1.0", {"method": "SendMessage", "params": {"message": A2A_MESSAGE}}),
    ("1.0", {"method": "SendStreamingMessage", "params": {"message": A2A_MESSAGE}}),
    ("1.0", {"method": "SendMessage",
             "params": {"message": A2A_MESSAGE, "configuration": {"returnImmediately": True}}}),
    ("1.0", {"method": "GetTask", "params": {"id": "unknown", "historyLength": 1}}),
    ("1.0", {"method": "CancelTask", "params": {"id": "unknown"}}),
    ("1.0", {"method": "ListTasks", "params": {}}),
    ("1.0", {"method": "CreateTaskPushNotificationConfig", "params": {"taskId": "t", "url": "http://127.0.0.1:9/h"}}),
    ("", {"method": "message/send", "params": {"message": A2A_LEGACY_MESSAGE}}),
    ("", {"method": "message/stream", "params": {"message": A2A_LEGACY_MESSAGE, "configuration": {"blocking": False}}}),
    ("", {"method": "tasks/get", "params": {"id": "unknown"}}),
]  # fmt: skip


def test_the_a2a_agent_answers_every_mutated_call_over_its_socket() -> None:
    from AgentTestLibrary.mocka2a import MockA2A, a2a_agent_from_text
    from AgentTestLibrary.secrets import SecretRegistry

    rng = random.Random(SEED + 5)
    app = MockA2A(a2a_agent_from_text(A2A_SCENARIO), SecretRegistry())
    requests = []
    for number in range(2_000):
        version, call = rng.choice(A2A_CALLS)
        headers = {"content-type": "application/json", **({"a2a-version": version} if version else {})}
        if rng.random() < 0.05:
            headers["a2a-version"] = rng.choice(["1.0", "0.3", "9", "", "x" * 300])
        message = {"jsonrpc": "2.0", "id": number + 1, **call}
        body = encode(mutate(message, rng) if rng.random() < 0.8 else message, rng)
        method, path = rng.choice([("POST", "/")] * 18 + [("GET", "/.well-known/agent-card.json"), ("PUT", "/")])
        requests.append((method, path, headers, body))
    try:
        for url in served(app):
            answers = fire(url, requests)
    finally:
        app.close()
    no_server_error(answers, requests)
    outcomes = {"result": 0, "error": 0, "stream": 0}
    for (method, _, _, _), answer in zip(requests, answers, strict=True):
        if method == "POST" and answer.status_code == 200 and answer.headers["content-type"] == "application/json":
            reply = answer.json()
            assert reply["jsonrpc"] == "2.0" and ("result" in reply) != ("error" in reply), answer.text[:300]
            outcomes["result" if "result" in reply else "error"] += 1
        elif answer.headers["content-type"] == "text/event-stream":
            outcomes["stream"] += 1
    assert all(outcomes.values()), f"the fuzz must reach results, errors and streams; saw {outcomes}"
    assert app.journal.next_index == len(requests)


def test_the_mcp_server_answers_every_mutated_stdio_line() -> None:
    from AgentTestLibrary.mockmcp import MockMCP, mcp_server_from_text
    from AgentTestLibrary.mockmcp.stdio import LocalExchange, serve_lines
    from AgentTestLibrary.secrets import SecretRegistry

    rng = random.Random(SEED + 5)
    opening = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
               "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "1"}}}  # fmt: skip
    lines = [json.dumps(opening).encode()]
    for number in range(1_500):
        message = {"jsonrpc": "2.0", "id": number + 1, **rng.choice(MCP_CALLS)}
        lines.append(encode(mutate(message, rng) if rng.random() < 0.8 else message, rng).replace(b"\n", b" "))
    stdout = io.BytesIO()
    app = MockMCP(mcp_server_from_text(MCP_SCENARIO), SecretRegistry())
    exchange = LocalExchange(app, None, stdout)
    assert serve_lines(exchange, io.BytesIO(b"\n".join(lines) + b"\n"), stdout) == 0
    exchange.close()
    answers = [json.loads(line) for line in stdout.getvalue().splitlines()]
    asked = []
    for line in lines:
        try:
            message = jsonio.loads(line)  # what the server reads (a lone surrogate is a parse error, answered id null)
        except jsonio.JsonError:
            continue
        if isinstance(message, dict) and message.get("jsonrpc") == "2.0" and isinstance(message.get("method"), str) \
                and isinstance(message.get("id"), int) and not isinstance(message["id"], bool):  # fmt: skip
            asked.append(message["id"])  # a well-formed request: its answer must carry its id
    answered = {answer.get("id") for answer in answers if isinstance(answer, dict)}
    assert not [number for number in asked if number not in answered], "a request with an id got no answer"
    internal = [answer for answer in answers if isinstance(answer, dict) and (answer.get("error") or {}).get(
        "code") == -32603]  # fmt: skip
    assert not internal, internal[:3]
