"""Mock AWS: moto does the services; in front of it, the pipeline names each call, pages it, breaks it, journals it.

moto (extra ``aws``) runs in this process as a WSGI application with no port of its own: the
only way to it is this application, behind the server's Host/Origin guard, faults and journal;
agents get this application's URL as ``AWS_ENDPOINT_URL``. moto's own API (``/moto-api/``:
state dumps, reset, seeding) is refused to clients (403, journaled), and moto's CORS headers
never leave (the mock sends none). Each call is identified
(:mod:`.operations`), its page number followed through the operation's paginator tokens, a
fault may replace it with an error in the operation's protocol, and otherwise it goes on to
moto unchanged. Where moto does not paginate an operation (:data:`SHIMS`: Lambda
``ListFunctions`` returns every function and no ``NextMarker``), this layer pages moto's full
answer itself, so a boto3 paginator really walks pages. :meth:`MockAWS.restore` gives every test
a moto holding exactly the seeds in scope (:mod:`.seed`), emptying and re-seeding it only when a
call may have changed it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

import httpx

from ..errors import MockServerError, RequestError
from ..mock import jsonio
from ..mock.application import MockApplication
from ..mock.conditions import Conditions, parse_conditions
from ..mock.faults import AppliedFault, Fault, parse_fault_data
from ..mock.http import Outcome, Request
from ..mock.journal import DEFAULT_LIMIT
from ..mock.pagination import InvalidPage, decode, encode
from ..mock.pipeline import Answer, Call, Route
from ..mock.scoped import ScopedList
from ..secrets import SecretRegistry
from ..validation import Validator
from ..yamlio import Path
from .operations import (
    CBOR,
    AwsRequest,
    Operation,
    UnreadableBody,
    cbor_parameters,
    error_response,
    identify,
    paginator,
    parse_output,
    protocol_of,
    rest_parameters,
    unknown_target,
)
from .seed import Seed, apply_seed

HOP_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding", "accept-encoding", "keep-alive"})
DROPPED = frozenset({"content-type", "content-encoding", "server", "date"})  # set again by this server
CORS_PREFIX = "access-control-"  # moto's flask-cors answers any origin; the mock sends no CORS headers
MOTO_API = "/moto-api"
READS = ("List", "Get", "Describe", "Head")  # operations that leave moto as it was (AWS's naming convention)
REST = ("rest-json", "rest-xml")  # protocols whose parameters travel in the path, query, headers and body
# An S3 bucket addressed virtual-hosted style: BUCKET.s3.amazonaws.com, BUCKET.s3.REGION.amazonaws.com ...
S3_VIRTUAL_HOST = re.compile(r"(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3(?:[.-](?:dualstack\.)?[a-z0-9-]+)?\.amazonaws\.com")
IN_PROCESS = "http://127.0.0.1"  # the Host moto sees: its backends are told apart by path, auth and body
FAULT_WHEN_KEYS = ("service", "operation", "page", "params")
HEADER_CODES = {  # (protocol, is it the Authorization header) -> AWS's code for a header it cannot read
    ("rest-xml", True): "AuthorizationHeaderMalformed", ("rest-xml", False): "InvalidArgument",
    ("query", True): "IncompleteSignature", ("ec2", True): "IncompleteSignature",
    ("json", True): "IncompleteSignatureException", ("rest-json", True): "IncompleteSignatureException",
}  # fmt: skip
EXTRA_HINT = "Start Mock AWS needs moto: pip install 'robotframework-agenttestlibrary[aws]' (moto, flask, flask-cors)."


@dataclass(frozen=True)
class Shim:
    """Paging moto leaves out: the list field, the request's position and size parameters, the next-position field."""

    result_key: str
    input_token: str
    output_token: str
    limit_key: str
    default_size: int


SHIMS = {("lambda", "ListFunctions"): Shim("Functions", "Marker", "NextMarker", "MaxItems", 50)}


class Moto:
    """moto's services as a WSGI application in this process, reached through :meth:`client` only (no port)."""

    def __init__(self) -> None:
        try:
            from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        except ImportError:
            raise MockServerError(EXTRA_HINT) from None
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.app = DomainDispatcherApplication(create_backend_app)

    def start(self) -> Moto:
        """Ready at once (nothing listens); returns itself for ``MockAWS(moto.start())``."""
        return self

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.WSGITransport(app=self.app), base_url=IN_PROCESS, timeout=120)

    def reset(self) -> None:
        with self.client() as client:
            client.post(f"{MOTO_API}/reset").raise_for_status()

    def stop(self) -> None:
        """Nothing runs on its own: moto's state goes with this object."""


