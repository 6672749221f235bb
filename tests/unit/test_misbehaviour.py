"""The misbehaviour catalogue on neutral replies, its validation and description, and every codec's rendering."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from AgentTestLibrary.mock.faults import effects_of
from AgentTestLibrary.mock.journal import JournalEntry
from AgentTestLibrary.mockllm import resilience
from AgentTestLibrary.mockllm.conversation import Conversation, Message, Reply, Tool, ToolCall, ToolResult
from AgentTestLibrary.mockllm.misbehaviour import NAMES, REFUSAL_TEXT, UNDECLARED_TOOL, LLMFault, misbehave
from AgentTestLibrary.mockllm.protocols import (
    AnthropicMessagesCodec,
    GeminiCodec,
    OpenAIChatCodec,
    OpenAIResponsesCodec,
)
from AgentTestLibrary.mockllm.scenario import ScenarioError, parse_fault, scenario_from_text
from AgentTestLibrary.report import transcript

SCHEMA = {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}
CONV = Conversation("openai.chat", "m", (Message("user", "hi"),), tools=(Tool("list_files", "", SCHEMA),))
CALL = ToolCall("call_1", "list_files", {"path": "."})
TEXT = Reply(text="The directory holds notes.txt and todo.md.", rule="answer")
CALLING = Reply(tool_calls=(CALL,), rule="call")
CODECS = (OpenAIChatCodec(), OpenAIResponsesCodec(), AnthropicMessagesCodec(), GeminiCodec())


def test_refusal_and_its_message() -> None:
    reply = misbehave("refusal", TEXT, CONV)
    assert (reply.refusal, reply.text, reply.stop_reason, reply.misbehaviour) == (
        REFUSAL_TEXT,
        "",
        "refusal",
        "refusal",
    )
    assert misbehave("refusal", TEXT, CONV, "Not today.").refusal == "Not today."
    assert reply.rule == "answer"  # the journal still says which rule the model was meant to answer with


def test_max_tokens_cuts_the_text() -> None:
    reply = misbehave("max_tokens", TEXT, CONV)
    assert TEXT.text.startswith(reply.text) and 0 < len(reply.text) < len(TEXT.text)
    assert reply.stop_reason == "max_tokens"


@pytest.mark.parametrize("source", [TEXT, CALLING], ids=["made up from the first tool", "the rule's call"])
def test_tool_call_misbehaviours(source: Reply) -> None:
    truncated = misbehave("truncated_tool_arguments", source, CONV).tool_calls[0]
    invalid = misbehave("invalid_tool_arguments", source, CONV).tool_calls[0]
    for call in (truncated, invalid):
        assert call.name == "list_files"
        with pytest.raises(ValueError):
            json.loads(call.arguments)
    assert truncated.arguments.startswith('{"path": "')
    assert misbehave("undeclared_tool", source, CONV).tool_calls[0].name == UNDECLARED_TOOL
    first, second = misbehave("duplicate_tool_call_ids", source, CONV).tool_calls
    assert first.id == second.id


def test_an_offered_tool_named_like_the_undeclared_one_is_avoided() -> None:
    offered = Conversation("openai.chat", "m", (Message("user", "hi"),), tools=(Tool(UNDECLARED_TOOL),))
    name = misbehave("undeclared_tool", CALLING, offered).tool_calls[0].name
    assert name not in offered.tool_names


def test_two_calls_get_one_id() -> None:
    other = ToolCall("call_2", "read_file", {"path": "notes.txt"})
    calls = misbehave("duplicate_tool_call_ids", Reply(tool_calls=(CALL, other)), CONV).tool_calls
    assert [(call.id, call.name) for call in calls] == [("call_1", "list_files"), ("call_1", "read_file")]


def test_empty_and_reasoning_only_say_nothing() -> None:
    for name in ("empty", "reasoning_only"):
        reply = misbehave(name, CALLING, CONV)
        assert (reply.text, reply.tool_calls, reply.refusal) == ("", (), "")
    assert misbehave("reasoning_only", TEXT, CONV).reasoning


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("codec", CODECS, ids=lambda codec: codec.protocol)
def test_every_codec_renders_every_misbehaviour(codec: object, name: str) -> None:
    reply = misbehave(name, CALLING, CONV)
    rendered = json.dumps(codec.render(reply, CONV, {}))  # type: ignore[attr-defined]
    events = codec.render_events(reply, CONV, {})  # type: ignore[attr-defined]
    assert rendered and events
    assert reply.to_dict()["misbehaviour"] == name


def test_misbehave_is_an_effect_and_described() -> None:
    assert "misbehave" in effects_of(LLMFault)
    fault = parse_fault({"misbehave": "refusal", "times": 1}, "Inject LLM Fault")
    assert fault.describe() == "fault 'faults[0]': misbehave refusal (the model refuses)"
    both = parse_fault({"misbehave": "empty", "delay_ms": 5}, "Inject LLM Fault")
    assert both.describe() == "fault 'faults[0]': delay 5 ms, misbehave empty (no text and no tool call)"
    assert not fault.breaks_response and not fault.replaces_answer


def test_an_unknown_name_lists_every_name() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_fault({"misbehave": "hallucinate"}, "Inject LLM Fault")
    assert str(caught.value).startswith("Inject LLM Fault: faults[0].misbehave: expected one of refusal, ")
    assert all(name in str(caught.value) for name in NAMES)


def test_a_scenario_names_the_line_of_a_bad_misbehaviour() -> None:
    with pytest.raises(ScenarioError, match=r"^s.yaml:3: faults\[0\].misbehave: expected one of refusal"):
        scenario_from_text("rules: []\nfaults:\n  - misbehave: sulk\n", "s.yaml")
    loaded = scenario_from_text("rules: []\nfaults:\n  - {misbehave: empty, nth: 2}\n", "s.yaml")
    assert isinstance(loaded.faults[0], LLMFault) and loaded.faults[0].misbehave == "empty"


def _entry(index: int, conversation: Conversation, reply: Reply) -> JournalEntry:
    return JournalEntry(index=index, time=float(index), method="POST", path="/v1/chat/completions", status=200,
                        protocol="openai.chat", subject=conversation, reply=reply)  # fmt: skip


ASKED = Message("user", "List the files")


def _after(call: ToolCall, output: str, is_error: bool = False) -> Conversation:
    return replace(CONV, messages=(ASKED, Message("assistant", tool_calls=(call,)),
                                   Message("user", tool_results=(ToolResult(call.id, output, is_error),))))  # fmt: skip


@pytest.mark.parametrize("name", ["truncated_tool_arguments", "invalid_tool_arguments", "undeclared_tool"])
def test_a_malformed_call_that_was_run_is_named(name: str) -> None:
    first = replace(CONV, messages=(ASKED,))
    bad = misbehave(name, CALLING, first)
    run = [_entry(1, first, bad), _entry(2, _after(bad.tool_calls[0], "notes.txt\ntodo.md"), TEXT)]
    failure = resilience.malformed_not_executed(run)
    assert failure.startswith("Malformed tool call executed: request #2 carries a result of ")
    assert "(served in #1): 'notes.txt\\ntodo.md'" in failure


@pytest.mark.parametrize(("output", "is_error"), [("error: not run: bad JSON", False), ("bad JSON", True)])
def test_a_malformed_call_answered_with_an_error_holds(output: str, is_error: bool) -> None:
    first = replace(CONV, messages=(ASKED,))
    bad = misbehave("invalid_tool_arguments", CALLING, first)
    answered = _after(bad.tool_calls[0], output, is_error)
    assert resilience.malformed_not_executed([_entry(1, first, bad), _entry(2, answered, TEXT)]) == ""


def test_malformed_verdict_needs_a_malformed_call() -> None:
    assert "nothing to judge" in resilience.malformed_not_executed([_entry(1, CONV, TEXT)])
    assert "nothing to judge" in resilience.not_looped_on_refusal([_entry(1, CONV, TEXT)], 0)


def test_asking_again_after_a_refusal_is_a_loop() -> None:
    first = replace(CONV, messages=(ASKED,))
    refused = misbehave("refusal", TEXT, first)
    again = [_entry(1, first, refused), _entry(2, first, refused), _entry(3, first, TEXT)]
    assert resilience.not_looped_on_refusal(again, 0) == (
        "Looped on refusal: request #1 was refused and the agent asked again 2 times (#2, #3); at most 0 allowed."
    )
    assert resilience.not_looped_on_refusal(again[:2], 1) == ""
    other = replace(CONV, messages=(Message("user", "Something else"),))
    assert resilience.not_looped_on_refusal([_entry(1, first, refused), _entry(2, other, TEXT)], 0) == ""


def test_the_transcript_shows_the_misbehaviour() -> None:
    reply = misbehave("refusal", TEXT, CONV)
    html = transcript._chat(CONV.to_dict(), reply.to_dict())
    assert "the model misbehaves:" in html and "refusal (stop: refusal)" in html
    assert "mock refuses:" in html and "I&#x27;m sorry" in html
