"""Sharding across CI machines with the Makefile's recipe: 3 shards and their merge give exactly the tests and
statuses of one unsharded run, and every evidence link of the merged log resolves to a file of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from tests.acceptance.test_evidence_links import SUITE as TALKING
from tests.acceptance.test_evidence_links import links

REPO = Path(__file__).parents[2]
SUITE = (
    TALKING
    + """
Same Name In Every Suite
    Run Process    ${PYTHON}    -c    ${AGENT}
    Should Be Equal    ${SUITE NAME}    Suites.Broken    msg=only the broken suite passes this one
"""
)
SUITES = ("alpha", "bravo", "broken", "delta", "echo")


ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def make(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-s", "-C", str(REPO), *arguments], capture_output=True, text=True, env=ENV,
                          timeout=600, check=False)  # fmt: skip


def statuses(output: Path) -> dict[str, str]:
    return {test.full_name: test.status for test in ExecutionResult(str(output)).suite.all_tests}


def test_three_shards_merge_into_the_unsharded_result(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    for name in SUITES:
        (suites / f"{name}.robot").write_text(SUITE, encoding="utf-8")
    shards = tmp_path / "shards"
    common = [f"SHARD_SUITES={suites}", f"SHARDS_DIR={shards}"]
    for index in (1, 2, 3):
        run = make("shard", f"SHARD={index}/3", *common)
        assert (shards / str(index) / "output.xml").is_file(), run.stdout[-2000:] + run.stderr[-2000:]
    merged = make("merge-shards", *common)
    assert merged.returncode != 0, "a failed test must fail the merge job"
    assert "Merged 3 shards: 10 tests, 6 passed, 4 failed, 0 skipped." in merged.stdout, merged.stdout + merged.stderr
    assert "No quarantined tests." in merged.stdout

    whole = tmp_path / "whole"
    subprocess.run([sys.executable, "-m", "pabot.pabot", "--processes", "2", "--pabotlibport", "0", "--outputdir",
                    str(whole), str(suites)], capture_output=True, timeout=600, check=False, env=ENV)  # fmt: skip
    expected = statuses(whole / "output.xml")
    assert len(expected) == 10
    assert statuses(shards / "output.xml") == expected
    assert [suite.name for suite in ExecutionResult(str(shards / "output.xml")).suite.suites] == [
        "Alpha", "Bravo", "Broken", "Delta", "Echo",
    ]  # fmt: skip

    found = links(shards)
    evidence = [link for link in found if "agenttest-evidence" in link]
    assert len(evidence) == 10, found
    assert len(set(evidence)) == len(evidence), "two tests of different shards share an evidence file"
    missing = [link for link in evidence if not (shards / link).is_file()]
    assert not missing, f"links of the merged log that do not resolve: {missing}"
    assert all(link.split("/", 1)[0] in ("1", "2", "3") for link in evidence)


def test_merging_nothing_says_where_shards_belong(tmp_path: Path) -> None:
    run = make("merge-shards", f"SHARDS_DIR={tmp_path}")
    assert run.returncode != 0 and f"No shard results in {tmp_path}: expected {tmp_path}/1/output.xml" in run.stderr


def one_shard(folder: Path) -> None:
    suite = folder.parent / "one.robot"
    suite.write_text("*** Test Cases ***\nPasses\n    No Operation\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "robot", "--output", str(folder / "1" / "output.xml"), "--log", "NONE",
                    "--report", "NONE", str(suite)], capture_output=True, timeout=120, check=True, env=ENV)  # fmt: skip


@pytest.mark.parametrize("planted", ["log.html", "report.html", "output.xml", "1/output.xml"])
def test_merge_refuses_a_planted_link_and_writes_nothing_outside(tmp_path: Path, planted: str) -> None:
    shards = tmp_path / "shards"
    one_shard(shards)
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched", encoding="utf-8")
    link = shards / planted
    if link.exists():
        (tmp_path / "kept.xml").write_bytes(link.read_bytes())
        link.unlink()
        victim = tmp_path / "kept.xml"
    link.symlink_to(victim)
    before = victim.read_bytes()
    run = subprocess.run([sys.executable, "-m", "AgentTestLibrary", "shards", "merge", str(shards)],
                         capture_output=True, text=True, timeout=120, check=False, env=ENV)  # fmt: skip
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"{link} is a symbolic link" in run.stderr
    assert "shard folders come from other machines" in run.stderr
    assert victim.read_bytes() == before
    assert link.is_symlink()


def test_merge_refuses_a_shard_folder_that_is_a_link(tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    one_shard(tmp_path / "elsewhere")
    shards.mkdir()
    (shards / "1").symlink_to(tmp_path / "elsewhere" / "1")
    run = subprocess.run([sys.executable, "-m", "AgentTestLibrary", "shards", "merge", str(shards)],
                         capture_output=True, text=True, timeout=120, check=False, env=ENV)  # fmt: skip
    assert run.returncode == 2 and f"{shards / '1'} is a symbolic link" in run.stderr, run.stdout + run.stderr
    assert not (shards / "output.xml").exists()
