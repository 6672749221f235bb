"""Tell a sealed network from a real finding when a live test fails.

The seed rule of the live lane: a missing credential skips, a blocked network gives a
*diagnostic* skip (DNS, TCP, proxy, TLS, from :func:`~.egress.diagnose`), and anything else —
a provider's 401/403 with its error body included — stays a failure. A failure whose message
reads like a connection problem (or a cassette that could not reach its upstream) is checked
against the egress diagnosis of the endpoints the test depends on; only a diagnosis that
says *blocked* turns it into a skip.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from .egress import Diagnosis, diagnose

ENDPOINTS = {
    "openai": "https://api.openai.com/v1/models",
    "anthropic": "https://api.anthropic.com/v1/models",
    "gemini": "https://generativelanguage.googleapis.com/v1beta/models",
}
CREDENTIAL_PROVIDERS = {
    "OPENAI_API_KEY": "openai",
    "AZURE_OPENAI_API_KEY": "openai",
    "ANTHROPIC_API_KEY": "anthropic",
    "ANTHROPIC_AUTH_TOKEN": "anthropic",
    "GEMINI_API_KEY": "gemini",
    "GOOGLE_API_KEY": "gemini",
}
NETWORK_FAILURE = re.compile(
    r"APIConnectionError|APITimeoutError|ConnectError|ConnectTimeout|ReadTimeout|ProxyError|Connection error"
    r"|Connection refused|Connection reset|Name or service not known|Temporary failure in name resolution"
    r"|nodename nor servname|getaddrinfo|Network is unreachable|No route to host|timed out|SSLError"
    r"|CERTIFICATE_VERIFY_FAILED|Proxy Authentication Required|could not be reached",
    re.IGNORECASE,
)
URL = re.compile(r"https?://[A-Za-z0-9.\-]+(?::\d+)?")


def looks_like_network_failure(message: str) -> bool:
    return NETWORK_FAILURE.search(message) is not None


def endpoints(message: str, credentials: Iterable[str], tags: Iterable[str]) -> list[str]:
    """The URLs a failed live test depended on: named in its failure, by its credentials, or by provider tags."""
    found = [url for url in URL.findall(message) if "127.0.0.1" not in url and "localhost" not in url]
    providers = [tag.split(":", 1)[1] for tag in tags if tag.startswith("provider:")]
    providers += [CREDENTIAL_PROVIDERS[name] for name in credentials if name in CREDENTIAL_PROVIDERS]
    found += [ENDPOINTS[provider] for provider in providers if provider in ENDPOINTS]
    return list(dict.fromkeys(found or ENDPOINTS.values()))


def blocked(
    urls: Iterable[str], environ: Mapping[str, str], check: Callable[..., Diagnosis] = diagnose
) -> Diagnosis | None:
    """The first diagnosis that says the path to one of ``urls`` is blocked, or None (the network is fine)."""
    for url in urls:
        try:
            diagnosis = check(url, environ)
        except ValueError:
            continue
        if diagnosis.blocked:
            return diagnosis
    return None
