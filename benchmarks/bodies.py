"""What a big request body costs: the answer, reading its journal entry, writing its evidence; figures, never pass/fail.

One body each of 1, 3 and 10 MiB (a prompt of prose with a registered secret in it, one of ``a.a.a…``
runs that a URL-password pattern once read quadratically) is sent over loopback to an in-process
model mock (Chat Completions), MCP server (the built-in echo tool, which answers the text back)
and service mock (github preset, a new issue). For each: time to the whole answer, the journal entry as a
keyword reads it (``to_dict``: masked), and the evidence file as the library writes it (masked
payload, JSON with indent). Bounded: one request per size and mock, sizes from ``--sizes``.

    python benchmarks/bodies.py [--sizes 1 3 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import time
from collections.abc import Callable
from typing import Any

from AgentTestLibrary.keywords.evidence import evidence_payload
from AgentTestLibrary.mock.application import MockApplication
from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockllm import MockLLM
from AgentTestLibrary.mockmcp import MockMCP
from AgentTestLibrary.mockservice import MockService, load_service
from AgentTestLibrary.secrets import SecretRegistry

SENTINEL = "sentinel-secret-value-1234"
TEXTS: dict[str, Callable[[int], str]] = {
    "prose": lambda size: (f"{SENTINEL} " + "the quick brown fox, jumps over the lazy dog. " * (size // 46 + 1))[:size],
    "a.a.a": lambda size: ("a." * (size // 2 + 1))[:size],
}
MCP_HEADERS = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18"}
MCP_INITIALIZE = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
                  "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}  # fmt: skip


def requests(text: str) -> dict[str, tuple[Callable[[SecretRegistry], MockApplication], str, Any, dict[str, str]]]:
    return {
        "model mock": (lambda registry: MockLLM(None, registry), "/v1/chat/completions",
                       {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}, {}),
        "MCP server": (lambda registry: MockMCP(secrets=registry), "/mcp",
                       {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                        "params": {"name": "echo", "arguments": {"text": text}}}, MCP_HEADERS),
        "service mock": (lambda registry: MockService(load_service("github", "github"), secrets=registry),
                         "/repos/octo/hello/issues", {"title": "big", "body": text}, {}),
    }  # fmt: skip


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    if path == "/mcp":  # a session first
        connection.request("POST", path, json.dumps(MCP_INITIALIZE), {"content-type": "application/json", **headers})
        opened = connection.getresponse()
        opened.read()
        headers = {**headers, "mcp-session-id": opened.headers["mcp-session-id"]}
    began = time.perf_counter()
    connection.request("POST", path, body, {"content-type": "application/json", **headers})
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - began
    connection.close()
    return response.status, elapsed


def measure(mib: float, kind: str) -> None:
    text = TEXTS[kind](int(mib * 1024 * 1024))
    for name, (factory, path, payload, headers) in requests(text).items():
        registry = SecretRegistry()
        registry.add(SENTINEL)
        app = factory(registry)
        server = MockServer(app)
        server.start()
        try:
            status, answer = post(server.port, path, json.dumps(payload).encode(), headers)
            entry = app.journal.entries()[-1]
            began = time.perf_counter()
            entry.to_dict()
            read = time.perf_counter() - began
            began = time.perf_counter()
            evidence = json.dumps(evidence_payload("Suite", "Test", [entry], 0, registry), indent=2, ensure_ascii=False)
            written = time.perf_counter() - began
            leak = " SECRET LEAKED" if SENTINEL in evidence else ""
            print(f"| {mib:g} MiB {kind} | {name} | {status} | {answer * 1000:,.0f} | {read * 1000:,.0f} | "
                  f"{written * 1000:,.0f} |{leak}", flush=True)  # fmt: skip
        finally:
            server.stop()
            app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 3, 10])
    parser.add_argument("--kinds", nargs="+", default=list(TEXTS), choices=list(TEXTS))
    args = parser.parse_args()
    print("| body | mock | status | answer ms | journal entry read ms | evidence written ms |")
    print("|---|---|---:|---:|---:|---:|")
    for kind in args.kinds:
        for mib in args.sizes:
            measure(mib, kind)


if __name__ == "__main__":
    main()
