"""Use MCP Cassettes from Robot: a subprocess agent (the official mcp client) records a real MCP server through the
mock, then replays with the server gone; its token and a key it sends reach no file of either run."""

from __future__ import annotations

from pathlib import Path

from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockmcp import MockMCP, mcp_server_from_text
from tests.acceptance.robot_run import run_robot

TOKEN = "sentinel-mcp-bearer-Hy62KdWq"
SHAPED = "sk-proj-sentinelMcpArgument0123456789"
UPSTREAM = """
mcp_servers:
  docs:
    tools:
      - name: search
        inputSchema: {type: object, properties: {query: {type: string}}, required: [query]}
        reply: {text: "results for {{query}}"}
"""
AGENT = f"""
import asyncio, os, httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

async def main():
    http = httpx2.AsyncClient(headers={{"authorization": "Bearer {TOKEN}"}})
    async with Client(streamable_http_client(os.environ["AGENTTEST_MCP_DOCS_URL"], http_client=http)) as client:
        found = await client.call_tool("search", {{"query": "key {SHAPED}"}})
        print(found.content[0].text)

asyncio.run(main())
"""
SUITE = """
*** Settings ***
Library    Process
Library    AgentTestLibrary
Suite Setup    Run Keywords    Start Mock MCP Server    docs    AND
...    Use MCP Cassettes    docs    ${CASSETTES}    upstream=${UPSTREAM}    record_mode=${MODE}
Test Tags    lane:no-model

*** Test Cases ***
Agent Searches
    ${result}=    Run Process    ${PYTHON}    ${CURDIR}/agent.py
    Should Be Equal    ${result.stdout}    results for key <scrubbed>    ${result.stderr}
    MCP Tool Should Have Been Called    search    server=docs    times=1
"""


def test_record_then_replay_an_mcp_server_through_robot_leaks_nothing(tmp_path: Path) -> None:
    upstream = MockServer(MockMCP(mcp_server_from_text(UPSTREAM, "<upstream>", "docs")))
    url = upstream.start() + "/mcp"
    cassettes = tmp_path / "cassettes"
    suites = {"flow.robot": SUITE, "agent.py": AGENT}
    options = ("--variable", f"CASSETTES:{cassettes}", "--variable", f"UPSTREAM:{url}", "--loglevel", "TRACE")
    try:
        (tmp_path / "record").mkdir()
        recorded = run_robot(tmp_path / "record", suites, {}, *options, "--variable", "MODE:once")
        calls = [entry for entry in upstream.app.journal.entries() if entry.subject and entry.subject.tool]
        assert calls and calls[0].received_headers.get("authorization") == f"Bearer {TOKEN}"  # it went upstream
    finally:
        upstream.stop()
    assert recorded.statuses["Agent Searches"] == ("PASS", ""), recorded.stdout

    (tmp_path / "replay").mkdir()
    replayed = run_robot(tmp_path / "replay", suites, {}, *options, "--variable", "MODE:none")
    assert replayed.statuses["Agent Searches"] == ("PASS", ""), replayed.stdout

    cassette = cassettes / "Flow" / "Agent_Searches.yaml"
    written = [
        cassette,
        *(path for run in (recorded, replayed) for path in run.output_dir.rglob("*") if path.is_file()),
    ]
    assert any("evidence" in str(path) for path in written)
    for path in written:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert TOKEN not in text and SHAPED not in text, path
