"""Which host goes where behind the seal: routes to mocks, the allow-list, and the hosts known to be providers.

A host pattern is an exact host (``api.github.com``) or a shell-style pattern (``*.example.com``
matches any name below ``example.com``; ``*-aiplatform.googleapis.com`` any regional Vertex
host), compared case-insensitively. A route names what answers: ``llm`` (the newest mock LLM),
``aws`` (mock AWS), ``preset:NAME`` (a mock service started from the preset ``NAME``) or the
name of a running mock service, MCP server or A2A agent. Routes added by a test or suite are
tried first (newest first), then :data:`DEFAULT_ROUTES`.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from ..mock.server import MockServer

LLM = "llm"
AWS = "aws"
PRESET = "preset:"

# Where the mocks stand in for real hosts by default; the first matching pattern wins.
DEFAULT_ROUTES: tuple[tuple[str, str], ...] = (
    ("api.openai.com", LLM),
    ("api.anthropic.com", LLM),
    ("generativelanguage.googleapis.com", LLM),
    ("aiplatform.googleapis.com", LLM),
    ("*-aiplatform.googleapis.com", LLM),
    ("*.openai.azure.com", LLM),
    ("bedrock-runtime.*.amazonaws.com", LLM),
    ("bedrock-runtime-fips.*.amazonaws.com", LLM),
    ("api.github.com", f"{PRESET}github"),
    ("slack.com", f"{PRESET}slack"),
    ("*.slack.com", f"{PRESET}slack"),
    ("amazonaws.com", AWS),
    ("*.amazonaws.com", AWS),
)

# Hosts that look like a model provider (or an agent CLI's own backend), named in refusals.
KNOWN_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("api.openai.com", "OpenAI"),
    ("chatgpt.com", "OpenAI (ChatGPT backend)"),
    ("*.chatgpt.com", "OpenAI (ChatGPT backend)"),
    ("api.anthropic.com", "Anthropic"),
    ("generativelanguage.googleapis.com", "Google Gemini"),
    ("aiplatform.googleapis.com", "Google Vertex AI"),
    ("*-aiplatform.googleapis.com", "Google Vertex AI"),
    ("cloudcode-pa.googleapis.com", "Google Code Assist (Gemini CLI)"),
    ("*.openai.azure.com", "Azure OpenAI"),
    ("bedrock-runtime.*.amazonaws.com", "Amazon Bedrock"),
    ("bedrock-runtime-fips.*.amazonaws.com", "Amazon Bedrock"),
    ("api.mistral.ai", "Mistral"),
    ("api.groq.com", "Groq"),
    ("api.cohere.com", "Cohere"),
    ("api.cohere.ai", "Cohere"),
    ("api.deepseek.com", "DeepSeek"),
    ("openrouter.ai", "OpenRouter"),
    ("api.x.ai", "xAI"),
    ("api.together.xyz", "Together AI"),
    ("api.fireworks.ai", "Fireworks AI"),
    ("api.perplexity.ai", "Perplexity"),
    ("ollama.com", "Ollama"),
)

_HOST_NAME = re.compile(r"(?=.{1,253}\Z)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?")
_PATTERN = re.compile(r"[a-z0-9_.*-]{1,253}")


def host_or_none(text: str) -> str | None:
    """``text`` as a lower-case host name or IP literal (brackets kept for IPv6), None when it is neither."""
    host = text.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1])}]"
        except ValueError:
            return None
    if _HOST_NAME.fullmatch(host):
        return host.rstrip(".")
    return None


def check_pattern(pattern: str, what: str) -> str:
    """A host pattern, lower-cased; InputError naming ``what`` when it cannot match a host."""
    text = pattern.strip().lower()
    if not _PATTERN.fullmatch(text) or text.strip("*.") == "":
        raise InputError(f"{what} {pattern!r} is not a host or host pattern; write e.g. api.example.com or "
                         "*.example.com (letters, digits, '-', '.', '*').")  # fmt: skip
    return text


def matches(pattern: str, host: str) -> bool:
    return fnmatch.fnmatchcase(host, pattern)


def first_match(table: tuple[tuple[str, str], ...] | list[tuple[str, str]], host: str) -> str | None:
    """The value of the first (pattern, value) whose pattern matches ``host``."""
    return next((value for pattern, value in table if matches(pattern, host)), None)


def known_provider(host: str) -> str:
    """The provider ``host`` belongs to, '' when it is not a known one."""
    return first_match(KNOWN_PROVIDERS, host) or ""


@dataclass(frozen=True)
class Target:
    """What answers a routed host: a running mock server, or why none does (``problem``)."""

    label: str  # e.g. "mock LLM 'llm-1'"
    server: MockServer | None = None
    problem: str = ""


Decide = Callable[[str], "Target | str | None"]  # host -> a Target (routed), an allow pattern (allowed), None (refused)
Find = Callable[[str], Target]  # a route's target (llm, preset:github, a mock's name) -> what answers it now


@dataclass(frozen=True)
class HostRoute:
    """A route added by a keyword: ``pattern`` to ``target``, until the end of scope ``scope``."""

    pattern: str
    target: str
    scope: str


class Router:
    """One seal's decision per host: the routes keywords added (newest first), then ``allow``, then the defaults.

    Routes are read from the proxy's thread while keywords change them: the tuple is replaced, never mutated.
    """

    def __init__(self, find: Find, allow: tuple[str, ...] = ()) -> None:
        self.find = find
        self.allow = allow
        self.added: tuple[HostRoute, ...] = ()

    def add(self, route: HostRoute) -> None:
        self.added = (route, *self.added)

    def end_scope(self, scope: str) -> None:
        self.added = tuple(route for route in self.added if route.scope != scope)

    def decide(self, host: str) -> Target | str | None:
        target = first_match([(route.pattern, route.target) for route in self.added], host)
        if target is not None:
            return self.find(target)
        allowed = next((pattern for pattern in self.allow if matches(pattern, host)), None)
        if allowed is not None:
            return allowed
        target = first_match(DEFAULT_ROUTES, host)
        return self.find(target) if target is not None else None
