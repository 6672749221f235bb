"""The live lane as users run it: skips with reasons and rc 0, gates, lanes, .env.live, real-LLM mode."""

from __future__ import annotations

from pathlib import Path

from tests.acceptance.robot_run import run_robot

GATED = """
*** Settings ***
Library    AgentTestLibrary
Test Tags    live    lane:model-backed    owner:qa

*** Test Cases ***
Needs A Key In The Test
    Require Credential Or Skip    AGENTTEST_FAKE_KEY    AGENTTEST_OTHER_KEY
    Log    ran

Plain Live Test
    Log    ran
"""
SUITE_SETUP = """
*** Settings ***
Library    AgentTestLibrary
Suite Setup    Require Credential Or Skip    AGENTTEST_FAKE_KEY
Test Tags    live    lane:model-backed
Metadata    Owner    qa

*** Test Cases ***
First
    Log    ran
Second
    Log    ran
"""
CREDENTIAL_ENV = {"AGENTTEST_FAKE_KEY": None, "AGENTTEST_OTHER_KEY": None}


def test_without_gate_every_live_test_skips_with_reason_and_rc_0(tmp_path: Path) -> None:
    run = run_robot(tmp_path, {"gated.robot": GATED, "setup.robot": SUITE_SETUP}, CREDENTIAL_ENV)
    assert run.returncode == 0, run.stdout
    assert run.statuses["Plain Live Test"] == ("SKIP", "RUN_LIVE_TESTS not set")
    assert run.statuses["Needs A Key In The Test"] == ("SKIP", "RUN_LIVE_TESTS not set")
    status, message = run.statuses["First"]
    assert status == "SKIP" and "RUN_LIVE_TESTS not set (missing as well: AGENTTEST_FAKE_KEY)" in message


def test_with_gate_missing_credentials_are_named(tmp_path: Path) -> None:
    env = {**CREDENTIAL_ENV, "RUN_LIVE_TESTS": "true", "AGENTTEST_OTHER_KEY": "present-value-1"}
    run = run_robot(tmp_path, {"gated.robot": GATED, "setup.robot": SUITE_SETUP}, env)
    assert run.returncode == 0, run.stdout
    assert run.statuses["Needs A Key In The Test"] == (
        "SKIP",
        "Missing credential(s): AGENTTEST_FAKE_KEY. Export them or put them in .env.live.",
    )
    assert run.statuses["Plain Live Test"][0] == "PASS"
    assert run.statuses["Second"][0] == "SKIP" and "Skipped in parent suite setup" in run.statuses["Second"][1]


def test_with_gate_and_credentials_tests_run(tmp_path: Path) -> None:
    env = {"RUN_LIVE_TESTS": "1", "AGENTTEST_FAKE_KEY": "value-one-1", "AGENTTEST_OTHER_KEY": "value-two-2"}
    run = run_robot(tmp_path, {"gated.robot": GATED, "setup.robot": SUITE_SETUP}, env)
    assert {status for status, _ in run.statuses.values()} == {"PASS"}, run.statuses


def test_refuses_teardown_and_no_model_lane(tmp_path: Path) -> None:
    suite = """
*** Settings ***
Library    AgentTestLibrary

*** Test Cases ***
In Teardown
    [Tags]    live    lane:model-backed    owner:qa
    No Operation
    [Teardown]    Require Credential Or Skip    AGENTTEST_FAKE_KEY

In A No Model Test
    [Tags]    lane:no-model
    Require Credential Or Skip    AGENTTEST_FAKE_KEY
"""
    run = run_robot(tmp_path, {"misuse.robot": suite}, {"RUN_LIVE_TESTS": "true", "AGENTTEST_FAKE_KEY": None})
    status, message = run.statuses["In Teardown"]
    assert status == "FAIL" and "cannot run in a teardown" in message
    status, message = run.statuses["In A No Model Test"]
    assert status == "FAIL" and "no-model tests must never skip for a missing key" in message


def test_lane_rules_fail_offending_tests_before_they_run(tmp_path: Path) -> None:
    suite = """
*** Settings ***
Library    AgentTestLibrary

*** Test Cases ***
No Lane
    Log    never runs
Model Backed Not Live
    [Tags]    lane:model-backed    owner:qa
    Log    never runs
Model Backed Without Owner
    [Tags]    lane:model-backed    live
    Log    never runs
Fine
    [Tags]    lane:no-model
    Log    runs
"""
    run = run_robot(tmp_path, {"lanes.robot": suite}, {"RUN_LIVE_TESTS": "true"})
    assert run.statuses["No Lane"] == (
        "FAIL",
        "Test 'No Lane' declares no lane: add [Tags] lane:no-model or lane:model-backed (or Test Tags in the suite).",
    )
    assert "not tagged 'live'" in run.statuses["Model Backed Not Live"][1]
    assert "names no owner" in run.statuses["Model Backed Without Owner"][1]
    assert run.statuses["Fine"][0] == "PASS"


def test_env_live_seeds_without_overriding_real_variables(tmp_path: Path) -> None:
    (tmp_path / "seed.env").write_text(
        "AGENTTEST_FAKE_KEY=from-file-1\nAGENTTEST_OTHER_KEY=from-file-2\n", encoding="utf-8"
    )
    suite = """
*** Settings ***
Library    AgentTestLibrary    env_file=${EXECDIR}/seed.env
Library    OperatingSystem
Test Tags    live    lane:model-backed    owner:qa

*** Test Cases ***
Real Environment Wins
    Require Credential Or Skip    AGENTTEST_FAKE_KEY    AGENTTEST_OTHER_KEY
    Should Be Equal    %{AGENTTEST_FAKE_KEY}    from-environment-1
    Should Be Equal    %{AGENTTEST_OTHER_KEY}    from-file-2
"""
    env = {"RUN_LIVE_TESTS": "true", "AGENTTEST_FAKE_KEY": "from-environment-1", "AGENTTEST_OTHER_KEY": None}
    run = run_robot(tmp_path, {"seed.robot": suite}, env)
    assert run.statuses["Real Environment Wins"] == ("PASS", ""), run.statuses
    written = (run.output_dir / "output.xml").read_text(encoding="utf-8")
    assert "from-file-2" not in written and "from-environment-1" not in written


