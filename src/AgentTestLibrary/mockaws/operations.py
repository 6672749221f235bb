"""Which AWS service and operation a request is, its pagination tokens, and AWS's error shapes, from botocore.

The service comes from the SigV4 credential scope every SDK signs with
(``Credential=AKID/20260101/us-east-1/lambda/aws4_request``); the operation from the
service's botocore model: ``Action`` for query protocols, ``X-Amz-Target`` for JSON ones, and for
REST ones the method, the ``requestUri`` template and the query keys and headers an operation
cannot be sent without (several share a method and path: S3 ``PutObject``, ``CopyObject`` with
``x-amz-copy-source``, ``UploadPart`` with ``uploadId``). A REST call's parameters are read back
by member name (``Bucket``, ``Key``, ``FunctionName``) from its path, query, headers and body
with botocore's own parser, and a smithy-rpc-v2-cbor call's from its CBOR body with botocore's
CBOR parser, bounded (:data:`MAX_CBOR_DEPTH`, no length past the body's end): a hostile body is
:class:`UnreadableBody`, never a huge allocation. Paginators (``paginators-1``) say which
parameter carries the position and which field the next one, so any operation's page
number can be followed. Errors are rendered the way botocore parses them per protocol.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..validation import closest_first

CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
URI_PARAM = re.compile(r"\{([A-Za-z0-9_]+)(\+?)\}")
DEFAULT_CODES = {400: "ValidationException", 403: "AccessDeniedException", 404: "ResourceNotFoundException",
                 429: "ThrottlingException", 500: "InternalFailure", 503: "ServiceUnavailable"}  # fmt: skip
MAX_BLOB_TEXT = 4096  # a body larger than this is journaled as its size
# where a fault's operation named without its service is looked for
COMMON_SERVICES = ("lambda", "s3", "dynamodb", "sqs", "sns", "iam", "sts", "secretsmanager", "ssm", "kms", "logs",
                   "events", "kinesis", "cloudwatch", "ec2")  # fmt: skip
CBOR = "smithy-rpc-v2-cbor"
MAX_CBOR_DEPTH = 64  # nesting a CBOR request body may have (AWS's input shapes are far shallower)
LAMBDA_CODES = {429: "TooManyRequestsException", 500: "ServiceException"}


@dataclass(frozen=True)
class Operation:
    service: str
    name: str | None
    protocol: str
    region: str = ""


@dataclass(frozen=True)
class Paginator:
    input_tokens: tuple[str, ...]  # where the request carries the position (member names)
    output_tokens: tuple[str, ...]  # where the response carries the next one (member names)


@dataclass(frozen=True, slots=True)
class AwsRequest:
    """One AWS call as faults and the journal see it."""

    service: str
    operation: str | None
    region: str
    params: dict[str, Any] = field(default_factory=dict)
    page: int = 1
    protocol: str = ""  # the wire protocol the call used (its errors are answered in it); not journaled
    unreadable: str = ""  # why its body cannot be read (answered 400 SerializationException); not journaled

    def to_dict(self) -> dict[str, Any]:
        return {"service": self.service, "operation": self.operation, "region": self.region, "params": self.params,
                "page": self.page}  # fmt: skip


@functools.lru_cache(maxsize=1)
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@functools.lru_cache(maxsize=64)
def service_model(name: str) -> Any:
    try:
        return _session().get_service_model(name)
    except Exception:  # noqa: BLE001 - botocore raises several kinds for an unknown service
        return None


def unknown_target(service: str | None, operation: str | None) -> tuple[str, str]:
    """Which of a fault's ``service`` and ``operation`` names nothing botocore's models know, and why (``("", "")``
    when both are known). Without a service, the operation is looked for in :data:`COMMON_SERVICES`."""
    if service is not None and service_model(service) is None:
        known = _session().get_available_services()
        return "service", f"no AWS service named '{service}'; closest first: {closest_first(service, known, 12)}."
    if operation is None:
        return "", ""
    services = (service,) if service is not None else COMMON_SERVICES
    owners = {name: service_model(name).operation_names for name in services}
    if any(operation in names for names in owners.values()):
        return "", ""
    if service is not None:
        known = closest_first(operation, owners[service], 12)
        return "operation", f"{service} has no operation '{operation}'; closest first: {known}."
    known = closest_first(operation, [f"{name} ({owner})" for owner, names in owners.items() for name in names], 12)
    return "operation", (f"no operation '{operation}' in {', '.join(COMMON_SERVICES)}; closest first: {known}. "
                         "For another service, name it: service=NAME.")  # fmt: skip


def protocol_of(service: str) -> str:
    model = service_model(service)
    return str(model.protocol) if model is not None else "rest-json"


@dataclass(frozen=True)
class RestRoute:
    """One operation of a REST service as a request shows it: method, path template, the query keys its
    ``requestUri`` spells out, and the query keys and headers it cannot be sent without (botocore's
    ``required`` members): ``x-amz-copy-source`` is what tells CopyObject from PutObject, ``uploadId``
    UploadPart from PutObject, ``?tagging`` PutObjectTagging from both."""

    method: str
    pattern: re.Pattern[str]
    literal_query: tuple[tuple[str, str], ...]
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]
    name: str
    deprecated: bool
    literal: int  # characters of the path template that are not parameters

    def rank(self) -> tuple[int, int, bool, str]:
        """Most specific first: literal path and query, then required members, then not deprecated."""
        required = len(self.required_query) + len(self.required_headers)
        return -self.literal - 10 * len(self.literal_query), -required, self.deprecated, self.name

    def fits(self, method: str, path: str, query: dict[str, str], headers: dict[str, str]) -> re.Match[str] | None:
        if method != self.method or any(key not in query or (value and query[key] != value)
                                         for key, value in self.literal_query):  # fmt: skip
            return None
        if any(key not in query for key in self.required_query) or any(
            name not in headers for name in self.required_headers
        ):
            return None
        return self.pattern.fullmatch(path)


@functools.lru_cache(maxsize=64)
def _rest_routes(name: str) -> tuple[RestRoute, ...]:
    model = service_model(name)
    routes = []
    for operation in model.operation_names:
        operation_model = model.operation_model(operation)
        http = operation_model.http
        path, _, query = http.get("requestUri", "/").partition("?")
        pattern = "".join(_uri_part(part) for part in re.finditer(r"\{[A-Za-z0-9_]+\+?\}|[^{]+", path))
        shape = operation_model.input_shape
        required = [shape.members[member].serialization for member in (shape.required_members if shape else ())]
        routes.append(RestRoute(
            http.get("method", "GET"), re.compile(pattern.rstrip("/") + "/?"),
            tuple(parse_qsl(query, keep_blank_values=True)),
            tuple(wire["name"] for wire in required if wire.get("location") == "querystring"),
            tuple(wire["name"].lower() for wire in required if wire.get("location") == "header"),
            operation, bool(operation_model.deprecated), len(URI_PARAM.sub("", path)),
        ))  # fmt: skip
    return tuple(sorted(routes, key=RestRoute.rank))


def _uri_part(part: re.Match[str]) -> str:
    text = part.group(0)
    if not text.startswith("{"):
        return re.escape(text)
    name = text.strip("{}+")
    return f"(?P<{name}>.+)" if text.endswith("+}") else f"(?P<{name}>[^/]+)"


def _rest_route(service: str, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                ) -> tuple[RestRoute, re.Match[str]] | None:  # fmt: skip
    for route in _rest_routes(service):
        if match := route.fits(method, unquote(path), query, headers):
            return route, match
    return None


def identify(method: str, path: str, query: dict[str, str], headers: dict[str, str], form: dict[str, str]) -> Operation:
    """The service and operation of a call. The credential scope names the service botocore signs as, which several
    services share or spell otherwise (``monitoring`` is CloudWatch, ``states`` Step Functions, ``ses`` also SES v2,
    ``bedrock`` also Bedrock Runtime): the first of them whose model has the operation the request names wins."""
    region, signed_as = _signed_for(headers, query)
    sent = _Sent(method, path, query, headers, form)
    first = _identify_in(signed_as, sent, region) if signed_as else None
    if first is not None and first.name and _has(first):
        return first
    for service in _services_signing_as(signed_as) if signed_as else ():
        found = _identify_in(service, sent, region)
        if found is not None and found.name and _has(found):
            return found
    return first or Operation(signed_as or "unknown", None, "unknown", region)


def _signed_for(headers: dict[str, str], query: dict[str, str]) -> tuple[str, str]:
    """The region and service a call is signed for: the SigV4 scope of its ``Authorization`` header, or of a presigned
    URL's ``X-Amz-Credential``; S3 (region unknown) for SigV2, which only S3 still takes (an ``AWS key:signature``
    header, or a presigned URL's ``AWSAccessKeyId`` and ``Signature``)."""
    authorization = headers.get("authorization", "")
    presigned = query.get("X-Amz-Credential")
    scope = CREDENTIAL_SCOPE.search(f"Credential={presigned}" if presigned and not authorization else authorization)
    if scope:
        return scope.group(1), scope.group(2)
    if authorization.startswith("AWS ") or ("AWSAccessKeyId" in query and "Signature" in query):
        return "", "s3"
    return "", ""


