"""The mock against the raw asyncio floor and aimock, in one run: figures, never pass/fail.

Every server answers "hello benchmark" requests with the same 44-character text. One stdlib
client process (asyncio streams, keep-alive connections) talks to every server in short
alternating blocks: for each case of ``cases.py`` and each connection count, every server gets
one block in turn, and the order rotates each round. A ratio to the floor is taken per round
and the median over rounds reported (lower is better). Server CPU per request comes from /proc
(every thread's run time, ``/proc/PID/task/*/schedstat``) summed over the blocks: it moves far
less with other jobs' load than latency does. Bounded: BLOCK requests per block, ROUNDS rounds.

    python benchmarks/peers.py [--rounds 7] [--block 2400]

The floor (raw_baseline_server.py) writes the very bytes the mock produces for each case,
rendered once at its start, in one write per response. "mock server alone" sends those answers
through the mock's own server (uvloop, HTTP parser, JSON decoding, framing) with no application
behind it: the mock's figures less its figures are what the exchange pipeline costs. aimock
(npm ``@copilotkit/aimock``, pinned) is installed with npm into ``.bench-cache/`` on first use
(never committed); without npm or its registry it is skipped with the reason printed. Also
printed: whether uvloop and orjson are in use (default dependencies where wheels exist).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cases import CASES, PROMPT, SCENARIO, TEXT, request_bytes

HERE = Path(__file__).parent
CACHE = HERE.parent / ".bench-cache"
AIMOCK = ("@copilotkit/aimock", "1.43.0")
HEADLINE = ("chat plain", "chat stream")  # non-streaming and streaming: measured at every connection count
CONNECTIONS = (1, 8, 64)
DEFAULT_CONNECTIONS = 8  # every other case is measured here
CANNED = "mock server alone"  # the mock's own server with the floor's answers: the mock less it is its pipeline


@dataclass
class Figures:
    rate: float  # requests per second
    total_ms: float  # median time to the complete response
    first_ms: float  # median time to the first body byte (the first event when streaming)
    cpu_s: float  # server CPU spent on the block
    requests: int


async def _read(reader: asyncio.StreamReader) -> tuple[float, bool]:
    """Read one response; returns when its first body bytes arrived, and whether the server closes the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lowered = head.lower()
    closes = b"\r\nconnection: close\r\n" in lowered
    if b"transfer-encoding: chunked" in lowered:
        first = 0.0
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            first = first or time.perf_counter()
            await reader.readexactly(size + 2)
            if size == 0:
                return first, closes
    length = int(lowered.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
    await reader.readexactly(length)
    return time.perf_counter(), closes


async def _load(port: int, payload: bytes, connections: int, per_connection: int,
                ) -> tuple[float, list[float], list[float]]:  # fmt: skip
    """Keep-alive connections, each sending ``per_connection`` requests one after another. A server that answers
    ``Connection: close`` gets the next request on a new connection, as an HTTP client does: its connect is part
    of that request's time (sending on the old one would deadlock a server that drains the socket until EOF)."""
    totals: list[float] = []
    firsts: list[float] = []

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(per_connection):
            began = time.perf_counter()
            if writer.is_closing():
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(payload)
            first, closes = await _read(reader)
            totals.append(time.perf_counter() - began)
            firsts.append(first - began)
            if closes:
                writer.close()
        writer.close()

    began = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(connections))), timeout=120)
    return time.perf_counter() - began, totals, firsts


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of ``pid`` (ns precision from schedstat; utime+stime ticks where it is absent)."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat", encoding="ascii") as stat:
                total += int(stat.read().split()[0])
        return total / 1e9
    except (FileNotFoundError, ValueError):
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(server: Server, payload: bytes, connections: int, block: int) -> Figures:
    """One block of ``block`` requests (``payload``, the request's bytes) over ``connections``."""
    per_connection = max(10, block // connections)
    assert server.process is not None
    before = cpu_seconds(server.process.pid)
    elapsed, totals, firsts = asyncio.run(_load(server.port, payload, connections, per_connection))
    cpu = cpu_seconds(server.process.pid) - before
    return Figures(len(totals) / elapsed, statistics.median(totals) * 1000, statistics.median(firsts) * 1000, cpu,
                   len(totals))  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(port: int, process: subprocess.Popen[str], timeout_s: float = 30.0) -> None:
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
    """The aimock command (installed into the ignored .bench-cache on first use), or None and why it is not."""
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
    """A server in its own process; ``port_option`` servers are quiet and get their port given."""

    def __init__(self, name: str, command: list[str], port_option: bool = False) -> None:
        self.name, self.command, self.port_option = name, command, port_option
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> Server:
        command = [*self.command, "--port", str(_free_port())] if self.port_option else self.command
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                        stderr=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})  # fmt: skip
        if self.port_option:
            self.port = int(command[-1])
            _wait_until_listening(self.port, self.process)
        else:
            assert self.process.stdout is not None
            self.port = int(self.process.stdout.readline().strip().rsplit(":", 1)[1].split("/", 1)[0])
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


