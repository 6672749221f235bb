"""Service, webhook and AWS keywords in a suite: strict services fail tests, secrets and real AWS keys stay hidden."""

from __future__ import annotations

import re
from pathlib import Path

from tests.acceptance.robot_outputs import everything_written
from tests.acceptance.robot_run import run_robot

WEBHOOK_SECRET = "whsec-SENTINEL-9fQ2-planted"
REAL_AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSENTINELKEY"
QUERY_TOKEN = "query-SENTINEL-Hs82kQ"
ROUTES = """
routes:
  - name: list things
    method: GET
    path: /things
    reply: {json: [{id: 1}]}
  - name: hook
    method: POST
    path: /hook
    verify: {provider: github, secret_env: HOOK_SECRET}
    reply: {json: {ok: true}}
"""
SUITE = """
*** Settings ***
Library    AgentTestLibrary
Library    Process
Suite Setup    Start Mock Service    crm    routes=${CURDIR}/routes.yaml
Test Tags    lane:no-model

*** Variables ***
${GET}    import os, sys, httpx; print(httpx.get(os.environ["AGENTTEST_CRM_URL"] + sys.argv[1]).status_code)
${POST}    import os, sys, httpx; print(httpx.post(os.environ["AGENTTEST_CRM_URL"] + sys.argv[1], json={}).status_code)
${ENV}    import os; print(os.environ["AWS_SECRET_ACCESS_KEY"], os.environ.get("AWS_PROFILE"))

*** Test Cases ***
A Known Route Passes
    ${result}=    Run Process    ${PYTHON}    -c    ${GET}    /things
    Should Be Equal    ${result.stdout}    200
    Service Should Have Received    crm    GET    /things    times=1

An Unknown Route Fails The Test At Its End
    ${result}=    Run Process    ${PYTHON}    -c    ${GET}    /thing
    Should Be Equal    ${result.stdout}    404

A Reply That Cannot Be Filled Fails The Test At Its End
    Add Service Route    crm
    ...    {"name": "titled", "method": "POST", "path": "/titled", "reply": {"json": {"t": "{{json.title}}"}}}
    ${result}=    Run Process    ${PYTHON}    -c    ${POST}    /titled
    Should Be Equal    ${result.stdout}    422

A Fault That Never Fired Fails The Test At Its End
    Run Keyword And Expect Error    *no route named 'list thing'; the routes, closest first: list things, hook*
    ...    Inject Service Fault    crm    route=list thing    status=500
    Inject Service Fault    crm    route=hook    status=500
    Run Process    ${PYTHON}    -c    ${GET}    /things

A Fault Is Named After The Service
    ${fault}=    Inject Service Fault    crm    name=things down    route=list things    status=503    times=1
    Should Be Equal    ${fault}    things down
    ${result}=    Run Process    ${PYTHON}    -c    ${GET}    /things
    Should Be Equal    ${result.stdout}    503
    ${requests}=    Get Service Requests    crm
    Should Contain    ${requests}[-1][fault]    things down
    ${unfired}=    Inject Service Fault    crm    name=never    route=hook    status=500

A Fault Cleared Before The End Is Not Reported
    Inject Service Fault    crm    route=hook    status=500
    Run Process    ${PYTHON}    -c    ${GET}    /things
    Clear Service Faults    crm

Unused Routes Are Named
    Run Process    ${PYTHON}    -c    ${GET}    /things
    Run Keyword And Expect Error    1 route(s) answered nothing in this test:\\n- route 'hook' (POST /hook)*
    ...    Every Service Route Should Have Been Used    crm

Assertions Show What Was Received
    Run Process    ${PYTHON}    -c    ${GET}    /things
    Service Should Have Received    crm    POST    /things

The Webhook Secret Is Masked
    ${url}=    Evaluate    os.environ["AGENTTEST_CRM_URL"]    modules=os
    ${good}=    Deliver Webhook    ${url}/hook    github    ping    payload={"zen": "x"}    secret=%{HOOK_SECRET}
    Should Be Equal As Integers    ${good}[status]    200
    ${bad}=    Deliver Webhook    ${url}/hook    github    ping    payload={"zen": "x"}    secret=%{HOOK_SECRET}
    ...    signature=invalid
    Should Be Equal As Integers    ${bad}[status]    401
    Run Keyword And Expect Error    A valid github signature needs the shared secret (secret=)*
    ...    Deliver Webhook    ${url}/hook    github    ping    payload={"zen": "x"}
    ${unsigned}=    Deliver Webhook    ${url}/hook    github    ping    payload={"zen": "x"}    signature=missing
    Should Be Equal As Integers    ${unsigned}[status]    401
    Log    ${good}
    ${requests}=    Get Service Requests    crm
    Log    ${requests}

A Token In The Query Is Masked
    ${result}=    Run Process    ${PYTHON}    -c    ${GET}    /things?per_page\\=5&access_token\\=%{PLANTED_QUERY_VALUE}
    Should Be Equal    ${result.stdout}    200
    ${requests}=    Get Service Requests    crm
    Log    ${requests}
    Service Should Have Received    crm    GET    /things    times=1

Mock AWS Hides The Real Keys
    Start Mock AWS
    Run Keyword And Expect Error    *no operation 'ListFunction' in lambda*closest first: ListFunctions (lambda)*
    ...    Inject AWS Fault    operation=ListFunction    status=500
    ${fault}=    Inject AWS Fault    name=lambda down    service=lambda    operation=ListFunctions    status=500
    Should Be Equal    ${fault}    lambda down
    ${result}=    Run Process    ${PYTHON}    -c    ${ENV}
    Should Be Equal    ${result.stdout}    agenttest-fixture-secret-access-key None
    Stop Mock AWS
    ${after}=    Run Process    ${PYTHON}    -c    ${ENV}
    Should Start With    ${after.stdout}    wJalrXUtnFEMI
"""