@dataclass(frozen=True)
class _Sent:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]


def _identify_in(service: str, sent: _Sent, region: str) -> Operation | None:
    method, path, query, headers, form = sent.method, sent.path, sent.query, sent.headers, sent.form
    model = service_model(service)
    protocol = _wire_protocol(model, path, query, headers, form) if model is not None else None
    if protocol is None:
        return None
    if protocol in ("query", "ec2"):
        version = form.get("Version") or query.get("Version")
        if version and version != model.api_version:
            return Operation(service, None, protocol, region)  # another service's API under this signing name
        return Operation(service, form.get("Action") or query.get("Action"), protocol, region)
    if protocol == "json":
        prefix, _, name = headers.get("x-amz-target", "").rpartition(".")
        wanted = model.metadata.get("targetPrefix")
        return Operation(service, name if name and (not wanted or prefix == wanted) else None, protocol, region)
    if protocol == CBOR:
        return Operation(service, path.rstrip("/").rsplit("/", 1)[-1] or None, protocol, region)
    found = _rest_route(service, method, path, query, headers)
    return Operation(service, found[0].name if found else None, protocol, region)


def _wire_protocol(model: Any, path: str, query: dict[str, str], headers: dict[str, str],
                   form: dict[str, str]) -> str | None:  # fmt: skip
    """The protocol a request is written in, when the service speaks it (a model may list several: boto3 sends
    CloudWatch JSON though its first protocol is CBOR)."""
    spoken = model.metadata.get("protocols") or [model.protocol]
    if "x-amz-target" in headers:
        wire = "json"
    elif "Action" in form or "Action" in query:
        wire = "ec2" if "ec2" in spoken else "query"
    elif path.startswith("/service/") and "/operation/" in path:
        wire = CBOR
    else:
        wire = next((protocol for protocol in spoken if protocol.startswith("rest-")), "rest")
    return wire if wire in spoken else None


