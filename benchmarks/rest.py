"""The REST mock against the raw asyncio floor and pytest-httpserver, in one run: figures, never pass/fail.

The case: PyGithub's GET of one page of 30 issues (``per_page=30``; 45 seeded, so the page has a
``Link`` to the next) from the github preset (``cases.py``: the route file, the request). The floor
(``raw_baseline_server.py --rest``) writes the very bytes the mock sends for it, rendered once;
pytest-httpserver answers the same body and headers from an ``expect_request``, as a test scripts
it. The machinery is ``peers.py``'s: its load client, one process per server, blocks interleaved
in rounds whose server order rotates, the ratio to the floor taken per round and its median
reported, server CPU per request from /proc summed over the blocks. pytest-httpserver (werkzeug's
development server) answers every request with ``Connection: close``: the client opens a new
connection for the next request, as an HTTP client does, and that connect is part of its figures.
Without pytest-httpserver installed (a dev dependency) it is skipped with the reason printed.

    python benchmarks/rest.py [--rounds 5] [--block 400]
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

from cases import REST_CASE, REST_ROUTES, rest_request_bytes
from peers import HERE, ROW_HEADINGS, Server, options, row, run_started

CONNECTIONS = (1, 8)


def servers(folder: Path) -> tuple[list[Server], list[str]]:
    routes = folder / "github-page.yaml"
    routes.write_text(REST_ROUTES, encoding="utf-8")
    found = [
        Server("raw asyncio floor", [sys.executable, str(HERE / "raw_baseline_server.py"), "--rest", str(routes)]),
        Server("AgentTestLibrary", [sys.executable, "-m", "AgentTestLibrary", "service", "serve", str(routes),
                                    "--name", "github"]),
    ]  # fmt: skip
    if importlib.util.find_spec("pytest_httpserver") is None:
        return found, ["pytest-httpserver skipped: not installed (a dev dependency: make install)"]
    found.append(Server("pytest-httpserver", [sys.executable, str(HERE / "rest_httpserver_peer.py"), str(routes)]))
    return found, []


def main() -> int:
    args = options(__doc__, rounds=5, block=400)
    with tempfile.TemporaryDirectory() as folder:
        candidates, notes = servers(Path(folder))
        grid = [(REST_CASE, count) for count in CONNECTIONS]
        results = run_started(candidates, args.rounds, args.block, grid, lambda _case: rest_request_bytes())
    floor = candidates[0].name
    print(f"{REST_CASE}: GET of 30 issues, {args.block} requests per block, {args.rounds} rotated rounds; ratios to "
          "the raw asyncio floor of the same round (median; lower is better)")  # fmt: skip
    print(f"{'conns':>5} {'server':<20} {ROW_HEADINGS}")
    for count in CONNECTIONS:
        for server in candidates:
            print(f"{count:>5} {server.name:<20} {row(results, floor, (server.name, REST_CASE, count))}")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
