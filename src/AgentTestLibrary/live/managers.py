"""Credentials fetched just in time from a secrets manager (Vault, AWS Secrets Manager, GCP Secret Manager).

A source names the manager, the secret and, for a JSON secret, the key in it (docs/capabilities/live-lane.md):

- ``vault:secret/data/ci#openai_key``: KV v2 (mount before ``/data/``) or, without ``/data/``, KV v1
  (the first segment is the mount), read with ``hvac``: ``VAULT_ADDR``, ``VAULT_NAMESPACE``, a token
  from ``VAULT_TOKEN`` or ``~/.vault-token``, else JWT/OIDC login with ``VAULT_ROLE`` and the CI's
  token in ``VAULT_JWT_FILE`` (or ``VAULT_JWT``) at auth mount ``VAULT_AUTH_PATH`` (default ``jwt``);
- ``aws-sm:ci/openai#api_key``: ``GetSecretValue`` of a name or ARN with boto3's credential chain
  (web identity: ``AWS_ROLE_ARN`` + ``AWS_WEB_IDENTITY_TOKEN_FILE``) and endpoint settings
  (``AWS_ENDPOINT_URL_SECRETS_MANAGER``, ``AWS_ENDPOINT_URL``); without ``#KEY`` the whole string;
- ``gcp-sm:projects/p/secrets/openai/versions/latest``: ``AccessSecretVersion`` over REST with
  google-auth's application default credentials (workload identity federation through
  ``GOOGLE_APPLICATION_CREDENTIALS``, the metadata server ...); :data:`GCP_ENDPOINT_VARIABLE`
  points the client at another endpoint.

Every value is registered with the secret registry the moment it arrives (the whole payload and
each string in it, with their encodings), before anything else sees it. A secret that is not
there, a request the manager refuses and a manager out of reach raise :class:`SecretUnavailable`
(the live lane turns it into a skip); for the last, the egress diagnosis of the manager's URL is
part of the reason. A source written wrongly raises :class:`SecretSourceError`. Outcomes are kept
in memory for the run, never on disk. No Robot Framework.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SecretSourceError, SecretUnavailable, UnavailableKind
from ..secrets import SecretRegistry
from .credential_files import secret_leaves
from .egress import Diagnosis, diagnose

GCP_ENDPOINT_VARIABLE = "AGENTTEST_GCP_SECRET_MANAGER_ENDPOINT"
GCP_DEFAULT_ENDPOINT = "https://secretmanager.googleapis.com"
QUIET_LOGGERS = ("botocore", "boto3", "urllib3", "requests", "hvac", "google")
GCP_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
INSTALL_HINT = "pip install 'robotframework-agenttestlibrary[secrets]'"
TIMEOUT_S = 15.0
MAX_TOKEN_FILE = 1_000_000
DIAGNOSIS_TIMEOUT_S = 3.0
GCP_NAME = re.compile(r"projects/[^/]+/(?:locations/[^/]+/)?secrets/[^/]+/versions/[^/]+")
SYNTAX = (
    "Write a source as vault:MOUNT/data/PATH#KEY (KV v2), vault:MOUNT/PATH#KEY (KV v1), aws-sm:NAME_OR_ARN[#KEY] "
    "or gcp-sm:projects/P/secrets/S/versions/V[#KEY]"
)


@dataclass(frozen=True)
class Source:
    """``scheme:path#key`` as written."""

    scheme: str
    path: str
    key: str | None
    text: str


def parse_source(text: str) -> Source:
    """The source ``text`` names; SecretSourceError naming the syntax when it is not one."""
    scheme, colon, rest = text.strip().partition(":")
    if not colon or scheme not in FETCHERS:
        raise SecretSourceError(f"Unknown secret source '{text}'. {SYNTAX}.")
    path, hash_sign, key = rest.partition("#")
    if not path or (hash_sign and not key):
        raise SecretSourceError(f"Secret source '{text}' has an empty {'key' if path else 'path'}. {SYNTAX}.")
    source = Source(scheme, path, key or None, text.strip())
    if scheme == "vault" and (path.startswith("/") or "/" not in path.strip("/")):
        raise SecretSourceError(f"Secret source '{text}' needs a mount and a path, e.g. vault:secret/data/ci#KEY.")
    if scheme == "vault" and source.key is None:
        raise SecretSourceError(f"Secret source '{text}' names no key: a Vault secret holds keys, e.g. '{text}#KEY'.")
    if scheme == "gcp-sm" and not GCP_NAME.fullmatch(path):
        raise SecretSourceError(
            f"Secret source '{text}' is not a secret version's name: write gcp-sm:projects/P/secrets/S/versions/V "
            "(V a number or latest)."
        )
    return source


