*** Settings ***
Documentation     Claude Code (pinned) runs offline against the mock: tool call, hooks, blocking, retry.

Resource          ../resources/real_agents.resource

Suite Setup       Prepare Real Agents
Suite Teardown    Stop Mock LLM
Test Setup        Use Real Agent    claude-code

Test Tags         lane:no-model    agent:real    runtime:claude-code


*** Test Cases ***
Claude Code Runs A Shell Tool And Fires Hooks
    Agent Should Run The Shell Tool    anthropic.messages
    Assert Hooks Phase    pre_tool    tool=Bash    count=1

A PreToolUse Hook Blocks Bash
    Make Hook Block    pre_tool    tool=Bash    reason=no shell in this test
    ${result}=    Run Agent    please say hello    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The hook blocked the tool.
    Tool Result Should Have Been Sent    no shell in this test
    Hook Phase Should Not Have Fired    post_tool

Rate Limited Once Then Recovers
    Inject LLM Fault    status=429    retry_after=1    times=1
    ${result}=    Run Agent    please say hello    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The tool said hello.
    Agent Should Have Retried    1
    Agent Should Have Honoured Retry After

Claude Code Calls A Mock MCP Tool Over HTTP
    Agent Should Call The MCP Tool    claude-code    mcp__tools__search    transport=http
    Assert Hooks Phase    pre_tool    tool=mcp__tools__search

An MCP Tool Failure Reaches The Model And Is Reported
    Install MCP Server Config    claude-code    server=tools    project=${REAL_WORKDIR}
    Inject MCP Fault    tool=search    is_error=${TRUE}    message=wiki offline
    ${result}=    Run Agent    please search the wiki    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The wiki search failed.
    Tool Result Should Have Been Sent    wiki offline
    ${calls}=    Get MCP Requests    method=tools/call
    Should Contain    ${calls}[0][fault]    isError result