def test_default_env_live_file_in_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env.live").write_text("RUN_LIVE_TESTS=true\nAGENTTEST_FAKE_KEY=seeded-value-9\n", encoding="utf-8")
    run = run_robot(tmp_path, {"setup.robot": SUITE_SETUP}, CREDENTIAL_ENV)
    assert run.statuses["First"][0] == "PASS", run.statuses


def test_real_llm_mode_skips_without_keys_and_unsets_base_urls_with_them(tmp_path: Path) -> None:
    suite = """
*** Settings ***
Library    AgentTestLibrary
Library    OperatingSystem
Test Tags    live    lane:model-backed    owner:qa

*** Test Cases ***
Real Mode
    Start Mock LLM    credentials=AGENTTEST_FAKE_KEY
    Environment Variable Should Not Be Set    OPENAI_BASE_URL
    Environment Variable Should Not Be Set    ANTHROPIC_BASE_URL
    Should Be Equal    %{AGENTTEST_FAKE_KEY}    real-key-value-7
    Mock LLM Should Have Received    99    requests
    Stop Mock LLM
"""
    live = {"RUN_LIVE_TESTS": "true", "USE_REAL_LLM": "true", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    (tmp_path / "a").mkdir()
    skipped = run_robot(tmp_path / "a", {"real.robot": suite}, {**live, "AGENTTEST_FAKE_KEY": None})
    assert skipped.statuses["Real Mode"] == (
        "SKIP",
        "USE_REAL_LLM needs credential(s) AGENTTEST_FAKE_KEY, which are not set.",
    )
    (tmp_path / "b").mkdir()
    ran = run_robot(tmp_path / "b", {"real.robot": suite}, {**live, "AGENTTEST_FAKE_KEY": "real-key-value-7"})
    assert ran.statuses["Real Mode"] == ("PASS", ""), ran.statuses
    assert "does nothing in real-LLM mode" in ran.stdout


REPO = Path(__file__).parents[2]
SEALED_KEYS = {
    "OPENAI_API_KEY": "sk-sealed-network-openai-0123456789",
    "ANTHROPIC_API_KEY": "sk-ant-sealed-network-0123456789",
    "GEMINI_API_KEY": "sealed-network-gemini-0123456789",
}
OWN_LIVE_TEST = """
*** Settings ***
Library    AgentTestLibrary
Library    Process
Suite Setup    Require Credential Or Skip    OPENAI_API_KEY
Test Tags    live    lane:model-backed    owner:qa

*** Test Cases ***
My Own Live Test Calls The Provider Directly
    Evaluate    __import__('httpx').get('https://api.openai.com/v1/models', timeout=5).raise_for_status()

A Provider That Answers 401 Is Still A Failure
    Fail    AuthenticationError: Error code: 401 - invalid x-api-key
"""


def closed_port_proxy() -> str:
    """A proxy URL on a loopback port nobody listens on: every connection out is refused, deterministically."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def sealed(env: dict[str, str | None]) -> dict[str, str | None]:
    proxy = closed_port_proxy()
    return {**env, "HTTPS_PROXY": proxy, "https_proxy": proxy, "HTTP_PROXY": proxy, "http_proxy": proxy,
            "NO_PROXY": None, "no_proxy": None}  # fmt: skip


def test_the_live_lane_skips_on_a_sealed_network_even_with_keys(tmp_path: Path) -> None:
    env = sealed({"RUN_LIVE_TESTS": "1", **SEALED_KEYS})
    run = run_robot(tmp_path, {}, env, "--include", "live", source=REPO / "robot" / "live")
    assert run.returncode == 0, run.stdout
    failed = {name: message for name, (status, message) in run.statuses.items() if status != "SKIP"}
    assert failed == {}, failed
    for name in ("OpenAI Chat API Answers A Minimal Request", "Record A Minimal Anthropic Exchange"):
        assert run.statuses[name][1].startswith("Egress blocked: "), run.statuses[name]
        assert "connect_refused (proxy TCP connect to 127.0.0.1" in run.statuses[name][1]
    assert "https://api.openai.com" in run.statuses["OpenAI Chat API Answers A Minimal Request"][1]
    assert "https://api.anthropic.com" in run.statuses["Record A Minimal Anthropic Exchange"][1]
    messages = " ".join(message for _, message in run.statuses.values())
    assert not messages.rstrip().endswith("Steps:") and "Steps: ." not in messages
    assert all(key not in run.stdout for key in SEALED_KEYS.values())


def test_a_users_own_live_test_skips_with_the_diagnosis_and_a_401_still_fails(tmp_path: Path) -> None:
    env = sealed({"RUN_LIVE_TESTS": "1", "OPENAI_API_KEY": SEALED_KEYS["OPENAI_API_KEY"]})
    run = run_robot(tmp_path, {"own.robot": OWN_LIVE_TEST}, env)
    status, message = run.statuses["My Own Live Test Calls The Provider Directly"]
    assert status == "SKIP" and message.startswith("Egress blocked: https://api.openai.com via proxy")
    assert "Traceback" not in message and len(message.splitlines()) <= 2
    assert run.statuses["A Provider That Answers 401 Is Still A Failure"][0] == "FAIL"
