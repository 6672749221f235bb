*** Settings ***
Documentation    A subprocess agent's GitHub calls answered from a service cassette: recorded once through the
...              mock service from an upstream (here the github preset on loopback, seeded in the suite setup;
...              https://api.github.com with RUN_LIVE_TESTS=true and a real token), replayed without it.
...              Re-record: AGENTTEST_RECORD_MODE=all robot robot/e2e/service_cassettes.robot

Library          OperatingSystem
Library          Process
Library          AgentTestLibrary

Suite Setup      Start GitHub Behind Its Cassettes

Test Tags        lane:no-model    services


*** Variables ***
${PYTHON}    ${{ sys.executable }}
${AGENT}     ${CURDIR}/agents/issue_reader.py


*** Test Cases ***
The Agent Reads And Comments From The Cassette
    ${result}=    Run Agent Against    ${GITHUB}
    Should Be Equal    ${result.stdout}    7 Crash on start | commented 1    ${result.stderr}
    Service Should Have Received    github    GET    /repos/acme/app/issues    query.state=open
    Service Should Have Received    github    POST    /repos/acme/app/issues/7/comments    json.body=Triaged.

A Fresh Recording Replays With The Upstream Gone
    [Documentation]    Records into the output folder from the live upstream, then the next test replays it.
    Use Service Cassettes    recorder    ${OUTPUT DIR}/service-cassettes    upstream=${UPSTREAM}    record_mode=all
    ${result}=    Run Agent Against    ${RECORDER}
    Should Be Equal    ${result.stdout}    7 Crash on start | commented 1    ${result.stderr}
    Service Should Have Received    github_upstream    GET    /repos/acme/app/issues    times=1

The Fresh Recording Replays
    Copy File
    ...    ${OUTPUT DIR}/service-cassettes/Service_Cassettes/A_Fresh_Recording_Replays_With_The_Upstream_Gone.yaml
    ...    ${OUTPUT DIR}/service-cassettes/Service_Cassettes/The_Fresh_Recording_Replays.yaml
    Use Service Cassettes    recorder    ${OUTPUT DIR}/service-cassettes    upstream=http://127.0.0.1:9
    ...    record_mode=none
    ${result}=    Run Agent Against    ${RECORDER}
    Should Be Equal    ${result.stdout}    7 Crash on start | commented 1    ${result.stderr}
    Service Should Not Have Received    github_upstream    GET    /repos/acme/app/issues


*** Keywords ***
Start GitHub Behind Its Cassettes
    [Documentation]    The github preset as the upstream (seeded), ``github`` behind the committed cassettes and
    ...    ``recorder`` for the tests that record.
    ${upstream_url}=    Start Mock Service    github_upstream    routes=github
    Seed Service Collection    github_upstream    issues
    ...    [{"number": 7, "title": "Crash on start", "state": "open", "labels": []}]
    ${github_url}=    Start Mock Service    github
    ${recorder_url}=    Start Mock Service    recorder
    VAR    ${UPSTREAM}=    ${upstream_url}    scope=SUITE    # robocop: off=VAR05
    VAR    ${GITHUB}=    ${github_url}    scope=SUITE    # robocop: off=VAR05
    VAR    ${RECORDER}=    ${recorder_url}    scope=SUITE    # robocop: off=VAR05
    Use Service Cassettes    github    ${CURDIR}/cassettes/services    upstream=${upstream_url}    record_mode=once

Run Agent Against
    [Documentation]    Runs the issue reader on acme/app against the GitHub API at ``url``.
    [Arguments]    ${url}
    ${result}=    Run Process    ${PYTHON}    ${AGENT}    acme/app    env:GITHUB_API_URL=${url}
    ...    env:GITHUB_TOKEN=agenttest-fixture-github-token
    RETURN    ${result}
