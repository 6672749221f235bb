"""The mock MCP server's protocol, sans sockets: JSON-RPC, sessions, streamable HTTP framing, the closed world."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest

from AgentTestLibrary.mock.http import Outcome, Request
from AgentTestLibrary.mockmcp import MockMCP, mcp_server_from_text
from AgentTestLibrary.mockmcp.jsonrpc import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    RESOURCE_NOT_FOUND,
    SESSION_NOT_FOUND,
)
from AgentTestLibrary.mockmcp.model import ECHO_SERVER, SUPPORTED_VERSIONS

JSON_AND_SSE = "application/json, text/event-stream"
SCENARIO = """
mcp_servers:
  tools:
    page_size: 2
    tools:
      - name: search
        description: Search the docs
        inputSchema: {type: object, properties: {query: {type: string}, limit: {type: integer}}, required: [query]}
        reply: {text: "nothing about {{query}}"}
      - name: weather
        inputSchema: {type: object, properties: {city: {type: string}}}
        outputSchema: {type: object, properties: {celsius: {type: number}}, required: [celsius]}
        reply: {structured: {celsius: 21}}
      - name: flaky
    rules:
      - name: mcp docs
        when: {tool: search, arguments: {query: {contains: mcp}}}
        reply: {text: "3 pages about {{query}}"}
      - name: flaky twice
        when: {tool: flaky}
        sequence: [{is_error: true, text: try again}, {text: worked}]
      - name: broken backend
        when: {tool: search, arguments: {query: crash}}
        reply: {error: {code: -32603, message: "backend down for {{query}}"}}
    resources:
      - {uri: "file:///readme.md", name: readme, mimeType: text/markdown, text: "# Read me"}
    prompts:
      - name: review
        arguments: [{name: code, required: true}]
        messages: [{role: user, text: "Review {{code}}"}]
