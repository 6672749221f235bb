"""The score gate's core: golden sets validated like scenarios, graders, slice scores and the comparison."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from AgentTestLibrary.errors import GoldenSetError
from AgentTestLibrary.scores import Scores, compare, load_golden_set, parse_golden_set, read_scores, score_case
from tests.contract.test_cli import AGENTTEST

GOLDEN = """
version: 1
cases:
  - id: list
    slice: files
    input: List the files
    graders:
      - contains: notes.txt
      - regex: "\\\\btodo\\\\.md\\\\b"
      - tools: [list_files]
  - id: json
    slice: structured
    input: As JSON
    graders:
      - json_schema: {type: object, required: [files], properties: {files: {type: integer}}}
      - not_contains: "```"
      - equals: '{"files": 2}'
"""


def scores(**cases: tuple[str, float]) -> Scores:
    return Scores(cases=dict(cases))


def test_graders_pass_and_fail_with_what_they_saw(tmp_path: Path) -> None:
    path = tmp_path / "golden.yaml"
    path.write_text(GOLDEN, encoding="utf-8")
    listing, structured = load_golden_set(path)
    good = score_case(listing, "notes.txt and todo.md", ["list_files"])
    assert good.score == 1.0 and [v.detail for v in good.verdicts] == ["found", "matches", "same sequence"]
    bad = score_case(listing, "nothing here", ["read_file", "list_files"])
    assert bad.score == 0.0
    assert bad.verdicts[2].detail == "expected ['list_files'], the agent called ['read_file', 'list_files']"
    assert score_case(listing, "notes.txt todo.md", None).verdicts[2].detail.startswith("no tool sequence known")
    assert score_case(structured, '{"files": 2}').score == 1.0
    half = score_case(structured, '{"files": "two"}')
    assert [v.passed for v in half.verdicts] == [False, True, False] and "$.files" in half.verdicts[0].detail
    assert score_case(structured, "not json").verdicts[0].detail == "the answer is not JSON: 'not json'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOLDEN.replace("contains: notes.txt", "contians: notes.txt"), ":8: cases[0].graders[0].contians: unknown key "
         "'contians'. Did you mean 'contains'?"),
        (GOLDEN.replace("id: json", "id: list"), ":11: cases[1].id: duplicate case id 'list'"),
        (GOLDEN.replace('"\\\\btodo\\\\.md\\\\b"', '"(unclosed"'), ":9: cases[0].graders[1].regex: invalid regular "
         "expression"),
        (GOLDEN.replace("{type: object,", "{type: obj,"), ":15: cases[1].graders[0].json_schema: unknown type 'obj'"),
        (GOLDEN.replace("version: 1", "version: 2"), ":2: version: expected version: 1; got 2."),
        (GOLDEN.replace("    input: As JSON\n", ""), ":11: cases[1]: a case needs 'input'."),
        ("version: 1\ncases: []\n", ":2: cases: a golden set needs at least one case."),
    ],
)  # fmt: skip
def test_golden_set_errors_name_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "golden.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GoldenSetError) as caught:
        load_golden_set(path)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value), str(caught.value)


def test_a_missing_golden_set_says_where_it_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(GoldenSetError, match="does not exist"):
        load_golden_set(tmp_path / "nope.yaml")
    assert parse_golden_set({"version": 1, "cases": [{"id": "a", "input": "x", "graders": [{"contains": "y"}]}]})


def test_slices_aggregate_and_the_threshold_boundary() -> None:
    baseline = scores(a=("files", 1.0), b=("files", 0.5), c=("chat", 0.5))
    assert baseline.slices() == {"chat": 50.0, "files": 75.0} and baseline.aggregate() == pytest.approx(66.667, 0.001)
    exactly = compare(baseline, scores(a=("files", 0.96), b=("files", 0.5), c=("chat", 0.5)))
    assert not exactly.regressed, "a fall of exactly 2 pp is within the threshold"
    beyond = compare(baseline, scores(a=("files", 0.95), b=("files", 0.5), c=("chat", 0.5)))
    assert beyond.problems == ["slice 'files' fell from 75.0% to 72.5%, more than 2 pp"]
    assert re.search(r"^files +75.0% +72.5% +-2.5 pp  REGRESSED$", beyond.table(), re.MULTILINE)
    loose = compare(baseline, scores(a=("files", 0.95), b=("files", 0.5), c=("chat", 0.5)), threshold_pp=5)
    assert not loose.regressed


def test_a_missing_slice_or_case_is_a_regression_a_new_one_is_not() -> None:
    baseline = scores(a=("files", 1.0), b=("chat", 1.0), c=("files", 1.0))
    found = compare(baseline, scores(a=("files", 1.0), c=("files", 1.0), d=("new", 0.0)))
    assert found.problems == [
        "slice 'chat' has no scores in the results (was 100.0%)", "cases of the baseline without a result: b",
    ]  # fmt: skip
    assert "new slice" in found.table()


def test_results_are_read_from_every_worker_folder_and_bad_files_are_named(tmp_path: Path) -> None:
    for worker, case in (("0", "a"), ("1", "b")):
        folder = tmp_path / "pabot_results" / worker / "agenttest-scores"
        folder.mkdir(parents=True)
        (folder / f"{worker}.json").write_text(json.dumps(scores(**{case: ("files", 1.0)}).to_dict()))
    (tmp_path / "pabot_results" / "0" / "evidence.json").write_text("{}", encoding="utf-8")  # not a scores file
    assert set(read_scores([tmp_path]).cases) == {"a", "b"}
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 1, "cases": {"a": 3}}', encoding="utf-8")
    with pytest.raises(GoldenSetError, match=r"broken.json: cases.a: expected \{slice, score\}"):
        read_scores([broken])
    with pytest.raises(GoldenSetError, match="does not exist"):
        read_scores([tmp_path / "nope"])


def test_the_cli_gate_exits_by_the_verdict_and_update_writes_the_baseline(tmp_path: Path) -> None:
    baseline, results = tmp_path / "baseline.json", tmp_path / "results.json"
    baseline.write_text(json.dumps(scores(a=("files", 1.0)).to_dict()), encoding="utf-8")
    results.write_text(json.dumps(scores(a=("files", 0.5)).to_dict()), encoding="utf-8")
    gate = subprocess.run([*AGENTTEST, "scores", "compare", str(baseline), str(results)], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert gate.returncode == 1 and "REGRESSED" in gate.stdout and gate.stdout.rstrip().endswith("Scores regressed.")
    wider = subprocess.run([*AGENTTEST, "scores", "compare", "--threshold", "60", str(baseline), str(results)],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert wider.returncode == 0 and "No slice fell by more than 60 pp." in wider.stdout
    update = subprocess.run([*AGENTTEST, "scores", "compare", "--update", str(baseline), str(results)],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert update.returncode == 0 and json.loads(baseline.read_text())["slices"] == {"files": 50.0}
    missing = subprocess.run([*AGENTTEST, "scores", "compare", str(tmp_path / "none.json"), str(results)],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert missing.returncode == 2 and "none.json' does not exist" in missing.stderr