def servers(folder: Path, with_aimock: bool = True) -> tuple[list[Server], list[str]]:
    """The floor, the mock's server with canned answers, the mock (answering with the bench scenario), then aimock
    unless left out."""
    scenario = folder / "bench.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    found = [
        Server("raw asyncio floor", [sys.executable, str(HERE / "raw_baseline_server.py"), str(scenario)]),
        Server(CANNED, [sys.executable, str(HERE / "raw_baseline_server.py"), "--server", str(scenario)]),
        Server("AgentTestLibrary", [sys.executable, "-m", "AgentTestLibrary", "mock", "serve", "--scenario",
                                    str(scenario)]),
    ]  # fmt: skip
    notes: list[str] = []
    if not with_aimock:
        return found, notes
    aimock, reason = install_aimock()
    if aimock is None:
        notes.append(f"aimock {AIMOCK[1]} skipped: {reason}")
    else:
        fixtures = folder / "fixtures.json"
        fixture = {"match": {"userMessage": PROMPT}, "response": {"content": TEXT}}
        fixtures.write_text(json.dumps({"fixtures": [fixture]}), encoding="utf-8")
        command = [*aimock, "--fixtures", str(fixtures), "--log-level", "warn", "--chunk-size", "20"]
        found.insert(1, Server(f"aimock {AIMOCK[1]}", command, port_option=True))
    return found, notes


Key = tuple[str, str, int]  # server, case, connections
GRID = [(case, count) for case in CASES for count in (CONNECTIONS if case in HEADLINE else (DEFAULT_CONNECTIONS,))]


def run(candidates: list[Server], rounds: int, block: int, grid: list[tuple[str, int]],
        request: Callable[[str], bytes] = request_bytes) -> dict[Key, list[Figures]]:  # fmt: skip
    """Every (case, connections) block of ``grid`` for every server in turn; the server order rotates each round."""
    results: dict[Key, list[Figures]] = {}
    for server in candidates:  # warm-up: every case once
        for case in dict(grid):
            measure(server, request(case), DEFAULT_CONNECTIONS, 30 * DEFAULT_CONNECTIONS)
    for round_number in range(rounds):
        shift = round_number % len(candidates)
        order = candidates[shift:] + candidates[:shift]
        for case, count in grid:
            for server in order:
                results.setdefault((server.name, case, count), []).append(measure(server, request(case), count, block))
    return results


def ratio(results: dict[Key, list[Figures]], floor: str, key: Key, field: str) -> float:
    """The median over rounds of ``key``'s figure over the floor's in the same round (for ``rate``: floor / it)."""
    pairs = zip(results[key], results[(floor, *key[1:])], strict=True)
    if field == "rate":
        return statistics.median(base.rate / figures.rate for figures, base in pairs)
    return statistics.median(getattr(figures, field) / getattr(base, field) for figures, base in pairs)


