"""Use Service Cassettes from Robot: a subprocess agent records through the mock service against a loopback
upstream, then replays with the upstream gone; planted tokens reach no file of either run."""

from __future__ import annotations

from pathlib import Path

from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockservice import MockService, service_from_text
from tests.acceptance.robot_run import run_robot

AUTH = "sentinel-auth-Pq3vX8zL"
QUERY_TOKEN = "sentinel-query-Mn5bT2wK"
COOKIE = "sentinel-cookie-Rt7yH1dQ"
SET_COOKIE = "sentinel-setcookie-Lk4jG9sA"
SENTINELS = (AUTH, QUERY_TOKEN, COOKIE, SET_COOKIE)
UPSTREAM = f"""
routes:
  - name: issues
    path: /repos/{{owner}}/{{repo}}/issues
    reply:
      headers: {{set-cookie: "sid={SET_COOKIE}"}}
      json: [{{number: 7, title: Crash on start, seen_auth: "{{{{headers.authorization}}}}",
               url: "{{{{base}}}}/repos/acme/app/issues/7"}}]
"""
AGENT = f"""
import json, os, urllib.request
base = os.environ["AGENTTEST_GITHUB_URL"]
request = urllib.request.Request(base + "/repos/acme/app/issues?state=open&access_token={QUERY_TOKEN}",
                                 headers={{"Authorization": "token {AUTH}", "Cookie": "session={COOKIE}"}})
with urllib.request.urlopen(request) as answer:
    issues = json.load(answer)
print(issues[0]["title"], "|", issues[0]["url"].startswith(base))
"""
SUITE = """
*** Settings ***
Library    Process
Library    AgentTestLibrary
Suite Setup    Run Keywords    Start Mock Service    github    AND
...    Use Service Cassettes    github    ${CASSETTES}    upstream=${UPSTREAM}    record_mode=${MODE}
Test Tags    lane:no-model

*** Test Cases ***
Agent Reads Issues
    ${result}=    Run Process    ${PYTHON}    ${CURDIR}/agent.py
    Should Be Equal    ${result.stdout}    Crash on start | True    ${result.stderr}
    Service Should Have Received    github    GET    /repos/acme/app/issues    query.state=open
"""


def test_record_then_replay_through_robot_leaks_no_token(tmp_path: Path) -> None:
    upstream = MockServer(MockService(service_from_text(UPSTREAM, "<upstream>", "upstream")))
    upstream_url = upstream.start()
    cassettes = tmp_path / "cassettes"
    suites = {"flow.robot": SUITE, "agent.py": AGENT}
    options = ("--variable", f"CASSETTES:{cassettes}", "--loglevel", "TRACE")
    try:
        (tmp_path / "record").mkdir()
        recorded = run_robot(tmp_path / "record", suites, {}, *options, "--variable", f"UPSTREAM:{upstream_url}",
                             "--variable", "MODE:once")  # fmt: skip
        assert upstream.app.journal.entries(), "the upstream was never called"
    finally:
        upstream.stop()
    assert recorded.statuses["Agent Reads Issues"] == ("PASS", ""), recorded.stdout
    cassette = cassettes / "Flow" / "Agent_Reads_Issues.yaml"
    assert "Crash on start" in cassette.read_text(encoding="utf-8")

    (tmp_path / "replay").mkdir()
    replayed = run_robot(tmp_path / "replay", suites, {}, *options, "--variable", f"UPSTREAM:{upstream_url}",
                         "--variable", "MODE:none")  # fmt: skip
    assert replayed.statuses["Agent Reads Issues"] == ("PASS", ""), replayed.stdout

    outputs = [path for run in (recorded, replayed) for path in run.output_dir.rglob("*") if path.is_file()]
    written = [cassette, *outputs]
    assert any(path.name == "log.html" for path in written) and any("evidence" in str(path) for path in written)
    for path in written:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for sentinel in SENTINELS:
            assert sentinel not in text, f"{sentinel} in {path}"

    (tmp_path / "miss").mkdir()
    other = {**suites, "agent.py": AGENT.replace("state=open", "state=closed")}
    missed = run_robot(tmp_path / "miss", other, {}, *options, "--variable", f"UPSTREAM:{upstream_url}",
                       "--variable", "MODE:none")  # fmt: skip
    status, message = missed.statuses["Agent Reads Issues"]
    assert status == "FAIL" and "closest was cassette episode 1: query differs" in message, message


SETTINGS_SUITE = """
*** Settings ***
Library    AgentTestLibrary
Suite Setup    Start Mock Service    github
Test Tags    lane:no-model

*** Test Cases ***
A Bad Upstream Is Named
    Use Service Cassettes    github    ${CASSETTES}    upstream=ftp://user:pw@host    match_on=model

An Unknown Service Is Named
    Use Service Cassettes    gitlab    ${CASSETTES}    upstream=http://127.0.0.1:9

Recording From A Real API Needs The Live Lane
    Use Service Cassettes    github    ${CASSETTES}    upstream=https://api.github.com    record_mode=once
"""


STALE_SUITE = """
*** Settings ***
Library    AgentTestLibrary
Suite Setup    Run Keywords    Start Mock Service    github    AND
...    Use Service Cassettes    github    ${CASSETTES}    upstream=http://127.0.0.1:9    max_age_days=30
Test Tags    lane:no-model

*** Test Cases ***
Old Recording
    No Operation

Two Mocks In One Directory
    Start Mock Service    gitlab
    Use Service Cassettes    gitlab    ${CASSETTES}    upstream=http://127.0.0.1:9
"""
OLD_CASSETTE = """version: 1
recorded_at: "2020-01-01T00:00:00Z"
episodes: []
"""


def test_the_live_gate_expiry_and_bad_settings_are_clear(tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    (cassettes / "Stale").mkdir(parents=True)
    (cassettes / "Stale" / "Old_Recording.yaml").write_text(OLD_CASSETTE, encoding="utf-8")
    suites = {"settings.robot": SETTINGS_SUITE, "stale.robot": STALE_SUITE}
    ran = run_robot(tmp_path, suites, {}, "--variable", f"CASSETTES:{cassettes}")
    status, message = ran.statuses["Two Mocks In One Directory"]
    assert status == "FAIL" and "If two mocks share a cassette directory, give each its own." in message, message
    status, message = ran.statuses["Old Recording"]
    assert status == "FAIL" and "more than max_age_days=30. Re-record it: AGENTTEST_RECORD_MODE=all robot" in message
    status, message = ran.statuses["Recording From A Real API Needs The Live Lane"]
    assert status == "SKIP" and "needs RUN_LIVE_TESTS=true (the upstream is not on loopback)" in message, message
    status, message = ran.statuses["A Bad Upstream Is Named"]
    assert status == "FAIL" and "match_on takes fields from method, path, query, body; got 'model'" in message
    assert "upstream 'ftp://user:pw@host' is not a base URL" not in message  # the password is masked ...
    assert "is not a base URL: give http(s)://host[:port][/prefix]" in message  # ... and the fix is named
    status, message = ran.statuses["An Unknown Service Is Named"]
    assert status == "FAIL" and "gitlab" in message, message
    assert sorted(path.name for path in cassettes.rglob("*.yaml")) == ["Old_Recording.yaml"]
