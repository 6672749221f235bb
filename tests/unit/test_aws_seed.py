"""AWS seed files: checked against botocore's models when they load, every mistake named by file and line."""

from __future__ import annotations

import pytest

from AgentTestLibrary.errors import ScenarioError
from AgentTestLibrary.mockaws.seed import seed_from_text


@pytest.mark.parametrize(("text", "expected"), [
    ("lamda:\n  - CreateFunction: {FunctionName: f}\n", r"^s\.yaml:1: lamda: unknown AWS service 'lamda'\. "
                                                         r"Did you mean 'lambda'\?"),
    ("s3:\n  - CreateBucket: {Bucket: b}\n  - CreateBuckt: {Bucket: b}\n",
     r"^s\.yaml:3: s3\[1\]\.CreateBuckt: s3 has no operation 'CreateBuckt'\. Did you mean 'CreateBucket'"),
    ("s3:\n  - CreateBucket: {Bucket: b, Region: x}\n", r"^s\.yaml:2: s3\[0\]\.CreateBucket: s3 CreateBucket: .*"
                                                        r"Unknown parameter in input: \"Region\""),
    ("sqs:\n  - CreateQueue: {}\n", r"s\.yaml:2: .*Missing required parameter in input: \"QueueName\""),
    ("sqs:\n  - CreateQueue: {QueueName: q}\n    repeat: 0\n", r"s\.yaml:3: sqs\[0\]\.repeat: expected a count from 1"),
    ("sqs:\n  - {CreateQueue: {QueueName: q}, DeleteQueue: {QueueUrl: u}}\n",
     r"s\.yaml:2: sqs\[0\]: expected one call"),
    ("sqs: {CreateQueue: {QueueName: q}}\n", r"s\.yaml:1: sqs: expected a list of calls"),
    ("version: 2\n", r"s\.yaml:1: version: unsupported version 2"),
    ("- s3\n", r"s\.yaml:1: top level: expected a mapping of AWS service names"),
])  # fmt: skip
def test_a_bad_seed_file_names_the_file_the_line_and_the_fix(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError, match=expected):
        seed_from_text(text, "s.yaml")


def test_a_seed_serializes_calls_as_boto3_sends_them_with_defaults_and_repeats() -> None:
    seed = seed_from_text(
        "s3:\n  - create_bucket: {Bucket: reports}\n  - PutObject: {Bucket: reports, Key: 'q{n}.csv', Body: 'a,b'}\n"
        "    repeat: 3\nlambda:\n  - CreateFunction: {FunctionName: 'fn-{n}'}\n    repeat: 2\n",
        "s.yaml",
    )
    assert seed.summary() == ("iam CreateRole x1, s3 CreateBucket x1, s3 PutObject x3, "
                              "lambda CreateFunction x2")  # the default Role is created first  # fmt: skip
    puts = [request for request in seed.requests if request.operation == "PutObject"]
    assert [(request.method, request.target, request.body) for request in puts] == [
        ("PUT", f"/reports/q{number}.csv", b"a,b") for number in (1, 2, 3)]  # fmt: skip
    assert puts[0].place == "s.yaml:3"
    functions = [request for request in seed.requests if request.operation == "CreateFunction"]
    assert functions[1].target == "/2015-03-31/functions" and b'"FunctionName": "fn-2"' in functions[1].body
    assert "us-west-2/lambda/aws4_request" in functions[0].signed_headers("us-west-2")["authorization"]
