"""Write Credential File: written 0600 outside the output folder, masked, gone after its test or suite, also after
a failure, and swept by the next run when a killed run left one behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from AgentTestLibrary.errors import CredentialFileError
from AgentTestLibrary.live.credential_files import format_of, secret_parts, write_file
from tests.acceptance.robot_outputs import everything_written
from tests.acceptance.robot_run import run_robot

SENTINEL = "sntl-credfile-9Wx4-planted-private-key"
ACCOUNT = json.dumps({"type": "service_account", "client_email": "ci@example.iam", "private_key": SENTINEL})
AWS = f"[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE\naws_secret_access_key = {SENTINEL}-aws\n"
READER = """
import json, os, stat, sys
path = os.environ[sys.argv[1]]
mode = stat.S_IMODE(os.stat(path).st_mode)
text = open(path, encoding="utf-8").read()
print(f"{oct(mode)} {'private_key' in text or 'aws_secret_access_key' in text}")
"""
SUITE = """
*** Settings ***
Library    AgentTestLibrary
Library    OperatingSystem
Library    Process
Suite Setup    Write Credential File    AWS_SHARED_CREDENTIALS_FILE    SUITE_AWS_CREDENTIALS
Test Tags    live    lane:model-backed    owner:qa

*** Test Cases ***
A Tool Reads The File It Was Pointed At, Then The Test Fails
    Require Credential Or Skip    GCP_SERVICE_ACCOUNT_JSON
    ${path}=    Write Credential File    GOOGLE_APPLICATION_CREDENTIALS    GCP_SERVICE_ACCOUNT_JSON
    Log To Console    \\nTEST_FILE=${path}
    ${read}=    Run Process    ${PYTHON}    ${CURDIR}/reader.py    GOOGLE_APPLICATION_CREDENTIALS
    Should Be Equal    ${read.stdout}    0o600 True
    Log    ${read.stdout} %{GCP_SERVICE_ACCOUNT_JSON}
    Fail    the tool rejected the key

The Next Test Has Neither File Nor Variable, The Suite File Stays
    Environment Variable Should Not Be Set    GOOGLE_APPLICATION_CREDENTIALS
    ${suite_file}=    Get Environment Variable    AWS_SHARED_CREDENTIALS_FILE
    Log To Console    \\nSUITE_FILE=${suite_file}
    ${read}=    Run Process    ${PYTHON}    ${CURDIR}/reader.py    AWS_SHARED_CREDENTIALS_FILE
    Should Be Equal    ${read.stdout}    0o600 True

A Credential That Is Not What The Variable Expects Is Named, Not Shown
    Run Keyword And Expect Error
    ...    GOOGLE_APPLICATION_CREDENTIALS expects a JSON object*credential SUITE_AWS_CREDENTIALS: it is not JSON*
    ...    Write Credential File    GOOGLE_APPLICATION_CREDENTIALS    SUITE_AWS_CREDENTIALS
"""
HANGING = """
*** Settings ***
Library    AgentTestLibrary
Library    OperatingSystem
Test Tags    live    lane:model-backed    owner:qa

*** Test Cases ***
Killed While The File Exists
    ${path}=    Write Credential File    GOOGLE_APPLICATION_CREDENTIALS    GCP_SERVICE_ACCOUNT_JSON
    Log To Console    \\nWRITTEN=${path}
    Sleep    600s
"""
NEXT_RUN = """
*** Settings ***
Library    AgentTestLibrary

*** Test Cases ***
Any Later Run
    [Tags]    lane:no-model
    No Operation
