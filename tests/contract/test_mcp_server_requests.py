"""Server-to-client traffic with the official ``mcp`` client: logs and progress mid-call, elicitation, sampling."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters, types

from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockmcp import MockMCP, mcp_server_from_text, stdio
from AgentTestLibrary.mockmcp.model import ClientAnswer, McpRequest, Prompt, Resource, ServerRequest, Tool
from AgentTestLibrary.mockmcp.stdio import LocalExchange, serve_lines
from AgentTestLibrary.secrets import SecretRegistry

pytestmark = pytest.mark.filterwarnings("ignore:.*2026-07-28")  # the SDK's notes on the next (stateless) revision
SCENARIO = """
mcp_servers:
  tools:
    tools:
      - name: deploy
        inputSchema: {type: object, properties: {service: {type: string}}}
        reply:
          steps:
            - log: {level: info, data: "deploying {{service}}", logger: deployer}
            - log: {level: debug, data: "noisy detail"}
            - progress: {progress: 50, total: 100, message: halfway}
              after_ms: 10
            - progress: {progress: 100, total: 100}
          text: "{{service}} deployed"
      - name: register
        reply:
          steps:
            - required: true
              elicit:
                message: Who are you?
                schema:
                  type: object
                  properties:
                    name: {type: string, default: Ada}
                    plan: {type: string, enum: [free, pro]}
                  required: [name]
          text: "registered {{elicitation.name}} on {{elicitation.plan}}"
          declined: {text: "registration declined", is_error: true}
          cancelled: {text: "registration cancelled"}
      - name: login
        reply:
          steps:
            - elicit: {message: Sign in, url: "https://auth.example.test/login", elicitationId: e-1}
          text: "login {{elicitation.action}}"
      - name: summarise
        reply:
          steps:
            - sample: {prompt: "Summarise {{topic}}", maxTokens: 50, systemPrompt: Be brief}
              as: summary
          text: "summary by {{summary.model}}: {{summary.text}}"
"""


@pytest.fixture
def served() -> Iterator[tuple[MockMCP, str]]:
    app = MockMCP(mcp_server_from_text(SCENARIO), SecretRegistry())
    server = MockServer(app)
    base = server.start()
    yield app, base + "/mcp"
    server.stop()


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(item.text for item in result.content if isinstance(item, types.TextContent))


def questions(app: MockMCP) -> list[tuple[ServerRequest, ClientAnswer]]:
    return [(entry.subject, entry.reply) for entry in app.journal.entries() if entry.kind == "server-request"]


def test_logs_and_progress_arrive_before_the_result_and_follow_the_level(served: tuple[MockMCP, str]) -> None:
    app, url = served
    logs: list[types.LoggingMessageNotificationParams] = []
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        logs.append(params)

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async def main() -> tuple[str, str]:
        async with Client(url, logging_callback=on_log, mode="legacy") as client:
            first = await client.call_tool("deploy", {"service": "api"}, progress_callback=on_progress)
            await client.set_logging_level("info")
            second = await client.call_tool("deploy", {"service": "web"})
            return text_of(first), text_of(second)

    assert asyncio.run(main()) == ("api deployed", "web deployed")
    assert [(log.level, log.data, log.logger) for log in logs] == [
        ("info", "deploying api", "deployer"),
        ("debug", "noisy detail", None),
        ("info", "deploying web", "deployer"),
    ]
    assert progress == [(50, 100, "halfway"), (100, 100, None)]  # only the call that sent a progressToken
    replies = [entry.reply for entry in app.journal.entries() if isinstance(entry.subject, McpRequest)
               and entry.subject.tool]  # fmt: skip
    assert [reply.text for reply in replies] == ["api deployed", "web deployed"]  # the journal has the result


@pytest.mark.parametrize(
    ("action", "content", "expected", "is_error"),
    [("accept", {"name": "Grace", "plan": "pro"}, "registered Grace on pro", False),
     ("decline", None, "registration declined", True), ("cancel", None, "registration cancelled", False)],
)  # fmt: skip
def test_an_elicitation_is_answered_from_the_form_or_declined_or_cancelled(
    served: tuple[MockMCP, str], action: str, content: dict[str, Any] | None, expected: str, is_error: bool
) -> None:
    app, url = served
    asked: list[types.ElicitRequestParams] = []

    async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params)
        return types.ElicitResult(action=action, content=content)  # type: ignore[arg-type]

    async def main() -> types.CallToolResult:
        async with Client(url, elicitation_callback=elicit, mode="legacy") as client:
            return await client.call_tool("register", {})

    result = asyncio.run(main())
    assert (text_of(result), result.is_error) == (expected, is_error)
    schema = asked[0].requested_schema  # type: ignore[union-attr]
    assert asked[0].message == "Who are you?" and schema["properties"]["name"]["default"] == "Ada"
    assert schema["properties"]["plan"]["enum"] == ["free", "pro"]
    [(question, answer)] = questions(app)
    assert (question.method, question.tool, answer.action) == ("elicitation/create", "register", action)


def test_url_mode_elicitation_and_sampling_answered_by_the_client(served: tuple[MockMCP, str]) -> None:
    app, url = served
    sampled: list[types.CreateMessageRequestParams] = []

    async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        assert isinstance(params, types.ElicitRequestURLParams) and params.url == "https://auth.example.test/login"
        return types.ElicitResult(action="accept")

    async def sample(context: Any, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
        sampled.append(params)
        return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text="short"),
                                         model="tiny-1", stop_reason="endTurn")  # fmt: skip

    async def main() -> tuple[str, str]:
        async with Client(url, elicitation_callback=elicit, sampling_callback=sample, mode="legacy") as client:
            login = await client.call_tool("login", {})
            summary = await client.call_tool("summarise", {"topic": "MCP"})
            return text_of(login), text_of(summary)

    assert asyncio.run(main()) == ("login accept", "summary by tiny-1: short")
    assert sampled[0].max_tokens == 50 and sampled[0].system_prompt == "Be brief"
    assert sampled[0].messages[0].content.text == "Summarise MCP"  # type: ignore[union-attr]
    assert [question.method for question, _ in questions(app)] == ["elicitation/create", "sampling/createMessage"]


def test_a_client_without_the_capability_gets_an_is_error_result_naming_it(served: tuple[MockMCP, str]) -> None:
    async def main() -> types.CallToolResult:
        async with Client(served[1], mode="legacy") as client:
            return await client.call_tool("register", {})

    result = asyncio.run(main())
    assert result.is_error and "did not declare the 'elicitation' capability" in text_of(result)


def test_subscriptions_and_list_changes_reach_the_client_on_its_standalone_stream() -> None:
    scenario = """
