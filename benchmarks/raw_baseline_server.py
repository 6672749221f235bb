"""The baseline: a minimal asyncio HTTP/1.1 server that answers with canned bytes.

At start-up it renders, once, the exact response our server gives to each benchmark case
(same bytes, same number of SSE events); then it only reads requests and writes those
bytes, one write per response. The ratio of our server to it is the cost of doing the
protocol work per request.
Prints ``MOCK_LLM_URL=...``, then serves. An optional scenario file (argument 1) sets the replies.
With ``--rest ROUTES`` it is the REST floor instead: the very bytes the mock service sends for the
GitHub issues page of ``cases.py`` (head and body), rendered by the real service once.
With ``--server SCENARIO`` the same canned answers go out through the mock's own server (uvloop,
connection handling, HTTP parser, JSON decoding of the body, response framing) with no application
behind it: the mock's figures less these are what its exchange pipeline costs a request.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading

from AgentTestLibrary.mock import jsonio
from AgentTestLibrary.mock.http import Event, Outcome, Request, event_stream, response_head
from AgentTestLibrary.mock.server import SERVER_NAME, MockServer
from AgentTestLibrary.mockllm import MockLLM
from AgentTestLibrary.mockllm.scenario import load_scenario
from AgentTestLibrary.mockservice import MockService, load_service
from cases import AGENT_CASES, CASES, REST_CASE, REST_HEADERS, REST_PATH, REST_QUERY


def rendered(scenario: str | None) -> dict[str, Outcome]:
    """Case name → the real application's answer to it, rendered once."""
    app = MockLLM(load_scenario(scenario) if scenario else None)
    cases = {**CASES, **AGENT_CASES}
    return {
        case: app.handle(Request("POST", target, {}, json.dumps(body).encode()))
        for case, (target, body) in cases.items()
    }


def canned(scenario: str | None) -> dict[bytes, bytes]:
    """Case name → the whole response, rendered by the real application once."""
    responses = {}
    for case, response in rendered(scenario).items():
        if response.events is None:
            body_bytes = response.body_bytes()
            head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body_bytes)
            responses[case.encode()] = head + body_bytes
        else:
            head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            responses[case.encode()] = head + event_stream(response.events)
    return responses


def canned_rest(routes: str) -> dict[bytes, bytes]:
    """The REST case → the mock service's whole response to it (its headers as sent), rendered once."""
    app = MockService(load_service(routes, "github"))
    response = app.handle(Request("GET", f"{REST_PATH}?{REST_QUERY}", dict(REST_HEADERS)))
    body = response.body_bytes()
    return {REST_CASE.encode(): response_head(response, len(body), True, SERVER_NAME) + body}


class Canned:
    """The pipeline of ``--server``: decodes the body as the mock's does, then answers the case's canned outcome."""

    def __init__(self, scenario: str) -> None:
        self.answers = {case: _frozen(outcome) for case, outcome in rendered(scenario).items()}
        self.pipeline = self.application = self  # what the server reads (it sets ``guard`` itself once bound)

    def blocking(self, request: Request) -> bool:
        return False

    def handle(self, request: Request) -> Outcome:
        jsonio.loads(request.body)
        return self.answers[request.headers["x-bench-case"]]


def _frozen(outcome: Outcome) -> Outcome:
    """``outcome`` with its body and events as bytes: sent as they are, nothing encoded per request."""
    if outcome.events is None:
        return Outcome(outcome.status, outcome.body_bytes(), content_type=outcome.content_type)
    events = [Event(None, raw=event.sse()) for event in outcome.events]
    return Outcome(outcome.status, events=events, content_type=outcome.content_type, headers=outcome.headers)


def serve_canned(scenario: str) -> None:
    server = MockServer(Canned(scenario))  # duck-typed: see Canned
    print(f"MOCK_LLM_URL={server.start()}", flush=True)
    threading.Event().wait()


async def main() -> None:
    rest = sys.argv[1:2] == ["--rest"]
    answers = canned_rest(sys.argv[2]) if rest else canned(sys.argv[1] if len(sys.argv) > 1 else None)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).lower()
                if b"content-length:" in head:  # a GET has no body
                    await reader.readexactly(int(head.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0]))
                case = head.split(b"x-bench-case:", 1)[1].split(b"\r\n", 1)[0].strip()
                writer.write(answers[case])
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"MOCK_LLM_URL=http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        if sys.argv[1:2] == ["--server"]:
            serve_canned(sys.argv[2])
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
