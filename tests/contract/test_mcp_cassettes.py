"""MCP cassettes: the official mcp client records a real MCP server (the project's own, over streamable HTTP and
stdio) through a mock MCP server, then replays with the server gone; the cassette becomes an MCP scenario."""

from __future__ import annotations

import asyncio
import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from AgentTestLibrary.cassettes import load_cassette, save_cassette
from AgentTestLibrary.cassettes.mcp import McpCassette
from AgentTestLibrary.cassettes.verify import verify
from AgentTestLibrary.mockmcp import MockMCP, mcp_server_from_text
from AgentTestLibrary.secrets import SecretRegistry

AGENTTEST = [sys.executable, "-m", "AgentTestLibrary"]
SENTINEL = "sentinel-mcp-token-Zq81xWv"
UPSTREAM = """
mcp_servers:
  docs:
    instructions: Search the docs first.
    tools:
      - name: search
        description: Search the docs
        inputSchema: {type: object, properties: {query: {type: string}}, required: [query]}
        reply: {text: "results for {{query}}"}
      - name: weather
        inputSchema: {type: object, properties: {city: {type: string}}, required: [city]}
        outputSchema:
          type: object
          properties: {city: {type: string}, celsius: {type: number}}
          required: [city, celsius]
        reply: {structured: {city: "{{city}}", celsius: 21.5}}
      - name: broken
        reply: {error: {code: -32603, message: backend down}}
    resources:
      - {uri: "file:///readme.md", name: readme, mimeType: text/markdown, text: "# Read me"}
    prompts:
      - {name: review, arguments: [{name: code, required: true}], messages: [{role: user, text: "Review {{code}}"}]}
"""


async def agent(client: Client) -> dict[str, Any]:
    """What an agent does with an MCP server: list and call tools, read a resource, get a prompt."""
    tools = await client.list_tools()
    found = await client.call_tool("search", {"query": "mcp"})
    weather = await client.call_tool("weather", {"city": "Oslo"})
    with pytest.raises(MCPError) as broken:
        await client.call_tool("broken", {})
    resources = await client.list_resources()
    readme = await client.read_resource("file:///readme.md")
    prompts = await client.list_prompts()
    review = await client.get_prompt("review", {"code": "x = 1"})
    return {
        "tools": [tool.name for tool in tools.tools],
        "search": found.content[0].text,  # type: ignore[union-attr]
        "weather": weather.structured_content,
        "broken": (broken.value.code, broken.value.message),
        "resources": [str(resource.uri) for resource in resources.resources],
        "readme": readme.contents[0].text,  # type: ignore[union-attr]
        "prompts": [prompt.name for prompt in prompts.prompts],
        "review": review.messages[0].content.text,  # type: ignore[union-attr]
        "instructions": client.instructions,
    }


def run(target: Any) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        async with Client(target) as client:
            return await agent(client)

    return asyncio.run(main())


def recorder(serve: Any, cassette: McpCassette) -> tuple[MockMCP, str]:
    app = MockMCP(secrets=cassette.secrets)  # every revision, the stateless one too: the official client probes it
    app.tape = cassette
    return app, serve(app).url + "/mcp"


EXPECTED = {
    "tools": ["search", "weather", "broken"], "search": "results for mcp", "weather": {"city": "Oslo", "celsius": 21.5},
    "broken": (-32603, "backend down"), "resources": ["file:///readme.md"], "readme": "# Read me",
    "prompts": ["review"], "review": "Review x = 1", "instructions": "Search the docs first.",
}  # fmt: skip


def test_records_a_streamable_http_server_and_replays_it_gone(serve: Any, tmp_path: Path) -> None:
    upstream_server = serve(MockMCP(mcp_server_from_text(UPSTREAM, "<upstream>", "docs")))
    path = tmp_path / "Suite" / "Test.yaml"
    cassette = McpCassette(path, "once", SecretRegistry(), upstream=upstream_server.url + "/mcp")
    _, url = recorder(serve, cassette)
    assert run(url) == EXPECTED
    cassette.close()
    assert cassette.save()
    methods = [episode.request["method"] for episode in load_cassette(path).episodes]
    assert methods[0] == "initialize" and {"tools/list", "tools/call", "resources/read", "prompts/get"} <= set(methods)
    upstream_server.stop()

    replay = McpCassette(path, "none", SecretRegistry(), upstream=upstream_server.url + "/mcp")
    app, url = recorder(serve, replay)
    assert run(url) == EXPECTED
    entries = [entry for entry in app.journal.entries() if entry.kind == "request" and entry.subject]
    assert entries and not any(entry.unmatched for entry in entries)


