"""Per-call cost of a fake CLI shim (over /bin/true) and of one hooks-bridge call: figures, never pass/fail.

python benchmarks/harness.py [--runs 7] [--calls 40]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from AgentTestLibrary.harness.fake_cli import install, load_rules

HOOK_PAYLOAD = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "echo hi"}})


def per_call_ms(argv: list[str], calls: int, env: dict[str, str], stdin: str | None = None) -> float:
    began = time.perf_counter()
    for _ in range(calls):
        subprocess.run(argv, env=env, input=stdin, capture_output=True, text=True, check=False)
    return (time.perf_counter() - began) / calls * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        rules = load_rules("- {name: status, args: status, stdout: ok}\n- {name: rest, match: any}")
        install("git", bin_dir=root / "bin", records_root=root / "calls", rules=rules, unmatched="fail", env=())
        env = {**os.environ, "PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        bridge = [str(Path(sys.executable).with_name("agenttest")), "hook", "--evidence", str(root / "events.jsonl")]
        figures: dict[str, list[float]] = {"/bin/true": [], "fake git": [], "python -c pass": [], "agenttest hook": []}
        for _ in range(args.runs):
            figures["/bin/true"].append(per_call_ms(["/bin/true"], args.calls, env))
            figures["fake git"].append(per_call_ms(["git", "status", "--short"], args.calls, env))
            figures["python -c pass"].append(per_call_ms([sys.executable, "-c", "pass"], args.calls, env))
            figures["agenttest hook"].append(per_call_ms(bridge, args.calls, env, HOOK_PAYLOAD))
    median = {name: statistics.median(values) for name, values in figures.items()}
    print(f"Per call, median of {args.runs} runs of {args.calls} calls each")
    for name, value in median.items():
        print(f"{name:<16} {value:7.2f} ms")
    print(f"fake CLI overhead over /bin/true: {median['fake git'] - median['/bin/true']:.2f} ms (target 5 ms)")
    bare, bridge_ms = median["python -c pass"], median["agenttest hook"]
    print(f"hooks bridge per call: {bridge_ms:.2f} ms (target 30 ms; bare interpreter: {bare:.2f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
