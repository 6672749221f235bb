"""Benchmark the mock LLM server against a raw asyncio baseline measured in the same run.

Prints figures only (median of several runs and the ratio to the baseline); nothing here
passes or fails on time. Every load is bounded: CONNECTIONS x REQUESTS per run, RUNS runs.

    python benchmarks/mock_server.py [--runs 5] [--requests 150]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CONNECTIONS = 8
HERE = Path(__file__).parent
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say something short."}]}


def start(command: list[str]) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    return process, int(line.rsplit(":", 1)[1])


def request_bytes(stream: bool) -> bytes:
    body = json.dumps({**BODY, "stream": stream}).encode()
    return (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n%s" % (len(body), body)
    )


async def read_response(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    lowered = head.lower()
    if b"transfer-encoding: chunked" in lowered:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                return
    length = int(lowered.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
    await reader.readexactly(length)


async def load(port: int, stream: bool, requests: int) -> tuple[list[float], float]:
    """CONNECTIONS keep-alive clients, ``requests`` each; returns latencies and requests/s."""
    payload = request_bytes(stream)
    latencies: list[float] = []

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(requests):
            began = time.perf_counter()
            writer.write(payload)
            await writer.drain()
            await read_response(reader)
            latencies.append(time.perf_counter() - began)
        writer.close()

    began = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(CONNECTIONS))), timeout=120)
    return latencies, len(latencies) / (time.perf_counter() - began)


def measure(port: int, stream: bool, requests: int, runs: int) -> tuple[float, float]:
    """Median over runs of (median latency in ms, requests per second)."""
    asyncio.run(load(port, stream, 20))  # warm-up
    results = [asyncio.run(load(port, stream, requests)) for _ in range(runs)]
    return (
        statistics.median(statistics.median(latencies) * 1000 for latencies, _ in results),
        statistics.median(rate for _, rate in results),
    )


STARTUP_PROBE = HERE / "startup_probe.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=150, help="requests per connection per run")
    args = parser.parse_args()
    servers = {
        "agenttest": [sys.executable, "-m", "AgentTestLibrary", "mock", "serve"],
        "raw asyncio": [sys.executable, str(HERE / "raw_baseline_server.py")],
    }
    figures: dict[tuple[str, bool], tuple[float, float]] = {}
    for name, command in servers.items():
        process, port = start(command)
        try:
            for stream in (False, True):
                figures[(name, stream)] = measure(port, stream, args.requests, args.runs)
        finally:
            process.terminate()
            process.wait(10)
    total = CONNECTIONS * args.requests
    print(f"Chat completions, concurrency {CONNECTIONS}, {total} requests per run, median of {args.runs} runs")
    print(f"{'mode':<8} {'server':<12} {'median ms':>10} {'req/s':>8} {'latency/baseline':>17} {'req/s/baseline':>15}")
    for stream in (False, True):
        base_latency, base_rate = figures[("raw asyncio", stream)]
        for name in servers:
            latency, rate = figures[(name, stream)]
            mode = "stream" if stream else "plain"
            ratios = f"{latency / base_latency:>16.2f}x {rate / base_rate:>14.2f}x"
            print(f"{mode:<8} {name:<12} {latency:>10.2f} {rate:>8.0f} {ratios}")
    probes = []
    for _ in range(args.runs):
        output = subprocess.run(
            [sys.executable, str(STARTUP_PROBE)], capture_output=True, text=True, check=True, env=os.environ
        )
        probes.append(json.loads(output.stdout))
    start_ms = statistics.median(p["start_s"] for p in probes) * 1000
    import_ms = statistics.median(p["import_s"] for p in probes) * 1000
    rss_mib = statistics.median(p["rss_kib"] for p in probes) / 1024
    print(f"start-up to first response (in-process, library already imported): {start_ms:.1f} ms")
    print(f"one-time import of the core: {import_ms:.0f} ms")
    print(f"added RSS per running server: {rss_mib:.2f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
