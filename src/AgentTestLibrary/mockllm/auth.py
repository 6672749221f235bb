"""How the cloud endpoints of the model mock authenticate a request, each the way its cloud refuses one.

- Bedrock: a well-formed AWS SigV4 ``Authorization`` from the fixture access key (the signature
  itself is not recomputed), or a Bedrock API key as a bearer token.
- Azure OpenAI: an ``api-key`` header or a bearer token (any value); on the deployments surface
  also the ``api-version`` query parameter, whose absence Azure answers with 404.
- Vertex AI: an OAuth bearer token (any value; ``google-auth`` credentials or a fixed token) or,
  in express mode, ``x-goog-api-key``; else 401.

A check returns nothing or raises :class:`~AgentTestLibrary.errors.RequestError` with the cloud's status.
"""

from __future__ import annotations

import re

from ..environment import FIXTURE_AWS_ACCESS_KEY
from ..errors import RequestError
from ..mock.http import Request
from .protocols.bedrock import INVALID_TOKEN

_SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z0-9]{16,128})/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)"
    r"/(?P<service>[a-z0-9-]+)/aws4_request"
    r", ?SignedHeaders=(?P<signed>[a-z0-9-]+(?:;[a-z0-9-]+)*), ?Signature=(?P<signature>[0-9a-f]{64})"
)
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")
BEDROCK_HINT = (
    "sign it with SigV4 (the fixture credentials Start Mock LLM exports: AWS_ACCESS_KEY_ID="
    f"{FIXTURE_AWS_ACCESS_KEY}) or send a Bedrock API key as 'Authorization: Bearer ...'"
)


def check_bedrock(request: Request) -> None:
    """Bedrock's answers: 403 when the header is missing, malformed or from an unknown access key."""
    headers = request.headers
    authorization = headers.get("authorization", "")
    if not authorization:
        raise RequestError(f"Authorization header is missing: {BEDROCK_HINT}.", status=403)
    if authorization.startswith("Bearer ") and authorization[7:].strip():
        return
    signed = _SIGV4.fullmatch(authorization)
    if signed is None:
        raise RequestError(f"The Authorization header is not a well-formed SigV4 signature: {BEDROCK_HINT}.",
                           status=403)  # fmt: skip
    if signed["service"] != "bedrock":
        raise RequestError(f"Credential should be scoped to correct service: 'bedrock', not '{signed['service']}'.",
                           status=403)  # fmt: skip
    amz_date = headers.get("x-amz-date", "")
    if not _AMZ_DATE.fullmatch(amz_date) or not amz_date.startswith(signed["date"]):
        raise RequestError("The X-Amz-Date header is missing or does not match the credential scope's date "
                           f"{signed['date']}.", status=403)  # fmt: skip
    names = signed["signed"].split(";")
    missing = [name for name in ("host", "x-amz-date") if name not in names]
    missing += [name for name in names if name not in headers]
    if missing:
        raise RequestError(f"SignedHeaders must name host and x-amz-date and only headers the request carries; "
                           f"wrong: {', '.join(missing)}.", status=403)  # fmt: skip
    if signed["key"] != FIXTURE_AWS_ACCESS_KEY:
        raise RequestError(f"{INVALID_TOKEN}: its access key is not the "
                           f"fixture key; {BEDROCK_HINT}.", status=403)  # fmt: skip


AZURE_DENIED = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an "
    "active subscription and use a correct regional API endpoint for your resource."
)


def _azure_key(request: Request) -> None:
    headers = request.headers
    bearer = headers.get("authorization", "")
    if not headers.get("api-key", "").strip() and not (bearer.startswith("Bearer ") and bearer[7:].strip()):
        raise RequestError(f"{AZURE_DENIED} (send 'api-key: ...' or 'Authorization: Bearer ...'; AZURE_OPENAI_API_KEY "
                           "holds a fixture key)", status=401)  # fmt: skip


def check_azure(request: Request) -> None:
    """The ``/openai/deployments/...`` and ``/openai/responses`` surface: a key and an ``api-version``."""
    _azure_key(request)
    if not request.query.get("api-version"):
        raise RequestError("Resource not found (Azure OpenAI needs '?api-version=...' on this surface; the "
                           "/openai/v1/ surface does not)", status=404)  # fmt: skip


def check_azure_v1(request: Request) -> None:
    """The ``/openai/v1/...`` surface: a key; ``api-version`` is optional."""
    _azure_key(request)


def check_vertex(request: Request) -> None:
    headers = request.headers
    bearer = headers.get("authorization", "")
    if not (bearer.startswith("Bearer ") and bearer[7:].strip()) and not headers.get("x-goog-api-key", "").strip():
        raise RequestError("Request is missing required authentication credential. Expected OAuth 2 access token, "
                           "login cookie or other valid authentication credential (send 'Authorization: Bearer "
                           "...'; any token works with the mock).", status=401)  # fmt: skip
