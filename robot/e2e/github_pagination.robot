*** Settings ***
Documentation     A fake GitHub API with pagination faults: the github preset pages the issue listing
...               as GitHub does (Link headers, 30 a page), PyGithub walks it unchanged, and a fault
...               breaks exactly the third page. The docs' recipe "Fake a GitHub API with pagination
...               faults" includes this file.

Library           Process
Library           String
Library           AgentTestLibrary

Suite Setup       Start Mock Service    github    routes=github
Suite Teardown    Stop Mock Service    github
Test Setup        Seed Service Collection    github    issues    ${ISSUES}

Test Tags         lane:no-model    services


*** Variables ***
${LISTER}    ${CURDIR}/agents/issue_lister.py
# 70 open issues: pages of 30, 30 and 10.
${ISSUES}    ${{ [{"number": n, "title": f"Issue {n}", "state": "open", "labels": []} for n in range(1, 71)] }}


*** Test Cases ***
PyGithub Lists Every Page
    ${listed}=    List The Issues With PyGithub
    Should Be Equal As Integers    ${listed.rc}    0    ${listed.stderr}
    ${titles}=    Split To Lines    ${listed.stdout}
    Length Should Be    ${titles}    70
    Service Should Have Received    github    GET    /repos/acme/app/issues    times=3

The Third Page Fails And The Client Reports It
    Inject Service Fault    github    route=list issues    page=3    status=500
    ${listed}=    List The Issues With PyGithub
    Should Be Equal As Integers    ${listed.rc}    1
    Should Contain    ${listed.stderr}    listing failed: HTTP 500 after 60 issue(s)
    ${pages}=    Get Service Requests    github    method=GET    path=/repos/acme/app/issues
    Should Be Equal As Integers    ${pages}[2][request][page]    3
    Should Be Equal As Integers    ${pages}[2][status]    500


*** Keywords ***
List The Issues With PyGithub
    [Documentation]    Runs the PyGithub client against the mock GitHub; returns the process result.
    ${python}=    Evaluate    sys.executable    modules=sys
    ${result}=    Run Process    ${python}    ${LISTER}    acme/app    timeout=60s
    ...    env:GITHUB_API_URL=%{AGENTTEST_GITHUB_URL}    env:GITHUB_TOKEN=ghp_agenttestfixture
    Log    rc ${result.rc}\nstdout: ${result.stdout}\nstderr: ${result.stderr}
    RETURN    ${result}
