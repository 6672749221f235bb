"""Messages a new user met, as they read now: each names the mistake and the fix."""

from __future__ import annotations

from pathlib import Path

from tests.acceptance.robot_run import run_robot

SUITE = """
*** Settings ***
Library    AgentTestLibrary
Test Tags    lane:no-model

*** Test Cases ***
A Misspelt Named Argument
    Start Mock LLM    scenaro=${CURDIR}/git_status.yaml

A Misspelt Argument Of A Service
    Start Mock Service    crm    rutes=${CURDIR}/routes.yaml
"""


def test_misspelt_named_arguments_are_named_with_the_right_one(tmp_path: Path) -> None:
    run = run_robot(tmp_path, {"typos.robot": SUITE})
    assert run.statuses["A Misspelt Named Argument"] == (
        "FAIL", "Start Mock LLM: unknown argument 'scenaro'. Did you mean 'scenario'? Its arguments are scenario, "
        "port, host, strict, base_port, credentials, max_body_bytes, allow_remote.")  # fmt: skip
    status, message = run.statuses["A Misspelt Argument Of A Service"]
    assert status == "FAIL" and message.startswith(
        "Start Mock Service: unknown argument 'rutes'. Did you mean 'routes'?"
    )
