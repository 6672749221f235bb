"""Fakes and PATH belong to one test: the next test, and the process after the run, never see them."""

from __future__ import annotations

from pathlib import Path

from tests.acceptance.robot_run import run_robot

SUITE = """
*** Settings ***
Library    AgentTestLibrary
Library    OperatingSystem
Library    Process
Test Tags    lane:no-model

*** Test Cases ***
Fake Exists In Its Test
    Create Fake CLI    agenttest-demo-tool    stdout=faked
    ${result}=    Run Process    agenttest-demo-tool --flag    shell=True
    Should Be Equal    ${result.stdout}    faked
    Fake CLI Should Have Been Called    agenttest-demo-tool    --flag

Fake Is Gone In The Next Test
    ${result}=    Run Process    command -v agenttest-demo-tool    shell=True
    Should Not Be Equal As Integers    ${result.rc}    0
    Should Not Contain    %{PATH}    agenttest-fake-cli

Unmatched Call Fails Loudly
    Create Fake CLI    agenttest-demo-tool    rules=- {name: only, args: ok, match: exact}
    ${result}=    Run Process    agenttest-demo-tool    other    shell=True
    Should Be Equal As Integers    ${result.rc}    127
    Should Contain    ${result.stderr}    no rule matches the arguments 'other'
    Run Keyword And Expect Error    *Expected 'agenttest-demo-tool ok' at least once, seen 0*
    ...    Fake CLI Should Have Been Called    agenttest-demo-tool    ok
"""


def test_fakes_are_scoped_to_their_test(tmp_path: Path) -> None:
    run = run_robot(tmp_path, {"isolation.robot": SUITE})
    assert {status for status, _ in run.statuses.values()} == {"PASS"}, run.statuses
