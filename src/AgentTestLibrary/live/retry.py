"""Bounded retry for live calls: a few attempts with growing backoff, never open-ended."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from ..errors import RetryExhaustedError

MAX_ATTEMPTS = 5
T = TypeVar("T")


def bounded_retry(
    action: Callable[[], T],
    attempts: int = 2,
    backoff_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    final: Callable[[Exception], bool] = lambda error: False,
) -> T:
    """Run ``action`` up to ``attempts`` times (at most 5), waiting ``backoff_s * 2**n`` between tries.

    Errors for which ``final`` is true (e.g. a skip) are raised at once, never retried.
    """
    if not 1 <= attempts <= MAX_ATTEMPTS:
        raise ValueError(f"attempts must be 1 to {MAX_ATTEMPTS} (live retries are bounded); got {attempts}.")
    errors = []
    for attempt in range(attempts):
        try:
            return action()
        except Exception as error:
            if final(error):
                raise
            errors.append(f"attempt {attempt + 1}: {error}")
            if attempt + 1 < attempts:
                sleep(backoff_s * 2**attempt)
    raise RetryExhaustedError(f"All {attempts} attempts failed: " + "; ".join(errors))
