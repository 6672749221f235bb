"""Seeded fuzzing: mutated bodies on every route and mutated bytes on the wire never get a 5xx or crash the server."""

from __future__ import annotations

import json
import random
import socket
from typing import Any

from AgentTestLibrary.mock.http import Request
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
