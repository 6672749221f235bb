"""The score regression gate: a golden set of agent cases, graders per case, slice scores, and the comparison.

A golden set is YAML::

    version: 1
    cases:
      - id: list-files                  # unique; names the case in results and tables
        slice: files                    # scores are reported per slice (default: "default")
        input: List the files please    # what the test gives the agent
        graders:                        # each passes or fails; the case scores the share that passed
          - contains: notes.txt
          - not_contains: error
          - regex: "\\bnotes\\.txt\\b"   # bounded in time, like scenario regexes
          - equals: The directory holds notes.txt.
          - json_schema: {type: object, required: [files]}   # the answer parsed as JSON
          - tools: [list_files]         # the exact sequence of tools the agent had called

A case's score is the fraction of its graders that passed (0 to 1); a slice's is the mean of its
cases, in percent; the aggregate is the mean of every case. A results file (what `Write Golden Set
Scores` writes) and a baseline have the same shape, so a baseline is a reviewed results file.
:func:`compare` fails a slice that fell by more than the threshold (percentage points), a slice or
case the results lack, and says so in a table. No Robot Framework.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import GoldenSetError
from .mock.fields import Pattern
from .mock.schema import problems as schema_problems
from .mock.schema import schema_problem
from .validation import Validator, data_from, parse_yaml, read_text

VERSION = 1
DEFAULT_SLICE = "default"
DEFAULT_THRESHOLD_PP = 2.0
SCORES_FOLDER = "agenttest-scores"  # under ${OUTPUT DIR}: one results file per suite that scored cases
CASE_KEYS = ("id", "slice", "input", "graders", "description")
GRADER_KINDS = ("contains", "not_contains", "regex", "equals", "json_schema", "tools")


@dataclass(frozen=True)
class Grader:
    kind: str
    expected: Any

    def describe(self) -> str:
        shown = self.expected.pattern if isinstance(self.expected, Pattern) else self.expected
        return f"{self.kind}: {json.dumps(shown, ensure_ascii=False)[:80]}"


@dataclass(frozen=True)
class Case:
    id: str
    slice: str
    input: str
    graders: tuple[Grader, ...]
    description: str = ""


@dataclass(frozen=True)
class Verdict:
    grader: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class CaseScore:
    case: str
    slice: str
    verdicts: tuple[Verdict, ...]

    @property
    def score(self) -> float:
        return sum(verdict.passed for verdict in self.verdicts) / len(self.verdicts)

    def to_dict(self) -> dict[str, Any]:
        graders = [{"grader": v.grader, "passed": v.passed, "detail": v.detail} for v in self.verdicts]
        return {"slice": self.slice, "score": round(self.score, 6), "graders": graders}


class _GoldenValidator(Validator):
    error_class = GoldenSetError

    def golden_set(self, data: Any) -> list[Case]:
        top = self.mapping(data, (), ("version", "cases"))
        if top.get("version") != VERSION:
            raise self.fail(("version",), f"expected version: {VERSION}; got {top.get('version')!r}.")
        cases = [self.case(raw, ("cases", index)) for index, raw in enumerate(self.items(top.get("cases"), ("cases",),
                                                                                         "cases"))]  # fmt: skip
        if not cases:
            raise self.fail(("cases",), "a golden set needs at least one case.")
        ids = [case.id for case in cases]
        for index, name in enumerate(ids):
            if name in ids[:index]:
                raise self.fail(("cases", index, "id"), f"duplicate case id '{name}'; ids must be unique.")
        return cases

    def case(self, raw: Any, path: tuple[Any, ...]) -> Case:
        case = self.mapping(raw, path, CASE_KEYS)
        for key in ("id", "input", "graders"):
            if key not in case:
                raise self.fail(path, f"a case needs '{key}'.")
        identifier = self.typed(case["id"], (*path, "id"), str, "a string")
        if not identifier.strip():
            raise self.fail((*path, "id"), "a case id cannot be empty.")
        graders = self.items(case["graders"], (*path, "graders"), "graders")
        if not graders:
            raise self.fail((*path, "graders"), f"a case needs at least one grader ({', '.join(GRADER_KINDS)}).")
        return Case(
            identifier,
            self.typed(case.get("slice", DEFAULT_SLICE), (*path, "slice"), str, "a string"),
            self.typed(case["input"], (*path, "input"), str, "a string"),
            tuple(self.grader(item, (*path, "graders", index)) for index, item in enumerate(graders)),
            str(case.get("description", "")),
        )

    def grader(self, raw: Any, path: tuple[Any, ...]) -> Grader:
        item = self.mapping(raw, path, GRADER_KINDS)
        if len(item) != 1:
            raise self.fail(path, f"a grader is one of {', '.join(GRADER_KINDS)}, one per list item.")
        kind, expected = next(iter(item.items()))
        where = (*path, kind)
        if kind in ("contains", "not_contains", "equals"):
            return Grader(kind, self.typed(expected, where, str, "a string"))
        if kind == "regex":
            try:
                return Grader(kind, Pattern(self.typed(expected, where, str, "a regular expression")))
            except Exception as error:  # noqa: BLE001 - the regex module raises its own error class
                raise self.fail(where, f"invalid regular expression: {error}.") from None
        if kind == "json_schema":
            problem = schema_problem(expected)
            if problem:
                raise self.fail(where, f"{problem}.")
            return Grader(kind, expected)
        names = self.items(expected, where, "tool names")
        return Grader(kind, tuple(self.typed(name, (*where, i), str, "a tool name") for i, name in enumerate(names)))


def load_golden_set(path: str | Path) -> list[Case]:
    source = str(path)
    data, lines = parse_yaml(read_text(path, "Golden set", GoldenSetError), source, GoldenSetError)
    return _GoldenValidator(source, lines).golden_set(data)


def parse_golden_set(value: Any, source: str = "golden set") -> list[Case]:
    """A golden set given as data or YAML text (keyword input)."""
    return _GoldenValidator(source).golden_set(data_from(value, source, GoldenSetError))


def _contains(expected: str, answer: str, tools: Sequence[str] | None) -> tuple[bool, str]:
    return expected in answer, "found" if expected in answer else f"'{expected}' is not in the answer"


def _not_contains(expected: str, answer: str, tools: Sequence[str] | None) -> tuple[bool, str]:
    return expected not in answer, "absent" if expected not in answer else f"'{expected}' is in the answer"


def _equals(expected: str, answer: str, tools: Sequence[str] | None) -> tuple[bool, str]:
    same = answer.strip() == expected.strip()
    return same, "equal" if same else f"expected {expected!r}, got {answer.strip()[:200]!r}"


def _regex(expected: Pattern, answer: str, tools: Sequence[str] | None) -> tuple[bool, str]:
    found = expected.search(answer)
    if found is None:
        return False, f"the pattern {expected.pattern!r} ran out of time"
    return found, "matches" if found else f"no match for {expected.pattern!r}"


def _json_schema(expected: Any, answer: str, tools: Sequence[str] | None) -> tuple[bool, str]:
    try:
        value = json.loads(answer)
    except ValueError:
        return False, f"the answer is not JSON: {answer.strip()[:120]!r}"
    found = schema_problems(value, expected)
    return not found, "conforms" if not found else "; ".join(found[:3])


def _tools(expected: tuple[str, ...], answer: str, tools: Sequence[str] | None) -> tuple[bool, str]:
    if tools is None:
        return False, "no tool sequence known: give tools= or run the agent against a mock"
    same = tuple(tools) == expected
    return same, "same sequence" if same else f"expected {list(expected)}, the agent called {list(tools)}"


GRADERS: dict[str, Callable[[Any, str, Sequence[str] | None], tuple[bool, str]]] = {
    "contains": _contains, "not_contains": _not_contains, "equals": _equals, "regex": _regex,
    "json_schema": _json_schema, "tools": _tools,
}  # fmt: skip


def score_case(case: Case, answer: str, tools: Sequence[str] | None = None) -> CaseScore:
    verdicts = []
    for grader in case.graders:
        passed, detail = GRADERS[grader.kind](grader.expected, answer, tools)
        verdicts.append(Verdict(grader.describe(), bool(passed), detail))
    return CaseScore(case.id, case.slice, tuple(verdicts))


@dataclass
class Scores:
    """Case scores (0..1) with their slices: what a results file and a baseline hold."""

    cases: dict[str, tuple[str, float]] = field(default_factory=dict)  # case id -> (slice, score)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    golden_set: str = ""

    def add(self, scored: CaseScore) -> None:
        self.cases[scored.case] = (scored.slice, scored.score)
        self.details[scored.case] = scored.to_dict()

    def slices(self) -> dict[str, float]:
        """Each slice's score in percent, by name."""
        grouped: dict[str, list[float]] = {}
        for slice_name, score in self.cases.values():
            grouped.setdefault(slice_name, []).append(score)
        return {name: 100 * sum(values) / len(values) for name, values in sorted(grouped.items())}

    def aggregate(self) -> float | None:
        return 100 * sum(score for _, score in self.cases.values()) / len(self.cases) if self.cases else None

    def to_dict(self) -> dict[str, Any]:
        aggregate = self.aggregate()
        return {
            "version": VERSION,
            "golden_set": self.golden_set,
            "aggregate": round(aggregate, 4) if aggregate is not None else None,
            "slices": {name: round(value, 4) for name, value in self.slices().items()},
            "cases": {
                case: self.details.get(case, {"slice": s, "score": round(v, 6)})
                for case, (s, v) in sorted(self.cases.items())
            },
        }


