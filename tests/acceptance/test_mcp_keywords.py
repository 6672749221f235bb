"""The MCP keywords as a QA engineer uses them: the closed world fails tests, configs and servers end with scopes,
planted secrets never reach any file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.acceptance.robot_outputs import everything_written
from tests.acceptance.robot_run import run_robot

SENTINEL = "sntl-mcp-4Kd8-planted-credential"
SERVER = """
mcp_servers:
  tools:
    tools:
      - name: search
        inputSchema: {type: object, properties: {query: {type: string}}, required: [query]}
        reply: {text: "found {{query}}"}
"""
SUITE = """
*** Settings ***
Library    AgentTestLibrary
Library    Process
Library    OperatingSystem
Suite Setup    Start Mock MCP Server    tools    scenario=${CURDIR}/server.yaml
Test Tags    lane:no-model

*** Variables ***
${CLIENT}    ${CURDIR}/client.py

*** Test Cases ***
A Declared Tool Passes
    ${out}=    Call Tool    search    {"query": "docs"}
    Should Be Equal    ${out}    found docs
    MCP Tool Should Have Been Called    search    query=docs

An Undeclared Tool Fails The Test At Its End
    ${out}=    Call Tool    delete_repo    {}
    Should Start With    ${out}    error: Unknown tool

Arguments Outside The Schema Fail The Test At Its End
    ${out}=    Call Tool    search    {"limit": 3}
    Should Contain    ${out}    Input validation error

The Assertions Say What They Saw
    Call Tool    search    {"query": "cats"}
    MCP Tool Should Have Been Called    search    query=dogs

A Planted Secret Is Masked
    ${out}=    Call Tool    search    {"query": "key %{SENTINEL_API_KEY}"}
    ${calls}=    Get MCP Requests    method=tools/call
    Log    ${calls}
    MCP Tool Should Have Been Called    search

Config Written In A Test Is Gone After It
    ${home}=    Get Runtime Home
    Install MCP Server Config    codex    server=tools
    Install MCP Server Config    gemini-cli    server=tools
    Install MCP Server Config    claude-code    server=tools    transport=stdio
    Set Suite Variable    ${HOME_DIR}    ${home}
    ${codex}=    Get File    ${home}/config.toml
    Should Contain    ${codex}    [mcp_servers.tools]

The Next Test Sees No Config
    File Should Not Exist    ${HOME_DIR}/.claude.json
    ${codex}=    Get File    ${HOME_DIR}/config.toml
    Should Not Contain    ${codex}    mcp_servers
    Run Keyword And Expect Error    *No mock MCP server named 'docs'*    Get MCP Server URL    docs

*** Keywords ***
Call Tool
    [Arguments]    ${tool}    ${arguments}
    ${result}=    Run Process    ${PYTHON}    ${CLIENT}    %{AGENTTEST_MCP_TOOLS_URL}    ${tool}    ${arguments}
    Should Be Equal As Integers    ${result.rc}    0    ${result.stderr}
    RETURN    ${result.stdout}
"""
CLIENT = """
import asyncio, json, sys
from mcp import Client
from mcp.shared.exceptions import MCPError

async def main():
    async with Client(sys.argv[1]) as client:
        try:
            result = await client.call_tool(sys.argv[2], json.loads(sys.argv[3]))
        except MCPError as error:
            print(f"error: {error.message}")
            return
        print("\\n".join(item.text for item in result.content))

asyncio.run(main())
"""


def test_mcp_keywords_in_a_suite(tmp_path: Path) -> None:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "server.yaml").write_text(SERVER, encoding="utf-8")
    (folder / "client.py").write_text(CLIENT, encoding="utf-8")
    run = run_robot(tmp_path, {"mcp.robot": SUITE}, {"SENTINEL_API_KEY": SENTINEL}, "--loglevel", "TRACE")
    statuses = run.statuses
    assert statuses["A Declared Tool Passes"][0] == "PASS", statuses
    status, message = statuses["An Undeclared Tool Fails The Test At Its End"]
    assert status == "FAIL" and "Strict mock MCP server 'tools': 1 call(s) broke its closed world" in message
    assert "tool 'delete_repo' is not declared on MCP server 'tools' (declared: search)" in message
    status, message = statuses["Arguments Outside The Schema Fail The Test At Its End"]
    assert status == "FAIL" and "missing required property 'query'" in message
    status, message = statuses["The Assertions Say What They Saw"]
    assert status == "FAIL" and "Expected a call of MCP tool 'search' with query='dogs', found 0" in message
    assert 'tools/call search({"query": "cats"})' in message
    assert statuses["A Planted Secret Is Masked"][0] == "PASS", statuses["A Planted Secret Is Masked"]
    assert statuses["Config Written In A Test Is Gone After It"][0] == "PASS"
    assert statuses["The Next Test Sees No Config"] == ("PASS", ""), statuses["The Next Test Sees No Config"]
    written = everything_written(run.output_dir)
    assert SENTINEL not in written and "key ***" in written
    evidence = next(run.output_dir.glob("agenttest-evidence/**/A_Planted_Secret_Is_Masked-mcp-tools.json"))
    requests = json.loads(evidence.read_text(encoding="utf-8"))["requests"]
    call = next(request for request in requests if request["request"]["method"] == "tools/call")
    assert call["request"]["arguments"] == {"query": "key ***"} and call["reply"]["text"] == "found key ***"
