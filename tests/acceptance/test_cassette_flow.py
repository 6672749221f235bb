"""Record a real agent run through the keywords against a loopback upstream, replay it with the upstream gone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.acceptance.robot_run import run_robot

REPO = Path(__file__).parents[2]
AGENTTEST = [sys.executable, "-m", "AgentTestLibrary"]
SUITE = """
*** Settings ***
Library    AgentTestLibrary
Resource    AgentTestLibrary/resources/example_agent.resource
Suite Setup    Run Keywords    Start Mock LLM    AND
...    Use LLM Cassettes    ${CASSETTES}    record_mode=${MODE}    upstream_openai=${UPSTREAM}
Test Tags    lane:no-model

*** Variables ***
${PROMPT}    List the files

*** Test Cases ***
Agent Lists Files
    ${workdir}=    Create Agent Workdir    cassette
    ${answer}=    Run Example Agent    ${PROMPT}    provider=openai    workdir=${workdir}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
"""


def test_record_replay_check_and_convert(tmp_path: Path) -> None:
    upstream = subprocess.Popen(
        [*AGENTTEST, "mock", "serve", "--scenario", str(REPO / "robot/e2e/scenarios/list_files.yaml")],
        stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert upstream.stdout is not None
    upstream_url = upstream.stdout.readline().strip().split("=", 1)[1]
    cassettes = tmp_path / "cassettes"
    options = ("--variable", f"CASSETTES:{cassettes}", "--variable", f"UPSTREAM:{upstream_url}")
    try:
        (tmp_path / "record").mkdir()
        recorded = run_robot(tmp_path / "record", {"flow.robot": SUITE}, {}, *options, "--variable", "MODE:once")
    finally:
        upstream.terminate()
        upstream.wait(10)
    assert recorded.statuses["Agent Lists Files"] == ("PASS", ""), recorded.stdout
    cassette = cassettes / "Flow" / "Agent_Lists_Files.yaml"
    text = cassette.read_text(encoding="utf-8")
    assert text.count("- request:") == 2 and "sk-agenttest-fixture" not in text and "list_files" in text

    (tmp_path / "replay").mkdir()
    replayed = run_robot(tmp_path / "replay", {"flow.robot": SUITE}, {}, *options, "--variable", "MODE:none")
    assert replayed.statuses["Agent Lists Files"] == ("PASS", ""), replayed.stdout

    (tmp_path / "miss").mkdir()
    missed = run_robot(
        tmp_path / "miss",
        {"flow.robot": SUITE},
        {},
        *options,
        "--variable",
        "MODE:none",
        "--variable",
        "PROMPT:Count files",
    )
    status, message = missed.statuses["Agent Lists Files"]
    assert (
        status == "FAIL"
        and (
            'closest was cassette episode 1: message 1 differs: recorded {"role": "user", "text": "List the files"}, '
            'sent {"role": "user", "text": "Count files"}'
        )
        in message
    )

    suites = tmp_path / "replay" / "suites"
    ok = subprocess.run(
        [*AGENTTEST, "cassette", "check", str(cassettes), "--tests", str(suites)], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (cassettes / "Flow" / "Gone_Test.yaml").write_text(text, encoding="utf-8")
    (cassettes / "Flow" / "Broken.yaml").write_text("version: 1\nrecorded_at: never\n", encoding="utf-8")
    bad = subprocess.run(
        [*AGENTTEST, "cassette", "check", str(cassettes), "--tests", str(suites), "--max-age-days", "0"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 1
    assert "Broken.yaml: invalid:" in bad.stdout and "recorded_at: expected an ISO timestamp" in bad.stdout
    assert "Gone_Test.yaml: unused: no test 'Gone_Test' in a suite 'Flow'" in bad.stdout
    assert "Agent_Lists_Files.yaml: stale: recorded 0 days ago (max 0)" in bad.stdout

    scenario = tmp_path / "from_cassette.yaml"
    converted = subprocess.run(
        [*AGENTTEST, "cassette", "to-scenario", str(cassette), "-o", str(scenario)], capture_output=True, text=True
    )
    assert converted.returncode == 0, converted.stderr
    assert "name: list_files" in scenario.read_text(encoding="utf-8")
    checked = subprocess.run([*AGENTTEST, "scenario", "check", str(scenario)], capture_output=True, text=True)
    assert checked.returncode == 0 and "OK, 2 rule(s)" in checked.stdout, checked.stderr


def test_stale_cassette_fails_loudly_with_the_rerecord_command(tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    (cassettes / "Flow").mkdir(parents=True)
    (cassettes / "Flow" / "Agent_Lists_Files.yaml").write_text(
        "version: 1\nrecorded_at: '2020-01-01T00:00:00Z'\nepisodes: []\n", encoding="utf-8"
    )
    suite = SUITE.replace("record_mode=${MODE}", "record_mode=none    max_age_days=30    on_stale=${ON_STALE}")
    options = ("--variable", f"CASSETTES:{cassettes}", "--variable", "UPSTREAM:http://127.0.0.1:9")
    failed = run_robot(tmp_path, {"flow.robot": suite}, {}, *options, "--variable", "ON_STALE:fail")
    status, message = failed.statuses["Agent Lists Files"]
    assert status == "FAIL" and "more than max_age_days=30" in message
    assert "AGENTTEST_RECORD_MODE=all robot --test 'Agent Lists Files'" in message
    assert "RUN_LIVE_TESTS" not in message  # a loopback upstream records without the live opt-in
    assert "(upstreams as when recorded: openai http://127.0.0.1:" in message


def test_recording_from_real_providers_needs_the_live_gate(tmp_path: Path) -> None:
    suite = SUITE.replace("    upstream_openai=${UPSTREAM}", "")
    options = ("--variable", f"CASSETTES:{tmp_path / 'c'}", "--variable", "MODE:once")
    run = run_robot(tmp_path, {"flow.robot": suite}, {"OPENAI_API_KEY": None}, *options)
    cassette = tmp_path / "c" / "Flow" / "Agent_Lists_Files.yaml"
    expected = f"Recording cassette {cassette} needs RUN_LIVE_TESTS=true and a provider key."
    assert run.statuses["Agent Lists Files"] == ("SKIP", expected)


REAL_KEY = "sk-real-key-must-stay-home-0123456789"
RECORD_ONCE = """
*** Settings ***
Library    AgentTestLibrary
Suite Setup    Run Keywords    Start Mock LLM    AND
...    Use LLM Cassettes    ${CASSETTES}    record_mode=once    upstream_openai=${UPSTREAM}
Test Tags    lane:no-model

