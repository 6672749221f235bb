"""boto3 against the mock AWS: each call named right in the journal with its parameters, faults aimed by
operation, paginators and waiters, and AWS's error shapes for what a real service refuses."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from AgentTestLibrary.errors import ScenarioError
from AgentTestLibrary.mock.conditions import equal_to
from AgentTestLibrary.mockaws import MockAWS, Moto, parse_aws_fault
from AgentTestLibrary.mockaws.seed import seed_from_text
from tests.contract.conftest import aws_client


@pytest.fixture
def aws(mock_aws: tuple[MockAWS, str, Moto]) -> Iterator[tuple[MockAWS, str]]:
    """A test's view: moto emptied, the journal and faults started again."""
    app, url, moto = mock_aws
    moto.reset()
    app.restore()
    app.reset_counters()
    app.journal.clear()
    yield app, url
    app.remove_scope("t")


def calls(app: MockAWS) -> list[tuple[str, str | None, dict[str, Any]]]:
    return [(entry.subject.service, entry.subject.operation, entry.subject.params) for entry in app.journal.entries()
            if entry.subject is not None]  # fmt: skip


def test_s3_calls_are_named_as_boto3_made_them_with_bucket_and_key(aws: tuple[MockAWS, str]) -> None:
    app, url = aws
    s3 = aws_client("s3", url)
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


@pytest.mark.parametrize(("version", "signed"), [("s3v4", "X-Amz-Signature"), ("s3", "Signature")])
def test_a_presigned_url_is_journaled_as_its_operation_its_token_and_signature_masked(
    aws: tuple[MockAWS, str], version: str, signed: str
) -> None:
    app, url = aws
    token = "presign-session-SENTINEL-Qw83nZ"
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIAFIXTURE",
                      aws_secret_access_key="fixture", aws_session_token=token,
                      config=Config(signature_version=version))  # fmt: skip
    s3.create_bucket(Bucket="reports")
    s3.put_object(Bucket="reports", Key="q1.csv", Body=b"a,b\n")
    presigned = s3.generate_presigned_url("get_object", Params={"Bucket": "reports", "Key": "q1.csv"})
    signature = unquote(presigned.split(f"{signed}=", 1)[1].split("&", 1)[0])
    assert token in presigned and httpx.get(presigned).content == b"a,b\n"
    entry = app.journal.entries()[-1]
    journaled = str(entry.to_dict())
    subject = entry.subject
    assert (subject.service, subject.operation, subject.params["Key"]) == ("s3", "GetObject", "q1.csv")
    assert token not in journaled and signature not in journaled, journaled
    assert app.pipeline.secrets.mask_text(f"logged {token}") == "logged ***"


def test_a_put_object_fault_fires_for_put_object_only(aws: tuple[MockAWS, str]) -> None:
    app, url = aws
    s3 = aws_client("s3", url)
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
    answer = httpx.get(url + "/", headers=sent, timeout=60)  # moto loads a service's backend on its first request
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


def zipped_handler() -> bytes:
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("h.py", "def h(event, context):\n    return event\n")
    return package.getvalue()


