"""At each test's end, the log gets one readable transcript of everything the agent exchanged with the mocks."""

from __future__ import annotations

from robot.api import logger

from ..report.transcript import Exchange, render
from .scopes import LibraryComponent, Scope, TestReport

SHOWN_KINDS = ("request", "refused", "warm-up")  # not admin calls of the library itself


class TranscriptKeywords(LibraryComponent):
    """Ends first (it is last in the component list), so every mock's entries of the test are still at hand."""

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        if report is None:
            return
        exchanges = []
        for component in self.ctx.served:
            for number, served in enumerate(component.of_test(None)):
                label = component.transcript_label(number, served)
                entries = [entry for entry in served.app.journal.entries(served.test_mark) if entry.kind in SHOWN_KINDS]
                exchanges += [Exchange(component.source, label, entry.to_dict()) for entry in entries]
        text = render(exchanges)
        if text:
            logger.info(self.ctx.secrets.mask_text(text), html=True)
