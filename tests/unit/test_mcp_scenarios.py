"""MCP server declarations: every mistake names file:line, the key and the fix; the parts they are built from."""

from __future__ import annotations

from pathlib import Path

import pytest

from AgentTestLibrary.errors import McpConfigError, ScenarioError
from AgentTestLibrary.harness.mcp_config import McpTarget, install_mcp_config
from AgentTestLibrary.mock.conditions import parse_conditions
from AgentTestLibrary.mock.schema import MAX_STEPS, problems
from AgentTestLibrary.mock.templates import MAX_RENDERED, TRUNCATED, fill, fill_data
from AgentTestLibrary.mockllm.scenario import scenario_from_text
from AgentTestLibrary.mockmcp import load_mcp_server, mcp_server_from_text, server_names
from AgentTestLibrary.mockmcp.loader import parse_mcp_fault

SEARCH = "      - name: search\n        inputSchema: {type: object, properties: {q: {type: string}}}\n"


def server(body: str, name: str | None = "tools") -> str:
    return f"mcp_servers:\n  {name}:\n{body}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (server("    tols: []\n"), r"<s>:3: mcp_servers\.tools\.tols: unknown key 'tols'\. Did you mean 'tools'\?"),
        (server("    tools:\n      - name: 'bad name!'\n"), r":4: .*tools\[0\]\.name: tool names are 1-128"),
        (server("    tools:\n" + SEARCH + SEARCH), r"tools\[1\]\.name: duplicate tool name 'search'"),
        (server("    tools:\n      - name: t\n        inputSchema: {type: array}\n"), r"describes an object"),
        (server("    tools:\n      - name: t\n        inputSchema: {type: strnig}\n"), r"unknown type 'strnig'"),
        (
            server("    rules:\n      - when: {tool: ghost}\n        reply: {text: x}\n"),
            r"rules\[0\]\.when\.tool: tool 'ghost' is not declared under tools \(declared: none\)",
        ),
        (
            server(
                "    tools:\n" + SEARCH + "    rules:\n      - when: {tool: search, arguments: {q: {matches: '('}}}\n"
                "        reply: {text: x}\n"
            ),
            r"rules\[0\]\.when\.arguments: 'q': invalid regular expression",
        ),
        (
            server(
                "    tools:\n      - name: w\n        outputSchema: {type: object, required: [c]}\n"
                "        reply: {text: warm}\n"
            ),
            r"declares an outputSchema: its replies need 'structured'",
        ),
        (
            server(
                "    tools:\n      - name: w\n        outputSchema: {properties: {c: {type: number}}}\n"
                "        reply: {structured: {c: warm}}\n"
            ),
            r"reply\.structured: does not fit .*expected number",
        ),
        (server("    rules:\n      - reply: {text: x}\n        sequence: [{text: y}]\n"), r"exactly one of 'reply'"),
        (server("    rules:\n      - reply: {error: {message: no code}}\n"), r"error\.code: expected a JSON-RPC"),
        (server("    page_size: -1\n"), r"page_size: expected 0 \(one page\)"),
        (server("    response: xml\n"), r"response: expected one of auto, json, sse"),
        (server("    faults:\n      - when: {tool: search}\n"), r"a fault needs at least one effect: .*rpc_error"),
        (
            server("    faults:\n      - {rpc_error: 'boom'}\n"),
            r"faults\[0\]\.rpc_error: expected a JSON-RPC error code",
        ),
        (
            server("    resource_templates:\n      - {uriTemplate: 'test://fixed', name: f}\n"),
            r"resource_templates\[0\]\.uriTemplate: a URI template names at least one \{placeholder\}",
        ),
        (
            server("    resource_templates:\n      - {uriTemplate: 'a://{id}', name: f, completions: {idd: [x]}}\n"),
            r"completions\.idd: 'idd' is not a placeholder of a://\{id\}",
        ),
        (
            server("    rules:\n      - reply: {text: x, steps: [{log: hi, progress: {progress: 1}}]}\n"),
            r"reply\.steps\[0\]: a step is exactly one of log, .*, roots .*got log, progress",
        ),
        (
            server("    rules:\n      - reply: {text: x, steps: [{log: {level: loud}}]}\n"),
            r"steps\[0\]\.log\.level: expected one of debug, info",
        ),
        (
            server("    rules:\n      - reply: {text: x, declined: {text: nope}}\n"),
            r"reply\.declined: 'declined' and 'cancelled' answer an elicitation: add an 'elicit' step",
        ),
        (
            server("    rules:\n      - reply: {text: x, steps: [{elicit: {url: 'u', schema: {type: object}}}]}\n"),
            r"steps\[0\]\.elicit: give 'url' \(URL mode\) or 'schema' \(form mode\), not both",
        ),
        (
            server("    rules:\n      - reply: {text: x, steps: [{sample: {maxTokens: 5}}]}\n"),
            r"steps\[0\]\.sample: give 'prompt' \(one user message\) or 'messages'",
        ),
        (
            server("    rules:\n      - reply: {text: x, steps: [{progress: {progress: 1}, after_ms: -5}]}\n"),
            r"steps\[0\]\.after_ms: expected 0 to 300000 ms",
        ),
        (
            server("    revisions: [2026-07-28, 2019-01-01]\n"),
            r"revisions: expected some of 2026-07-28, .* got 2019-01-01",
        ),
        (server("    answer_timeout_s: 0\n"), r"answer_timeout_s: expected seconds above 0 and at most 3600; got 0"),
        ("rules: []\n", r"no 'mcp_servers:' section"),
        ("mcp_servres: {}\n", r"unknown key 'mcp_servres'\. Did you mean 'mcp_servers'\?"),
        (server("    strict: false\n", "other"), r"no server named 'tools' \(declared: other\)"),
        ("mcp_servers:\n  tools: [1]\n", r"mcp_servers\.tools: expected a mapping"),
        ("mcp_servers:\n  tools: {tools: [\n", r"<s>:\d+:\d+: invalid YAML"),
    ],
)
def test_mistakes_name_the_place_and_the_fix(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError, match=expected):
        mcp_server_from_text(text, "<s>", "tools")


