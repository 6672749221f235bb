"""AWS seed files: the boto3 calls that fill moto before a suite's tests, checked against botocore's models.

A seed file names services and, under each, the calls to make, in order, with boto3's
parameters; ``repeat: N`` makes a call N times with ``{n}`` (1..N) filled in its strings::

    version: 1
    s3:
      - CreateBucket: {Bucket: reports}
      - PutObject: {Bucket: reports, Key: "2026/q{n}.csv", Body: "a,b"}
        repeat: 4
    lambda:
      - CreateFunction: {FunctionName: "triage-{n}"}   # Runtime, Handler, Role and Code have defaults
        repeat: 120
    sqs:
      - CreateQueue: {QueueName: jobs}

Services, operations (``CreateBucket`` or ``create_bucket``) and parameters are checked with
botocore's model and validator when the file loads: a mistake names ``file:line``, the call and
the fix. Each call is serialized the way boto3 sends it and kept as raw requests, so replaying
a seed (at every test's start, after moto is emptied) is quick and never reaches the journal.
"""

from __future__ import annotations

import difflib
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from ..errors import ScenarioError
from ..validation import Validator, kind_of, parse_yaml, read_text
from ..yamlio import Path
from .operations import _session, service_model

MAX_REPEAT = 10_000
BUCKET_LOCATION = (
    '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>'
    "{region}</LocationConstraint></CreateBucketConfiguration>"
)
SEED_ROLE = "arn:aws:iam::123456789012:role/agenttest-seed"


def _handler_zip() -> bytes:
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return package.getvalue()


# Parameters a seed may leave out: (service, operation) -> what boto3 needs that a test rarely cares about.
DEFAULTS: dict[tuple[str, str], dict[str, Any]] = {
    ("lambda", "CreateFunction"): {"Runtime": "python3.12", "Handler": "index.handler", "Role": SEED_ROLE},
}
DEFAULT_BLOBS = {("lambda", "CreateFunction"): ("Code", "ZipFile")}  # filled with a one-line handler's zip
SEED_ROLE_CALL = ("iam", "CreateRole", {"RoleName": "agenttest-seed", "AssumeRolePolicyDocument": "{}"})
PREREQUISITES = {("lambda", "CreateFunction"): SEED_ROLE_CALL}  # made first when a call relies on a default Role


@dataclass(frozen=True)
class SeedRequest:
    """One serialized call: what boto3 would send (unsigned), and where the seed file asked for it."""

    service: str
    operation: str
    signing_name: str
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    place: str
    exists_ok: bool = False  # a default's prerequisite: another seed may have made it already (409)

    def signed_headers(self, region: str) -> dict[str, str]:
        """The headers with the SigV4 scope moto reads the service and region from (the signature is unchecked)."""
        scope = f"Credential=AKIAAGENTTESTSEED/20260101/{region}/{self.signing_name}/aws4_request"
        return {**self.headers, "authorization": f"AWS4-HMAC-SHA256 {scope}, SignedHeaders=host, Signature=0"}

    def body_in(self, region: str) -> bytes:
        """The body; a bucket created outside us-east-1 says where, as S3 requires (the seed need not)."""
        if (self.service, self.operation) == ("s3", "CreateBucket") and not self.body and region != "us-east-1":
            return BUCKET_LOCATION.format(region=region).encode()
        return self.body


@dataclass(frozen=True)
class Seed:
    source: str
    requests: tuple[SeedRequest, ...]

    def summary(self) -> str:
        """``lambda CreateFunction x120, s3 CreateBucket x1 ...``: what a replay makes, in one line."""
        counts = Counter(f"{request.service} {request.operation}" for request in self.requests)
        return ", ".join(f"{name} x{count}" for name, count in counts.items()) or "nothing"


def load_seed(path: str) -> Seed:
    return seed_from_text(read_text(path, "AWS seed file"), path)


def seed_from_text(text: str, source: str = "<seed>") -> Seed:
    data, lines = parse_yaml(text, source)
    return _SeedValidator(source, lines).seed(data)


