"""The official ``mcp`` SDK client against the mock MCP server, over streamable HTTP and stdio, faults included."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockmcp import MockMCP, mcp_server_from_text
from AgentTestLibrary.mockmcp.loader import parse_mcp_fault
from AgentTestLibrary.mockmcp.model import REVISIONS, SUPPORTED_VERSIONS
from AgentTestLibrary.secrets import SecretRegistry
from tests.contract.conftest import Serve

T = TypeVar("T")
CAPTURES = Path(__file__).parents[1] / "fixtures" / "captures" / "mcp"
RELAY = [sys.executable, "-m", "AgentTestLibrary", "mcp", "relay"]
SCENARIO = """
mcp_servers:
  tools:
    page_size: 1
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


def run(session: Callable[[Client], Awaitable[T]], target: Any, mode: str = "auto") -> T:
    async def main() -> T:
        async with Client(target, mode=mode) as client:  # type: ignore[arg-type]
            return await session(client)

    return asyncio.run(main())


@pytest.fixture
def mcp_server(serve: Serve) -> tuple[MockMCP, str]:
    app = MockMCP(mcp_server_from_text(SCENARIO), SecretRegistry())
    return app, serve(app).url


def methods(app: MockMCP) -> list[str]:
    return [entry.subject.method for entry in app.journal.entries() if entry.kind == "request" and entry.subject]


@pytest.mark.parametrize(
    ("response", "revisions", "agreed"),
    [("sse", REVISIONS, "2026-07-28"), ("json", REVISIONS, "2026-07-28"), ("json", SUPPORTED_VERSIONS, "2025-11-25"),
     ("sse", SUPPORTED_VERSIONS, "2025-11-25")],
)  # fmt: skip
def test_discover_or_initialize_list_every_page_and_call_over_streamable_http(
    mcp_server: tuple[MockMCP, str], response: str, revisions: tuple[str, ...], agreed: str
) -> None:
    """The SDK probes server/discover: it gets the stateless revision, or falls back to initialize on a server
    that serves only the handshake revisions."""
    app, base = mcp_server
    app.spec = replace(app.spec, response=response, revisions=revisions)

    async def session(client: Client) -> tuple[Any, ...]:
        names, cursor = [], None
        while True:
            page = await client.list_tools(cursor=cursor, cache_mode="bypass")
            names += [tool.name for tool in page.tools]
            cursor = page.next_cursor
            if not cursor:
                break
        found = await client.call_tool("search", {"query": "mcp"})
        weather = await client.call_tool("weather", {"city": "Oslo"})
        return names, found, weather, client.protocol_version

    names, found, weather, version = run(session, base + "/mcp")
    assert names == ["search", "weather", "broken"]
    assert found.content[0].text == "results for mcp" and found.is_error is False
    assert weather.structured_content == {"city": "Oslo", "celsius": 21.5}  # the SDK checked it against outputSchema
    assert version == agreed
    assert methods(app)[-5:] == ["tools/list", "tools/list", "tools/list", "tools/call", "tools/call"]


def test_is_error_results_are_not_json_rpc_errors(mcp_server: tuple[MockMCP, str]) -> None:
    _, base = mcp_server

    async def session(client: Client) -> tuple[Any, ...]:
        invalid = await client.call_tool("search", {"query": 5})
        with pytest.raises(MCPError) as unknown:
            await client.call_tool("nope", {})
        with pytest.raises(MCPError) as broken:
            await client.call_tool("broken", {})
        return invalid, unknown.value, broken.value

    invalid, unknown, broken = run(session, base + "/mcp")
    assert invalid.is_error is True and "expected string, got integer 5" in invalid.content[0].text
    assert (unknown.code, unknown.message) == (-32602, "Unknown tool: nope")
    assert (broken.code, broken.message) == (-32603, "backend down")


