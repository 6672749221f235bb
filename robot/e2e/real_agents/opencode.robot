*** Settings ***
Documentation     opencode (pinned) runs offline against the mock over Chat Completions: tool loop (plus its
...               title request), hooks through its plugin, a real block, a mock MCP tool over HTTP.

Resource          ../resources/real_agents.resource

Suite Setup       Prepare Real Agents
Suite Teardown    Stop Mock LLM
Test Setup        Use Real Agent    opencode

Test Tags         lane:no-model    agent:real    runtime:opencode


*** Test Cases ***
Opencode Runs A Shell Tool And Fires Hooks
    Agent Should Run The Shell Tool    openai.chat    requests=3
    Assert Hooks Phase    pre_tool    tool=bash    count=1
    ${prompts}=    Get Hook Events    user_prompt
    Should Contain    ${prompts}[0][prompt]    please say hello
    Should Be Equal    ${prompts}[0][cwd]    ${REAL_WORKDIR}    msg=opencode must work in the work directory

A Tool Execute Before Hook Blocks Bash
    Make Hook Block    pre_tool    tool=bash    reason=no shell in this test
    ${result}=    Run Agent    please say hello    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The hook blocked the tool.
    Tool Result Should Have Been Sent    no shell in this test
    Hook Phase Should Not Have Fired    post_tool

Opencode Calls A Mock MCP Tool Over HTTP
    Agent Should Call The MCP Tool    opencode    tools_search    transport=http
    Assert Hooks Phase    pre_tool    tool=tools_search
