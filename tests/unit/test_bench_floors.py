"""The benchmarks' references answer what the mocks answer, so the comparisons cannot drift."""

from __future__ import annotations

import json
import re
import socket
import sys
from pathlib import Path

import pytest

from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockllm import MockLLM
from AgentTestLibrary.mockllm.scenario import load_scenario
from AgentTestLibrary.mockservice import MockService, load_service

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
from cases import AGENT_CASES, CASES, REST_CASE, REST_ROUTES, SCENARIO, request_bytes, rest_request_bytes
from raw_baseline_server import Canned, canned_rest

RESET = re.compile(rb"x-ratelimit-reset: \d+\r\n")  # the clock's: seconds until the hour's window resets
CLOCK = re.compile(rb'"(created|created_at)":\d+')  # the clock's: the second a reply was made


def _one_response(port: int, request: bytes) -> bytes:
    """One response, whole: by its content-length, or to the last chunk of a chunked one."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += client.recv(65536)
        length = re.search(rb"content-length: (\d+)", data, re.IGNORECASE)
        if length is None:
            while not data.endswith(b"\r\n0\r\n\r\n"):
                data += client.recv(65536)
            return data
        while len(data) - data.index(b"\r\n\r\n") - 4 < int(length.group(1)):
            data += client.recv(65536)
        return data


@pytest.mark.parametrize("case", [*CASES, *AGENT_CASES])
def test_the_mock_server_alone_sends_what_the_mock_answers_to_each_case(tmp_path: Path, case: str) -> None:
    scenario = tmp_path / "bench.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    answered = []
    for app in (MockLLM(load_scenario(str(scenario))), Canned(str(scenario))):
        server = MockServer(app)
        try:
            answered.append(CLOCK.sub(b"", _one_response(int(server.start().rsplit(":", 1)[1]), request_bytes(case))))
        finally:
            server.stop()
    mock, canned = answered
    assert mock == canned
    assert mock.startswith(b"HTTP/1.1 200 OK\r\n")


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
