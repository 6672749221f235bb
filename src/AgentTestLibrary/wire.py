"""The wire formats and providers the model mock speaks: names shared by every layer."""

from __future__ import annotations

from typing import Literal, get_args

WireProtocol = Literal["openai.chat", "openai.responses", "anthropic.messages", "gemini.generate"]
# What the journal labels requests with: the model calls, and the answers that are not model calls.
JournalProtocol = Literal[
    "openai.chat", "openai.responses", "anthropic.messages", "gemini.generate",
    "anthropic.count_tokens", "gemini.count_tokens", "openai.embeddings",
]  # fmt: skip
Provider = Literal["openai", "anthropic", "gemini"]
PROTOCOLS: tuple[str, ...] = get_args(WireProtocol)
PROVIDERS: tuple[str, ...] = get_args(Provider)
