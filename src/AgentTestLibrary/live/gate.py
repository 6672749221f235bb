"""Who may run live: the ``RUN_LIVE_TESTS`` master gate, credentials, and the ``.env.live`` seed file."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path

from dotenv import dotenv_values

from ..secrets import SecretRegistry

MASTER_GATE = "RUN_LIVE_TESTS"
REAL_LLM_SWITCH = "USE_REAL_LLM"
ENV_FILE_VARIABLE = "AGENTTEST_ENV_FILE"
DEFAULT_ENV_FILE = ".env.live"
TRUE_VALUES = ("1", "true", "yes", "on")
PROVIDER_CREDENTIALS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_VALUES


def live_enabled(environ: Mapping[str, str] | None = None) -> bool:
    return truthy((os.environ if environ is None else environ).get(MASTER_GATE))


def real_llm_requested(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return truthy(env.get(REAL_LLM_SWITCH)) and live_enabled(env)


def missing(names: Iterable[str], environ: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    return [name for name in names if not env.get(name, "").strip()]


def load_env_file(
    path: str | Path | None, secrets: SecretRegistry, environ: MutableMapping[str, str] | None = None
) -> list[str]:
    """Seed the environment from a dotenv file; real variables win (override=False). Returns names set.

    Every value in the file is registered as a secret, whether or not it was used.
    """
    env = os.environ if environ is None else environ
    file = Path(path or env.get(ENV_FILE_VARIABLE) or DEFAULT_ENV_FILE)
    if not file.is_file():
        return []
    seeded = []
    for name, value in dotenv_values(file).items():
        if value is None:
            continue
        secrets.add(value)
        if name not in env:
            env[name] = value
            seeded.append(name)
    return seeded