@dataclass(frozen=True)
class AwsMatcher:
    """Conditions a fault puts on a call: service, operation, page of a paginated listing, parameters."""

    service: str | None = None
    operation: str | None = None
    page: int | None = None
    params: Conditions = field(default_factory=lambda: Conditions((), "parameter"))

    def mismatches(self, request: AwsRequest) -> list[str]:
        reasons = []
        if self.service is not None and request.service != self.service:
            reasons.append(f"service is {request.service}, fault wants {self.service}")
        if self.operation is not None and request.operation != self.operation:
            reasons.append(f"operation is {request.operation}, fault wants {self.operation}")
        if self.page is not None and request.page != self.page:
            reasons.append(f"page is {request.page}, fault wants {self.page}")
        if self.params:
            reasons.extend(self.params.mismatches(request.params))
        return reasons


class _FaultValidator(Validator):
    def matcher(self, data: Any, path: Path) -> AwsMatcher:
        raw = self.mapping(data if data is not None else {}, path, FAULT_WHEN_KEYS)
        strings = {key: self.typed(raw[key], (*path, key), str, "a string") for key in ("service", "operation")
                   if key in raw}  # fmt: skip
        page = raw.get("page")
        if page is not None and self.typed(page, (*path, "page"), int, "a page number") < 1:
            raise self.fail((*path, "page"), "pages count from 1.")
        try:
            params = parse_conditions(raw.get("params"), "parameter")
        except ValueError as error:
            raise self.fail((*path, "params"), str(error)) from None
        key, problem = unknown_target(strings.get("service"), strings.get("operation"))
        if problem:
            raise self.fail((*path, key), problem)
        return AwsMatcher(page=page, params=params, **strings)


def parse_aws_fault(data: Any, source: str) -> Fault:
    validator = _FaultValidator(source)
    return parse_fault_data(validator, data, ("faults", 0), Fault, validator.matcher)


@dataclass(frozen=True, slots=True)
class AwsResult:
    status: int
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "error": self.error}


class MockAWS(MockApplication):
    """The fault and journal layer in front of one moto server."""

    name = "mock AWS"

    def __init__(self, moto: Moto, secrets: SecretRegistry | None = None, *, journal_limit: int = DEFAULT_LIMIT,
                 region: str = "us-east-1") -> None:  # fmt: skip
        self.moto = moto
        self.region = region  # where seeds create what they create (agents get it as AWS_REGION)
        self.endpoint = AwsEndpoint(self)
        self._client = moto.client()
        self._lock = threading.Lock()
        self.seeds: ScopedList[Seed] = ScopedList()
        self._state: tuple[Seed, ...] | None = None  # the seeds moto holds and nothing else; None: it holds more
        self._pages: dict[str, int] = {}  # a position token seen in an answer -> the page it asks for
        self.start_pipeline(secrets, journal_limit=journal_limit)

    def routes(self) -> list[Route]:
        methods = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        return [Route(methods, r"(?P<path>/.*)", self.endpoint, pattern=True)]

    def blocking(self, request: Request) -> bool:
        return True  # every answer waits on moto

    def reset_counters(self) -> None:
        """A new test: fault counters and followed page tokens start again (the keyword layer empties moto)."""
        super().reset_counters()
        with self._lock:
            self._pages.clear()

    def parse_fault(self, data: Any, source: str) -> Fault:
        return parse_aws_fault(data, source)

    def scoped(self) -> tuple[ScopedList[Seed]]:
        return (self.seeds,)

    def add_seed(self, seed: Seed, scope_key: str) -> None:
        """Create what ``seed`` makes now and again whenever moto is emptied, until ``scope_key`` ends."""
        apply_seed(self._client, seed, self.region)
        self.seeds.add(seed, scope_key)
        with self._lock:
            if self._state is not None:
                self._state = (*self._state, seed)

    def restore(self) -> bool:
        """A new test: moto holds exactly the seeds in scope. Emptied and seeded again only when a call may have
        changed it (anything but List/Get/Describe/Head reached moto) or the seeds changed; whether it was."""
        wanted = self.seeds.view()
        with self._lock:
            if self._state == wanted:
                return False
            self._state = None
        self.moto.reset()
        for seed in wanted:
            apply_seed(self._client, seed, self.region)
        with self._lock:
            self._state = wanted
        return True

    def changed(self, operation: str | None) -> None:
        """A call reached moto: unless it only reads, moto may hold more than the seeds now."""
        if not (operation and operation.startswith(READS)):
            with self._lock:
                self._state = None

    def page_of(self, token: Any) -> int:
        if not token:
            return 1
        with self._lock:
            return self._pages.get(_token_key(token), 2)

    def remember(self, token: Any, page: int) -> None:
        if token:
            with self._lock:
                self._pages[_token_key(token)] = page

    def forward(self, request: Request, target: str, body: bytes) -> httpx.Response:
        headers = {key: value for key, value in request.headers.items() if key not in HOP_HEADERS}
        return self._client.request(request.method, target, content=body, headers=headers)

    def close(self) -> None:
        self._client.close()
        super().close()


