"""The mock against the raw asyncio floor and aimock, in one run: figures, never pass/fail.

Every server answers "hello benchmark" requests with the same 44-character text. Eight
keep-alive connections of a stdlib raw client (asyncio streams) send each case of
``cases.py`` (Chat plain and streamed, Responses, Messages and Gemini streams); every figure
is the median over several rounds whose server order rotates, given as a ratio to the floor
measured in the same round. Bounded: CONNECTIONS x REQUESTS per measurement, ROUNDS rounds.

    python benchmarks/peers.py [--rounds 3] [--requests 300]

The floor (raw_baseline_server.py) writes the very bytes the mock produces for each case,
rendered once at its start. aimock (npm ``@copilotkit/aimock``, pinned) is installed with npm
into ``.bench-cache/`` on first use; without npm or its registry it is skipped with the
reason printed. Also printed: the mock's start-up time and the memory one more server costs,
and whether the optional ``fast`` extra (uvloop, orjson) is in use.
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
from dataclasses import dataclass
from pathlib import Path

from cases import CASES, PROMPT, SCENARIO, TEXT, request_bytes

HERE = Path(__file__).parent
CACHE = HERE.parent / ".bench-cache"
AIMOCK = ("@copilotkit/aimock", "1.43.0")
CONNECTIONS = 8
HEADLINE = ("chat plain", "chat stream")  # the two columns: non-streaming req/s, streaming total


@dataclass
class Figures:
    rate: float  # requests per second
    total_ms: float  # median time to the complete response
    first_ms: float  # median time to the first body byte (the first event when streaming)


async def _read(reader: asyncio.StreamReader) -> float:
    """Read one response; returns when its first body bytes arrived."""
    head = await reader.readuntil(b"\r\n\r\n")
    lowered = head.lower()
    if b"transfer-encoding: chunked" in lowered:
        first = 0.0
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            first = first or time.perf_counter()
            await reader.readexactly(size + 2)
            if size == 0:
                return first
    length = int(lowered.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
    await reader.readexactly(length)
    return time.perf_counter()


async def _load(port: int, case: str, requests: int) -> Figures:
    payload = request_bytes(case)
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


def measure(port: int, case: str, requests: int) -> Figures:
    asyncio.run(_load(port, case, 30))  # warm-up
    return asyncio.run(_load(port, case, requests))


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
            self.port = int(self.process.stdout.readline().strip().rsplit(":", 1)[1])
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


def servers(folder: Path) -> tuple[list[Server], list[str]]:
    scenario = folder / "bench.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    found = [
        Server("raw asyncio floor", [sys.executable, str(HERE / "raw_baseline_server.py"), str(scenario)]),
        Server("AgentTestLibrary", [sys.executable, "-m", "AgentTestLibrary", "mock", "serve", "--scenario",
                                    str(scenario)]),
    ]  # fmt: skip
    notes = []
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


def startup(runs: int) -> str:
    probes = [
        json.loads(subprocess.run([sys.executable, str(HERE / "startup_probe.py")], capture_output=True, text=True,
                                  check=True, env=os.environ).stdout)
        for _ in range(runs)
    ]  # fmt: skip
    start_ms = statistics.median(probe["start_s"] for probe in probes) * 1000
    import_ms = statistics.median(probe["import_s"] for probe in probes) * 1000
    rss_mib = statistics.median(probe["rss_kib"] for probe in probes) / 1024
    return (f"start-up to first response (in-process, library imported): {start_ms:.1f} ms; one-time import: "
            f"{import_ms:.0f} ms; RSS added per running server: {rss_mib:.2f} MiB")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300, help="requests per connection per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        candidates, notes = servers(Path(folder))
        results: dict[str, dict[str, list[Figures]]] = {s.name: {case: [] for case in CASES} for s in candidates}
        for round_number in range(args.rounds):
            shift = round_number % len(candidates)
            for server in candidates[shift:] + candidates[:shift]:
                with server:
                    for case in CASES:
                        results[server.name][case].append(measure(server.port, case, args.requests))
    floor = candidates[0].name

    def ratio(name: str, case: str, field: str) -> float:
        pairs = zip(results[name][case], results[floor][case], strict=True)
        if field == "rate":
            return statistics.median(base.rate / figures.rate for figures, base in pairs)
        return statistics.median(getattr(figures, field) / getattr(base, field) for figures, base in pairs)

    def median(name: str, case: str, field: str) -> float:
        return statistics.median(getattr(figures, field) for figures in results[name][case])

    fast = [name for name in ("uvloop", "orjson") if importlib.util.find_spec(name)]
    print(f"{CONNECTIONS} keep-alive connections, {CONNECTIONS * args.requests} requests per measurement, median of "
          f"{args.rounds} rotated rounds, ratios to the raw asyncio floor of the same round (lower is better); "
          f"mock extras: {', '.join(fast) or 'none (stdlib asyncio and json)'}")  # fmt: skip
    print(f"\n{'server':<20} {'non-streaming req/s':>20} {'x floor':>8} {'stream total ms':>16} {'x floor':>8}"
          f" {'first event ms':>15} {'x floor':>8}")  # fmt: skip
    plain, stream = HEADLINE
    for name in results:
        print(f"{name:<20} {median(name, plain, 'rate'):>20.0f} {ratio(name, plain, 'rate'):>7.2f}x"
              f" {median(name, stream, 'total_ms'):>16.3f} {ratio(name, stream, 'total_ms'):>7.2f}x"
              f" {median(name, stream, 'first_ms'):>15.3f} {ratio(name, stream, 'first_ms'):>7.2f}x")  # fmt: skip
    print(f"\n{'case':<18} {'server':<20} {'req/s':>8} {'x floor':>8} {'total ms':>9} {'x floor':>8}")
    for case in CASES:
        for name in results:
            print(f"{case:<18} {name:<20} {median(name, case, 'rate'):>8.0f} {ratio(name, case, 'rate'):>7.2f}x"
                  f" {median(name, case, 'total_ms'):>9.3f} {ratio(name, case, 'total_ms'):>7.2f}x")  # fmt: skip
    print()
    print(startup(args.rounds))
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
