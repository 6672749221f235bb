"""Keyword components, one per concern; each is a thin layer over the core."""

from .context import LibraryContext
from .faults import FaultKeywords
from .journal import JournalKeywords
from .mock_llm import MockLLMKeywords
from .resilience import ResilienceKeywords
from .rules import RuleKeywords

__all__ = [
    "FaultKeywords",
    "JournalKeywords",
    "LibraryContext",
    "MockLLMKeywords",
    "ResilienceKeywords",
    "RuleKeywords",
]