class AwsEndpoint:
    protocol: str | None = "aws"
    body_format = "raw"

    def __init__(self, aws: MockAWS) -> None:
        self.aws = aws

    def error(self, status: int, message: str, param: str | None = None) -> Outcome:
        body, headers, kind = error_response(Operation("unknown", None, "rest-json"), status, "", message)
        return Outcome(status, body, content_type=kind, headers=headers)

    def malformed(self, message: str) -> Outcome:
        return self.error(400, message)

    def parse(self, call: Call) -> AwsRequest:
        request = call.request
        virtual = S3_VIRTUAL_HOST.fullmatch(request.via) if request.via else None
        if virtual:  # boto3's default S3 addressing, through the sealed network: moto and identify() read path style
            request.target = f"/{virtual['bucket']}{request.target}"
        queries = _query(request)
        query = {key: values[0] for key, values in queries.items()}
        kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"))) if kind == "application/x-www-form-urlencoded" \
            else {}  # fmt: skip
        body: Any = None
        if request.body and "json" in kind:
            try:
                body = jsonio.loads(request.body)
            except jsonio.JsonError as error:
                raise RequestError(str(error)) from None
        if request.path == MOTO_API or request.path.startswith(MOTO_API + "/"):
            raise RequestError(f"{request.path}: moto's own API is not reachable through the mock (it would read or "
                               "reset every test's state); use the keywords.", status=403)  # fmt: skip
        operation = identify(request.method, request.path, query, request.headers, form)
        unreadable = ""
        if operation.protocol in REST and operation.name:
            params = rest_parameters(operation, request.path, queries, request.headers, request.body)
        elif operation.protocol == CBOR:
            try:
                params = cbor_parameters(operation, request.body)
            except UnreadableBody as error:
                params, unreadable = {}, f"{str(error)[:1].upper()}{str(error)[1:]}."
        else:
            params = {**query, **form, **(body if isinstance(body, dict) else {})}
        number = 1
        if operation.name:
            shim = SHIMS.get((operation.service, operation.name))
            pages = paginator(operation.service, operation.name)
            tokens = (shim.input_token,) if shim else pages.input_tokens if pages else ()
            given = next((params[token] for token in tokens if params.get(token)), None)
            number = self.aws.page_of(given)
        return AwsRequest(
            operation.service, operation.name, operation.region, params, number, operation.protocol, unreadable
        )

    def answer(self, call: Call, subject: AwsRequest) -> Answer:
        if subject.unreadable:  # AWS's answer to a body it cannot read; moto never sees it
            body, headers, kind = error_response(_shape(subject), 400, "SerializationException", subject.unreadable)
            outcome = Outcome(400, body, content_type=kind, headers=headers)
            return Answer(AwsResult(400, "SerializationException"), outcome=outcome, error=subject.unreadable,
                          faultable=False)  # fmt: skip
        bad = next((name for name, value in call.request.headers.items() if not value.isascii()), None)
        if bad is None:
            return Answer(None, rule=f"{subject.service}.{subject.operation or '?'} (moto)")
        operation = _shape(subject)
        message = (f"Header '{bad}' carries non-ASCII bytes; AWS takes only ASCII header values (SigV4 signs "
                   "them as ASCII; percent-encode the value, or send it in the body).")  # fmt: skip
        code = HEADER_CODES.get((operation.protocol, bad == "authorization"), "")
        body, headers, kind = error_response(operation, 400, code, message)
        outcome = Outcome(400, body, content_type=kind, headers=headers)
        return Answer(AwsResult(400, code or "invalid header"), outcome=outcome, error=message, faultable=False)

    def fault_error(self, call: Call, subject: AwsRequest, fault: Fault) -> tuple[Outcome, AwsResult]:
        """The error in the operation's own protocol (query XML, JSON, REST); the call never reaches moto."""
        operation = _shape(subject)
        status, code = fault.status or 500, fault.error_type or ""
        body, headers, kind = error_response(operation, status, code, fault.message or _message(status))
        return Outcome(status, body, content_type=kind, headers=headers), AwsResult(status, code or "injected")

    def render(self, call: Call, subject: AwsRequest, answer: Answer, fault: AppliedFault | None) -> Outcome:
        shim = SHIMS.get((subject.service, subject.operation or ""))
        self.aws.changed(subject.operation)
        try:
            outcome = self._shimmed(call, subject, shim) if shim else self._forwarded(call, subject)
        except Exception as error:  # noqa: BLE001 - moto failing on a call is an answer to that call, not a crash
            outcome = self._refused(subject, error)
            answer.error = outcome.body.decode("utf-8", "replace") if isinstance(outcome.body, bytes) else ""
        answer.reply = AwsResult(outcome.status)
        return outcome

    def _refused(self, subject: AwsRequest, error: Exception) -> Outcome:
        """A call moto fails on (it raised): a 400 in the operation's protocol naming what moto said.

        Real AWS rejects malformed calls (a missing member, XML that does not parse) with a 400; moto
        raises instead, and a raise must not become a 5xx the test never injected."""
        operation = _shape(subject)
        message = (f"The mock (moto) could not take this call: {type(error).__name__}: {error}. AWS rejects a "
                   "malformed call with a 400; if the call is valid, moto does not support it.")  # fmt: skip
        body, headers, kind = error_response(operation, 400, "ValidationException", message)
        return Outcome(400, body, content_type=kind, headers=headers)

    def _forwarded(self, call: Call, subject: AwsRequest) -> Outcome:
        response = self.aws.forward(call.request, call.request.target, call.request.body)
        if subject.operation:
            self._follow(subject, response)
        return _outcome(response)

    def _follow(self, subject: AwsRequest, response: httpx.Response) -> None:
        """Remember the next-page token of a paginated answer, so the next request's page number is known."""
        pages = paginator(subject.service, subject.operation or "")
        if pages is None or response.status_code >= 300:
            return
        try:
            parsed = parse_output(subject.service, subject.operation or "", response.status_code,
                                  dict(response.headers), response.content)  # fmt: skip
        except Exception:  # noqa: BLE001 - a body botocore cannot read has no token to follow
            return
        for name in pages.output_tokens:
            self.aws.remember(parsed.get(name), subject.page + 1)

    def _shimmed(self, call: Call, subject: AwsRequest, shim: Shim) -> Outcome:
        request = call.request
        kept = [(key, value) for key, values in _query(request).items() for value in values
                if key not in (shim.input_token, shim.limit_key)]  # fmt: skip
        target = request.path + (f"?{urlencode(kept)}" if kept else "")
        response = self.aws.forward(request, target, request.body)
        if response.status_code >= 300:
            return _outcome(response)
        data = json.loads(response.content or b"{}")
        items = data.get(shim.result_key) or []
        try:
            offset = decode(str(subject.params[shim.input_token])) if subject.params.get(shim.input_token) else 0
        except InvalidPage as error:
            return _invalid(subject, "InvalidParameterValueException", f"{error}.")
        size = subject.params.get(shim.limit_key, shim.default_size)
        if not isinstance(size, int) or size < 1:
            return _invalid(subject, "ValidationException", f"1 validation error detected: Value '{size}' at "
                            f"'{shim.limit_key}' failed to satisfy constraint: Member must have value greater than "
                            "or equal to 1")  # fmt: skip
        size = min(size, shim.default_size)  # AWS answers at most its default page, whatever was asked
        data[shim.result_key] = items[offset : offset + size]
        data.pop(shim.output_token, None)
        if offset + size < len(items):
            data[shim.output_token] = encode(offset + size)
            self.aws.remember(data[shim.output_token], subject.page + 1)
        return Outcome(response.status_code, json.dumps(data).encode(), content_type="application/json",
                       headers=_passed_on(response))  # fmt: skip


