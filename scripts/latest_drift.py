"""Mock drift, for the nightly lane: the newest SDKs and agent CLIs against the mock, and which broke what.

    python scripts/latest_drift.py [--venv .venv-latest] [--agents .agents-latest] [--results results/drift]
                                   [--dry-run]

It builds a separate virtual environment with the project and the newest releases of the SDKs the
PR lane pins (``sdk-pins.txt``), installs the newest agent CLIs into a separate prefix, runs the
contract tests and the real-agent lane against the mock there, and prints one table: each
component, its pinned and newest version, and the checks that failed with the newest. Exit 1 when a
check broke, 0 when all passed; a registry that cannot be reached is a SKIP with pip's or npm's
words (exit 0). The PR lane's ``.venv`` and ``.agents`` are never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parents[1]
PINS = REPO / "sdk-pins.txt"
AGENTS = {"claude-code": "Claude Code", "codex": "Codex", "gemini-cli": "Gemini Cli", "pi": "Pi",
          "opencode": "Opencode"}  # CLI -> its robot suite  # fmt: skip
# Which component a contract test module exercises (a failure there is that component's).
MODULES = {
    "test_openai_sdk": ("openai",), "test_openai_responses": ("openai",), "test_websocket": ("openai",),
    "test_embeddings_and_structured": ("openai",), "test_anthropic_sdk": ("anthropic",),
    "test_gemini": ("google-genai",), "test_mcp_sdk": ("mcp",),
    "test_agent_frameworks": ("openai-agents", "pydantic-ai-slim"), "test_a2a_sdk": ("a2a-sdk",),
    "test_slack_sdk": ("slack_sdk",), "test_github_clients": ("pygithub", "githubkit", "hishel"),
}  # fmt: skip
VERSION = re.compile(r"\d+\.\d+[0-9A-Za-z.+-]*")
UNREACHABLE = re.compile(
    r"NewConnectionError|Temporary failure in name resolution|Network is unreachable|ProxyError|ENOTFOUND"
    r"|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|Could not fetch URL|No matching distribution found",
    re.IGNORECASE,
)


def pins(path: Path = PINS) -> dict[str, str]:
    """The pinned SDK versions: ``name==version`` lines of the constraints file."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, _, version = line.split("#", 1)[0].strip().partition("==")
        if name and version:
            found[name.lower()] = version
    return found


def cli_version(shown: str) -> str:
    """The version in what ``--version`` printed: ``2.1.332 (Claude Code)``, ``codex-cli 0.171.0``, ``0.61.0``."""
    found = VERSION.search(shown)
    return found.group(0) if found else "?"


def agent_table() -> dict[str, tuple[str, str, str]]:
    """The project's one table of agent CLIs: name -> (npm package, pinned version, binary)."""
    sys.path.insert(0, str(REPO / "src"))
    from AgentTestLibrary.harness.agents import AGENTS as PINNED

    return PINNED


def pinned_agents() -> dict[str, str]:
    return {name: version for name, (_, version, _) in agent_table().items()}


def contract_failures(junit: Path) -> dict[str, list[str]]:
    """Failed contract tests by component (a module without a component counts as the mock's own)."""
    broken: dict[str, list[str]] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is None and case.find("error") is None:
            continue
        module = str(case.get("classname", "")).split(".")[-1]
        for component in MODULES.get(module, ("mock",)):
            broken.setdefault(component, []).append(f"{module}::{case.get('name')}")
    return broken


def agent_failures(output: Path) -> dict[str, list[str]]:
    """Failed real-agent tests by CLI (by the suite they are in), read from Robot's output.xml."""
    from robot.api import ExecutionResult

    suites = {suite: name for name, suite in AGENTS.items()}
    broken: dict[str, list[str]] = {}
    for test in ExecutionResult(str(output)).suite.all_tests:
        if test.status == "FAIL":
            broken.setdefault(suites.get(test.parent.name, "mock"), []).append(test.name)
    return broken