"""


class Client:
    """Speaks to a MockMCP through its pipeline the way a streamable HTTP client does."""

    def __init__(self, app: MockMCP, accept: str = JSON_AND_SSE) -> None:
        self.app = app
        self.accept = accept
        self.session = ""
        self.next_id = 0

    def post(self, body: Any, headers: dict[str, str] | None = None, raw: bytes | None = None) -> Outcome:
        sent = {"host": "127.0.0.1:1", "accept": self.accept, "content-type": "application/json", **(headers or {})}
        if self.session:
            sent.setdefault("mcp-session-id", self.session)
        data = raw if raw is not None else json.dumps(body).encode()
        return self.app.pipeline.handle(Request("POST", "/mcp", sent, data))

    def request(self, method: str, params: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
        self.next_id += 1
        outcome = self.post({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}}, headers)
        return message_of(outcome)

    def initialize(self, version: str = "2025-06-18") -> dict[str, Any]:
        self.next_id += 1
        params = {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "unit", "version": "1"}}
        outcome = self.post({"jsonrpc": "2.0", "id": self.next_id, "method": "initialize", "params": params})
        self.session = dict(outcome.headers).get("mcp-session-id", "")
        assert self.post({"jsonrpc": "2.0", "method": "notifications/initialized"}).status == 202
        return message_of(outcome)

    def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        return self.request("tools/call", {"name": tool, "arguments": arguments})


def message_of(outcome: Outcome) -> dict[str, Any]:
    if outcome.events is not None:
        assert len(outcome.events) == 1 and outcome.events[0].name == "message"
        return dict(outcome.events[0].data)
    body = outcome.body_bytes()
    return dict(json.loads(body)) if body else {}


@pytest.fixture
def client() -> Client:
    started = Client(MockMCP(mcp_server_from_text(SCENARIO)))
    started.initialize()
    return started


def test_initialize_negotiates_a_supported_revision_and_opens_a_session() -> None:
    for version in SUPPORTED_VERSIONS:
        client = Client(MockMCP())
        result = client.initialize(version)["result"]
        assert result["protocolVersion"] == version
        assert client.session and result["capabilities"]["tools"] == {"listChanged": True}
        assert result["serverInfo"]["name"] == "agenttest-tools"
    unknown = Client(MockMCP())
    assert unknown.initialize("1999-01-01")["result"]["protocolVersion"] == SUPPORTED_VERSIONS[0]


def test_requests_without_or_with_an_unknown_session_are_refused_as_the_transport_says() -> None:
    client = Client(MockMCP())
    missing = client.post({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert missing.status == 400 and message_of(missing)["error"]["code"] == INVALID_REQUEST
    assert "Mcp-Session-Id" in message_of(missing)["error"]["message"]
    client.session = "not-a-session"
    unknown = client.post({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert unknown.status == 404 and message_of(unknown)["error"]["code"] == SESSION_NOT_FOUND


def test_an_unsupported_protocol_version_header_is_a_400(client: Client) -> None:
    outcome = client.post({"jsonrpc": "2.0", "id": 9, "method": "ping"}, {"mcp-protocol-version": "2099-01-01"})
    assert outcome.status == 400
    assert "Unsupported MCP-Protocol-Version '2099-01-01'" in message_of(outcome)["error"]["message"]


@pytest.mark.parametrize(
    ("response", "sse_for"),
    [("auto", ("text/event-stream",)), ("json", ("text/event-stream",)),
     ("sse", (JSON_AND_SSE, "application/json", "text/event-stream"))],
)  # fmt: skip
def test_json_by_default_whenever_the_client_accepts_it_and_sse_one_setting_away(
    response: str, sse_for: tuple[str, ...]
) -> None:
    """The official client accepts both and pays least for JSON: that is the default; ``response: sse`` streams."""
    for accept in (JSON_AND_SSE, "application/json", "text/event-stream"):
        streamed = accept in sse_for
        client = Client(MockMCP(replace(ECHO_SERVER, response=response)), accept)
        client.initialize()
        outcome = client.post({"jsonrpc": "2.0", "id": 5, "method": "ping"})
        assert (outcome.events is not None) is streamed, accept
        assert outcome.content_type == ("text/event-stream" if streamed else "application/json")
        assert message_of(outcome) == {"jsonrpc": "2.0", "id": 5, "result": {}}
    refused = Client(MockMCP(), "text/html").post({"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert refused.status == 406


def test_malformed_json_batches_and_bad_messages_get_json_rpc_errors(client: Client) -> None:
    broken = client.post(None, raw=b"{not json")
    assert broken.status == 400 and message_of(broken)["error"]["code"] == PARSE_ERROR
    batch = client.post([{"jsonrpc": "2.0", "id": 1, "method": "ping"}])
    assert batch.status == 400 and "batches are not supported" in message_of(batch)["error"]["message"]
    for bad in ({"id": 1, "method": "ping"}, {"jsonrpc": "2.0", "id": True, "method": "ping"}, "text"):
        outcome = client.post(bad)
        assert outcome.status == 400 and message_of(outcome)["error"]["code"] == INVALID_REQUEST, bad
    assert client.request("ping") == {"jsonrpc": "2.0", "id": client.next_id, "result": {}}


def test_unknown_methods_get_method_not_found_and_notifications_get_202(client: Client) -> None:
    error = client.request("server/discover")["error"]
    assert error["code"] == METHOD_NOT_FOUND and "server/discover" in error["message"]
    assert client.post({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {}}).status == 202
    assert client.post({"jsonrpc": "2.0", "id": 3, "result": {}}).status == 202  # a client's response


def test_tools_list_pages_with_an_opaque_cursor(client: Client) -> None:
    first = client.request("tools/list")["result"]
    assert [tool["name"] for tool in first["tools"]] == ["search", "weather"]
    second = client.request("tools/list", {"cursor": first["nextCursor"]})["result"]
    assert [tool["name"] for tool in second["tools"]] == ["flaky"] and "nextCursor" not in second
    assert first["tools"][1]["outputSchema"]["required"] == ["celsius"]
    forged = base64.urlsafe_b64encode(b"agenttest:99").decode()
    assert client.request("tools/list", {"cursor": forged})["error"]["code"] == INVALID_PARAMS
    assert client.request("tools/list", {"cursor": "%%%"})["error"]["code"] == INVALID_PARAMS


def test_rules_match_arguments_fill_templates_and_sequences_advance(client: Client) -> None:
    assert client.call("search", query="mcp servers")["result"]["content"][0]["text"] == "3 pages about mcp servers"
    assert client.call("search", query="cats")["result"]["content"][0]["text"] == "nothing about cats"
    failed = client.call("flaky")["result"]
    assert failed["isError"] is True and failed["content"][0]["text"] == "try again"
    assert client.call("flaky")["result"]["content"][0]["text"] == "worked"
    assert client.call("flaky")["result"]["content"][0]["text"] == "worked"
    error = client.call("search", query="crash")["error"]
    assert error == {"code": -32603, "message": "backend down for crash"}


def test_structured_content_comes_with_its_json_as_text(client: Client) -> None:
    result = client.call("weather", city="Oslo")["result"]
    assert result["structuredContent"] == {"celsius": 21}
    assert json.loads(result["content"][0]["text"]) == {"celsius": 21}


def test_the_closed_world_answers_like_a_real_server_and_marks_the_call_unmatched(client: Client) -> None:
    unknown = client.call("delete_everything")["error"]
    assert unknown == {"code": INVALID_PARAMS, "message": "Unknown tool: delete_everything"}
    invalid = client.call("search", limit="ten")["result"]
    assert invalid["isError"] is True and "missing required property 'query'" in invalid["content"][0]["text"]
    assert "expected integer" in invalid["content"][0]["text"]
    calls = [entry for entry in client.app.journal.entries() if entry.unmatched]
    assert [entry.near_miss.split(":")[0] for entry in calls] == [
        "tool 'delete_everything' is not declared on MCP server 'tools' (declared",
        "the arguments of tool 'search' do not fit its inputSchema",
    ]


def test_without_strict_undeclared_tools_get_a_default_reply() -> None:
    client = Client(MockMCP(mcp_server_from_text("mcp_servers:\n  loose: {strict: false}\n")))
    client.initialize()
    text = client.call("anything", x=1)["result"]["content"][0]["text"]
    assert text == "AgentTestLibrary mock MCP tool 'anything' called with {\"x\": 1}"
    assert not any(entry.unmatched for entry in client.app.journal.entries())


def test_resources_and_prompts(client: Client) -> None:
    assert client.request("resources/list")["result"]["resources"][0]["uri"] == "file:///readme.md"
    contents = client.request("resources/read", {"uri": "file:///readme.md"})["result"]["contents"]
    assert contents == [{"uri": "file:///readme.md", "mimeType": "text/markdown", "text": "# Read me"}]
    assert client.request("resources/read", {"uri": "file:///nope"})["error"]["code"] == RESOURCE_NOT_FOUND
    prompt = client.request("prompts/get", {"name": "review", "arguments": {"code": "x = 1"}})["result"]
    assert prompt["messages"] == [{"role": "user", "content": {"type": "text", "text": "Review x = 1"}}]
    missing = client.request("prompts/get", {"name": "review"})["error"]
    assert missing["code"] == INVALID_PARAMS and "needs argument(s) code" in missing["message"]


def test_delete_ends_a_session_and_get_opens_its_standalone_stream(client: Client) -> None:
    headers = {"host": "127.0.0.1:1", "mcp-session-id": client.session}
    assert client.app.pipeline.handle(Request("GET", "/mcp", headers)).status == 406
    stream = client.app.pipeline.handle(Request("GET", "/mcp", {**headers, "accept": "text/event-stream"}))
    assert stream.status == 200 and stream.feed is not None and stream.content_type == "text/event-stream"
    unknown = {"host": "127.0.0.1:1", "mcp-session-id": "gone", "accept": "text/event-stream"}
    assert client.app.pipeline.handle(Request("GET", "/mcp", unknown)).status == 404
    assert client.app.pipeline.handle(Request("DELETE", "/mcp", headers)).status == 200
    assert client.app.pipeline.handle(Request("DELETE", "/mcp", headers)).status == 404
    assert client.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}).status == 404


def test_journal_entries_name_the_call_and_count_only_requests(client: Client) -> None:
    client.call("search", query="mcp")
    requests = [entry.to_dict() for entry in client.app.journal.entries() if entry.kind == "request"]
    assert [entry["request"]["method"] for entry in requests] == ["initialize", "tools/call"]
    call = requests[-1]
    assert call["request"]["tool"] == "search" and call["request"]["arguments"] == {"query": "mcp"}
    assert call["rule"] == "mcp docs" and call["reply"]["text"] == "3 pages about mcp" and call["protocol"] == "mcp"
    assert call["request"]["protocol_version"] == "2025-06-18"


def test_the_capabilities_name_completions_and_logging_which_the_server_answers() -> None:
    capabilities = Client(MockMCP()).initialize()["result"]["capabilities"]
    assert capabilities["completions"] == {} and capabilities["logging"] == {}


def test_http_level_errors_echo_the_request_id_when_it_is_readable() -> None:
    client = Client(MockMCP())
    missing = client.post({"jsonrpc": "2.0", "id": "a-7", "method": "tools/list"})
    assert missing.status == 400 and message_of(missing)["id"] == "a-7"
    client.session = "not-a-session"
    unknown = client.post({"jsonrpc": "2.0", "id": 41, "method": "tools/list"})
    assert unknown.status == 404 and message_of(unknown)["id"] == 41
    client.initialize()
    version = client.post({"jsonrpc": "2.0", "id": 9, "method": "ping"}, {"mcp-protocol-version": "2099-01-01"})
    assert version.status == 400 and message_of(version)["id"] == 9
    unreadable = client.post(None, raw=b"{not json")
    assert message_of(unreadable)["id"] is None


def test_an_unknown_log_level_and_completion_for_an_unknown_prompt_are_invalid_params(client: Client) -> None:
    assert client.request("logging/setLevel", {"level": "info"})["result"] == {}
    wrong = client.request("logging/setLevel", {"level": "verbose"})["error"]
    assert wrong["code"] == INVALID_PARAMS and "debug, info, notice" in wrong["message"]
    unknown = client.request("completion/complete", {"ref": {"type": "ref/prompt", "name": "nope"},
                                                     "argument": {"name": "code", "value": "x"}})  # fmt: skip
    assert unknown["error"]["code"] == INVALID_PARAMS and "nope" in unknown["error"]["message"]
    known = client.request("completion/complete", {"ref": {"type": "ref/prompt", "name": "review"},
                                                   "argument": {"name": "code", "value": "x"}})  # fmt: skip
    assert known["result"]["completion"]["values"] == []


TEMPLATES = """
mcp_servers:
  docs:
    resource_templates:
      - uriTemplate: "test://template/{id}/data"
        name: item
        mimeType: application/json
        text: '{"id": "{{id}}", "data": "Data for ID: {{id}}"}'
        completions: {id: [alpha, almond, beta]}
    prompts:
      - name: review
        arguments: [{name: language, completions: [python, perl, rust]}]
        messages: [{role: user, text: "Review in {{language}}"}]
