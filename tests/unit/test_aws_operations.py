"""AWS calls named from what botocore's own serializer sends, and their parameters read back by member name."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest
from botocore.httpchecksum import AwsChunkedWrapper
from botocore.serialize import create_serializer

from AgentTestLibrary.mockaws.operations import Operation, identify, rest_parameters, service_model

# Operations whose requests are the same bytes as another's (same method, path, query and required members):
# the server cannot tell them apart either; the current one wins over the deprecated one.
TWINS = {
    "GetBucketLifecycle": "GetBucketLifecycleConfiguration",
    "PutBucketLifecycle": "PutBucketLifecycleConfiguration",
    "GetBucketNotification": "GetBucketNotificationConfiguration",
    "PutBucketNotification": "PutBucketNotificationConfiguration",
    "ListDirectoryBuckets": "ListBuckets",  # told apart by the endpoint's host (s3express-control), not the request
}


def sample(shape: Any) -> Any:
    """The smallest value botocore's validator accepts for ``shape`` (required members only)."""
    kind = shape.type_name
    if kind == "structure":
        names = [next(iter(shape.members))] if shape.is_tagged_union else shape.required_members
        return {name: sample(shape.members[name]) for name in names}
    if kind == "list":
        return [sample(shape.member)]
    if kind == "map":
        return {"k": sample(shape.value)}
    simple = {"integer": int(shape.metadata.get("min", 1)), "long": int(shape.metadata.get("min", 1)),
              "float": 1.0, "double": 1.0, "boolean": True, "blob": b"x", "timestamp": 0}  # fmt: skip
    if kind in simple:
        return simple[kind]
    return shape.enum[0] if shape.enum else "x" * max(int(shape.metadata.get("min", 2)), 2)


def serialized(service: str, operation: str, params: dict[str, Any] | None = None) -> tuple[Any, ...]:
    """(method, path, query, headers, body) of the request boto3 would send for ``operation``."""
    model = service_model(service)
    operation_model = model.operation_model(operation)
    if params is None:
        params = sample(operation_model.input_shape) if operation_model.input_shape else {}
    request = create_serializer(model.protocol).serialize_to_request(params, operation_model)
    path, _, literal = request["url_path"].partition("?")
    query = {key: [str(value)] for key, value in request["query_string"].items() if not isinstance(value, list)}
    query.update({key: [str(item) for item in value] for key, value in request["query_string"].items()
                  if isinstance(value, list)})  # fmt: skip
    query.update(parse_qs(literal, keep_blank_values=True))
    headers = {key.lower(): str(value) for key, value in request["headers"].items()}
    headers["authorization"] = f"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/{service}/aws4_request"
    body = request["body"] if isinstance(request["body"], bytes) else str(request["body"]).encode()
    return request["method"], path, query, headers, body


@pytest.mark.parametrize("service", ["s3", "lambda"])
def test_every_rest_operation_is_named_from_what_botocore_sends(service: str) -> None:
    wrong = []
    for operation in service_model(service).operation_names:
        method, path, query, headers, _ = serialized(service, operation)
        named = identify(method, path, {key: values[0] for key, values in query.items()}, headers, {}).name
        if named != TWINS.get(operation, operation):
            wrong.append(f"{operation} named {named}")
    assert not wrong, wrong


@pytest.mark.parametrize(("operation", "params", "expected"), [
    ("PutObject", {"Bucket": "reports", "Key": "2026/q1.csv", "Body": b"a,b", "Metadata": {"team": "qa"}},
     {"Bucket": "reports", "Key": "2026/q1.csv", "Body": "a,b", "Metadata": {"team": "qa"}}),
    ("CopyObject", {"Bucket": "reports", "Key": "copy.csv", "CopySource": "reports/q1.csv"},
     {"Bucket": "reports", "Key": "copy.csv", "CopySource": "reports/q1.csv"}),
    ("UploadPart", {"Bucket": "b", "Key": "k", "PartNumber": 2, "UploadId": "u1", "Body": b"\xff" * 5000},
     {"Bucket": "b", "Key": "k", "PartNumber": 2, "UploadId": "u1", "Body": "<5000 bytes>"}),
    ("ListObjectsV2", {"Bucket": "b", "MaxKeys": 5, "ContinuationToken": "t"},
     {"Bucket": "b", "MaxKeys": 5, "ContinuationToken": "t"}),
    ("DeleteObjects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b"}]}},
     {"Bucket": "b", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b"}]}}),
])  # fmt: skip
def test_s3_parameters_are_read_back_by_member_name(operation: str, params: dict[str, Any],
                                                     expected: dict[str, Any]) -> None:  # fmt: skip
    method, path, query, headers, body = serialized("s3", operation, params)
    named = identify(method, path, {key: values[0] for key, values in query.items()}, headers, {})
    assert named.name == operation
    recorded = rest_parameters(named, path, query, headers, body)
    assert {key: recorded.get(key) for key in expected} == expected, recorded


def test_lambda_parameters_come_from_path_query_headers_and_body() -> None:
    params = {"FunctionName": "triage", "InvocationType": "Event", "Payload": b'{"issue": 7}'}
    _, path, query, headers, body = serialized("lambda", "Invoke", params)
    recorded = rest_parameters(Operation("lambda", "Invoke", "rest-json"), path, query, headers, body)
    assert recorded == {"FunctionName": "triage", "InvocationType": "Event", "Payload": '{"issue": 7}'}
    _, path, query, headers, body = serialized("lambda", "ListFunctions", {"MaxItems": 2, "Marker": "m"})
    assert rest_parameters(Operation("lambda", "ListFunctions", "rest-json"), path, query, headers, body) == {
        "MaxItems": 2, "Marker": "m"}  # fmt: skip


def test_an_aws_chunked_upload_is_read_as_its_payload() -> None:
    import io

    wrapped = AwsChunkedWrapper(io.BytesIO(b"hello chunks"), chunk_size=5).read()
    headers = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": "12"}
    recorded = rest_parameters(Operation("s3", "PutObject", "rest-xml"), "/b/k", {}, headers, wrapped)
    assert recorded["Body"] == "hello chunks"
    for hostile in (b"zz\r\nabc", b"\xff\xfe", b"-1\r\nx"):  # broken framing: the body as it came, never a crash
        recorded = rest_parameters(Operation("s3", "PutObject", "rest-xml"), "/b/k", {}, headers, hostile)
        assert recorded["Body"] == _plain_text(hostile)


def _plain_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(body)} bytes>"


def test_a_body_botocore_cannot_read_leaves_the_path_and_query() -> None:
    recorded = rest_parameters(Operation("s3", "DeleteObjects", "rest-xml"), "/b", {"delete": [""]}, {},
                               b"<Delete><Obj")  # fmt: skip
    assert recorded == {"Bucket": "b"}
