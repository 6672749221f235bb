"""The baseline: a minimal asyncio HTTP/1.1 server answering every request with canned bytes.

It does the least a server can do (no JSON parsing, no routing, no journal), so the ratio
of our server to it shows what our protocol work costs. Prints its port, then serves.
"""

from __future__ import annotations

import asyncio
import json
import sys

TEXT = "This is a deterministic reply from the AgentTestLibrary mock LLM."
PLAIN = json.dumps(
    {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
     "choices": [{"index": 0, "message": {"role": "assistant", "content": TEXT}, "finish_reason": "stop"}]}
).encode()  # fmt: skip
CHUNKS = [
    b"data: "
    + json.dumps(
        {"id": "x", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": w}}]}
    ).encode()
    + b"\n\n"
    for w in TEXT.split(" ")
] + [b"data: [DONE]\n\n"]


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            if b'"stream": true' in body or b'"stream":true' in body:
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
                )
                for chunk in CHUNKS:
                    writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    await writer.drain()
                writer.write(b"0\r\n\r\n")
            else:
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(PLAIN)
                )
                writer.write(PLAIN)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"MOCK_LLM_URL=http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
