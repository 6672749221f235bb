"""What a tool call costs the official ``mcp`` client, answered as JSON (the default) or as SSE: figures, never
pass/fail.

Three servers in their own processes: the MCP floor (raw_mcp_floor.py: canned JSON bytes for
every ``tools/call``), ``agenttest mcp serve`` with the default ``response: auto`` (JSON
whenever the client accepts it) and the same with ``response: sse``. One official client
process (``mcp.Client`` over streamable HTTP) opens a session to each in turn, rotated each
round, and times CALLS ``call_tool`` calls; the median per-round ratio to the floor is
reported, with server CPU per call from /proc.

    python benchmarks/mcp_client.py [--rounds 5] [--calls 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mcp import Client

from peers import HERE, Server, cpu_seconds

SCENARIO = """mcp_servers:
  tools:
    response: {mode}
    tools:
      - name: echo
        inputSchema: {{type: object, properties: {{text: {{type: string}}}}, required: [text]}}
        reply: {{text: "{{{{text}}}}"}}
"""


async def session(url: str, calls: int) -> float:
    """Seconds per call_tool in one open session (after a few warm-up calls)."""
    async with Client(url) as client:
        for _ in range(5):
            await client.call_tool("echo", {"text": "hi"})
        began = time.perf_counter()
        for _ in range(calls):
            await client.call_tool("echo", {"text": "hi"})
        return (time.perf_counter() - began) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        mock = [sys.executable, "-m", "AgentTestLibrary", "mcp", "serve", "--scenario"]
        candidates = [Server("MCP floor (canned JSON)", [sys.executable, str(HERE / "raw_mcp_floor.py")])]
        for mode, label in (("auto", "mock, default (JSON)"), ("sse", "mock, response: sse")):
            scenario = Path(folder) / f"{mode}.yaml"
            scenario.write_text(SCENARIO.format(mode=mode), encoding="utf-8")
            candidates.append(Server(label, [*mock, str(scenario)]))
        per_call: dict[str, list[float]] = {server.name: [] for server in candidates}
        cpu: dict[str, list[float]] = {server.name: [] for server in candidates}
        for server in candidates:
            server.__enter__()
        try:
            for round_number in range(args.rounds):
                shift = round_number % len(candidates)
                for server in candidates[shift:] + candidates[:shift]:
                    assert server.process is not None
                    before = cpu_seconds(server.process.pid)
                    per_call[server.name].append(asyncio.run(session(f"http://127.0.0.1:{server.port}/mcp",
                                                                     args.calls)))  # fmt: skip
                    cpu[server.name].append((cpu_seconds(server.process.pid) - before) / (args.calls + 5 + 4))
        finally:
            for server in candidates:
                server.__exit__()
    floor = candidates[0].name
    print(
        f"official mcp client, {args.calls} call_tool per session, median of {args.rounds} rotated rounds, ratio to "
        "the floor of the same round (lower is better)"
    )
    print(f"{'server':<26} {'ms/call':>8} {'x floor':>8} {'server CPU us/call':>19}")
    for name, values in per_call.items():
        ratio = statistics.median(value / base for value, base in zip(values, per_call[floor], strict=True))
        calls_ms, cpu_us = statistics.median(values) * 1000, statistics.median(cpu[name]) * 1e6
        print(f"{name:<26} {calls_ms:>8.3f} {ratio:>7.2f}x {cpu_us:>19.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
