"""What starting costs, and that it does not grow as a run does: figures, never pass/fail.

- import: the library's own import over Robot Framework's (``python -X importtime``, the
  cumulative time of ``AgentTestLibrary.library`` after ``robot`` is loaded), the library's
  construction, and ``robot`` running a one-test suite with and without ``Library
  AgentTestLibrary`` (medians of RUNS fresh processes);
- start/stop: START mock LLMs started, asked one request and stopped, one after another in one
  process on one secret registry (what a suite with a mock per test does), the first and the
  last hundred side by side; then the same through the keywords in a real ``robot`` run of
  START tests (``Start Mock LLM``, one request, ``Stop Mock LLM``), timed from output.xml;
- one server: start-up to first response, and the memory one more server costs.

    python benchmarks/startup.py [--runs 5] [--starts 1000]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from robot.api import ExecutionResult

HERE = Path(__file__).parent
ROBOT_IMPORTS = "import robot, robot.running, robot.api, robot.api.deco, robot.libraries.BuiltIn, robotlibcore"
BODY = b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}'
REQUEST = b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: %d\r\n\r\n%s" % (len(BODY), BODY)


def import_ms() -> tuple[float, float, float]:
    """In a fresh process, after Robot's own imports: the library's import (``-X importtime``, wall ms), the same in
    CPU ms (what other jobs on the machine move least), and constructing the library (CPU ms)."""
    code = (f"{ROBOT_IMPORTS}; import time; began = time.process_time(); import AgentTestLibrary.library as lib; "
            "imported = time.process_time(); lib.AgentTestLibrary(); "
            "print(imported - began, time.process_time() - imported)")  # fmt: skip
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    found = re.search(r"\|\s*(\d+) \| AgentTestLibrary\.library$", done.stderr, flags=re.MULTILINE)
    assert found is not None, done.stderr[-500:]
    cpu, built = (float(value) * 1000 for value in done.stdout.split())
    return int(found.group(1)) / 1000, cpu, built


def robot_ms(folder: Path, with_library: bool) -> tuple[float, float]:
    """Wall and CPU ms of ``robot`` running a one-test suite, with or without the library."""
    suite = folder / ("with.robot" if with_library else "without.robot")
    settings = "*** Settings ***\nLibrary    AgentTestLibrary\n\n" if with_library else ""
    suite.write_text(f"{settings}*** Test Cases ***\nNothing\n    [Tags]    lane:no-model\n    No Operation\n",
                     encoding="utf-8")  # fmt: skip
    before, began = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run([sys.executable, "-m", "robot", "--output", "NONE", "--report", "NONE", "--log", "NONE",
                    "--console", "none", str(suite)], check=True)  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return (time.perf_counter() - began) * 1000, cpu * 1000


def ask(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(REQUEST)
        received = b""
        while b'"usage"' not in received:  # the whole answer (it ends with the usage object)
            data = client.recv(65536)
            if not data:
                break
            received += data


def core_cycles(starts: int) -> list[float]:
    """start + one request + stop, ``starts`` times, on one registry seeded from the environment (ms each)."""
    from AgentTestLibrary.mock.server import MockServer
    from AgentTestLibrary.mockllm.app import MockLLM
    from AgentTestLibrary.secrets import SecretRegistry

    registry = SecretRegistry()
    registry.add_from_environment()
    cycles = []
    for _ in range(starts):
        began = time.perf_counter()
        app = MockLLM(None, registry, admin_token=secrets.token_urlsafe(32))
        server = MockServer(app)
        server.start()
        ask(server.port)
        server.stop()
        app.close()
        registry.mask_text(f"Stopped mock LLM at {server.url}; 1 requests served.")  # what the log line costs
        cycles.append((time.perf_counter() - began) * 1000)
    print(f"  secrets registered after {starts} starts: {len(registry)} (each mock's admin token left with it)")
    return cycles


KEYWORD_SUITE = """*** Settings ***
Library    AgentTestLibrary
Library    {helper}

