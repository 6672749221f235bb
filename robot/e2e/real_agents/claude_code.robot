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

Claude Code Answers An MCP Elicitation Through Its Elicitation Hook
    [Documentation]    In print mode nobody sees a form: Claude Code hands the server's question to its
    ...    Elicitation hook, whose answer goes back to the mock MCP server and into the tool result.
    [Tags]    transport:http
    Claude Code Should Answer Which Branch    http

Claude Code Answers An MCP Elicitation Over Stdio
    [Documentation]    The same over stdio: the relay writes the streamed question as a line and carries the
    ...    hook's answer back.
    [Tags]    transport:stdio
    Claude Code Should Answer Which Branch    stdio

Claude Code Names Its Workdir As Its MCP Root And Skips Sampling
    [Documentation]    Claude Code 2.1.197 declares roots (answered with its working directory) but not
    ...    sampling: the server skips the sampling question it cannot ask.
    Install MCP Server Config    claude-code    server=tools
    ${rule}=    Catenate    SEPARATOR=\n
    ...    name: search asks the roots
    ...    when: {tool: search}
    ...    reply:
    ...    ${SPACE*2}steps: [{roots: {}}, {sample: {prompt: summarise}}]
    ...    ${SPACE*2}text: "wiki says: {{roots.count}} root(s), sampling {{sampling.action}}"
    Add MCP Rule    ${rule}
    ${result}=    Run Agent    please search the wiki    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The wiki says the build is green.
    Tool Result Should Have Been Sent    1 root(s), sampling unsupported
    ${asked}=    Get MCP Server Requests    method=roots/list
    Should End With    ${asked}[0][reply][result][roots][0][uri]    /real-agents

An MCP Tool Failure Reaches The Model And Is Reported
    Install MCP Server Config    claude-code    server=tools    project=${REAL_WORKDIR}
    Inject MCP Fault    tool=search    is_error=${TRUE}    message=wiki offline
    ${result}=    Run Agent    please search the wiki    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The wiki search failed.
    Tool Result Should Have Been Sent    wiki offline
    ${calls}=    Get MCP Requests    method=tools/call
    Should Contain    ${calls}[0][fault]    isError result


*** Keywords ***
Claude Code Should Answer Which Branch
    [Documentation]    The mock MCP search asks which branch; the Elicitation hook answers main.
    [Arguments]    ${transport}
    Install MCP Server Config    claude-code    server=tools    transport=${transport}
    ${rule}=    Catenate    SEPARATOR=\n
    ...    name: search asks which branch
    ...    when: {tool: search}
    ...    reply:
    ...    ${SPACE*2}steps:
    ...    ${SPACE*4}- elicit: {message: Which branch?, schema: {type: object, properties: {branch: {type: string}}}}
    ...    ${SPACE*2}text: "wiki says: build status is green on {{elicitation.branch}}"
    Add MCP Rule    ${rule}
    Answer Elicitations From The Claude Code Hook    {"branch": "main"}
    ${result}=    Run Agent    please search the wiki    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The wiki says the build is green.
    MCP Client Should Have Been Asked For Elicitation    Which branch?    action=accept    times=1
    Tool Result Should Have Been Sent    green on main
    [Teardown]    Remove The Claude Code Elicitation Hook
