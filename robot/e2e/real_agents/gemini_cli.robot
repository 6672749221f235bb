*** Settings ***
Documentation     Gemini CLI (pinned) runs offline against the mock: router (structured output), tool call, hooks.

Resource          ../resources/real_agents.resource

Suite Setup       Prepare Real Agents
Suite Teardown    Stop Mock LLM
Test Setup        Use Real Agent    gemini-cli

Test Tags         lane:no-model    agent:real    runtime:gemini-cli


*** Test Cases ***
Gemini CLI Runs A Shell Tool And Fires Hooks
    Agent Should Run The Shell Tool    gemini.generate    requests=3
    Assert Hooks Phase    pre_tool    tool=run_shell_command
    ${requests}=    Get LLM Requests
    Should Be Equal    ${requests}[0][rule]    <structured output from the request's schema>

Gemini CLI Calls A Mock MCP Tool Over HTTP
    Agent Should Call The MCP Tool    gemini-cli    mcp_tools_search    transport=http
    Assert Hooks Phase    pre_tool    tool=mcp_tools_search
