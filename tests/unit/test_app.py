"""The application without sockets: routing, errors in provider shapes, admin API, journal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from AgentTestLibrary.mock.http import Outcome, Request
from AgentTestLibrary.mockllm import MockLLM
from AgentTestLibrary.mockllm.app import STRUCTURED_RULE
from AgentTestLibrary.mockllm.scenario import parse_fault, scenario_from_text
from AgentTestLibrary.secrets import REDACTED, SecretRegistry

USER = {"role": "user", "content": "hello"}


def call(app: MockLLM, method: str, target: str, body: Any = None, headers: dict[str, str] | None = None) -> Outcome:
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    return app.handle(Request(method, target, headers or {}, raw))


def payload(response: Outcome) -> Any:
    return json.loads(response.body_bytes())


def test_default_reply_without_scenario_is_deterministic() -> None:
    app = MockLLM()
    first = payload(call(app, "POST", "/v1/chat/completions", {"model": "m", "messages": [USER]}))
    second = payload(call(app, "POST", "/v1/chat/completions", {"model": "m", "messages": [USER]}))
    assert first["choices"][0]["message"]["content"] == second["choices"][0]["message"]["content"] != ""
    assert first["id"] == second["id"]


def test_invalid_json_gets_provider_shaped_400_and_is_journaled() -> None:
    app = MockLLM()
    response = call(app, "POST", "/v1/messages", b"{not json")
    assert response.status == 400
    error = payload(response)
    assert error["type"] == "error" and error["error"]["type"] == "invalid_request_error"
    assert (
        "not valid JSON" in error["error"]["message"] and "content-type: application/json" in error["error"]["message"]
    )
    assert app.journal.entries()[0].status == 400


def test_missing_field_names_param_in_openai_shape() -> None:
    error = payload(call(MockLLM(), "POST", "/v1/chat/completions", {"messages": [USER]}))["error"]
    assert error["param"] == "model" and "Missing required field 'model'" in error["message"]


def test_unknown_route_suggests_v1_prefix() -> None:
    response = call(MockLLM(), "POST", "/chat/completions", {"model": "m", "messages": [USER]})
    assert response.status == 404
    assert "Did you mean /v1/chat/completions?" in payload(response)["error"]["message"]


def test_wrong_method_is_405_naming_the_allowed_methods_in_allow() -> None:
    answer = call(MockLLM(), "GET", "/v1/messages")
    assert (answer.status, dict(answer.headers).get("allow")) == (405, "POST")  # HTTP requires Allow on a 405
    assert payload(answer)["error"]["message"] == "/v1/messages accepts POST, not GET."


def test_a_method_http_does_not_define_is_501_on_every_mock() -> None:
    answer = call(MockLLM(), "PROPFIND", "/v1/messages")
    assert (
        answer.status == 501
        and "PROPFIND is not an HTTP method this mock implements" in payload(answer)["error"]["message"]
    )


def test_query_string_and_head_root_are_tolerated() -> None:
    app = MockLLM()
    body = {"model": "m", "max_tokens": 5, "messages": [USER]}
    assert call(app, "POST", "/v1/messages?beta=true", body).status == 200
    assert call(app, "HEAD", "/").status == 200


def test_models_in_each_provider_shape() -> None:
    app = MockLLM(scenario_from_text("models: [a, b]\nrules: []\n"))
    assert payload(call(app, "GET", "/v1/models"))["data"][1]["id"] == "b"
    anthropic = payload(call(app, "GET", "/v1/models", headers={"anthropic-version": "2023-06-01"}))
    assert anthropic["first_id"] == "a" and anthropic["last_id"] == "b" and anthropic["has_more"] is False


def test_strict_unmatched_request_is_a_400_with_near_miss() -> None:
    app = MockLLM(
        scenario_from_text("rules:\n  - {name: greet, when: {user_text_contains: bye}, reply: {text: x}}\n", "s.yaml")
    )
    response = call(app, "POST", "/v1/chat/completions", {"model": "m", "messages": [USER]})
    assert response.status == 400
    message = payload(response)["error"]["message"]
    assert "no scenario rule matched" in message and "closest was rule 'greet' (s.yaml:2)" in message
    entry = app.journal.entries()[0]
    assert entry.unmatched and "does not contain 'bye'" in entry.near_miss


def test_non_strict_unmatched_gets_default_reply() -> None:
    app = MockLLM(scenario_from_text("strict: false\nrules: []\n"))
    assert call(app, "POST", "/v1/chat/completions", {"model": "m", "messages": [USER]}).status == 200
    assert not app.journal.entries()[0].unmatched


def test_sequence_advances_per_call_and_resets() -> None:
    app = MockLLM(scenario_from_text("rules:\n  - sequence: [{text: one}, {text: two}]\n"))
    body = {"model": "m", "messages": [USER]}
    texts = [
        payload(call(app, "POST", "/v1/chat/completions", body))["choices"][0]["message"]["content"] for _ in range(3)
    ]
    assert texts == ["one", "two", "two"]
    app.reset_counters()
    assert payload(call(app, "POST", "/v1/chat/completions", body))["choices"][0]["message"]["content"] == "one"


def test_runtime_rules_come_first_and_are_removed_by_scope() -> None:
    app = MockLLM(scenario_from_text("rules:\n  - reply: {text: file}\n"))
    app.add_rule(scenario_from_text("rules:\n  - reply: {text: runtime}\n").rules[0], "test:x")
    body = {"model": "m", "messages": [USER]}
    assert payload(call(app, "POST", "/v1/chat/completions", body))["choices"][0]["message"]["content"] == "runtime"
    app.remove_scope("test:x")
    assert payload(call(app, "POST", "/v1/chat/completions", body))["choices"][0]["message"]["content"] == "file"


def test_scripted_error_reply_uses_status_and_shape() -> None:
    app = MockLLM(scenario_from_text("rules:\n  - reply: {error: {status: 529, message: busy}}\n"))
    response = call(app, "POST", "/v1/messages", {"model": "m", "max_tokens": 5, "messages": [USER]})
    assert response.status == 529 and payload(response)["error"] == {"type": "overloaded_error", "message": "busy"}


def test_journal_redacts_auth_headers_and_known_secret_values() -> None:
    secrets = SecretRegistry({"MY_API_KEY": "sentinel-6f1d2a"})
    app = MockLLM(secrets=secrets)
    body = {"model": "m", "messages": [{"role": "user", "content": "key is sentinel-6f1d2a"}]}
    call(
        app,
        "POST",
        "/v1/chat/completions",
        body,
        {"authorization": "Bearer sentinel-6f1d2a", "x-trace": "sentinel-6f1d2a"},
    )
    dumped = json.dumps([entry.to_dict() for entry in app.journal.entries()])
    assert "sentinel-6f1d2a" not in dumped
    assert app.journal.entries()[0].headers["authorization"] == REDACTED


def test_a_mocks_admin_token_is_masked_while_it_lives_and_leaves_the_registry_when_it_closes() -> None:
    secrets = SecretRegistry({"MY_API_KEY": "sentinel-6f1d2a"})
    apps = [MockLLM(secrets=secrets, admin_token=f"admin-token-{number:04d}-of-a-mock") for number in range(50)]
    assert secrets.mask_text("admin-token-0007-of-a-mock") == "***"
    for app in apps:
        app.close()
    assert secrets.mask_text("admin-token-0007-of-a-mock sentinel-6f1d2a") == "admin-token-0007-of-a-mock ***"
    assert len(secrets) == 1  # fifty mocks came and went; only the run's own secret is left


@pytest.mark.parametrize("garbage", [b"\x00\xff", b"[]", b"null", b"1", b'"x"', b'{"model": "m", "messages": "no"}'])
def test_garbage_never_crashes(garbage: bytes) -> None:
    app = MockLLM()
    for path in ("/v1/chat/completions", "/v1/messages", "/v1/messages/count_tokens"):
        assert call(app, "POST", path, garbage).status == 400


TOKEN = "admin-token-for-the-tests"
ADMIN = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
YAML = {**ADMIN, "content-type": "application/yaml"}


def test_admin_api_journal_reset_scenario_rules() -> None:
    app = MockLLM(admin_token=TOKEN)
    call(app, "POST", "/v1/chat/completions", {"model": "m", "messages": [USER]})
    assert len(payload(call(app, "GET", "/__agenttest/journal", headers=ADMIN))["entries"]) == 1
    assert call(app, "POST", "/__agenttest/reset", headers=ADMIN).status == 200
    assert [entry["kind"] for entry in payload(call(app, "GET", "/__agenttest/journal", headers=ADMIN))["entries"]] == [
        "admin"
    ]  # only the reset itself, journaled as an admin event
    loaded = call(app, "POST", "/__agenttest/scenario", b"rules:\n  - reply: {text: loaded}\n", YAML)
    assert payload(loaded) == {"loaded": True, "rules": 1, "strict": True}
    reply = payload(call(app, "POST", "/v1/chat/completions", {"model": "m", "messages": [USER]}))
    assert reply["choices"][0]["message"]["content"] == "loaded"
    assert call(app, "POST", "/__agenttest/rules", {"reply": {"text": "admin"}}, ADMIN).status == 200
    reply = payload(call(app, "POST", "/v1/chat/completions", {"model": "m", "messages": [USER]}))
    assert reply["choices"][0]["message"]["content"] == "admin"


def test_admin_api_errors_are_explained() -> None:
    app = MockLLM(admin_token=TOKEN)
    bad = payload(call(app, "POST", "/__agenttest/scenario", b"rules:\n  - reply: {txt: x}\n", YAML))
    assert (
        "POST /__agenttest/scenario:2: rules[0].reply.txt: unknown key 'txt'. Did you mean 'text'?"
        in bad["error"]["message"]
    )
    unknown = call(app, "GET", "/__agenttest/nope", headers=ADMIN)
    assert unknown.status == 404 and "POST /__agenttest/reset" in payload(unknown)["error"]["message"]


def test_forced_tool_gets_schema_valid_arguments_even_in_strict_mode() -> None:
    app = MockLLM(scenario_from_text("rules:\n  - {when: {user_text_contains: never}, reply: {text: x}}\n"))
    tool = {
        "name": "extract",
        "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
    }
    body = {
        "model": "m",
        "max_tokens": 5,
        "messages": [USER],
        "tools": [tool],
        "tool_choice": {"type": "tool", "name": "extract"},
    }
    reply = payload(call(app, "POST", "/v1/messages", body))
    assert reply["content"][0]["type"] == "tool_use" and reply["content"][0]["input"] == {"n": 1}
    assert app.journal.entries()[0].rule == STRUCTURED_RULE and not app.journal.entries()[0].unmatched


def test_json_schema_response_format_gets_valid_json() -> None:
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    body = {
        "model": "m",
        "messages": [USER],
        "response_format": {"type": "json_schema", "json_schema": {"name": "r", "schema": schema}},
    }
    content = payload(call(MockLLM(), "POST", "/v1/chat/completions", body))["choices"][0]["message"]["content"]
    assert json.loads(content) == {"ok": True}


def test_responses_chain_is_scoped_to_the_instance_and_cleared_by_reset() -> None:
    app, other = MockLLM(), MockLLM()
    first = payload(call(app, "POST", "/v1/responses", {"model": "m", "input": "hi"}))
    follow = {"model": "m", "input": "again", "previous_response_id": first["id"]}
    assert call(app, "POST", "/v1/responses", follow).status == 200
    assert call(other, "POST", "/v1/responses", follow).status == 400
    app.reset()
    assert call(app, "POST", "/v1/responses", follow).status == 400


def test_scenario_faults_fire_and_restart_per_test() -> None:
    app = MockLLM(scenario_from_text("strict: false\nfaults:\n  - {status: 503, nth: 2, message: second call fails}\n"))
    body = {"model": "m", "messages": [USER]}
    statuses = [call(app, "POST", "/v1/chat/completions", body).status for _ in range(3)]
    assert statuses == [200, 503, 200]
    assert "fault 'faults[0]': status 503 (matching call #2)" in app.journal.entries()[1].fault
    app.reset_counters()
    assert [call(app, "POST", "/v1/chat/completions", body).status for _ in range(2)] == [200, 503]


def test_a_faulted_request_journals_the_error_it_got_not_the_rules_tool_call() -> None:
    app = MockLLM(scenario_from_text("rules:\n  - {name: call, reply: {tool_calls: [{name: ls, arguments: {}}]}}\n"))
    app.add_fault(parse_fault({"status": 429, "times": 1}, "test"), "test")
    body = {"model": "m", "messages": [USER]}
    first, second = (call(app, "POST", "/v1/chat/completions", body) for _ in range(2))
    assert (first.status, second.status) == (429, 200)
    faulted, answered = (entry.to_dict() for entry in app.journal.entries())
    assert faulted["reply"]["tool_calls"] == [] and "429" in faulted["reply"]["error"]
    assert faulted["rule"] == "call" and "status 429" in faulted["fault"]
    assert answered["reply"]["tool_calls"][0]["name"] == "ls"


QUERY_SENTINEL = "sentinel-query-Zq81LwPx"


def _apps_reached_with(target: str) -> list[tuple[str, Any]]:
    """Each mock protocol's app, after one request to ``target`` (path and query) on one of its routes."""
    from AgentTestLibrary.mockmcp import MockMCP
    from AgentTestLibrary.mockservice import MockService, load_service

    service, model, mcp = MockService(load_service("github", "github")), MockLLM(), MockMCP()
    service.handle(Request("GET", f"/repos/acme/app{target}", {}))
    call(model, "POST", f"/v1/chat/completions{target}", {"model": "m", "messages": [USER]})
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
            "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}  # fmt: skip
    mcp.handle(Request("POST", f"/mcp{target}", {"content-type": "application/json",
                                                 "accept": "application/json, text/event-stream"},
                       json.dumps(body).encode()))  # fmt: skip
    return [("service", service), ("model", model), ("mcp", mcp)]


