"""The library as another project gets it: a wheel built from this tree, installed into a clean venv, running
the README's complete example from a folder outside the repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from robot.api import ExecutionResult

REPO = Path(__file__).parents[2]
# What pip prints when the package registry cannot be reached (the only reason to skip).
UNREACHABLE = re.compile(
    r"(NewConnectionError|Temporary failure in name resolution|Network is unreachable|ProxyError|"
    r"Could not fetch URL|No matching distribution found|connection refused|Max retries exceeded)",
    re.IGNORECASE,
)


def readme_files() -> dict[str, str]:
    """The files of the README's complete example: a name in backticks, then its code block."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- example:start -->", 1)[1].split("<!-- example:end -->", 1)[0]
    return dict(re.findall(r"^`([\w.]+)`\n\n```\w+\n(.*?)```", section, flags=re.MULTILINE | re.DOTALL))


def pip(python: Path | str, *arguments: str, cwd: Path) -> None:
    """Runs pip; skips the test with pip's own words when the registry is unreachable, fails on anything else."""
    done = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *arguments],
        capture_output=True, text=True, cwd=cwd, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode == 0:
        return
    output = done.stdout + done.stderr
    reason = UNREACHABLE.search(output)
    if reason:
        line = next(line for line in output.splitlines() if reason.group(0) in line)
        pytest.skip(f"the package registry is unreachable from pip: {line.strip()}")
    raise AssertionError(f"pip {' '.join(arguments)} failed (rc {done.returncode}):\n{output[-3000:]}")


def test_the_readme_suite_runs_from_an_installed_wheel(tmp_path: Path) -> None:
    files = readme_files()
    assert set(files) == {"hello.robot", "hello.yaml"}, files
    dist = tmp_path / "dist"
    pip(sys.executable, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(REPO), cwd=tmp_path)
    wheel = next(dist.glob("robotframework_agenttestlibrary-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        "AgentTestLibrary/resources/example_agent.resource",
        "AgentTestLibrary/resources/live.resource",
        "AgentTestLibrary/resources/runtimes.yaml",
        "AgentTestLibrary/resources/bridges/pi.ts",
        "AgentTestLibrary/resources/bridges/opencode.js",
        "AgentTestLibrary/examples/example_agent.py",
        "AgentTestLibrary/examples/provider_ping.py",
        "AgentTestLibrary/mockservice/presets/github.yaml",
    }
    assert shipped <= names, shipped - names
    assert not [name for name in names if name.startswith(("tests/", "robot/", "AgentTestLibrary/__pycache__"))]

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    pip(python, "install", "--quiet", f"{wheel}[examples]", cwd=tmp_path)

    project = tmp_path / "elsewhere"
    project.mkdir()
    for name, text in files.items():
        (project / name).write_text(text, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin"
    located = subprocess.run(
        [str(python), "-c", "import AgentTestLibrary, sys; print(AgentTestLibrary.__file__); print(sys.path)"],
        capture_output=True, text=True, cwd=project, env=env, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert located.startswith(str(venv)) and str(REPO) not in located, located

    run = subprocess.run(
        [str(venv / "bin" / "robot"), "--outputdir", "results", "hello.robot"],
        capture_output=True, text=True, cwd=project, env=env, timeout=300, check=False,
    )  # fmt: skip
    output = project / "results" / "output.xml"
    assert output.is_file(), run.stdout + run.stderr
    statuses = {test.name: (test.status, test.message) for test in ExecutionResult(str(output)).suite.all_tests}
    assert statuses == {
        "The Example Agent Answers From The Mock": ("PASS", ""),
        "A Built-In Runtime Needs No Registry File": ("PASS", ""),
    }, statuses
    assert run.returncode == 0, run.stdout
    assert list((project / "results" / "agenttest-evidence").rglob("*.json")), "no evidence written"
    agents_prefix_from_the_wheel(venv, project, env, tmp_path)


def agents_prefix_from_the_wheel(venv: Path, project: Path, env: dict[str, str], tmp_path: Path) -> None:
    """`agenttest agents install` from the wheel: the user's cache by default, AGENTTEST_AGENTS_PREFIX overrides."""
    command = [str(venv / "bin" / "agenttest"), "agents", "install", "--dry-run", "codex"]
    cache = {**env, "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    cache.pop("AGENTTEST_AGENTS_PREFIX", None)
    for variables, expected in [
        ({"XDG_CACHE_HOME": ""}, tmp_path / "home" / ".cache" / "agenttest" / "agents"),
        ({}, tmp_path / "xdg" / "agenttest" / "agents"),
        ({"AGENTTEST_AGENTS_PREFIX": str(tmp_path / "mine")}, tmp_path / "mine"),
    ]:
        done = subprocess.run(command, capture_output=True, text=True, cwd=project, env={**cache, **variables},
                              timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert f"npm install -g --prefix {expected} " in done.stdout, (variables, done.stdout)
        assert f"at {expected / 'bin' / 'codex'}" in done.stdout, done.stdout
        assert str(venv) not in done.stdout, done.stdout
