"""Benchmark the mock LLM server against a raw asyncio baseline measured in the same run.

Prints figures only (median of several runs and the ratio to the baseline); nothing here
passes or fails on time. Every load is bounded: CONNECTIONS x REQUESTS per run, RUNS runs.

    python benchmarks/mock_server.py [--runs 5] [--requests 150]

The baseline (raw_baseline_server.py) answers each case with the very bytes our server
produces for it, rendered once at its start-up, so the ratio is our per-request cost.
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

from cases import CASES, request_bytes

CONNECTIONS = 8
HERE = Path(__file__).parent


def start(command: list[str]) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    return process, int(line.rsplit(":", 1)[1])


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


async def load(port: int, case: str, requests: int) -> tuple[list[float], float]:
    """CONNECTIONS keep-alive clients, ``requests`` each; returns latencies and requests/s."""
    payload = request_bytes(case)
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


def measure(port: int, case: str, requests: int, runs: int) -> tuple[float, float]:
    """Median over runs of (median latency in ms, requests per second)."""
    asyncio.run(load(port, case, 20))  # warm-up
    results = [asyncio.run(load(port, case, requests)) for _ in range(runs)]
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
    figures: dict[tuple[str, str], tuple[float, float]] = {}
    for name, command in servers.items():
        process, port = start(command)
        try:
            for case in CASES:
                figures[(name, case)] = measure(port, case, args.requests, args.runs)
        finally:
            process.terminate()
            process.wait(10)
    total = CONNECTIONS * args.requests
    print(f"Concurrency {CONNECTIONS}, {total} requests per run, median of {args.runs} runs")
    print(f"{'case':<17} {'server':<12} {'median ms':>10} {'req/s':>8} {'latency/baseline':>17} {'req/s/baseline':>15}")
    for case in CASES:
        base_latency, base_rate = figures[("raw asyncio", case)]
        for name in servers:
            latency, rate = figures[(name, case)]
            ratios = f"{latency / base_latency:>16.2f}x {rate / base_rate:>14.2f}x"
            print(f"{case:<17} {name:<12} {latency:>10.2f} {rate:>8.0f} {ratios}")
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