def test_records_a_stdio_server_for_a_stdio_agent(serve: Any, tmp_path: Path) -> None:
    scenario = tmp_path / "upstream.yaml"
    scenario.write_text(UPSTREAM, encoding="utf-8")
    command = [*AGENTTEST, "mcp", "serve", "--stdio", "--scenario", str(scenario), "--name", "docs"]
    path = tmp_path / "Suite" / "Test.yaml"
    cassette = McpCassette(path, "once", SecretRegistry(), upstream_command=command)
    _, url = recorder(serve, cassette)
    relay = StdioServerParameters(command=AGENTTEST[0], args=[*AGENTTEST[1:], "mcp", "relay", url + "/stdio"])
    assert run(relay) == EXPECTED
    cassette.close()
    cassette.save()

    replay = McpCassette(path, "none", SecretRegistry(), upstream_command=["false"])
    _, url = recorder(serve, replay)
    assert run(url) == EXPECTED  # recorded over stdio, replayed over HTTP: the cassette holds JSON-RPC only


def test_a_replay_miss_names_the_closest_episode_and_tokens_stay_out(serve: Any, tmp_path: Path) -> None:
    upstream_server = serve(MockMCP(mcp_server_from_text(UPSTREAM, "<upstream>", "docs")))
    path = tmp_path / "Suite" / "Test.yaml"
    cassette = McpCassette(path, "once", SecretRegistry(), upstream=upstream_server.url + "/mcp")
    _, url = recorder(serve, cassette)
    http = httpx2.AsyncClient(headers={"authorization": f"Bearer {SENTINEL}"})
    found = asyncio.run(_call(streamable_http_client(url, http_client=http), "search", {"query": f"token {SENTINEL}"}))
    assert found.content[0].text == "results for token <scrubbed>"  # the agent gets what the cassette holds
    cassette.close()
    cassette.save()
    assert SENTINEL not in path.read_text(encoding="utf-8")
    sent = [entry.received_headers.get("authorization") for entry in upstream_server.app.journal.entries()]
    assert sent and all(value for value in sent)  # the token went upstream (the real server needs it), masked there

    replay = McpCassette(path, "none", SecretRegistry(), upstream=upstream_server.url + "/mcp")
    app, url = recorder(serve, replay)
    failed = asyncio.run(_call(url, "search", {"query": "other"}))
    assert isinstance(failed, MCPError) and "no recorded episode matches tools/call" in failed.message
    miss = next(entry for entry in app.journal.entries() if entry.unmatched)
    assert "closest was cassette episode" in miss.near_miss and "params differs" in miss.near_miss


async def _call(target: Any, tool: str, arguments: dict[str, Any]) -> Any:
    """The tool's result, or the JSON-RPC error it got."""
    async with Client(target) as client:
        try:
            return await client.call_tool(tool, arguments)
        except MCPError as error:
            return error


