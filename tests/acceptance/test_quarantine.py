"""Quarantine with owner and fix-by date: the failure of a quarantined test does not fail the run until its date,
the log, report and console say who owns it, and `agenttest lanes check` holds the rules (scope labels, live owners,
credential files git would not ignore)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from AgentTestLibrary.lanes import quarantine_of
from tests.acceptance.robot_outputs import log_html_strings
from tests.acceptance.robot_run import run_robot
from tests.contract.test_cli import AGENTTEST

NEAR = (dt.date.today() + dt.timedelta(days=30)).isoformat()  # inside the default 90-day horizon
SUITE = """
*** Settings ***
Library    AgentTestLibrary
Test Tags    lane:no-model

*** Test Cases ***
Quarantined And Failing
    [Tags]    quarantine    owner:alice    fix-by:2099-12-31
    Fail    the upstream paginates differently on Tuesdays

Quarantined And Passing
    [Tags]    quarantine    owner:bob    fix-by:2099-12-31
    No Operation

Quarantine Past Its Date
    [Tags]    quarantine    owner:carol    fix-by:2000-01-31
    Fail    still broken

Quarantine Without Owner
    [Tags]    quarantine    fix-by:2099-12-31
    Fail    nobody looks

Ordinary Test
    No Operation
""".replace("2099-12-31", NEAR)


def test_a_quarantined_failure_is_a_skip_until_its_fix_by_date(tmp_path: Path) -> None:
    run = run_robot(tmp_path, {"quarantine.robot": SUITE})
    status, message = run.statuses["Quarantined And Failing"]
    assert status == "SKIP" and message.startswith(f"Quarantined (owner alice, fix by {NEAR})"), message
    assert "Original failure:\nthe upstream paginates differently on Tuesdays" in message
    assert run.statuses["Quarantined And Passing"] == (
        "PASS",
        f"Quarantined (owner bob, fix by {NEAR}); it passed this time.",
    )
    status, message = run.statuses["Quarantine Past Its Date"]
    assert status == "FAIL" and message.startswith("still broken") and "was to be fixed by 2000-01-31" in message
    status, message = run.statuses["Quarantine Without Owner"]
    assert status == "FAIL" and "is quarantined without an owner" in message
    assert run.statuses["Ordinary Test"] == ("PASS", "")
    assert run.returncode == 2, "the two broken quarantines fail the run; the held one does not"
    assert "Quarantined tests: 4 (1 failed and reported as SKIP)" in run.stdout, "the console summary"
    log = "\n".join(log_html_strings(run.output_dir / "log.html"))
    assert f"Quarantined test 'Suites.Quarantine.Quarantined And Failing' failed (owner alice, fix by {NEAR})" in log

    summary = subprocess.run([*AGENTTEST, "lanes", "summary", str(run.output_dir / "output.xml")],
                             capture_output=True, text=True, timeout=60, check=True).stdout  # fmt: skip
    lines = summary.splitlines()
    assert lines[0] == "Quarantined tests: 4 (1 failed and reported as SKIP)"
    assert (
        f"  FAIL→SKIP Suites.Quarantine.Quarantined And Failing (owner alice, fix by {NEAR}): "
        "the upstream paginates differently on Tuesdays"
    ) in lines
    assert f"  PASS      Suites.Quarantine.Quarantined And Passing (owner bob, fix by {NEAR})" in lines
    assert any(line.startswith("  FAIL      Suites.Quarantine.Quarantine Without Owner (owner none") for line in lines)


def test_only_failures_of_a_held_quarantine_are_forgiven(tmp_path: Path) -> None:
    """The same suite without the broken quarantines: the run passes although a test failed."""
    held = SUITE.split("Quarantine Past Its Date", maxsplit=1)[0] + "Ordinary Test\n    No Operation\n"
    run = run_robot(tmp_path, {"quarantine.robot": held})
    assert run.returncode == 0 and run.statuses["Quarantined And Failing"][0] == "SKIP"


def test_lanes_check_holds_quarantine_scope_and_owner_rules(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "quarantine.robot").write_text(SUITE, encoding="utf-8")
    (suites / "live.robot").write_text(
        "*** Test Cases ***\nSmoke\n    [Tags]    live    lane:model-backed    owner:qa    scope:release-gate\n"
        "    No Operation\n",
        encoding="utf-8",
    )
    (suites / "bad_date.robot").write_text(
        "*** Test Cases ***\nOdd Date\n    [Tags]    lane:no-model    quarantine    owner:x    fix-by:31/12/2099\n"
        "    No Operation\n",
        encoding="utf-8",
    )
    check = subprocess.run([*AGENTTEST, "lanes", "check", str(suites)], capture_output=True, text=True,
                           timeout=60, cwd=tmp_path)  # fmt: skip
    out = check.stdout
    assert check.returncode == 1, out + check.stderr
    assert "Suites.Quarantine.Quarantine Past Its Date: was to be fixed by 2000-01-31 (owner carol)" in out
    assert "Suites.Quarantine.Quarantine Without Owner: is quarantined without an owner" in out
    assert "Suites.Bad Date.Odd Date: has fix-by date '31/12/2099', which is not a date" in out
    assert "Suites.Live: live suite names no owner: add Metadata    Owner    NAME" in out
    assert "Quarantined And Failing" not in out and "scope label" not in out

    labelled = subprocess.run([*AGENTTEST, "lanes", "check", "--scope-labels", str(suites / "live.robot")],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)  # fmt: skip
    assert "scope label" not in labelled.stdout
    (tmp_path / "pyproject.toml").write_text("[tool.agenttest.lanes]\nscope_labels = true\n", encoding="utf-8")
    opted = subprocess.run([*AGENTTEST, "lanes", "check", str(suites / "quarantine.robot")],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)  # fmt: skip
    assert "Quarantine.Ordinary Test: carries no scope label: add one of scope:unit, scope:contract" in opted.stdout
    (tmp_path / "pyproject.toml").write_text("[tool.agenttest.lanes]\nscope_labels = 'yes'\n", encoding="utf-8")
    broken = subprocess.run([*AGENTTEST, "lanes", "check", str(suites)], capture_output=True, text=True,
                            timeout=60, cwd=tmp_path)  # fmt: skip
    assert broken.returncode == 2 and "scope_labels must be true or false; got 'yes'" in broken.stderr


FOREVER = """
*** Settings ***
Library    AgentTestLibrary
Test Tags    lane:no-model

