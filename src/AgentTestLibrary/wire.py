"""The wire formats and providers the model mock speaks: names shared by every layer."""

from __future__ import annotations

from typing import Literal, get_args

WireProtocol = Literal[
    "openai.chat", "openai.responses", "anthropic.messages", "gemini.generate", "bedrock.converse", "bedrock.invoke",
    "azure.chat", "azure.responses", "ollama.chat", "ollama.generate", "vertex.gemini", "vertex.anthropic",
]  # fmt: skip
# What the journal labels requests with: the model calls, and the answers that are not model calls.
JournalProtocol = Literal[
    "openai.chat", "openai.responses", "anthropic.messages", "gemini.generate", "bedrock.converse", "bedrock.invoke",
    "azure.chat", "azure.responses", "ollama.chat", "ollama.generate", "vertex.gemini", "vertex.anthropic",
    "anthropic.count_tokens", "gemini.count_tokens", "bedrock.count_tokens", "vertex.count_tokens",
    "openai.embeddings", "azure.embeddings", "ollama.embed", "vertex.embeddings",
]  # fmt: skip
Provider = Literal["openai", "anthropic", "gemini", "bedrock", "azure", "ollama", "vertex"]
PROTOCOLS: tuple[str, ...] = get_args(WireProtocol)
PROVIDERS: tuple[str, ...] = get_args(Provider)
# The sections of a scenario file: the model mock reads its own, each mock MCP server its entry of
# ``mcp_servers``, each mock A2A agent its entry of ``a2a_agents``; every loader refuses other keys,
# so a typo never passes silently.
MODEL_SECTIONS = ("strict", "models", "default_reply", "embedding_dimensions", "rules", "faults")
SCENARIO_SECTIONS = ("version", *MODEL_SECTIONS, "mcp_servers", "a2a_agents")
