*** Settings ***
Documentation     Codex (pinned) runs offline against the mock over the Responses API: tool call, hooks, retry.

Resource          ../resources/real_agents.resource

Suite Setup       Prepare Real Agents
Suite Teardown    Stop Mock LLM
Test Setup        Use Real Agent    codex

Test Tags         lane:no-model    agent:real    runtime:codex


*** Test Cases ***
Codex Runs A Shell Tool And Fires Hooks
    Agent Should Run The Shell Tool    openai.responses
    Assert Hooks Phase    pre_tool    tool=Bash

Rate Limited Once Then Recovers
    Inject LLM Fault    status=429    retry_after=1    times=1
    ${result}=    Run Agent    please say hello    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The tool said hello.
    Agent Should Have Retried    1
    Agent Should Have Honoured Retry After

Built In Provider Talks Responses Over WebSocket
    [Setup]    Use Real Agent    codex-websocket    hooks=codex
    Agent Should Run The Shell Tool    openai.responses
    ${requests}=    Get LLM Requests
    Should Be Equal    ${requests}[0][method]    WS

Codex Declines An MCP Elicitation In Exec Mode
    [Documentation]    Codex 0.169.0 declares elicitation, but ``codex exec`` has nobody to ask (approval:
    ...    never): it declines, and the server's declined reply reaches the model.
    Install MCP Server Config    codex    server=tools    transport=http
    ${rule}=    Catenate    SEPARATOR=\n
    ...    name: search asks which branch
    ...    when: {tool: search}
    ...    reply:
    ...    ${SPACE*2}steps: [{elicit: {message: Branch?, schema: {type: object, properties: {b: {type: string}}}}}]
    ...    ${SPACE*2}text: "wiki says: build status is green on {{elicitation.b}}"
    ...    ${SPACE*2}declined: {text: "wiki says: nothing, the user declined to name a branch"}
    Add MCP Rule    ${rule}
    ${result}=    Run Agent    please search the wiki    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The wiki says the build is green.
    MCP Client Should Have Been Asked For Elicitation    Branch?    action=decline    times=1
    Tool Result Should Have Been Sent    the user declined to name a branch

Codex Calls A Mock MCP Tool Over Stdio
    Agent Should Call The MCP Tool    codex    mcp__tools__search    transport=stdio
    Assert Hooks Phase    pre_tool    tool=mcp__tools__search
