"""The wire formats and providers the model mock speaks: names shared by every layer."""

from __future__ import annotations

PROTOCOLS = ("openai.chat", "openai.responses", "anthropic.messages", "gemini.generate")
PROVIDERS = ("openai", "anthropic", "gemini")
