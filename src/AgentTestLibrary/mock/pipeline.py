"""The one exchange pipeline every mock protocol runs, over HTTP and WebSocket alike.

    request ─ route table ─ guard (Host, Origin) ─┬─ admin API (token)
                                                  └─ endpoint: parse the body to a neutral request
                                                     → answer it (cassette or rules)
                                                     → pick a fault
                                                     → does the fault replace the answer? (decided here)
                                                         yes: nothing (a reset) or its error, in the
                                                              protocol's shape (``fault_error``)
                                                         no:  the endpoint renders the reply
                                                     → apply the fault's other effects
                                                     → journal what the client got

What must live here: the order of those steps, the route table, the guards, and the one
decision whether a fault replaces the answer, so every protocol journals a fault the same way:
``status`` is what the client got (:data:`NO_RESPONSE` when the connection closed without an
answer), ``reply`` is None when the client did not get the reply. A protocol is an
:class:`Endpoint` (its codec and its answers); framing lives in :mod:`.http` and
:mod:`.server`, what to break in :mod:`.faults`, the admin calls in :mod:`.admin`. Nothing
here raises into the server: any failure becomes an answer in the endpoint's shape.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..errors import RequestError
from ..secrets import SecretRegistry
from . import jsonio
from .admin import ADMIN_PREFIX, handle_admin
from .faults import AppliedFault, Fault, FaultSet, apply
from .http import HTTP_METHODS, Outcome, ProtocolError, Request, with_head
from .journal import DEFAULT_LIMIT, Journal, JournalEntry, RawJson

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
MAX_VERDICTS = 256  # Host/Origin pairs a guard remembers its verdict on
MAX_PATTERNED = 256  # patterned paths a route table remembers its answer for
ADMIN_ROOT = ADMIN_PREFIX.rstrip("/")
NO_RESPONSE = 0  # the status journaled when the client got no response at all (a reset, a hang, a dead server)
NO_RESPONSE_ERROR = "no response: the connection closed without an answer (injected fault)"


@dataclass(slots=True)
class Call:
    """One request on its way through the pipeline, as endpoints see it."""

    request: Request
    params: dict[str, str]  # what the route pattern captured (e.g. Gemini's model and method)
    body: Any  # the decoded JSON body (None when there was none)


@dataclass(slots=True)
class Answer:
    """What answers a request before faults and rendering: a neutral reply, or a finished outcome."""

    reply: Any = None
    outcome: Outcome | None = None  # e.g. a replayed cassette episode: sent as it is
    rule: str | None = None
    unmatched: bool = False
    near_miss: str = ""
    error: str = ""
    rule_error: bool = False  # the rule could not answer as written (a placeholder with no value): the test fails
    faultable: bool = True
    kind: str = "request"  # "request" counts as the agent's request; e.g. a warm-up does not


class Endpoint(Protocol):
    """One route's protocol: a codec and the answers behind it."""

    protocol: str | None
    body_format: str  # "json": the pipeline decodes the body (a 400 when it is not JSON); "raw": the endpoint does

    def parse(self, call: Call) -> Any:
        """The neutral request (a conversation, a tool call ...); None when there is nothing to fault or match."""
        ...

    def answer(self, call: Call, subject: Any) -> Answer: ...

    def render(self, call: Call, subject: Any, answer: Answer, fault: AppliedFault | None) -> Outcome:
        """The reply in the wire format. ``fault`` (one that does not replace the answer) may change the reply a
        protocol sends (MCP's ``isError``); then ``answer.reply`` becomes what was really sent."""
        ...

    def fault_error(self, call: Call, subject: Any, fault: Fault) -> tuple[Outcome, Any]:
        """What the client gets instead of the reply when the pipeline says ``fault`` replaces it: its error status
        in the protocol's shape (or the protocol's own replacement, e.g. MCP's expired session), and the neutral
        reply that outcome stands for in the journal (None when the client gets nothing)."""
        ...

    def error(self, status: int, message: str, param: str | None = None) -> Outcome:
        """An error in this protocol's shape."""
        ...

    def malformed(self, message: str) -> Outcome:
        """The answer to a body that is not JSON (a 400 for HTTP protocols, a parse error for JSON-RPC)."""
        ...


