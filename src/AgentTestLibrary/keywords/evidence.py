"""Evidence files: each test's requests, masked, under ``${OUTPUT DIR}/agenttest-evidence/`` and linked from the log."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from robot.api import logger

from ..naming import per_test_file

if TYPE_CHECKING:
    from ..mock.journal import JournalEntry
    from ..secrets import SecretRegistry
    from .context import LibraryContext
    from .scopes import Scope

FOLDER = "agenttest-evidence"


def log_prefix(output_dir: Path) -> Path:
    """Where a log that links a file of this run sits, relative to the run's output folder.

    Plain robot writes log.html into ``${OUTPUT DIR}``. pabot runs each worker with
    ``${OUTPUT DIR}`` = ``OUT/pabot_results/N`` and merges the logs into ``OUT/log.html``, so a
    link must start with ``pabot_results/N/`` to reach the file from there. (pabot's
    ``--artifacts`` would copy files up instead, renamed with prefixes links cannot know.)
    """
    if output_dir.parent.name == "pabot_results":
        return Path("pabot_results") / output_dir.name
    return Path()


def evidence_payload(
    suite: str, test: str, entries: list[JournalEntry], dropped: int, secrets: SecretRegistry
) -> dict[str, Any]:
    """What one evidence file holds (docs/reference/records.md lists its keys), masked with ``secrets``.

    An entry masks itself with its journal's registry when it is read; it is masked again only when that
    registry is another one, so a long prompt is read by the masker once, not twice."""
    return {
        "suite": secrets.mask_text(suite),
        "test": secrets.mask_text(test),
        "request_count": sum(entry.kind == "request" for entry in entries),  # not the server's own questions
        "dropped_by_journal_cap": dropped,
        "requests": [_masked(entry, secrets) for entry in entries],
    }


def _masked(entry: JournalEntry, secrets: SecretRegistry) -> dict[str, Any]:
    data = entry.to_dict()
    return data if entry.secrets is secrets else secrets.mask(data)


def write_evidence(
    ctx: LibraryContext, scope: Scope, entries: list[JournalEntry], suffix: str, dropped: int, *, what: str = "LLM"
) -> str:
    """Write the test's masked requests to one mock (``suffix`` tells mocks apart in the file name, e.g. ``-1``,
    ``-mcp-tools``); returns the link relative to the output folder (logged as HTML)."""
    suite = scope.parent
    relative = per_test_file(FOLDER, suite, scope.short_name, f"{suffix}.json")
    path = ctx.names.claim(ctx.output_dir / relative, scope.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = evidence_payload(suite, scope.short_name, entries, dropped, ctx.secrets)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    link = (log_prefix(ctx.output_dir) / relative).as_posix()
    note = f", {dropped} earlier ones dropped by the journal cap" if dropped else ""
    shown = html.escape(link)
    logger.info(f'{html.escape(what)} evidence ({len(entries)} requests{note}): <a href="{shown}">{shown}</a>',
                html=True)  # fmt: skip
    return link
