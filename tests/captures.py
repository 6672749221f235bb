"""Requests captured from real clients (copied from the shared reference; headers redacted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CAPTURES = Path(__file__).parent / "fixtures" / "captures"


def load_capture(name: str) -> dict[str, Any]:
    """One capture: ``{"method", "path", "query", "headers", "body"}``."""
    data: dict[str, Any] = json.loads((CAPTURES / name).read_text(encoding="utf-8"))
    return data