def test_a_file_with_several_servers_needs_a_name_and_the_model_loader_accepts_the_section(tmp_path: Path) -> None:
    file = tmp_path / "flow.yaml"
    file.write_text("rules:\n  - reply: {text: hi}\nmcp_servers:\n  a: {}\n  b: {strict: false}\n", encoding="utf-8")
    assert server_names(file) == ["a", "b"]
    with pytest.raises(ScenarioError, match=r"declares 2 servers \(a, b\); name one"):
        load_mcp_server(file)
    assert load_mcp_server(file, "b").strict is False
    assert len(scenario_from_text(file.read_text(encoding="utf-8")).rules) == 1
    with pytest.raises(ScenarioError, match="does not exist"):
        load_mcp_server(tmp_path / "missing.yaml")


def test_tool_replies_become_rules_after_the_explicit_ones() -> None:
    rules = "    rules:\n      - {name: first, when: {tool: search}, reply: {text: x}}\n"
    spec = mcp_server_from_text(server("    tools:\n" + SEARCH + "        reply: {text: own}\n" + rules))
    assert [rule.name for rule in spec.rules] == ["first", "tool search"]


def test_conditions_explain_each_miss() -> None:
    conditions = parse_conditions({"q": {"contains": "mcp"}, "n": 10, "opts.lang": {"one_of": ["py", "go"]},
                                   "x": {"exists": False}, "tags": {"contains": "a"}}, "argument")  # fmt: skip
    assert conditions.mismatches({"q": "about mcp", "n": 10, "opts": {"lang": "py"}, "tags": ["a", "b"]}) == []
    assert conditions.mismatches({"q": "cats", "n": True, "opts": {}, "x": 1, "tags": []}) == [
        "argument 'q' is 'cats', wanted contains 'mcp'",
        "argument 'n' is 'true', wanted 10",
        "argument 'opts.lang' is missing (wanted one of py, go)",
        "argument 'x' is present",
        "argument 'tags' is '[]', wanted contains 'a'",
    ]
    with pytest.raises(ValueError, match="give one operator"):
        parse_conditions({"q": {"contains": "a", "matches": "b"}})


def test_a_backtracking_pattern_in_a_condition_is_bounded() -> None:
    conditions = parse_conditions({"q": {"matches": "(a+)+$"}})
    assert conditions.mismatches({"q": "a" * 40 + "!"})  # timed out: counted as no match, never a stall