def _register(secrets: SecretRegistry, payload: str) -> None:
    """Mask ``payload`` and each string in it worth masking (when it is JSON) from now on."""
    secrets.add(payload)
    for leaf in secret_leaves(_json(payload)):
        secrets.add(leaf)


def _json(payload: str) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return None


def _pick(source: Source, payload: str) -> str:
    """The value the source asks for: the key of a JSON object, or the whole payload."""
    if source.key is None:
        return payload
    data = _json(payload)
    if not isinstance(data, dict):
        raise SecretSourceError(
            f"Secret source '{source.text}' asks for key '{source.key}', but the secret is not a JSON object: "
            f"drop '#{source.key}' to use the whole value."
        )
    if source.key not in data:
        keys = ", ".join(sorted(str(name) for name in data)) or "none"
        raise SecretUnavailable("missing", f"the secret has no key '{source.key}' (its keys: {keys})")
    value = data[source.key]
    return value if isinstance(value, str) else json.dumps(value)


def _read(path: str | None) -> str:
    """A small file's text ('' when there is none): token files and credential configs."""
    if not path or not Path(path).is_file():
        return ""
    return Path(path).read_text(encoding="utf-8", errors="replace")[:MAX_TOKEN_FILE]


def _register_file(secrets: SecretRegistry, path: str | None) -> None:
    """Mask the token a file holds (the CI's OIDC token the clients send on): it is a credential too."""
    secrets.add(_read(path).strip())


def _client_missing(manager: str, module: str) -> SecretUnavailable:
    return SecretUnavailable("unavailable", f"{manager} needs the '{module}' package: {INSTALL_HINT}")


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:240]}" if text else type(error).__name__


# -- HashiCorp Vault ----------------------------------------------------------------------------------------


def fetch_vault(source: Source, secrets: SecretRegistry) -> str:
    try:
        import hvac
        import hvac.exceptions
        import requests
    except ImportError:
        raise _client_missing("Vault", "hvac") from None
    client = hvac.Client(namespace=os.environ.get("VAULT_NAMESPACE") or None, timeout=TIMEOUT_S)
    url = str(client.url) + ("" if os.environ.get("VAULT_ADDR") else " (hvac's default: VAULT_ADDR is not set)")
    try:
        if not client.token:
            _vault_login(client, secrets)
        secrets.add(client.token)
        if "/data/" in source.path:
            mount, _, path = source.path.partition("/data/")
            response = client.secrets.kv.v2.read_secret_version(
                path=path, mount_point=mount, raise_on_deleted_version=True
            )
            data = response["data"]["data"]
        else:
            mount, _, path = source.path.partition("/")
            data = client.secrets.kv.v1.read_secret(path=path, mount_point=mount)["data"]
    except hvac.exceptions.InvalidPath:
        raise SecretUnavailable("missing", f"Vault at {url} has no secret at {source.path} (404)") from None
    except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized) as error:
        raise SecretUnavailable(
            "denied", f"Vault at {url} refused to read {source.path}: {_vault_error(error)}"
        ) from None
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
        raise SecretUnavailable("unreachable", f"Vault at {url}: {_short(error)}", str(client.url)) from None
    except hvac.exceptions.VaultError as error:
        raise SecretUnavailable("unavailable", f"Vault at {url}: {_vault_error(error)}") from None
    payload = json.dumps(data)
    _register(secrets, payload)
    return payload


def _vault_login(client: Any, secrets: SecretRegistry) -> None:
    """JWT/OIDC login with VAULT_ROLE and the CI's token (VAULT_JWT_FILE or VAULT_JWT); the client keeps the token."""
    role = os.environ.get("VAULT_ROLE", "").strip()
    token_file = os.environ.get("VAULT_JWT_FILE", "").strip()
    jwt = _read(token_file).strip() or os.environ.get("VAULT_JWT", "").strip()
    if not role or not jwt:
        why = "no VAULT_ROLE" if not role else f"no token in VAULT_JWT_FILE ({token_file or 'not set'}) or VAULT_JWT"
        raise SecretUnavailable(
            "missing",
            f"no Vault credentials: VAULT_TOKEN and ~/.vault-token are not set, and JWT/OIDC login has {why}",
        )
    secrets.add(jwt)
    import hvac.exceptions

    try:
        response = client.auth.jwt.jwt_login(role=role, jwt=jwt, path=os.environ.get("VAULT_AUTH_PATH") or None)
    except (hvac.exceptions.InvalidRequest, hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized) as error:
        refused = f"Vault at {client.url} refused the JWT/OIDC login as role '{role}': {_vault_error(error)}"
        raise SecretUnavailable("denied", refused) from None
    secrets.add(str((response.get("auth") or {}).get("accessor") or ""))


