"""Secret sources through the managers' own clients: hvac and google-cloud-secret-manager against loopback
stand-ins of Vault's and Secret Manager's HTTP APIs, boto3 against the library's mock AWS (moto)."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from AgentTestLibrary.errors import InputError, SecretSourceError, SecretUnavailable
from AgentTestLibrary.live import managers
from AgentTestLibrary.live.egress import Diagnosis
from AgentTestLibrary.live.managers import (
    GCP_ENDPOINT_VARIABLE,
    SecretSources,
    parse_source,
)
from AgentTestLibrary.mockaws import MockAWS, Moto
from AgentTestLibrary.mockaws.app import parse_aws_fault
from AgentTestLibrary.secrets import MASK, SecretRegistry
from tests.stand_in import Answer, Received, stand_in

register_aws_keys = managers._register_aws_keys
VAULT_TOKEN = "hvs.fixture-ci-token-51f0"
VAULT_SECRET = "vault-sentinel-Qm7xK2pL9w"
GCP_SECRET = "gcp-sentinel-Zt4rW8nB1c"
GCP_ACCESS_TOKEN = "ya29.fixture-sts-token-8d2e"
CI_OIDC_TOKEN = "eyJfixture.ci-oidc-token.c2ln"
AWS_SECRET = "aws-sentinel-Hy6vD3sJ0q"


def vault(request: Received) -> Answer:
    """Vault's KV API: X-Vault-Token or 403; the JWT login; 404 with an empty errors list for what is not there."""
    if request.path == "/v1/auth/jwt/login":
        body = json.loads(request.body)
        if body == {"role": "ci", "jwt": CI_OIDC_TOKEN}:
            auth = {"client_token": VAULT_TOKEN, "accessor": "fixture-accessor-77", "policies": ["ci"]}
            return Answer(200, chunks=[json.dumps({"auth": auth}).encode()])
        return Answer(400, chunks=[b'{"errors":["error validating token: invalid audience"]}'])
    if request.headers.get("x-vault-token") != VAULT_TOKEN or request.path.startswith("/v1/secret/data/forbidden"):
        return Answer(403, chunks=[b'{"errors":["1 error occurred:\\n\\t* permission denied\\n\\n"]}'])
    data = {"openai_key": VAULT_SECRET, "other": "second-value-kept-masked"}
    if request.path == "/v1/secret/data/ci":
        reply = {"data": {"data": data, "metadata": {"version": 3, "deletion_time": "", "destroyed": False}}}
        return Answer(200, chunks=[json.dumps(reply).encode()])
    if request.path == "/v1/kv1/ci":
        return Answer(200, chunks=[json.dumps({"data": data, "lease_duration": 2764800}).encode()])
    return Answer(404, chunks=[b'{"errors":[]}'])