def read_scores(paths: Iterable[str | Path]) -> Scores:
    """Scores from result files, or from folders: their ``agenttest-scores/*.json`` at any depth (pabot workers'
    included), else the ``*.json`` files directly in them."""
    scores = Scores()
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(path.rglob(f"{SCORES_FOLDER}/*.json")) or sorted(path.glob("*.json"))
        elif path.is_file():
            files.append(path)
        else:
            raise GoldenSetError(f"Scores file or folder '{path}' does not exist.")
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except ValueError as error:
            raise GoldenSetError(f"{file}: not a scores file (invalid JSON: {error}).") from None
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("cases"), dict):
            raise GoldenSetError(f"{file}: not a scores file: expected {{version: {VERSION}, cases: {{...}}}}.")
        for case, entry in data["cases"].items():
            if not isinstance(entry, dict) or not isinstance(entry.get("score"), int | float):
                raise GoldenSetError(f"{file}: cases.{case}: expected {{slice, score}}; got {entry!r}.")
            scores.golden_set = scores.golden_set or str(data.get("golden_set") or "")
            scores.cases[str(case)] = (str(entry.get("slice", DEFAULT_SLICE)), float(entry["score"]))
            scores.details[str(case)] = entry
    if not scores.cases:
        raise GoldenSetError(f"No scores in {', '.join(map(str, paths))}: run the suite that writes them first.")
    return scores


