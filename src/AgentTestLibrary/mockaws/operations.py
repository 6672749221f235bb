"""Which AWS service and operation a request is, its pagination tokens, and AWS's error shapes, from botocore.

The service comes from the SigV4 credential scope every SDK signs with
(``Credential=AKID/20260101/us-east-1/lambda/aws4_request``); the operation from the
service's botocore model: ``Action`` for query protocols, ``X-Amz-Target`` for JSON ones, the
method and ``requestUri`` template for REST ones. Paginators (``paginators-1``) say which
parameter carries the position and which field the next one, so any operation's page
number can be followed. Errors are rendered the way botocore parses them per protocol.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
URI_PARAM = re.compile(r"\{([A-Za-z0-9_]+)(\+?)\}")
DEFAULT_CODES = {400: "ValidationException", 403: "AccessDeniedException", 404: "ResourceNotFoundException",
                 429: "ThrottlingException", 500: "InternalFailure", 503: "ServiceUnavailable"}  # fmt: skip
LAMBDA_CODES = {429: "TooManyRequestsException", 500: "ServiceException"}


@dataclass(frozen=True)
class Operation:
    service: str
    name: str | None
    protocol: str
    region: str = ""


@dataclass(frozen=True)
class Paginator:
    input_tokens: tuple[str, ...]  # where the request carries the position (wire names)
    output_tokens: tuple[str, ...]  # where the response carries the next one (member names)


@dataclass(frozen=True, slots=True)
class AwsRequest:
    """One AWS call as faults and the journal see it."""

    service: str
    operation: str | None
    region: str
    params: dict[str, Any] = field(default_factory=dict)
    page: int = 1

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


def protocol_of(service: str) -> str:
    model = service_model(service)
    return str(model.protocol) if model is not None else "rest-json"


@functools.lru_cache(maxsize=64)
def _rest_routes(name: str) -> tuple[tuple[str, re.Pattern[str], tuple[tuple[str, str], ...], int, str], ...]:
    """(method, path pattern, required query pairs, literal length, operation) of a REST service, most specific
    first."""
    model = service_model(name)
    routes = []
    for operation in model.operation_names:
        http = model.operation_model(operation).http
        uri = http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        pattern = "".join(_uri_part(part) for part in re.finditer(r"\{[A-Za-z0-9_]+\+?\}|[^{]+", path))
        pairs = tuple((key, value) for key, value in parse_qsl(query, keep_blank_values=True))
        literal = len(URI_PARAM.sub("", path)) + 10 * len(pairs)
        routes.append((http.get("method", "GET"), re.compile(pattern.rstrip("/") + "/?"), pairs, literal, operation))
    return tuple(sorted(routes, key=lambda route: -route[3]))


def _uri_part(part: re.Match[str]) -> str:
    text = part.group(0)
    if not text.startswith("{"):
        return re.escape(text)
    name = text.strip("{}+")
    return f"(?P<{name}>.+)" if text.endswith("+}") else f"(?P<{name}>[^/]+)"


def identify(method: str, path: str, query: dict[str, str], headers: dict[str, str], form: dict[str, str]) -> Operation:
    scope = CREDENTIAL_SCOPE.search(headers.get("authorization", ""))
    region, service = (scope.group(1), scope.group(2)) if scope else ("", "")
    model = service_model(service) if service else None
    if model is None:
        return Operation(service or "unknown", None, "unknown", region)
    protocol = model.protocol
    if protocol in ("query", "ec2"):
        return Operation(service, form.get("Action") or query.get("Action"), protocol, region)
    if protocol == "json":
        target = headers.get("x-amz-target", "")
        return Operation(service, target.rsplit(".", 1)[-1] or None, protocol, region)
    raw_query = dict(query)
    for verb, pattern, pairs, _, operation in _rest_routes(service):
        if (
            verb == method
            and pattern.fullmatch(unquote(path))
            and all(key in raw_query and (not value or raw_query[key] == value) for key, value in pairs)
        ):
            return Operation(service, operation, protocol, region)
    return Operation(service, None, protocol, region)


@functools.lru_cache(maxsize=256)
def paginator(service: str, operation: str) -> Paginator | None:
    try:
        config = _session().get_paginator_model(service).get_paginator(operation)
    except Exception:  # noqa: BLE001 - no paginators for this service or operation
        return None
    inputs = config["input_token"] if isinstance(config["input_token"], list) else [config["input_token"]]
    outputs = config["output_token"] if isinstance(config["output_token"], list) else [config["output_token"]]
    shape = service_model(service).operation_model(operation).input_shape
    wire = tuple((shape.members[name].serialization.get("name", name) if shape and name in shape.members else name)
                 for name in inputs)  # fmt: skip
    return Paginator(wire, tuple(str(name).split(".")[-1] for name in outputs))


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
