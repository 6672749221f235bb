"""Service cassettes: record what a client exchanged with a REST upstream through a mock service, replay it with the
upstream gone; planted tokens never reach the cassette or the journal."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from AgentTestLibrary.cassettes import load_cassette, save_cassette
from AgentTestLibrary.cassettes.service import ServiceCassette
from AgentTestLibrary.cassettes.tools import check, to_routes
from AgentTestLibrary.cassettes.verify import VerifyReport, verify
from AgentTestLibrary.errors import CassetteError
from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockservice import MockService, load_service, service_from_text
from AgentTestLibrary.secrets import SecretRegistry
from tests.stand_in import Answer, stand_in

AUTH = "sentinel-auth-Q9xZ7w2k"  # no key shape: caught because it came in an Authorization header
QUERY_TOKEN = "sentinel-query-4hT8pL1m"
COOKIE = "sentinel-cookie-Vb6nR3s0"
SET_COOKIE = "sentinel-setcookie-Jd2wE5y"
REGISTERED = "sentinel-registered-Ka7uM4c"  # known to the registry (as from the environment)
SHAPED = "sk-proj-sentinelShapedKey0123456789"  # unknown, caught by its shape
SENTINELS = (AUTH, QUERY_TOKEN, COOKIE, SET_COOKIE, REGISTERED, SHAPED)
UPSTREAM_ROUTES = """
routes:
  - name: echo
    path: /api/echo
    reply:
      headers: {set-cookie: "sid=sentinel-setcookie-Jd2wE5y; Path=/", x-request-id: req-1}
      json:
        auth: "{{headers.authorization | null}}"
        token: "{{query.access_token | null}}"
        cookie_seen: "{{headers.cookie | null}}"
        next: "{{base}}/api/echo?page=2"
        sent: "{{json | null}}"
        template: '{{method.none | "Hello {{ name }}"}}'  # a body with braces in it, as a GitHub issue may have
  - name: missing
    path: /api/missing
    reply: {status: 404, json: {message: Not Found}}