@dataclass(frozen=True)
class Comparison:
    rows: list[tuple[str, float | None, float | None, str]]  # slice, baseline %, results %, verdict
    problems: list[str]

    @property
    def regressed(self) -> bool:
        return bool(self.problems)

    def table(self) -> str:
        width = max(len("slice"), *(len(row[0]) for row in self.rows))
        lines = [f"{'slice':<{width}}  {'baseline':>8}  {'now':>8}  {'change':>9}  verdict"]
        for name, before, now, verdict in self.rows:
            change = f"{now - before:+.1f} pp" if before is not None and now is not None else "-"
            shown = [f"{value:.1f}%" if value is not None else "-" for value in (before, now)]
            lines.append(f"{name:<{width}}  {shown[0]:>8}  {shown[1]:>8}  {change:>9}  {verdict}")
        return "\n".join(lines + [f"- {problem}" for problem in self.problems])


def compare(baseline: Scores, results: Scores, threshold_pp: float = DEFAULT_THRESHOLD_PP) -> Comparison:
    """Every slice of the baseline against the results; a fall by more than ``threshold_pp`` is a regression."""
    rows: list[tuple[str, float | None, float | None, str]] = []
    problems = []
    before, now = baseline.slices(), results.slices()
    for name in sorted(set(before) | set(now)):
        old, new = before.get(name), now.get(name)
        if old is None:
            rows.append((name, None, new, "new slice"))
        elif new is None:
            rows.append((name, old, None, "MISSING"))
            problems.append(f"slice '{name}' has no scores in the results (was {old:.1f}%)")
        elif new < old - threshold_pp:
            rows.append((name, old, new, "REGRESSED"))
            problems.append(f"slice '{name}' fell from {old:.1f}% to {new:.1f}%, more than {threshold_pp:g} pp")
        else:
            rows.append((name, old, new, "ok"))
    missing = sorted(set(baseline.cases) - set(results.cases))
    if missing:
        problems.append(f"cases of the baseline without a result: {', '.join(missing)}")
    rows.append(("(aggregate)", baseline.aggregate(), results.aggregate(), ""))
    return Comparison(rows, problems)
