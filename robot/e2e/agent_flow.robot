*** Settings ***
Documentation     The full agent flow: a signed GitHub webhook reaches the triage agent (a real web
...               server), which asks the mock LLM, calls the tool the model asks for on the mock MCP
...               server, and labels and comments on the issue in the mock GitHub. Four journals
...               asserted on; the docs' recipe "The full agent flow" includes this file.

Library           AgentTestLibrary
Resource          resources/service_agents.resource

Suite Setup       Start The Mocks And The Agent
Suite Teardown    Stop Everything

Test Tags         lane:no-model    services    mcp


*** Variables ***
${SECRET}     whsec-agenttest-flow-fixture
${PAYLOAD}    ${CURDIR}/payloads/issue_opened.json


*** Test Cases ***
A Signed Webhook Goes Through The Model And MCP To GitHub
    ${delivery}=    Deliver Webhook    ${TRIAGE}/webhook    github    issues    payload=${PAYLOAD}    secret=${SECRET}
    Should Be Equal As Integers    ${delivery}[status]    200
    Mock LLM Should Have Received    2    requests
    Mock LLM Should Have Requested Tool    mcp__repo__similar_issues    query=Crash on start
    MCP Tool Should Have Been Called    similar_issues    server=repo    query=Crash on start    times=1
    Tool Result Should Have Been Sent    \#3 Crash at launch    tool=mcp__repo__similar_issues
    Service Should Have Received    github    POST    /repos/acme/app/issues/7/labels    json.labels.2=duplicate
    Service Requests Should Be In Order    github
    ...    POST /repos/{owner}/{repo}/issues/{number}/labels
    ...    POST /repos/{owner}/{repo}/issues/{number}/comments
    ${comments}=    Get Service Collection    github    comments
    Should Contain    ${comments}[0][body]    looks like \#3

The MCP Server Being Down Leaves GitHub Untouched
    Inject MCP Fault    repo    tool=similar_issues    status=503
    ${delivery}=    Deliver Webhook    ${TRIAGE}/webhook    github    issues    payload=${PAYLOAD}    secret=${SECRET}
    Should Be Equal As Integers    ${delivery}[status]    502
    Mock LLM Should Have Received    1    request
    ${calls}=    Get MCP Requests    repo    method=tools/call
    Should Be Equal As Integers    ${calls}[0][status]    503
    Service Should Not Have Received    github    POST    /repos/{owner}/{repo}/issues/{number}/labels


*** Keywords ***
Start The Mocks And The Agent
    [Documentation]    The mock LLM and the mock MCP server (one scenario), the mock GitHub and the triage agent.
    Start Mock LLM    scenario=${CURDIR}/scenarios/agent_flow.yaml
    ${mcp}=    Start Mock MCP Server    name=repo    scenario=${CURDIR}/scenarios/agent_flow.yaml
    ${github}=    Start Mock Service    github    routes=${CURDIR}/services/github_triage.yaml
    ${url}=    Start Triage Agent    ${SECRET}    ${github}    mcp_url=${mcp}
    VAR    ${TRIAGE}=    ${url}    scope=SUITE    # robocop: off=VAR05

Stop Everything
    [Documentation]    The agent first, then the mocks it talks to.
    Stop Triage Agent
    Stop Mock Service    github
    Stop Mock MCP Server    repo
    Stop Mock LLM