def test_lambda_functions_page_by_fifty_and_their_calls_carry_the_function_name(aws: tuple[MockAWS, str]) -> None:
    app, url = aws
    role = aws_client("iam", url).create_role(RoleName="runner", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    functions = aws_client("lambda", url)
    code = zipped_handler()
    for number in range(55):
        functions.create_function(FunctionName=f"fn{number:02}", Runtime="python3.12", Role=role, Handler="h.h",
                                  Code={"ZipFile": code}, Timeout=7)  # fmt: skip
    functions.get_waiter("function_active_v2").wait(FunctionName="fn54")
    pages = list(functions.get_paginator("list_functions").paginate())
    assert [len(page["Functions"]) for page in pages] == [50, 5]  # AWS's default page: 50
    assert sorted(f["FunctionName"] for page in pages for f in page["Functions"]) == [f"fn{n:02}" for n in range(55)]
    assert functions.get_function(FunctionName="fn07")["Configuration"]["Timeout"] == 7
    seen = calls(app)
    created = [params for _, name, params in seen if name == "CreateFunction"]
    assert created[0]["FunctionName"] == "fn00" and created[0]["Timeout"] == 7
    assert [params for _, name, params in seen if name == "GetFunction"] == [{"FunctionName": "fn54"},
                                                                             {"FunctionName": "fn07"}]  # fmt: skip
    assert [(e.subject.page, e.subject.params) for e in app.journal.entries()
            if e.subject and e.subject.operation == "ListFunctions"][1][0] == 2  # fmt: skip


def test_s3_listings_page_and_waiters_see_buckets_and_objects(aws: tuple[MockAWS, str]) -> None:
    app, url = aws
    s3 = aws_client("s3", url)
    s3.create_bucket(Bucket="reports")
    s3.get_waiter("bucket_exists").wait(Bucket="reports")
    for number in range(5):
        s3.put_object(Bucket="reports", Key=f"k{number}", Body=b"x")
    s3.get_waiter("object_exists").wait(Bucket="reports", Key="k4")
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket="reports", PaginationConfig={"PageSize": 2}))
    assert [[item["Key"] for item in page["Contents"]] for page in pages] == [["k0", "k1"], ["k2", "k3"], ["k4"]]
    listed = [(e.subject.page, e.subject.params) for e in app.journal.entries()
              if e.subject and e.subject.operation == "ListObjectsV2"]  # fmt: skip
    assert [page for page, _ in listed] == [1, 2, 3]
    assert listed[1][1]["ContinuationToken"] == pages[0]["NextContinuationToken"] and listed[1][1]["MaxKeys"] == 2
    assert [name for _, name, _ in calls(app)][:2] == ["CreateBucket", "HeadBucket"]


def test_dynamodb_tables_items_scans_and_waiters(aws: tuple[MockAWS, str]) -> None:
    app, url = aws
    db = aws_client("dynamodb", url)
    db.create_table(TableName="tickets", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST")  # fmt: skip
    db.get_waiter("table_exists").wait(TableName="tickets")
    for number in range(5):
        db.put_item(TableName="tickets", Item={"id": {"S": f"t{number}"}, "state": {"S": "open"}})
    items = [item for page in db.get_paginator("scan").paginate(TableName="tickets", PaginationConfig={"PageSize": 2})
             for item in page["Items"]]  # fmt: skip
    assert len(items) == 5
    assert db.get_item(TableName="tickets", Key={"id": {"S": "t3"}})["Item"]["state"] == {"S": "open"}
    scans = [(e.subject.page, e.subject.params.get("Limit")) for e in app.journal.entries()
             if e.subject and e.subject.operation == "Scan"]  # fmt: skip
    assert scans == [(1, 2), (2, 2), (3, 2)]
    names = [name for _, name, _ in calls(app)]
    assert names[:2] == ["CreateTable", "DescribeTable"] and names.count("PutItem") == 5
    assert calls(app)[-1][2] == {"TableName": "tickets", "Key": {"id": {"S": "t3"}}}


def test_sqs_queues_messages_and_listing(aws: tuple[MockAWS, str]) -> None:
    app, url = aws
    sqs = aws_client("sqs", url)
    queues = [sqs.create_queue(QueueName=f"jobs-{number}")["QueueUrl"] for number in range(3)]
    sqs.send_message(QueueUrl=queues[0], MessageBody="build 7")
    received = sqs.receive_message(QueueUrl=queues[0], MaxNumberOfMessages=1)["Messages"]
    assert [message["Body"] for message in received] == ["build 7"]
    sqs.delete_message(QueueUrl=queues[0], ReceiptHandle=received[0]["ReceiptHandle"])
    pages = list(sqs.get_paginator("list_queues").paginate(PaginationConfig={"PageSize": 2}))
    assert sorted(url.rsplit("/", 1)[1] for page in pages for url in page["QueueUrls"]) == ["jobs-0", "jobs-1",
                                                                                             "jobs-2"]  # fmt: skip
    seen = calls(app)
    assert [name for _, name, _ in seen][3:6] == ["SendMessage", "ReceiveMessage", "DeleteMessage"]
    assert seen[3][2] == {"QueueUrl": queues[0], "MessageBody": "build 7"}


def test_iam_roles_page_and_wait(aws: tuple[MockAWS, str]) -> None:
    app, url = aws
    iam = aws_client("iam", url)
    for number in range(5):
        iam.create_role(RoleName=f"role-{number}", AssumeRolePolicyDocument="{}")
    iam.get_waiter("role_exists").wait(RoleName="role-4")
    pages = list(iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["Roles"]) for page in pages] == [2, 2, 1]
    listed = [e.subject for e in app.journal.entries() if e.subject and e.subject.operation == "ListRoles"]
    assert [call.page for call in listed] == [1, 2, 3] and listed[1].params["MaxItems"] == "2"
    assert [name for _, name, _ in calls(app)][5] == "GetRole"


