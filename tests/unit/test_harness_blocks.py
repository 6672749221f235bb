"""What the user typed, told apart from the blocks agent harnesses inject into a user turn, in every wire format."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from AgentTestLibrary.mock.rulebook import find_match
from AgentTestLibrary.mockllm.conversation import Conversation, Message, ToolResult
from AgentTestLibrary.mockllm.injected import split_user_text
from AgentTestLibrary.mockllm.protocols import (
    AnthropicMessagesCodec,
    GeminiCodec,
    OpenAIChatCodec,
    OpenAIResponsesCodec,
)
from AgentTestLibrary.mockllm.scenario import scenario_from_text
from AgentTestLibrary.mockllm.tokens import conversation_tokens
from tests.captures import load_capture

REMINDER = "<system-reminder>\nThe todo list is empty. Do not mention this to the user.\n</system-reminder>"
TYPED = "Run the tests"


def text_block(text: str) -> dict[str, str]:
    return {"type": "text", "text": text}


def claude_code_body() -> dict[str, Any]:
    """Claude Code's captured tool loop (a reminder block before the typed text), as it arrived."""
    body: dict[str, Any] = copy.deepcopy(load_capture("claude_code_tool_result.json")["body"])
    return body


def test_claude_code_reminder_as_a_block_of_its_own_before_the_typed_text() -> None:
    conv = AnthropicMessagesCodec().parse(load_capture("claude_code_first_turn.json")["body"])
    assert conv.latest_user_text == 'CALL_TOOL Bash {"command":"echo hi","description":"print hi"}'
    assert len(conv.harness_blocks) == 1
    assert conv.harness_blocks[0].startswith("<system-reminder>\nAs you answer the user's questions")
    assert conv.harness_blocks[0].endswith("</system-reminder>")
    assert conv.turn_text.startswith("<system-reminder>") and conv.turn_text.endswith(conv.latest_user_text)


def test_claude_code_reminder_after_a_tool_result_leaves_the_typed_text_the_latest() -> None:
    """The newest Claude Code adds a reminder to the user turn that carries the tool result."""
    body = claude_code_body()
    body["messages"][-1]["content"].append({"type": "text", "text": REMINDER})
    conv = AnthropicMessagesCodec().parse(body)
    assert conv.latest_user_text == 'CALL_TOOL Bash {"command":"echo hi","description":"print hi"}'
    assert conv.latest_tool_results[0].content == "hi"
    assert conv.harness_blocks[-1] == REMINDER and len(conv.harness_blocks) == 2
    assert "The todo list is empty" in conv.turn_text


def test_claude_code_2_1_332_tool_search_note_beside_the_tool_result_is_not_the_typed_text() -> None:
    """Captured from Claude Code 2.1.332: deferred MCP tools, ToolSearch's tool_reference result and its
    "Tool loaded." note in the same user message as the result."""
    conv = AnthropicMessagesCodec().parse(load_capture("claude_code_2_1_332_tool_search.json")["body"])
    assert conv.latest_user_text == "please search the wiki"
    assert conv.harness_blocks[0].startswith("<system-reminder>\nAttribution for git commits")
    assert conv.harness_blocks[-1] == "Tool loaded."
    assert conv.latest_tool_results[0].content == "mcp__tools__search"
    assert {"ToolSearch", "mcp__tools__search"} <= set(conv.tool_names)


@pytest.mark.parametrize(
    "text",
    [f"{REMINDER}\n\n{TYPED}", f"{TYPED}\n\n{REMINDER}", f"{REMINDER}{TYPED}{REMINDER}", f"  {TYPED}  "],
    ids=["before", "after", "around", "no-block"],
)
def test_claude_code_reminder_inline_in_the_typed_text_block(text: str) -> None:
    body = {"model": "claude-x", "max_tokens": 10, "messages": [{"role": "user", "content": text}]}
    conv = AnthropicMessagesCodec().parse(body)
    assert conv.latest_user_text.strip() == TYPED
    assert conv.harness_blocks == (REMINDER,) * text.count("<system-reminder>")


