"""Credentials from secrets managers as users run them: robot/live/secret_managers.robot against its stand-ins,
sentinels that never reach anything written, and the lane rules around ``from=``."""

from __future__ import annotations

from pathlib import Path

from tests.acceptance.robot_outputs import everything_written
from tests.acceptance.robot_run import run_robot

SUITE = Path(__file__).parents[2] / "robot" / "live" / "secret_managers.robot"
# Planted in the stand-ins (robot/live/secret_managers/): the three values, and the tokens met on the way.
SENTINELS = ("vault-planted-Qm7xK2pL9w", "aws-planted-Hy6vD3sJ0q", "gcp-planted-Zt4rW8nB1cXq",
             "hvs.planted-client-token-Wm3qT8", "ya29.planted-access-token-Rb6n",
             "eyJhbGciOiJSUzI1NiJ9.ci-oidc-subject-token-7Kd2.c2lnbmF0dXJl")  # fmt: skip
SOURCE_ENV: dict[str, str | None] = {name: None for name in (
    "VAULT_TOKEN", "VAULT_ADDR", "VAULT_ROLE", "VAULT_JWT", "VAULT_JWT_FILE", "VAULT_NAMESPACE", "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_APPLICATION_CREDENTIALS", "AWS_PROFILE", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "HTTPS_PROXY", "https_proxy",
    "HTTP_PROXY", "http_proxy")}  # fmt: skip


def test_each_manager_gives_its_key_and_the_reasons_are_skips(tmp_path: Path) -> None:
    env = {**SOURCE_ENV, "RUN_LIVE_TESTS": "true", "HOME": str(tmp_path)}
    run = run_robot(tmp_path, {}, env, "--loglevel", "TRACE", source=SUITE)
    assert run.returncode == 0, run.stdout
    passed = [name for name, (status, _) in run.statuses.items() if status == "PASS"]
    assert passed == ["A Key From Vault Through JWT Login", "A Secret Is Fetched Once Per Run",
                      "A Fetched Key Reaches A File Only Through Write Credential File",
                      "A Key From AWS Secrets Manager",
                      "A Key From GCP Secret Manager Through Workload Identity"]  # fmt: skip
    missing = run.statuses["A Missing Secret Skips With The Reason"]
    assert missing[0] == "SKIP" and missing[1].startswith(
        "AGENTTEST_MISSING_KEY from vault:secret/data/missing#openai_key: missing: Vault at http://127.0.0.1:"
    )
    assert missing[1].endswith("has no secret at secret/data/missing (404)")
    denied = run.statuses["A Denied Request Skips With The Reason"]
    assert denied[0] == "SKIP" and "denied: Vault at http://127.0.0.1:" in denied[1]
    assert denied[1].endswith("refused to read secret/data/forbidden: 1 error occurred: permission denied")
    status, unreachable = run.statuses["An Unreachable Manager Skips With The Egress Diagnosis"]
    assert status == "SKIP" and "unreachable: Vault at http://127.0.0.1:9: ConnectionError" in unreachable
    assert "Egress blocked: http://127.0.0.1:9: connect_refused (TCP connect to 127.0.0.1:9 was refused)" in unreachable

    written = everything_written(run.output_dir)
    for path in run.output_dir.rglob("*"):
        if path.is_file():
            written += path.read_bytes().decode("utf-8", errors="replace")
    assert "GetSecretValue" in written and "/v1/auth/jwt/login" in written  # the journal and the log were written
    leaked = [sentinel for sentinel in SENTINELS if sentinel in written]
    assert not leaked, f"planted secrets in the run's output: {leaked}"


def test_without_the_gate_the_suite_starts_nothing_and_skips(tmp_path: Path) -> None:
    run = run_robot(tmp_path, {}, SOURCE_ENV, source=SUITE)
    assert run.returncode == 0, run.stdout
    assert {status for status, _ in run.statuses.values()} == {"SKIP"}
    assert all("RUN_LIVE_TESTS not set" in message for _, message in run.statuses.values())


LANE_RULES = """
*** Settings ***
Library    AgentTestLibrary

*** Test Cases ***
Get Credential From A Manager In A No Model Test
    [Tags]    lane:no-model
    Get Credential    AGENTTEST_KEY    from=vault:secret/data/ci#openai_key

Require From A Manager In A No Model Test
    [Tags]    lane:no-model
    Require Credential Or Skip    AGENTTEST_KEY    from=aws-sm:ci/openai#api_key

Two Names For One Source
    [Tags]    live    lane:model-backed    owner:qa
    Require Credential Or Skip    AGENTTEST_KEY    AGENTTEST_OTHER    from=aws-sm:ci/openai

An Unknown Named Argument
    [Tags]    live    lane:model-backed    owner:qa
    Get Credential    AGENTTEST_KEY    source=aws-sm:ci/openai

A Source Written Wrongly
    [Tags]    live    lane:model-backed    owner:qa
    Get Credential    AGENTTEST_KEY    from=vault:secret/data/ci
"""


def test_no_model_tests_fail_and_misuse_names_the_fix(tmp_path: Path) -> None:
    run = run_robot(tmp_path, {"rules.robot": LANE_RULES}, {**SOURCE_ENV, "RUN_LIVE_TESTS": "true"})
    for name, keyword in [("Get Credential From A Manager In A No Model Test", "Get Credential"),
                          ("Require From A Manager In A No Model Test", "Require Credential Or Skip")]:  # fmt: skip
        assert run.statuses[name] == ("FAIL", f"{keyword} in a lane:no-model test: no-model tests must never skip "
                                      "for a missing key. Move the test to lane:model-backed (tagged live) or remove "
                                      "the credential check.")  # fmt: skip
    assert run.statuses["Two Names For One Source"] == (
        "FAIL",
        "Require Credential Or Skip with from=aws-sm:ci/openai names one variable to fill, got 2: call it once per "
        "secret.",
    )
    assert run.statuses["An Unknown Named Argument"] == (
        "FAIL",
        "Get Credential takes from=SOURCE as its only named argument, not source=.",
    )
    assert run.statuses["A Source Written Wrongly"] == (
        "FAIL",
        "Secret source 'vault:secret/data/ci' names no key: a Vault secret holds keys, e.g. "
        "'vault:secret/data/ci#KEY'.",
    )