def test_secrets_manager_and_sts(aws: tuple[MockAWS, str]) -> None:
    app, url = aws
    secrets = aws_client("secretsmanager", url)
    for number in range(3):
        secrets.create_secret(Name=f"ci/key-{number}", SecretString="fixture-value")
    assert secrets.get_secret_value(SecretId="ci/key-1")["SecretString"] == "fixture-value"
    names = [s["Name"] for page in secrets.get_paginator("list_secrets").paginate(PaginationConfig={"PageSize": 2})
             for s in page["SecretList"]]  # fmt: skip
    assert sorted(names) == ["ci/key-0", "ci/key-1", "ci/key-2"]
    assert aws_client("sts", url).get_caller_identity()["Account"] == "123456789012"
    seen = calls(app)
    assert seen[3] == ("secretsmanager", "GetSecretValue", {"SecretId": "ci/key-1"})
    assert [e.subject.page for e in app.journal.entries() if e.subject and e.subject.operation == "ListSecrets"] == [
        1, 2]  # fmt: skip
    assert seen[-1][:2] == ("sts", "GetCallerIdentity")


def test_lambda_pages_hold_at_most_fifty_and_a_zero_page_size_is_refused(aws: tuple[MockAWS, str]) -> None:
    _, url = aws
    role = aws_client("iam", url).create_role(RoleName="runner", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    functions = aws_client("lambda", url)
    for number in range(52):
        functions.create_function(FunctionName=f"fn{number:02}", Runtime="python3.12", Role=role, Handler="h.h",
                                  Code={"ZipFile": zipped_handler()})  # fmt: skip
    first = functions.list_functions(MaxItems=100)
    assert len(first["Functions"]) == 50 and "NextMarker" in first  # AWS: "a maximum of 50 items in each response"
    sent = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0"
    refused = httpx.get(url + "/2015-03-31/functions/?MaxItems=0", headers={"authorization": sent}, timeout=60)
    assert refused.status_code == 400 and refused.json()["__type"] == "ValidationException", refused.text


SEED = """
s3:
  - CreateBucket: {Bucket: reports}
  - PutObject: {Bucket: reports, Key: "q{n}.csv", Body: "a,b"}
    repeat: 3
lambda:
  - CreateFunction: {FunctionName: "triage-{n}", Timeout: 9}
    repeat: 60
sqs:
  - CreateQueue: {QueueName: jobs}
"""


def test_a_seed_is_in_every_test_and_moto_is_reseeded_only_after_a_change(aws: tuple[MockAWS, str]) -> None:
    app, url = aws
    app.add_seed(seed_from_text(SEED, "seed.yaml"), "suite:S")
    try:
        assert calls(app) == []  # seeding is not the agent's traffic
        s3, functions = aws_client("s3", url), aws_client("lambda", url)
        assert [item["Key"] for item in s3.list_objects_v2(Bucket="reports")["Contents"]] == ["q1.csv", "q2.csv",
                                                                                             "q3.csv"]  # fmt: skip
        listed = [f for page in functions.get_paginator("list_functions").paginate() for f in page["Functions"]]
        assert len(listed) == 60 and {f["Timeout"] for f in listed} == {9}
        assert aws_client("sqs", url).get_queue_url(QueueName="jobs")["QueueUrl"].endswith("/jobs")
        assert app.restore() is False  # only reads since the seed: moto holds the seed already
        s3.put_object(Bucket="reports", Key="agent.txt", Body=b"x")
        s3.delete_object(Bucket="reports", Key="q1.csv")
        assert app.restore() is True  # a change: emptied and seeded again
        assert [item["Key"] for item in s3.list_objects_v2(Bucket="reports")["Contents"]] == ["q1.csv", "q2.csv",
                                                                                             "q3.csv"]  # fmt: skip
    finally:
        app.remove_scope("suite:S")
    assert app.restore() is True
    assert aws_client("s3", url).list_buckets()["Buckets"] == []


def test_a_seed_moto_refuses_names_the_call(aws: tuple[MockAWS, str]) -> None:
    app, _ = aws
    seed = seed_from_text("s3:\n  - PutObject: {Bucket: missing, Key: k, Body: x}\n", "seed.yaml")
    refused = r"(?s)seed\.yaml:2: s3 PutObject failed in moto with HTTP 404: .*NoSuchBucket"
    with pytest.raises(ScenarioError, match=refused):
        app.add_seed(seed, "t")


@pytest.mark.parametrize(("service", "call", "operation"), [
    ("cloudwatch", lambda c: c.put_metric_data(Namespace="agent", MetricData=[{"MetricName": "m", "Value": 1.0}]),
     "PutMetricData"),  # signs as 'monitoring'; boto3 sends JSON though the model lists CBOR first
    ("stepfunctions", lambda c: c.list_state_machines(), "ListStateMachines"),  # signs as 'states'
    ("sesv2", lambda c: c.list_email_identities(), "ListEmailIdentities"),  # signs as 'ses', like SES v1
    ("elbv2", lambda c: c.describe_load_balancers(), "DescribeLoadBalancers"),  # 'elasticloadbalancing', like v1
])  # fmt: skip
def test_services_that_sign_under_another_name_are_named_by_boto3s_name(
    aws: tuple[MockAWS, str], service: str, call: Any, operation: str
) -> None:
    app, url = aws
    call(aws_client(service, url))
    assert calls(app)[-1][:2] == (service, operation)
    app.add_fault(parse_aws_fault({"when": {"service": service, "operation": operation}, "status": 400,
                                   "type": "InvalidParameterValue", "message": "injected"}, "t"), "t")  # fmt: skip
    with pytest.raises(ClientError) as failed:
        call(aws_client(service, url))
    assert failed.value.response["Error"]["Code"] == "InvalidParameterValue", failed.value.response


def test_a_default_session_client_under_one_tests_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first half of a pair: boto3's default session resolves these keys (the next test must not see them)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFIXTURE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fixture-first")
    signer = boto3.client("sts", region_name="us-east-1")._request_signer
    assert signer._credentials.access_key == "AKIAFIXTURE"


def test_a_default_session_client_signs_with_this_tests_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3.client() after another test's: it signs with the keys in this test's environment (the Bedrock SigV4
    refusal in test_sealed_network when it ran after test_secret_managers)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAAGENTTESTFIXTURE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fixture-second")
    signer = boto3.client("sts", region_name="us-east-1")._request_signer
    assert signer._credentials.access_key == "AKIAAGENTTESTFIXTURE"


def cbor_client(service: str, url: str, tmp_path: Path) -> Any:
    """A boto3 client that writes ``service`` in smithy-rpc-v2-cbor, as SDKs that prefer CBOR do (boto3 picks JSON
    when a model lists both): botocore's own model and serializer, the model's protocols narrowed to CBOR."""
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    model = loader.load_service_model(service, "service-2")
    version = model["metadata"]["apiVersion"]
    model["metadata"]["protocols"] = ["smithy-rpc-v2-cbor"]
    folder = tmp_path / "models" / service / version
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(model))
    loader.search_paths.insert(0, str(tmp_path / "models"))
    made = boto3.session.Session(botocore_session=session).client(
        service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIAFIXTURE",
        aws_secret_access_key="fixture", config=Config(retries={"total_max_attempts": 1}))  # fmt: skip
    assert made.meta.service_model.resolved_protocol == "smithy-rpc-v2-cbor"
    return made


