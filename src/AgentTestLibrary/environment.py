"""What a child agent process must see to talk to the mock instead of a real provider."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path

FIXTURE_KEYS = {
    "OPENAI_API_KEY": "sk-agenttest-fixture-openai",
    "ANTHROPIC_API_KEY": "sk-ant-agenttest-fixture",
    "GEMINI_API_KEY": "agenttest-fixture-gemini",
    "GOOGLE_API_KEY": "agenttest-fixture-gemini",
}
# The fixture AWS credentials Mock AWS and the Bedrock endpoints accept (shaped like real ones, never real).
FIXTURE_AWS_ACCESS_KEY = "AKIAAGENTTESTFIXTURE"
FIXTURE_AWS_SECRET_KEY = "agenttest-fixture-secret-access-key"
# Real credentials that would otherwise reach the agent and outrank the fixture keys.
REMOVED_CREDENTIALS = ("ANTHROPIC_AUTH_TOKEN", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")


# Unset in real-LLM mode, so SDKs and CLIs fall back to the providers' own endpoints.
REAL_ROUTING_VARIABLES = ("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GOOGLE_GEMINI_BASE_URL")


def agent_environment(url: str) -> dict[str, str | None]:
    """Variables to export (``None`` = unset) so SDKs and agent CLIs use the mock at ``url``."""
    values: dict[str, str | None] = {
        "MOCK_LLM_URL": url,
        "OPENAI_BASE_URL": f"{url}/v1",
        "ANTHROPIC_BASE_URL": url,
        "GOOGLE_GEMINI_BASE_URL": url,
        **FIXTURE_KEYS,
    }
    values.update({name: None for name in REMOVED_CREDENTIALS})
    return values


class EnvironmentPatch:
    """Apply variables to an environment and put back exactly what was there before."""

    def __init__(self, values: Mapping[str, str | None], environ: MutableMapping[str, str] | None = None) -> None:
        self.values = dict(values)
        self.environ = os.environ if environ is None else environ
        self._saved: dict[str, str | None] = {}

    def apply(self) -> None:
        self._saved = {name: self.environ.get(name) for name in self.values}
        for name, value in self.values.items():
            _set(self.environ, name, value)

    def restore(self) -> None:
        for name, value in self._saved.items():
            _set(self.environ, name, value)
        self._saved = {}


def _set(environ: MutableMapping[str, str], name: str, value: str | None) -> None:
    if value is None:
        environ.pop(name, None)
    else:
        environ[name] = value


def agenttest_command() -> list[str]:
    """How child processes (hooks, MCP configs) call this library: the ``agenttest`` script next to this Python,
    else ``python -m AgentTestLibrary``; absolute either way, since agents may clear PATH."""
    script = Path(sys.executable).with_name("agenttest")
    return [str(script)] if script.exists() else [sys.executable, "-m", "AgentTestLibrary"]
