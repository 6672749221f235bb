"""Token counts of the model mock: the per-request sums count every part of a conversation and a reply."""

from __future__ import annotations

import re

from AgentTestLibrary.mockllm.conversation import Conversation, Message, Reply, Tool, ToolCall, ToolResult
from AgentTestLibrary.mockllm.tokens import conversation_tokens, count_tokens, reply_id, reply_tokens

WORDS = re.compile(r"\w+|[^\w\s]")


def words(text: str) -> int:
    return len(WORDS.findall(text))


def test_empty_text_counts_no_tokens_and_other_text_its_words_and_marks() -> None:
    assert count_tokens("") == 0
    assert count_tokens("hello, world!") == 4
    assert count_tokens("   ") == 0


def test_a_conversation_counts_its_system_prompt_messages_calls_results_and_tools() -> None:
    call = ToolCall("c1", "lookup", {"city": "Oslo", "days": 3})
    conversation = Conversation(
        "openai.chat",
        "m",
        (
            Message("user", "what is the weather?", harness_blocks=("<env>cwd: /tmp</env>",)),
            Message("assistant", "let me look", tool_calls=(call,)),
            Message("user", tool_results=(ToolResult("c1", "sunny, 21 C"),)),
        ),
        system="You are terse.",
        tools=(Tool("lookup", "Looks up the weather.", None),),
    )
    expected = (words("You are terse.") + words("<env>cwd: /tmp</env>\nwhat is the weather?") + words("let me look")
                + words('lookup {"city":"Oslo","days":3}') + words("sunny, 21 C")
                + words("lookup Looks up the weather."))  # fmt: skip
    assert conversation_tokens(conversation) == expected == 49
    assert conversation_tokens(conversation) == 49  # again, with the tool's count kept on it
    assert conversation_tokens(Conversation("openai.chat", "m", (Message("user", ""),))) == 1  # never 0


def test_a_reply_counts_its_text_refusal_reasoning_and_calls() -> None:
    reply = Reply("done.", (ToolCall("c2", "save", "x y"),), refusal="no", reasoning="because")
    assert reply_tokens(reply) == words("done.") + words("no") + words("because") + words("save x y") == 7
    assert reply_tokens(Reply()) == 1


def test_long_texts_count_as_the_token_pattern_does_whatever_their_characters() -> None:
    import random

    pool = ("abc XYZ_09 \t\n.,;:!?\"'()[]{}<>/\\-+*=#@%&|~`$^ é ü ß ñ Ω 中文 日本語 한국어 — “ ” … ✓ 🙂 \u00a0 \u2028 "
            "\u0301 \u200b \x1c \x1f ١٢٣ ½ \ud800 \udfff")  # fmt: skip
    generator = random.Random(7)
    for size in (1025, 3000, 20000):
        for share in (0.0, 0.02, 0.1, 0.2, 0.9):  # how much of the text is beyond ASCII
            ascii_part = [c for c in pool if c.isascii()]
            other = [c for c in pool if not c.isascii()]
            text = "".join(generator.choice(other if generator.random() < share else ascii_part) for _ in range(size))
            assert count_tokens(text) == words(text), (size, share)
    for text in ("é" + "a" * 2000, "a" * 2000 + "é", "é" * 2000, "中" * 3000, "\ud800" + " x" * 1000):
        assert count_tokens(text) == words(text)


def test_a_reply_id_is_the_same_for_the_same_request_and_reply_and_differs_when_either_does() -> None:
    def asked(model: str, raw: bytes) -> Conversation:
        return Conversation("openai.chat", model, (Message("user", "hi"),)).fingerprinted(raw)

    reply, other = Reply(text="hello"), Reply(text="hello", tool_calls=(ToolCall("c1", "lookup", {}),))
    first = reply_id("chatcmpl-", asked("m", b"{1}"), reply)
    assert re.fullmatch(r"chatcmpl-[0-9a-f]{24}", first)
    assert reply_id("chatcmpl-", asked("m", b"{1}"), Reply(text="hello")) == first  # a replay: a new, equal reply
    ids = {
        first,
        reply_id("chatcmpl-", asked("m", b"{2}"), reply),  # another request
        reply_id("chatcmpl-", asked("m", b"{1}"), Reply(text="hello!")),  # another answer
        reply_id("chatcmpl-", asked("m", b"{1}"), other),  # the same text with a tool call
        reply_id("chatcmpl-", asked("m2", b"{1}"), reply),  # another model (a path's, not in the body)
    }
    assert len(ids) == 5
    assert reply_id("chatcmpl-", asked("m", b"{1}"), reply) == first  # back to the first model
