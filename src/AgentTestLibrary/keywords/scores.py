"""The score gate's keywords: load a golden set, score an agent's answer per case, write the suite's scores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from robot.api import logger
from robot.api.deco import keyword

from ..errors import GoldenSetError
from ..naming import slug
from ..report.tables import preformatted, table
from .arguments import check_named
from .context import LibraryContext
from .mock_llm import MockLLMKeywords
from .scopes import LibraryComponent, Scope

if TYPE_CHECKING:
    from ..scores import Case, Scores


class ScoreKeywords(LibraryComponent):
    def __init__(self, ctx: LibraryContext, llm: MockLLMKeywords) -> None:
        super().__init__(ctx)
        self.llm = llm
        self.source = ""
        self.cases: dict[str, Case] = {}
        self.scores: Scores | None = None  # made when a golden set loads (the graders load with it)
        self.seen_index = -1  # the last journal entry whose tool calls a scored case already took

    def start_scope(self, scope: Scope) -> None:
        if scope.kind == "test":
            self.seen_index = -1

    @keyword("Load Golden Set")
    def load_golden_set(self, path: str) -> list[str]:
        """Loads a golden set of agent cases (YAML) and returns its case ids, in file order.

        Scores collected so far are dropped. The file's format (``cases`` with ``id``,
        ``slice``, ``input`` and ``graders``: ``contains``, ``not_contains``, ``regex``,
        ``equals``, ``json_schema``, ``tools``) is in ``docs/reference/formats.md`` (Golden sets);
        errors name the file, line and key.

        Example:
        | @{cases}=    Load Golden Set    ${CURDIR}/golden/cases.yaml
        | FOR    ${id}    IN    @{cases}
        |     ${case}=    Get Golden Case    ${id}
        |     ${answer}=    Run Example Agent    ${case}[input]
        |     Score Agent Answer    ${id}    ${answer}
        | END
        | Write Golden Set Scores
        """
        check_named("Load Golden Set", self.load_golden_set, path=path)
        from ..scores import Scores, load_golden_set

        cases = load_golden_set(path)
        self.source, self.cases = _shown(Path(path)), {case.id: case for case in cases}
        self.scores = Scores(golden_set=self.source)
        logger.info(
            f"Golden set {path}: {len(cases)} case(s) in slice(s) {', '.join(sorted({c.slice for c in cases}))}."
        )
        return list(self.cases)

    def _case(self, case_id: str) -> Case:
        if not self.cases:
            raise GoldenSetError("No golden set is loaded. Call 'Load Golden Set    FILE' first.")
        if case_id not in self.cases:
            listing = ", ".join(self.cases)
            raise GoldenSetError(f"Golden set {self.source} has no case '{case_id}'; its cases: {listing}.")
        return self.cases[case_id]

    @keyword("Get Golden Case")
    def get_golden_case(self, case_id: str) -> dict[str, Any]:
        """Returns case ``case_id`` as a dictionary with ``id``, ``slice``, ``input`` and ``description``."""
        case = self._case(case_id)
        return {"id": case.id, "slice": case.slice, "input": case.input, "description": case.description}

    def _tools_called(self) -> list[str] | None:
        """The tools the mock asked for since the last scored case of this test (None without a mock)."""
        if not self.llm.servers:
            return None
        entries = self.llm.current().entries(self.ctx.current_test is not None)
        fresh = [entry for entry in entries if entry.index > self.seen_index]
        if fresh:
            self.seen_index = fresh[-1].index
        from ..mockllm.conversation import Reply

        return [call.name for entry in fresh if isinstance(entry.reply, Reply) for call in entry.reply.tool_calls]

    @keyword("Score Agent Answer")
    def score_agent_answer(self, case_id: str, answer: str, tools: list[str] | None = None) -> float:
        """Grades ``answer`` by the graders of case ``case_id``; returns the case's score (0 to 1) and logs a table.

        ``tools`` is the sequence of tools the agent called; without it, the tool calls the
        running mock answered since the previous scored case of this test are used (so a
        ``tools`` grader works in the no-model lane as is). Scoring the same case again
        replaces its score. The score never fails the test: the gate is `Write Golden Set
        Scores` and ``agenttest scores compare``.

        Example:
        | ${score}=    Score Agent Answer    list-files    ${answer}
        """
        from ..scores import score_case

        case = self._case(case_id)
        scored = score_case(case, answer, tools if tools is not None else self._tools_called())
        assert self.scores is not None  # a case was found, so a golden set is loaded
        self.scores.add(scored)
        rows = [(verdict.grader, "pass" if verdict.passed else "FAIL", verdict.detail) for verdict in scored.verdicts]
        caption = f"Case {case.id} (slice {case.slice}): {scored.score:.0%}"
        logger.info(self.ctx.secrets.mask_text(table(caption, ("grader", "verdict", "detail"), rows)), html=True)
        return scored.score

    @keyword("Write Golden Set Scores")
    def write_golden_set_scores(self, path: str | None = None, baseline: str | None = None) -> str:
        """Writes the scores of this golden set (aggregate, per slice, per case) as JSON; returns the file's path.

        The default place is ``${OUTPUT DIR}/agenttest-scores/<suite>.json``, where
        ``agenttest scores compare BASELINE ${OUTPUT DIR}`` finds it (pabot workers' folders
        included). With ``baseline``, the slices are compared with it here too and the table
        is logged; a regression fails the keyword.

        Example:
        | Write Golden Set Scores    baseline=${CURDIR}/golden/baseline.json
        """
        from ..scores import SCORES_FOLDER, compare, read_scores

        if self.scores is None or not self.scores.cases:
            raise GoldenSetError("No case was scored. Call 'Score Agent Answer' for each case first.")
        suite = self.ctx.current_suite or "suite"
        default = self.ctx.output_dir / SCORES_FOLDER / f"{slug(suite)}.json"
        target = Path(path) if path else self.ctx.names.claim(default, suite)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.ctx.secrets.mask(self.scores.to_dict()), indent=2),
                          encoding="utf-8")  # fmt: skip
        rows = [(name, f"{value:.1f}%") for name, value in self.scores.slices().items()]
        rows.append(("(aggregate)", f"{self.scores.aggregate() or 0:.1f}%"))
        logger.info(table(f"Golden set scores: {target}", ("slice", "score"), rows), html=True)
        if baseline:
            result = compare(read_scores([baseline]), self.scores)
            logger.info(preformatted(result.table()), html=True)
            if result.regressed:
                raise AssertionError("Scores regressed against " + baseline + ":\n" + result.table())
        return str(target)


def _shown(path: Path) -> str:
    """How a results file names its golden set: relative to the working folder when inside it (no machine paths)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.name