def _has(operation: Operation) -> bool:
    return operation.name in service_model(operation.service).operation_names


@functools.lru_cache(maxsize=1)
def _signing_index() -> dict[str, tuple[str, ...]]:
    """Services by the name they sign as; read from every model once, the first time a scope needs it (~3 s)."""
    loader = _session().get_component("data_loader")
    index: dict[str, list[str]] = {}
    for name in _session().get_available_services():
        metadata = loader.load_service_model(name, "service-2")["metadata"]
        index.setdefault(metadata.get("signingName", metadata.get("endpointPrefix", name)), []).append(name)
    return {key: tuple(names) for key, names in index.items()}


def _services_signing_as(signed_as: str) -> tuple[str, ...]:
    return tuple(name for name in _signing_index().get(signed_as, ()) if name != signed_as)


def rest_parameters(operation: Operation, path: str, query: dict[str, list[str]], headers: dict[str, str],
                    body: bytes) -> dict[str, Any]:  # fmt: skip
    """A REST call's parameters by botocore member name, as the caller passed them to boto3: from the path
    (``Bucket``, ``Key``, ``FunctionName``), the query, the headers (``CopySource``, ``Metadata``) and the body."""
    from botocore.awsrequest import HTTPHeaders
    from botocore.parsers import create_parser

    route = next((route for route in _rest_routes(operation.service) if route.name == operation.name), None)
    match = route.pattern.fullmatch(unquote(path)) if route else None
    shape = service_model(operation.service).operation_model(operation.name).input_shape if route else None
    if route is None or match is None or shape is None:
        return {}
    params: dict[str, Any] = {}
    claimed = {key for key, _ in route.literal_query}
    for name, member in shape.members.items():
        wire = member.serialization.get("name", name)
        location = member.serialization.get("location")
        if location == "uri" and wire in match.groupdict():
            params[name] = _typed(member, match.group(wire))
        elif location == "querystring" and member.type_name != "map" and wire in query:
            claimed.add(wire)
            values = [_typed(getattr(member, "member", member), value) for value in query[wire]]
            params[name] = values if member.type_name == "list" else values[0]
    rest = {key: values[0] for key, values in query.items() if key not in claimed}
    for name, member in shape.members.items():
        if member.serialization.get("location") == "querystring" and member.type_name == "map" and rest:
            params[name] = rest
    payload = shape.serialization.get("payload")
    raw = payload is not None and shape.members[payload].type_name in ("blob", "string")  # a file, an event
    if raw and body:
        params[payload] = _plain(_unchunked(headers, body))
    with contextlib.suppress(Exception):  # a body botocore cannot read: moto answers it; its params are the rest
        wire_headers = HTTPHeaders()
        for key, value in headers.items():
            wire_headers[key] = value
        parsed = create_parser(operation.protocol).parse({"status_code": 200, "headers": wire_headers,
                                                          "body": b"" if raw else body}, shape)  # fmt: skip
        parsed.pop("ResponseMetadata", None)
        params.update({key: _plain(value) for key, value in parsed.items() if value not in ({}, b"", "")})
    return params


