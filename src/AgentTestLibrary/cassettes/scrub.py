"""Remove secrets from anything about to be written to a cassette: known values and key patterns."""

from __future__ import annotations

import re
from typing import Any

from ..secrets import SECRET_HEADERS, SecretRegistry

SCRUBBED = "<scrubbed>"
KEY_PATTERNS = (
    re.compile(r"sk-ant-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"sk-(?:proj-)?[A-Za-z0-9_\-]{16,}"),
    re.compile(r"AIza[0-9A-Za-z_\-]{30,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]{12,}"),
    re.compile(r'(?i)("?x-(?:goog-)?api-key"?\s*[:=]\s*"?)[^"\s,}]+'),
)


def scrub_text(text: str, secrets: SecretRegistry) -> str:
    text = secrets.mask_text(text).replace("***", SCRUBBED)
    for pattern in KEY_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() and m.group(1) else "") + SCRUBBED, text)
    return text


def scrub(data: Any, secrets: SecretRegistry) -> Any:
    if isinstance(data, str):
        return scrub_text(data, secrets)
    if isinstance(data, dict):
        return {key: scrub(value, secrets) for key, value in data.items() if str(key).lower() not in SECRET_HEADERS}
    if isinstance(data, list):
        return [scrub(item, secrets) for item in data]
    return data