def test_codex_environment_context_as_an_input_text_part_of_its_own() -> None:
    conv = OpenAIResponsesCodec().parse(load_capture("codex_responses_tool_result.json")["body"])
    assert conv.latest_user_text == 'CALL_TOOL exec_command {"cmd":"echo hi"}'
    assert [block.split("\n", 1)[0] for block in conv.harness_blocks] == ["<environment_context>"]
    assert "<cwd>/scratch/work_codex</cwd>" in conv.turn_text


def test_codex_agents_md_and_user_instructions_parts_before_and_after_the_prompt() -> None:
    agents_md = "# AGENTS.md instructions for /work\n\n<INSTRUCTIONS>\nAlways run make lint.\n</INSTRUCTIONS>"
    instructions = "<user_instructions>\nBe brief.\n</user_instructions>"
    environment = "<environment_context>\n  <cwd>/work</cwd>\n</environment_context>"
    parts = [agents_md, instructions, TYPED, environment]
    body = {
        "model": "gpt-5",
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": t} for t in parts]}],
    }
    conv = OpenAIResponsesCodec().parse(body)
    assert conv.latest_user_text == TYPED
    assert conv.harness_blocks == (agents_md, instructions, environment)


def test_gemini_cli_session_context_preamble() -> None:
    route = {"model": "gemini-3.8-flash", "method": "streamGenerateContent"}
    conv = GeminiCodec().parse(load_capture("gemini_cli_stream_tool_result.json")["body"], route)
    assert conv.latest_user_text == 'CALL_TOOL run_shell_command {"command":"echo hi","description":"print hi"}'
    assert conv.harness_blocks[0].startswith("<session_context>\nThis is the Gemini CLI.")


def test_gemini_cli_untagged_session_preamble_of_older_releases() -> None:
    preamble = "This is the Gemini CLI. We are setting up the context for our chat.\nToday's date is Sunday."
    body = {"contents": [{"role": "user", "parts": [{"text": preamble}, {"text": TYPED}]}]}
    conv = GeminiCodec().parse(body, {"model": "gemini-x"})
    assert (conv.latest_user_text, conv.harness_blocks) == (TYPED, (preamble,))


def test_chat_completions_user_content_parts() -> None:
    body = {
        "model": "gpt-x",
        "messages": [{"role": "user", "content": [text_block(REMINDER), text_block(TYPED)]}],
    }
    conv = OpenAIChatCodec().parse(body)
    assert (conv.latest_user_text, conv.harness_blocks) == (TYPED, (REMINDER,))


def test_a_user_message_of_harness_blocks_alone_does_not_replace_the_typed_text() -> None:
    environment = "<environment_context>\n  <cwd>/elsewhere</cwd>\n</environment_context>"
    body = {
        "model": "gpt-5",
        "input": [
            {"role": "user", "content": TYPED},
            {"type": "function_call", "call_id": "c1", "name": "shell", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "ok"},
            {"role": "user", "content": environment},
        ],
    }
    conv = OpenAIResponsesCodec().parse(body)
    assert conv.latest_user_text == TYPED
    assert conv.harness_blocks == (environment,)
    assert conv.turn_text == f"{TYPED}\n{environment}"


def test_an_opening_without_its_closing_stays_typed_text() -> None:
    assert split_user_text(["<system-reminder> is a tag I am asking about"]) == (
        "<system-reminder> is a tag I am asking about",
        (),
    )
    many = "<skill>" + "<system-reminder>x</system-reminder>" * 1000 + TYPED
    typed, blocks = split_user_text([many])
    assert typed == "<skill>" + TYPED and len(blocks) == 1000


def test_harness_blocks_still_count_as_input_tokens() -> None:
    body = {"model": "claude-x", "max_tokens": 10, "messages": [{"role": "user", "content": TYPED}]}
    bare = AnthropicMessagesCodec().parse(body)
    body["messages"][0]["content"] = f"{REMINDER}\n{TYPED}"
    assert conversation_tokens(AnthropicMessagesCodec().parse(body)) > conversation_tokens(bare)


SCENARIO = """
rules:
  - name: run the tests
    when: {user_text_matches: '^Run the tests$', tool_result: false}
    reply: {text: running}
  - name: report
    when: {user_text_contains: Run the tests, tool_result: true}
    reply: {text: all green}
"""


