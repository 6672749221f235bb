*** Settings ***
Documentation     pi (pinned) runs offline against the mock over Chat Completions: tool loop, hooks through
...               its extension, a real block; pi has no MCP client, and the keyword says so.

Resource          ../resources/real_agents.resource

Suite Setup       Prepare Real Agents
Suite Teardown    Stop Mock LLM
Test Setup        Use Real Agent    pi

Test Tags         lane:no-model    agent:real    runtime:pi


*** Test Cases ***
Pi Runs A Shell Tool And Fires Hooks
    Agent Should Run The Shell Tool    openai.chat
    Assert Hooks Phase    pre_tool    tool=bash    count=1
    Hooks Phases Should Be In Order    user_prompt    stop    session_end
    ${prompts}=    Get Hook Events    user_prompt
    Should Be Equal    ${prompts}[0][prompt]    please say hello

A Tool Call Handler Blocks Bash
    Make Hook Block    pre_tool    tool=bash    reason=no shell in this test
    ${result}=    Run Agent    please say hello    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The hook blocked the tool.
    Tool Result Should Have Been Sent    no shell in this test
    Hook Phase Should Not Have Fired    post_tool

Pi Has No MCP Client And The Keyword Says Why
    Run Keyword And Expect Error    *pi has no MCP support*intentionally does not include built-in MCP*
    ...    Install MCP Server Config    pi    server=tools
