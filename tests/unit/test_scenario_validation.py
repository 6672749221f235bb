"""Every bad scenario gets an error naming file, line, key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from AgentTestLibrary.mockllm.scenario import ScenarioError, load_scenario, parse_rule, scenario_from_text


def error_of(text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, "s.yaml")
    return str(caught.value)


def test_valid_scenario_loads_rules_in_order() -> None:
    scenario = scenario_from_text(
        "version: 1\nstrict: false\nmodels: [m1]\nrules:\n"
        "  - name: a\n    when: {user_text_contains: hi, turn: 1}\n    reply: {text: hello}\n"
        "  - name: b\n    sequence:\n      - tool_calls: [{name: t, arguments: {x: 1}}]\n      - json: {ok: true}\n",
        "s.yaml",
    )
    assert [rule.name for rule in scenario.rules] == ["a", "b"]
    assert scenario.strict is False
    assert scenario.models == ("m1",)
    assert scenario.rules[1].is_sequence
    assert scenario.rules[1].replies[1].text == '{"ok": true}'
    assert scenario.rules[0].location == "s.yaml:5"


def test_broken_yaml_names_line_and_column() -> None:
    message = error_of('rules:\n  - name: x\n    reply: {text: "open\n')
    assert message.startswith("s.yaml:4:")
    assert "invalid YAML" in message and "Fix the indentation or quoting" in message


def test_unknown_key_names_line_and_suggests_valid_key() -> None:
    message = error_of("rules:\n  - when:\n      user_txt_contains: hi\n    reply: {text: x}\n")
    assert message.startswith("s.yaml:3: rules[0].when.user_txt_contains: unknown key 'user_txt_contains'.")
    assert "Did you mean 'user_text_contains'?" in message


def test_unknown_top_level_key() -> None:
    assert "Did you mean 'rules'?" in error_of("rulez: []\n")


def test_duplicate_key_is_an_error() -> None:
    assert "s.yaml:2:1: invalid YAML: duplicate key 'rules'" in error_of("rules: []\nrules: []\n")


def test_empty_scenario_says_what_to_add() -> None:
    assert "Add a 'rules:' list" in error_of("")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules:\n  - when: {}\n", "give exactly one of 'reply'"),
        ("rules:\n  - reply: {text: a}\n    sequence: [{text: b}]\n", "give exactly one of 'reply'"),
        ("rules:\n  - reply: {}\n", "a reply needs 'text', 'json', 'tool_calls' or 'error'"),
        ("rules:\n  - reply: {text: a, json: {}}\n", "either 'text' or 'json'"),
        ("rules:\n  - reply: {error: {status: 200}}\n", "expected an error status 400-599; got 200"),
        ("rules:\n  - reply: {error: {status: 429}, text: x}\n", "'error' cannot be combined with text"),
        ("rules:\n  - when: {user_text_matches: '('}\n    reply: {text: a}\n", "invalid regular expression"),
        ("rules:\n  - when: {turn: 0}\n    reply: {text: a}\n", "turns count from 1"),
        ("rules:\n  - when: {turn: two}\n    reply: {text: a}\n", "expected a positive integer; got a string 'two'"),
        ("rules:\n  - when: {tool_result: yes please}\n    reply: {text: a}\n", "expected true or false"),
        ("rules:\n  - when: {protocol: grpc}\n    reply: {text: a}\n", "expected one or a list of openai.chat"),
        ("rules:\n  - reply: {tool_calls: [{arguments: {}}]}\n", "a tool call needs a 'name'"),
        ("rules:\n  - reply: {tool_calls: [{name: t, arguments: [1]}]}\n", "expected a mapping of argument names"),
        ("rules:\n  - reply: {tool_calls: [{name: t, arguments: 'not json'}]}\n", "must hold a JSON object"),
        ("rules:\n  - reply: {text: a, stop_reason: done}\n", "expected one of end_turn, tool_use"),
        ("rules:\n  - reply: {text: a, usage: {input_tokens: 1}}\n", "usage needs 'output_tokens'"),
        ("rules:\n  - {name: a, reply: {text: a}}\n  - {name: a, reply: {text: b}}\n", "duplicate rule name 'a'"),
        ("version: 2\nrules: []\n", "unsupported version 2"),
        ("rules: {a: 1}\n", "expected a list of rules; got a mapping"),
        ("- just a list\n", "top level: expected a mapping"),
    ],
)
def test_invalid_scenarios_are_explained(text: str, expected: str) -> None:
    message = error_of(text)
    assert message.startswith("s.yaml:")
    assert expected in message


def test_missing_file_names_the_path_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"does not exist.*\$\{CURDIR\}"):
        load_scenario(tmp_path / "nope.yaml")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)


def test_rule_from_keyword_input_names_source() -> None:
    with pytest.raises(
        ScenarioError, match=r"^Add LLM Rule: rules\[0\]\.reply\.txt: unknown key 'txt'\. Did you mean 'text'\?"
    ):
        parse_rule({"reply": {"txt": "hi"}}, "Add LLM Rule")
