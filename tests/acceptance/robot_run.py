"""Run Robot Framework on suites written by a test, and read the statuses it recorded."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from robot.api import ExecutionResult


@dataclass
class Run:
    returncode: int
    stdout: str
    statuses: dict[str, tuple[str, str]]  # test name -> (status, message)
    output_dir: Path


def run_robot(
    tmp_path: Path,
    suites: dict[str, str],
    env: dict[str, str | None] | None = None,
    *options: str,
    source: Path | None = None,
) -> Run:
    """Write ``suites`` (file name → text) and run them (or run ``source``); ``env`` entries set to None are removed."""
    folder = tmp_path / "suites"
    folder.mkdir(exist_ok=True)
    for name, text in suites.items():
        (folder / name).write_text(text, encoding="utf-8")
    environ = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    for name in ("RUN_LIVE_TESTS", "USE_REAL_LLM", "AGENTTEST_ENV_FILE"):
        environ.pop(name, None)
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    output = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "robot", "--outputdir", str(output), "--variable", f"PYTHON:{sys.executable}",
         *options, str(source or folder)],
        capture_output=True, text=True, env=environ, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    statuses = {
        test.name: (test.status, test.message) for test in ExecutionResult(str(output / "output.xml")).suite.all_tests
    }
    return Run(result.returncode, result.stdout + result.stderr, statuses, output)