*** Test Cases ***
{tests}
"""
HELPER = '''"""One request to the mock of the test."""
import socket, os
BODY = b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}'


def ask_the_mock():
    host, port = os.environ["MOCK_LLM_URL"].rsplit(":", 1)
    with socket.create_connection(("127.0.0.1", int(port))) as client:
        client.sendall(b"POST /v1/chat/completions HTTP/1.1\\r\\nhost: 127.0.0.1\\r\\ncontent-length: %d\\r\\n\\r\\n%s"
                       % (len(BODY), BODY))
        received = b""
        while b'"usage"' not in received:
            data = client.recv(65536)
            if not data:
                break
            received += data
'''


def keyword_cycles(folder: Path, starts: int) -> list[float]:
    """The same cycle through Start Mock LLM, a request and Stop Mock LLM in ``starts`` tests of one robot run."""
    helper = folder / "ask_helper.py"
    helper.write_text(HELPER, encoding="utf-8")
    tests = "\n".join(f"Test {number}\n    [Tags]    lane:no-model\n    Start Mock LLM\n    Ask The Mock\n"
                      "    Stop Mock LLM" for number in range(starts))  # fmt: skip
    suite = folder / "starts.robot"
    suite.write_text(KEYWORD_SUITE.format(helper=helper, tests=tests), encoding="utf-8")
    output = folder / "output.xml"
    subprocess.run([sys.executable, "-m", "robot", "--output", str(output), "--report", "NONE", "--log", "NONE",
                    "--console", "none", "--outputdir", str(folder), str(suite)], check=True)  # fmt: skip
    result = ExecutionResult(str(output))
    return [
        sum(step.elapsed_time.total_seconds() for step in test.body if step.type == "KEYWORD") * 1000
        for test in result.suite.tests
    ]


def curve(label: str, cycles: list[float]) -> None:
    hundreds = [statistics.median(cycles[start : start + 100]) for start in range(0, len(cycles), 100)]
    print(f"  {label}: first 100 {hundreds[0]:.2f} ms, last 100 {hundreds[-1]:.2f} ms (median each); by hundreds: "
          + " ".join(f"{value:.2f}" for value in hundreds))  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--starts", type=int, default=1000)
    args = parser.parse_args()
    imports = [import_ms() for _ in range(args.runs)]
    print("import (medians of fresh processes):")
    print(f"  AgentTestLibrary.library over Robot Framework's own imports: "
          f"{statistics.median(row[0] for row in imports):.1f} ms (importtime, wall), "
          f"{statistics.median(row[1] for row in imports):.1f} ms CPU; constructing the library: "
          f"{statistics.median(row[2] for row in imports):.1f} ms CPU")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        runs = [(robot_ms(Path(folder), False), robot_ms(Path(folder), True)) for _ in range(args.runs)]
        wall = [with_library[0] - without[0] for without, with_library in runs]
        cpu = [with_library[1] - without[1] for without, with_library in runs]
        print(f"  robot, one test: {statistics.median(run[0][0] for run in runs):.0f} ms without the library; "
              f"with it +{statistics.median(wall):.0f} ms wall, +{statistics.median(cpu):.0f} ms CPU")  # fmt: skip
        print(f"start + one request + stop, {args.starts} times in one process:")
        curve("core (MockLLM + MockServer)", core_cycles(args.starts))
        curve("keywords (Start Mock LLM, a request, Stop Mock LLM)", keyword_cycles(Path(folder), args.starts))
    probes = [json.loads(subprocess.run([sys.executable, str(HERE / "startup_probe.py")], capture_output=True,
                                        text=True, check=True).stdout) for _ in range(args.runs)]  # fmt: skip
    print(f"one server: start-up to first response {statistics.median(p['start_s'] for p in probes) * 1000:.1f} ms "
          f"(in-process, library imported); RSS added per running server "
          f"{statistics.median(p['rss_kib'] for p in probes) / 1024:.2f} MiB")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
