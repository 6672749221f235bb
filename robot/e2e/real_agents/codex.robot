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

Codex Calls A Mock MCP Tool Over Stdio
    Agent Should Call The MCP Tool    codex    mcp__tools__search    transport=stdio
    Assert Hooks Phase    pre_tool    tool=mcp__tools__search
