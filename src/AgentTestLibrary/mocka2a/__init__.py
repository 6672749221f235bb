"""Mock A2A agents: an agent card and A2A 1.0 / 0.3 JSON-RPC over HTTP, scripted, journaled, faulted.

``MockServer(MockA2A(load_a2a_agent(FILE, "researcher"))).start()`` serves one on loopback; its
base URL is what clients resolve the card from (``/.well-known/agent-card.json``). No Robot
Framework imports: pytest and the CLI use it directly.
"""

from .app import MockA2A
from .codec import CARD_PATHS, RPC_PATH
from .loader import a2a_agent_from_text, agent_names, load_a2a_agent
from .model import ECHO_AGENT, VERSIONS, AgentSpec

__all__ = [
    "CARD_PATHS",
    "ECHO_AGENT",
    "RPC_PATH",
    "VERSIONS",
    "AgentSpec",
    "MockA2A",
    "a2a_agent_from_text",
    "agent_names",
    "load_a2a_agent",
]
