"""A mock left running is stopped at the end of its suite, and the environment is restored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FIRST = """
*** Settings ***
Library    AgentTestLibrary
Library    OperatingSystem
Test Tags    lane:no-model

*** Test Cases ***
Leave A Mock Running
    ${url}=    Start Mock LLM
    Should Be Equal    %{OPENAI_BASE_URL}    ${url}/v1
    Should Be Equal    %{ANTHROPIC_BASE_URL}    ${url}
    Should Not Be Equal    %{OPENAI_API_KEY}    sk-real-looking-key-123
    Environment Variable Should Not Be Set    ANTHROPIC_AUTH_TOKEN
    Create File    ${URL_FILE}    ${url}
"""
SECOND = """
*** Settings ***
Library    AgentTestLibrary
Library    OperatingSystem
Test Tags    lane:no-model
Library    Process

*** Test Cases ***
Environment Is Restored And The Old Mock Is Gone
    Environment Variable Should Not Be Set    OPENAI_BASE_URL
    Should Be Equal    %{OPENAI_API_KEY}    sk-real-looking-key-123
    Should Be Equal    %{ANTHROPIC_AUTH_TOKEN}    real-token-456
    ${url}=    Get File    ${URL_FILE}
    ${result}=    Run Process    ${PYTHON}    -c    import httpx, sys; httpx.get(sys.argv[1], timeout\\=2)    ${url}
    Should Contain    ${result.stderr}    ConnectError
"""


def test_mock_stops_at_suite_end_and_environment_is_restored(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "a_first.robot").write_text(FIRST, encoding="utf-8")
    (suites / "b_second.robot").write_text(SECOND, encoding="utf-8")
    env = {**os.environ, "OPENAI_API_KEY": "sk-real-looking-key-123", "ANTHROPIC_AUTH_TOKEN": "real-token-456"}
    env.pop("OPENAI_BASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "robot", "--variable", f"PYTHON:{sys.executable}",
         "--variable", f"URL_FILE:{tmp_path / 'url.txt'}", "--outputdir", str(tmp_path / "out"), str(suites)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 tests, 2 passed, 0 failed" in result.stdout
