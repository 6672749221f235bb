"""Deterministic token counts and ids: the same input always gives the same numbers."""

from __future__ import annotations

import functools
import hashlib
import re

from .conversation import Conversation, Reply

_TOKEN = re.compile(r"\w+|[^\w\s]")
# Each ASCII character as its class for :data:`_TOKEN`: w (a word character), p (a mark, a token of its own), space.
_CLASSES = bytes(
    ord("w" if re.fullmatch(r"\w", chr(code)) else " " if re.fullmatch(r"\s", chr(code)) else "p")
    for code in range(128)
).ljust(256, b"p")


def count_tokens(text: str) -> int:
    """Words and punctuation marks; a stable stand-in for a real tokenizer."""
    if not text:  # most of the fields counted per request are empty (a system prompt, a refusal, reasoning)
        return 0
    if len(text) <= 1024:
        return _count_short(text)
    if not text.isascii():
        return len(_TOKEN.findall(text))
    # A long ASCII text (a pasted file): counted from its classes without one object per token, ~50x faster.
    classes = text.encode("ascii").translate(_CLASSES)
    words = classes.count(b" w") + classes.count(b"pw") + classes.startswith(b"w")
    return words + classes.count(b"p")


@functools.lru_cache(maxsize=4096)  # scenario replies and tool descriptions repeat; the cache stays small
def _count_short(text: str) -> int:
    return len(_TOKEN.findall(text))


def conversation_tokens(conversation: Conversation) -> int:
    """Summed as it goes (once per request: no list of parts, no generator per message)."""
    total = count_tokens(conversation.system)
    for message in conversation.messages:
        total += count_tokens(message.sent_text)
        for call in message.tool_calls:
            total += count_tokens(call.name + " " + call.arguments_json())
        for result in message.tool_results:
            total += count_tokens(result.content)
    for tool in conversation.tools:
        total += count_tokens(tool.name + " " + tool.description)
    return max(1, total)


def reply_tokens(reply: Reply) -> int:
    """Kept on the reply once counted: a rule's reply is one object for every request it answers."""
    kept = reply.__dict__.get("_tokens")
    if kept is not None:
        return int(kept)
    total = count_tokens(reply.text) + count_tokens(reply.refusal) + count_tokens(reply.reasoning)
    for call in reply.tool_calls:
        total += count_tokens(call.name + " " + call.arguments_json())
    reply.__dict__["_tokens"] = total = max(1, total)
    return total


def token_usage(reply: Reply, conversation: Conversation) -> tuple[int, int]:
    """The input and output tokens a response reports: the rule's own ``usage``, else counted."""
    usage = reply.usage
    if usage is not None:
        return usage.input_tokens, usage.output_tokens
    return conversation_tokens(conversation), reply_tokens(reply)


def stable_id(prefix: str, *parts: object, length: int = 24) -> str:
    """An id derived from content, so replays of the same conversation get the same ids."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass"), digest_size=16)
    return prefix + digest.hexdigest()[:length]


_PIECE = re.compile(r"\s*\S+\s*|\s+")


def text_chunks(text: str, words_per_chunk: int = 3) -> tuple[str, ...]:
    """Split text into stream deltas of a few words, keeping whitespace so they re-join exactly."""
    return _short_chunks(text, words_per_chunk) if len(text) <= 1024 else _chunks(text, words_per_chunk)


@functools.lru_cache(maxsize=1024)  # a scenario's replies repeat: their deltas are worked out once
def _short_chunks(text: str, words_per_chunk: int) -> tuple[str, ...]:
    return _chunks(text, words_per_chunk)


def _chunks(text: str, words_per_chunk: int) -> tuple[str, ...]:
    pieces = _PIECE.findall(text)
    return tuple("".join(pieces[i : i + words_per_chunk]) for i in range(0, len(pieces), words_per_chunk))


def json_chunks(payload: str, size: int = 16) -> list[str]:
    return [payload[i : i + size] for i in range(0, len(payload), size)] or [""]
