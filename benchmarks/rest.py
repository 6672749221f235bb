"""The REST mock against the raw asyncio floor and pytest-httpserver, in one run: figures, never pass/fail.

The case: PyGithub's GET of one page of 30 issues from the github preset (``cases.py``: the route
file, the request). The floor (``raw_baseline_server.py --rest``) writes the very bytes the mock
sends for it, rendered once; pytest-httpserver answers the same body and headers from an
``expect_request`` (a test's usual way). The machinery is ``peers.py``'s: its load client, one
process per server, blocks interleaved in rounds whose server order rotates, the ratio to the
floor taken per round and its median reported, server CPU per request from /proc summed over
the blocks (it moves far less with other jobs' load than latency does).

    python benchmarks/rest.py [--rounds 5] [--block 800] [--connections 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from cases import REST_CASE, REST_ROUTES, rest_request_bytes
from peers import HERE, Figures, Server, measure


def servers(folder: Path) -> list[Server]:
    routes = folder / "github-page.yaml"
    routes.write_text(REST_ROUTES, encoding="utf-8")
    return [
        Server("raw asyncio floor", [sys.executable, str(HERE / "raw_baseline_server.py"), "--rest", str(routes)]),
        Server("AgentTestLibrary", [sys.executable, "-m", "AgentTestLibrary", "service", "serve", str(routes),
                                    "--name", "github"]),
        Server("pytest-httpserver", [sys.executable, str(HERE / "rest_httpserver_peer.py"), str(routes)]),
    ]  # fmt: skip


def run(candidates: list[Server], rounds: int, block: int, connections: int) -> dict[str, list[Figures]]:
    """One block per server per round; the server order rotates each round."""
    payload = rest_request_bytes()
    for server in candidates:  # warm-up
        measure(server, REST_CASE, connections, 30 * connections, payload)
    results: dict[str, list[Figures]] = {server.name: [] for server in candidates}
    for number in range(rounds):
        shift = number % len(candidates)
        for server in candidates[shift:] + candidates[:shift]:
            results[server.name].append(measure(server, REST_CASE, connections, block, payload))
    return results


def report(results: dict[str, list[Figures]], floor: str) -> None:
    print(f"{'server':<20} {'req/s':>8} {'x floor':>8} {'total ms':>9} {'x floor':>8} {'CPU us/req':>10} {'x floor':>8}")
    base = results[floor]
    base_cpu = sum(figures.cpu_s for figures in base) / sum(figures.requests for figures in base)
    for name, blocks in results.items():
        cpu = sum(figures.cpu_s for figures in blocks) / sum(figures.requests for figures in blocks)
        rate = statistics.median(floor_block.rate / mine.rate for mine, floor_block in zip(blocks, base, strict=True))
        total = statistics.median(mine.total_ms / floor_block.total_ms
                                  for mine, floor_block in zip(blocks, base, strict=True))  # fmt: skip
        print(f"{name:<20} {statistics.median(f.rate for f in blocks):>8.0f} {rate:>7.2f}x"
              f" {statistics.median(f.total_ms for f in blocks):>9.3f} {total:>7.2f}x {cpu * 1e6:>10.1f}"
              f" {cpu / base_cpu:>7.2f}x")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", type=int, default=800, help="requests per block (at least 10 per connection)")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        candidates = servers(Path(folder))
        for server in candidates:
            server.__enter__()
        try:
            results = run(candidates, args.rounds, args.block, args.connections)
        finally:
            for server in candidates:
                server.__exit__()
    print(f"{REST_CASE}: GET of 30 issues, {args.block} requests per block over {args.connections} keep-alive "
          f"connections, {args.rounds} rotated rounds; ratios to the raw asyncio floor of the same round (median; "
          "lower is better)")  # fmt: skip
    report(results, candidates[0].name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
