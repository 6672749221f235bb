"""Fake CLI rules, names and paths from hostile or careless input: nothing runs that was not asked for."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from AgentTestLibrary.harness.fake_cli import FakeCliError, install, parse_rule, read_calls


def make(tmp_path: Path, name: str, rules: list[dict[str, Any]], records: Path | None = None, **options: Any) -> dict:  # type: ignore[type-arg]
    parsed = [parse_rule(rule, f"rules[{index}]") for index, rule in enumerate(rules)]
    install(name, bin_dir=tmp_path / "bin", records_root=records or tmp_path / "calls", rules=parsed,
            unmatched=options.get("unmatched", "fail"), env=options.get("env", ()))  # fmt: skip
    return {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}


def call(env: dict, *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:  # type: ignore[type-arg]
    return subprocess.run(list(argv), env=env, capture_output=True, text=True, cwd=cwd, timeout=30, check=False)


def test_command_substitution_in_a_glob_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    env = make(tmp_path, "git", [
        {"name": "sub", "args": f"$(touch {marker})*", "match": "glob", "stdout": "never"},
        {"name": "breakout", "args": f"x) touch {marker};; y", "match": "glob"},
        {"name": "ticks", "args": f"`touch {marker}`", "match": "glob"},
    ])  # fmt: skip
    for argv in (["git", "status"], ["git", "x"], ["git", "y"]):
        assert call(env, *argv).returncode == 127
    assert not marker.exists()


def test_globs_with_spaces_and_classes_match(tmp_path: Path) -> None:
    env = make(tmp_path, "git", [
        {"name": "push", "args": "push *", "match": "glob", "stdout": "pushed"},
        {"name": "log", "args": "log -[0-9]", "match": "glob", "stdout": "logged"},
        {"name": "literal star", "args": "tag \\*", "match": "glob", "stdout": "star"},
    ])  # fmt: skip
    assert call(env, "git", "push", "origin", "main").stdout == "pushed"
    assert call(env, "git", "log", "-3").stdout == "logged"
    assert call(env, "git", "tag", "*").stdout == "star"
    assert call(env, "git", "tag", "v1").returncode == 127


def test_a_newline_in_the_records_path_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    records = tmp_path / f"rec\ntouch {marker}\n"
    env = make(tmp_path, "git", [{"name": "any", "stdout": "ok"}], records=records)
    assert call(env, "git", "x").stdout == "ok"
    assert not marker.exists() and [c.argv for c in read_calls(records)] == [("x",)]


def test_a_fake_grep_cannot_hijack_another_fakes_regex_rule(tmp_path: Path) -> None:
    make(tmp_path, "grep", [{"name": "broken grep", "exit_code": 1}])
    env = make(tmp_path, "tool", [{"name": "re", "args": "^run [0-9]+$", "match": "regex", "stdout": "matched"}])
    assert call(env, "tool", "run", "42").stdout == "matched"


def test_files_are_written_inside_the_working_directory(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = make(tmp_path, "gen", [{"name": "write", "files": {"out/result.txt": "done"}}])
    assert call(env, "gen", cwd=work).returncode == 0
    assert (work / "out" / "result.txt").read_text() == "done"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"delay": float("inf")}, "delay: expected seconds (a non-negative number, at most 300)"),
        ({"delay": 301}, "delay: expected seconds (a non-negative number, at most 300)"),
        ({"delay": float("nan")}, "delay: expected seconds"),
        ({"files": {"../escape.txt": "x"}}, "must be a relative path inside the working directory"),
        ({"files": {"/etc/passwd": "x"}}, "must be a relative path inside the working directory"),
        ({"files": {"a/../../b": "x"}}, "must be a relative path inside the working directory"),
        ({"args": "x[$(id)]", "match": "glob"}, "may hold only letters, digits"),
    ],
)
def test_hostile_rules_are_clear_errors(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(FakeCliError, match=r"rules\[0\]\.") as caught:
        parse_rule(rule, "rules[0]")
    assert message in str(caught.value)


@pytest.mark.parametrize("name", [".", "..", "x" * 300, "-rf", "a/b", "a b", "", "$(id)"])
def test_hostile_command_names_are_clear_errors(tmp_path: Path, name: str) -> None:
    with pytest.raises(FakeCliError, match="cannot be a command name"):
        make(tmp_path, name, [{"name": "any"}])
    assert not (tmp_path / "bin").exists() or not any((tmp_path / "bin").iterdir())


@pytest.mark.parametrize("variable", ["A;touch x", "1ABC", "A B", "$(id)", "A-B"])
def test_recorded_variable_names_are_checked(tmp_path: Path, variable: str) -> None:
    with pytest.raises(FakeCliError, match="is not a variable name"):
        make(tmp_path, "git", [{"name": "any"}], env=(variable,))
