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
    "AZURE_OPENAI_API_KEY": "agenttest-fixture-azure",
}
# The fixture AWS credentials Mock AWS and the Bedrock endpoints accept (shaped like real ones, never real).
FIXTURE_AWS_ACCESS_KEY = "AKIAAGENTTESTFIXTURE"
FIXTURE_AWS_SECRET_KEY = "agenttest-fixture-secret-access-key"
FIXTURE_AWS_REGION = "us-east-1"
FIXTURE_GOOGLE_PROJECT = "agenttest-fixture-project"
FIXTURE_GOOGLE_REGION = "us-east5"
AZURE_API_VERSION = "2025-04-01-preview"
# Real credentials that would otherwise reach the agent and outrank the fixture keys (a bearer token
# for Bedrock or Azure would even be sent to the mock).
REMOVED_CREDENTIALS = (
    "ANTHROPIC_AUTH_TOKEN", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_BEARER_TOKEN_BEDROCK", "AZURE_OPENAI_AD_TOKEN",
)  # fmt: skip


# Unset in real-LLM mode, so SDKs and CLIs fall back to the providers' own endpoints.
REAL_ROUTING_VARIABLES = (
    "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GOOGLE_GEMINI_BASE_URL", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "ANTHROPIC_BEDROCK_BASE_URL", "ANTHROPIC_VERTEX_BASE_URL", "GOOGLE_VERTEX_BASE_URL",
)  # fmt: skip


def agent_environment(url: str) -> dict[str, str | None]:
    """Variables to export (``None`` = unset) so SDKs and agent CLIs use the mock at ``url``: the public APIs,
    Bedrock (boto3, ``AnthropicBedrock``), Vertex AI (google-genai, ``AnthropicVertex``), Azure OpenAI and
    Ollama, with fixture credentials where a client must sign or authenticate."""
    values: dict[str, str | None] = {
        "MOCK_LLM_URL": url,
        "OPENAI_BASE_URL": f"{url}/v1",
        "ANTHROPIC_BASE_URL": url,
        "GOOGLE_GEMINI_BASE_URL": url,
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": url,
        "ANTHROPIC_BEDROCK_BASE_URL": url,
        "AWS_ACCESS_KEY_ID": FIXTURE_AWS_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": FIXTURE_AWS_SECRET_KEY,
        "AWS_REGION": FIXTURE_AWS_REGION,
        "AWS_DEFAULT_REGION": FIXTURE_AWS_REGION,
        "ANTHROPIC_VERTEX_BASE_URL": f"{url}/v1",
        "GOOGLE_VERTEX_BASE_URL": url,
        "ANTHROPIC_VERTEX_PROJECT_ID": FIXTURE_GOOGLE_PROJECT,
        "GOOGLE_CLOUD_PROJECT": FIXTURE_GOOGLE_PROJECT,
        "CLOUD_ML_REGION": FIXTURE_GOOGLE_REGION,
        "GOOGLE_CLOUD_LOCATION": FIXTURE_GOOGLE_REGION,
        "AZURE_OPENAI_ENDPOINT": url,
        "OPENAI_API_VERSION": AZURE_API_VERSION,
        "OLLAMA_HOST": url,
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


def describe(values: Mapping[str, str | None]) -> str:
    """What a patch exports, for the log: ``NAME=value`` (a key, secret or token only by name), then what it unsets."""
    shown = [name if any(word in name for word in ("KEY", "SECRET", "TOKEN")) else f"{name}={value}"
             for name, value in values.items() if value is not None]  # fmt: skip
    removed = [name for name, value in values.items() if value is None]
    return ", ".join(shown) + (f"; unset: {', '.join(removed)}" if removed else "")


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