def _vault_error(error: Any) -> str:
    errors = getattr(error, "errors", None)
    text = "; ".join(str(item) for item in errors) if errors else type(error).__name__
    return " ".join(text.split())[:240]


# -- AWS Secrets Manager ------------------------------------------------------------------------------------

# Secrets Manager's refusals, and those of STS for web identity
AWS_DENIED = frozenset({"AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "DecryptionFailure",
                        "InvalidSignatureException", "ExpiredTokenException", "ExpiredToken", "InvalidClientTokenId",
                        "InvalidIdentityToken", "IDPRejectedClaim"})  # fmt: skip


def fetch_aws(source: Source, secrets: SecretRegistry) -> str:
    try:
        import boto3
        import botocore.config
        import botocore.exceptions
    except ImportError:
        raise _client_missing("AWS Secrets Manager", "boto3") from None
    config = botocore.config.Config(
        connect_timeout=TIMEOUT_S, read_timeout=TIMEOUT_S, retries={"total_max_attempts": 2, "mode": "standard"}
    )
    url = None
    _register_file(secrets, os.environ.get("AWS_WEB_IDENTITY_TOKEN_FILE"))
    session = boto3.session.Session()
    try:
        client = session.client("secretsmanager", config=config)
        url = str(client.meta.endpoint_url)
        response = client.get_secret_value(SecretId=source.path)
    except botocore.exceptions.ClientError as error:
        _register_aws_keys(session, secrets)
        code = str(error.response.get("Error", {}).get("Code", ""))
        message = str(error.response.get("Error", {}).get("Message", ""))[:240]
        if code == "ResourceNotFoundException":
            raise SecretUnavailable("missing", f"AWS Secrets Manager has no secret {source.path} ({code})") from None
        kind: UnavailableKind = "denied" if code in AWS_DENIED else "unavailable"
        raise SecretUnavailable(kind, f"AWS Secrets Manager refused {source.path}: {code}: {message}") from None
    except (botocore.exceptions.NoCredentialsError, botocore.exceptions.NoRegionError) as error:
        raise SecretUnavailable(
            "missing", f"{_short(error)} (boto3's chain: AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE, a profile ...)"
        ) from None
    except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError,
            botocore.exceptions.ReadTimeoutError, botocore.exceptions.ProxyConnectionError) as error:  # fmt: skip
        raise SecretUnavailable("unreachable", f"AWS Secrets Manager at {url}: {_short(error)}", url) from None
    except botocore.exceptions.BotoCoreError as error:  # credential providers' own failures (SSO, process ...)
        raise SecretUnavailable("unavailable", f"AWS Secrets Manager: {_short(error)}") from None
    _register_aws_keys(session, secrets)
    if "SecretString" in response:
        payload = str(response["SecretString"])
    else:
        payload = bytes(response.get("SecretBinary") or b"").decode("utf-8", errors="replace")
    _register(secrets, payload)
    return payload


def _register_aws_keys(session: Any, secrets: SecretRegistry) -> None:
    """The keys boto3's chain resolved (web identity's temporary ones too), once they are resolved."""
    credentials = session.get_credentials()
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        secrets.add(frozen.secret_key)
        secrets.add(frozen.token)


# -- GCP Secret Manager -------------------------------------------------------------------------------------


