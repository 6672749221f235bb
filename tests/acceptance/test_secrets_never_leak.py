"""A planted sentinel credential never reaches output.xml, log.html, the journal or evidence files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.acceptance.robot_outputs import everything_written, log_html_strings
from tests.acceptance.robot_run import run_robot

SENTINEL = "sntl-7Qx9-planted-credential"
SUITE = """
*** Settings ***
Library    AgentTestLibrary
Library    Process
Test Tags    lane:no-model

*** Variables ***
${AGENT}    import os, httpx; k = os.environ["SENTINEL_API_KEY"]
...    ; r = httpx.post(os.environ["OPENAI_BASE_URL"] + "/chat/completions",
...    headers={"authorization": "Bearer " + k, "x-debug": "key=" + k},
...    json={"model": "m", "messages": [{"role": "user", "content": "use key " + k}]})
...    ; print(r.status_code)

*** Test Cases ***
Agent Sends The Credential Everywhere
    Start Mock LLM    scenario=${CURDIR}/strict.yaml
    ${result}=    Run Process    ${PYTHON}    -c    ${AGENT}
    Should Be Equal    ${result.stdout}    400
    Mock LLM Should Have Received    1    request
    ${requests}=    Get LLM Requests
    Log    ${requests}
    Run Keyword And Expect Error    *No user message contains*
    ...    User Message Should Have Been Sent    something else
    Run Keyword And Expect Error    *matched no scenario rule*
    ...    Mock LLM Should Have Matched All Requests
    Reset Mock LLM
    [Teardown]    Stop Mock LLM
"""


def test_planted_sentinel_never_leaks(tmp_path: Path) -> None:
    (tmp_path / "leak.robot").write_text(SUITE, encoding="utf-8")
    (tmp_path / "strict.yaml").write_text(
        "rules:\n  - {when: {user_text_contains: nope}, reply: {text: x}}\n", encoding="utf-8"
    )
    output = tmp_path / "out"
    env = {**os.environ, "SENTINEL_API_KEY": SENTINEL}
    result = subprocess.run(
        [sys.executable, "-m", "robot", "--loglevel", "TRACE", "--variable", f"PYTHON:{sys.executable}",
         "--outputdir", str(output), str(tmp_path / "leak.robot")],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert SENTINEL not in result.stdout + result.stderr
    written = everything_written(output)
    assert "***" in written and "[REDACTED]" in written  # the request was recorded, masked
    assert SENTINEL not in written
    assert any("agenttest-evidence" in text for text in log_html_strings(output / "log.html"))
    assert list((output / "agenttest-evidence").rglob("*.json"))


SEEDED = "seeded-sntl-4e2d-from-env-file"
NAMED = "named-sntl-91ab-custom-credential"
EVERY_WAY = """
*** Settings ***
Library    AgentTestLibrary    env_file=${EXECDIR}/.env.test
Library    OperatingSystem
Library    Process
Test Tags    live    lane:model-backed    owner:qa

*** Variables ***
${SEND_BOTH}    import os, httpx; e = os.environ; httpx.post(e["OPENAI_BASE_URL"] + "/chat/completions",
...    json={"model": "m", "messages": [{"role": "user", "content": e["CUSTOM_CREDENTIAL"] + " " + e["SEEDED_VALUE"]}]})

*** Keywords ***
Return The Secret
    ${value}=    Get Environment Variable    CUSTOM_CREDENTIAL
    RETURN    ${value}

*** Test Cases ***
Log The Secrets Every Way
    Require Credential Or Skip    CUSTOM_CREDENTIAL    SEEDED_VALUE
    Log    argument: %{CUSTOM_CREDENTIAL} and %{SEEDED_VALUE}    level=WARN
    ${returned}=    Return The Secret
    Log Many    ${returned}    %{SEEDED_VALUE}
    Run Keyword And Expect Error    *    Should Be Equal    %{CUSTOM_CREDENTIAL}    something else
    ${secret}=    Get Credential    CUSTOM_CREDENTIAL
    Log    ${secret}
    Start Mock LLM
    ${result}=    Run Process    ${PYTHON}    -c    ${SEND_BOTH}
    Get LLM Requests
    Stop Mock LLM

Fail With The Secret In The Message
    Require Credential Or Skip    CUSTOM_CREDENTIAL
    Fail    the key was %{CUSTOM_CREDENTIAL}
"""


def test_registered_secrets_are_masked_at_trace_everywhere(tmp_path: Path) -> None:
    (tmp_path / ".env.test").write_text(f"SEEDED_VALUE={SEEDED}\n", encoding="utf-8")
    env = {"RUN_LIVE_TESTS": "true", "CUSTOM_CREDENTIAL": NAMED, "SEEDED_VALUE": None}
    run = run_robot(tmp_path, {"every_way.robot": EVERY_WAY}, env, "--loglevel", "TRACE")
    assert run.statuses["Log The Secrets Every Way"][0] == "PASS", run.statuses
    assert run.statuses["Fail With The Secret In The Message"] == ("FAIL", "the key was ***")
    written = everything_written(run.output_dir) + run.stdout
    evidence = "".join(
        path.read_text(encoding="utf-8") for path in (run.output_dir / "agenttest-evidence").rglob("*.json")
    )
    assert '"content": "*** ***"' in evidence  # the agent sent both secrets; the journal kept neither
    assert NAMED not in written
    assert SEEDED not in written
