"""Merging a run split across CI machines (``pabot --shard I/N``) back into the one result an unsharded run gives.

Each shard ran into its own folder (``SHARDS/1``, ``SHARDS/2`` ...). The merge puts every shard's
top-level suites under one root, in shard order (pabot's shards are contiguous slices of the suite
order, so this is the unsharded order), and writes ``output.xml``, ``log.html`` and ``report.html``
into ``SHARDS``. Links the library logged (evidence files, relative to the shard's folder) are
prefixed with the shard's folder, so every link in the merged log resolves; evidence and cassette
names cannot collide, since each shard writes under its own folder and no test runs in two shards.
Shard folders come from other machines: a symbolic link anywhere the merge reads or writes is refused,
so nothing outside ``SHARDS`` is read or overwritten.
Robot Framework's result API is used: this lives at the edge, in the command line's package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from robot.api import ExecutionResult, ResultVisitor
from robot.reporting import ResultWriter
from robot.result import Message, Result

RELATIVE_LINK = re.compile(r'((?:href|src)=")(?![A-Za-z][A-Za-z0-9+.-]*:|/|#)([^"]*")')


@dataclass(frozen=True)
class Merged:
    shards: int
    passed: int
    failed: int
    skipped: int
    log: Path

    def summary(self) -> str:
        total = self.passed + self.failed + self.skipped
        return (f"Merged {self.shards} shards: {total} tests, {self.passed} passed, {self.failed} failed, "
                f"{self.skipped} skipped. Log: {self.log}")  # fmt: skip


class _Relink(ResultVisitor):  # type: ignore[misc]
    """Prefix the relative links of HTML messages with the shard's folder."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def start_message(self, message: Message) -> None:
        if message.html:
            message.message = RELATIVE_LINK.sub(lambda found: f"{found[1]}{self.prefix}{found[2]}", message.message)


MERGED_FILES = ("output.xml", "log.html", "report.html")


def refuse_links(paths: list[Path]) -> None:
    """A symbolic link could lead the merge out of its folder: name the first one and stop."""
    for path in paths:
        if path.is_symlink():
            raise ValueError(
                f"{path} is a symbolic link; shard folders come from other machines, so the merge "
                "never follows a link out of its folder. Replace it with the real file or remove it."
            )


def shard_outputs(folder: Path) -> list[Path]:
    """``folder/<n>/output.xml`` of every shard, by shard number."""
    shards = [path for path in folder.glob("*") if path.name.isdigit()]
    refuse_links([folder / name for name in MERGED_FILES] + shards + [shard / "output.xml" for shard in shards])
    found = [path for path in folder.glob("*/output.xml") if path.parent.name.isdigit()]
    if not found:
        raise FileNotFoundError(
            f"No shard results in {folder}: expected {folder}/1/output.xml, {folder}/2/output.xml ... "
            "(make shard SHARD=I/N writes them)."
        )
    return sorted(found, key=lambda path: int(path.parent.name))


def merge_shards(folder: Path) -> Merged:
    outputs = shard_outputs(folder)
    results: list[Result] = []
    for output in outputs:
        result = ExecutionResult(str(output))
        result.suite.visit(_Relink(f"{output.parent.name}/"))
        results.append(result)
    merged = results[0]
    for result in results[1:]:
        if result.suite.name != merged.suite.name:
            raise ValueError(
                f"{outputs[results.index(result)]} is a run of '{result.suite.name}', not '{merged.suite.name}': "
                "every shard must run the same suites."
            )
        for suite in list(result.suite.suites):
            merged.suite.suites.append(suite)
        merged.suite.tests.extend(list(result.suite.tests))
    log = folder / "log.html"
    ResultWriter(merged).write_results(output=str(folder / "output.xml"), log=str(log),
                                       report=str(folder / "report.html"), xunit=None)  # fmt: skip
    stats = merged.suite.statistics
    return Merged(len(outputs), stats.passed, stats.failed, stats.skipped, log)
