"""One registry of secret values to mask, used by the journal, evidence and logs.

Seeded from the environment (names ending in _API_KEY, _TOKEN, _SECRET, _PASSWORD ...)
and extended with :meth:`SecretRegistry.add`. Masking replaces every occurrence of a known
value anywhere in a string or nested JSON data.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from collections.abc import Mapping
from typing import Any

MASK = "***"
REDACTED = "[REDACTED]"
SECRET_ENV_NAME = re.compile(r"(API_KEY|APIKEY|ACCESS_KEY|SECRET_KEY|_TOKEN|_SECRET|PASSWORD)$", re.IGNORECASE)
SECRET_HEADERS = frozenset(
    {"authorization", "x-api-key", "api-key", "x-goog-api-key", "cookie", "set-cookie", "proxy-authorization"}
)
MIN_SECRET_LENGTH = 6


class SecretRegistry:
    """Thread-safe set of values that must never appear in output."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._ordered: tuple[str, ...] = ()  # longest first, rebuilt on add: masking reads it per string
        if values:
            self.add_from_environment(values)

    def add(self, value: str | None) -> None:
        if value and len(value) >= MIN_SECRET_LENGTH and value not in self._values:
            with self._lock:
                self._values.add(value)
                self._ordered = tuple(sorted(self._values, key=len, reverse=True))

    def add_from_environment(self, environ: Mapping[str, str] | None = None) -> None:
        for name, value in (os.environ if environ is None else environ).items():
            if SECRET_ENV_NAME.search(name):
                self.add(value)

    def values(self) -> tuple[str, ...]:
        return self._ordered

    def mask_text(self, text: str) -> str:
        for value in self.values():
            if value in text:
                text = text.replace(value, MASK)
        return text

    def mask(self, data: Any) -> Any:
        """Mask every known secret value inside nested JSON-like data or frozen dataclasses."""
        if not self.values():
            return data
        return self._mask(data)

    def _mask(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.mask_text(data)
        if isinstance(data, dict):
            return {self.mask_text(str(key)): self._mask(value) for key, value in data.items()}
        if isinstance(data, list):
            return [self._mask(item) for item in data]
        if isinstance(data, tuple):
            return tuple(self._mask(item) for item in data)
        if dataclasses.is_dataclass(data) and not isinstance(data, type):
            changes = {f.name: self._mask(getattr(data, f.name)) for f in dataclasses.fields(data) if f.init}
            return dataclasses.replace(data, **changes)
        return data

    def mask_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Credential headers are dropped to a marker; others are masked like any text."""
        return {
            name: REDACTED if name.lower() in SECRET_HEADERS else self.mask_text(value)
            for name, value in headers.items()
        }
