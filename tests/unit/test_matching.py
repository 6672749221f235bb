"""Stateless matching on the neutral conversation, and near-miss explanations."""

from __future__ import annotations

import pytest

from AgentTestLibrary.mock.rulebook import find_match
from AgentTestLibrary.mockllm.conversation import Conversation, Message, Tool, ToolCall, ToolResult
from AgentTestLibrary.mockllm.scenario import scenario_from_text


def conversation(**overrides: object) -> Conversation:
    values: dict[str, object] = {
        "protocol": "anthropic.messages",
        "model": "claude-x",
        "system": "You are careful.",
        "tools": (Tool("list_files"),),
        "messages": (
            Message("user", "List the files"),
            Message("assistant", tool_calls=(ToolCall("call_1", "list_files", {"path": "."}),)),
            Message("user", tool_results=(ToolResult("call_1", "notes.txt\ntodo.md"),)),
        ),
    }
    values.update(overrides)
    return Conversation(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("when", "matches"),
    [
        ("{}", True),
        ("{protocol: anthropic.messages}", True),
        ("{protocol: [openai.chat]}", False),
        ("{provider: anthropic}", True),
        ("{provider: openai}", False),
        ("{model: claude-x}", True),
        ("{model: claude}", False),
        ("{model_matches: '^claude'}", True),
        ("{user_text_contains: the files}", True),
        ("{user_text_contains: nothing}", False),
        ("{user_text_matches: '(?i)^list'}", True),
        ("{system_contains: careful}", True),
        ("{system_contains: reckless}", False),
        ("{tool_offered: list_files}", True),
        ("{tool_offered: rm}", False),
        ("{tool_result: true}", True),
        ("{tool_result: false}", False),
        ("{tool_result_contains: todo.md}", True),
        ("{tool_result_contains: secret}", False),
        ("{tool_call_id: call_1}", True),
        ("{tool_call_id: call_2}", False),
        ("{turn: 2}", True),
        ("{turn: 1}", False),
    ],
)
def test_each_condition(when: str, matches: bool) -> None:
    scenario = scenario_from_text(f"rules:\n  - when: {when}\n    reply: {{text: ok}}\n")
    assert (find_match(scenario.rules, conversation()).rule is not None) is matches


def test_latest_user_text_skips_tool_results_and_system_entries() -> None:
    conv = conversation(messages=(Message("user", "first"), Message("system", "reminder"), Message("user", "second")))
    assert conv.latest_user_text == "second"
    assert conv.latest_tool_results == ()
    assert conv.turn == 1


def test_first_matching_rule_wins() -> None:
    scenario = scenario_from_text(
        "rules:\n  - {name: a, when: {turn: 2}, reply: {text: a}}\n  - {name: b, when: {}, reply: {text: b}}\n"
    )
    match = find_match(scenario.rules, conversation())
    assert match.rule is not None and match.rule.name == "a"


def test_near_miss_names_closest_rule_and_reason() -> None:
    scenario = scenario_from_text(
        "rules:\n"
        "  - {name: far, when: {model: gpt, turn: 5, tool_offered: rm}, reply: {text: a}}\n"
        "  - {name: close, when: {user_text_contains: the folders}, reply: {text: b}}\n",
        "s.yaml",
    )
    match = find_match(scenario.rules, conversation())
    assert match.rule is None
    assert match.near_miss == (
        "closest was rule 'close' (s.yaml:3): latest user text 'List the files' does not contain 'the folders'"
    )


def test_tied_near_misses_are_all_named_with_the_values_seen() -> None:
    """Forgetting to fake a tool: the report names both rules a tool result missed, and shows the result."""
    scenario = scenario_from_text(
        "rules:\n"
        "  - {name: run git status first, when: {user_text_contains: status, tool_result: false}, reply: {text: a}}\n"
        "  - {name: summarise, when: {tool_result_contains: 'On branch'}, reply: {text: b}}\n",
        "s.yaml",
    )
    result = ToolResult("call_1", "git: command not found")
    conv = conversation(messages=(Message("user", "git status please"), Message("user", tool_results=(result,))))
    match = find_match(scenario.rules, conv)
    assert match.near_miss == (
        "closest were 2 rules, equally close: rule 'run git status first' (s.yaml:2): the latest turn carries tool "
        "results (rule wants none): 'git: command not found' | rule 'summarise' (s.yaml:3): no tool result in the "
        "latest turn contains 'On branch' (results: ['git: command not found'])"
    )


def test_the_rule_book_counts_which_rules_answered_per_test_and_in_all() -> None:
    from AgentTestLibrary.mock.rulebook import RuleBook

    scenario = scenario_from_text("rules:\n  - {name: hi, when: {user_text_contains: List}, reply: {text: a}}\n"
                                  "  - {name: never, when: {turn: 9}, reply: {text: b}}\n")  # fmt: skip
    book = RuleBook(scenario.rules)
    assert book.choose(conversation()).rule is not None
    assert [rule.name for rule in book.unused(in_test=True)] == ["never"]
    book.reset_counters()
    assert [rule.name for rule in book.unused(in_test=True)] == ["hi", "never"]
    assert [rule.name for rule in book.unused(in_test=False)] == ["never"]
