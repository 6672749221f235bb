from __future__ import annotations

from AgentTestLibrary.environment import EnvironmentPatch, agent_environment
from AgentTestLibrary.mockllm.conversation import Message, ToolResult
from AgentTestLibrary.secrets import MASK, SecretRegistry


def test_registry_seeds_from_credential_names_only() -> None:
    registry = SecretRegistry({"OPENAI_API_KEY": "sk-real-123456", "HOME": "/root/home", "GH_TOKEN": "ghp_abcdef"})
    assert registry.mask_text("a sk-real-123456 b ghp_abcdef /root/home") == f"a {MASK} b {MASK} /root/home"


def test_short_values_are_not_registered() -> None:
    registry = SecretRegistry()
    registry.add("abc")
    assert registry.values() == ()


def test_mask_nested_data_and_keys() -> None:
    registry = SecretRegistry()
    registry.add("topsecret")
    assert registry.mask({"topsecret": ["x topsecret", 3, None]}) == {MASK: [f"x {MASK}", 3, None]}


def test_mask_frozen_dataclasses() -> None:
    registry = SecretRegistry()
    registry.add("topsecret")
    message = Message("user", "say topsecret", tool_results=(ToolResult("c", "topsecret!"),))
    assert registry.mask(message) == Message("user", f"say {MASK}", tool_results=(ToolResult("c", f"{MASK}!"),))


def test_patch_applies_and_restores_exactly() -> None:
    environ = {"OPENAI_API_KEY": "real", "ANTHROPIC_AUTH_TOKEN": "real-token", "KEEP": "1"}
    patch = EnvironmentPatch(agent_environment("http://127.0.0.1:9"), environ)
    patch.apply()
    assert environ["OPENAI_BASE_URL"] == "http://127.0.0.1:9/v1"
    assert environ["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9"
    assert environ["OPENAI_API_KEY"] != "real"
    assert "ANTHROPIC_AUTH_TOKEN" not in environ
    patch.restore()
    assert environ == {"OPENAI_API_KEY": "real", "ANTHROPIC_AUTH_TOKEN": "real-token", "KEEP": "1"}