class UnreadableBody(ValueError):
    """A request body the operation's protocol cannot read (AWS answers 400 SerializationException)."""


def cbor_parameters(operation: Operation, body: bytes) -> dict[str, Any]:
    """A smithy-rpc-v2-cbor call's parameters by member name, as botocore's CBOR parser reads its body."""
    from botocore.awsrequest import HTTPHeaders

    if not body or not _has(operation):
        return {}
    shape = service_model(operation.service).operation_model(operation.name).input_shape
    try:
        parsed = _bounded_cbor_parser()(len(body)).parse({"status_code": 200, "headers": HTTPHeaders(),
                                                          "body": body}, shape)  # fmt: skip
    except UnreadableBody:
        raise
    except (Exception, RecursionError) as error:  # noqa: BLE001 - botocore's parser raises several kinds
        raise UnreadableBody(f"the CBOR body cannot be read as {operation.name}'s input: {error}") from None
    parsed.pop("ResponseMetadata", None)
    return {key: _plain(value) for key, value in parsed.items()}


@functools.cache
def _bounded_cbor_parser() -> Any:
    """botocore's CBOR parser that refuses nesting past :data:`MAX_CBOR_DEPTH` and lengths past the body's end (it
    would otherwise ask for the memory a declared length names before finding the body shorter)."""
    from botocore.parsers import RpcV2CBORParser

    class Bounded(RpcV2CBORParser):  # type: ignore[misc]
        def __init__(self, size: int) -> None:
            super().__init__()
            self.size, self.depth = size, 0

        def parse_data_item(self, stream: Any) -> Any:
            if self.depth >= MAX_CBOR_DEPTH:
                raise UnreadableBody(f"the CBOR body nests deeper than {MAX_CBOR_DEPTH} levels")
            self.depth += 1
            try:
                return super().parse_data_item(stream)
            finally:
                self.depth -= 1

        def _read_from_stream(self, stream: Any, num_bytes: int) -> Any:
            left = self.size - stream.tell()
            if num_bytes > left:
                raise UnreadableBody(f"the CBOR body ends inside an item: it wants {num_bytes} more bytes, "
                                     f"{left} of the {self.size} are left")  # fmt: skip
            return super()._read_from_stream(stream, num_bytes)

    return Bounded


