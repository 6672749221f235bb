"""Where `make e2e` wall time goes, and what pabot buys over a serial run: figures, never pass/fail.

Measures, in one run: a bare interpreter start, the import time of each official SDK the
example agent loads, one example-agent run through the mock, the mock's own start-up, then
the e2e suites under ``pabot --processes 4`` and under plain ``robot``. From the serial run's
output.xml it splits the time into agent processes, mock start/stop and everything else, and
names the longest suite (pabot cannot finish before it).

    python benchmarks/e2e_time.py [--runs 3] [--suites robot/e2e]
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
from collections import Counter
from pathlib import Path

from robot.api import ExecutionResult, ResultVisitor
from robot.result import Keyword, TestSuite

from AgentTestLibrary.shipped import EXAMPLES

REPO = Path(__file__).parents[1]
AGENT_KEYWORDS = ("Run Process", "Run Agent", "Run Example Agent", "Run Example Agent And Expect Failure Or Success")
MOCK_KEYWORDS = ("Start Mock LLM", "Stop Mock LLM")


def timed(command: list[str], runs: int, **options: object) -> float:
    """Median wall seconds of ``command`` over ``runs`` runs."""
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, timeout=600, **options)  # type: ignore[call-overload]
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


class KeywordTime(ResultVisitor):  # type: ignore[misc]
    """Seconds spent in the outermost calls of the named keywords (nested calls are not counted twice)."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()

    def start_keyword(self, keyword: Keyword) -> bool | None:
        name = keyword.name or ""
        for group, names in (("agent", AGENT_KEYWORDS), ("mock", MOCK_KEYWORDS)):
            if name in names:
                self.seconds[group] += keyword.elapsed_time.total_seconds()
                return False  # its children are inside this time already
        return None


def suites_time(suite: TestSuite) -> list[tuple[float, str]]:
    """(seconds, name) of the suites that hold tests, longest first."""
    found = [(suite.elapsed_time.total_seconds(), suite.full_name)] if suite.tests else []
    for child in suite.suites:
        found += suites_time(child)
    return sorted(found, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--suites", default=str(REPO / "robot" / "e2e"))
    args = parser.parse_args()
    python = sys.executable
    bare = timed([python, "-c", "pass"], args.runs)
    print(f"bare interpreter start: {bare * 1000:.0f} ms")
    for module in ("openai", "anthropic", "google.genai"):
        cost = timed([python, "-c", f"import {module}"], args.runs) - bare
        print(f"import {module}: +{cost * 1000:.0f} ms")
    server = subprocess.Popen([python, "-m", "AgentTestLibrary", "mock", "serve"], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    url = server.stdout.readline().strip().split("=", 1)[1]
    with tempfile.TemporaryDirectory() as work:
        env = {"OPENAI_BASE_URL": f"{url}/v1", "OPENAI_API_KEY": "sk-agenttest-fixture-openai", "PATH": "/usr/bin:/bin"}
        agent = [python, str(EXAMPLES / "example_agent.py"), "--provider", "openai", "--workdir", work, "hi"]
        print(f"one example-agent run through the mock: {timed(agent, args.runs, env=env) * 1000:.0f} ms")
    server.terminate()
    server.wait(10)
    probe = json.loads(subprocess.run([python, str(Path(__file__).with_name("startup_probe.py"))],
                                      capture_output=True, text=True, check=True).stdout)  # fmt: skip
    print(f"mock import: {probe['import_s'] * 1000:.0f} ms; start to first response: {probe['start_s'] * 1000:.1f} ms")
    # pabot starts its workers as `robot` from PATH: the interpreter's own scripts come first.
    path = {**os.environ, "PATH": f"{Path(python).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory() as output:
        began = time.perf_counter()
        subprocess.run(["pabot", "--processes", "4", "--pabotlibport", "0", "--outputdir", f"{output}/pabot",
                        args.suites], capture_output=True, check=False, timeout=3600, env=path)  # fmt: skip
        parallel = time.perf_counter() - began
        began = time.perf_counter()
        subprocess.run([python, "-m", "robot", "--outputdir", f"{output}/serial", args.suites],
                       capture_output=True, check=False, timeout=3600, env=path)  # fmt: skip
        serial = time.perf_counter() - began
        result = ExecutionResult(f"{output}/serial/output.xml")
    visitor = KeywordTime()
    result.visit(visitor)
    total = result.suite.elapsed_time.total_seconds()
    print(f"\ne2e under pabot --processes 4: {parallel:.1f} s wall; plain robot: {serial:.1f} s wall; "
          f"pabot/serial = {parallel / serial:.2f}")  # fmt: skip
    agent_s, mock_s = visitor.seconds["agent"], visitor.seconds["mock"]
    print(
        f"serial run, {total:.1f} s in Robot: agent processes {agent_s:.1f} s ({agent_s / total:.0%}), "
        f"mock start/stop {mock_s:.2f} s ({mock_s / total:.1%}), the rest {total - agent_s - mock_s:.1f} s "
        f"(keywords, npm checks, Robot itself); process start and Robot outside suites: {serial - total:.1f} s"
    )
    longest = suites_time(result.suite)[:3]
    print("longest suites (pabot cannot finish before the longest): "
          + ", ".join(f"{name} {seconds:.1f} s" for seconds, name in longest))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