def table(pinned: dict[str, str], newest: dict[str, str], broken: dict[str, list[str]]) -> str:
    names = list(dict.fromkeys([*pinned, *[name for name in broken if name not in pinned]]))
    width = max(len("component"), *(len(name) for name in names))
    lines = [f"{'component':<{width}}  {'pinned':<12}  {'newest':<12}  checks that broke"]
    for name in names:
        failed = broken.get(name, [])
        verdict = f"{len(failed)}: {', '.join(failed[:5])}{' ...' if len(failed) > 5 else ''}" if failed else "none"
        lines.append(f"{name:<{width}}  {pinned.get(name, '-'):<12}  {newest.get(name, '-'):<12}  {verdict}")
    return "\n".join(lines)


def run(command: list[str], dry_run: bool, **options: object) -> subprocess.CompletedProcess[str]:
    print("$ " + " ".join(command), flush=True)
    if dry_run:
        return subprocess.CompletedProcess(command, 0, "", "")
    return subprocess.run(command, capture_output=True, text=True, check=False, **options)  # type: ignore[call-overload,no-any-return]


def skip_or_fail(done: subprocess.CompletedProcess[str], what: str) -> int | None:
    """None when ``done`` succeeded; else 0 (SKIP: the registry is unreachable) or 2, after saying so."""
    if done.returncode == 0:
        return None
    output = done.stdout + done.stderr
    reason = UNREACHABLE.search(output)
    if reason:
        line = next(line for line in output.splitlines() if reason.group(0) in line)
        print(f"SKIP: {what}: the package registry is unreachable: {line.strip()}")
        return 0
    print(f"{what} failed (rc {done.returncode}):\n{output[-3000:]}")
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", default=str(REPO / ".venv-latest"))
    parser.add_argument("--agents", default=str(REPO / ".agents-latest"))
    parser.add_argument("--results", default=str(REPO / "results" / "drift"))
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    venv, results = Path(args.venv), Path(args.results)
    python = venv / "bin" / "python"
    pinned = pins()
    steps = [
        ([sys.executable, "-m", "venv", str(venv)], "creating the drift venv"),
        ([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], "upgrading pip"),
        ([str(python), "-m", "pip", "install", "--quiet", "-e", f"{REPO}[dev]"], "installing the project"),
        ([str(python), "-m", "pip", "install", "--quiet", "--upgrade", *pinned], "installing the newest SDKs"),
    ]
    for command, what in steps:
        verdict = skip_or_fail(run(command, args.dry_run), what)
        if verdict is not None:
            return verdict
    results.mkdir(parents=True, exist_ok=True)
    junit = results / "contract.xml"
    run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", str(REPO / "tests" /
         "contract")], args.dry_run, cwd=REPO)  # fmt: skip
    env = {**os.environ, "AGENTTEST_AGENTS_PREFIX": args.agents, "AGENTTEST_AGENTS_LATEST": "1",
           "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}  # fmt: skip
    agents = run([str(venv / "bin" / "robot"), "--include", "agent:real", "--outputdir", str(results / "real-agents"),
                  str(REPO / "robot" / "e2e" / "real_agents")], args.dry_run, env=env, cwd=REPO)  # fmt: skip
    if args.dry_run:
        return 0
    newest = {item["name"].lower(): item["version"] for item in json.loads(
        run([str(python), "-m", "pip", "list", "--format", "json"], False).stdout)}  # fmt: skip
    for name in AGENTS:
        binary = Path(args.agents) / "bin" / agent_table()[name][2]
        if binary.exists():
            done = run([str(binary), "--version"], False)
            newest[name] = cli_version(done.stdout.strip() or done.stderr)  # pi prints its version on stderr
    broken = contract_failures(junit) if junit.is_file() else {"mock": ["the contract tests did not run"]}
    output = results / "real-agents" / "output.xml"
    if output.is_file():
        for name, failed in agent_failures(output).items():
            broken.setdefault(name, []).extend(failed)
    elif agents.returncode != 0:
        print(f"The real-agent lane did not run: {(agents.stdout + agents.stderr)[-1000:]}")
    print(table({**pinned, **pinned_agents()}, newest, broken))
    print("Drift: the newest releases broke checks above." if broken else "No drift: every check passed.")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
