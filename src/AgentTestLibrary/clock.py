"""Times as every record the library writes gives them: ISO 8601 in UTC with microseconds, ending in ``Z``.

Journals, evidence, hook events and fake CLI calls all use it, so their times sort as text and read
the same everywhere. Standard library only: the hooks bridge imports it on every agent hook.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone


def iso(moment: float | None = None) -> str:
    """``moment`` (seconds since the epoch; now when None) as ``2026-12-01T23:45:35.613000Z``."""
    stamp = datetime.fromtimestamp(time.time() if moment is None else moment, timezone.utc)
    return stamp.isoformat(timespec="microseconds").replace("+00:00", "Z")