"""


def test_resource_templates_are_listed_and_reads_fill_their_placeholders() -> None:
    client = Client(MockMCP(mcp_server_from_text(TEMPLATES)))
    assert "resources" in client.initialize()["result"]["capabilities"]
    listed = client.request("resources/templates/list")["result"]["resourceTemplates"]
    assert listed == [{"uriTemplate": "test://template/{id}/data", "name": "item", "mimeType": "application/json"}]
    content = client.request("resources/read", {"uri": "test://template/12%203/data"})["result"]["contents"][0]
    assert content["uri"] == "test://template/12%203/data"
    assert json.loads(content["text"]) == {"id": "12 3", "data": "Data for ID: 12 3"}
    missing = client.request("resources/read", {"uri": "test://template/1/2/data"})["error"]
    assert missing["code"] == RESOURCE_NOT_FOUND and "test://template/{id}/data" in missing["message"]


def test_completion_offers_the_declared_values_that_start_with_what_was_typed() -> None:
    client = Client(MockMCP(mcp_server_from_text(TEMPLATES)))
    client.initialize()

    def values(ref: dict[str, str], name: str, typed: str) -> Any:
        answer = client.request("completion/complete", {"ref": ref, "argument": {"name": name, "value": typed}})
        return answer.get("result", {}).get("completion", {}).get("values", answer.get("error"))

    assert values({"type": "ref/prompt", "name": "review"}, "language", "P") == ["python", "perl"]
    assert values({"type": "ref/resource", "uri": "test://template/{id}/data"}, "id", "al") == ["alpha", "almond"]
    assert values({"type": "ref/resource", "uri": "test://other/{x}"}, "x", "")["code"] == INVALID_PARAMS


def test_a_client_that_takes_no_stream_gets_the_result_without_notifications_or_an_error_naming_the_need() -> None:
    scenario = """
