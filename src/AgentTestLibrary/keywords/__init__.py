"""Keyword components, one per concern; each is a thin layer over the core."""

from .context import LibraryContext
from .journal import JournalKeywords
from .mock_llm import MockLLMKeywords
from .rules import RuleKeywords

__all__ = ["JournalKeywords", "LibraryContext", "MockLLMKeywords", "RuleKeywords"]
