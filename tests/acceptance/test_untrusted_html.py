"""Names from golden sets and baselines (files from a pull request) reach log.html escaped, never as markup."""

from __future__ import annotations

import json
from pathlib import Path

from tests.acceptance.robot_outputs import log_html_strings
from tests.acceptance.robot_run import run_robot

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</pre><script>alert(2)</script>"

SUITE = """
*** Settings ***
Library    AgentTestLibrary
Test Tags    lane:no-model

*** Test Cases ***
Hostile Slice Names Are Shown As Text
    Load Golden Set    ${CURDIR}/cases.yaml
    Score Agent Answer    one    hello    tools=${{ [] }}
    Run Keyword And Expect Error    Scores regressed against*
    ...    Write Golden Set Scores    ${OUTPUT DIR}/scores.json    baseline=${CURDIR}/baseline.json
"""


def test_hostile_slice_and_case_names_are_escaped_in_the_score_tables(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    cases = {"version": 1, "cases": [{"id": "one", "slice": IMG, "input": "hi", "graders": [{"contains": "nope"}]}]}
    (suites / "cases.yaml").write_text(json.dumps(cases), encoding="utf-8")
    baseline = {"version": 1, "aggregate": 100.0, "slices": {IMG: 100.0, SCRIPT: 100.0},
                "cases": {SCRIPT: {"slice": SCRIPT, "score": 1.0, "graders": []}}}  # fmt: skip
    (suites / "baseline.json").write_text(json.dumps(baseline), encoding="utf-8")
    run = run_robot(tmp_path, {"hostile.robot": SUITE})
    assert list(run.statuses.values()) == [("PASS", "")], run.stdout
    logged = "\n".join(log_html_strings(run.output_dir / "log.html"))
    assert "&lt;img src=x onerror=alert(1)&gt;" in logged
    assert "&lt;/pre&gt;&lt;script&gt;" in logged
    assert "<img" not in logged
    assert "<script" not in logged
