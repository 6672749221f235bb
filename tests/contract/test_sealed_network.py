"""The sealed network with official clients at their DEFAULT endpoints: routed to mocks over verified TLS.

No client here is given a base URL: each finds the proxy through HTTPS_PROXY and trusts the
seal's CA through SSL_CERT_FILE (and its own variable), as an agent process would.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from AgentTestLibrary.environment import REAL_ROUTING_VARIABLES
from AgentTestLibrary.mock.server import Limits, MockServer
from AgentTestLibrary.mockllm import MockLLM
from AgentTestLibrary.mockservice import MockService, load_service
from AgentTestLibrary.sealed.proxy import EgressProxy, NetworkAttempt
from AgentTestLibrary.sealed.routes import LLM, PRESET, HostRoute, Router, Target
from AgentTestLibrary.sealed.seal import TRUST_FILES, Seal

PROMPT = [{"role": "user", "content": "hello"}]
MOCK_REPLY = "This is a deterministic reply from the AgentTestLibrary mock LLM."
ROUTING = (*REAL_ROUTING_VARIABLES, "AWS_ENDPOINT_URL", "AZURE_OPENAI_ENDPOINT", "OLLAMA_HOST")


@dataclass
class World:
    """Mocks by route target, a seal over them, and what it saw."""

    seal: Seal
    mocks: dict[str, MockServer] = field(default_factory=dict)

    @property
    def proxy(self) -> EgressProxy:
        return self.seal.proxy

    def outcomes(self) -> list[tuple[str, str]]:
        return [(attempt.host, attempt.outcome) for attempt in self.proxy.since(0)]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name in ROUTING:
        monkeypatch.delenv(name, raising=False)
    mocks: dict[str, MockServer] = {}

    def find(target: str) -> Target:
        server = mocks.get(target)
        return Target(target, server) if server else Target(target, None, f"no mock for {target} in this test")

    llm = MockServer(MockLLM(None))
    llm.start()
    mocks[LLM] = llm
    folder = tmp_path / "seal"
    folder.mkdir()
    seal = Seal(folder, Router(find))
    yield World(seal, mocks)
    seal.close()
    for server in mocks.values():
        server.stop()


def recorded(world: World, count: int) -> list[NetworkAttempt]:
    """The proxy's attempts once there are ``count`` (bounded wait: the proxy records on its own thread)."""
    for _ in range(200):
        attempts = world.proxy.since(0)
        if len(attempts) >= count:
            return attempts
        time.sleep(0.05)
    return world.proxy.since(0)


def host_of(server: MockServer) -> list[str]:
    return [entry.received_headers.get("host", "") for entry in server.pipeline.journal.entries()]


def test_openai_sdk_default_base_url_reaches_the_mock_llm(world: World) -> None:
    import openai

    client = openai.OpenAI(api_key="sk-fixture", max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=PROMPT)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == MOCK_REPLY
    streamed = client.chat.completions.create(model="gpt-4o-mini", messages=PROMPT, stream=True)  # type: ignore[arg-type]
    assert "".join(chunk.choices[0].delta.content or "" for chunk in streamed if chunk.choices) == MOCK_REPLY
    assert host_of(world.mocks[LLM]) == ["api.openai.com", "api.openai.com"]
    attempts = world.proxy.since(0)
    assert {(a.host, a.port, a.outcome, a.provider) for a in attempts} == {("api.openai.com", 443, "routed", "OpenAI")}
    assert attempts[0].pid == os.getpid() and attempts[0].target == LLM


def test_anthropic_sdk_default_base_url_reaches_the_mock_llm(world: World) -> None:
    import anthropic

    client = anthropic.Anthropic(api_key="sk-ant-fixture", max_retries=0)
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=PROMPT)  # type: ignore[arg-type]
    assert message.content[0].text == MOCK_REPLY  # type: ignore[union-attr]
    assert host_of(world.mocks[LLM]) == ["api.anthropic.com"]
    assert world.outcomes() == [("api.anthropic.com", "routed")]


def test_google_genai_default_base_url_reaches_the_mock_llm(world: World) -> None:
    from google import genai

    client = genai.Client(api_key="fixture-gemini-key")
    reply = client.models.generate_content(model="gemini-2.5-flash", contents="hello")
    assert reply.text == MOCK_REPLY
    assert host_of(world.mocks[LLM]) == ["generativelanguage.googleapis.com"]
    assert world.outcomes() == [("generativelanguage.googleapis.com", "routed")]