mcp_servers:
  tools:
    tools:
      - name: slow
        reply: {steps: [{log: started}, {progress: {progress: 1}}], text: done}
      - name: ask
        reply: {steps: [{elicit: {message: Sure?}}], text: asked}
"""
    client = Client(MockMCP(mcp_server_from_text(scenario)), "application/json")
    client.initialize()
    assert client.call("slow")["result"] == {"content": [{"type": "text", "text": "done"}], "isError": False}
    refused = client.call("ask")["result"]
    assert (
        refused["isError"] and "sends the client elicitation/create before its answer" in refused["content"][0]["text"]
    )


STATELESS = "2026-07-28"


def stateless_call(app: MockMCP, method: str, params: dict[str, Any] | None = None, header: str | None = STATELESS,
                   meta: dict[str, Any] | None = None, **extra: str) -> tuple[int, dict[str, Any]]:  # fmt: skip
    """A request of the stateless revision, with the headers streamable HTTP repeats from the body."""
    headers = {"host": "127.0.0.1:1", "accept": JSON_AND_SSE, "content-type": "application/json", "mcp-method": method}
    named = (params or {}).get("name", (params or {}).get("uri"))
    if isinstance(named, str):
        headers["mcp-name"] = named
    headers.update({key.replace("_", "-"): value for key, value in extra.items()})
    if header is not None:
        headers["mcp-protocol-version"] = header
    if meta is None:
        meta = {"io.modelcontextprotocol/protocolVersion": STATELESS, "io.modelcontextprotocol/clientCapabilities": {}}
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": {**(params or {}), "_meta": meta}}
    outcome = app.pipeline.handle(Request("POST", "/mcp", headers, json.dumps(body).encode()))
    return outcome.status, message_of(outcome)


def test_the_stateless_revision_is_served_beside_the_handshake_ones() -> None:
    app = MockMCP(mcp_server_from_text(SCENARIO))
    status, discovered = stateless_call(app, "server/discover")
    result = discovered["result"]
    assert status == 200 and result["supportedVersions"] == [STATELESS] and result["resultType"] == "complete"
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "agenttest-tools"
    assert {"ttlMs": 0, "cacheScope": "private"}.items() <= result.items()
    status, listed = stateless_call(app, "tools/list")
    assert status == 200 and listed["result"]["tools"][0]["name"] == "search" and "ttlMs" in listed["result"]
    status, called = stateless_call(app, "tools/call", {"name": "search", "arguments": {"query": "mcp"}})
    assert called["result"]["content"][0]["text"] == "3 pages about mcp" and "ttlMs" not in called["result"]
    assert not app.journal.entries()[-1].subject.session  # no session was opened
    legacy = Client(app)  # an older client on the same endpoint keeps its handshake
    assert legacy.initialize("2025-06-18")["result"]["protocolVersion"] == "2025-06-18"


@pytest.mark.parametrize(
    ("header", "meta", "status", "code"),
    [(None, None, 400, -32020),
     (STATELESS, {"io.modelcontextprotocol/protocolVersion": STATELESS}, 400, INVALID_PARAMS),
     ("2099-01-01", {"io.modelcontextprotocol/protocolVersion": STATELESS,
                     "io.modelcontextprotocol/clientCapabilities": {}}, 400, -32020),
     ("2099-01-01", {"io.modelcontextprotocol/protocolVersion": "2099-01-01",
                     "io.modelcontextprotocol/clientCapabilities": {}}, 400, -32022)],
)  # fmt: skip
def test_stateless_requests_are_checked_on_every_request(
    header: str | None, meta: dict[str, Any] | None, status: int, code: int
) -> None:
    app = MockMCP()
    got, message = stateless_call(app, "tools/list", header=header, meta=meta or {"x": 1})
    assert (got, message["error"]["code"], message["id"]) == (status, code, 7)
    if code == -32022:
        assert message["error"]["data"] == {"supported": [STATELESS], "requested": "2099-01-01"}


def test_methods_the_stateless_revision_removed_are_404_and_a_server_may_serve_only_the_old_ones() -> None:
    for removed in ("initialize", "ping", "logging/setLevel", "resources/subscribe", "nope/nope"):
        status, message = stateless_call(MockMCP(), removed)
        assert (status, message["error"]["code"]) == (404, METHOD_NOT_FOUND), removed
    legacy_only = MockMCP(replace(ECHO_SERVER, revisions=SUPPORTED_VERSIONS))
    status, message = stateless_call(legacy_only, "server/discover")
    assert status == 400 and "Unsupported MCP-Protocol-Version" in message["error"]["message"]


def test_a_stateless_question_round_trip_and_a_tampered_request_state() -> None:
    scenario = """
