"""How exact injected latency and stream pacing are: figures, never pass/fail.

Starts ``agenttest mock serve`` in its own process, injects ``delay_ms`` through the admin
API and measures time to the response headers against a no-fault baseline in the same run;
then injects ``chunk_ms`` pacing and measures the gaps between stream events. Bounded:
RUNS requests per setting.

    python benchmarks/fault_latency.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
from itertools import pairwise

DELAYS_MS = (0, 20, 50, 100, 250)
CHUNK_MS = 25
BODY = json.dumps(
    {"model": "m", "messages": [{"role": "user", "content": "one two three four five six seven"}]}
).encode()


TOKEN = "fault-latency-benchmark-token"
REQUEST_HEAD = b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: %d\r\n\r\n"


def admin(port: int, method: str, path: str, body: bytes = b"") -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        head = (b"%s %s HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\nauthorization: Bearer %s\r\n"
                b"content-type: application/json\r\ncontent-length: %d\r\n\r\n")  # fmt: skip
        sock.sendall(head % (method.encode(), path.encode(), TOKEN.encode(), len(body)) + body)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
        if not reply.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"admin call {method} {path} failed: {reply[:300]!r}")


def time_to_headers(port: int, body: bytes) -> float:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        request = b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: %d\r\n\r\n%s" % (
            len(body),
            body,
        )
        began = time.perf_counter()
        sock.sendall(request)
        sock.recv(1)
        return time.perf_counter() - began


def event_gaps(port: int) -> list[float]:
    body = json.dumps({**json.loads(BODY), "stream": True}).encode()
    arrivals = []
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = (
            b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-length: %d\r\n\r\n"
        )
        sock.sendall(head % len(body) + body)
        while chunk := sock.recv(65536):
            arrivals.append(time.perf_counter())
            if chunk.endswith(b"0\r\n\r\n"):
                break
    return [later - earlier for earlier, later in pairwise(arrivals[1:])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    process = subprocess.Popen(
        [sys.executable, "-m", "AgentTestLibrary", "mock", "serve", "--admin-token", TOKEN],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = int(process.stdout.readline().strip().rsplit(":", 1)[1])
    try:
        medians = {}
        for delay in DELAYS_MS:
            if delay:
                admin(port, "POST", "/__agenttest/faults", json.dumps({"delay_ms": delay}).encode())
            medians[delay] = statistics.median(time_to_headers(port, BODY) for _ in range(args.runs)) * 1000
            admin(port, "DELETE", "/__agenttest/faults")
        print(f"Injected delay before headers, median of {args.runs} requests (baseline: no fault, same run)")
        print(f"{'asked ms':>9} {'measured ms':>12} {'minus baseline':>15} {'error ms':>9}")
        for delay, measured in medians.items():
            extra = measured - medians[0]
            print(f"{delay:>9} {measured:>12.2f} {extra:>15.2f} {extra - delay:>9.2f}")
        admin(port, "POST", "/__agenttest/faults", json.dumps({"chunk_ms": CHUNK_MS}).encode())
        gaps = [gap for _ in range(max(3, args.runs // 5)) for gap in event_gaps(port)]
        print(f"stream pacing chunk_ms={CHUNK_MS}: median gap between events {statistics.median(gaps) * 1000:.2f} ms "
              f"(error {statistics.median(gaps) * 1000 - CHUNK_MS:+.2f} ms, {len(gaps)} gaps)")  # fmt: skip
    finally:
        process.terminate()
        process.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