def median(results: dict[Key, list[Figures]], key: Key, field: str) -> float:
    return statistics.median(getattr(figures, field) for figures in results[key])


def cpu_us(results: dict[Key, list[Figures]], key: Key) -> float:
    """Server CPU per request over every block of ``key``, in µs."""
    return sum(figures.cpu_s for figures in results[key]) / sum(figures.requests for figures in results[key]) * 1e6


ROW_HEADINGS = f"{'req/s':>8} {'x floor':>8} {'total ms':>9} {'x floor':>8} {'CPU us/req':>10}"


def row(results: dict[Key, list[Figures]], floor: str, key: Key) -> str:
    """A block's figures, under :data:`ROW_HEADINGS`: throughput and total latency (each beside its ratio to the
    floor) and the server's CPU per request."""
    return (f"{median(results, key, 'rate'):>8.0f} {ratio(results, floor, key, 'rate'):>7.2f}x"
            f" {median(results, key, 'total_ms'):>9.3f} {ratio(results, floor, key, 'total_ms'):>7.2f}x"
            f" {cpu_us(results, key):>10.1f}")  # fmt: skip


def options(description: str, rounds: int, block: int) -> argparse.Namespace:
    """A benchmark's command line: ``--rounds`` and ``--block`` (requests per block)."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--block", type=int, default=block, help="requests per block (at least 10 per connection)")
    return parser.parse_args()


def run_started(candidates: list[Server], rounds: int, block: int, grid: list[tuple[str, int]],
                request: Callable[[str], bytes] = request_bytes) -> dict[Key, list[Figures]]:  # fmt: skip
    """:func:`run` with every server started first and stopped after."""
    for server in candidates:
        server.__enter__()
    try:
        return run(candidates, rounds, block, grid, request)
    finally:
        for server in candidates:
            server.__exit__()


def report(results: dict[Key, list[Figures]], floor: str, names: list[str]) -> None:
    plain, stream = HEADLINE
    print(f"\n{'conns':>5} {'server':<20} {'plain req/s':>11} {'x floor':>8} {'CPU us/req':>10}"
          f" {'stream ms':>10} {'x floor':>8} {'CPU us/req':>10} {'1st event ms':>12}")  # fmt: skip
    for count in CONNECTIONS:
        for name in names:
            flat, flow = (name, plain, count), (name, stream, count)
            print(f"{count:>5} {name:<20} {median(results, flat, 'rate'):>11.0f}"
                  f" {ratio(results, floor, flat, 'rate'):>7.2f}x {cpu_us(results, flat):>10.1f}"
                  f" {median(results, flow, 'total_ms'):>10.3f} {ratio(results, floor, flow, 'total_ms'):>7.2f}x"
                  f" {cpu_us(results, flow):>10.1f} {median(results, flow, 'first_ms'):>12.3f}")  # fmt: skip
    print(f"\nevery case at {DEFAULT_CONNECTIONS} connections:")
    print(f"{'case':<18} {'server':<20} {ROW_HEADINGS}")
    for case in CASES:
        for name in names:
            print(f"{case:<18} {name:<20} {row(results, floor, (name, case, DEFAULT_CONNECTIONS))}")


def main() -> int:
    # Blocks of 2,400 requests measure the steady state: with 800, two runs minutes apart put the same server's chat
    # at 1.56x and 2.06x the floor at 8 connections (each block's connects and first requests weigh in).
    args = options(__doc__, rounds=7, block=2400)
    with tempfile.TemporaryDirectory() as folder:
        candidates, notes = servers(Path(folder))
        results = run_started(candidates, args.rounds, args.block, GRID)
    fast = [name for name in ("uvloop", "orjson") if importlib.util.find_spec(name)]
    print(
        f"{args.block} requests per block, {args.rounds} rotated rounds, ratios to the raw asyncio floor of the "
        f"same round (median; lower is better); the mock runs on {', '.join(fast) or 'stdlib asyncio and json'}"
    )
    report(results, candidates[0].name, [server.name for server in candidates])
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
