"""The nightly mock-drift run's report: pins read, failures attributed to the SDK or CLI that broke them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from robot.api import TestSuite as RobotSuite

REPO = Path(__file__).parents[2]


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("latest_drift", REPO / "scripts" / "latest_drift.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["latest_drift"] = module
    spec.loader.exec_module(module)
    return module


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="tests.contract.test_openai_sdk" name="test_chat"/>
  <testcase classname="tests.contract.test_anthropic_sdk" name="test_stream"><failure message="x"/></testcase>
  <testcase classname="tests.contract.test_agent_frameworks" name="test_pydantic_ai"><error message="y"/></testcase>
  <testcase classname="tests.contract.test_server" name="test_limits"><failure message="z"/></testcase>
</testsuite></testsuites>
"""


def test_the_pins_are_the_versions_the_pr_lane_installs() -> None:
    pinned = script().pins()
    assert {"openai", "anthropic", "google-genai", "mcp", "a2a-sdk", "openai-agents", "pydantic-ai-slim",
            "slack_sdk", "pygithub", "githubkit", "hishel"} == set(pinned)  # fmt: skip
    installed = {line.split("==")[0] for line in (REPO / "sdk-pins.txt").read_text().splitlines() if "==" in line}
    assert installed == set(pinned)
    assert "-c sdk-pins.txt" in (REPO / "Makefile").read_text(), "make install must apply the pins"


def test_contract_failures_are_attributed_to_their_sdk(tmp_path: Path) -> None:
    junit = tmp_path / "contract.xml"
    junit.write_text(JUNIT, encoding="utf-8")
    broken = script().contract_failures(junit)
    assert broken == {
        "anthropic": ["test_anthropic_sdk::test_stream"],
        "openai-agents": ["test_agent_frameworks::test_pydantic_ai"],
        "pydantic-ai-slim": ["test_agent_frameworks::test_pydantic_ai"],
        "mock": ["test_server::test_limits"],
    }


def test_real_agent_failures_are_attributed_to_their_cli(tmp_path: Path) -> None:
    suite = RobotSuite(name="Real Agents")
    for title, fails in (("Claude Code", True), ("Codex", False)):
        child = suite.suites.create(name=title)
        child.tests.create(name=f"{title} Runs The Shell Tool").body.create_keyword(
            "Fail" if fails else "No Operation", args=["hook order changed"] if fails else []
        )
    result = suite.run(output=str(tmp_path / "output.xml"), log=None, report=None, quiet=True)
    assert result.return_code == 1
    assert script().agent_failures(tmp_path / "output.xml") == {"claude-code": ["Claude Code Runs The Shell Tool"]}


@pytest.mark.parametrize(
    ("shown", "version"),
    [("2.1.332 (Claude Code)\n", "2.1.332"), ("codex-cli 0.171.0\n", "0.171.0"), ("0.61.0\n", "0.61.0"),
     ("0.62.0-nightly.20261201\n", "0.62.0-nightly.20261201"), ("0.73.1\n", "0.73.1"), ("1.18.33\n", "1.18.33"),
     ("", "?")],
)  # fmt: skip
def test_the_version_is_read_from_what_each_cli_prints(shown: str, version: str) -> None:
    assert script().cli_version(shown) == version


def test_the_table_names_version_and_broken_checks() -> None:
    text = script().table({"openai": "3.57.0", "codex": "0.169.0"}, {"openai": "3.60.0", "codex": "0.170.0"},
                          {"codex": ["Codex Runs The Shell Tool"]})  # fmt: skip
    lines = text.splitlines()
    assert lines[1].split() == ["openai", "3.57.0", "3.60.0", "none"]
    assert lines[2].split()[:4] == ["codex", "0.169.0", "0.170.0", "1:"] and "Codex Runs The Shell Tool" in lines[2]


def test_a_dry_run_shows_every_step_and_touches_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert script().main(["--dry-run", "--venv", str(tmp_path / "venv"), "--results", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert (
        "pip install --quiet --upgrade openai anthropic google-genai mcp a2a-sdk openai-agents pydantic-ai-slim" in out
    )
    assert "--include agent:real" in out and not (tmp_path / "venv").exists()


def test_every_pinned_cli_is_in_the_drift_run_with_its_own_suite() -> None:
    drift = script()
    assert set(drift.AGENTS) == set(drift.agent_table()), "a pinned CLI the drift run would not report"
    stems = {path.stem for path in (REPO / "robot" / "e2e" / "real_agents").glob("*.robot")}
    named = {stem.replace("_", " ").title(): stem for stem in stems}  # the suite name Robot gives each file
    assert {suite: suite in named for suite in drift.AGENTS.values()} == dict.fromkeys(drift.AGENTS.values(), True)