def gcp(request: Received) -> Answer:
    """The STS token exchange of workload identity federation, then AccessSecretVersion over REST."""
    if request.path == "/v1/token":
        return Answer(200, chunks=[json.dumps({"access_token": GCP_ACCESS_TOKEN, "token_type": "Bearer",
                                               "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                                               "expires_in": 3600}).encode()])  # fmt: skip
    if request.headers.get("authorization") != f"Bearer {GCP_ACCESS_TOKEN}":
        return gcp_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
    name = "projects/p/secrets/openai/versions/latest"
    if request.path.split("?")[0] == f"/v1/{name}:access":
        payload = {"data": base64.b64encode(json.dumps({"api_key": GCP_SECRET}).encode()).decode()}
        return Answer(200, chunks=[json.dumps({"name": "projects/1/secrets/openai/versions/4",
                                               "payload": payload}).encode()])  # fmt: skip
    if "/secrets/forbidden/" in request.path:
        return gcp_error(403, "PERMISSION_DENIED", "Permission 'secretmanager.versions.access' denied.")
    return gcp_error(404, "NOT_FOUND", "Secret [projects/1/secrets/nothing] not found or has no versions.")


def gcp_error(status: int, code: str, message: str) -> Answer:
    return Answer(status, chunks=[json.dumps({"error": {"code": status, "message": message, "status": code}}).encode()])


@pytest.fixture
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ambient = ("VAULT_TOKEN VAULT_ROLE VAULT_JWT VAULT_JWT_FILE VAULT_NAMESPACE VAULT_AUTH_PATH GOOGLE_CLOUD_PROJECT "
               "GOOGLE_APPLICATION_CREDENTIALS AWS_PROFILE "
               "AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SECRETS_MANAGER "
               "HTTPS_PROXY https_proxy HTTP_PROXY http_proxy")  # fmt: skip
    for name in ambient.split():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.vault-token
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sources() -> tuple[SecretSources, SecretRegistry]:
    registry = SecretRegistry()
    return SecretSources(registry), registry


def test_source_syntax_errors_name_the_fix() -> None:
    assert parse_source("vault:secret/data/ci#openai_key").key == "openai_key"
    assert parse_source("aws-sm:arn:aws:secretsmanager:eu-west-1:1:secret:ci/openai-AbC").key is None
    for text, expected in [("consul:x#y", "Unknown secret source"), ("vault:secret/data/ci", "names no key"),
                           ("vault:ci#k", "needs a mount and a path"), ("aws-sm:#k", "empty path"),
                           ("aws-sm:ci/openai#", "empty key"), ("gcp-sm:openai", "not a secret version")]:  # fmt: skip
        with pytest.raises(SecretSourceError, match=expected):
            parse_source(text)
    assert issubclass(SecretSourceError, InputError)


@pytest.mark.usefixtures("no_ambient_credentials")
def test_vault_kv2_and_kv1_with_a_token_masked_and_fetched_once(monkeypatch: pytest.MonkeyPatch) -> None:
    with stand_in(vault) as server:
        monkeypatch.setenv("VAULT_ADDR", server.url)
        monkeypatch.setenv("VAULT_TOKEN", VAULT_TOKEN)
        fetched, registry = sources()
        assert fetched.fetch("vault:secret/data/ci#openai_key") == VAULT_SECRET
        assert fetched.fetch("vault:secret/data/ci#openai_key") == VAULT_SECRET
        assert fetched.fetch("vault:kv1/ci#openai_key") == VAULT_SECRET
        assert [request.path for request in server.received] == ["/v1/secret/data/ci", "/v1/kv1/ci"]
    text = f"{VAULT_SECRET} second-value-kept-masked {base64.b64encode(VAULT_SECRET.encode()).decode()}"
    assert registry.mask_text(text).startswith(f"{MASK} {MASK} {MASK}")


@pytest.mark.usefixtures("no_ambient_credentials")
def test_vault_jwt_login_with_the_ci_oidc_token_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    token_file = tmp_path / "oidc-token"
    token_file.write_text(CI_OIDC_TOKEN + "\n")
    with stand_in(vault) as server:
        monkeypatch.setenv("VAULT_ADDR", server.url)
        monkeypatch.setenv("VAULT_ROLE", "ci")
        monkeypatch.setenv("VAULT_JWT_FILE", str(token_file))
        fetched, registry = sources()
        assert fetched.fetch("vault:secret/data/ci#other") == "second-value-kept-masked"
        assert [request.path for request in server.received] == ["/v1/auth/jwt/login", "/v1/secret/data/ci"]
    assert registry.mask_text(f"{CI_OIDC_TOKEN} {VAULT_TOKEN} {VAULT_SECRET}") == f"{MASK} {MASK} {MASK}"


@pytest.mark.usefixtures("no_ambient_credentials")
def test_vault_missing_denied_no_credentials_and_unknown_key_are_reasons(monkeypatch: pytest.MonkeyPatch) -> None:
    with stand_in(vault) as server:
        monkeypatch.setenv("VAULT_ADDR", server.url)
        fetched, _ = sources()
        with pytest.raises(SecretUnavailable, match="missing: no Vault credentials: VAULT_TOKEN") as no_login:
            fetched.fetch("vault:secret/data/ci#openai_key")
        assert "no VAULT_ROLE" in str(no_login.value) and server.received == []
        monkeypatch.setenv("VAULT_ROLE", "ci")
        monkeypatch.setenv("VAULT_JWT", "eyJ.someone-elses-token.sig")
        with pytest.raises(SecretUnavailable, match=r"denied: .* refused the JWT/OIDC login as role 'ci': error valid"):
            sources()[0].fetch("vault:secret/data/ci#openai_key")
        monkeypatch.setenv("VAULT_TOKEN", VAULT_TOKEN)
        fetched, _ = sources()
        with pytest.raises(SecretUnavailable, match=r"missing: Vault at http://127.0.0.1:\d+ has no secret at "):
            fetched.fetch("vault:secret/data/nothing#k")
        with pytest.raises(SecretUnavailable, match=r"denied: .* refused to read secret/data/forbidden: .*permission"):
            fetched.fetch("vault:secret/data/forbidden#k")
        with pytest.raises(SecretUnavailable, match=r"missing: the secret has no key 'nope' \(its keys: openai_key"):
            fetched.fetch("vault:secret/data/ci#nope")


@pytest.mark.usefixtures("no_ambient_credentials")
def test_unreachable_manager_is_diagnosed_once_and_the_outcome_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_ADDR", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("VAULT_TOKEN", VAULT_TOKEN)
    checked: list[str] = []

    def check(url: str, environ: Any, timeout_s: float) -> Diagnosis:
        checked.append(url)
        return Diagnosis(url, "connect_refused", detail="TCP connect was refused", steps=["DNS ok"])

    fetched = SecretSources(SecretRegistry(), check)
    for _ in range(2):
        with pytest.raises(SecretUnavailable) as unreachable:
            fetched.fetch("vault:secret/data/ci#openai_key")
        assert unreachable.value.kind == "unreachable"
        assert "ConnectionError" in str(unreachable.value) and "Egress blocked: http://127.0.0.1:" in str(
            unreachable.value
        )
    assert len(checked) == 1


@pytest.mark.usefixtures("no_ambient_credentials")
def test_unreachable_with_the_real_egress_diagnosis(monkeypatch: pytest.MonkeyPatch) -> None:
    port = closed_port()
    monkeypatch.setenv("VAULT_ADDR", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("VAULT_TOKEN", VAULT_TOKEN)
    with pytest.raises(SecretUnavailable) as unreachable:
        sources()[0].fetch("vault:secret/data/ci#openai_key")
    assert f"Egress blocked: http://127.0.0.1:{port}: connect_refused" in str(unreachable.value)


@pytest.mark.usefixtures("no_ambient_credentials")
def test_gcp_without_application_default_credentials_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(GCP_ENDPOINT_VARIABLE, f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/agenttest-adc.json")
    with pytest.raises(SecretUnavailable, match="missing: no Google credentials"):
        sources()[0].fetch("gcp-sm:projects/p/secrets/openai/versions/latest")


@pytest.fixture
def workload_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """ADC with an external-account (workload identity federation) config: the CI's OIDC token file, an STS URL."""
    with stand_in(gcp) as server:
        token_file = tmp_path / "ci-oidc-token"
        token_file.write_text(CI_OIDC_TOKEN)
        config = {"type": "external_account", "audience": "//iam.googleapis.com/projects/1/locations/global/"
                  "workloadIdentityPools/ci/providers/gh", "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                  "token_url": f"{server.url}/v1/token", "credential_source": {"file": str(token_file)}}  # fmt: skip
        adc = tmp_path / "adc.json"
        adc.write_text(json.dumps(config))
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
        monkeypatch.setenv(GCP_ENDPOINT_VARIABLE, server.url)
        monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "p")  # else ADC asks Resource Manager for the pool's project
        yield server


@pytest.mark.usefixtures("no_ambient_credentials")
def test_gcp_secret_manager_over_rest_with_workload_identity(workload_identity: Any) -> None:
    fetched, registry = sources()
    assert fetched.fetch("gcp-sm:projects/p/secrets/openai/versions/latest#api_key") == GCP_SECRET
    whole = fetched.fetch("gcp-sm:projects/p/secrets/openai/versions/latest")
    assert json.loads(whole) == {"api_key": GCP_SECRET}
    token, access = workload_identity.received
    assert token.path == "/v1/token" and CI_OIDC_TOKEN in token.body.decode()
    assert access.method == "GET" and access.path.startswith("/v1/projects/p/secrets/openai/versions/latest:access?")
    assert registry.mask_text(f"{GCP_SECRET} {base64.b64encode(whole.encode()).decode()}").startswith(f"{MASK} {MASK}")
    assert registry.mask_text(f"{CI_OIDC_TOKEN} {GCP_ACCESS_TOKEN}") == f"{MASK} {MASK}"  # the tokens met on the way
    with pytest.raises(SecretUnavailable, match="missing: GCP Secret Manager has no secret version"):
        fetched.fetch("gcp-sm:projects/p/secrets/nothing/versions/1")
    with pytest.raises(SecretUnavailable, match=r"denied: GCP Secret Manager refused .*Permission"):
        fetched.fetch("gcp-sm:projects/p/secrets/forbidden/versions/latest")


@pytest.mark.usefixtures("no_ambient_credentials")
def test_aws_secrets_manager_through_the_mock_aws(
    mock_aws: tuple[MockAWS, str, Moto], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, url, moto = mock_aws
    moto.reset()
    for name, value in {"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "AKIAFIXTURE", "AWS_DEFAULT_REGION": "eu-west-1",
                        "AWS_SECRET_ACCESS_KEY": "fixture-secret-access"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    client = boto3.client("secretsmanager")
    client.create_secret(Name="ci/openai", SecretString=json.dumps({"api_key": AWS_SECRET}))
    client.create_secret(Name="ci/plain", SecretString="plain-sentinel-Vb5nM1")
    fetched, registry = sources()
    assert fetched.fetch("aws-sm:ci/openai#api_key") == AWS_SECRET
    assert fetched.fetch("aws-sm:ci/plain") == "plain-sentinel-Vb5nM1"
    assert registry.mask_text(f"{AWS_SECRET} plain-sentinel-Vb5nM1") == f"{MASK} {MASK}"
    with pytest.raises(SecretUnavailable, match=r"missing: AWS Secrets Manager has no secret ci/none"):
        fetched.fetch("aws-sm:ci/none")
    with pytest.raises(SecretSourceError, match="not a JSON object: drop '#api_key'"):
        fetched.fetch("aws-sm:ci/plain#api_key")
    denied = {"when": {"operation": "GetSecretValue"}, "status": 400, "type": "AccessDeniedException",
              "message": "User is not authorized to perform: secretsmanager:GetSecretValue"}  # fmt: skip
    app.add_fault(parse_aws_fault(denied, "test"), "test")
    try:
        with pytest.raises(SecretUnavailable, match="denied: AWS Secrets Manager refused ci/other: AccessDenied"):
            fetched.fetch("aws-sm:ci/other")
    finally:
        app.clear_faults("test")


@pytest.mark.usefixtures("no_ambient_credentials")
def test_aws_and_gcp_out_of_reach_are_unreachable_with_the_diagnosis(
    workload_identity: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = f"http://127.0.0.1:{closed_port()}"
    for name, value in {"AWS_ENDPOINT_URL_SECRETS_MANAGER": closed, "AWS_ACCESS_KEY_ID": "AKIAFIXTURE",
                        "AWS_SECRET_ACCESS_KEY": "fixture-secret-access", "AWS_DEFAULT_REGION": "eu-west-1",
                        GCP_ENDPOINT_VARIABLE: closed}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    fetched, _ = sources()
    for source, manager in [("aws-sm:ci/openai#api_key", "AWS Secrets Manager"),
                            ("gcp-sm:projects/p/secrets/openai/versions/latest", "GCP Secret Manager")]:  # fmt: skip
        with pytest.raises(SecretUnavailable) as unreachable:
            fetched.fetch(source)
        assert str(unreachable.value).startswith(f"unreachable: {manager} at {closed}")
        assert f"Egress blocked: {closed}: connect_refused" in str(unreachable.value)


@pytest.mark.usefixtures("no_ambient_credentials")
def test_aws_web_identity_through_the_mock_aws_sts(
    mock_aws: tuple[MockAWS, str, Moto], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app, url, moto = mock_aws
    moto.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    planting = boto3.client("secretsmanager", aws_access_key_id="AKIAFIXTURE", aws_secret_access_key="fixture-k")
    planting.create_secret(Name="ci/openai", SecretString=json.dumps({"api_key": AWS_SECRET}))
    token_file = tmp_path / "web-identity-token"
    token_file.write_text(CI_OIDC_TOKEN)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci", "AWS_WEB_IDENTITY_TOKEN_FILE":
                        str(token_file), "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    resolved: list[Any] = []

    def spy(session: Any, secrets: SecretRegistry) -> None:
        register_aws_keys(session, secrets)
        resolved.append(session.get_credentials().get_frozen_credentials())  # cached: no second STS call

    monkeypatch.setattr(managers, "_register_aws_keys", spy)
    fetched, registry = sources()
    assert fetched.fetch("aws-sm:ci/openai#api_key") == AWS_SECRET
    calls = [entry.subject.params for entry in app.journal.entries(0)][-2:]  # the journal outlives moto.reset
    assert calls[0]["Action"] == "AssumeRoleWithWebIdentity" and calls[0]["WebIdentityToken"] == CI_OIDC_TOKEN
    assert calls[1] == {"SecretId": "ci/openai"}
    keys = resolved[0]
    assert keys.access_key != "AKIAFIXTURE" and keys.token  # moto's temporary keys for the role
    assert registry.mask_text(f"{CI_OIDC_TOKEN} {keys.secret_key} {keys.token}") == f"{MASK} {MASK} {MASK}"
