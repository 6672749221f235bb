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

import sys
import tempfile
from pathlib import Path

from cases import AGENT_CASES, request_bytes
from peers import ROW_HEADINGS, options, row, run_started, servers

CONNECTIONS = (1, 8)


def main() -> int:
    args = options(__doc__, rounds=5, block=400)
    with tempfile.TemporaryDirectory() as folder:
        candidates, _ = servers(Path(folder), with_aimock=False)
        grid = [(case, count) for case in AGENT_CASES for count in CONNECTIONS]
        results = run_started(candidates, args.rounds, args.block, grid)
    floor = candidates[0].name
    print(f"real agents' requests, {args.block} requests per block, {args.rounds} rotated rounds; ratios to the raw "
          "asyncio floor of the same round (median; lower is better)")  # fmt: skip
    print(f"{'case':<31} {'KB':>4} {'conns':>5} {'server':<18} {ROW_HEADINGS}")
    for case in AGENT_CASES:
        size = len(request_bytes(case)) // 1024
        for count in CONNECTIONS:
            for server in candidates:
                figures = row(results, floor, (server.name, case, count))
                print(f"{case:<31} {size:>4} {count:>5} {server.name:<18} {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
