"""MCP over stdio: newline-delimited JSON-RPC on stdin/stdout, answered by a mock MCP server.

One loop, two backends:

- **relay** (``agenttest mcp relay URL``): what an agent's MCP config launches for a server
  started by `Start Mock MCP Server    transport=stdio`. Each line is POSTed to the server in
  the test process (``/mcp/stdio``), so rules, faults, scopes and the journal live in one
  place; the relay only moves lines. It exits when the server says the fault ``exit``
  fired, or when the server is gone (as a crashed stdio server would).
- **local** (``agenttest mcp serve --stdio``, :class:`LocalExchange`): the server runs in this process;
  its journal goes to ``--journal FILE`` as JSON lines (masked), delays, hangs and cuts are enacted here,
  and a streamed answer's events are written as lines as they come, as the relay writes them.

A line longer than :data:`MAX_LINE` is answered with a parse error and skipped; stdout
carries only JSON-RPC (diagnostics go to stderr), as the specification requires.
"""

from __future__ import annotations

import http.client
import itertools
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from ..mock import jsonio
from ..mock.feed import Feed, Signal, drive
from ..mock.http import Event, Outcome, Request
from . import jsonrpc
from .app import MockMCP
from .endpoint import CLIENT_HEADER, EXIT_HEADER, STDIO_PATH, STREAMS_HEADER

MAX_LINE = 32 * 1024 * 1024
_WRITING = threading.Lock()
RELAY_TIMEOUT_S = 330.0  # longer than the longest injected hang (300 s)
CLOSE_WAIT_S = 1.0  # how long closing waits for each stream to end (a stopped stream ends at once)
MAX_STREAMS = 256  # streamed answers running at once in `mcp serve --stdio` (each a thread); more take no stream
IDLE_RECONNECT_S = 30.0  # well within the server's idle timeout (mock.server.Limits.idle_timeout_s)


@dataclass(frozen=True)
class Answered:
    line: bytes | None  # what to write (None: nothing, e.g. for a notification)
    exit: bool = False  # end the process after writing it (an injected exit, or the server is gone)


Exchange = Callable[[bytes], Answered]


