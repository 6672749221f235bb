"""Deterministic token counts and ids: the same input always gives the same numbers."""

from __future__ import annotations

import functools
import hashlib
import re

from ..mock.recent import Recent
from .conversation import Conversation, Reply

_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD, _SPACE = re.compile(r"\w"), re.compile(r"\s")


@functools.lru_cache(maxsize=4096)
def _class_of(character: str) -> bytes:
    """A character's class for :data:`_TOKEN`: w (a word character), a space, p (a mark, a token of its own)."""
    return b"w" if _WORD.fullmatch(character) else b" " if _SPACE.fullmatch(character) else b"p"


# Each ASCII character as its class for :data:`_TOKEN`: w (a word character), p (a mark, a token of its own), space;
# in UTF-8, the first byte of every other character as u (its class is looked up), the bytes that follow it dropped.
_CLASSES = b"".join(_class_of(chr(code)) for code in range(128)).ljust(256, b"u")
_FOLLOWING = bytes(range(0x80, 0xC0))
_ASCII = bytes(range(0x80))
_MARK_AS_SPACE = bytes.maketrans(b"p", b" ")


def count_tokens(text: str) -> int:
    """Words and punctuation marks (``\\w+|[^\\w\\s]``); a stable stand-in for a real tokenizer."""
    if not text:  # most of the fields counted per request are empty (a system prompt, a refusal, reasoning)
        return 0
    if len(text) <= 1024:
        return _count_short(text)
    return _LONG_COUNTS.get(text, len(text), _count_long, text)


def _count_long(text: str) -> int:
    """A long text (a system prompt, a pasted file) counted from its characters' classes, without one object per
    token: 5-30x quicker than the regex's list of tokens (an agent's 85 KB first request: 1.7 ms of it). Characters
    beyond ASCII are classed one by one, so a text mostly of them (CJK ...) is left to the regex, as quick there."""
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) == len(text):  # ASCII
        classes = raw.translate(_CLASSES)
    else:
        others = raw.translate(None, _ASCII).decode("utf-8", "surrogatepass")  # the other characters, in order
        if len(others) * 8 > len(text):
            return len(_TOKEN.findall(text))
        pieces = raw.translate(_CLASSES, _FOLLOWING).split(b"u")
        marks = [_class_of(character) for character in others]
        classes = b"".join([piece + mark for piece, mark in zip(pieces[:-1], marks, strict=True)] + [pieces[-1]])
    marks_counted = classes.count(b"p")
    words = classes.translate(_MARK_AS_SPACE)
    return marks_counted + words.count(b" w") + words.startswith(b"w")


# The counts of long texts seen lately: counting a resent system prompt again took several times longer than looking
# it up (hashing it).
_LONG_COUNTS: Recent[int] = Recent(4 * 1024 * 1024)


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
    for tool in conversation.tools:  # counted once a tool: an agent's requests share them (base.shared_tools)
        counted = tool.__dict__.get("_tokens")
        if counted is None:
            tool.__dict__["_tokens"] = counted = count_tokens(tool.name + " " + tool.description)
        total += counted
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


def reply_id(prefix: str, conversation: Conversation, reply: Reply) -> str:
    """The id of ``reply`` answering ``conversation`` (a completion's, a message's, a response's): 12 hex digits of
    the conversation's fingerprint (the request as sent), then 12 of the reply's own digest (the model answering and
    what it says). The digest is kept on the reply for its latest model: a rule's reply is one object for every request
    it answers, so an id costs no hashing per request."""
    model, kept = conversation.model, reply.__dict__.get("_digest")
    if kept is None or kept[0] != model:
        kept = reply.__dict__["_digest"] = (model, stable_id("", model, reply.text, reply.tool_calls, length=12))
    return prefix + conversation.fingerprint[:12] + kept[1]


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
