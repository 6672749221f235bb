"""Suite and test names become folder and file names: a hostile name harms nothing and collides with nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tests.acceptance.robot_run import run_robot

DOT_DOT_SUITE = """
*** Settings ***
Name    ..
Library    AgentTestLibrary
Test Tags    lane:no-model

*** Test Cases ***
Folders Of A Suite Named Dot Dot Stay Inside The Output Folder
    ${home}=    Get Runtime Home
    Create Fake CLI    git    stdout=ok
    Should Contain    ${home}    agenttest-runtimes
"""

NAMES = ["a/b", "a:b", "a b", "Prüfung läuft", "测试 用例", "日本語"]


def evidence_suite(names: list[str]) -> str:
    tests = "\n".join(
        f"{name}\n    Evaluate    __import__('httpx').post('${{MOCK_LLM_URL}}/v1/chat/completions', "
        f"json={{'model': 'm', 'messages': [{{'role': 'user', 'content': '{index}'}}]}})"
        for index, name in enumerate(names)
    )
    return (
        "*** Settings ***\nLibrary    AgentTestLibrary\nSuite Setup    Start Mock LLM\nTest Tags    lane:no-model\n\n"
        f"*** Test Cases ***\n{tests}\n"
    )


def test_a_suite_named_dot_dot_deletes_nothing_outside_its_folders(tmp_path: Path) -> None:
    planted = tmp_path / "out" / "keep.txt"
    (tmp_path / "out" / "agenttest-runtimes" / "an-earlier-run").mkdir(parents=True)  # what makes '..' resolve
    planted.write_text("still here", encoding="utf-8")
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "dots.robot").write_text(DOT_DOT_SUITE, encoding="utf-8")
    run = run_robot(tmp_path, {}, source=tmp_path / "suites" / "dots.robot")
    assert planted.read_text(encoding="utf-8") == "still here"
    assert (tmp_path / "suites" / "dots.robot").exists()
    assert list(run.statuses.values()) == [("PASS", "")], run.stdout


def test_every_test_name_gets_its_own_evidence_file(tmp_path: Path) -> None:
    run = run_robot(tmp_path, {"names.robot": evidence_suite(NAMES)})
    assert all(status == "PASS" for status, _ in run.statuses.values()), run.stdout
    files = sorted((run.output_dir / "agenttest-evidence").rglob("*.json"))
    assert len(files) == len(NAMES)
    assert sorted(json.loads(file.read_text(encoding="utf-8"))["test"] for file in files) == sorted(NAMES)
    assert all(json.loads(file.read_text(encoding="utf-8"))["request_count"] == 1 for file in files)


def test_names_that_would_share_a_file_fail_loudly(tmp_path: Path) -> None:
    run = run_robot(tmp_path, {"clash.robot": evidence_suite(["Agent A", "agent a"])})
    assert run.statuses["Agent A"][0] == "PASS"
    status, message = run.statuses["agent a"]
    assert status == "FAIL" and "would both be written to" in message and "Rename one of them" in message