mcp_servers:
  tools:
    tools:
      - name: ask
        reply:
          steps:
            - elicit: {message: Name?, schema: {type: object, properties: {name: {type: string}}}}
            - {sample: {prompt: "Greet {{elicitation.name}}"}, required: true}
          text: "{{elicitation.name}}: {{sampling.text}}"
"""
    app = MockMCP(mcp_server_from_text(scenario))
    capable = {"io.modelcontextprotocol/protocolVersion": STATELESS,
               "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}, "sampling": {}}}  # fmt: skip

    def ask(responses: dict[str, Any] | None = None, state: str | None = None, meta: Any = capable) -> Any:
        params: dict[str, Any] = {"name": "ask", "inputResponses": responses or {}}
        if state is not None:
            params["requestState"] = state
        return stateless_call(app, "tools/call", params, meta=meta)

    result = ask()[1]["result"]
    assert result["resultType"] == "input_required" and list(result["inputRequests"]) == ["elicitation"]
    answer = {"elicitation": {"action": "accept", "content": {"name": "Ada"}}}
    second = ask(answer, result["requestState"])[1]["result"]
    assert second["inputRequests"]["sampling"]["params"]["messages"][0]["content"]["text"] == "Greet Ada"
    reply = {"sampling": {"role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "m"}}
    done = ask(reply, second["requestState"])[1]["result"]
    assert done["content"][0]["text"] == "Ada: hi" and done["resultType"] == "complete"
    assert ask({"elicitation": 3}, result["requestState"])[1]["error"]["code"] == INVALID_PARAMS
    tampered = ask(answer, result["requestState"] + "x")[1]["error"]
    assert tampered["code"] == INVALID_PARAMS and "integrity" in tampered["message"]
    status, missing = ask(answer, result["requestState"], meta=None)
    assert (status, missing["error"]["code"]) == (400, -32021)
    assert missing["error"]["data"] == {"requiredCapabilities": {"sampling": {}}}


def test_stateless_headers_must_agree_with_the_body() -> None:
    app = MockMCP()
    call = {"name": "echo", "arguments": {"text": "hi"}}
    assert stateless_call(app, "tools/call", call)[0] == 200
    encoded = "=?base64?" + base64.b64encode(b"echo").decode() + "?="
    assert stateless_call(app, "tools/call", call, mcp_name=encoded)[0] == 200
    for headers in ({"mcp_method": "tools/list"}, {"mcp_name": "other"}, {"mcp_name": "=?base64?%%?="}):
        status, message = stateless_call(app, "tools/call", call, **headers)
        assert (status, message["error"]["code"]) == (400, -32020), headers


def test_x_mcp_header_arguments_must_travel_in_their_headers_too() -> None:
    scenario = """
