"""The REST benchmark's floor writes the very bytes the mock service answers, so the comparison cannot drift."""

from __future__ import annotations

import json
import re
import socket
import sys
from pathlib import Path

from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockservice import MockService, load_service

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
from cases import REST_CASE, REST_ROUTES, rest_request_bytes
from raw_baseline_server import canned_rest

RESET = re.compile(rb"x-ratelimit-reset: \d+\r\n")  # the clock's: seconds until the hour's window resets


def _one_response(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += client.recv(65536)
        length = int(re.search(rb"content-length: (\d+)", data, re.IGNORECASE).group(1))  # type: ignore[union-attr]
        while len(data) - data.index(b"\r\n\r\n") - 4 < length:
            data += client.recv(65536)
        return data


def test_the_floor_writes_what_the_mock_service_answers_to_the_benchmark_request(tmp_path: Path) -> None:
    routes = tmp_path / "github-page.yaml"
    routes.write_text(REST_ROUTES, encoding="utf-8")
    server = MockServer(MockService(load_service(str(routes), "github")))
    try:
        answered = _one_response(int(server.start().rsplit(":", 1)[1]), rest_request_bytes())
    finally:
        server.stop()
    floor = canned_rest(str(routes))[REST_CASE.encode()]
    assert RESET.sub(b"", floor) == RESET.sub(b"", answered)
    head, body = answered.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 ") and b'rel="next"' in head and b"connection: close" not in head.lower()
    assert [issue["number"] for issue in json.loads(body)] == list(range(45, 15, -1))  # open ones, newest first