def _typed(shape: Any, text: str) -> Any:
    """A path, query or header value as the member's type says (what the caller passed)."""
    if shape.type_name in ("integer", "long") and re.fullmatch(r"-?\d{1,18}", text):
        return int(text)
    if shape.type_name == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _plain(value: Any) -> Any:
    """JSON-ready: text for small UTF-8 blobs, a size for the others, ISO text for timestamps."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8") if len(value) <= MAX_BLOB_TEXT else f"<{len(value)} bytes>"
        except UnicodeDecodeError:
            return f"<{len(value)} bytes>"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def _unchunked(headers: dict[str, str], body: bytes) -> bytes:
    """The payload of an ``aws-chunked`` body (SDKs stream uploads with checksum trailers that way)."""
    if "aws-chunked" not in headers.get("content-encoding", ""):
        return body
    data, rest = bytearray(), body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size_text = size_line.split(b";", 1)[0].strip()
        if not re.fullmatch(rb"[0-9a-fA-F]{1,8}", size_text):
            return body  # not aws-chunked framing after all: journaled as it came (moto answers it)
        size = int(size_text, 16)
        if size == 0:
            break
        data += rest[:size]
        rest = rest[size + 2 :]
    return bytes(data)


@functools.lru_cache(maxsize=256)
def paginator(service: str, operation: str) -> Paginator | None:
    try:
        config = _session().get_paginator_model(service).get_paginator(operation)
    except Exception:  # noqa: BLE001 - no paginators for this service or operation
        return None
    inputs = config["input_token"] if isinstance(config["input_token"], list) else [config["input_token"]]
    outputs = config["output_token"] if isinstance(config["output_token"], list) else [config["output_token"]]
    return Paginator(tuple(inputs), tuple(str(name).split(".")[-1] for name in outputs))


def parse_output(service: str, operation: str, status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The response as botocore's parser reads it (what boto3 would return)."""
    from botocore.parsers import create_parser

    model = service_model(service)
    operation_model = model.operation_model(operation)
    parser = create_parser(model.protocol)
    return dict(parser.parse({"status_code": status, "headers": headers, "body": body}, operation_model.output_shape))


def error_response(
    operation: Operation, status: int, code: str, message: str
) -> tuple[bytes, list[tuple[str, str]], str]:
    """(body, headers, content type) of an AWS error in the operation's protocol, as botocore parses it."""
    codes = LAMBDA_CODES if operation.service == "lambda" else {}
    code = code or codes.get(status) or DEFAULT_CODES.get(status, "InternalFailure" if status >= 500 else "BadRequest")
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-requestid", request_id)]
    if operation.protocol in ("rest-json", "json"):
        model = service_model(operation.service)
        prefix = model.metadata.get("targetPrefix", "") if model else ""
        kind = "application/x-amz-json-1.1" if operation.protocol == "json" else "application/json"
        body = {"__type": f"{prefix}#{code}" if prefix and operation.protocol == "json" else code, "message": message,
                "Message": message}  # fmt: skip
        headers.append(("x-amzn-errortype", code))
        return json.dumps(body).encode(), headers, kind
    if operation.protocol == CBOR:  # what botocore's RpcV2CBORParser reads: __type and message in a CBOR map
        from moto.core.cbor import dumps

        headers += [("smithy-protocol", "rpc-v2-cbor"), ("x-amzn-errortype", code)]
        return dumps({"__type": code, "message": message}), headers, "application/cbor"
    escaped = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if operation.protocol == "ec2":
        xml = (f"<Response><Errors><Error><Code>{code}</Code><Message>{escaped}</Message></Error></Errors>"
               f"<RequestID>{request_id}</RequestID></Response>")  # fmt: skip
    elif operation.protocol == "rest-xml":
        xml = f"<Error><Code>{code}</Code><Message>{escaped}</Message><RequestId>{request_id}</RequestId></Error>"
    else:
        kind_of = "Sender" if status < 500 else "Receiver"
        xml = (f"<ErrorResponse><Error><Type>{kind_of}</Type><Code>{code}</Code><Message>{escaped}</Message></Error>"
               f"<RequestId>{request_id}</RequestId></ErrorResponse>")  # fmt: skip
    return xml.encode(), headers, "text/xml"