mcp_servers:
  tools:
    resources: [{uri: "test://watched", name: watched, text: v1}]
    prompts:
      - name: look
        messages:
          - {role: user, content: {type: image, mimeType: image/png, data: aGk=}}
          - {role: user, content: {type: resource, resource: {uri: "test://watched", text: v1}}}
          - {role: user, content: {type: audio, mimeType: audio/wav, data: aGk=}}
"""
    app = MockMCP(mcp_server_from_text(scenario), SecretRegistry())
    server = MockServer(app)
    url = server.start() + "/mcp"
    heard: list[str] = []
    arrived = asyncio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ServerNotification):
            heard.append(message.method)
            if len(heard) == 3:
                arrived.set()

    async def main() -> tuple[list[str], str]:
        async with Client(url, message_handler=on_message, mode="legacy") as client:
            kinds = [message.content.type for message in (await client.get_prompt("look")).messages]
            await client.subscribe_resource("test://watched")
            # queued for the session: the standalone stream delivers them whenever the client has opened it
            app.add_resource(Resource("test://watched", "watched", text="v2"), "test")
            app.add_resource(Resource("test://other", "other", text="new"), "test")
            app.add_tool(Tool("late"), None, "test")
            await asyncio.wait_for(arrived.wait(), 10)
            text = (await client.read_resource("test://watched")).contents[0].text  # type: ignore[union-attr]
            return kinds, text

    try:
        kinds, text = asyncio.run(main())
    finally:
        server.stop()
    assert kinds == ["image", "resource", "audio"]
    assert heard == ["notifications/resources/updated", "notifications/resources/list_changed",
                     "notifications/tools/list_changed"]  # fmt: skip
    assert text == "v2"


def test_on_the_stateless_revision_questions_come_as_input_required_rounds(served: tuple[MockMCP, str]) -> None:
    """The SDK discovers 2026-07-28: the same scripted questions arrive as InputRequiredResult rounds, which the SDK
    answers through the same callbacks and retries; a changed requestState is refused."""
    app, url = served

    async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"name": "Grace", "plan": "free"})

    async def sample(context: Any, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
        return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text="brief"),
                                         model="tiny-2", stop_reason="endTurn")  # fmt: skip

    async def main() -> tuple[str, str, str]:
        async with Client(url, elicitation_callback=elicit, sampling_callback=sample) as client:
            registered = await client.call_tool("register", {})
            summary = await client.call_tool("summarise", {"topic": "MCP"})
            return text_of(registered), text_of(summary), client.protocol_version

    assert asyncio.run(main()) == ("registered Grace on free", "summary by tiny-2: brief", "2026-07-28")
    asked = questions(app)
    assert [(question.method, question.session, answer.action) for question, answer in asked] == [
        ("elicitation/create", "", "accept"), ("sampling/createMessage", "", "")]  # fmt: skip


def test_on_the_stateless_revision_changes_arrive_on_a_listen_stream() -> None:
    scenario = 'mcp_servers:\n  tools:\n    resources: [{uri: "test://w", name: w, text: v1}]\n'
    app = MockMCP(mcp_server_from_text(scenario), SecretRegistry())
    server = MockServer(app)
    url = server.start() + "/mcp"

    async def main() -> tuple[list[str], str, str]:
        async with Client(url) as client:
            events: list[str] = []
            async with client.listen(tools_list_changed=True, resource_subscriptions=["test://w"]) as subscription:
                app.add_tool(Tool("late"), None, "test")
                app.add_prompt(Prompt("unasked"), "test")  # not in the filter: not sent
                app.add_resource(Resource("test://w", "w", text="v2"), "test")
                async for event in subscription:
                    events.append(type(event).__name__)
                    if len(events) == 2:
                        break
            text = (await client.read_resource("test://w")).contents[0].text  # type: ignore[union-attr]
            return events, text, client.protocol_version

    try:
        events, text, version = asyncio.run(main())
    finally:
        server.stop()
    assert (events, text, version) == (["ToolsListChanged", "ResourceUpdated"], "v2", "2026-07-28")
    listened = next(
        entry for entry in app.journal.entries() if entry.subject and entry.subject.method == "subscriptions/listen"
    )
    assert listened.status == 200


def test_over_stdio_the_relay_streams_notifications_and_questions(served: tuple[MockMCP, str]) -> None:
    """A handshake client over stdio (as Claude Code, Codex and Gemini CLI start servers): the relay writes each
    event of the streamed answer as a line and carries the client's answer back."""
    app, url = served
    relay = StdioServerParameters(command=sys.executable, args=["-m", "AgentTestLibrary", "mcp", "relay",
                                                                url.removesuffix("/mcp") + "/mcp/stdio"])  # fmt: skip
    logs: list[Any] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        logs.append(params.data)

    async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"name": "Linus", "plan": "pro"})

    async def main() -> tuple[str, str]:
        async with Client(relay, elicitation_callback=elicit, logging_callback=on_log, mode="legacy") as client:
            deployed = await client.call_tool("deploy", {"service": "db"})
            registered = await client.call_tool("register", {})
            return text_of(deployed), text_of(registered)

    assert asyncio.run(main()) == ("db deployed", "registered Linus on pro")
    assert logs == ["deploying db", "noisy detail"]
    [(question, answer)] = questions(app)
    assert question.method == "elicitation/create" and answer.action == "accept"