def test_cloudwatch_in_cbor_is_journaled_with_its_parameters(aws: tuple[MockAWS, str], tmp_path: Path) -> None:
    app, url = aws
    cloudwatch = cbor_client("cloudwatch", url, tmp_path)
    metric = {"MetricName": "Latency", "Value": 1.5, "Unit": "Seconds", "Dimensions": [{"Name": "Env", "Value": "ci"}]}
    cloudwatch.put_metric_data(Namespace="App", MetricData=[metric])
    assert calls(app)[-1] == ("cloudwatch", "PutMetricData", {"Namespace": "App", "MetricData": [metric]})
    listed = cloudwatch.list_metrics(Namespace="App")["Metrics"]
    assert [(item["MetricName"], item["Dimensions"]) for item in listed] == [("Latency", metric["Dimensions"])]
    assert calls(app)[-1] == ("cloudwatch", "ListMetrics", {"Namespace": "App"})
    wanted = equal_to(
        {"Namespace": "App", "MetricData.0.Dimensions.0.Value": "ci", "MetricData.0.Value": "1.5"}, "parameter"
    )  # what AWS Should Have Received    cloudwatch    PutMetricData    ...=... checks
    assert not wanted.mismatches(app.journal.entries()[-2].subject.params)
    app.add_fault(parse_aws_fault({"when": {"service": "cloudwatch", "operation": "PutMetricData"}, "status": 400,
                                   "type": "InvalidParameterValue", "message": "injected"}, "t"), "t")  # fmt: skip
    with pytest.raises(ClientError) as failed:  # the error in CBOR, as botocore's CBOR parser reads it
        cloudwatch.put_metric_data(Namespace="App", MetricData=[metric])
    assert failed.value.response["Error"] == {"Code": "InvalidParameterValue", "Message": "injected"}


