"""A log.html as a person sees it: rendered by headless Chromium, the test's transcript is there, readable and masked.

Chromium is Debian's package, installed by ``make browser`` (a prerequisite of ``make unit``); where it
could not be installed the test skips with the installer's reason. The screenshot is kept under
``results/browser/`` as an artifact.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from AgentTestLibrary.examples.web_ui import missing_browser
from tests.acceptance.robot_run import run_robot

REPO = Path(__file__).parents[2]
ARTIFACTS = REPO / "results" / "browser"
SENTINEL = "sntl-browser-7Qp2-planted-credential"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
    "--virtual-time-budget=5000",
)  # fmt: skip
SCENARIO = """
version: 1
rules:
  - name: list the files first
    when: {user_text_contains: List the files, tool_result: false}
    reply:
      tool_calls:
        - name: list_files
          arguments: {path: .}
  - name: answer from the listing
    when: {tool_result: true}
    reply: {text: "The directory holds notes.txt. <script>alert('escaped')</script>"}
"""
SUITE = """
*** Settings ***
Library     AgentTestLibrary
Resource    AgentTestLibrary/resources/example_agent.resource
Suite Setup    Start Mock LLM    scenario=${CURDIR}/scenario.yaml
Test Tags    lane:no-model

*** Test Cases ***
The Agent Retries A Rate Limit Then Lists The Files
    ${workdir}=    Create Agent Workdir    browser
    Inject LLM Fault    status=429    times=1
    Run Example Agent    List the files please, key %{SENTINEL_API_KEY}    workdir=${workdir}
"""


class VisibleText(HTMLParser):
    """The text a reader sees: everything outside <script> and <style> (log.html keeps its data in scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []
        self.svg_marks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("script", "style")
        self.svg_marks += tag == "circle"

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def chromium() -> str:
    reason = missing_browser(ARTIFACTS / "chromium-install.txt", needs=("chromium",))
    if reason:
        pytest.skip(reason)
    return str(shutil.which("chromium"))


def test_the_transcript_reads_in_a_real_browser(tmp_path: Path) -> None:
    browser = chromium()
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "scenario.yaml").write_text(SCENARIO, encoding="utf-8")
    run = run_robot(tmp_path, {"browser.robot": SUITE}, {"SENTINEL_API_KEY": SENTINEL})
    assert next(iter(run.statuses.values())) == ("PASS", ""), run.stdout
    page = f"file://{run.output_dir / 'log.html'}#s1-s1-t1"  # the test's id (suite folder, file, test): Robot opens it
    common = [browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*common, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=True).stdout
    shot = tmp_path / "transcript.png"
    subprocess.run([*common, "--window-size=1280,1800", f"--screenshot={shot}", page],
                   capture_output=True, timeout=120, check=True)  # fmt: skip

    seen = VisibleText()
    seen.feed(dom)
    text = "".join(seen.parts)
    start = text.find("What the agent exchanged with the mocks")
    assert start >= 0, f"no transcript rendered; visible text begins: {text[:600]!r}"
    transcript = text[start : text.find("LLM evidence", start)]
    for expected in (
        "(LLM: 3)",
        "call #1, turn 1: openai.chat",
        "mock answered an error: AgentTestLibrary injected fault: HTTP 429",
        "retry of #1 after",
        "user: List the files please, key ***",
        "system prompt (",
        "mock asks for list_files",
        "tool result of list_files (call_",
        "rule: answer from the listing",
        "mock replies: The directory holds notes.txt. <script>alert('escaped')</script>",  # shown, not run
    ):
        assert expected in transcript, f"{expected!r} not in the rendered transcript:\n{transcript}"
    assert seen.svg_marks == 3, "the timeline should mark each of the 3 model calls"
    assert '"messages"' not in transcript and '"role"' not in transcript, "raw request JSON in the transcript"
    longest = max((part for part in seen.parts if part.strip() and part in transcript), key=len)
    assert len(longest) < 400, f"an unbroken wall of text in one element: {longest[:200]!r}..."
    assert SENTINEL not in dom
    assert "<script>alert(" not in dom  # the page carries the reply's markup as text only

    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1280, 1800)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "transcript.png")