def test_resources_and_prompts_through_the_sdk(mcp_server: tuple[MockMCP, str]) -> None:
    _, base = mcp_server

    async def session(client: Client) -> tuple[Any, ...]:
        resources = await client.list_resources()
        readme = await client.read_resource("file:///readme.md")
        prompt = await client.get_prompt("review", {"code": "x = 1"})
        return resources, readme, prompt

    resources, readme, prompt = run(session, base + "/mcp")
    assert [str(item.uri) for item in resources.resources] == ["file:///readme.md"]
    assert readme.contents[0].text == "# Read me"
    assert prompt.messages[0].content.text == "Review x = 1"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"status": 503, "message": "maintenance"}, "maintenance"),
        ({"rpc_error": -32000, "message": "rate limited by upstream"}, "rate limited by upstream"),
        ({"cut_after_events": 0}, ""),
        ({"malformed": "sse"}, ""),
        ({"malformed": "json"}, ""),
    ],
)
def test_faults_reach_the_sdk_as_errors_and_the_next_call_works(
    mcp_server: tuple[MockMCP, str], fault: dict[str, Any], expected: str
) -> None:
    app, base = mcp_server
    app.add_fault(parse_mcp_fault({"when": {"tool": "search"}, "times": 1, **fault}, "test"), "test")

    async def session(client: Client) -> tuple[str, Any]:
        try:
            await asyncio.wait_for(client.call_tool("search", {"query": "a"}), 10)
            failure = "no error"
        except (MCPError, Exception) as error:  # noqa: BLE001 - the SDK's error type depends on the breakage
            failure = str(error) or type(error).__name__
        return failure, await client.call_tool("search", {"query": "b"})

    failure, recovered = run(session, base + "/mcp")
    assert failure != "no error" and expected in failure
    assert recovered.content[0].text == "results for b"
    faulted = [entry for entry in app.journal.entries() if entry.fault]
    assert len(faulted) == 1 and faulted[0].subject.arguments == {"query": "a"}


def test_an_is_error_fault_and_a_delay(mcp_server: tuple[MockMCP, str]) -> None:
    app, base = mcp_server
    app.add_fault(parse_mcp_fault({"when": {"tool": "search"}, "is_error": True, "message": "index offline",
                                   "delay_ms": 50, "nth": 2}, "test"), "test")  # fmt: skip

    async def session(client: Client) -> list[Any]:
        return [await client.call_tool("search", {"query": str(n)}) for n in range(3)]

    first, second, third = run(session, base + "/mcp")
    assert (first.is_error, second.is_error, third.is_error) == (False, True, False)
    assert second.content[0].text == "index offline"
    entry = next(entry for entry in app.journal.entries() if entry.fault)
    assert entry.delay_s == 0.05 and entry.reply.is_error  # the journal shows what was sent, not the rule's reply


def test_an_expired_session_gets_404_and_a_new_session_works(mcp_server: tuple[MockMCP, str]) -> None:
    app, base = mcp_server
    app.add_fault(parse_mcp_fault({"when": {"tool": "search"}, "expire_session": True, "times": 1}, "test"), "test")

    async def expired(client: Client) -> MCPError:
        with pytest.raises(MCPError) as error:
            await client.call_tool("search", {"query": "a"})
        with pytest.raises(MCPError):  # the session stays gone
            await client.call_tool("search", {"query": "a"})
        return error.value

    error = run(expired, base + "/mcp", "legacy")  # sessions belong to the handshake revisions
    assert error.code == -32001 and "initialize again" in error.message
    again = run(lambda client: client.call_tool("search", {"query": "b"}), base + "/mcp", "legacy")
    assert again.content[0].text == "results for b"
    assert [entry.method for entry in app.journal.entries() if entry.status == 404] == ["POST", "POST", "DELETE"]


def test_stdio_through_the_relay_shares_the_journal_rules_and_faults(mcp_server: tuple[MockMCP, str]) -> None:
    app, base = mcp_server
    app.add_fault(parse_mcp_fault({"when": {"tool": "broken"}, "exit": True}, "test"), "test")
    params = StdioServerParameters(command=RELAY[0], args=[*RELAY[1:], base + "/mcp/stdio"])

    async def session(client: Client) -> tuple[Any, str]:
        found = await client.call_tool("search", {"query": "stdio"})
        try:
            await asyncio.wait_for(client.call_tool("broken", {}), 15)
            died = "no error"
        except Exception as error:  # noqa: BLE001 - a dead stdio server surfaces as the SDK's connection error
            died = type(error).__name__
        return found, died

    async def main() -> tuple[Any, str]:
        try:
            async with Client(params) as client:
                return await session(client)
        except BaseException as group:  # noqa: BLE001 - the SDK's task group reports the dead server on exit
            return None, type(group).__name__

    found, died = asyncio.run(main())
    assert found is None or found.content[0].text == "results for stdio"
    assert died != "no error"
    calls = [entry for entry in app.journal.entries() if entry.subject and entry.subject.method == "tools/call"]
    assert [(entry.transport, entry.subject.tool) for entry in calls] == [("stdio", "search"), ("stdio", "broken")]
    assert "server exits" in calls[-1].fault and not calls[0].fault