def fetch_gcp(source: Source, secrets: SecretRegistry) -> str:
    try:
        import google.auth
        import google.auth.exceptions
        import requests
        from google.api_core import exceptions
        from google.api_core.client_options import ClientOptions
        from google.cloud import secretmanager
    except ImportError:
        raise _client_missing("GCP Secret Manager", "google-cloud-secret-manager") from None
    endpoint = os.environ.get(GCP_ENDPOINT_VARIABLE, "").strip()
    url = endpoint or GCP_DEFAULT_ENDPOINT
    credentials = None
    _register_file(secrets, _subject_token_file(os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")))
    try:
        credentials, _ = google.auth.default(scopes=[GCP_SCOPE])
        client = secretmanager.SecretManagerServiceClient(
            credentials=credentials,
            transport="rest",
            client_options=ClientOptions(api_endpoint=endpoint) if endpoint else None,
        )
        response = client.access_secret_version(name=source.path, retry=None, timeout=TIMEOUT_S)
    except exceptions.NotFound:
        raise SecretUnavailable("missing", f"GCP Secret Manager has no secret version {source.path} (404)") from None
    except (exceptions.Forbidden, exceptions.Unauthorized) as error:
        raise SecretUnavailable("denied", f"GCP Secret Manager refused {source.path}: {_gcp_error(error)}") from None
    except google.auth.exceptions.DefaultCredentialsError as error:
        raise SecretUnavailable(
            "missing", f"no Google credentials (ADC): {_short(error)[:200]}; set GOOGLE_APPLICATION_CREDENTIALS"
        ) from None
    except (google.auth.exceptions.TransportError, requests.exceptions.ConnectionError,
            requests.exceptions.Timeout) as error:  # fmt: skip
        raise SecretUnavailable("unreachable", f"GCP Secret Manager at {url}: {_short(error)}", url) from None
    except google.auth.exceptions.RefreshError as error:
        raise SecretUnavailable("denied", f"Google credentials were refused: {_short(error)}") from None
    except google.auth.exceptions.GoogleAuthError as error:  # a credential config ADC cannot use
        raise SecretUnavailable("unavailable", f"Google credentials (ADC): {_short(error)}") from None
    except exceptions.GoogleAPICallError as error:
        raise SecretUnavailable("unavailable", f"GCP Secret Manager at {url}: {_gcp_error(error)}") from None
    finally:
        secrets.add(getattr(credentials, "token", None))  # the access token ADC obtained
    payload = bytes(response.payload.data).decode("utf-8", errors="replace")
    _register(secrets, payload)
    return payload


def _subject_token_file(config_path: str | None) -> str | None:
    """The file of the CI's OIDC token that a workload identity federation config (``external_account``) names."""
    config = _json(_read(config_path) or "")
    source = config.get("credential_source") if isinstance(config, dict) else None
    return str(source.get("file")) if isinstance(source, dict) and source.get("file") else None


def _gcp_error(error: Any) -> str:
    return f"{getattr(error, 'code', '')} {getattr(error, 'message', '') or type(error).__name__}".strip()[:240]


@contextmanager
def _quiet_clients() -> Iterator[None]:
    """The clients' debug logs (response bodies: the secret before it is registered) are dropped while they fetch."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


Fetcher = Callable[[Source, SecretRegistry], str]  # the secret's whole payload, registered before it returns
FETCHERS: dict[str, Fetcher] = {"vault": fetch_vault, "aws-sm": fetch_aws, "gcp-sm": fetch_gcp}


class SecretSources:
    """What one run fetched: each secret once (its keys picked from the one payload), or why not; in memory only."""

    def __init__(self, secrets: SecretRegistry, check: Callable[..., Diagnosis] = diagnose) -> None:
        self.secrets = secrets
        self.check = check
        self._outcomes: dict[tuple[str, str], str | SecretUnavailable] = {}

    def fetch(self, text: str) -> str:
        """The value ``text`` names (each secret fetched once per run); SecretUnavailable with the reason."""
        source = parse_source(text)
        outcome = self._outcomes.get((source.scheme, source.path))
        if outcome is None:
            try:
                with _quiet_clients():
                    outcome = FETCHERS[source.scheme](source, self.secrets)
            except SecretUnavailable as error:
                outcome = self._diagnosed(error)
            self._outcomes[(source.scheme, source.path)] = outcome
        if isinstance(outcome, SecretUnavailable):
            raise outcome
        value = _pick(source, outcome)
        self.secrets.add(value)  # a short one too, when it is the credential asked for
        return value

    def _diagnosed(self, error: SecretUnavailable) -> SecretUnavailable:
        """The error, its reason extended by the egress diagnosis of the manager's URL when it is out of reach."""
        if error.kind != "unreachable" or not error.url:
            return error
        try:
            diagnosis = self.check(error.url, os.environ, timeout_s=DIAGNOSIS_TIMEOUT_S)
        except ValueError:
            return error
        egress = "Egress blocked: " if diagnosis.blocked else "Egress: "
        return SecretUnavailable(error.kind, f"{error.detail}. {egress}{diagnosis.summary()}", error.url)