@dataclass(frozen=True)
class Route:
    methods: tuple[str, ...]
    path: str  # exact, or a regular expression with named groups when ``pattern``
    endpoint: Endpoint
    pattern: bool = False


@dataclass(frozen=True)
class Found:
    endpoint: Endpoint | None
    params: dict[str, str] = field(default_factory=dict)  # read only: an exact route's Found is shared
    allowed: tuple[str, ...] = ()  # methods the path accepts, when the method did not fit


class RouteTable:
    """Exact paths in a dict, patterned paths (e.g. Gemini's ``models/{model}:{method}``) tried in order; a client
    asks for the same patterned path again and again (its model's), so the answer for one is worked out once (a
    bounded number of them kept; a :class:`Found` is read only)."""

    def __init__(self, routes: list[Route]) -> None:
        self._exact: dict[str, dict[str, Found]] = {}  # an exact route's answer is the same every time: made once
        self._patterns: list[tuple[re.Pattern[str], Route, tuple[str, ...]]] = []
        self._patterned: dict[tuple[str, str], Found] = {}
        self.websocket_paths = tuple(route.path for route in routes if "WS" in route.methods and not route.pattern)
        for route in routes:  # a route answering GET answers HEAD: the server sends the head alone
            methods = with_head(route.methods)
            if route.pattern:
                self._patterns.append((re.compile(route.path), route, methods))
            else:
                for method in methods:
                    self._exact.setdefault(route.path, {})[method] = Found(route.endpoint)

    def find(self, method: str, path: str) -> Found:
        by_method = self._exact.get(path)
        if by_method is not None:
            found = by_method.get(method)
            return found if found is not None else Found(None, allowed=tuple(by_method))
        found = self._patterned.get((method, path))
        if found is None:
            found = self._match(method, path)
            if len(self._patterned) >= MAX_PATTERNED:
                self._patterned.clear()
            self._patterned[method, path] = found
        return found

    def _match(self, method: str, path: str) -> Found:
        for compiled, route, methods in self._patterns:
            matched = compiled.fullmatch(path)
            if matched:
                if method in methods:
                    return Found(route.endpoint, matched.groupdict())
                return Found(None, allowed=methods)
        return Found(None)


class Application(Protocol):
    """What a protocol family gives the pipeline: its routes and the shape of its generic errors."""

    name: str

    def routes(self) -> list[Route]: ...

    def shape_for(self, request: Request) -> Endpoint:
        """The endpoint whose error shape fits a request that matched no route."""
        ...

    def not_found(self, request: Request, found: Found) -> Outcome: ...

    def blocking(self, request: Request) -> bool:
        """Whether answering may wait on something slow (then it runs off the event loop)."""
        ...

    def reset(self) -> None:
        """Restart the application's counters and state (sequences, chains, fault counters ...)."""
        ...

    def parse_fault(self, data: Any, source: str) -> Fault:
        """A fault from JSON data, its ``when`` in this protocol's conditions; ScenarioError when invalid."""
        ...


AdminHandler = Callable[[Request, str], Outcome]  # (request, body text) -> answer


@dataclass
class Guard:
    """Who may talk to a mock: loopback Host names (or the bound host when opted in), no foreign Origin."""

    port: int = 0
    extra_hosts: frozenset[str] = frozenset()
    verdicts: dict[tuple[str, str | None], str] = field(default_factory=dict, repr=False, compare=False)

    def refuse(self, request: Request) -> str:
        """Why ``request`` is refused ('' when it is not). A request the egress proxy routed here (``via``) must
        name the host the client asked the proxy for, in ``Host`` and in any ``Origin``. A client sends the same
        Host and Origin every time: their verdict is worked out once (a bounded number of them kept)."""
        host = request.headers.get("host", "")  # the HTTP parser insists on one; direct calls may omit it
        if request.via:
            return self._refuse_routed(request, _host_name(host))
        key = (host, request.headers.get("origin"))
        verdict = self.verdicts.get(key)
        if verdict is None:
            if len(self.verdicts) >= MAX_VERDICTS:
                self.verdicts.clear()
            verdict = self.verdicts[key] = self._refuse_direct(host, key[1])
        return verdict

    def _refuse_direct(self, host: str, origin: str | None) -> str:
        name = _host_name(host)
        if host and name not in LOOPBACK_HOSTS and name not in self.extra_hosts:
            return (
                f"Host {host[:100]!r} is not this mock's address; use 127.0.0.1 or localhost "
                "(requests through other names are refused as DNS rebinding)."
            )
        if origin is not None:
            parts = urlsplit(origin)
            same = (parts.scheme in ("http", "https") and (parts.hostname or "") in LOOPBACK_HOSTS | self.extra_hosts
                    and parts.port == self.port)  # fmt: skip
            if not same:
                return f"Origin {origin[:100]!r} is not this mock; requests from web pages are refused."
        return ""

    @staticmethod
    def _refuse_routed(request: Request, name: str) -> str:
        if name.lower() != request.via:
            return (f"Host {name[:100]!r} is not {request.via!r}, the host this connection was opened for through "
                    "the sealed network's proxy.")  # fmt: skip
        origin = request.headers.get("origin")
        if origin is not None and (urlsplit(origin).hostname or "") != request.via:
            return f"Origin {origin[:100]!r} is not {request.via!r}; requests from web pages are refused."
        return ""