def test_service_keywords_in_a_suite(tmp_path: Path) -> None:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "routes.yaml").write_text(ROUTES, encoding="utf-8")
    env = {
        "HOOK_SECRET": WEBHOOK_SECRET,
        "AWS_SECRET_ACCESS_KEY": REAL_AWS_SECRET,
        "AWS_PROFILE": "prod",
        "PLANTED_QUERY_VALUE": QUERY_TOKEN,
    }  # PLANTED_QUERY_VALUE: a name the registry does not seed from (QUERY_TOKEN would be)
    run = run_robot(tmp_path, {"services.robot": SUITE}, env, "--loglevel", "TRACE")
    statuses = run.statuses
    assert statuses["A Known Route Passes"] == ("PASS", ""), statuses
    status, message = statuses["An Unknown Route Fails The Test At Its End"]
    assert status == "FAIL" and "Strict mock service 'crm': 1 call(s) broke its closed world" in message
    assert "GET /thing: closest was route 'list things' (GET /things)" in message
    status, message = statuses["A Reply That Cannot Be Filled Fails The Test At Its End"]
    assert status == "FAIL" and "Mock service 'crm': 1 call(s) got an error because a rule could not answer" in message
    assert "POST /titled: route 'titled' (POST /titled) at Add Service Route: placeholder {{json.title}}" in message
    status, message = statuses["A Fault That Never Fired Fails The Test At Its End"]
    assert status == "FAIL" and message.startswith("Mock service 'crm': 1 fault(s) injected in this test never fired")
    assert ": status 500 for route=hook" in message
    status, message = statuses["A Fault Is Named After The Service"]
    assert status == "FAIL" and "1 fault(s) injected in this test never fired" in message, message
    assert "fault 'never'" in message and "things down" not in message, message
    assert statuses["A Fault Cleared Before The End Is Not Reported"] == ("PASS", "")
    status, message = statuses["Mock AWS Hides The Real Keys"]
    assert status == "FAIL" and "Mock AWS 'aws': 1 fault(s) injected in this test never fired" in message
    assert "fault 'lambda down'" in message and "for service=lambda, operation=ListFunctions" in message
    status, message = statuses["Assertions Show What Was Received"]
    assert status == "FAIL" and "Expected a request POST /things to service 'crm', found 0" in message
    assert "GET /things -> 200 route=list things" in message
    assert statuses["Unused Routes Are Named"] == ("PASS", ""), statuses["Unused Routes Are Named"]
    assert statuses["The Webhook Secret Is Masked"][0] == "PASS", statuses["The Webhook Secret Is Masked"]
    assert statuses["A Token In The Query Is Masked"] == ("PASS", ""), statuses["A Token In The Query Is Masked"]
    written = everything_written(run.output_dir)
    assert "github webhook 'ping' to http://127.0.0.1:" in written
    for said in (
        "/hook, signed with the secret: attempt 1 answered 200",
        "/hook, signed with a wrong secret: attempt 1 answered 401",
        "/hook, unsigned: attempt 1 answered 401",
    ):
        assert said in written, said
    assert WEBHOOK_SECRET not in written
    assert REAL_AWS_SECRET not in written
    assert QUERY_TOKEN not in written and "access_token=***" in written
    assert "Exported to processes started from now on: AGENTTEST_CRM_URL=http://127.0.0.1:" in written
    exported = re.search(r"Exported to processes started from now on: AWS_ENDPOINT_URL=http://127\.0\.0\.1:\d+, "
                         r"AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION=us-east-1, [^;]*; "
                         r"unset: AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN, AWS_PROFILE\.", written)  # fmt: skip
    assert exported is not None, "Start Mock AWS logs what it exported (keys by name only) and what it unset"
