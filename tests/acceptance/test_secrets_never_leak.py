"""A planted sentinel credential never reaches output.xml, log.html, the journal or evidence files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from AgentTestLibrary.shipped import EXAMPLES
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


KNOWN = "sntl-known/key+with=odd-chars-88"
UNKNOWN_ANTHROPIC = "sk-ant-api03-unregisteredANTHROPICkey0123"
UNKNOWN_GEMINI = "AIzaSyUNREGISTEREDgeminikey0123456789abc"
PROXY_PASSWORD = "proxypw-sntl-5521"
EVERY_FORM = f"""
*** Settings ***
Library    AgentTestLibrary
Library    OperatingSystem
Library    Process
Test Tags    lane:no-model

*** Variables ***
${{EXAMPLE}}    {EXAMPLES / "example_agent.py"}
${{SEND_FORMS}}    import os, base64, urllib.parse, httpx; k = os.environ["SENTINEL_API_KEY"]
...    ; u = os.environ["MOCK_LLM_URL"] + "/v1beta/models/gemini-2.5-flash:generateContent"
...    ; b64 = base64.b64encode(("user:" + k).encode()).decode()
...    ; httpx.post(u + "?key={UNKNOWN_GEMINI}&t=" + urllib.parse.quote(k, safe=""),
...    json={{"contents": [{{"role": "user", "parts": [{{"text": "{UNKNOWN_ANTHROPIC} " + b64}}]}}]}})

*** Test Cases ***
Keys In Every Form Stay Out Of Everything Written
    Start Mock LLM
    ${{args}}=    Create Dictionary    command=printf %s %{{SENTINEL_API_KEY}} | mytool --token %{{SENTINEL_API_KEY}}
    Reply With Tool Call    run_command    ${{args}}    tool_result=${{False}}
    Reply With Text    done    tool_result=${{True}}
    Create Fake CLI    mytool    stdout=ok    capture_stdin=${{True}}    record_env=SENTINEL_API_KEY
    VAR    ${{workdir}}    ${{OUTPUT DIR}}/work
    Create Directory    ${{workdir}}
    ${{settings}}=    Install Hooks Bridge    example-agent    ${{workdir}}
    ${{agent}}=    Run Process    ${{PYTHON}}    ${{EXAMPLE}}    --provider    openai    --workdir    ${{workdir}}
    ...    --settings    ${{settings}}    do it
    Should Be Equal As Integers    ${{agent.rc}}    0    msg=${{agent.stderr}}
    Fake CLI Should Have Been Called    mytool    --token    %{{SENTINEL_API_KEY}}
    Assert Hooks Phase    pre_tool    tool=Bash
    ${{sent}}=    Run Process    ${{PYTHON}}    -c    ${{SEND_FORMS}}
    Should Be Equal As Integers    ${{sent.rc}}    0    msg=${{sent.stderr}}
    Set Environment Variable    HTTPS_PROXY    http://qa:{PROXY_PASSWORD}@127.0.0.1:9
    ${{egress}}=    Diagnose Egress    https://api.openai.com/v1/models    timeout=2
    Log    ${{egress}}
    Get LLM Requests
"""


def test_keys_in_every_form_never_reach_anything_written(tmp_path: Path) -> None:
    output = tmp_path / "out"
    env = {**os.environ, "SENTINEL_API_KEY": KNOWN}
    (tmp_path / "forms.robot").write_text(EVERY_FORM, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "robot", "--loglevel", "TRACE", "--variable", f"PYTHON:{sys.executable}",
         "--outputdir", str(output), str(tmp_path / "forms.robot")],
        capture_output=True, text=True, env=env, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    written = everything_written(output) + "".join(
        path.read_text(encoding="utf-8", errors="replace") for path in output.rglob("*") if path.is_file()
    )
    assert (output / "agenttest-fake-cli").is_dir() and (output / "agenttest-hooks").is_dir()
    assert any(path.name == "calls.jsonl" for path in output.rglob("*"))
    assert any(path.name == "events.jsonl" for path in output.rglob("*"))
    import base64
    from urllib.parse import quote

    forms = [KNOWN, quote(KNOWN, safe=""), base64.b64encode(f"user:{KNOWN}".encode()).decode()[8:-8],
             UNKNOWN_ANTHROPIC, UNKNOWN_GEMINI, PROXY_PASSWORD]  # fmt: skip
    leaked = [form for form in forms if form in written or form in result.stdout + result.stderr]
    assert leaked == []
    assert not any(path.name.startswith("stdin-") for path in output.rglob("*"))


WEBHOOK_SECRET = "whsec_c250bC1wbGFpbi13ZWJob29rLXNlY3JldA=="
PLAIN_SECRET = "sntl-plain-github-hook-secret-7731"
ROUTE_SECRET = "sntl-inline-route-secret-4410"
INLINE_ROUTE = ('{"method": "POST", "path": "/in", "verify": {"provider": "slack", "secret": "' + ROUTE_SECRET
                + '"}, "reply": {"json": {}}}')  # fmt: skip
PLAIN_ARGUMENTS = f"""
*** Settings ***
Library    AgentTestLibrary
Test Tags    lane:no-model

*** Variables ***
${{GITHUB_SECRET}}    {PLAIN_SECRET}

*** Test Cases ***
Webhook Secrets Given As Plain Strings
    Run Keyword And Expect Error    The standard webhook to http://127.0.0.1:9/hook got no answer*
    ...    Deliver Webhook    http://127.0.0.1:9/hook    standard    ping    secret={WEBHOOK_SECRET}    retries=0
    ...    timeout=1
    Run Keyword And Expect Error    The github webhook to http://127.0.0.1:9/hook got no answer*
    ...    Deliver Webhook    http://127.0.0.1:9/hook    github    ping    {{}}    ${{GITHUB_SECRET}}    timeout=1

A Route Secret Given Inline
    Start Mock Service    hooks    routes=slack
    Add Service Route    hooks    {INLINE_ROUTE}
"""


def test_secrets_given_to_keywords_as_plain_strings_never_appear_at_trace(tmp_path: Path) -> None:
    run = run_robot(tmp_path, {"plain.robot": PLAIN_ARGUMENTS}, None, "--loglevel", "TRACE")
    assert run.statuses["Webhook Secrets Given As Plain Strings"][0] == "PASS", run.stdout
    assert run.statuses["A Route Secret Given Inline"][0] == "PASS", run.stdout
    output_xml = (run.output_dir / "output.xml").read_text(encoding="utf-8")
    log = "\n".join(log_html_strings(run.output_dir / "log.html"))
    assert "Arguments: [" in log, "the TRACE argument lines are there, masked"
    for sentinel in (WEBHOOK_SECRET, PLAIN_SECRET, ROUTE_SECRET):
        assert sentinel not in output_xml
        assert sentinel not in log
        assert sentinel not in run.stdout
