"""Every evidence link in the log resolves: under plain robot, and in pabot's merged log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from robot.api import ExecutionResult, ResultVisitor

SUITE = """
*** Settings ***
Library    AgentTestLibrary
Library    Process
Suite Setup    Start Mock LLM
Test Tags    lane:no-model

*** Variables ***
${PYTHON}    ${{ sys.executable }}
${AGENT}    import os, httpx; httpx.post(os.environ["OPENAI_BASE_URL"] + "/chat/completions",
...    json={"model": "m", "messages": [{"role": "user", "content": "hi"}]})

*** Test Cases ***
Agent Talks To The Mock
    Run Process    ${PYTHON}    -c    ${AGENT}
    Mock LLM Should Have Received    1    request
"""
HREF = re.compile(r'href="([^"]+)"')


class Links(ResultVisitor):
    def __init__(self) -> None:
        self.found: list[str] = []

    def visit_message(self, message) -> None:  # type: ignore[no-untyped-def]
        if message.html:
            self.found += HREF.findall(message.message)


def links(output: Path) -> list[str]:
    visitor = Links()
    ExecutionResult(str(output / "output.xml")).visit(visitor)
    return visitor.found


@pytest.mark.parametrize("runner", ["robot", "pabot"])
def test_every_evidence_link_in_the_log_resolves(tmp_path: Path, runner: str) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    for name in ("first", "second", "third"):
        (suites / f"{name}.robot").write_text(SUITE, encoding="utf-8")
    output = tmp_path / "out"
    command = [sys.executable, "-m", "robot"] if runner == "robot" else [
        sys.executable, "-m", "pabot.pabot", "--processes", "3", "--pabotlibport", "0"]  # fmt: skip
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    arguments = [*command, "--variable", f"PYTHON:{sys.executable}", "--outputdir", str(output), str(suites)]
    result = subprocess.run(arguments, capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    found = [link for link in links(output) if "agenttest-evidence" in link]
    assert len(found) == 3
    for link in found:
        assert (output / link).is_file(), f"{link} does not resolve from {output}/log.html"