def serve_lines(exchange: Exchange, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Answer each line until stdin closes (exit 0) or the exchange says to exit (exit 1)."""
    while True:
        line = stdin.readline(MAX_LINE + 1)
        if not line:
            return 0
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of the oversized line
                line = stdin.readline(MAX_LINE)
            failure = jsonrpc.RpcError(jsonrpc.PARSE_ERROR, f"Parse error: a message is longer than {MAX_LINE} bytes.")
            _write(stdout, json.dumps(jsonrpc.error(None, failure)).encode())
            continue
        if not line.strip():
            continue
        answered = exchange(line.strip())
        if answered.line:
            _write(stdout, answered.line)
        if answered.exit:
            return 1


def _write(stdout: BinaryIO, line: bytes) -> None:
    with _WRITING:  # a streamed answer's events are written from a thread of their own
        stdout.write(line.replace(b"\n", b" ") + b"\n")
        stdout.flush()


class LocalExchange:
    """``agenttest mcp serve --stdio``: a server in this process answers each line; timing and breakage are enacted
    here. A streamed answer (a scripted tool's logs, progress and questions to the client before its result) runs
    on a thread of its own, each event written as a line as it comes, while the following lines (the client's
    answers among them) are answered. With ``journal``, each exchange is appended to that file as a JSON line
    (masked) once it is complete, in order: a streamed answer's when its stream ends."""

    def __init__(self, server: MockMCP, journal: Path | None, stdout: BinaryIO) -> None:
        self.server = server
        self.journal = journal
        self.stdout = stdout
        self.client = uuid.uuid4().hex
        self.written = server.journal.next_index
        self.streaming: dict[Feed, int] = {}  # the streams still running, and the journal index of each
        self.stopped = Signal(0)
        self.lock = threading.Lock()  # around a line's exchange and each journal write: no entry written unfinished
        self.threads: list[threading.Thread] = []

    def __call__(self, line: bytes) -> Answered:
        headers = {CLIENT_HEADER: self.client, "content-type": "application/json"}
        with self.lock:
            if len(self.streaming) < MAX_STREAMS:
                headers[STREAMS_HEADER] = "1"
            else:  # answered as for a client that takes no stream: the result alone, or an isError result saying why
                print(f"agenttest mcp serve: {MAX_STREAMS} streamed answers are running; this line is answered "
                      "without a stream.", file=sys.stderr)  # fmt: skip
            outcome = self.server.pipeline.handle(Request("POST", STDIO_PATH, headers, line))
            feed = outcome.feed
            streamed = feed is not None and outcome.timing.hang_s is None and (EXIT_HEADER, "1") not in outcome.headers
            if feed is not None and streamed:
                self.streaming[feed] = feed.entry.index if feed.entry is not None else -1
        self._write_journal()
        if feed is None or not streamed:
            return _enacted(outcome)
        thread = threading.Thread(target=self._stream, args=(feed, outcome.timing.delay_s), daemon=True)
        self.threads = [*(running for running in self.threads if running.is_alive()), thread]
        thread.start()
        return Answered(None)

    def close(self) -> None:
        """stdin closed: streams still running are closed (their entries say the client went away), the journal
        written out."""
        self.stopped.set()
        for thread in self.threads:
            thread.join(CLOSE_WAIT_S)
        self._write_journal()

    def _stream(self, feed: Feed, delay_s: float) -> None:
        drive(feed, self._send, self.stopped, delay_s)
        with self.lock:
            self.streaming.pop(feed, None)
        self._write_journal()

    def _send(self, event: Event) -> None:
        _write(self.stdout, jsonio.dumps(event.data))

    def _write_journal(self) -> None:
        """The entries not written yet, up to the first whose stream still runs."""
        if self.journal is None:
            return
        with self.lock:
            entries = self.server.journal.entries(self.written)
            held = set(self.streaming.values())
            done = list(itertools.takewhile(lambda entry: entry.index not in held, entries))
            if not done:
                return
            with self.journal.open("a", encoding="utf-8") as file:
                for entry in done:
                    file.write(json.dumps(entry.to_dict(), ensure_ascii=False, default=str) + "\n")
            self.written = done[-1].index + 1


def _enacted(outcome: Outcome) -> Answered:
    timing = outcome.timing
    if timing.hang_s is not None:
        time.sleep(timing.hang_s)
        return Answered(None, exit=True)
    if timing.delay_s:
        time.sleep(timing.delay_s)
    if (EXIT_HEADER, "1") in outcome.headers:
        return Answered(None, exit=True)
    body = outcome.body_bytes()
    if outcome.cut_after_bytes is not None or outcome.cut_after_events is not None:
        cut = outcome.cut_after_bytes if outcome.cut_after_bytes is not None else len(body) // 2
        return Answered(body[:cut] or None, exit=True)
    return Answered(body or None)


def relay_exchange(url: str, stdout: BinaryIO | None = None) -> Exchange:
    """POST each line to ``url`` (a mock MCP server's ``/mcp/stdio``) over one keep-alive connection.

    A tool call the server answers as a stream (notifications and questions to the client before its
    result) is read on a thread of its own, each event written as a line as it comes, while the
    following lines (the client's answers among them) go over a new connection."""
    parts = urlsplit(url)
    client = uuid.uuid4().hex
    headers = {CLIENT_HEADER: client, "content-type": "application/json", STREAMS_HEADER: "1"}
    out = stdout if stdout is not None else sys.stdout.buffer

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=RELAY_TIMEOUT_S)

    connection = [connect()]
    last = [time.monotonic()]

    def exchange(line: bytes) -> Answered:
        if time.monotonic() - last[0] > IDLE_RECONNECT_S:  # the server closes idle connections: never reuse one
            connection[0].close()
        try:
            connection[0].request("POST", parts.path or STDIO_PATH, body=line, headers=headers)
            response = connection[0].getresponse()
            if (response.getheader("content-type") or "").startswith("text/event-stream"):
                threading.Thread(target=_relay_events, args=(response, out), daemon=True).start()
                connection[0] = connect()  # that one is busy until the stream ends
                return Answered(None)
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            print(f"agenttest mcp relay: the mock MCP server at {url} is gone ({error}); exiting.", file=sys.stderr)
            return Answered(None, exit=True)
        last[0] = time.monotonic()
        if response.getheader(EXIT_HEADER) == "1":
            print("agenttest mcp relay: injected fault 'exit': the server exits.", file=sys.stderr)
            return Answered(None, exit=True)
        return Answered(body or None)

    return exchange


def _relay_events(response: http.client.HTTPResponse, stdout: BinaryIO) -> None:
    """Each SSE event's data as one stdout line, until the stream ends (or breaks)."""
    data: list[bytes] = []
    try:
        for raw in iter(lambda: response.readline(MAX_LINE), b""):
            line = raw.rstrip(b"\r\n")
            if line.startswith(b"data:"):
                data.append(line[5:].lstrip())
            elif not line and data:
                _write(stdout, b"\n".join(data))
                data = []
    except (OSError, http.client.HTTPException) as error:
        print(f"agenttest mcp relay: a streamed answer broke off ({error}).", file=sys.stderr)


def relay_main(argv: list[str]) -> int:
    """``agenttest mcp relay URL``: stdio on this side, the mock MCP server at URL on the other."""
    usage = ("usage: agenttest mcp relay http://127.0.0.1:PORT/mcp/stdio\n\nRelays MCP over stdio to a mock MCP server "
             "of a test (what Install MCP Server Config writes for transport=stdio).")  # fmt: skip
    if argv[:1] in (["--help"], ["-h"]):
        print(usage)
        return 0
    if len(argv) != 1 or not argv[0].startswith("http://"):
        print(usage, file=sys.stderr)
        return 2
    return serve_lines(relay_exchange(argv[0]), sys.stdin.buffer, sys.stdout.buffer)
