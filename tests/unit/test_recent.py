"""Values kept by value for what agents resend (mock/recent.py), and the tool lists codecs share through it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from AgentTestLibrary.errors import RequestError
from AgentTestLibrary.mock.recent import Recent
from AgentTestLibrary.mockllm.protocols.anthropic_messages import AnthropicMessagesCodec
from AgentTestLibrary.mockllm.protocols.ollama import OllamaChatCodec
from AgentTestLibrary.mockllm.protocols.openai_chat import OpenAIChatCodec
from AgentTestLibrary.mockllm.structured import example_for

CAPTURES = Path(__file__).parents[1] / "fixtures" / "captures"


def test_values_are_kept_within_the_budget_of_their_keys_weight() -> None:
    made: list[str] = []
    kept: Recent[int] = Recent(budget=10_000)

    def count(text: str) -> int:
        made.append(text)
        return len(text.split())

    texts = [f"prompt {number} " + "word " * 1000 for number in range(5)]  # about 5,000 characters each
    for text in texts * 2:
        assert kept.get(text, len(text), count, text) == 1002
        assert kept._weight <= 10_000
    assert len(made) == 10  # two fit at a time: each third one starts the keeping again
    assert kept.get(texts[4], len(texts[4]), count, texts[4]) == 1002 and len(made) == 10  # kept: not made again
    huge = "x " * 20_000  # weighs more than the whole budget: made, never kept
    assert kept.get(huge, len(huge), count, huge) == 20_000 and huge not in kept._values
    assert kept._weight <= 10_000


def test_find_looks_up_what_is_kept_now_even_after_the_keeping_started_again() -> None:
    kept: Recent[int] = Recent(budget=10)
    find = kept.find
    assert find("a") is None
    assert kept.get("a", 6, len, "abc") == 3 and find("a") == 3
    assert kept.get("b", 6, len, "de") == 2  # over the budget: "a" let go, "b" kept in the same dict
    assert find("a") is None and find("b") == 2


def test_an_error_making_a_value_is_raised_every_time_and_never_kept() -> None:
    kept: Recent[int] = Recent(budget=100)
    calls = []

    def refuse(argument: str) -> int:
        calls.append(argument)
        raise RequestError(f"bad {argument}")

    for _ in range(2):
        with pytest.raises(RequestError, match="bad x"):
            kept.get("x", 1, refuse, "x")
    assert calls == ["x", "x"] and len(kept) == 0


def _claude_body() -> dict[str, Any]:
    return json.loads((CAPTURES / "claude_code_first_turn.json").read_text(encoding="utf-8"))["body"]


def test_requests_sending_the_same_tools_share_one_tuple_of_them() -> None:
    codec = AnthropicMessagesCodec()
    first, again = codec.parse(_claude_body()), codec.parse(_claude_body())  # parsed apart, as two requests are
    assert len(first.tools) == 25 and again.tools is first.tools


def test_a_changed_tool_definition_gets_tools_of_its_own() -> None:
    codec = AnthropicMessagesCodec()
    body = _claude_body()
    changed = copy.deepcopy(body)
    changed["tools"][3]["input_schema"]["properties"]["added"] = {"type": "integer"}
    before, after = codec.parse(body), codec.parse(changed)
    assert after.tools is not before.tools
    assert "added" in after.tools[3].parameters["properties"]
    assert "added" not in before.tools[3].parameters["properties"]


def test_codecs_reading_the_same_definitions_differently_do_not_share() -> None:
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": tools}
    chat, ollama = OpenAIChatCodec().parse(request, {}), OllamaChatCodec().parse(request, {})
    assert chat.tools[0].name == ollama.tools[0].name == "lookup"
    assert chat.tools is not ollama.tools
    legacy = OpenAIChatCodec().parse({**request, "tools": None, "functions": [tools[0]["function"]]}, {})
    assert [tool.name for tool in legacy.tools] == ["lookup"]


def test_an_example_built_from_a_shared_schema_holds_none_of_its_values() -> None:
    schema = {"type": "object", "properties": {"filter": {"const": {"state": ["open"]}},
                                               "mode": {"enum": [{"kind": "fast"}, {"kind": "slow"}]}}}  # fmt: skip
    example = example_for(schema)
    assert example == {"filter": {"state": ["open"]}, "mode": {"kind": "fast"}}
    example["filter"]["state"].append("closed")
    example["mode"]["kind"] = "changed"
    assert example_for(schema) == {"filter": {"state": ["open"]}, "mode": {"kind": "fast"}}