class _SeedValidator(Validator):
    def __init__(self, source: str, lines: dict[Path, int] | None = None) -> None:
        super().__init__(source, lines)
        self.defaulted: dict[tuple[str, str], None] = {}  # calls that rely on a default's prerequisite

    def seed(self, data: Any) -> Seed:
        if not isinstance(data, dict) or not data:
            raise self.fail((), f"expected a mapping of AWS service names to lists of calls; got {kind_of(data)}.")
        if data.get("version", 1) != 1:
            raise self.fail(("version",), f"unsupported version {data['version']!r}; this library reads version 1.")
        services = sorted(_session().get_available_services())
        requests: list[SeedRequest] = []
        for service, calls in data.items():
            if service == "version":
                continue
            if service not in services:
                close = difflib.get_close_matches(str(service), services, n=1, cutoff=0.6)
                hint = f" Did you mean '{close[0]}'?" if close else " Use boto3's client name (s3, lambda, sqs ...)."
                raise self.fail((service,), f"unknown AWS service '{service}'.{hint}")
            for index, call in enumerate(self.items(calls, (service,), "calls, each {Operation: {parameters}}")):
                requests.extend(self.call(service, call, (service, index)))
        first = [replace(self.serialized(*PREREQUISITES[key], (), f"{self.source}: the default Role of {key[1]}"),
                         exists_ok=True) for key in self.defaulted if key in PREREQUISITES]  # fmt: skip
        return Seed(self.source, (*first, *requests))

    def call(self, service: str, data: Any, path: Path) -> list[SeedRequest]:
        from botocore import xform_name

        model = service_model(service)
        if not isinstance(data, dict) or len([key for key in data if key != "repeat"]) != 1:
            raise self.fail(path, f"expected one call, e.g. {{{model.operation_names[0]}: {{...}}}} with an optional "
                            f"'repeat: N'; got {kind_of(data)} {data!r}.")  # fmt: skip
        key = next(key for key in data if key != "repeat")
        names = {xform_name(name): name for name in model.operation_names}
        operation = key if key in model.operation_names else names.get(str(key))
        if operation is None:
            close = difflib.get_close_matches(str(key), model.operation_names, n=3, cutoff=0.6)
            hint = f" Did you mean {' or '.join(repr(name) for name in close)}?" if close else ""
            raise self.fail((*path, key), f"{service} has no operation '{key}'.{hint} Operations are botocore's names "
                            "(CreateBucket) or boto3's methods (create_bucket).")  # fmt: skip
        params = data[key] if data[key] is not None else {}
        params = self.typed(params, (*path, key), dict, f"a mapping of {operation}'s parameters")
        repeat = data.get("repeat")
        if repeat is not None and not (isinstance(repeat, int) and not isinstance(repeat, bool) and
                                       1 <= repeat <= MAX_REPEAT):  # fmt: skip
            raise self.fail((*path, "repeat"), f"expected a count from 1 to {MAX_REPEAT}; got {repeat!r}.")
        place = self.location((*path, key))
        return [self.serialized(service, operation, _filled(params, number) if repeat else params, (*path, key), place)
                for number in range(1, (repeat or 1) + 1)]  # fmt: skip

    def serialized(self, service: str, operation: str, params: dict[str, Any], path: Path,
                   place: str) -> SeedRequest:  # fmt: skip
        from botocore.exceptions import ParamValidationError
        from botocore.serialize import create_serializer

        model = service_model(service)
        defaults = DEFAULTS.get((service, operation), {})
        given = {**defaults, **params}
        blob = DEFAULT_BLOBS.get((service, operation))
        if blob and blob[0] not in params:
            given[blob[0]] = {blob[1]: _handler_zip()}
        try:
            request = create_serializer(model.protocol).serialize_to_request(given, model.operation_model(operation))
        except ParamValidationError as error:
            report = str(error).replace("\n", " ")
            raise self.fail(path, f"{service} {operation}: {report} (botocore's "
                            f"check of boto3's parameters; see its {operation} documentation).") from None  # fmt: skip
        target, _, literal = request["url_path"].partition("?")
        query = urlencode(request["query_string"], doseq=True) if isinstance(request["query_string"], dict) \
            else str(request["query_string"] or "")  # fmt: skip
        joined = "&".join(part for part in (literal, query) if part)
        body = request["body"]
        headers = {name.lower(): value.decode() if isinstance(value, bytes) else str(value)
                   for name, value in request["headers"].items()}  # fmt: skip
        if isinstance(body, dict):
            body = urlencode(body).encode()
            headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8"
        elif isinstance(body, str):
            body = body.encode()
        if "Role" in defaults and "Role" not in params:
            self.defaulted[(service, operation)] = None
        return SeedRequest(service, operation, model.signing_name or service, request["method"],
                           target + (f"?{joined}" if joined else ""), headers, bytes(body or b""), place)  # fmt: skip


def _filled(value: Any, number: int) -> Any:
    """``{n}`` in every string of a repeated call's parameters, as the repetition number."""
    if isinstance(value, str):
        return value.replace("{n}", str(number))
    if isinstance(value, dict):
        return {key: _filled(item, number) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, number) for item in value]
    return value


def apply_seed(client: Any, seed: Seed, region: str) -> None:
    """Replay a seed into moto (``client``: moto's in-process HTTP client); ScenarioError naming the call moto
    refused."""
    for request in seed.requests:
        response = client.request(request.method, request.target, content=request.body_in(region),
                                  headers=request.signed_headers(region))  # fmt: skip
        if response.status_code >= 300 and not (request.exists_ok and response.status_code == 409):
            raise ScenarioError(f"{request.place}: {request.service} {request.operation} failed in moto with HTTP "
                                f"{response.status_code}: {response.text[:400]}")  # fmt: skip