@pytest.mark.parametrize("parameter", ["access_token", "token", "api_key", "key", "sig", "Client_Secret"])
def test_a_credential_query_parameter_is_masked_wherever_a_mock_journals_or_logs_it(parameter: str) -> None:
    for name, app in _apps_reached_with(f"?page=1&{parameter}={QUERY_SENTINEL}"):
        [entry] = app.journal.entries()
        journaled = json.dumps(entry.to_dict())
        assert QUERY_SENTINEL not in journaled, f"{name} journal: {journaled[:600]}"
        assert app.pipeline.secrets.mask_text(f"said {QUERY_SENTINEL}") == "said ***", f"{name}: the log would show it"


def test_a_short_credential_query_value_is_masked_in_the_service_request_view() -> None:
    [(_, service), *_] = _apps_reached_with("?token=abc12&page=1")
    [entry] = service.journal.entries()
    assert entry.to_dict()["request"]["query"] == {"token": "***", "page": "1"}


def _scrambled(value: Any) -> None:
    """Empties every dict and list inside ``value`` (what a test editing what a keyword returned might do)."""
    children = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []
    for child in children:
        _scrambled(child)
    if isinstance(value, (dict, list)):
        value.clear()


def test_what_service_keywords_take_and_hand_out_shares_nothing_with_the_mock() -> None:
    from AgentTestLibrary.environment import EnvironmentPatch
    from AgentTestLibrary.keywords import LibraryContext
    from AgentTestLibrary.keywords.scopes import Scope
    from AgentTestLibrary.keywords.served import Served
    from AgentTestLibrary.keywords.services import ServiceKeywords
    from AgentTestLibrary.mockservice import MockService, load_service

    keywords = ServiceKeywords(LibraryContext(scopes=[Scope("suite", "S", "S", "S"), Scope("test", "S.T", "T", "S")]))
    app = MockService(load_service("github", "github"))
    keywords.servers["github"] = Served("github", app, None, "S", EnvironmentPatch({}))  # type: ignore[arg-type]
    issue = {"number": 7, "title": "Crash", "labels": [{"name": "bug"}]}
    seeded = [json.loads(json.dumps(issue))]
    keywords.seed_service_collection("github", "issues", seeded)
    _scrambled(seeded)  # the list the test seeded from
    answered = {**issue, "comments": 0}  # as the mock answers it: with its counts
    got = keywords.get_service_collection("github", "issues")
    assert got == [answered]
    _scrambled(got)  # what the keyword handed out
    assert keywords.get_service_collection("github", "issues") == [answered]
    app.reset_counters()  # the next test starts from the seed as given
    assert keywords.get_service_collection("github", "issues") == [answered]
    keywords.seed_service_collection("github", "comments", [{"id": 1, "issue_number": 7, "body": "+1"}])
    assert keywords.get_service_collection("github", "issues")[0]["comments"] == 1


