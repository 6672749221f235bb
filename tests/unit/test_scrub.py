from __future__ import annotations

import pytest

from AgentTestLibrary.cassettes.scrub import SCRUBBED, scrub, scrub_text
from AgentTestLibrary.secrets import SecretRegistry


@pytest.mark.parametrize(
    "text",
    [
        "sk-proj-abcdefghijklmnop1234567890",
        "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature",
        '{"x-goog-api-key": "plain-looking-key"}',
    ],
)
def test_key_patterns_are_scrubbed(text: str) -> None:
    cleaned = scrub_text(f"before {text} after", SecretRegistry())
    assert SCRUBBED in cleaned and cleaned.startswith("before ") and cleaned.endswith(" after")
    assert (
        "abcdefghijklmnop" not in cleaned and "payload.signature" not in cleaned and "plain-looking-key" not in cleaned
    )


def test_known_values_and_auth_headers_are_removed() -> None:
    secrets = SecretRegistry()
    secrets.add("custom-secret-value")
    data = {"headers": {"Authorization": "Bearer x", "content-type": "json"}, "body": ["has custom-secret-value"]}
    assert scrub(data, secrets) == {"headers": {"content-type": "json"}, "body": [f"has {SCRUBBED}"]}
