"""The MCP floor: a minimal asyncio HTTP/1.1 server whose answer to ``tools/call`` is canned bytes.

The session's setup (initialize, the version probe, notifications, the SSE listen, DELETE) is
answered by a mock MCP server in this process, as it would be; every ``tools/call`` gets the very
bytes that server renders for it (as JSON), rendered once at start-up, with the request's id
spliced in. The ratio of a server to it is what answering a tool call costs the official client.
Prints ``MCP_URL=...``, then serves.
"""

from __future__ import annotations

import asyncio
import json
import sys

from AgentTestLibrary.mock.http import Outcome, Request, response_head
from AgentTestLibrary.mockmcp import MockMCP

HEADERS = {"host": "127.0.0.1", "accept": "application/json", "content-type": "application/json"}


def canned_call(app: MockMCP) -> tuple[bytes, bytes]:
    """The JSON answer to an echo call, split where its id goes."""
    client = {"name": "floor", "version": "1"}
    init = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": client}}  # fmt: skip
    session = dict(app.handle(Request("POST", "/mcp", HEADERS, json.dumps(init).encode())).headers)["mcp-session-id"]
    call = {
        "jsonrpc": "2.0",
        "id": 424242,
        "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": "hi"}},
    }
    outcome = app.handle(Request("POST", "/mcp", {**HEADERS, "mcp-session-id": session}, json.dumps(call).encode()))
    before, after = outcome.body_bytes().split(b"424242", 1)
    return before, after


def wire(outcome: Outcome) -> bytes:
    body = outcome.body_bytes()
    if outcome.events is not None:
        body = b"".join(event.sse() for event in outcome.events)
    return response_head(outcome, len(body), True, "floor") + body


async def main() -> None:
    app = MockMCP()
    before, after = canned_call(app)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lowered = head.lower()
                length = int(lowered.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0]) if b"content-length:" \
                    in lowered else 0  # fmt: skip
                body = await reader.readexactly(length)
                message = json.loads(body) if body else None
                if isinstance(message, dict) and message.get("method") == "tools/call":
                    answer = before + json.dumps(message["id"]).encode() + after
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                                 % (len(answer), answer))  # fmt: skip
                else:  # setup: answered as the mock would
                    lines = head.decode("latin-1").split("\r\n")
                    method, target, _ = lines[0].split(" ", 2)
                    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
                               if k}  # fmt: skip
                    writer.write(wire(app.handle(Request(method, target, headers, body))))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"MCP_URL=http://127.0.0.1:{server.sockets[0].getsockname()[1]}/mcp", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