*** Variables ***
${ASK}    __import__('httpx').post(__import__('os').environ['OPENAI_BASE_URL'] + '/chat/completions',
...    json={'model': 'm', 'messages': [{'role': 'user', 'content': 'hi'}]}).json()

*** Test Cases ***
Record From A Loopback Upstream
    ${reply}=    Evaluate    ${ASK}
    Should Be Equal    ${reply}[choices][0][message][content]    recorded
"""


def test_real_keys_reach_no_upstream_without_the_opt_in(tmp_path: Path) -> None:
    from tests.stand_in import Answer, stand_in

    completion = {"id": "c", "object": "chat.completion", "created": 1, "model": "m",
                  "choices": [{"index": 0, "message": {"role": "assistant", "content": "recorded"},
                               "finish_reason": "stop"}]}  # fmt: skip
    import json

    with stand_in(Answer(chunks=[json.dumps(completion).encode()])) as upstream:
        options = ("--variable", f"CASSETTES:{tmp_path / 'cassettes'}", "--variable", f"UPSTREAM:{upstream.url}")
        run = run_robot(tmp_path, {"once.robot": RECORD_ONCE}, {"OPENAI_API_KEY": REAL_KEY}, *options)
    assert run.statuses["Record From A Loopback Upstream"] == ("PASS", ""), run.stdout
    assert len(upstream.received) == 1
    assert REAL_KEY not in repr(upstream.received) and "authorization" not in upstream.received[0].headers