def test_agenttest_mcp_serve_stdio_streams_notifications_and_questions_and_journals_them_complete(
    tmp_path: Path,
) -> None:
    """The server in the stdio process itself (no test process behind it) streams as the relay does: logs before
    the result, a question whose answer comes on a later line; its journal file holds each exchange once complete,
    in order."""
    scenario, journal = tmp_path / "tools.yaml", tmp_path / "journal.jsonl"
    scenario.write_text(SCENARIO, encoding="utf-8")
    arguments = ["-m", "AgentTestLibrary", "mcp", "serve", "--stdio", "--scenario", str(scenario), "--name", "tools",
                 "--journal", str(journal)]  # fmt: skip
    serve = StdioServerParameters(command=sys.executable, args=arguments)
    logs: list[Any] = []
    progress: list[float] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        logs.append(params.data)

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"name": "Grace", "plan": "free"})

    async def main() -> tuple[str, str]:
        async with Client(serve, elicitation_callback=elicit, logging_callback=on_log, mode="legacy") as client:
            deployed = await client.call_tool("deploy", {"service": "api"}, progress_callback=on_progress)
            registered = await client.call_tool("register", {})
            return text_of(deployed), text_of(registered)

    assert asyncio.run(main()) == ("api deployed", "registered Grace on free")
    assert (logs, progress) == (["deploying api", "noisy detail"], [50, 100])
    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    assert [line["index"] for line in lines] == list(range(len(lines)))
    calls = {line["request"]["tool"]: line for line in lines if line["request"].get("method") == "tools/call"}
    assert calls["deploy"]["reply"]["result"]["content"][0]["text"] == "api deployed"
    assert calls["register"]["reply"]["result"]["content"][0]["text"] == "registered Grace on free"
    [asked] = [line for line in lines if line["kind"] == "server-request"]
    assert asked["request"]["method"] == "elicitation/create" and asked["reply"]["action"] == "accept"


