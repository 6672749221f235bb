"""The sans-I/O request parser (mock/http.py): framing defences, header lines, and lines a client resends."""

from __future__ import annotations

import pytest

from AgentTestLibrary.mock import http
from AgentTestLibrary.mock.http import ProtocolError, Request, RequestParser

HEAD = b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


def parsed(data: bytes) -> Request | None:
    parser = RequestParser(1024)
    parser.receive(data)
    return parser.next_request()


def refused(data: bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as raised:
        parsed(data)
    return raised.value


def test_a_request_has_its_method_target_lower_case_headers_and_body() -> None:
    request = parsed(HEAD + b"X-Trace:  \t a b \t\r\nContent-Length: 2\r\n\r\n{}")
    assert request is not None
    assert (request.method, request.target, request.body) == ("POST", "/v1/chat/completions", b"{}")
    assert request.headers == {"host": "127.0.0.1", "content-type": "application/json", "x-trace": "a b",
                               "content-length": "2"}  # fmt: skip
    assert request.keep_alive


def test_a_header_sent_twice_is_one_comma_separated_value() -> None:
    request = parsed(HEAD + b"Accept: a\r\naccept: b\r\nContent-Length: 0\r\n\r\n")
    assert request is not None and request.headers["accept"] == "a, b"


@pytest.mark.parametrize(
    ("head", "status", "says"),
    [
        (b"THIS IS NOT HTTP\r\n\r\n", 400, "Malformed request line b'THIS IS NOT HTTP'"),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400, "Malformed request line"),
        (HEAD + b" folded\r\n\r\n", 400, "Folded header lines are not allowed: b' folded'."),
        (HEAD + b"Bad Header: x\r\n\r\n", 400, "Malformed header line: b'Bad Header: x'."),
        (HEAD + b"X-Name : x\r\n\r\n", 400, "Malformed header line"),
        (HEAD + b"no colon\r\n\r\n", 400, "Malformed header line: b'no colon'."),
        (HEAD + b"X-Bell: \x07\r\n\r\n", 400, "Malformed header line"),
        (HEAD + b"X-Lone: a\rb\r\n\r\n", 400, "Malformed header line"),
        (HEAD + b"Host: other\r\n\r\n", 400, "More than one Host header."),
        (b"GET / HTTP/1.1\r\nAccept: x\r\n\r\n", 400, "HTTP/1.1 requests need a Host header."),
        (HEAD + b"Content-Length: 1\r\nContent-Length: 1\r\n\r\n", 400, "More than one Content-Length header."),
        (HEAD + b"Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "together with Transfer-Encoding"),
        (HEAD + b"Transfer-Encoding: gzip\r\n\r\n", 501, "Transfer-Encoding 'gzip' is not supported"),
        (HEAD + b"Content-Length: -1\r\n\r\n", 400, "Content-Length '-1' is not a number."),
        (HEAD + b"Content-Length: 2000\r\n\r\n", 413, "larger than the mock's limit of 1024 bytes"),
    ],
)
def test_a_head_breaking_the_framing_rules_is_refused_with_its_reason(head: bytes, status: int, says: str) -> None:
    error = refused(head)
    assert error.status == status and says in error.message


@pytest.mark.parametrize("repeated", [b"Host: other", b"Content-Length: 0\r\nContent-Length: 0"])
def test_a_refused_repeated_header_names_the_request_it_came_with(repeated: bytes) -> None:
    """The pipeline shapes a framing error by the route of the request's head (OpenAI's error for a chat call)."""
    error = refused(HEAD + repeated + b"\r\n\r\n")
    assert error.head is not None and (error.head.method, error.head.path) == ("POST", "/v1/chat/completions")


def test_lines_a_client_resends_are_checked_every_time_they_differ() -> None:
    """A line worked out once is looked up by its exact bytes: a line differing in one byte is checked on its own."""
    for _ in range(3):
        assert parsed(HEAD + b"X-Tag: ok\r\nContent-Length: 0\r\n\r\n") is not None
    assert "Malformed header line" in refused(HEAD + b"X-Tag: ok\x00\r\nContent-Length: 0\r\n\r\n").message
    assert "Malformed request line" in refused(b"POST /v1/chat/completions HTTP/1.1 \r\nHost: x\r\n\r\n").message
    assert http._FIELD_LINES.find(b"X-Tag: ok") == ("x-tag", "ok")
    assert http._FIELD_LINES.find(b"X-Tag: ok\x00") is None  # a refused line is never kept


def test_the_lines_kept_stay_within_their_budget() -> None:
    for number in range(2_000):
        assert parsed(HEAD + b"X-Request-Id: %0200d\r\nContent-Length: 0\r\n\r\n" % number) is not None
    assert http._FIELD_LINES._weight <= http._FIELD_LINES.budget
