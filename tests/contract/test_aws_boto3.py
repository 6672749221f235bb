"""boto3 against the mock AWS: each call named right in the journal with its parameters, faults aimed by
operation, paginators and waiters, and AWS's error shapes for what a real service refuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockaws import MockAWS, Moto, parse_aws_fault


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[MockAWS, str, Moto]]:
    moto = Moto()
    app = MockAWS(moto.start())
    server = MockServer(app)
    url = server.start()
    yield app, url, moto
    server.stop()
    app.close()


@pytest.fixture
def aws(served: tuple[MockAWS, str, Moto]) -> Iterator[tuple[MockAWS, str]]:
    """A test's view: moto emptied, the journal and faults started again."""
    app, url, moto = served
    moto.reset()
    app.reset_counters()
    app.journal.clear()
    yield app, url
    app.remove_scope("t")


def client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIAFIXTURE",
                        aws_secret_access_key="fixture", config=Config(retries={"total_max_attempts": 1}))  # fmt: skip


def calls(app: MockAWS) -> list[tuple[str, str | None, dict[str, Any]]]:
    return [(entry.subject.service, entry.subject.operation, entry.subject.params) for entry in app.journal.entries()
            if entry.subject is not None]  # fmt: skip


def test_s3_calls_are_named_as_boto3_made_them_with_bucket_and_key(aws: tuple[MockAWS, str]) -> None:
    app, url = aws
    s3 = client("s3", url)
    s3.create_bucket(Bucket="reports")
    s3.put_object(Bucket="reports", Key="2026/q1.csv", Body=b"a,b\n", Metadata={"team": "qa"})
    s3.copy_object(Bucket="reports", Key="copy.csv", CopySource={"Bucket": "reports", "Key": "2026/q1.csv"})
    s3.put_object_tagging(Bucket="reports", Key="copy.csv", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert s3.get_object(Bucket="reports", Key="copy.csv")["Body"].read() == b"a,b\n"
    s3.head_object(Bucket="reports", Key="copy.csv")
    upload = s3.create_multipart_upload(Bucket="reports", Key="big.bin")["UploadId"]
    part = s3.upload_part(Bucket="reports", Key="big.bin", UploadId=upload, PartNumber=1, Body=b"x" * 10)
    s3.complete_multipart_upload(Bucket="reports", Key="big.bin", UploadId=upload,
                                 MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})  # fmt: skip
    s3.delete_object(Bucket="reports", Key="copy.csv")
    seen = calls(app)
    assert [name for _, name, _ in seen] == [
        "CreateBucket", "PutObject", "CopyObject", "PutObjectTagging", "GetObject", "HeadObject",
        "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "DeleteObject"]  # fmt: skip
    put, copy, tagging = seen[1][2], seen[2][2], seen[3][2]
    assert (put["Bucket"], put["Key"], put["Body"], put["Metadata"]) == ("reports", "2026/q1.csv", "a,b\n",
                                                                         {"team": "qa"})  # fmt: skip
    assert copy["CopySource"] == "reports/2026/q1.csv" and copy["Key"] == "copy.csv"
    assert tagging["Tagging"] == {"TagSet": [{"Key": "k", "Value": "v"}]}
    assert seen[7][2]["UploadId"] == upload and seen[7][2]["PartNumber"] == 1


def test_a_put_object_fault_fires_for_put_object_only(aws: tuple[MockAWS, str]) -> None:
    app, url = aws
    s3 = client("s3", url)
    s3.create_bucket(Bucket="reports")
    app.add_fault(parse_aws_fault({"when": {"service": "s3", "operation": "PutObject",
                                            "params": {"Bucket": "reports"}}, "status": 503, "type": "SlowDown"},
                                  "t"), "t")  # fmt: skip
    with pytest.raises(ClientError) as failed:
        s3.put_object(Bucket="reports", Key="a", Body=b"x")
    assert failed.value.response["Error"]["Code"] == "SlowDown"
    app.remove_scope("t")
    s3.put_object(Bucket="reports", Key="a", Body=b"x")
    app.add_fault(parse_aws_fault({"when": {"operation": "PutObject"}, "status": 500}, "t"), "t")
    s3.copy_object(Bucket="reports", Key="b", CopySource="reports/a")  # not a PutObject: passes
    assert [entry.status for entry in app.journal.entries()][-3:] == [503, 200, 200]


@pytest.mark.parametrize(("service", "headers", "code", "shape"), [
    ("s3", {}, "InvalidArgument", b"<Error><Code>InvalidArgument</Code>"),
    ("s3", {"x-amz-meta-note": "caf\u00e9"}, "InvalidArgument", b"<Error><Code>InvalidArgument</Code>"),
    ("lambda", {}, "ValidationException", b'"__type": "ValidationException"'),
    ("sqs", {}, "ValidationException", b"\"__type\": \"AmazonSQS#ValidationException\""),
    ("iam", {}, "ValidationException", b"<ErrorResponse><Error><Type>Sender</Type>"),
])  # fmt: skip
def test_a_non_ascii_header_gets_a_4xx_in_the_protocols_error_shape(
    aws: tuple[MockAWS, str], service: str, headers: dict[str, str], code: str, shape: bytes
) -> None:
    app, url = aws
    scope = f"Credential=AKID/20260101/us-east-1/{service}/aws4_request"
    sent = [(b"authorization", f"AWS4-HMAC-SHA256 {scope}, SignedHeaders=host, Signature=0".encode()),
            *((name.encode(), value.encode()) for name, value in headers.items()),
            (b"x-agent-note", "caf\u00e9".encode())]  # fmt: skip
    answer = httpx.get(url + "/", headers=sent)
    assert answer.status_code == 400, answer.text
    assert shape in answer.content and code.encode() in answer.content, answer.text
    assert b"non-ASCII" in answer.content and b"moto" not in answer.content
    entry = app.journal.entries()[-1]
    assert entry.status == 400 and "non-ASCII" in entry.error


def test_a_non_ascii_authorization_header_is_a_4xx_not_an_internal_failure(aws: tuple[MockAWS, str]) -> None:
    _, url = aws
    answer = httpx.get(url + "/", headers=[(b"authorization", "caf\u00e9".encode())])
    assert answer.status_code == 400 and answer.json()["__type"] == "IncompleteSignatureException", answer.text
    scope = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, Signature=caf\u00e9"
    answer = httpx.get(url + "/", headers=[(b"authorization", scope.encode())])
    assert answer.status_code == 400 and b"<Code>AuthorizationHeaderMalformed</Code>" in answer.content
