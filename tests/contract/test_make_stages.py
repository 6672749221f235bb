"""`make test` runs every stage even when one fails, and fails at the end naming it."""

from __future__ import annotations

import subprocess
from pathlib import Path

STAGES = Path(__file__).parents[2] / ".ci" / "stages"


def test_a_failing_stage_does_not_hide_the_later_ones(tmp_path: Path) -> None:
    log = tmp_path / "ran.txt"
    fake_make = tmp_path / "make"
    fake_make.write_text(f'#!/bin/sh\necho "$2" >> {log}\n[ "$2" != unit ]\n', encoding="utf-8")
    fake_make.chmod(0o755)
    done = subprocess.run(
        [str(STAGES), "lint", "unit", "robot-e2e", "robot-live"],
        env={"MAKE": str(fake_make), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert log.read_text().split() == ["lint", "unit", "robot-e2e", "robot-live"]
    assert "=== stage robot-e2e: passed" in done.stdout and "FAILED stages: unit" in done.stdout


def test_all_stages_passing_exits_0(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(STAGES), "lint", "unit"], env={"MAKE": "true", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and "Every stage passed: lint unit" in done.stdout
