"""Quarantine: a test tagged ``quarantine`` (with ``owner:`` and ``fix-by:``) runs, and its failure is a SKIP.

The library's listener does it, not ``--skiponfailure``: every ``robot`` or ``pabot`` command that runs a
suite importing the library gets the same behaviour, without an option to forget. The component ends last
(it is first in the component list), so it judges the test's final status, after strict mode, recordings
and the live lane had their say. A quarantine the lane rules reject (no owner, no fix-by date, a date
past or beyond the horizon of ``pyproject.toml`` where robot runs) forgives nothing: the failure counts,
with the reason added. Each quarantined test logs a warning
(the log's error section lists them) and says owner and fix-by in its message (log and report); the
console gets the summary when the library closes, and ``agenttest lanes summary OUTPUT.xml`` prints it
for any run's result (a merged pabot or sharded run included).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from robot.api import logger

from ..lanes import LaneSettings, lane_settings, quarantine_of, quarantine_summary
from .context import LibraryContext
from .scopes import LibraryComponent, Scope, TestReport


@dataclass(frozen=True)
class Seen:
    """A quarantined test's outcome, shaped like Robot's result for :func:`quarantine_summary`."""

    full_name: str
    tags: tuple[str, ...]
    status: str
    message: str


class QuarantineKeywords(LibraryComponent):
    def __init__(self, ctx: LibraryContext) -> None:
        super().__init__(ctx)
        self.seen: list[Seen] = []

    @functools.cached_property
    def settings(self) -> tuple[LaneSettings, str]:
        """The lane settings where robot runs, read once; a bad value is a problem of every quarantine."""
        try:
            return lane_settings(Path.cwd()), ""
        except ValueError as error:
            return LaneSettings(), f"cannot be judged: {error}"

    def close(self) -> None:
        if self.seen:
            logger.console("\n".join(quarantine_summary(self.seen)))

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        quarantine = quarantine_of(scope.tags) if report is not None and scope.kind == "test" else None
        if quarantine is None or report is None:
            return
        settings, problem = self.settings
        problems = ([problem] if problem else []) + quarantine.problems(dt.date.today(), settings.horizon_days)
        label = quarantine.label()
        if problems:
            note = f"The quarantine does not hold: the test {'; '.join(problems)}."
            if report.failed:
                report.message = f"{report.message}\n\n{note}"
            logger.warn(f"Test '{scope.name}' {'; '.join(problems)}.")
        elif report.failed:
            report.skip(f"Quarantined ({label}): its failure does not fail the run.\n\nOriginal failure:\n"
                        f"{report.message}")  # fmt: skip
            logger.warn(f"Quarantined test '{scope.name}' failed ({label}); reported as SKIP.")
        elif report.passed:
            report.message = f"Quarantined ({label}); it passed this time."
        self.seen.append(Seen(scope.name, scope.tags, report.status, report.message))