def test_to_scenario_turns_an_mcp_cassette_into_a_mock_mcp_server(serve: Any, tmp_path: Path) -> None:
    upstream_server = serve(MockMCP(mcp_server_from_text(UPSTREAM, "<upstream>", "docs")))
    path = tmp_path / "Suite" / "Test.yaml"
    cassette = McpCassette(path, "once", SecretRegistry(), upstream=upstream_server.url + "/mcp")
    _, url = recorder(serve, cassette)
    run(url)
    cassette.close()
    cassette.save()
    scenario = tmp_path / "scenario.yaml"
    done = subprocess.run([*AGENTTEST, "cassette", "to-scenario", str(path), "-o", str(scenario), "--name", "docs"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    served = serve(MockMCP(mcp_server_from_text(scenario.read_text(encoding="utf-8"), str(scenario), "docs")))
    assert run(served.url + "/mcp") == EXPECTED


def test_verify_resends_mcp_episodes_in_one_session_and_reports_drift(serve: Any, tmp_path: Path) -> None:
    upstream_server = serve(MockMCP(mcp_server_from_text(UPSTREAM, "<upstream>", "docs")))
    path = tmp_path / "cassettes" / "Suite" / "Test.yaml"
    cassette = McpCassette(path, "once", SecretRegistry(), upstream=upstream_server.url + "/mcp")
    _, url = recorder(serve, cassette)
    run(url)
    cassette.close()
    cassette.save()
    live = {"RUN_LIVE_TESTS": "true"}
    report = verify([path.parent], live, SecretRegistry())
    assert {episode.status for episode in report.episodes} == {"clean"}, report.text()
    sessions = {entry.received_headers.get("mcp-session-id") for entry in upstream_server.app.journal.entries()
                if entry.subject and entry.subject.method not in ("initialize", None)}  # fmt: skip
    assert len(sessions - {None}) == 2  # the recording's session, and verify's one

    changed = UPSTREAM.replace('reply: {structured: {city: "{{city}}", celsius: 21.5}}',
                               'reply: {structured: {city: "{{city}}", celsius: 21.5, wind: 3}}')  # fmt: skip
    other = serve(MockMCP(mcp_server_from_text(changed, "<upstream>", "docs")))
    report = verify([path.parent], live, SecretRegistry(), upstreams={"mcp": other.url + "/mcp"})
    assert "field_added body $.result.structuredContent.wind" in report.text(), report.text()

    stdio = load_cassette(path)
    for episode in stdio.episodes:
        episode.request["upstream"] = "touch " + str(tmp_path / "ran")  # a hostile cassette names a command
    save_cassette(stdio)
    report = verify([path.parent], live, SecretRegistry())
    assert {episode.status for episode in report.episodes} == {"skipped"} and not (tmp_path / "ran").exists()
    assert "give --upstream-mcp-command" in report.episodes[0].note
    scenario = tmp_path / "upstream.yaml"
    scenario.write_text(UPSTREAM, encoding="utf-8")
    command = shlex.join([*AGENTTEST, "mcp", "serve", "--stdio", "--scenario", str(scenario), "--name", "docs"])
    report = verify([path.parent], live, SecretRegistry(), upstreams={"mcp_command": command})
    assert {episode.status for episode in report.episodes} == {"clean"}, report.text()


def test_a_request_from_the_real_server_mid_call_is_declined_and_recorded(serve: Any, tmp_path: Path) -> None:
    asking = UPSTREAM.replace(
        "    resources:",
        """      - name: summarise
        inputSchema: {type: object, properties: {topic: {type: string}}}
        reply:
          steps:
            - sample: {prompt: "Summarise {{topic}}", maxTokens: 50}
              as: summary
          text: "summary: {{summary.text}}"
    resources:""",
    )
    upstream_server = serve(MockMCP(mcp_server_from_text(asking, "<upstream>", "docs")))
    path = tmp_path / "Suite" / "Test.yaml"
    cassette = McpCassette(path, "once", SecretRegistry(), upstream=upstream_server.url + "/mcp")
    _, url = recorder(serve, cassette)

    async def never(*_: Any) -> Any:
        raise AssertionError("the recorder answers the real server, not the agent")

    async def agent_that_samples() -> Any:
        async with Client(url, sampling_callback=never) as client:  # it declares sampling: the server asks
            return await client.call_tool("summarise", {"topic": "mcp"})

    result = asyncio.run(agent_that_samples())
    cassette.close()
    cassette.save()
    assert result.is_error and "requests from the server are not relayed" in result.content[0].text
    recorded = load_cassette(path).episodes[-1]
    assert recorded.request["params"] == {"name": "summarise", "arguments": {"topic": "mcp"}}
    assert "requests from the server are not relayed" in json.dumps(recorded.response["body"])
