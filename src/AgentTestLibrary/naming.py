"""File names derived from suite and test names (evidence files, cassettes)."""

from __future__ import annotations

import re
from pathlib import Path


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:120] or "unnamed"


def per_test_file(directory: str | Path, suite: str, test: str, suffix: str) -> Path:
    """``directory/<suite slug>/<test slug><suffix>``: one file per test, stable across runs."""
    return Path(directory) / slug(suite) / f"{slug(test)}{suffix}"
