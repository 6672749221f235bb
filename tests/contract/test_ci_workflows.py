"""The shipped CI workflows: the PR lane shards the no-model suites and merges them; the nightly lane runs the
live suites on a schedule and by hand, never on pull requests; both pass the workflow linters."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOWS = Path(__file__).parents[2] / ".github" / "workflows"
BIN = Path(sys.executable).parent


def workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return loaded


def steps(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def test_the_pr_lane_shards_the_no_model_suites_and_merges_them() -> None:
    flow = workflow("pr-lane.yml")
    triggers = flow[True]  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in triggers
    jobs = flow["jobs"]
    assert jobs["e2e-shard"]["strategy"]["matrix"]["shard"] == [1, 2, 3]
    assert 'make shard SHARD="${SHARD_INDEX}/3"' in steps(jobs["e2e-shard"])
    assert jobs["e2e-merged"]["needs"] == "e2e-shard" and "make merge-shards" in steps(jobs["e2e-merged"])
    assert "live" not in steps(jobs["checks"]) + steps(jobs["e2e-shard"]), "the PR lane runs no live suites"
    assert flow["permissions"] == {"contents": "read"}


def test_the_nightly_lane_is_scheduled_and_manual_never_a_pull_request_check() -> None:
    flow = workflow("nightly-lane.yml")
    triggers = flow[True]
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    live = flow["jobs"]["live"]
    assert live["environment"] == "live-providers", "secrets come from a protected environment"
    run_step = next(step for step in live["steps"] if step.get("run") == "make robot-live")
    assert run_step["env"]["RUN_LIVE_TESTS"] == "true" and run_step["env"]["OPENAI_API_KEY"].startswith("${{ secrets.")


def test_the_workflows_pass_both_linters() -> None:
    files = [str(path) for path in sorted(WORKFLOWS.glob("*.yml"))]
    schema = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run([str(BIN / "zizmor"), "--offline", "--no-progress", str(WORKFLOWS)], capture_output=True,
                           text=True, timeout=120)  # fmt: skip
    assert audit.returncode == 0, audit.stdout + audit.stderr


@pytest.mark.parametrize(
    ("change", "linter"),
    [
        (("make shard", "echo ${{ github.event.pull_request.title }} && make shard"), "zizmor"),
        (("runs-on: ubuntu-24.04", "runs-onn: ubuntu-24.04"), "check-jsonschema"),
    ],
)
def test_the_linters_catch_a_broken_workflow(tmp_path: Path, change: tuple[str, str], linter: str) -> None:
    """A control: each linter fails on the workflow with one planted mistake."""
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    shutil.copy(WORKFLOWS / "pr-lane.yml", broken / "pr-lane.yml")
    path = broken / "pr-lane.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(*change, 1), encoding="utf-8")
    command = (
        [str(BIN / "zizmor"), "--offline", "--no-progress", str(broken)]
        if linter == "zizmor"
        else [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)]
    )
    assert subprocess.run(command, capture_output=True, text=True, timeout=120).returncode != 0