*** Test Cases ***
Quarantined Forever
    [Tags]    quarantine    owner:mallory    fix-by:9999-12-31
    Fail    silenced for good

Quarantined For Half A Year
    [Tags]    quarantine    owner:dana    fix-by:HALF_YEAR
    Fail    a long fix
""".replace("HALF_YEAR", (dt.date.today() + dt.timedelta(days=180)).isoformat())


def test_a_fix_by_date_beyond_the_horizon_is_refused_by_the_run_and_lanes_check(tmp_path: Path) -> None:
    run = run_robot(tmp_path, {"forever.robot": FOREVER})
    status, message = run.statuses["Quarantined Forever"]
    assert status == "FAIL" and message.startswith("silenced for good"), message
    assert "has fix-by date 9999-12-31, more than 90 days ahead" in message
    assert "quarantine_horizon_days" in message
    assert run.statuses["Quarantined For Half A Year"][0] == "FAIL"
    check = subprocess.run([*AGENTTEST, "lanes", "check", str(tmp_path / "suites")], capture_output=True, text=True,
                           timeout=60, cwd=tmp_path)  # fmt: skip
    assert check.returncode == 1, check.stdout + check.stderr
    assert "Suites.Forever.Quarantined Forever: has fix-by date 9999-12-31, more than 90 days ahead" in check.stdout

    (tmp_path / "pyproject.toml").write_text("[tool.agenttest.lanes]\nquarantine_horizon_days = 365\n")
    longer = run_robot(tmp_path, {})  # the horizon is read from pyproject.toml where robot runs
    assert longer.statuses["Quarantined For Half A Year"][0] == "SKIP", longer.statuses
    assert longer.statuses["Quarantined Forever"][0] == "FAIL"
    again = subprocess.run([*AGENTTEST, "lanes", "check", str(tmp_path / "suites")], capture_output=True, text=True,
                           timeout=60, cwd=tmp_path)  # fmt: skip
    assert "Half A Year" not in again.stdout and "more than 365 days ahead" in again.stdout, again.stdout
    (tmp_path / "pyproject.toml").write_text("[tool.agenttest.lanes]\nquarantine_horizon_days = -1\n")
    broken = subprocess.run([*AGENTTEST, "lanes", "check", str(tmp_path / "suites")], capture_output=True, text=True,
                            timeout=60, cwd=tmp_path)  # fmt: skip
    assert broken.returncode == 2 and "quarantine_horizon_days must be a whole number of days from 1" in broken.stderr


def test_lanes_check_warns_about_credential_files_git_would_commit(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
    (tmp_path / ".gitignore").write_text(".env.live\n*.pem\n", encoding="utf-8")
    (tmp_path / "ok.robot").write_text("*** Test Cases ***\nT\n    [Tags]    lane:no-model\n    No Operation\n")
    check = subprocess.run([*AGENTTEST, "lanes", "check", "ok.robot"], capture_output=True, text=True, timeout=60,
                           cwd=tmp_path)  # fmt: skip
    assert check.returncode == 0, "warnings never fail the check"
    warnings = [line for line in check.stderr.splitlines() if line.startswith("warning: ")]
    assert "warning: credentials.json is not git-ignored: add it to .gitignore" in check.stderr
    assert not [line for line in warnings if ".env.live " in line or "key.pem" in line]
    own = subprocess.run([*AGENTTEST, "lanes", "check", "robot"], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).parents[2])  # fmt: skip
    assert "warning:" not in own.stderr, own.stderr


def test_quarantine_tags_read_whatever_their_order() -> None:
    found = quarantine_of(["fix-by:2030-05-01", "Quarantine", "owner:dana"])
    assert found is not None and (found.owner, found.fix_by) == ("dana", dt.date(2030, 5, 1))
    assert quarantine_of(["owner:dana", "fix-by:2030-05-01"]) is None
    assert found.problems(dt.date(2030, 5, 1)) == [] and found.problems(dt.date(2030, 5, 2))
