"""The mock against the raw asyncio floor and aimock, in one run: figures, never pass/fail.

Every server answers "hello benchmark" requests with the same 44-character text. Eight
keep-alive connections of a stdlib raw client (asyncio streams) send Chat Completions
requests, non-streaming and streaming; each figure is the median of several rounds whose
server order rotates, printed as a ratio to the floor measured in the same round.

    python benchmarks/peers.py [--rounds 3] [--requests 300]

aimock (npm ``@copilotkit/aimock``, pinned) is installed with npm into ``.bench-cache/``
on first use; without npm or its registry it is skipped with the reason printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
CACHE = HERE.parent / ".bench-cache"
AIMOCK = ("@copilotkit/aimock", "1.43.0")
TEXT = "hello benchmark: the same 44 characters back"
assert len(TEXT) == 44
CONNECTIONS = 8
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello benchmark"}]}  # as in cases.py
SCENARIO = f"version: 1\nrules:\n  - name: bench\n    reply: {{text: {json.dumps(TEXT)}}}\n"


def request_bytes(stream: bool) -> bytes:
    """The request every server gets; ``x-bench-case`` tells the floor which canned answer to write."""
    payload = json.dumps({**BODY, "stream": stream}).encode()
    case = b"peer stream" if stream else b"peer plain"
    return (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"x-bench-case: %s\r\nauthorization: Bearer sk-bench\r\ncontent-length: %d\r\n\r\n%s"
        % (case, len(payload), payload)
    )


@dataclass
class Figures:
    rate: float  # requests per second
    latency_ms: float  # median time to the complete response
    first_ms: float  # median time to the first body byte (the first event when streaming)


async def _read(reader: asyncio.StreamReader) -> float:
    """Read one response; returns the time the first body bytes arrived."""
    head = await reader.readuntil(b"\r\n\r\n")
    lowered = head.lower()
    if b"transfer-encoding: chunked" in lowered:
        first = 0.0
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if not first:
                first = time.perf_counter()
            await reader.readexactly(size + 2)
            if size == 0:
                return first
    length = int(lowered.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
    await reader.readexactly(length)
    return time.perf_counter()


async def _load(port: int, stream: bool, requests: int) -> Figures:
    payload = request_bytes(stream)
    totals: list[float] = []
    firsts: list[float] = []

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(requests):
            began = time.perf_counter()
            writer.write(payload)
            first = await _read(reader)
            totals.append(time.perf_counter() - began)
            firsts.append(first - began)
        writer.close()

    began = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(CONNECTIONS))), timeout=180)
    elapsed = time.perf_counter() - began
    return Figures(len(totals) / elapsed, statistics.median(totals) * 1000, statistics.median(firsts) * 1000)


def measure(port: int, stream: bool, requests: int) -> Figures:
    asyncio.run(_load(port, stream, 30))  # warm-up
    return asyncio.run(_load(port, stream, requests))


def _wait_for_port(process: subprocess.Popen[str], prefix: str) -> int:
    assert process.stdout is not None
    for line in process.stdout:
        if prefix in line:
            return int(line.strip().rsplit(":", 1)[1].split("/")[0])
    raise RuntimeError(f"the server exited before printing {prefix!r}")


def _wait_until_listening(port: int, process: subprocess.Popen[str], timeout_s: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {timeout_s:g} s")


def install_aimock() -> tuple[list[str] | None, str]:
    """The aimock command, or None and why it is unavailable."""
    binary = CACHE / "aimock" / "node_modules" / "@copilotkit" / "aimock" / "dist" / "cli.js"
    if not binary.is_file():
        if shutil.which("npm") is None or shutil.which("node") is None:
            return None, "node/npm not on PATH"
        done = subprocess.run(
            ["npm", "install", "--no-fund", "--no-audit", "--prefix", str(CACHE / "aimock"), "@".join(AIMOCK)],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            return None, f"npm install failed: {(done.stderr or done.stdout).strip()[-300:]}"
    return ["node", str(binary)], ""


class Server:
    def __init__(self, name: str, command: list[str], prefix: str, port_argument: bool = False) -> None:
        self.name, self.command, self.prefix, self.port_argument = name, command, prefix, port_argument
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> Server:
        command = self.command
        if self.port_argument:
            import socket

            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
            command = [*command, "--port", str(self.port)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                        stderr=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})  # fmt: skip
        if self.port_argument:  # quiet servers print nothing: wait until the port accepts connections
            _wait_until_listening(self.port, self.process)
        else:
            self.port = _wait_for_port(self.process, self.prefix)
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


def servers(folder: Path) -> tuple[list[Server], list[str]]:
    scenario = folder / "bench.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    found = [
        Server("raw asyncio floor", [sys.executable, str(HERE / "raw_baseline_server.py"), str(scenario)],
               "MOCK_LLM_URL="),
        Server("AgentTestLibrary", [sys.executable, "-m", "AgentTestLibrary", "mock", "serve", "--scenario",
                                    str(scenario)], "MOCK_LLM_URL="),
    ]  # fmt: skip
    notes = []
    aimock, reason = install_aimock()
    if aimock is None:
        notes.append(f"aimock {AIMOCK[1]} skipped: {reason}")
    else:
        fixtures = folder / "fixtures.json"
        fixture = {"match": {"userMessage": "hello benchmark"}, "response": {"content": TEXT}}
        fixtures.write_text(json.dumps({"fixtures": [fixture]}), encoding="utf-8")
        command = [*aimock, "--fixtures", str(fixtures), "--log-level", "warn", "--chunk-size", "20"]
        found.insert(1, Server(f"aimock {AIMOCK[1]}", command, "", port_argument=True))
    return found, notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300, help="requests per connection per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        candidates, notes = servers(Path(folder))
        results: dict[str, dict[str, list[Figures]]] = {s.name: {"plain": [], "stream": []} for s in candidates}
        floor = candidates[0].name
        for round_number in range(args.rounds):
            order = candidates[round_number % len(candidates) :] + candidates[: round_number % len(candidates)]
            for server in order:
                with server:
                    for mode in ("plain", "stream"):
                        results[server.name][mode].append(measure(server.port, mode == "stream", args.requests))

    def ratio(name: str, mode: str, field: str) -> float:
        ratios = [
            getattr(floor_figures, field) / getattr(figures, field)
            if field == "rate"
            else getattr(figures, field) / getattr(floor_figures, field)
            for figures, floor_figures in zip(results[name][mode], results[floor][mode], strict=True)
        ]
        return statistics.median(ratios)

    total = CONNECTIONS * args.requests
    print(f"{CONNECTIONS} keep-alive connections, {total} requests per measurement, median of {args.rounds} rotated"
          " rounds; ratios to the raw asyncio floor of the same round (lower is better)")  # fmt: skip
    print(f"{'server':<22} {'non-streaming req/s':>20} {'x floor':>8} {'stream total ms':>16} {'x floor':>8}"
          f" {'first event ms':>15} {'x floor':>8}")  # fmt: skip
    for name, modes in results.items():
        plain = statistics.median(figures.rate for figures in modes["plain"])
        total_ms = statistics.median(figures.latency_ms for figures in modes["stream"])
        first_ms = statistics.median(figures.first_ms for figures in modes["stream"])
        ratios = [ratio(name, "plain", "rate"), ratio(name, "stream", "latency_ms"), ratio(name, "stream", "first_ms")]
        print(f"{name:<22} {plain:>20.0f} {ratios[0]:>7.2f}x {total_ms:>16.3f} {ratios[1]:>7.2f}x"
              f" {first_ms:>15.3f} {ratios[2]:>7.2f}x")  # fmt: skip
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