"""
ENV = {"RUN_LIVE_TESTS": "true", "GCP_SERVICE_ACCOUNT_JSON": ACCOUNT, "SUITE_AWS_CREDENTIALS": AWS}


def test_files_last_for_their_scope_and_nothing_leaks(tmp_path: Path) -> None:
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "reader.py").write_text(READER, encoding="utf-8")
    run = run_robot(tmp_path, {"credentials.robot": SUITE}, ENV)
    statuses = run.statuses
    assert statuses["A Tool Reads The File It Was Pointed At, Then The Test Fails"] == (
        "FAIL", "the tool rejected the key",
    ), statuses  # fmt: skip
    assert statuses["The Next Test Has Neither File Nor Variable, The Suite File Stays"] == ("PASS", "")
    assert statuses["A Credential That Is Not What The Variable Expects Is Named, Not Shown"][0] == "PASS"
    test_file = Path(re.search(r"TEST_FILE=(\S+)", run.stdout).group(1))  # type: ignore[union-attr]
    suite_file = Path(re.search(r"SUITE_FILE=(\S+)", run.stdout).group(1))  # type: ignore[union-attr]
    assert not test_file.exists() and not suite_file.exists(), "credential files outlived their scope"
    assert run.output_dir not in test_file.parents and run.output_dir not in suite_file.parents
    assert test_file.name == "google-credentials.json" and suite_file.name == "aws-credentials"
    written = everything_written(run.output_dir)
    assert SENTINEL not in written and "ci@example.iam" not in written, "the file's content reached an output"


def test_a_killed_run_leaves_a_file_the_next_run_sweeps(tmp_path: Path) -> None:
    suites = tmp_path / "hang"
    suites.mkdir()
    (suites / "hang.robot").write_text(HANGING, encoding="utf-8")
    env = {**os.environ, **ENV}
    robot = subprocess.Popen(
        [sys.executable, "-m", "robot", "--outputdir", str(tmp_path / "out-killed"), str(suites)],
        stdout=subprocess.PIPE, text=True, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        assert robot.stdout is not None
        written = next(Path(line.split("=", 1)[1].strip()) for line in robot.stdout if line.startswith("WRITTEN="))
        assert written.is_file()
    finally:
        os.killpg(robot.pid, signal.SIGKILL)
        robot.wait(timeout=60)
    assert written.is_file(), "SIGKILL leaves the file: nothing ran to remove it"
    run = run_robot(tmp_path, {"next.robot": NEXT_RUN})
    assert run.statuses["Any Later Run"] == ("PASS", "")
    assert not written.exists(), "the next run should have swept the killed run's credential file"


def test_formats_are_checked_and_messages_never_show_the_value(tmp_path: Path) -> None:
    with pytest.raises(CredentialFileError) as caught:
        secret_parts("AWS_SHARED_CREDENTIALS_FILE", "AWS_INI", f"key={SENTINEL}", "ini")
    assert "credential AWS_INI: it is not INI (MissingSectionHeaderError)" in str(caught.value)
    assert SENTINEL not in str(caught.value)
    with pytest.raises(CredentialFileError, match="it is JSON but not an object"):
        secret_parts("GOOGLE_APPLICATION_CREDENTIALS", "SA", f'["{SENTINEL}"]', "json")
    assert set(secret_parts("GOOGLE_APPLICATION_CREDENTIALS", "SA", ACCOUNT, "json")) == {
        ACCOUNT, "service_account", "ci@example.iam", SENTINEL,
    }  # fmt: skip
    assert format_of("KUBE_TOKEN_FILE").file_name == "kube_token_file"
    with pytest.raises(CredentialFileError, match="must be a plain file name"):
        format_of("GOOGLE_APPLICATION_CREDENTIALS", "../escape.json")
    with pytest.raises(CredentialFileError, match="is not an environment variable name"):
        format_of("A B")
    form = format_of("GOOGLE_APPLICATION_CREDENTIALS")
    path = write_file(tmp_path / "f", form, ACCOUNT)
    assert oct(path.stat().st_mode & 0o777) == "0o600" and oct(path.parent.stat().st_mode & 0o777) == "0o700"
    with pytest.raises(FileExistsError):
        write_file(tmp_path / "f", form, ACCOUNT)  # never over an existing file (or a planted link)
