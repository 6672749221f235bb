"""Real agents' requests against the model mock and the raw asyncio floor, in one run: figures, never pass/fail.

The cases are requests Claude Code, Codex and Gemini CLI sent, as captured (``tests/fixtures/captures``:
system prompts, tool definitions and history of 17 to 85 KB, streamed), answered with the benchmark's
text. Where ``peers.py`` measures the mock's per-request machinery on a one-line prompt, these show
what an agent's real traffic costs it: reading the JSON, the conversation and its token counts
grow with the request. The floor (``raw_baseline_server.py``) reads each request whole and writes the
mock's answer to it, rendered once. The machinery is ``peers.py``'s: one load client, blocks
interleaved in rounds whose server order rotates, ratios to the floor per round (median), server CPU
per request from /proc. aimock is not compared here: its fixtures match on the last user message,
and these requests end in tool results and harness blocks it would not match.

    python benchmarks/agent_requests.py [--rounds 5] [--block 400]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from cases import AGENT_CASES, request_bytes
from peers import cpu_us, median, ratio, run, servers

CONNECTIONS = (1, 8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", type=int, default=400, help="requests per block (at least 10 per connection)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        candidates, _ = servers(Path(folder), with_aimock=False)
        for server in candidates:
            server.__enter__()
        try:
            grid = [(case, count) for case in AGENT_CASES for count in CONNECTIONS]
            results = run(candidates, args.rounds, args.block, grid)
        finally:
            for server in candidates:
                server.__exit__()
    floor = candidates[0].name
    print(f"real agents' requests, {args.block} requests per block, {args.rounds} rotated rounds; ratios to the raw "
          "asyncio floor of the same round (median; lower is better)")  # fmt: skip
    print(f"{'case':<31} {'KB':>4} {'conns':>5} {'server':<18} {'req/s':>7} {'x floor':>8} {'total ms':>9} "
          f"{'x floor':>8} {'CPU us/req':>10}")  # fmt: skip
    for case in AGENT_CASES:
        size = len(request_bytes(case)) // 1024
        for count in CONNECTIONS:
            for server in candidates:
                key = (server.name, case, count)
                print(f"{case:<31} {size:>4} {count:>5} {server.name:<18} {median(results, key, 'rate'):>7.0f}"
                      f" {ratio(results, floor, key, 'rate'):>7.2f}x {median(results, key, 'total_ms'):>9.3f}"
                      f" {ratio(results, floor, key, 'total_ms'):>7.2f}x {cpu_us(results, key):>10.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