def _shape(subject: AwsRequest) -> Operation:
    """The call as its errors are rendered: in the protocol it was written in."""
    known = subject.protocol not in ("", "unknown")
    return Operation(subject.service, subject.operation, subject.protocol if known else protocol_of(subject.service))


def _invalid(subject: AwsRequest, code: str, message: str) -> Outcome:
    body, headers, kind = error_response(_shape(subject),
                                         400, code, message)  # fmt: skip
    return Outcome(400, body, content_type=kind, headers=headers)


def _token_key(token: Any) -> str:
    """A position token as a key: text as it is, a structured one (DynamoDB's LastEvaluatedKey) as sorted JSON."""
    return token if isinstance(token, str) else json.dumps(token, sort_keys=True, default=str)


def _query(request: Request) -> dict[str, list[str]]:
    """The query with its bare keys (``?uploads``, ``?tagging``: what tells S3 operations apart)."""
    return parse_qs(request.target.partition("?")[2], keep_blank_values=True)


def _passed_on(response: httpx.Response) -> list[tuple[str, str]]:
    """moto's headers a client may see: not hop-by-hop, not set again here, no CORS."""
    return [(key, value) for key, value in response.headers.items()
            if key.lower() not in HOP_HEADERS | DROPPED and not key.lower().startswith(CORS_PREFIX)]  # fmt: skip


def _outcome(response: httpx.Response) -> Outcome:
    kind = response.headers.get("content-type", "application/octet-stream")
    return Outcome(response.status_code, response.content, content_type=kind, headers=_passed_on(response))


def _message(status: int) -> str:
    return {429: "Rate exceeded", 503: "Service unavailable"}.get(
        status, f"AgentTestLibrary injected fault: HTTP {status}"
    )