def _kept(body: Any, request: Request) -> Any:
    """What the journal keeps of a decoded body: an object or array as the bytes sent (:class:`RawJson`), anything
    else (a string, a number, null: no objects to walk) as it is."""
    return RawJson(request.body) if isinstance(body, (dict, list)) else body


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Pipeline:
    """One mock's state and its exchange path: routes, faults, journal, admin calls, secrets."""

    def __init__(
        self,
        application: Application,
        secrets: SecretRegistry | None = None,
        *,
        admin_token: str | None = None,
        journal_limit: int = DEFAULT_LIMIT,
    ) -> None:
        self.application = application
        self.secrets = SecretRegistry() if secrets is None else secrets  # an empty registry is falsy: keep it
        self.journal = Journal(journal_limit, self.secrets)
        self.faults = FaultSet()
        self.guard = Guard()
        self.admin_token = admin_token
        if admin_token:
            self.secrets.add(admin_token, owner=self)
        self.routes = RouteTable(application.routes())
        self.admin_actions: dict[tuple[str, str], tuple[AdminHandler, str]] = {}  # (method, action) -> (call, what)
        self._lock = threading.Lock()

    # -- the exchange ------------------------------------------------------------------------

    def handle(self, request: Request) -> Outcome:
        """Answer one request; never raises, so nothing a client sends can take the server down."""
        endpoint: Endpoint | None = None
        try:
            path = request.path
            admin = path.startswith(ADMIN_ROOT) and (path == ADMIN_ROOT or path.startswith(ADMIN_PREFIX))
            found = Found(None) if admin else self.routes.find(request.method, path)
            endpoint = found.endpoint
            refusal = self.guard.refuse(request)
            if refusal:
                return self.reject(request, 403, refusal, endpoint, kind="refused")
            if admin:
                return handle_admin(self, request)
            if endpoint is None and request.transport == "http" and request.method not in HTTP_METHODS:
                message = (f"{request.method[:40]} is not an HTTP method this mock implements; it answers "
                           f"{', '.join(HTTP_METHODS)}.")  # fmt: skip
                outcome = self.application.shape_for(request).error(501, message)
                self.record(request, outcome, None, error=message)
                return outcome
            if endpoint is None:
                outcome = self.application.not_found(request, found)
                self.record(request, outcome, None, error=str(outcome.body)[:300])
                return outcome
            return self._exchange(request, endpoint, found.params)
        except Exception as error:  # noqa: BLE001 - the server must survive any request
            message = f"AgentTestLibrary mock internal error: {type(error).__name__}: {error}"
            shape = endpoint or self.application.shape_for(request)
            outcome = shape.error(500, message)
            self.record(request, outcome, shape.protocol, error=message)
            return outcome

    def _exchange(self, request: Request, endpoint: Endpoint, params: dict[str, str]) -> Outcome:
        body: Any = None
        subject: Any = None
        try:
            json_body = endpoint.body_format == "json" and (request.body or request.method == "POST")
            body = jsonio.loads(request.body or b"") if json_body else None
            call = Call(request, params, body)
            subject = endpoint.parse(call)
            answer = endpoint.answer(call, subject)
        except jsonio.JsonError as error:
            message = f"{error} Send a JSON object with 'content-type: application/json'."
            outcome = endpoint.malformed(message)
            self.record(request, outcome, endpoint.protocol, error=message)
            return outcome
        except RequestError as error:
            outcome = endpoint.error(error.status, error.message, error.param)
            self.record(request, outcome, endpoint.protocol, body=_kept(body, request), subject=subject,
                        error=error.message)  # fmt: skip
            return outcome
        fault = self.faults.pick(subject) if subject is not None and answer.faultable else None
        if answer.outcome is not None:
            outcome = answer.outcome
        elif fault is not None and fault.fault.replaces_answer:
            injected = fault.fault
            answer.error = injected.error_message
            if injected.reset:
                outcome, answer.reply = Outcome(NO_RESPONSE, b""), None
            else:
                outcome, answer.reply = endpoint.fault_error(call, subject, injected)
        else:
            outcome = endpoint.render(call, subject, answer, fault)
        answered = outcome.answered if fault is None else apply(fault, outcome).answered
        protocol = endpoint.protocol if answer.kind == "request" else None
        # positional, in JournalEntry's field order: one is built per request (keywords cost twice the time)
        entry = JournalEntry(0, 0.0, request.method, request.target, outcome.status if answered else NO_RESPONSE,
                             protocol, answer.kind, request.transport, request.headers,
                             _kept(body, request), subject,
                             answer.reply if answered else None, answer.rule, answer.unmatched, answer.near_miss,
                             answer.rule_error, answer.error if answered else NO_RESPONSE_ERROR)  # fmt: skip
        if fault is not None:
            injected = fault.fault
            entry.fault, entry.broken = fault.describe(), injected.breaks_response
            entry.retry_after_s, entry.delay_s = injected.asked_wait_s, injected.delay_ms / 1000
        self._journal(request, entry)
        if outcome.feed is not None:
            outcome.feed.entry = entry  # a stream completes its entry when it knows the final reply
        return outcome

    def reject(
        self, request: Request, status: int, message: str, endpoint: Endpoint | None = None, kind: str = "request"
    ) -> Outcome:
        """An error before any endpoint answered (a guard, bad JSON, a framing error), in the right shape.

        Requests refused by a guard are journaled as ``refused``, never counted as the agent's requests.
        """
        shape = endpoint or self.application.shape_for(request)
        outcome = shape.error(status, message)
        counted = endpoint is not None and kind == "request"
        self.record(request, outcome, shape.protocol if counted else None, kind=kind, error=message)
        return outcome

    def framing_error(self, error: ProtocolError) -> Outcome:
        """The answer to bytes that are not an acceptable request (oversized, smuggled ...)."""
        head = error.head or Request("?", "/", {})
        found = self.routes.find(head.method, head.path)
        return self.reject(head, error.status, error.message, found.endpoint)

    def record(self, request: Request, outcome: Outcome, protocol: str | None, **values: Any) -> JournalEntry:
        values.setdefault("status", outcome.status)
        return self.keep(request, JournalEntry(0, 0.0, request.method, request.target, protocol=protocol, **values))

    def keep(self, request: Request, entry: JournalEntry) -> JournalEntry:
        """Journal ``entry``, the exchange of ``request``: its transport, headers and weight come from the request."""
        entry.transport, entry.received_headers = request.transport, request.headers
        return self._journal(request, entry)

    def _journal(self, request: Request, entry: JournalEntry) -> JournalEntry:
        """Journal ``entry`` (its transport and headers already the request's), weighed by the request."""
        target = request.target
        if "?" in target:  # an agent's ?access_token=... is masked wherever it shows up from now on
            self.secrets.add_parameters(target.split("?", 1)[1])
        entry.size = len(target) + sum(map(len, request.headers.values()))
        return self.journal.add(entry, len(request.body))

    def websocket_paths(self) -> tuple[str, ...]:
        return self.routes.websocket_paths

    # -- state ---------------------------------------------------------------------------------

    def close(self) -> None:
        """The mock is done: its own secrets (the admin token) leave the registry."""
        if self.admin_token:
            self.secrets.release(self)

    def reset(self) -> None:
        """Forget the journal and restart every counter (the application's and its faults')."""
        self.journal.clear()
        self.application.reset()