def claude_code_turns() -> tuple[Conversation, Conversation]:
    """The two requests of a tool loop as the newest Claude Code sends them: reminders beside the typed text."""
    first = {
        "model": "claude-x",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": [text_block(REMINDER), text_block(TYPED)]}],
    }
    second = copy.deepcopy(first)
    second["messages"] += [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}}]},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "3 passed"},
                {"type": "text", "text": REMINDER},
            ],
        },
    ]
    codec = AnthropicMessagesCodec()
    return codec.parse(first), codec.parse(second)


def test_a_scenario_written_against_the_typed_text_matches_turns_with_reminder_blocks() -> None:
    rules = scenario_from_text(SCENARIO).rules
    first, second = claude_code_turns()
    assert [find_match(rules, conv).rule.name for conv in (first, second)] == ["run the tests", "report"]  # type: ignore[union-attr]


def test_turn_text_conditions_see_the_harness_blocks_and_user_text_conditions_do_not() -> None:
    rules = scenario_from_text(
        "rules:\n"
        "  - {name: typed, when: {user_text_contains: todo list}, reply: {text: a}}\n"
        "  - {name: turn, when: {turn_text_contains: todo list, turn_text_matches: 'empty.*\\n.*</system-reminder>'},"
        " reply: {text: b}}\n"
    ).rules
    _, second = claude_code_turns()
    assert find_match(rules, second).rule.name == "turn"  # type: ignore[union-attr]


def test_near_miss_shows_the_typed_text_and_the_harness_blocks_clipped() -> None:
    rules = scenario_from_text(
        "rules:\n  - {name: r, when: {user_text_contains: deploy}, reply: {text: a}}\n", "s.yaml"
    ).rules
    first, _ = claude_code_turns()
    assert find_match(rules, first).near_miss == (
        "closest was rule 'r' (s.yaml:2): latest user text 'Run the tests' does not contain 'deploy'; beside it"
        " 1 harness block: '<system-reminder> The todo list is empty. Do not mention ...'"
    )
    turn_rules = scenario_from_text("rules:\n  - {when: {turn_text_contains: deploy}, reply: {text: a}}\n").rules
    shown = find_match(turn_rules, first).near_miss
    assert "user text 'Run the tests' and 1 harness block: '<system-reminder>" in shown


def test_the_journal_records_the_harness_blocks_apart() -> None:
    _, second = claude_code_turns()
    record = second.to_dict()
    assert record["latest_user_text"] == TYPED
    assert record["harness_blocks"] == [REMINDER, REMINDER]
    assert record["messages"][0] == {"role": "user", "text": TYPED, "harness_blocks": [REMINDER]}


def test_a_resent_message_of_text_alone_is_the_message_built_the_first_time() -> None:
    parts = ["<system-reminder>today is Monday</system-reminder>", "list the files"]
    first = Message.of_parts("user", list(parts))
    again = Message.of_parts("user", [parts[0][:9] + parts[0][9:], "list " + "the files"])  # equal, not the same str
    assert again is first
    assert first == Message("user", "list the files", harness_blocks=(parts[0],))
    assert Message.of_parts("user", ["hi there"]) is Message.of_parts("user", ["hi " + "there"])


def test_messages_of_other_roles_parts_or_tool_results_are_not_taken_for_each_other() -> None:
    user = Message.of_parts("user", ["hi"])
    assistant = Message.of_parts("assistant", ["hi"])
    assert (user.role, assistant.role) == ("user", "assistant")
    assert Message.of_parts("user", ["<ide_selection>x</ide_selection>", "hi"]).harness_blocks
    assert Message.of_parts("assistant", ["<ide_selection>x</ide_selection>", "hi"]).harness_blocks == ()
    result = ToolResult("c1", "done")
    with_result = Message.of_parts("user", ["hi"], results=(result,))
    assert with_result.tool_results == (result,) and with_result.harness_blocks == ("hi",) and with_result.text == ""
    assert Message.of_parts("user", ["hi"], results=(result,)) is not with_result  # built anew: nothing kept