@pytest.mark.parametrize(("body", "why"), [
    (b"\x81" * 100_000 + b"\x00", b"nests deeper than 64 levels"),
    (b"\xa1\x69Namespace\x7b\xff\xff\xff\xff\xff\xff\xff\xf0", b"wants 18446744073709551600 more bytes"),
    (b"\xa1\x6aMetricData\x9b\xff\xff\xff\xff\xff\xff\xff\xff" + b"\xf6" * 64, b"ends inside an item"),
    (b"\xbf\x69Namespace\x63App", b"ends inside an item"),  # an open map without its break code
    (b"\xa1\x81\x00\x00", b"cannot be read as PutMetricData's input"),  # a list as a map key
    (b"\xfc", b"cannot be read as PutMetricData's input"),
])  # fmt: skip
def test_a_hostile_cbor_body_is_a_400_serialization_exception_in_cbor(
    aws: tuple[MockAWS, str], body: bytes, why: bytes
) -> None:
    from moto.core.cbor import loads

    app, url = aws
    scope = "Credential=AKID/20260101/us-east-1/monitoring/aws4_request"
    headers = {"authorization": f"AWS4-HMAC-SHA256 {scope}, SignedHeaders=host, Signature=0",
               "content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}  # fmt: skip
    answer = httpx.post(f"{url}/service/GraniteServiceVersion20100801/operation/PutMetricData", content=body,
                        headers=headers, timeout=30)  # fmt: skip
    assert answer.status_code == 400, answer.content
    assert answer.headers["content-type"] == "application/cbor" and answer.headers["smithy-protocol"] == "rpc-v2-cbor"
    error = loads(answer.content)
    assert error["__type"] == "SerializationException" and why in error["message"].encode(), error
    assert app.journal.entries()[-1].subject.operation == "PutMetricData"