def test_pygithub_default_base_url_reaches_the_github_preset(world: World) -> None:
    github = pytest.importorskip("github")
    service = MockServer(MockService(load_service("github", "github")))
    service.start()
    world.mocks[f"{PRESET}github"] = service
    client = github.Github(auth=github.Auth.Token("ghp_fixture"), retry=None)
    repo = client.get_repo("acme/app")
    issue = repo.create_issue(title="sealed", body="through the proxy")
    assert repo.get_issue(issue.number).title == "sealed"
    assert set(host_of(service)) == {"api.github.com"}  # https URLs in the answers: no plain-HTTP detour
    assert {outcome for _, outcome in world.outcomes()} == {"routed"}


def gh_command() -> str:
    """GitHub's CLI, or a skip in the words of ``make gh`` when apt-get could not install it."""
    found = shutil.which("gh")
    if found is None:
        note = Path(__file__).parents[2] / "results" / "gh" / "gh-install.txt"
        said = note.read_text(encoding="utf-8").strip().splitlines() if note.is_file() else []
        pytest.skip(f"Debian's gh is not installed and `make gh` could not install it: {(said or ['not run'])[-1]}")
    return found


def test_gh_a_go_client_at_its_default_host_reaches_the_github_preset(world: World, tmp_path: Path) -> None:
    """GitHub's CLI is Go: a TLS stack and proxy handling of its own, what agents run for issues and pulls. It finds
    the proxy through HTTPS_PROXY and trusts the seal through SSL_CERT_FILE, as an agent's subprocess would."""
    gh = gh_command()
    service = MockServer(MockService(load_service("github", "github")))
    service.start()
    world.mocks[f"{PRESET}github"] = service
    env = {**os.environ, "GH_TOKEN": "ghp_fixture", "GH_CONFIG_DIR": str(tmp_path / "gh"), "GH_NO_UPDATE_NOTIFIER": "1",
           "GH_PROMPT_DISABLED": "1"}  # fmt: skip

    def api(*arguments: str) -> dict[str, object]:
        done = subprocess.run([gh, "api", *arguments], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        answer: dict[str, object] = json.loads(done.stdout)
        return answer

    created = api("--method", "POST", "repos/acme/app/issues", "-f", "title=sealed from go", "-f", "body=via gh")
    assert api(f"repos/acme/app/issues/{created['number']}")["title"] == "sealed from go"
    assert set(host_of(service)) == {"api.github.com"}
    assert world.outcomes() == [("api.github.com", "routed")] * 2


def test_boto3_default_endpoints_reach_bedrock_on_the_llm_and_the_rest_on_mock_aws(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3 = pytest.importorskip("boto3")
    from AgentTestLibrary.mockaws import MockAWS, Moto

    moto = Moto()
    aws = MockServer(MockAWS(moto.start()))
    aws.start()
    world.mocks["aws"] = aws
    for name, value in {"AWS_ACCESS_KEY_ID": "AKIAAGENTTESTFIXTURE", "AWS_SECRET_ACCESS_KEY": "fixture-secret",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    try:
        bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")
        answer = bedrock.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0",
                                  messages=[{"role": "user", "content": [{"text": "hello"}]}])  # fmt: skip
        assert answer["output"]["message"]["content"][0]["text"] == MOCK_REPLY
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(TableName="sealed", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")  # fmt: skip
        assert dynamodb.list_tables()["TableNames"] == ["sealed"]
        assert boto3.client("sts").get_caller_identity()["Account"]
        s3 = boto3.client("s3", region_name="us-east-1")  # virtual-hosted: the bucket is in the host
        s3.create_bucket(Bucket="sealed-bucket")
        s3.put_object(Bucket="sealed-bucket", Key="notes/a.txt", Body=b"sealed")
        assert s3.get_object(Bucket="sealed-bucket", Key="notes/a.txt")["Body"].read() == b"sealed"
        assert [item["Key"] for item in s3.list_objects_v2(Bucket="sealed-bucket")["Contents"]] == ["notes/a.txt"]
    finally:
        aws.stop()
        moto.stop()
    assert host_of(world.mocks[LLM]) == ["bedrock-runtime.us-east-1.amazonaws.com"]
    routed = {(host, outcome) for host, outcome in world.outcomes()}
    assert ("bedrock-runtime.us-east-1.amazonaws.com", "routed") in routed
    hosts = {f"{service}.us-east-1.amazonaws.com" for service in ("bedrock-runtime", "dynamodb", "sts")}
    assert {host for host, _ in routed} - hosts == {"sealed-bucket.s3.amazonaws.com"}
    assert {outcome for _, outcome in routed} == {"routed"}


def test_an_unrelated_host_is_refused_and_reported_over_connect_and_plain_http(world: World) -> None:
    with pytest.raises(httpx.ProxyError, match="403"):
        httpx.get("https://telemetry.example.com/v1/events", timeout=10)
    refused = httpx.get("http://plain.example.com/path?q=1", timeout=10)
    assert refused.status_code == 403 and "plain.example.com" in refused.text and "allow=" in refused.text
    assert world.outcomes() == [("telemetry.example.com", "refused"), ("plain.example.com", "refused")]
    connect, plain = world.proxy.since(0)
    assert (connect.method, connect.port, connect.pid) == ("CONNECT", 443, os.getpid())
    assert (plain.method, plain.port) == ("GET", 80) and "Route Host To Mock" in plain.detail


def test_a_provider_host_without_its_mock_is_refused_naming_the_provider(world: World) -> None:
    with pytest.raises(httpx.ProxyError):
        httpx.get("https://api.github.com/zen", timeout=10)
    with pytest.raises(httpx.ProxyError):
        httpx.get("https://api.mistral.ai/v1/models", timeout=10)
    github, mistral = world.proxy.since(0)
    assert github.outcome == "refused" and "no mock for preset:github" in github.detail
    assert (mistral.outcome, mistral.provider) == ("refused", "Mistral")


def test_a_client_that_does_not_trust_the_seal_fails_and_is_reported(world: World) -> None:
    import certifi

    with pytest.raises(httpx.ConnectError):
        httpx.get("https://api.openai.com/v1/models", verify=ssl.create_default_context(cafile=certifi.where()))
    (attempt,) = recorded(world, 1)  # the proxy sees the failed handshake just after the client does
    assert attempt.outcome == "tls-failed" and attempt.problem and "TLS handshake failed" in attempt.detail


def test_added_routes_win_then_the_allow_list_then_the_defaults(world: World) -> None:
    router = world.seal.router
    router.allow = ("api.openai.com", "*.allowed.example")
    assert router.decide("api.openai.com") == "api.openai.com"
    assert router.decide("x.allowed.example") == "*.allowed.example"
    router.add(HostRoute("api.openai.com", LLM, "test:t"))
    assert isinstance(router.decide("api.openai.com"), Target)
    router.end_scope("test:t")
    assert router.decide("api.openai.com") == "api.openai.com"
    assert router.decide("elsewhere.example") is None


def test_the_guard_inside_a_tunnel_refuses_a_host_other_than_the_connected_one(world: World) -> None:
    context = ssl.create_default_context(cafile=str(world.seal.authority.bundle))
    with socket.create_connection(("127.0.0.1", world.proxy.port), timeout=10) as raw:
        raw.sendall(b"CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n")
        assert raw.recv(1024).startswith(b"HTTP/1.1 200")
        with context.wrap_socket(raw, server_hostname="api.openai.com") as tls:
            assert tls.selected_alpn_protocol() in (None, "http/1.1")
            tls.sendall(b"GET /v1/models HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
            answer = _read_all(tls)
    assert answer.startswith(b"HTTP/1.1 403") and b"evil.example" in answer
    (entry,) = world.mocks[LLM].pipeline.journal.entries()
    assert entry.kind == "refused"


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_alpn_offers_http1_only_so_h2_clients_fall_back(world: World) -> None:
    context = ssl.create_default_context(cafile=str(world.seal.authority.bundle))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", world.proxy.port), timeout=10) as raw:
        raw.sendall(b"CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: api.anthropic.com:443\r\n\r\n")
        raw.recv(1024)
        with context.wrap_socket(raw, server_hostname="api.anthropic.com") as tls:
            assert tls.selected_alpn_protocol() == "http/1.1"


def test_the_proxy_bounds_heads_time_and_connections(tmp_path: Path) -> None:
    from AgentTestLibrary.sealed.authority import CertificateAuthority

    limits = Limits(request_timeout_s=0.3, max_connections=2, max_head_bytes=1024)
    proxy = EgressProxy(CertificateAuthority(tmp_path), lambda host: None, limits=limits)
    proxy.start()
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as slow:
            slow.sendall(b"CONNECT api.openai.com:443 HTTP/1.1\r\n")  # and nothing more
            assert _read_all(slow).startswith(b"HTTP/1.1 408")
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as big:
            big.sendall(b"CONNECT x:443 HTTP/1.1\r\nX: " + b"a" * 2048 + b"\r\n\r\n")
            assert _read_all(big).startswith(b"HTTP/1.1 400")
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as direct:
            direct.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert b"not a proxy request" in _read_all(direct)
        held = [socket.create_connection(("127.0.0.1", proxy.port), timeout=10) for _ in range(2)]
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as third:
            assert _read_all(third).startswith(b"HTTP/1.1 503")
        for sock in held:
            sock.close()
    finally:
        proxy.stop()


def test_the_process_that_tried_is_named(world: World) -> None:
    script = (
        "import socket,sys; s=socket.create_connection(('127.0.0.1', int(sys.argv[1])));"
        "s.sendall(b'CONNECT leak.example:443 HTTP/1.1\\r\\nHost: leak.example\\r\\n\\r\\n'); s.recv(4096)"
    )
    child = subprocess.run([sys.executable, "-c", script, str(world.proxy.port), "marker-arg"], timeout=30, check=True)
    assert child.returncode == 0
    (attempt,) = world.proxy.since(0)
    assert attempt.outcome == "refused" and attempt.pid not in (0, os.getpid())
    assert "marker-arg" in attempt.process


def test_closing_the_seal_restores_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("SSL_CERT_DIR", "/etc/ssl/certs")
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    before = dict(os.environ)
    folder = tmp_path / "seal"
    folder.mkdir()
    seal = Seal(folder, Router(Target))
    bundle = Path(os.environ["SSL_CERT_FILE"])
    assert bundle.parent == folder and bundle.read_text().count("BEGIN CERTIFICATE") == 1  # the seal's CA alone
    assert all(os.environ[name] == str(bundle) for name in TRUST_FILES)
    assert os.environ["HTTPS_PROXY"] == seal.url and os.environ["no_proxy"] == "localhost,127.0.0.1,::1"
    assert os.listdir(os.environ["SSL_CERT_DIR"]) == [] and os.environ["NODE_USE_ENV_PROXY"] == "1"
    assert not list(folder.glob("leaf-*")) and b"PRIVATE KEY" not in b"".join(p.read_bytes() for p in
                                                                              folder.glob("*.pem"))  # fmt: skip
    seal.close()
    assert dict(os.environ) == before and not folder.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", seal.proxy.port), timeout=2).close()


def test_responses_websocket_at_the_default_host_through_the_seal(world: World) -> None:
    from websockets.sync.client import connect

    frame = {"type": "response.create", "model": "gpt-5-codex", "input": "hello"}
    ssl_context = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    with connect("wss://api.openai.com/v1/responses", ssl=ssl_context) as ws:  # the proxy from HTTPS_PROXY
        ws.send(json.dumps(frame))
        events = []
        while not events or events[-1]["type"] not in ("response.completed", "error"):
            events.append(json.loads(ws.recv(timeout=10)))
    assert events[-1]["type"] == "response.completed"
    (entry,) = world.mocks[LLM].pipeline.journal.entries()
    assert (entry.transport, entry.received_headers["host"]) == ("ws", "api.openai.com")


def test_slack_sdk_default_base_url_reaches_the_slack_preset(world: World) -> None:
    slack_sdk = pytest.importorskip("slack_sdk")
    service = MockServer(MockService(load_service("slack", "slack")))
    service.start()
    world.mocks[f"{PRESET}slack"] = service
    client = slack_sdk.WebClient(token="xoxb-fixture")
    posted = client.chat_postMessage(channel="C0GENERAL", text="sealed")
    assert posted["ok"] and posted["message"]["text"] == "sealed"
    assert set(host_of(service)) == {"slack.com"} and world.outcomes() == [("slack.com", "routed")]


def test_a_plain_http_request_to_a_routed_host_is_served_one_per_connection(world: World) -> None:
    with httpx.Client(timeout=10) as client:  # one pooled connection to the proxy for every plain request
        first = client.get("http://api.openai.com/v1/models", headers={"authorization": "Bearer sk-fixture"})
        second = client.get("http://api.openai.com/v1/models", headers={"authorization": "Bearer sk-fixture"})
    assert first.status_code == second.status_code == 200 and first.headers["connection"] == "close"
    assert world.outcomes() == [("api.openai.com", "routed")] * 2
    assert [attempt.method for attempt in world.proxy.since(0)] == ["GET", "GET"]


def test_the_keyword_seal_follows_its_test_and_warns_about_refusals_nobody_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from AgentTestLibrary.keywords import LibraryContext, MockLLMKeywords, SealedNetworkKeywords
    from AgentTestLibrary.keywords import sealed as sealed_keywords
    from AgentTestLibrary.keywords.scopes import Scope, TestReport
    from AgentTestLibrary.private import PrivateArea

    warnings: list[str] = []
    monkeypatch.setattr(sealed_keywords.logger, "warn", warnings.append)
    before = dict(os.environ)
    test = Scope("test", "S.T", "T", "S", tags=("lane:no-model",))
    ctx = LibraryContext(private=PrivateArea(tmp_path), scopes=[Scope("suite", "S", "S", "S"), test])
    component = SealedNetworkKeywords(ctx, MockLLMKeywords(ctx))
    component.start_scope(test)
    url = component.seal_agent_network(allow="localhost.example")
    assert os.environ["HTTPS_PROXY"] == url and list(tmp_path.rglob("bundle.pem"))
    with pytest.raises(httpx.ProxyError):
        httpx.get("https://api.openai.com/v1/models", timeout=10)  # routed to the mock LLM, but none runs
    with pytest.raises(AssertionError, match=r"refused 1 connection\(s\):\n- api.openai.com:443 \(OpenAI\): refused 1"):
        component.network_should_have_stayed_sealed()
    component.checked = False
    component.end_scope(test, TestReport("PASS", ""))
    assert len(warnings) == 1 and "api.openai.com:443 refused" in warnings[0]
    assert component.seal is None and dict(os.environ) == before and not list(tmp_path.rglob("*.pem"))


def test_vertex_and_azure_at_their_real_hosts_reach_the_mock_llm(world: World) -> None:
    import anthropic
    import openai
    from google import genai
    from google.oauth2.credentials import Credentials

    gemini = genai.Client(vertexai=True, project="fixture-project", location="us-east5",
                          credentials=Credentials(token="fixture"))  # fmt: skip
    assert gemini.models.generate_content(model="gemini-2.5-flash", contents="hello").text == MOCK_REPLY
    claude = anthropic.AnthropicVertex(region="us-east5", project_id="fixture-project", access_token="fixture",
                                       max_retries=0)  # fmt: skip
    message = claude.messages.create(model="claude-sonnet-4-5@20250929", max_tokens=64, messages=PROMPT)  # type: ignore[arg-type]
    assert message.content[0].text == MOCK_REPLY  # type: ignore[union-attr]
    azure = openai.AzureOpenAI(azure_endpoint="https://fixture-resource.openai.azure.com", api_key="azure-fixture",
                               api_version="2025-04-01-preview", max_retries=0)  # fmt: skip
    reply = azure.chat.completions.create(model="gpt-4o-deployment", messages=PROMPT)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == MOCK_REPLY
    assert [host for host, _ in world.outcomes()] == ["us-east5-aiplatform.googleapis.com"] * 2 + [
        "fixture-resource.openai.azure.com"]  # fmt: skip
    assert {outcome for _, outcome in world.outcomes()} == {"routed"}


def test_an_allowed_host_is_relayed_over_connect_and_plain_http(world: World) -> None:
    with socket.socket() as upstream:
        upstream.bind(("127.0.0.1", 0))
        upstream.listen(4)
        port = upstream.getsockname()[1]
        world.seal.router.allow = ("127.0.0.1",)

        def answer_once() -> bytes:
            conn, _ = upstream.accept()
            with conn:
                received = conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\nconnection: close\r\n\r\nupstream")
                return received

        with socket.create_connection(("127.0.0.1", world.proxy.port), timeout=10) as client:
            client.sendall(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            assert client.recv(1024).startswith(b"HTTP/1.1 200")
            client.sendall(b"GET /through HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert answer_once().startswith(b"GET /through HTTP/1.1")
            assert _read_all(client).endswith(b"upstream")
        with socket.create_connection(("127.0.0.1", world.proxy.port), timeout=10) as client:
            client.sendall(f"GET http://127.0.0.1:{port}/plain HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Proxy-Connection: keep-alive\r\n\r\n".encode())  # fmt: skip
            received = answer_once()
            assert received.startswith(b"GET /plain HTTP/1.1\r\n") and b"proxy-connection" not in received.lower()
            assert _read_all(client).endswith(b"upstream")
    assert world.outcomes() == [("127.0.0.1", "allowed")] * 2
    assert {attempt.target for attempt in world.proxy.since(0)} == {"127.0.0.1"}


def test_a_failure_inside_the_proxy_is_a_502_naming_it(tmp_path: Path) -> None:
    from AgentTestLibrary.sealed.authority import CertificateAuthority

    def broken(host: str) -> None:
        raise RuntimeError(f"routing table unreadable for {host}")

    proxy = EgressProxy(CertificateAuthority(tmp_path), broken)
    proxy.start()
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as client:
            client.sendall(b"CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com\r\n\r\n")
            answer = _read_all(client)
    finally:
        proxy.stop()
    assert answer.startswith(b"HTTP/1.1 502") and b"RuntimeError: routing table unreadable for api.openai.com" in answer
