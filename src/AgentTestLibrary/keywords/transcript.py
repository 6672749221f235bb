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
        for number, mock in enumerate(self.ctx.mocks_of_test()):
            label = "LLM" if number == 0 else f"LLM #{number + 1}"
            entries = [entry for entry in mock.app.journal.entries(mock.test_mark) if entry.kind in SHOWN_KINDS]
            exchanges += [Exchange("llm", label, entry.to_dict()) for entry in entries]
        for component in self.ctx.served:
            for served in component.of_test(None):
                label = (
                    f"{component.label} {served.name}" if component.label != served.name.upper() else component.label
                )
                exchanges += [Exchange(component.source, label, entry.to_dict()) for entry in served.entries(True)]
        text = render(exchanges)
        if text:
            logger.info(self.ctx.secrets.mask_text(text), html=True)
