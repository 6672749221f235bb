"""Keyword components, one per concern; each is a thin layer over the core."""

from .a2a import A2AKeywords
from .agent_servers import AgentServerKeywords
from .agents import AgentKeywords
from .aws import AwsKeywords
from .cassettes import CassetteKeywords
from .context import LibraryContext
from .credentials import CredentialKeywords
from .fake_cli import FakeCliKeywords
from .faults import FaultKeywords
from .hooks import HookKeywords
from .journal import JournalKeywords
from .live import LiveKeywords
from .mcp import McpKeywords
from .mcp_assertions import McpAssertionKeywords
from .mock_llm import MockLLMKeywords
from .quarantine import QuarantineKeywords
from .resilience import ResilienceKeywords
from .rules import RuleKeywords
from .runtimes import RuntimeKeywords
from .scores import ScoreKeywords
from .sealed import SealedNetworkKeywords
from .services import ServiceKeywords
from .transcript import TranscriptKeywords

__all__ = [
    "A2AKeywords",
    "AgentKeywords",
    "AgentServerKeywords",
    "AwsKeywords",
    "CassetteKeywords",
    "CredentialKeywords",
    "FakeCliKeywords",
    "FaultKeywords",
    "HookKeywords",
    "JournalKeywords",
    "LibraryContext",
    "LiveKeywords",
    "McpAssertionKeywords",
    "McpKeywords",
    "MockLLMKeywords",
    "QuarantineKeywords",
    "ResilienceKeywords",
    "RuleKeywords",
    "RuntimeKeywords",
    "ScoreKeywords",
    "SealedNetworkKeywords",
    "ServiceKeywords",
    "TranscriptKeywords",
]
