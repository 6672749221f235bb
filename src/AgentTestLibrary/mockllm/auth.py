"""How the cloud endpoints of the model mock authenticate a request, each the way its cloud refuses one.

Bedrock: a well-formed AWS SigV4 ``Authorization`` from the fixture access key (the signature
itself is not recomputed), or a Bedrock API key as a bearer token. A check returns nothing
or raises :class:`~AgentTestLibrary.errors.RequestError` with the cloud's status.
"""

from __future__ import annotations

import re

from ..environment import FIXTURE_AWS_ACCESS_KEY
from ..errors import RequestError

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


def check_bedrock(headers: dict[str, str]) -> None:
    """Bedrock's answers: 403 when the header is missing, malformed or from an unknown access key."""
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
        raise RequestError("The security token included in the request is invalid: its access key is not the "
                           f"fixture key; {BEDROCK_HINT}.", status=403)  # fmt: skip