mcp_servers:
  tools:
    tools:
      - name: route
        inputSchema:
          type: object
          properties: {region: {type: string, x-mcp-header: Region}, n: {type: integer, x-mcp-header: N}}
        reply: {text: "{{region}}"}
"""
    app = MockMCP(mcp_server_from_text(scenario))
    call = {"name": "route", "arguments": {"region": "eu", "n": 42}}
    assert stateless_call(app, "tools/call", call, mcp_param_region="eu", mcp_param_n="42.0")[0] == 200
    assert stateless_call(app, "tools/call", call, mcp_param_region="=?base64?ZXU=?=", mcp_param_n="42")[0] == 200
    for headers in ({"mcp_param_n": "42"}, {"mcp_param_region": "us", "mcp_param_n": "42"},
                    {"mcp_param_region": "=?base64?ZXU?=", "mcp_param_n": "42"}):  # fmt: skip
        status, message = stateless_call(app, "tools/call", call, **headers)
        assert (status, message["error"]["code"]) == (400, -32020), headers


def test_a_scripted_notification_to_all_reaches_every_session_and_listener() -> None:
    scenario = """
mcp_servers:
  tools:
    tools:
      - name: change
        reply: {steps: [{notify: {method: notifications/tools/list_changed, to: all}}], text: changed}
"""
    app = MockMCP(mcp_server_from_text(scenario))
    client = Client(app)
    client.initialize()
    listener = app.listen(5, {"toolsListChanged": True})
    outcome = client.post({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "change"}})
    assert outcome.feed is not None
    events = [step for step in outcome.feed.steps() if not isinstance(step, (float, int))]
    assert [event.data["result"]["content"][0]["text"] for event in events] == ["changed"]  # nothing on the call
    session = app.session(client.session)
    assert session is not None and [item["method"] for item in session.notices.take()[0]] == [
        "notifications/tools/list_changed"]  # fmt: skip
    [tagged] = listener.notices.take()[0]
    assert tagged["params"]["_meta"] == {"io.modelcontextprotocol/subscriptionId": 5}