def test_agenttest_mcp_serve_stdio_journals_to_a_file_with_secrets_masked(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    sentinel = "sk-live-SENTINEL0123456789abcdef"
    serve = ["-m", "AgentTestLibrary", "mcp", "serve", "--stdio", "--journal", str(journal)]
    params = StdioServerParameters(command=sys.executable, args=serve, env={**os.environ, "MY_API_KEY": sentinel})
    result = run(lambda client: client.call_tool("echo", {"text": f"key {sentinel}"}), params)
    assert result.content[0].text == f"key {sentinel}"  # the tool echoes what it is given; the journal must not
    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    call = next(line for line in lines if line["request"]["method"] == "tools/call")
    assert lines[0]["request"]["method"] == "server/discover" and lines[1]["request"]["method"] == "initialize"
    assert call["transport"] == "stdio" and call["request"]["arguments"] == {"text": "key ***"}
    assert sentinel not in journal.read_text(encoding="utf-8")


def test_agenttest_mcp_serve_prints_one_line_and_serves_the_echo_tool() -> None:
    process = subprocess.Popen([sys.executable, "-m", "AgentTestLibrary", "mcp", "serve"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("MCP_URL=http://127.0.0.1:") and line.endswith("/mcp"), line
        result = run(lambda client: client.call_tool("echo", {"text": "as is"}), line.split("=", 1)[1])
        assert result.content[0].text == "as is"
    finally:
        process.terminate()
        stdout, _ = process.communicate(timeout=15)
    assert process.returncode == 0 and stdout == ""


def test_the_server_survives_garbage_and_answers_the_next_client(mcp_server: tuple[MockMCP, str]) -> None:
    _, base = mcp_server
    with httpx.Client() as raw:
        for body in (b"\xff\xfe", b"[" * 5000, b'{"jsonrpc": "2.0", "id": 1, "method": 7}', b"null"):
            reply = raw.post(base + "/mcp", content=body, headers={"content-type": "application/json"})
            assert reply.status_code == 400 and reply.json()["error"]["code"] in (-32700, -32600)
    assert (
        run(lambda client: client.call_tool("search", {"query": "ok"}), base + "/mcp").content[0].text
        == "results for ok"
    )


@pytest.mark.parametrize("capture", sorted(CAPTURES.glob("*.json")), ids=lambda path: path.stem)
def test_what_the_pinned_agent_clis_sent_gets_the_same_answers_again(capture: Path) -> None:
    """Replays each CLI's captured exchange (initialize .. tools/call) and expects the statuses it got then; its
    GET for the standalone stream now gets one."""
    app = MockMCP()
    server = MockServer(app)
    base = server.start()
    session = ""
    try:
        with httpx.Client() as raw:
            for step in json.loads(capture.read_text(encoding="utf-8")):
                headers = {key: (session if value == "<session>" else value) for key, value in step["headers"].items()}
                body = json.dumps(step["body"]).encode() if step["body"] is not None else None
                if step["method"] == "GET":  # captured when the mock had no standalone stream (405): now it opens
                    with raw.stream("GET", base + "/mcp", headers=headers) as stream:
                        assert stream.status_code == 200 and stream.headers["content-type"] == "text/event-stream"
                    continue
                reply = raw.request(step["method"], base + "/mcp", content=body, headers=headers)
                assert reply.status_code == step["status"], (step, reply.text)
                session = reply.headers.get("mcp-session-id", session)
    finally:
        server.stop()
    called = [
        entry.subject for entry in app.journal.entries() if entry.subject and entry.subject.method == "tools/call"
    ]
    assert [(call.tool, call.arguments) for call in called] == [("echo", {"text": "hello-mcp"})]
