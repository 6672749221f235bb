"""`agenttest agents install`: where the CLIs go (user cache or AGENTTEST_AGENTS_PREFIX), how versions are read."""

from __future__ import annotations

from pathlib import Path

import pytest

from AgentTestLibrary.harness import agents


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("XDG_CACHE_HOME", agents.PREFIX_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def test_the_default_is_the_users_cache_not_the_source_tree(clean: Path) -> None:
    assert agents.prefix() == clean / "home" / ".cache" / "agenttest" / "agents"
    assert agents.binary("codex") == clean / "home" / ".cache" / "agenttest" / "agents" / "bin" / "codex"
    assert Path(agents.__file__).parents[3] not in agents.prefix().parents


def test_xdg_cache_home_moves_it(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(clean / "xdg"))
    assert agents.prefix() == clean / "xdg" / "agenttest" / "agents"


def test_a_relative_xdg_cache_home_is_ignored_as_the_spec_says(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert agents.prefix() == clean / "home" / ".cache" / "agenttest" / "agents"


def test_the_variable_overrides_both(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(clean / "xdg"))
    monkeypatch.setenv(agents.PREFIX_VARIABLE, str(clean / "mine"))
    assert agents.prefix() == clean / "mine"
    assert agents.plan(["codex"]).startswith(f"npm install -g --prefix {clean / 'mine'} ")


def test_a_version_printed_on_stderr_counts_as_pi_prints_it(tmp_path: Path) -> None:
    cli = tmp_path / "pi"
    cli.write_text("#!/bin/sh\necho 0.73.1 >&2\n", encoding="utf-8")
    cli.chmod(0o755)
    assert agents.installed_version(cli) == "0.73.1"
    cli.write_text("#!/bin/sh\necho 0.73.1 >&2\nexit 1\n", encoding="utf-8")
    assert agents.installed_version(cli) is None
