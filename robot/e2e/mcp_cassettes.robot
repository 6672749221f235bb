*** Settings ***
Documentation    A subprocess agent's MCP session (the official mcp client) answered from an MCP cassette: recorded
...              once through a mock MCP server from a real one (here the project's own, over streamable HTTP
...              and over stdio), replayed without it, over either transport.
...              Re-record: AGENTTEST_RECORD_MODE=all robot robot/e2e/mcp_cassettes.robot

Library          OperatingSystem
Library          Process
Library          AgentTestLibrary

Suite Setup      Start The MCP Servers

Test Tags        lane:no-model    mcp


*** Variables ***
${PYTHON}      ${{ sys.executable }}
${AGENT}       ${CURDIR}/agents/mcp_reader.py
${SCENARIO}    ${CURDIR}/scenarios/mcp_flow.yaml
${EXPECTED}    search | 3 pages about mcp: intro, transports, tools | Product documentation search.
${RECORDED}    ${OUTPUT DIR}/mcp-cassettes/Mcp_Cassettes


*** Test Cases ***
The Agent Searches From The Committed Cassette
    ${result}=    Run Process    ${PYTHON}    ${AGENT}    ${DOCS}
    Should Be Equal    ${result.stdout}    ${EXPECTED}    ${result.stderr}
    MCP Tool Should Have Been Called    search    server=docs    query=mcp    times=1

A Stdio Server Is Recorded For A Stdio Agent
    [Documentation]    Records into the output folder; the next test replays the file over HTTP, the server gone.
    Use MCP Cassettes    recorder    ${OUTPUT DIR}/mcp-cassettes    record_mode=all
    ...    upstream_command=${PYTHON} -m AgentTestLibrary mcp serve --stdio --scenario ${SCENARIO} --name tools
    ${result}=    Run Process    ${PYTHON}    ${AGENT}    @{RECORDER_STDIO}
    Should Be Equal    ${result.stdout}    ${EXPECTED}    ${result.stderr}

The Stdio Recording Replays Over HTTP
    Copy File    ${RECORDED}/A_Stdio_Server_Is_Recorded_For_A_Stdio_Agent.yaml
    ...    ${RECORDED}/The_Stdio_Recording_Replays_Over_HTTP.yaml
    Use MCP Cassettes    recorder    ${OUTPUT DIR}/mcp-cassettes    upstream=http://127.0.0.1:9/mcp
    ...    record_mode=none
    ${result}=    Run Process    ${PYTHON}    ${AGENT}    ${RECORDER}
    Should Be Equal    ${result.stdout}    ${EXPECTED}    ${result.stderr}
    MCP Tool Should Have Been Called    search    server=recorder    query=mcp    times=1


*** Keywords ***
Start The MCP Servers
    [Documentation]    The scenario's ``tools`` server as the real one over HTTP, ``docs`` behind the committed
    ...    cassettes and ``recorder`` (HTTP and stdio) for the tests that record.
    ${upstream}=    Start Mock MCP Server    tools    scenario=${SCENARIO}
    ${docs_url}=    Start Mock MCP Server    docs
    ${recorder_url}=    Start Mock MCP Server    recorder
    ${stdio}=    Get MCP Server Command    recorder
    VAR    ${DOCS}=    ${docs_url}    scope=SUITE    # robocop: off=VAR05
    VAR    ${RECORDER}=    ${recorder_url}    scope=SUITE    # robocop: off=VAR05
    VAR    @{RECORDER_STDIO}=    @{stdio}    scope=SUITE    # robocop: off=VAR05
    Use MCP Cassettes    docs    ${CURDIR}/cassettes/mcp    upstream=${upstream}    record_mode=once