def test_a_stdio_stream_the_client_leaves_is_closed_and_journaled_as_left(tmp_path: Path) -> None:
    """stdin closes while a tool waits for the client's answer: the stream ends, its entry says why."""
    app = MockMCP(mcp_server_from_text(SCENARIO), SecretRegistry())
    journal, stdout = tmp_path / "journal.jsonl", io.BytesIO()
    opening = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
               "capabilities": {"elicitation": {}}, "clientInfo": {"name": "t", "version": "1"}}}  # fmt: skip
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "register", "arguments": {}}}
    exchange = LocalExchange(app, journal, stdout)
    assert serve_lines(exchange, io.BytesIO(b"%s\n%s\n" % (json.dumps(opening).encode(),
                                                            json.dumps(call).encode())), stdout) == 0  # fmt: skip
    exchange.close()
    written = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [line.get("method") for line in written] == [None, "elicitation/create"]  # no result: the client left
    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    left = next(line for line in lines if line["request"].get("method") == "tools/call")
    assert left["error"] == "the client closed the tools/call stream before its result"
    assert exchange.streaming == {}


def test_past_the_streams_a_stdio_server_runs_at_once_a_call_is_answered_without_its_stream(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(stdio, "MAX_STREAMS", 0)
    app = MockMCP(mcp_server_from_text(SCENARIO), SecretRegistry())
    stdout = io.BytesIO()
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "deploy", "arguments": {"service": "db"}}}  # fmt: skip
    exchange = LocalExchange(app, None, stdout)
    assert serve_lines(exchange, io.BytesIO(json.dumps(call).encode() + b"\n"), stdout) == 0
    exchange.close()
    [answer] = [json.loads(line) for line in stdout.getvalue().splitlines()]  # the result, no notifications before it
    assert answer["id"] == 1 and answer["result"]["content"][0]["text"] == "db deployed"
    assert "0 streamed answers are running; this line is answered without a stream" in capsys.readouterr().err


def test_a_client_that_never_answers_gets_an_is_error_result_after_the_answer_timeout() -> None:
    scenario = """
mcp_servers:
  tools:
    answer_timeout_s: 0.2
    tools:
      - name: ask
        reply: {steps: [{elicit: {message: Still there?}}], text: "answered {{elicitation.action}}"}
"""
    app = MockMCP(mcp_server_from_text(scenario), SecretRegistry())
    server = MockServer(app)
    url = server.start() + "/mcp"
    answered = asyncio.Event()

    async def silent(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        await answered.wait()  # never set: the user walked away
        return types.ElicitResult(action="cancel")

    async def main() -> types.CallToolResult:
        async with Client(url, elicitation_callback=silent, mode="legacy") as client:
            return await client.call_tool("ask", {})

    try:
        result = asyncio.run(main())
    finally:
        server.stop()
    assert result.is_error and "did not answer elicitation/create: no answer within 0.2 s" in text_of(result)
    [(question, answer)] = questions(app)
    assert (question.method, answer.unanswered) == ("elicitation/create", "no answer within 0.2 s")


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_a_prompt_asks_the_user_before_it_answers_on_every_revision(mode: str) -> None:
    scenario = """
mcp_servers:
  tools:
    prompts:
      - name: brief
        steps: [{elicit: {message: Which audience?, schema: {type: object, properties: {who: {type: string}}}}}]
        messages: [{role: user, text: "Write for {{elicitation.who}}"}]
"""
    app = MockMCP(mcp_server_from_text(scenario), SecretRegistry())
    server = MockServer(app)
    url = server.start() + "/mcp"

    async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"who": "operators"})

    async def main() -> str:
        async with Client(url, elicitation_callback=elicit, mode=mode) as client:  # type: ignore[arg-type]
            prompt = await client.get_prompt("brief")
            return prompt.messages[0].content.text  # type: ignore[union-attr]

    try:
        text = asyncio.run(main())
    finally:
        server.stop()
    assert text == "Write for operators"
    assert [question.method for question, _ in questions(app)] == ["elicitation/create"]
