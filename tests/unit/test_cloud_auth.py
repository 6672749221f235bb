"""The cloud endpoints' authentication: what a well-formed SigV4 header is, and each refusal's status and reason."""

from __future__ import annotations

import pytest

from AgentTestLibrary.environment import FIXTURE_AWS_ACCESS_KEY
from AgentTestLibrary.errors import RequestError
from AgentTestLibrary.mock.http import Request
from AgentTestLibrary.mockllm.auth import check_bedrock

SIGNATURE = "a" * 64
GOOD = {
    "authorization": f"AWS4-HMAC-SHA256 Credential={FIXTURE_AWS_ACCESS_KEY}/20260101/us-east-1/bedrock/aws4_request, "
    f"SignedHeaders=host;x-amz-date, Signature={SIGNATURE}",
    "x-amz-date": "20260101T120000Z",
    "host": "127.0.0.1:1",
}


def test_a_well_formed_fixture_signature_and_a_bearer_token_pass() -> None:
    check_bedrock(Request("POST", "/model/m/converse", GOOD))
    check_bedrock(Request("POST", "/model/m/converse", {"authorization": "Bearer bedrock-api-key"}))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"authorization": ""}, "Authorization header is missing"),
        ({"authorization": "Bearer "}, "not a well-formed SigV4"),
        ({"authorization": GOOD["authorization"].replace(SIGNATURE, "zz")}, "not a well-formed SigV4"),
        ({"authorization": GOOD["authorization"].replace("/bedrock/", "/s3/")}, "scoped to correct service"),
        ({"x-amz-date": "20250101T120000Z"}, "X-Amz-Date"),
        ({"authorization": GOOD["authorization"].replace("host;x-amz-date", "host;x-amz-date;x-other")},
         "wrong: x-other"),
        ({"authorization": GOOD["authorization"].replace(FIXTURE_AWS_ACCESS_KEY, "AKIASOMEONEELSEKEY00")},
         "security token included in the request is invalid"),
    ],
)  # fmt: skip
def test_refusals_are_403_and_say_why(change: dict[str, str], reason: str) -> None:
    with pytest.raises(RequestError) as caught:
        check_bedrock(Request("POST", "/model/m/converse", {**GOOD, **change}))
    assert caught.value.status == 403
    assert reason in caught.value.message
    assert "AKIASOMEONEELSEKEY00" not in caught.value.message
