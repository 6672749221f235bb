"""Official clients against the mock services: PyGithub, slack_sdk, boto3 paginators, httpx; signed webhooks
checked by the providers' own verifiers."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import socket
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from AgentTestLibrary.errors import ScenarioError, WebhookError
from AgentTestLibrary.mock.http import Outcome, Request
from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockaws import MockAWS, Moto, parse_aws_fault
from AgentTestLibrary.mockservice import MockService, load_service, service_from_text
from AgentTestLibrary.mockservice.loader import parse_service_fault
from AgentTestLibrary.webhooks import deliver, sign, signed_headers, verify
from tests.contract.conftest import aws_client


def test_pygithub_pages_issues_posts_comments_and_reads_errors(serve: Any) -> None:
    github = pytest.importorskip("github")
    app = MockService(load_service("github", "github"))
    url = serve(app).url
    client = github.Github(base_url=url, auth=github.Auth.Token("ghp_fixture"), per_page=2, retry=None)
    repo = client.get_repo("acme/app")
    for number in range(5):
        repo.create_issue(title=f"issue {number}", body="text")
    issues = list(repo.get_issues(state="open"))
    assert [issue.number for issue in issues] == [5, 4, 3, 2, 1]  # three pages through Link headers, newest first
    pages = [entry.subject.page for entry in app.journal.entries() if entry.subject and entry.subject.route ==
             "list issues"]  # fmt: skip
    assert pages == [1, 2, 3]
    issue = repo.get_issue(3)
    issue.create_comment("looks fine")
    assert [comment.body for comment in issue.get_comments()] == ["looks fine"]
    with pytest.raises(github.UnknownObjectException) as missing:
        repo.get_issue(99)
    assert missing.value.status == 404 and missing.value.data["message"] == "Not Found"
    app.add_fault(parse_service_fault({"when": {"route": "create a comment"}, "status": 403,
                                       "message": "API rate limit exceeded for user"}, "test"), "test")  # fmt: skip
    with pytest.raises(github.RateLimitExceededException) as limited:
        issue.create_comment("again")
    assert limited.value.headers["x-ratelimit-remaining"] == "0"
    assert len(app.collections.items("comments")) == 1  # the faulted POST created nothing


def test_head_over_the_socket_sends_get_headers_and_no_body(serve: Any) -> None:
    url = serve(MockService(load_service("github", "github"))).url
    with httpx.Client(base_url=url) as client:
        got, head = client.get("/repos/acme/app"), client.head("/repos/acme/app")
        refused = client.request("POST", "/repos/acme/app")
    assert head.status_code == got.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"] == str(len(got.content))
    assert set(head.headers) == set(got.headers)
    assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")


def _raw_head(url: str, path: str) -> list[tuple[str, str]]:
    """The header lines of one answer, as the bytes on the socket say (a client library would fold repeats)."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(f"GET {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received and (data := raw.recv(65536)):
            received += data
    lines = received.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return [(name.lower(), value.strip()) for name, value in (line.split(":", 1) for line in lines)]


def test_a_header_the_route_sets_is_sent_once_and_framing_stays_the_servers(serve: Any) -> None:
    routes = """
extends: github
routes:
  - name: own
    method: GET
    path: /own
    reply:
      json: {ok: true}
      headers: {content-type: application/vnd.acme+json, server: acme/1.0, content-length: "1", connection: close,
                transfer-encoding: chunked, x-kept: "yes"}
"""
    url = serve(MockService(service_from_text(routes, "own"))).url
    for path, content_type, server in (("/repos/acme/app", "application/json; charset=utf-8", None),
                                       ("/own", "application/vnd.acme+json", "acme/1.0")):  # fmt: skip
        head = _raw_head(url, path)
        names = [name for name, _ in head]
        for once in ("content-type", "content-length", "server", "connection"):
            assert names.count(once) == 1, f"{path}: {once} sent {names.count(once)} times in {head}"
        values = dict(head)
        assert values["content-type"] == content_type and "transfer-encoding" not in values, head
        assert server is None or values["server"] == server
    own = dict(_raw_head(url, "/own"))
    assert own["x-kept"] == "yes" and own["content-length"] == str(len(httpx.get(url + "/own").content))


def test_slack_sdk_follows_cursors_posts_and_sees_rate_limits(serve: Any) -> None:
    slack_sdk = pytest.importorskip("slack_sdk")
    from slack_sdk.errors import SlackApiError

    app = MockService(load_service("slack", "slack"))
    client = slack_sdk.WebClient(token="xoxb-fixture", base_url=serve(app).url + "/api/")
    channels = [channel["name"] for page in client.conversations_list(limit=2) for channel in page["channels"]]
    assert channels == ["general", "random", "alerts"]
    posted = client.chat_postMessage(channel="C0001GENERAL", text="deploy done")
    assert posted["ok"] and posted["message"]["text"] == "deploy done"
    history = client.conversations_history(channel="C0001GENERAL")
    assert [message["text"] for message in history["messages"]] == ["deploy done"]
    app.add_fault(parse_service_fault({"when": {"route": "chat.postMessage"}, "status": 429, "type": "ratelimited",
                                       "retry_after": 3}, "test"), "test")  # fmt: skip
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C0001GENERAL", text="again")
    assert limited.value.response.status_code == 429 and limited.value.response["error"] == "ratelimited"
    assert limited.value.response.headers["retry-after"] == "3"


SIGNED_S3 = (
    "AWS4-HMAC-SHA256 Credential=AKIAFIXTURE/20260101/us-east-1/s3/aws4_request, "
    "SignedHeaders=host, Signature=0"
)  # moto tells the service by the credential scope


def listening_ports() -> set[int]:
    """The TCP ports this process listens on (sockets among its file descriptors in LISTEN state)."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text(encoding="ascii").splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_moto_is_reachable_only_through_the_guarded_front() -> None:
    before = listening_ports()
    moto = Moto()
    app = MockAWS(moto.start())
    server = MockServer(app)
    url = server.start()
    try:
        assert listening_ports() - before == {server.port}, "moto must not listen on a port of its own"
        rebound = httpx.get(f"{url}/moto-api/data.json", headers={"host": "rebind.example"})
        assert rebound.status_code == 403
        for method, path in (("GET", "/moto-api/data.json"), ("POST", "/moto-api/reset")):
            refused = httpx.request(method, url + path)
            assert refused.status_code == 403 and "moto's own API" in refused.text, refused.text
        s3 = aws_client("s3", url)
        s3.create_bucket(Bucket="kept")
        answer = httpx.get(url + "/", headers={"origin": url, "authorization": SIGNED_S3})
        assert answer.status_code == 200 and b"<Name>kept</Name>" in answer.content
        assert not [name for name in answer.headers if name.lower().startswith("access-control-")], answer.headers
        assert [entry.status for entry in app.journal.entries() if entry.path.startswith("/moto-api")] == [403] * 3
        moto.reset()
        assert aws_client("s3", url).list_buckets()["Buckets"] == []
    finally:
        server.stop()
        app.close()
        moto.stop()


def test_boto3_paginators_walk_lambda_pages_and_a_third_page_can_fail(mock_aws: tuple[MockAWS, str, Moto]) -> None:
    app, url, moto = mock_aws
    moto.reset()
    app.reset_counters()
    role = aws_client("iam", url).create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("h.py", "def h(e, c):\n    return e\n")
    functions = aws_client("lambda", url)
    for number in range(7):
        functions.create_function(FunctionName=f"fn{number}", Runtime="python3.12", Role=role, Handler="h.h",
                                  Code={"ZipFile": package.getvalue()})  # fmt: skip
    pages = list(functions.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["Functions"]) for page in pages] == [2, 2, 2, 1]
    app.add_fault(parse_aws_fault({"when": {"operation": "ListFunctions", "page": 3}, "status": 500}, "t"), "t")
    with pytest.raises(ClientError) as failed:
        list(functions.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}))
    assert failed.value.response["Error"]["Code"] == "ServiceException"
    listed = [entry.subject for entry in app.journal.entries() if entry.subject and entry.subject.operation ==
              "ListFunctions"]  # fmt: skip
    assert [call.page for call in listed] == [1, 2, 3, 4, 1, 2, 3]
    app.remove_scope("t")


@pytest.mark.parametrize(("service", "call", "code"), [
    ("s3", lambda c: c.list_buckets(), "SlowDown"),
    ("iam", lambda c: c.list_roles(), "Throttling"),
    ("dynamodb", lambda c: c.list_tables(), "ThrottlingException"),
    ("sqs", lambda c: c.list_queues(), "RequestThrottled"),
])  # fmt: skip
def test_every_protocol_gets_errors_boto3_parses(mock_aws: tuple[MockAWS, str, Moto], service: str, call: Any,
                                                  code: str) -> None:  # fmt: skip
    app, url, _ = mock_aws
    app.add_fault(parse_aws_fault({"when": {"service": service}, "status": 503, "type": code, "times": 1}, "t"), "t")
    try:
        with pytest.raises(ClientError) as failed:
            call(aws_client(service, url))
        assert failed.value.response["Error"]["Code"] == code
        assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        call(aws_client(service, url))  # recovers: the fault fired once
    finally:
        app.remove_scope("t")
        app.reset_counters()


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (
            {"operation": "ListFunction"},
            r"when\.operation: no operation 'ListFunction' in lambda, s3, .*; closest first: "
            r"ListFunctions \(lambda\), .* For another service, name it: service=NAME\.",
        ),
        (
            {"service": "lambda", "operation": "ListFunction"},
            r"lambda has no operation 'ListFunction'; closest first: "
            r"ListFunctions, GetFunction",
        ),
        ({"service": "lamda"}, r"when\.service: no AWS service named 'lamda'; closest first: lambda, "),
    ],
)
def test_a_fault_aimed_at_an_unknown_aws_operation_or_service_is_an_error(when: dict[str, str], expected: str) -> None:
    with pytest.raises(ScenarioError, match=expected):
        parse_aws_fault({"when": when, "status": 500}, "Inject AWS Fault")
    assert parse_aws_fault({"when": {"service": "s3", "operation": "PutObject"}, "status": 500}, "k").name


def test_s3_pages_come_from_moto_and_their_numbers_are_followed(mock_aws: tuple[MockAWS, str, Moto]) -> None:
    app, url, moto = mock_aws
    moto.reset()
    app.reset_counters()
    s3 = aws_client("s3", url)
    s3.create_bucket(Bucket="reports-bucket")
    for number in range(5):
        s3.put_object(Bucket="reports-bucket", Key=f"k{number}", Body=b"x")
    app.add_fault(parse_aws_fault({"when": {"operation": "ListObjectsV2", "page": 2}, "status": 500}, "t"), "t")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket="reports-bucket", PaginationConfig={"PageSize": 2})
    with pytest.raises(ClientError):
        list(pages)
    app.remove_scope("t")
    listed = [entry for entry in app.journal.entries() if entry.subject and entry.subject.operation == "ListObjectsV2"]
    assert [(entry.subject.page, entry.status) for entry in listed] == [(1, 200), (2, 500)]


ROUTES = """
version: 1
service: {strict: true, error: {error: "{{type}}", detail: "{{detail}}"}}
collections:
  things: {key: id, items: [{id: 1, kind: a}, {id: 2, kind: b}, {id: 3, kind: a}, {id: 4, kind: a}]}
routes:
  - name: list things by offset
    method: GET
    path: /things
    reply:
      list: things
      where: {kind: "{{query.kind}}"}
      paginate: {style: offset, size: 2}
      json: {things: "{{items}}"}
  - name: list things by token
    method: GET
    path: /v2/things
    reply: {list: things, paginate: {style: token, size: 3}, json: {Things: "{{items}}"}}
  - name: make a thing
    method: POST
    path: /things
    when: {json: {kind: {one_of: [a, b]}}}
    reply: {create: things, item: {kind: "{{json.kind}}", by: "{{headers.x-user}}"}}
  - name: change a thing
    method: PATCH
    path: /things/{id}
    reply: {update: things, key: "{{path.id}}"}
  - name: drop a thing
    method: DELETE
    path: /things/{id}
    reply: {delete: things, key: "{{path.id}}"}
  - name: signed hook
    method: POST
    path: /hooks/stripe
    verify: {provider: stripe, secret: whsec_route_secret}
    reply: {json: {received: true}}
"""


def test_httpx_against_a_route_file_offsets_tokens_collections_signatures_and_strictness(serve: Any) -> None:
    app = MockService(service_from_text(ROUTES, "routes.yaml", "crm"))
    web = httpx.Client(base_url=serve(app).url)
    first = web.get("/things", params={"kind": "a", "limit": 2}).json()
    assert [thing["id"] for thing in first["things"]] == [1, 3] and first["total"] == 3
    assert [t["id"] for t in web.get("/things", params={"kind": "a", "offset": 2}).json()["things"]] == [4]
    token = web.get("/v2/things").json()
    assert len(token["Things"]) == 3 and "NextToken" in token
    last = web.get("/v2/things", params={"NextToken": token["NextToken"]}).json()
    assert [thing["id"] for thing in last["Things"]] == [4] and "NextToken" not in last
    forged = web.get("/v2/things", params={"NextToken": base64.b64encode(b"mine:1").decode()})
    assert forged.status_code == 400 and "was not issued by this mock" in forged.json()["detail"]
    made = web.post("/things", json={"kind": "b"}, headers={"x-user": "agent"})
    assert made.status_code == 201 and made.json() == {"id": 5, "kind": "b", "by": "agent"}
    assert web.patch("/things/5", json={"kind": "a"}).json()["kind"] == "a"
    assert web.delete("/things/5").status_code == 204 and web.delete("/things/5").status_code == 404
    wrong_kind = web.post("/things", json={"kind": "z"})
    assert wrong_kind.status_code == 422 and "closest was route 'make a thing'" in wrong_kind.json()["detail"]
    wrong_method = web.put("/things", json={"kind": "a"})
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["allow"]
    nowhere = web.get("/nowhere")
    assert nowhere.status_code == 404 and nowhere.json()["error"] == "not_found"
    body = b'{"type": "charge.succeeded"}'
    signed = web.post("/hooks/stripe", content=body, headers=sign("stripe", "whsec_route_secret", body))
    assert signed.status_code == 200
    forged_hook = web.post("/hooks/stripe", content=body, headers=sign("stripe", "whsec_other", body))
    assert forged_hook.status_code == 401 and "signature does not match" in forged_hook.json()["detail"]
    unmatched = [entry for entry in app.journal.entries() if entry.unmatched]
    assert [entry.status for entry in unmatched] == [422, 405, 404]
    journal = json.dumps([entry.to_dict() for entry in app.journal.entries()])
    assert "whsec_route_secret" not in journal


def test_signatures_pass_the_providers_own_verifiers() -> None:
    body = b'{"event": "ping"}'
    vector = sign("github", "It's a Secret to Everybody", b"Hello, World!")
    assert vector["x-hub-signature-256"] == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    slack = pytest.importorskip("slack_sdk.signature")
    headers = sign("slack", "slack-signing-secret", body)
    assert slack.SignatureVerifier("slack-signing-secret").is_valid(body, headers["x-slack-request-timestamp"],
                                                                     headers["x-slack-signature"])  # fmt: skip
    stripe = pytest.importorskip("stripe")
    headers = sign("stripe", "whsec_stripe_secret", body)
    assert stripe.WebhookSignature.verify_header(body.decode(), headers["stripe-signature"], "whsec_stripe_secret",
                                                 300)  # fmt: skip
    standard = pytest.importorskip("standardwebhooks")
    secret = "whsec_" + base64.b64encode(b"standard-webhooks-secret").decode()
    headers = sign("standard", secret, body)
    assert standard.Webhook(secret).verify(body, headers) == {"event": "ping"}
    for provider, key in (("github", "s3cret"), ("slack", "s3cret"), ("stripe", "s3cret"), ("standard", secret)):
        for signature, expected in (("valid", ""), ("invalid", "does not match"), ("stale", "away from now"),
                                    ("missing", "missing signature")):  # fmt: skip
            if (provider, signature) == ("github", "stale"):
                with pytest.raises(WebhookError, match="GitHub signs no timestamp"):
                    signed_headers(provider, key, body, signature)
                continue
            problem = verify(provider, key, signed_headers(provider, key, body, signature), body)
            assert (problem == "") if not expected else (expected in problem), (provider, signature, problem)


def create_issue(app: MockService, body: bytes) -> Outcome:
    return app.pipeline.handle(Request("POST", "/repos/acme/app/issues", {"host": "127.0.0.1",
                                       "content-type": "application/json"}, body))  # fmt: skip


def test_collections_are_capped_in_bytes_with_507_in_the_services_error_shape() -> None:
    app = MockService(load_service("github", "github"))
    big = json.dumps({"title": "t", "body": "z" * (2 * 1024 * 1024)}).encode()
    statuses = [create_issue(app, big).status for _ in range(40)]
    assert statuses.count(201) == 31 and statuses[31:] == [507] * 9, statuses
    refused = create_issue(app, big)
    error = json.loads(refused.body_bytes())
    assert refused.status == 507 and error["message"] == "Insufficient Storage"
    assert error["documentation_url"] == "https://docs.github.com/rest"
    assert "64 MiB" in app.journal.entries()[-1].error
    app.reset_counters()  # the next test starts from the seeds again, with room
    assert create_issue(app, big).status == 201


def test_collections_are_capped_in_items() -> None:
    app = MockService(load_service("github", "github"))
    assert app.collections.max_items == 10_000
    app.collections.max_items = 50
    small = b'{"title": "t", "body": "b"}'
    statuses = [create_issue(app, small).status for _ in range(51)]
    assert statuses[:50] == [201] * 50 and statuses[50] == 507
    assert "at most 50 items" in app.journal.entries()[-1].error


class Receiver:
    """A loopback webhook receiver that answers with a head, then ``chunks`` pieces of ``size`` bytes ``gap_s`` apart;
    ``finished`` says whether it sent them all (False: the sender stopped reading and closed first)."""

    def __init__(self, chunks: int, size: int, gap_s: float) -> None:
        self.chunks, self.size, self.gap_s = chunks, size, gap_s
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.finished: bool | None = None
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"

    def serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            connection.recv(65536)
            length = self.chunks * self.size
            connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n\r\n" % length)
            try:
                for _ in range(self.chunks):
                    connection.sendall(b"x" * self.size)
                    time.sleep(self.gap_s)
                self.finished = True
            except OSError:
                self.finished = False

    def close(self) -> bool | None:
        self.thread.join(timeout=30)
        self.listener.close()
        return self.finished


def test_a_dripping_receiver_is_cut_at_the_deliverys_deadline() -> None:
    receiver = Receiver(chunks=80, size=1, gap_s=0.1)  # 8 s of drip; every read gets a byte at once
    with pytest.raises(
        WebhookError,
        match=r"The github webhook to http://127\.0\.0\.1:\d+/hook got no answer \("
        r"attempt 1: no whole answer within the delivery's deadline of 1 s\)",
    ):
        deliver(receiver.url, "github", b"{}", "s", timeout_s=1)
    assert receiver.close() is False, "the sender must hang up at its deadline, not wait for the drip to end"


def test_a_huge_answer_is_read_only_up_to_the_cap_and_the_result_says_so() -> None:
    receiver = Receiver(chunks=4096, size=65536, gap_s=0)  # 256 MiB
    done = deliver(receiver.url, "github", b"{}", "s", max_answer_bytes=1000)
    attempt = done.attempts[0]
    assert done.status == 200 and attempt.body == "x" * 1000
    assert attempt.truncated and attempt.kept_bytes == 1000
    assert receiver.close() is False, "the sender must stop reading past the cap"
    with pytest.raises(WebhookError, match="max_answer_bytes must be from 0"):
        deliver("http://127.0.0.1:9/hook", "github", b"{}", "s", max_answer_bytes=-1)


def test_a_delivery_nobody_answers_fails_naming_the_url_and_each_attempts_error() -> None:
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    waits: list[float] = []
    with pytest.raises(WebhookError) as caught:
        deliver(url, "slack", b"{}", "s", retries=1, sleep=waits.append)
    message = str(caught.value)
    assert message.startswith(f"The slack webhook to {url} got no answer (attempt 1: ConnectError: ")
    assert "; attempt 2: ConnectError: " in message and "Is the receiver listening there?" in message
    assert waits == [0.5]


@pytest.mark.parametrize("signature", ["valid", "stale"])
def test_a_signed_delivery_needs_the_secret_and_unsigned_or_invalid_ones_do_not(serve: Any, signature: str) -> None:
    with pytest.raises(WebhookError, match=f"A {signature} slack signature needs the shared secret \\(secret=\\); for "
                                           "an unsigned delivery give signature=missing"):  # fmt: skip
        deliver("http://127.0.0.1:9/hook", "slack", b"{}", "", signature=signature)
    routes = "routes:\n  - {name: hook, method: POST, path: /hook, verify: {provider: github, secret: s}, reply: {}}\n"
    url = serve(MockService(service_from_text(routes, "hooks.yaml", "receiver"))).url + "/hook"
    assert deliver(url, "github", b"{}", "", signature="missing").status == 401
    assert deliver(url, "github", b"{}", "", signature="invalid").status == 401
    assert deliver(url, "github", b"{}", "s").status == 200


def test_deliveries_are_redelivered_on_5xx_with_the_providers_headers(serve: Any) -> None:
    routes = ("routes:\n  - {name: events, method: POST, path: /slack/events, verify: {provider: slack, secret: s}, "
              "reply: {json: {ok: true}}}\n")  # fmt: skip
    app = MockService(service_from_text(routes, "hooks.yaml", "receiver"))
    url = serve(app).url
    app.add_fault(parse_service_fault({"status": 500, "times": 2}, "test"), "test")
    waits: list[float] = []
    done = deliver(url + "/slack/events", "slack", b'{"type": "event_callback"}', "s", backoff_s=0.01,
                   sleep=waits.append)  # fmt: skip
    assert [attempt.status for attempt in done.attempts] == [500, 500, 200] and waits == [0.01, 0.02]
    retried = [entry.headers.get("x-slack-retry-num") for entry in app.journal.entries()]
    assert retried == [None, "1", "2"]
    github = deliver(url + "/slack/events", "github", b"{}", "s", sleep=waits.append)
    assert len(github.attempts) == 1  # GitHub never redelivers by itself
    stale_started = time.time()
    stale = deliver(url + "/slack/events", "slack", b"{}", "s", signature="stale", sleep=waits.append)
    assert stale.status == 401 and time.time() - stale_started < 30