def test_a_journal_entry_read_twice_shares_nothing_with_the_first_reading() -> None:
    for name, app in _apps_reached_with("?page=1"):
        [entry] = app.journal.entries()
        first = entry.to_dict()
        kept = json.dumps(first, sort_keys=True)
        _scrambled(first)
        assert json.dumps(entry.to_dict(), sort_keys=True) == kept, name


def test_a_patterned_path_is_matched_once_and_answers_alike_after() -> None:
    from AgentTestLibrary.mock.pipeline import MAX_PATTERNED, RouteTable

    table = MockLLM().pipeline.routes
    assert isinstance(table, RouteTable)
    first = table.find("POST", "/v1beta/models/gemini-2.5-flash:generateContent")
    assert first.params == {"model": "gemini-2.5-flash", "method": "generateContent"}
    assert table.find("POST", "/v1beta/models/gemini-2.5-flash:generateContent") is first
    wrong = table.find("GET", "/v1beta/models/gemini-2.5-flash:generateContent")
    assert wrong.endpoint is None and wrong.allowed == ("POST",)  # the method is part of what is kept
    for number in range(MAX_PATTERNED * 2):  # a client inventing paths cannot grow what is kept
        assert table.find("POST", f"/v1beta/models/m{number}:generateContent").params["model"] == f"m{number}"
    assert len(table._patterned) <= MAX_PATTERNED


def test_a_responses_id_is_worked_out_for_its_reply_not_kept_for_another() -> None:
    from AgentTestLibrary.mockllm.conversation import Reply
    from AgentTestLibrary.mockllm.protocols import OpenAIResponsesCodec

    codec = OpenAIResponsesCodec()
    conversation = codec.parse({"model": "gpt-5", "input": "hello"}, {}).fingerprinted(b"hello")
    one, other = Reply("one"), Reply("other")
    assert codec.response_id(one, conversation) == codec.response_id(one, conversation)
    assert codec.response_id(other, conversation) != codec.response_id(one, conversation)
    events = codec.render_events(other, conversation, {"model": "gpt-5", "input": "hello"})
    assert events[0].data["response"]["id"] == codec.response_id(other, conversation)
