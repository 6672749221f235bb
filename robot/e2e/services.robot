*** Settings ***
Documentation     The whole flow from a signed GitHub webhook: the triage agent verifies it, asks the
...               mock LLM for labels and a comment, and calls the mock GitHub; and a boto3 agent whose
...               Lambda listing fails on its third page. Three journals asserted on.

Library           String
Library           AgentTestLibrary
Resource          resources/service_agents.resource

Suite Setup       Start The Mocks And The Agent
Suite Teardown    Stop Everything

Test Tags         lane:no-model    services


*** Variables ***
${SECRET}     whsec-agenttest-triage-fixture
${PAYLOAD}    ${CURDIR}/payloads/issue_opened.json


*** Test Cases ***
A Signed Issue Webhook Gets Labels And A Comment
    ${delivery}=    Deliver Webhook    ${TRIAGE}/webhook    github    issues    payload=${PAYLOAD}    secret=${SECRET}
    Should Be Equal As Integers    ${delivery}[status]    200
    Mock LLM Should Have Received    1    request
    User Message Should Have Been Sent    Crash on start
    Service Should Have Received    github    POST    /repos/acme/app/issues/7/labels    json.labels.0=bug
    ...    json.labels.1=crash    times=1
    Service Should Have Received    github    POST    /repos/acme/app/issues/7/comments    times=1
    Service Requests Should Be In Order    github
    ...    POST /repos/{owner}/{repo}/issues/{number}/labels
    ...    POST /repos/{owner}/{repo}/issues/{number}/comments
    GitHub Should Hold The Comment And The Labels    looks like a crash    ${{ ["bug", "crash"] }}

An Invalid Signature Is Refused Before Any Model Call
    ${delivery}=    Deliver Webhook    ${TRIAGE}/webhook    github    issues    payload=${PAYLOAD}    secret=${SECRET}
    ...    signature=invalid
    Should Be Equal As Integers    ${delivery}[status]    401
    Mock LLM Should Have Received    0    requests
    Service Should Not Have Received    github    POST    /repos/{owner}/{repo}/issues/{number}/labels

GitHub Fails The Label Call Once And The Agent Retries
    Inject Service Fault    github    route=add labels    status=500    times=1
    ${delivery}=    Deliver Webhook    ${TRIAGE}/webhook    github    issues    payload=${PAYLOAD}    secret=${SECRET}
    Should Be Equal As Integers    ${delivery}[status]    200
    Service Should Have Received    github    POST    /repos/acme/app/issues/7/labels    times=2
    ${requests}=    Get Service Requests    github    method=POST    path=/repos/acme/app/issues/7/labels
    Should Be Equal As Integers    ${requests}[0][status]    500
    Should Be Equal As Integers    ${requests}[1][status]    200

GitHub Keeps Failing The Label Call And The Agent Says So
    Inject Service Fault    github    route=add labels    status=500
    ${delivery}=    Deliver Webhook    ${TRIAGE}/webhook    github    issues    payload=${PAYLOAD}    secret=${SECRET}
    Should Be Equal As Integers    ${delivery}[status]    502
    Should Contain    ${delivery}[body]    "labelled": false
    Service Should Have Received    github    POST    /repos/acme/app/issues/7/labels    times=2
    ${comments}=    Get Service Collection    github    comments
    Should Contain    ${comments}[0][body]    could not be applied: HTTP 500
    ${issues}=    Get Service Collection    github    issues
    Should Be Empty    ${issues}[0][labels]

A Rate-Limited Label Call Is Retried After Retry-After
    Inject Service Fault    github    route=add labels    status=403    message=API rate limit exceeded
    ...    retry_after=1    times=1
    ${delivery}=    Deliver Webhook    ${TRIAGE}/webhook    github    issues    payload=${PAYLOAD}    secret=${SECRET}
    Should Be Equal As Integers    ${delivery}[status]    200
    ${requests}=    Get Service Requests    github    method=POST    path=/repos/acme/app/issues/7/labels
    Should Be Equal As Integers    ${requests}[0][status]    403
    Should Be Equal    ${requests}[0][reply][body][message]    API rate limit exceeded

The Lambda Agent Lists Every Page
    ${created}=    Run Lambda Agent    create    7
    Should Be Equal As Integers    ${created.rc}    0    ${created.stderr}
    ${listed}=    Run Lambda Agent    list
    Should Be Equal As Integers    ${listed.rc}    0    ${listed.stderr}
    ${names}=    Split To Lines    ${listed.stdout}
    Length Should Be    ${names}    7
    AWS Should Have Received    lambda    ListFunctions    times=4

The Third Page Of The Lambda Listing Fails
    Run Lambda Agent    create    7
    Inject AWS Fault    operation=ListFunctions    page=3    status=500
    ${listed}=    Run Lambda Agent    list
    Should Be Equal As Integers    ${listed.rc}    1
    Should Contain    ${listed.stderr}    ServiceException
    Should Contain    ${listed.stderr}    read 4 function(s) before it
    AWS Should Have Received    lambda    ListFunctions    times=4
    ${calls}=    Get AWS Requests    lambda    ListFunctions
    Should Be Equal As Integers    ${calls}[2][request][page]    3
    Should Be Equal As Integers    ${calls}[2][status]    500


*** Keywords ***
GitHub Should Hold The Comment And The Labels
    [Documentation]    What the agent left in the mock GitHub's collections: its comment and the issue's labels
    ...    (label objects, as GitHub keeps them: compared by name).
    [Arguments]    ${comment}    ${labels}
    ${comments}=    Get Service Collection    github    comments
    Should Contain    ${comments}[0][body]    ${comment}
    ${issues}=    Get Service Collection    github    issues
    ${names}=    Evaluate    [label["name"] for label in $issues[0]["labels"]]
    Should Be Equal    ${names}    ${labels}

Start The Mocks And The Agent
    [Documentation]    The mock LLM, the mock GitHub (the preset with the issue), mock AWS and the triage agent.
    Start Mock LLM    scenario=${CURDIR}/scenarios/triage.yaml
    ${github}=    Start Mock Service    github    routes=${CURDIR}/services/github_triage.yaml
    Start Mock AWS
    ${url}=    Start Triage Agent    ${SECRET}    ${github}
    VAR    ${TRIAGE}=    ${url}    scope=SUITE    # robocop: off=VAR05

Stop Everything
    [Documentation]    The agent first, then the mocks it talks to.
    Stop Triage Agent
    Stop Mock AWS
    Stop Mock Service    github
    Stop Mock LLM