def test_templates_keep_types_leave_unknown_names_and_bound_the_output() -> None:
    assert fill("{{limit}}", {"limit": 10}) == 10
    assert fill("for {{q}} and {{missing}}", {"q": "mcp"}) == "for mcp and {{missing}}"
    assert fill_data({"a": ["{{x.y}}"]}, {"x": {"y": [1, 2]}}) == {"a": [[1, 2]]}
    huge = fill_data(["{{big}} {{big}}"] * 10, {"big": "x" * MAX_RENDERED})
    assert sum(len(item) for item in huge) < MAX_RENDERED + 20 * len(TRUNCATED) + 10  # one budget for the whole reply


def test_schema_checks_are_bounded_and_resolve_only_local_references() -> None:
    assert problems({"a": 1}, {"$ref": "https://example.invalid/schema.json"})[0].startswith("$: cannot follow $ref")
    wide = {"anyOf": [{"anyOf": [{"type": "string"}] * 50}] * 50}
    assert problems([1] * 100, {"items": wide}) == [f"the schema is too complex to check within {MAX_STEPS} steps"]
    assert problems({"n": 2}, {"properties": {"n": {"exclusiveMaximum": 2}}}) == ["$.n: 2 is at least 2"]
    both = problems(1, {"oneOf": [{"type": "integer"}, {"type": "number"}]})
    assert both == ["$: 1 matches 2, not exactly one, of the oneOf alternatives"]


def test_mcp_faults_take_the_common_and_the_mcp_effects() -> None:
    fault = parse_mcp_fault({"when": {"tool": "search"}, "status": 429, "retry_after": 2, "times": 1}, "<k>")
    assert fault.describe() == "fault 'faults[0]': status 429, retry after 2 s"
    session = parse_mcp_fault({"expire_session": True, "nth": 2, "name": "expire"}, "<k>")
    assert session.describe() == "fault 'expire': session expired (404)" and session.breaks_response


def test_agent_configs_refuse_hostile_server_names(tmp_path: Path) -> None:
    for name in ("../x", "a b", "x" * 65, "", "-lead", 'q"uote'):
        with pytest.raises(McpConfigError, match="MCP server name"):
            install_mcp_config("codex", tmp_path, McpTarget(name, "http://127.0.0.1:1/mcp"))
    with pytest.raises(McpConfigError, match="Unknown runtime 'cursor'"):
        install_mcp_config("cursor", tmp_path, McpTarget("tools", "http://127.0.0.1:1/mcp"))
    assert list(tmp_path.iterdir()) == []


SCHEMA_CASES = [
    ({"type": "object", "required": ["a"]}, {}),
    ({"type": "object", "required": ["a"]}, {"a": None}),
    ({"properties": {"a": {"type": "integer"}}}, {"a": 1.0}),
    ({"properties": {"a": {"type": "integer"}}}, {"a": True}),
    ({"type": ["string", "null"]}, None),
    ({"enum": [1, "x"]}, True),
    ({"const": False}, 0),
    ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1, "b": 2}),
    ({"additionalProperties": {"type": "string"}}, {"b": 2}),
    ({"items": {"type": "number"}, "minItems": 2}, [1]),
    ({"items": {"type": "number"}, "maxItems": 1}, [1, "x"]),
    ({"minLength": 2, "maxLength": 3, "pattern": "^a"}, "abcd"),
    ({"minLength": 2, "pattern": "^a"}, "ab"),
    ({"minimum": 1, "exclusiveMaximum": 5}, 5),
    ({"anyOf": [{"type": "string"}, {"minimum": 3}]}, 2),
    ({"allOf": [{"minimum": 1}, {"maximum": 2}]}, 3),
    ({"not": {"type": "string"}}, "s"),
    ({"$defs": {"n": {"type": "number"}}, "properties": {"a": {"$ref": "#/$defs/n"}}}, {"a": "1"}),
    ({"properties": {"a": False}}, {"a": 1}),
]


@pytest.mark.parametrize(("schema", "value"), SCHEMA_CASES)
def test_schema_checks_agree_with_the_jsonschema_reference_implementation(schema: dict, value: object) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    assert (problems(value, schema) == []) is jsonschema.Draft202012Validator(schema).is_valid(value)