"""


def exchange(url: str) -> list[tuple[int, Any, str | None]]:
    """What an agent does: a GET with its token in the header, cookie and query; a POST; a 404."""
    headers = {"authorization": f"token {AUTH}", "cookie": f"session={COOKIE}"}
    with httpx.Client(base_url=url, headers=headers) as client:
        answers = [
            client.get("/api/echo", params={"access_token": QUERY_TOKEN, "page": "1"}),
            client.post("/api/echo", json={"title": "Crash", "note": f"{REGISTERED} {SHAPED}"}),
            client.get("/api/missing"),
        ]
    return [(answer.status_code, answer.json(), answer.headers.get("x-request-id")) for answer in answers]


def recorder(serve: Any, path: Path, mode: str, upstream: str) -> tuple[MockService, str, SecretRegistry]:
    secrets = SecretRegistry()
    secrets.add(REGISTERED)
    app = MockService(load_service(None, "api"), secrets)
    server = serve(app)
    app.tape = ServiceCassette(path, mode, secrets, upstream)
    return app, server.url, secrets


def test_records_through_the_mock_and_replays_with_the_upstream_gone(serve: Any, tmp_path: Path) -> None:
    upstream_server = serve(MockService(service_from_text(UPSTREAM_ROUTES, "<upstream>", "upstream")))
    upstream = upstream_server.url
    path = tmp_path / "Suite" / "Test.yaml"
    app, url, _ = recorder(serve, path, "once", upstream + "/")
    recorded = exchange(url)
    assert app.tape is not None and app.tape.save()  # type: ignore[attr-defined]
    assert [status for status, _, _ in recorded] == [200, 200, 404]
    first = recorded[0][1]
    assert first["next"] == f"{url}/api/echo?page=2"  # the upstream's URL became the mock's
    assert recorded[0][2] == "req-1"
    assert recorded[1][1]["sent"]["title"] == "Crash"

    text = path.read_text(encoding="utf-8")
    for sentinel in SENTINELS:
        assert sentinel not in text, sentinel
        assert sentinel not in json.dumps([entry.to_dict() for entry in app.journal.entries()]), sentinel
        assert sentinel not in json.dumps(recorded), sentinel  # the agent gets what the cassette holds
    assert text.count(upstream) == 3 and "{{base}}/api/echo?page=2" in text  # only as each request's upstream
    assert "access_token:\n    - <scrubbed>" in text or "- <scrubbed>" in text
    assert "set-cookie" not in text.lower() and "authorization" not in text.lower()

    upstream_server.stop()
    replay_app, replay_url, _ = recorder(serve, path, "none", upstream)
    assert exchange(replay_url) == [(status, json.loads(json.dumps(body).replace(url, replay_url)), rid)
                                    for status, body, rid in recorded]  # fmt: skip
    assert not any(entry.unmatched for entry in replay_app.journal.entries())
    assert [entry.rule for entry in replay_app.journal.entries()] == [f"<cassette episode {n}>" for n in (1, 2, 3)]


def test_a_replay_miss_names_the_closest_episode(serve: Any, tmp_path: Path) -> None:
    upstream_server = serve(MockService(service_from_text(UPSTREAM_ROUTES, "<upstream>", "upstream")))
    path = tmp_path / "Suite" / "Test.yaml"
    app, url, _ = recorder(serve, path, "once", upstream_server.url)
    exchange(url)
    app.tape.save()  # type: ignore[union-attr]
    upstream_server.stop()
    app, url, _ = recorder(serve, path, "none", upstream_server.url)
    answer = httpx.post(f"{url}/api/echo", json={"title": "Other", "note": "x"})
    assert answer.status_code == 404 and "no recorded episode matches POST /api/echo" in answer.text
    entry = app.journal.entries()[-1]
    assert entry.unmatched and "closest was cassette episode 2: body differs" in entry.near_miss
    assert '"title": "Crash"' in entry.near_miss and '"title": "Other"' in entry.near_miss


def test_new_episodes_adds_what_is_missing_and_all_records_afresh(serve: Any, tmp_path: Path) -> None:
    upstream_server = serve(MockService(service_from_text(UPSTREAM_ROUTES, "<upstream>", "upstream")))
    path = tmp_path / "Suite" / "Test.yaml"
    app, url, _ = recorder(serve, path, "once", upstream_server.url)
    httpx.get(f"{url}/api/missing")
    app.tape.save()  # type: ignore[union-attr]
    app, url, _ = recorder(serve, path, "new_episodes", upstream_server.url)
    httpx.get(f"{url}/api/missing")
    httpx.get(f"{url}/api/echo")
    app.tape.save()  # type: ignore[union-attr]
    assert [episode.request["path"] for episode in load_cassette(path).episodes] == ["/api/missing", "/api/echo"]
    app, url, _ = recorder(serve, path, "all", upstream_server.url)
    httpx.get(f"{url}/api/echo")
    app.tape.save()  # type: ignore[union-attr]
    assert [episode.request["path"] for episode in load_cassette(path).episodes] == ["/api/echo"]


def test_unreachable_upstream_bad_paths_and_bad_settings_are_clear(serve: Any, tmp_path: Path) -> None:
    app, url, _ = recorder(serve, tmp_path / "a.yaml", "once", "http://127.0.0.1:9")
    answer = httpx.get(f"{url}/api/echo")
    assert answer.status_code == 502 and "could not be reached while recording" in answer.text
    assert app.tape.upstream_failures  # type: ignore[union-attr]
    answer = httpx.get(f"{url}/api/%2E%2E/admin")
    assert answer.status_code == 400 and "is not forwarded" in answer.text
    with pytest.raises(ValueError, match="not a base URL"):
        ServiceCassette(tmp_path / "b.yaml", "once", SecretRegistry(), "http://user:pw@host")
    with pytest.raises(CassetteError, match="match_on fields"):
        ServiceCassette(tmp_path / "b.yaml", "once", SecretRegistry(), "http://127.0.0.1:1", match_on=("model",))
    app, url, _ = recorder(serve, tmp_path / "missing.yaml", "none", "http://127.0.0.1:9")
    assert httpx.get(f"{url}/api/echo").status_code == 404
    assert "has no episodes (it does not exist)" in app.journal.entries()[-1].near_miss


def test_cassette_check_reports_stale_service_cassettes(serve: Any, tmp_path: Path) -> None:
    upstream_server = serve(MockService(service_from_text(UPSTREAM_ROUTES, "<upstream>", "upstream")))
    path = tmp_path / "Suite" / "Test.yaml"
    app, url, _ = recorder(serve, path, "once", upstream_server.url)
    httpx.get(f"{url}/api/missing")
    app.tape.save()  # type: ignore[union-attr]
    cassette = load_cassette(path)
    cassette.recorded_at -= dt.timedelta(days=40)
    save_cassette(cassette)
    assert check([tmp_path], 30, {("Suite", "Test")}) == [f"{path}: stale: recorded 40 days ago (max 30); re-record it"]
    assert check([tmp_path], 90, {("Suite", "Other")}) == [f"{path}: unused: no test 'Test' in a suite 'Suite'"]


def recorded_cassette(serve: Any, tmp_path: Path, routes: str = UPSTREAM_ROUTES) -> tuple[Path, MockServer]:
    upstream_server = serve(MockService(service_from_text(routes, "<upstream>", "upstream")))
    path = tmp_path / "cassettes" / "Suite" / "Test.yaml"
    app, url, _ = recorder(serve, path, "once", upstream_server.url)
    exchange(url)
    app.tape.save()  # type: ignore[union-attr]
    return path, upstream_server


def run_verify(cassettes: Path, upstream: str | None = None, live: bool = True) -> VerifyReport:
    environ = {"RUN_LIVE_TESTS": "true"} if live else {}
    upstreams = {"service": upstream} if upstream else None
    return verify([cassettes], environ, SecretRegistry(), upstreams=upstreams)


def test_verify_resends_service_episodes_and_reports_shape_drift(serve: Any, tmp_path: Path) -> None:
    path, upstream_server = recorded_cassette(serve, tmp_path)
    report = run_verify(path.parent)
    assert [episode.status for episode in report.episodes] == ["clean"] * 3, report.text()
    received = upstream_server.app.journal.entries()[-3:]
    assert [entry.path for entry in received] == ["/api/echo?page=1", "/api/echo", "/api/missing"]  # no token
    assert received[1].subject.json == {"title": "Crash", "note": "<scrubbed> <scrubbed>"}

    changed = UPSTREAM_ROUTES.replace('sent: "{{json | null}}"', "sent: 7\n        added: true")
    other = serve(MockService(service_from_text(changed, "<upstream>", "upstream")))
    report = run_verify(path.parent, other.url)
    assert [episode.status for episode in report.episodes] == ["drift", "drift", "clean"], report.text()
    text = report.text()
    assert 'field_added body $.added: recorded null, live ["boolean"]' in text
    assert 'type_changed body $.sent: recorded ["object"], live ["number"]' in text

    assert run_verify(path.parent, live=False).skipped.startswith("RUN_LIVE_TESTS not set")


def test_verify_reports_a_hostile_service_episode_invalid(serve: Any, tmp_path: Path) -> None:
    path, _ = recorded_cassette(serve, tmp_path)
    cassette = load_cassette(path)
    cassette.episodes[0].request["path"] = "/api/../admin"
    cassette.episodes[1].request["upstream"] = "http://user:pw@evil.example"
    cassette.episodes[2].request["method"] = "TRACE"
    save_cassette(cassette)
    report = run_verify(path.parent)
    assert [episode.status for episode in report.episodes] == ["invalid"] * 3, report.text()
    assert "cannot be sent" in report.episodes[0].note and "not a base URL" in report.episodes[1].note


def test_to_routes_makes_a_route_file_that_answers_the_same_requests(serve: Any, tmp_path: Path) -> None:
    upstream_server = serve(MockService(service_from_text(UPSTREAM_ROUTES, "<upstream>", "upstream")))
    path = tmp_path / "Suite" / "Test.yaml"
    app, url, _ = recorder(serve, path, "once", upstream_server.url)
    recorded = exchange(url)
    httpx.get(f"{url}/api/missing")  # the same request recorded twice: a sequence
    app.tape.save()  # type: ignore[union-attr]
    routes = tmp_path / "routes.yaml"
    done = subprocess.run([sys.executable, "-m", "AgentTestLibrary", "cassette", "to-routes", str(path), "-o",
                           str(routes)], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = routes.read_text(encoding="utf-8")
    conditions = [route.get("when") for route in yaml.safe_load(text)["routes"]]
    assert {"query": {"page": "1"}} in conditions and "<scrubbed>" not in json.dumps(conditions)  # no token
    assert "sequence:" in text
    assert "{{base}}/api/echo?page=2" in text

    replayed = MockService(load_service(str(routes), "api"))
    replay_url = serve(replayed).url
    expected = [(status, json.loads(json.dumps(body).replace(url, replay_url)), rid) for status, body, rid in recorded]
    assert exchange(replay_url) == expected
    assert httpx.get(f"{replay_url}/api/missing").status_code == 404
    assert not any(entry.unmatched for entry in replayed.journal.entries())
    assert [entry.rule for entry in replayed.journal.entries()][:2] == ["GET /api/echo", "POST /api/echo"]
    answer = httpx.post(f"{replay_url}/api/echo", json={"title": "Other"})
    assert answer.status_code == 422 and replayed.journal.entries()[-1].unmatched  # conditions hold: strict miss

    scenario = subprocess.run([sys.executable, "-m", "AgentTestLibrary", "cassette", "to-scenario", str(path)],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
    assert scenario.returncode == 1 and "is a service cassette" in scenario.stderr and "to-routes" in scenario.stderr


def test_a_binary_answer_replays_byte_for_byte_but_its_secrets(serve: Any, tmp_path: Path) -> None:
    blob = bytes(range(256)) * 4 + REGISTERED.encode() + bytes(range(7))
    kept = blob.replace(REGISTERED.encode(), b"*" * len(REGISTERED))
    path = tmp_path / "Suite" / "Test.yaml"
    with stand_in(Answer(headers={"content-type": "application/zip"}, chunks=[blob])) as upstream:
        app, url, _ = recorder(serve, path, "once", upstream.url)
        assert httpx.get(f"{url}/repos/acme/app/zipball").content == kept  # what the cassette holds
        app.tape.save()  # type: ignore[union-attr]
    text = path.read_text(encoding="utf-8")
    assert "encoding: base64" in text and REGISTERED not in base64.b64decode(
        load_cassette(path).episodes[0].response["body"]
    ).decode("latin-1")
    _, replay_url, _ = recorder(serve, path, "none", "http://127.0.0.1:9")
    replayed = httpx.get(f"{replay_url}/repos/acme/app/zipball")
    assert replayed.headers["content-type"] == "application/zip" and replayed.content == kept
    with pytest.raises(CassetteError, match="is binary"):
        to_routes(load_cassette(path))
