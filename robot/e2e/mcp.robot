*** Settings ***
Documentation     The example agent reaches its tools through mock MCP servers with the official mcp SDK:
...               over streamable HTTP and stdio, two servers at once, structured content, faults and recovery.

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/example_agent.resource

Suite Setup       Start The Mocks
Suite Teardown    Stop Mock LLM

Test Tags         lane:no-model    mcp


*** Variables ***
${FLOW}    ${CURDIR}/scenarios/mcp_flow.yaml


*** Test Cases ***
Agent Calls An MCP Tool Over Streamable HTTP
    ${answer}=    Run Example Agent With MCP    please search the docs    openai    tools=${MCP_TOOLS_URL}
    Should Be Equal    ${answer}    The docs have 3 pages about MCP.
    Mock LLM Should Have Requested Tool    mcp__tools__search    query=mcp
    MCP Tool Should Have Been Called    search    query=mcp    times=1
    Tool Result Should Have Been Sent    3 pages about mcp: intro, transports, tools
    ${calls}=    Get MCP Requests    method=tools/call
    Should Be Equal    ${calls}[0][transport]    http
    Should Be Equal    ${calls}[0][rule]    docs about mcp

Agent Calls An MCP Tool Over Stdio
    ${answer}=    Run Example Agent With MCP    please search the docs    anthropic
    ...    tools=%{AGENTTEST_MCP_TOOLS_COMMAND}
    Should Be Equal    ${answer}    The docs have 3 pages about MCP.
    ${calls}=    Get MCP Requests    server=tools    method=tools/call
    Should Be Equal    ${calls}[0][transport]    stdio
    MCP Tool Should Have Been Called    search    query=mcp

Two Servers Answer One Agent, Structured Content Included
    ${answer}=    Run Example Agent With MCP    plan the trip    openai
    ...    tools=${MCP_TOOLS_URL}    weather=${MCP_WEATHER_URL}
    Should Be Equal    ${answer}    The docs have 3 pages about MCP.
    MCP Tools Should Have Been Called In Order    search    forecast
    MCP Tool Should Have Been Called    forecast    server=weather    city=Oslo
    MCP Tool Should Not Have Been Called    forecast    server=tools
    ${calls}=    Get MCP Requests    server=weather    method=tools/call
    Should Be Equal As Numbers    ${calls}[0][reply][result][structuredContent][celsius]    21

The MCP Server Asks The User Mid-Call And Answers From The Form
    ${rule}=    Catenate    SEPARATOR=\n
    ...    name: search asks which section
    ...    when: {tool: search}
    ...    reply:
    ...    ${SPACE*2}steps:
    ...    ${SPACE*4}- log: {level: info, data: "searching {{query}}"}
    ...    ${SPACE*4}- elicit:
    ...    ${SPACE*8}message: Which section?
    ...    ${SPACE*8}schema: {type: object, properties: {section: {type: string, enum: [intro, api]}}}
    ...    ${SPACE*2}text: "3 pages about {{query}} in {{elicitation.section}}"
    ...    ${SPACE*2}declined: {text: "the user declined", is_error: true}
    Add MCP Rule    ${rule}
    Set Environment Variable    EXAMPLE_AGENT_ELICIT    {"action": "accept", "content": {"section": "intro"}}
    ${answer}=    Run Example Agent With MCP    please search the docs    openai    tools=${MCP_TOOLS_URL}
    Should Be Equal    ${answer}    The docs have 3 pages about MCP.
    Tool Result Should Have Been Sent    3 pages about mcp in intro
    MCP Client Should Have Been Asked For Elicitation    Which section?    action=accept    times=1
    ${asked}=    Get MCP Server Requests    method=elicitation/create
    Should Be Equal    ${asked}[0][request][tool]    search
    [Teardown]    Remove Environment Variable    EXAMPLE_AGENT_ELICIT

The Session Expires And The Agent Initializes Again
    Set Environment Variable    EXAMPLE_AGENT_MCP_MODE    legacy    # sessions belong to the handshake revisions
    Inject MCP Fault    tool=search    expire_session=${TRUE}    times=1
    ${answer}=    Run Example Agent With MCP    please search the docs    openai    tools=${MCP_TOOLS_URL}
    Should Be Equal    ${answer}    The docs have 3 pages about MCP.
    MCP Session Should Have Been Reinitialized
    MCP Tool Should Have Been Called    search    times=2
    [Teardown]    Remove Environment Variable    EXAMPLE_AGENT_MCP_MODE

An Older Server Without The Stateless Revision Gets The Handshake
    Configure Mock MCP Server    tools    revisions=2025-06-18
    ${answer}=    Run Example Agent With MCP    please search the docs    openai    tools=${MCP_TOOLS_URL}
    Should Be Equal    ${answer}    The docs have 3 pages about MCP.
    ${calls}=    Get MCP Requests    method=tools/call
    Should Be Equal    ${calls}[0][request][protocol_version]    2025-06-18
    Run Keyword And Expect Error    *revisions: expected some of 2026-07-28*got 2019-01-01*
    ...    Configure Mock MCP Server    tools    revisions=2019-01-01
    [Teardown]    Configure Mock MCP Server    tools
    ...    revisions=2026-07-28, 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05

A Server Error Is Retried Once
    Inject MCP Fault    tool=search    status=503    retry_after=1    times=1
    ${answer}=    Run Example Agent With MCP    please search the docs    openai    tools=${MCP_TOOLS_URL}
    Should Be Equal    ${answer}    The docs have 3 pages about MCP.
    MCP Tool Should Have Been Called    search    times=2
    ${calls}=    Get MCP Requests    method=tools/call
    Should Be Equal As Integers    ${calls}[0][status]    503
    Should Contain    ${calls}[0][fault]    status 503

An isError Result Reaches The Model
    Reply To MCP Tool    search    The index is offline    is_error=${TRUE}
    ${answer}=    Run Example Agent With MCP    please search the docs    openai    tools=${MCP_TOOLS_URL}
    Should Be Equal    ${answer}    The search tool failed.
    Tool Result Should Have Been Sent    error: The index is offline

A Tool Declared From Keywords Lives For One Test
    Add MCP Tool    define    Define a word
    ...    input_schema={"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]}
    ...    text={{word}}: a program that acts for you
    ${answer}=    Run Example Agent With MCP    define agent    openai    tools=${MCP_TOOLS_URL}
    Should Be Equal    ${answer}    Defined.
    MCP Tool Should Have Been Called    define    word=agent

The Keyword Tool Is Gone In The Next Test
    ${answer}=    Run Example Agent With MCP    define agent    openai    tools=${MCP_TOOLS_URL}
    Should Not Be Equal    ${answer}    Defined.
    MCP Tool Should Not Have Been Called    define


*** Keywords ***
Start The Mocks
    [Documentation]    The model and both MCP servers, all from one scenario file.
    Start Mock LLM    scenario=${FLOW}    strict=${FALSE}
    Start Mock MCP Server    name=tools    scenario=${FLOW}
    Start Mock MCP Server    name=weather    scenario=${FLOW}
