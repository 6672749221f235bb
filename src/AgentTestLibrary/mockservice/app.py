"""One mock REST service: its routes, in-memory collections, error shape and pipeline.

Every path goes to one endpoint (:class:`ServiceEndpoint`): the request is matched against the
routes (first match wins, sequences advance, keyword routes first), its page is worked out
when the route paginates, a fault may break it, and only then does the route act on its
collection, so a faulted ``POST`` changes nothing, as a failed call would not. Collections
restart from their seeds with every test, and hold at most :data:`MAX_ITEMS` items and
:data:`MAX_BYTES` of them (as JSON) in all: past that, a create or a growing update gets 507
Insufficient Storage in the service's own error shape and changes nothing.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from ..errors import RequestError, ScenarioError
from ..mock import jsonio
from ..mock.application import MockApplication
from ..mock.conditions import MISSING, lookup, same
from ..mock.faults import AppliedFault, Fault
from ..mock.http import HTTP_METHODS, Outcome, Request
from ..mock.journal import DEFAULT_LIMIT
from ..mock.pagination import InvalidPage, link_header, page, position_of
from ..mock.pipeline import Answer, Call, Route
from ..mock.rulebook import Match, RuleBook
from ..mock.scoped import Scoped, ScopedList
from ..mock.tape import ExchangeTape
from ..mock.templates import Template, Unfilled
from ..secrets import SecretRegistry
from ..webhooks import verify
from .derive import Underivable, derived
from .loader import parse_service_fault, unknown_route
from .model import ReplyTemplates, ServiceReply, ServiceRequest, ServiceResult, ServiceRoute, ServiceSpec, without
from .search import SEARCH

RATE_WINDOW_S = 3600
NO_CHANGES = ServiceReply()  # how a twin is stored: its references made, nothing translated or derived
EXHAUSTED_RESET_S = 1
MAX_ITEMS = 10_000  # items in all of a service's collections
MAX_BYTES = 64 * 1024 * 1024  # what those items weigh as JSON
MAX_PAGES = 64  # answers of steady reads an endpoint keeps for repeats of their request
MAX_PAGE_BYTES = 1024 * 1024  # a larger answer is rendered anew for every request


class StorageFull(Exception):
    """A create or update would take the collections past their caps; answered with 507."""


def _weight(item: dict[str, Any]) -> int:
    return len(jsonio.dumps(item))


Seed = tuple[str, list[dict[str, Any]]]  # a collection's name and items to put in it


class Collections(ScopedList[Seed]):
    """The service's in-memory lists: seeded from the file (and keywords, by scope), restarted per test."""

    def __init__(self, spec: ServiceSpec, max_items: int = MAX_ITEMS, max_bytes: int = MAX_BYTES) -> None:
        self.keys = {collection.name: collection.key for collection in spec.collections}
        self.declared = {collection.name: collection for collection in spec.collections}
        self._items: dict[str, list[dict[str, Any]]] = {}
        self.max_items, self.max_bytes = max_items, max_bytes
        self._count = self._bytes = 0  # what the items hold now (seeds are counted, never refused)
        self.version = 0  # goes up with every change to the items: a page answered before is stale
        super().__init__((collection.name, list(collection.items)) for collection in spec.collections)

    def reset_counters(self) -> None:
        """The collections as seeded: what the file and the scopes still in force put in them."""
        seeds = self.view()
        with self._lock:
            self._items = {}
            self._count = self._bytes = 0
            self.version += 1
            for name, items in seeds:
                self._put(name, [dict(item) for item in items])

    def _put(self, name: str, items: list[dict[str, Any]]) -> None:
        self.version += 1
        self._items.setdefault(name, []).extend(items)
        self._count += len(items)
        self._bytes += sum(map(_weight, items))

    def _make_room(self, items: int, size: int) -> None:
        """Refuse a change that would add ``items`` items and ``size`` bytes past the caps."""
        if self._count + items > self.max_items or self._bytes + size > self.max_bytes:
            raise StorageFull(
                f"The mock service's collections hold at most {self.max_items} items and "
                f"{self.max_bytes // (1024 * 1024)} MiB (now {self._count} items, {self._bytes} bytes); "
                "delete items or start the next test."
            )

    def seed(self, name: str, items: list[dict[str, Any]], scope_key: str) -> None:
        """Items in ``name`` now and after every restart until ``scope_key`` ends."""
        with self._lock:
            self.keys.setdefault(name, "id")
            self.add((name, items), scope_key)
            self._put(name, [dict(item) for item in items])

    def items(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items.get(name, []))

    def counted(self, name: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Items as the mock answers them: each ``counts`` field set to how many of the other collection's items
        name them (worked out when read, never stored)."""
        declared = self.declared.get(name)
        if declared is None or not declared.counts or not items:
            return items
        key = self.keys.get(name, "id")
        for field, target, naming in declared.counts:
            tally = Counter(str(other.get(naming)) for other in self.items(target))
            items = [{**item, field: tally[str(item.get(key))]} for item in items]
        return items

    def find(self, name: str, key: Any) -> dict[str, Any] | None:
        field = self.keys.get(name, "id")
        return next((item for item in self.items(name) if same(key, item.get(field))), None)

    def create(self, name: str, item: dict[str, Any]) -> dict[str, Any]:
        field = self.keys.get(name, "id")
        with self._lock:
            items = self._items.setdefault(name, [])
            declared = self.declared.get(name)
            for numbered in (field, *(declared.serial if declared else ())):
                if numbered not in item:
                    shared = declared.numbered_with if declared and numbered == field else ()
                    numbers = [existing.get(numbered) for existing in items]
                    numbers += [other.get(self.keys.get(name_, "id")) for name_ in shared
                                for other in self._items.get(name_, [])]  # fmt: skip
                    whole = [number for number in numbers if isinstance(number, int) and not isinstance(number, bool)]
                    item = {numbered: max(whole, default=0) + 1, **item}
            size = _weight(item)
            self._make_room(1, size)
            items.append(item)
            self.version += 1
            self._count += 1
            self._bytes += size
            return item

    def update(self, name: str, key: Any, changes: dict[str, Any]) -> dict[str, Any] | None:
        field = self.keys.get(name, "id")
        with self._lock:
            for index, item in enumerate(self._items.get(name, [])):
                if same(key, item.get(field)):
                    updated = {**item, **changes, field: item.get(field)}
                    grows = _weight(updated) - _weight(item)
                    self._make_room(0, grows)
                    self._items[name][index] = updated
                    self.version += 1
                    self._bytes += grows
                    return updated
        return None

    def delete(self, name: str, key: Any) -> bool:
        field = self.keys.get(name, "id")
        with self._lock:
            items = self._items.get(name, [])
            kept = [item for item in items if not same(key, item.get(field))]
            self._items[name] = kept
            self.version += 1
            gone = [item for item in items if same(key, item.get(field))]
            self._count -= len(gone)
            self._bytes -= sum(map(_weight, gone))
            return bool(gone)


@dataclass(frozen=True, slots=True)
class Page:
    """A route's answer before the rate-limit headers (they count each request): the bytes sent, the ETag taken from
    those bytes, and what the journal shows (these bytes for a JSON object or list, ``shown`` otherwise)."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    content_type: str = "application/json"
    tag: str = ""
    shown: Any = None
    json: bool = False


class MockService(MockApplication):
    """A mock REST service's state and answers; serve it with ``MockServer(MockService(spec)).start()``."""

    name = "mock service"

    def __init__(self, spec: ServiceSpec, secrets: SecretRegistry | None = None, *, admin_token: str | None = None,
                 journal_limit: int = DEFAULT_LIMIT) -> None:  # fmt: skip
        self.spec = spec
        self.error_template = Template(spec.error)
        self.rulebook: RuleBook[ServiceRoute] = RuleBook(spec.routes)
        self.collections = Collections(spec)
        self.endpoint = ServiceEndpoint(self)
        self._lock = threading.Lock()
        self._used = 0
        self._reset_at = int(time.time()) + RATE_WINDOW_S  # the window's end, as GitHub's x-ratelimit-reset
        self._spent: dict[str, tuple[int, int]] = {}  # another resource (GitHub's search): used, its window's end
        self.tape: ExchangeTape | None = None  # a test's cassette: it answers instead of the routes
        self.start_pipeline(secrets, admin_token=admin_token, journal_limit=journal_limit, faults=spec.faults)
        for route in spec.routes:
            if route.verify is not None:
                self.pipeline.secrets.add(route.verify.secret)

    # -- what the pipeline asks ----------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [Route(HTTP_METHODS, r"(?P<path>/.*)", self.endpoint, pattern=True)]

    def scoped(self) -> tuple[Scoped[Any, Any], ...]:
        return (self.rulebook, self.collections)

    def parse_fault(self, data: Any, source: str) -> Fault:
        """A fault whose ``route`` (when given) names one of the service's routes now (a keyword's added ones too)."""
        fault = parse_service_fault(data, source)
        problem = unknown_route(fault, [route.name for route in self.rulebook.rules()])
        if problem:
            raise ScenarioError(f"{source}: {problem}")
        return fault

    def blocking(self, request: Request) -> bool:
        """Recording waits on the real upstream: it runs off the event loop."""
        return self.tape is not None and self.tape.may_record

    # -- state used by keywords ----------------------------------------------------------------

    def add_route(self, route: ServiceRoute, scope_key: str) -> None:
        if route.verify is not None:
            self.pipeline.secrets.add(route.verify.secret)
        self.rulebook.add(route, scope_key)

    def reset_counters(self) -> None:
        """A new test: sequences, fault counters and the rate limit start again; collections from their seeds."""
        super().reset_counters()
        with self._lock:
            self._used = 0
            self._spent = {}
        self._reset_at = int(time.time()) + RATE_WINDOW_S  # the window's end, as GitHub's x-ratelimit-reset

    def rate_state(self) -> dict[str, int]:
        """The rate limit as ``{{rate.limit}}``, ``{{rate.remaining}}``, ``{{rate.used}}``, ``{{rate.reset}}`` show it
        (GitHub's ``/rate_limit``), without counting a request; empty without ``rate_limit``."""
        limit = self.spec.rate_limit
        if limit is None:
            return {}
        with self._lock:
            used = self._used
        state: dict[str, Any] = {"limit": limit, "remaining": max(0, limit - used), "used": used,
                                 "reset": self._reset_at}  # fmt: skip
        for name, most, window_s, _ in self.spec.rate_resources:
            spent, reset = self._spend(name, window_s, 0)
            state[name] = {"limit": most, "remaining": max(0, most - spent), "used": spent, "reset": reset}
        return state

    def _spend(self, resource: str, window_s: int, counted: int) -> tuple[int, int]:
        """Count a request against a resource with a window of its own (GitHub's search: a minute): what it has
        used in this window, and when the window ends."""
        now = int(time.time())
        with self._lock:
            used, reset = self._spent.get(resource, (0, now + window_s))
            if now >= reset:
                used, reset = 0, now + window_s
            used += counted
            self._spent[resource] = (used, reset)
        return used, reset

    def rate_headers(self, exhausted: bool = False, counted: bool = True, path: str = "") -> list[tuple[str, str]]:
        """GitHub's ``x-ratelimit-*`` headers; ``counted=False`` for an answer that costs nothing (a 304). A request
        to a ``rate_resources`` path counts against that resource (GitHub's ``search``), any other against ``core``."""
        limit = self.spec.rate_limit
        if limit is None:
            return []
        resource = "core"
        for name, most, window_s, prefixes in self.spec.rate_resources:
            if path.startswith(prefixes):
                resource, limit = name, most
                used, reset_at = self._spend(name, window_s, counted)
                break
        else:
            with self._lock:
                self._used += counted
                used = self._used
            reset_at = self._reset_at
        remaining = 0 if exhausted else max(0, limit - used)
        # An injected exhaustion resets a second later: clients that wait for the reset (PyGithub's default
        # GithubRetry, githubkit's retry) retry soon instead of stalling the test for the rest of the hour.
        reset = min(reset_at, int(time.time()) + EXHAUSTED_RESET_S) if exhausted else reset_at
        return [("x-ratelimit-limit", str(limit)), ("x-ratelimit-remaining", str(remaining)),
                ("x-ratelimit-used", str(used)), ("x-ratelimit-reset", str(reset)),
                ("x-ratelimit-resource", resource)]  # fmt: skip

    def error_outcome(self, status: int, detail: str, kind: str = "", message: str = "", *,
                      exhausted: bool = False, path: str = "") -> Outcome:  # fmt: skip
        """An error in the service's shape; its template sees ``status`` (``status_text`` as text: "404"), ``message``
        (the HTTP reason unless given, as real services word it: "Not Found"), ``type`` and ``detail`` (what the mock
        has to say).
        ``exhausted``: the primary rate limit ran out (``x-ratelimit-remaining: 0``). ``path``: the request's, which
        picks the rate-limit resource it counts against (an error to GitHub's ``/search/`` spends ``search``);
        without it, ``core``."""
        values = {"status": status, "status_text": str(status), "message": message or _phrase(status),
                  "type": kind or _reason(status), "detail": detail}  # fmt: skip
        body = self.error_template.render(values)
        sent = [*self.spec.headers, *self.rate_headers(exhausted=exhausted, path=path)]
        return Outcome(status, body, headers=sent)


class ServiceEndpoint:
    """Every path of a mock service: route matching, signatures, pages, collections, templates."""

    protocol: str | None = "service"
    body_format = "raw"

    def __init__(self, service: MockService) -> None:
        self.service = service
        self._pages: dict[tuple[Any, ...], tuple[ServiceReply, Page]] = {}  # request and reply -> its page
        self._pages_version = -1  # the collections' version the kept pages were rendered from

    def error(self, status: int, message: str, param: str | None = None) -> Outcome:
        """The pipeline's generic error (a body that is not JSON, a page the route cannot serve, an internal error):
        it has no request at hand, so it counts against the ``core`` rate limit whatever the path."""
        return self.service.error_outcome(status, message)

    def malformed(self, message: str) -> Outcome:
        return self.error(400, message)

    def parse(self, call: Call) -> ServiceRequest:
        request = call.request
        kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        text = request.body.decode("utf-8", errors="replace")
        body: Any = None
        form: dict[str, str] = {}
        if request.body and (kind == "application/json" or kind.endswith("+json")):
            try:
                body = jsonio.loads(request.body)
            except jsonio.JsonError as error:
                raise RequestError(f"{error} Send JSON with 'content-type: application/json'.") from None
        elif request.body and kind == "application/x-www-form-urlencoded":
            form = dict(parse_qsl(text, keep_blank_values=True))
            self.service.pipeline.secrets.add_parameters(text)  # a form's client_secret, as a query's access_token
        query = {key: values[0] for key, values in request.query.items()}
        asked = (request.method, request.path, query, dict(request.headers), body, form, text)
        base = ServiceRequest(*asked, origin=request.origin)
        if self.service.tape is not None:
            return base  # the cassette answers, not the routes
        match: Match[ServiceRoute] = self.service.rulebook.choose(base)
        if match.rule is None:
            return ServiceRequest(*asked, match=match, origin=request.origin)
        route, reply = match.rule, match.reply
        params = route.matcher.path.match(request.path) if route.matcher.path else {}
        number = None
        if reply.paging is not None:
            try:
                number = position_of(reply.paging, base.fields)[2]
            except InvalidPage as error:
                if reply.invalid_page == (400, ""):
                    raise RequestError(f"{error}.") from None
                # the route words it (Slack: HTTP 200, invalid_cursor) when it answers
        return ServiceRequest(*asked, route.name, params or {}, number, match, request.origin)

    def answer(self, call: Call, subject: ServiceRequest) -> Answer:
        tape = self.service.tape
        if tape is not None:
            return self._taped(tape, call)
        versions = self.service.spec.versions
        if versions is not None and versions.chosen(subject.headers) is None:
            message = versions.refusal(subject.headers)
            outcome = self.service.error_outcome(400, message, message=message, path=subject.path)
            return Answer(ServiceResult(400, outcome.body), outcome, error=message, faultable=False)
        match: Match[ServiceRoute] = subject.match
        if match.rule is None:
            matchers = [rule.matcher for rule in self.service.rulebook.rules()]
            fitting = [one for one in matchers if one.path is not None and one.path.match(subject.path) is not None]
            allowed = sorted({method for matcher in fitting for method in matcher.allowed})
            status = 404 if not fitting else 422 if any(matcher.takes(subject.method) for matcher in fitting) else 405
            message = (f"No route of mock service '{self.service.spec.name}' answers {subject.method} {subject.path}"
                       f"; {match.near_miss}.")  # fmt: skip
            outcome = self.service.error_outcome(status, message, path=subject.path)
            if status == 405:
                outcome.headers.append(("allow", ", ".join(allowed)))
            outcome.headers += self._version(subject)
            return Answer(ServiceResult(status, outcome.body), outcome, unmatched=self.service.spec.strict,
                          near_miss=match.near_miss, error=message, faultable=False)  # fmt: skip
        route = match.rule
        if route.verify is not None:
            problem = verify(route.verify.provider, route.verify.secret, call.request.headers, call.request.body)
            if problem:
                message = f"Signature check failed ({route.verify.provider}): {problem}."
                outcome = self.service.error_outcome(401, message, "unauthorized", path=subject.path)
                outcome.headers += self._version(subject)
                return Answer(
                    ServiceResult(401, outcome.body), outcome, rule=route.name, error=message, faultable=False
                )
        return Answer(match.reply, rule=route.name)

    def _taped(self, tape: ExchangeTape, call: Call) -> Answer:
        """The cassette's answer (replayed or just recorded), or its error in the service's shape."""
        taped = tape.answer(call.request)
        outcome = taped.outcome or self.service.error_outcome(taped.status or 500, taped.error or "no answer",
                                                              path=call.request.path)  # fmt: skip
        body = outcome.body
        if isinstance(body, bytes):
            try:
                body = jsonio.loads(body) if body else None
            except jsonio.JsonError:
                body = body.decode("utf-8", errors="replace")
        return Answer(ServiceResult(outcome.status, body), outcome, taped.rule or None, taped.unmatched,
                      taped.near_miss, taped.error, faultable=False)  # fmt: skip

    def fault_error(self, call: Call, subject: ServiceRequest, fault: Fault) -> tuple[Outcome, ServiceResult]:
        """The error instead of the route's answer: the route does not act, so its collection does not change."""
        detail = f"AgentTestLibrary injected fault: {fault.name}"
        status = fault.status or 500
        outcome = self.service.error_outcome(status, detail, fault.error_type or "", message=fault.error_message,
                                             exhausted=_primary_limit(fault, status), path=subject.path)  # fmt: skip
        outcome.headers += self._version(subject)
        return outcome, ServiceResult(outcome.status, outcome.body)

    def _version(self, subject: ServiceRequest) -> list[tuple[str, str]]:
        """The header naming the API version the request selected (none when the service has no versions)."""
        versions = self.service.spec.versions
        return versions.answer_headers(subject.headers) if versions is not None else []

    def render(self, call: Call, subject: ServiceRequest, answer: Answer, fault: AppliedFault | None) -> Outcome:
        rule = answer.rule
        try:
            made = self._page(call, subject, answer.reply)
        except StorageFull as full:
            answer.error = str(full)
            made = self.service.error_outcome(507, answer.error, "insufficient_storage", path=subject.path)
        except Unfilled as unfilled:
            route = subject.match.rule
            answer.error = (
                f"{route.describe() if route else 'the reply'}: {unfilled}. Send that value, or give the "
                "placeholder a fallback ({{json.labels | json}}) or a default ({{json.body | null}})."
            )
            answer.rule_error = True
            # as GitHub answers a missing field; never a 5xx
            made = self.service.error_outcome(422, answer.error, path=subject.path)
        except Underivable as wrong:
            message = str(wrong)[:1].upper() + str(wrong)[1:]
            made = self.service.error_outcome(422, f"{wrong}.", "invalid", message=message, path=subject.path)
        if isinstance(made, Page):
            outcome, answer.reply = self._sent(made, call.request, rule)
        else:
            outcome, answer.reply = made, ServiceResult(made.status, made.body, rule)
        outcome.headers += self._version(subject)
        return outcome

    def _page(self, call: Call, subject: ServiceRequest, reply: ServiceReply) -> Outcome | Page:
        """The route's answer; a steady read (:attr:`ServiceReply.steady`) answers a repeat of the same request (method,
        target, headers, body) with the page it rendered last while the collections have not changed since. Every
        request is still matched, faulted, counted against the rate limit and journaled as it comes."""
        if not reply.steady:
            return self._act(call, subject, reply)
        version = self.service.collections.version  # read first: a change while rendering makes the page stale
        if version != self._pages_version or len(self._pages) >= MAX_PAGES:
            self._pages = {}
            self._pages_version = version
        request = call.request
        key = (id(reply), request.method, request.target, request.scheme, tuple(request.headers.items()), request.body)
        kept = self._pages.get(key)
        if kept is not None and kept[0] is reply:
            return kept[1]
        made = self._act(call, subject, reply)
        if isinstance(made, Page) and len(made.body) <= MAX_PAGE_BYTES and version == self._pages_version:
            self._pages[key] = (reply, made)
        return made

    def _act(self, call: Call, subject: ServiceRequest, reply: ServiceReply) -> Outcome | Page:
        """What the route does to its collection (its verb: :meth:`_list`, or an item verb of :data:`ITEM_VERBS`) and
        answers: a :class:`Page`, or an error outcome (nothing to count or cache)."""
        templates = reply.templates
        values: dict[str, Any] = subject.values()
        values["rate"] = self.service.rate_state()
        for needed, template in templates.requires:
            wanted = template.render(values)
            if self.service.collections.find(needed, wanted) is None:
                return self._missing(reply, f"No {needed} item with key {wanted!r}.", subject)
        headers: list[tuple[str, str]] = []
        done: Outcome | int | None = None
        if reply.list is not None:
            done = self._list(call, subject, reply, values, headers)
        elif reply.verb is not None:
            done = self._on_item(ITEM_VERBS[reply.verb], subject, reply, values)
        if isinstance(done, Outcome):
            return done
        status = reply.status or done or 200  # the route's, else the verb's (201 created, 204 deleted ...)
        headers += [(header, str(value.render(values))) for header, value in templates.headers]
        own = {header.lower() for header, _ in headers}  # a route's header replaces the service's of that name
        headers = [*(pair for pair in self.service.spec.headers if pair[0].lower() not in own), *headers]
        if templates.text is not None:
            text = str(templates.text.render(values))
            return Page(status, text.encode(), tuple(headers), "text/plain; charset=utf-8", shown=text)
        if status == 204:
            return Page(204, b"", tuple(headers), shown="")
        body = self._paging_fields(reply, templates.json.render(values), values)
        versions = self.service.spec.versions
        removed = versions.removed(subject.headers) if versions is not None else frozenset()
        if removed and body is not None:
            body = without(body, removed)
        if body is None:
            return Page(status, b"", tuple(headers))
        encoded = jsonio.dumps(body)  # once: the wire, the ETag and the journal take these bytes
        tag = ""
        if self.service.spec.etag and subject.method in ("GET", "HEAD") and status == 200:
            tag = f'W/"{hashlib.sha256(encoded).hexdigest()[:40]}"'
            headers.append(("etag", tag))
        kept = isinstance(body, (dict, list))
        return Page(status, encoded, tuple(headers), tag=tag, shown=None if kept else body, json=kept)

    # -- the verbs: each fills ``values`` (``items`` or ``item``) and gives an error outcome or its default status --

    def _list(self, call: Call, subject: ServiceRequest, reply: ServiceReply, values: dict[str, Any],
              headers: list[tuple[str, str]]) -> Outcome | None:  # fmt: skip
        """The items kept by the route's filters and search, newest first if asked, a page of them when it pages."""
        templates = reply.templates
        assert reply.list is not None
        filters = self._filters(templates, values)
        items = [item for item in self.service.collections.items(reply.list) if self._kept(item, filters)]
        if templates.search is not None:
            language, asked = templates.search
            items = SEARCH[language](asked.render(values))(items)
        if reply.newest_first:
            items.reverse()
        if reply.paging is None:
            values.update(items=self._decorated(reply.list, templates, items, values), total=len(items))
            return None
        try:
            chosen = page(reply.paging, items, subject.fields)
        except InvalidPage as error:
            status, kind = reply.invalid_page
            return self.service.error_outcome(status, f"{error}.", kind, path=subject.path)
        values.update(items=self._decorated(reply.list, templates, chosen.items, values), next=chosen.next_position,
                      total=chosen.total, page=chosen.number)  # fmt: skip
        if reply.paging.style == "link":
            url = f"{call.request.origin}{subject.path}"
            query = call.request.target.split("?", 1)[1] if "?" in call.request.target else ""
            link = link_header(url, query, reply.paging, chosen)
            if link:
                headers.append(("link", link))
        return None

    def _on_item(self, verb: ItemVerb, subject: ServiceRequest, reply: ServiceReply,
                 values: dict[str, Any]) -> Outcome | int | None:  # fmt: skip
        """An item verb on the route's collection at the item its key names, then what every item answer shares: an
        absent item is the route's ``missing`` error, a present one is answered with its added and joined fields."""
        name = reply.collection
        assert name is not None
        key = reply.templates.key.render(values)
        done = verb(self, name, key, subject, reply, values)
        if isinstance(done, Outcome):
            return done
        if values["item"] is None:
            return self._missing(reply, f"No {name} item with key {key!r}.", subject)
        if isinstance(values["item"], dict):  # (a folder's list is decorated already)
            values["item"] = self._decorated(name, reply.templates, [values["item"]], values)[0]
        return done

    def _create(self, name: str, key: Any, subject: ServiceRequest, reply: ServiceReply,
                values: dict[str, Any]) -> Outcome | int:  # fmt: skip
        """A new item from the request (201), or one replacing the item of its key when the route replaces (200);
        its twins follow."""
        collections, templates = self.service.collections, reply.templates
        assert templates.item is not None
        item = templates.item.render(values)
        if not isinstance(item, dict):
            return self.service.error_outcome(422, f"Expected a JSON object to create a {name} item.",
                                              path=subject.path)  # fmt: skip
        item = self._stored(name, item, reply, values, creating=True)
        field = collections.keys.get(name, "id")
        replaced = collections.find(name, item[field]) if reply.replace and field in item else None
        if replaced is not None:
            refused = self._unexpected(templates, replaced, values, subject.path)
            if refused is not None:
                return refused
            collections.delete(name, item[field])
        values["item"] = collections.create(name, item)
        if templates.stored_fields is not None:
            created = values["item"]
            kept = templates.stored_fields.render(values)
            values["item"] = collections.update(name, created[collections.keys[name]], kept) or created
        for target, template in templates.also:
            twin = self._stored(target, template.render(values), NO_CHANGES, values, creating=True)
            collections.create(target, {**twin, collections.keys.get(target, "id"):
                                        values["item"][collections.keys.get(name, "id")]})  # fmt: skip
        return 200 if replaced is not None else 201

    def _get(self, name: str, key: Any, subject: ServiceRequest, reply: ServiceReply, values: dict[str, Any]) -> None:
        """The item of the key, or, where the route has folders, the folder the key names (the items in it)."""
        templates = reply.templates
        values["item"] = self.service.collections.find(name, key)
        if values["item"] is None and templates.folder is not None:
            listed = self._folder(name, str(key), templates.folder, values)
            if listed:
                values["item"] = self._decorated(name, templates, listed, values)

    def _update(self, name: str, key: Any, subject: ServiceRequest, reply: ServiceReply,
                values: dict[str, Any]) -> Outcome | None:  # fmt: skip
        """The item of the key changed as the request says (values appended to or removed from its lists, fields
        derived, consequences of the change); its twins follow."""
        collections, templates = self.service.collections, reply.templates
        assert templates.item is not None
        changes = templates.item.render(values)
        changes = self._stored(name, changes if isinstance(changes, dict) else {}, reply, values)
        current = collections.find(name, key)
        if current is None:
            values["item"] = None
            return None
        refused = self._unexpected(templates, current, values, subject.path)
        if refused is not None:
            return refused
        if templates.append is not None:
            changes = {**changes, **self._appended(name, current, templates.append, values)}
        if templates.remove is not None:
            taken = self._removed(name, current, templates.remove, values)
            if taken is None:
                return self._missing(reply, f"The {name} item {key!r} does not hold what the request removes.", subject)
            changes = {**changes, **taken}
        if templates.append is not None or templates.remove is not None:
            changes = derived(changes, reply.derive)  # from the lists as they now are
        changes = {**self._consequences(templates, current, changes, values), **changes}
        values["item"] = collections.update(name, key, changes)
        if values["item"] is not None:
            own = values["item"][collections.keys.get(name, "id")]
            for target, template in templates.also:  # its twin follows, when it has one
                collections.update(target, own, self._stored(target, template.render(values), NO_CHANGES, values))
        return None

    def _delete(self, name: str, key: Any, subject: ServiceRequest, reply: ServiceReply,
                values: dict[str, Any]) -> Outcome | int:  # fmt: skip
        """The item of the key gone (204), when the request names it as it is (the route's ``expects``)."""
        collections, templates = self.service.collections, reply.templates
        current = collections.find(name, key) if templates.expects else None
        if current is not None:
            refused = self._unexpected(templates, current, values, subject.path)
            if refused is not None:
                return refused
        values["item"] = {} if collections.delete(name, key) else None
        return 204

    def _missing(self, reply: ServiceReply, message: str, subject: ServiceRequest) -> Outcome:
        """The route's answer for an item that is not there (its ``missing`` status and error type)."""
        status, kind = reply.missing
        return self.service.error_outcome(status, message, kind, path=subject.path)

    def _sent(self, page: Page, request: Request, rule: str | None) -> tuple[Outcome, ServiceResult]:
        """A page as this request gets it, and as the journal keeps it: a 304 when ``If-None-Match`` names its ETag
        (not counted against the rate limit), else the page, with the rate-limit headers counting this request."""
        if page.tag and _names(page.tag, request.headers.get("if-none-match", "")):
            return (Outcome(304, b"", headers=[*page.headers, *self.service.rate_headers(False, False, request.path)]),
                    ServiceResult(304, "", rule))  # fmt: skip
        outcome = Outcome(page.status, page.body, content_type=page.content_type,
                          headers=[*page.headers, *self.service.rate_headers(path=request.path)])  # fmt: skip
        if page.json:
            return outcome, ServiceResult(page.status, None, rule, encoded=page.body)
        return outcome, ServiceResult(page.status, page.shown, rule)

    def _stored(self, name: str, item: dict[str, Any], reply: ServiceReply, values: dict[str, Any],
                creating: bool = False) -> dict[str, Any]:  # fmt: skip
        """An item as the collection keeps it: its values translated and derived, names in ``refs`` fields made
        into items (a new item without such a field gets an empty list)."""
        for field, table in reply.translate:
            wanted = item.get(field)
            for sent, kept in table:
                if same(sent, wanted) if sent is not None else wanted is None:
                    item = {**item, field: kept}
                    break
        declared = self.service.collections.declared.get(name)
        for field, target in declared.refs if declared else ():
            if field in item or creating:
                item = {**item, field: self._referenced(target, item.get(field, []), values)}
        return derived(item, reply.derive)  # after the references: ``first`` of assignees is a user object

    @staticmethod
    def _consequences(templates: ReplyTemplates, current: dict[str, Any], changes: dict[str, Any],
                      values: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        """The fields ``on_change`` sets because a field takes a new value (closing an issue stamps
        ``closed_at``); what the request itself sends wins over them."""
        consequences: dict[str, Any] = {}
        for field, table in templates.on_change:
            if field not in changes or same(changes[field], current.get(field)):
                continue
            for value, sets in table:
                if same(value, changes[field]):
                    consequences.update(sets.render(values))
        return consequences

    def _referenced(self, target: str, sent: Any, values: dict[str, Any]) -> list[Any]:
        """Each name (or object with the key) in ``sent`` as the ``target`` collection's item, made when new."""
        collections = self.service.collections
        field = collections.keys.get(target, "id")
        found: list[Any] = []
        for entry in sent if isinstance(sent, list) else [sent]:
            key = entry.get(field) if isinstance(entry, dict) else entry
            if key is None or any(same(key, known.get(field)) for known in found):
                continue
            item = collections.find(target, key)
            if item is None:
                made = collections.declared[target].maker.render({**values, "key": key})
                item = collections.create(target, {**(made if isinstance(made, dict) else {}), field: key})
            found.append(item)
        return found

    def _folder(self, name: str, key: str, folder: tuple[tuple[str, ...], Template],
                values: dict[str, Any]) -> list[dict[str, Any]]:  # fmt: skip
        """What is directly in folder ``key`` (items whose key is ``key/NAME``, with the fields ``folder`` shows, and
        an entry for each folder below: its template sees ``item.name``, ``item.path`` and ``item.digest``, a hash of
        what it holds), by name; empty when no item's key starts with ``key/``. An empty key (or ``/``) is the root:
        every item is in it (GitHub's ``/contents/``)."""
        folder_key = key.rstrip("/")
        prefix = f"{folder_key}/" if folder_key else ""
        field = self.service.collections.keys.get(name, "id")
        shown, entry = folder
        files: list[dict[str, Any]] = []
        below: dict[str, list[dict[str, Any]]] = {}
        for item in self.service.collections.items(name):
            path = str(item.get(field, ""))
            if path.startswith(prefix):
                inner = path[len(prefix) :]
                if "/" in inner:
                    below.setdefault(inner.split("/", 1)[0], []).append(item)
                else:
                    files.append({part: item[part] for part in shown if part in item} if shown else dict(item))
        folders = [entry.render({**values, "item": {"name": inner, "path": prefix + inner,
                                                     "digest": hashlib.sha1(jsonio.dumps(held),
                                                                            usedforsecurity=False).hexdigest()}})
                   for inner, held in below.items()]  # fmt: skip
        return sorted([*files, *folders], key=lambda listed: str(listed.get("name", listed.get(field, ""))))

    def _unexpected(self, templates: ReplyTemplates, current: dict[str, Any], values: dict[str, Any],
                    path: str) -> Outcome | None:  # fmt: skip
        """The answer when the request does not name the item as it is (``expects``; GitHub: a file's ``sha``
        missing is a 422, another blob's a 409), or None when it does."""
        scope = {**values, "item": current}
        for field, sent, absent, differs in templates.expects:
            try:
                said = sent.render(scope)
            except Unfilled:
                said = None
            if said is not None and said != "" and same(said, current.get(field)):
                continue
            status, message = absent if said is None or said == "" else differs
            text = str(message.render(scope))
            return self.service.error_outcome(status, text, message=text, path=path)
        return None

    def _appended(self, name: str, current: dict[str, Any], append: Template,
                  values: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        """The item's list fields with the values ``append`` names added (each once, in the order sent)."""
        declared = self.service.collections.declared.get(name)
        refs = dict(declared.refs) if declared else {}
        changes: dict[str, Any] = {}
        for field, sent in append.render(values).items():
            if sent is None:
                continue
            added = sent if isinstance(sent, list) else [sent]
            before = current.get(field)
            existing: list[Any] = before if isinstance(before, list) else []
            if field in refs:
                changes[field] = self._referenced(refs[field], [*existing, *added], values)
            else:
                changes[field] = [*existing, *(value for value in added if value not in existing)]
        return changes

    def _removed(self, name: str, current: dict[str, Any], remove: Template,
                 values: dict[str, Any]) -> dict[str, Any] | None:  # fmt: skip
        """The item's list fields without the values ``remove`` names (an object by its key when the field refers to
        another collection); None when a value named alone is not there (GitHub: 404 for a label not on the issue)."""
        declared = self.service.collections.declared.get(name)
        refs = dict(declared.refs) if declared else {}
        changes: dict[str, Any] = {}
        for field, sent in remove.render(values).items():
            if sent is None:
                continue
            gone = sent if isinstance(sent, list) else [sent]
            before = current.get(field)
            existing: list[Any] = before if isinstance(before, list) else []
            key = self.service.collections.keys.get(refs[field], "id") if field in refs else None
            kept = [entry for entry in existing
                    if not any(same(value, _named(entry, key)) for value in gone)]  # fmt: skip
            if not isinstance(sent, list) and len(kept) == len(existing):
                return None
            changes[field] = kept
        return changes

    def _decorated(self, name: str, templates: ReplyTemplates, items: list[dict[str, Any]],
                   values: dict[str, Any]) -> list[dict[str, Any]]:  # fmt: skip
        """Items as answered: with their collection's ``counts`` worked out, the reply's ``default_fields`` filled
        for each that does not store them and its ``add_fields`` for each (``{{item.x}}`` is that item's)."""
        items = self._joined(templates, self.service.collections.counted(name, items))
        defaults = templates.default_fields
        if defaults is not None:
            items = [{**added, **item} for item, added in zip(items, defaults.render_each(values, items), strict=True)]
        fields = templates.add_fields
        if fields is None:
            return items
        return [{**item, **added} for item, added in zip(items, fields.render_each(values, items), strict=True)]

    def _joined(self, templates: ReplyTemplates, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Items with the ``join`` fields of the other collection's item that has the same key (a pull's labels from
        its issue), counted as that collection counts them."""
        collections = self.service.collections
        for target, fields in templates.join:
            key = collections.keys.get(target, "id")
            twins = {str(twin.get(key)): twin for twin in collections.counted(target, collections.items(target))}
            items = [{**item, **{field: twin[field] for field in fields if field in twin}}
                     if (twin := twins.get(str(item.get(key)))) is not None else item for item in items]  # fmt: skip
        return items

    @staticmethod
    def _filters(templates: ReplyTemplates, values: dict[str, Any]) -> list[tuple[list[str], Any]]:
        """The reply's ``where`` for this request, filled once: each field's names (``thread_ts|ts`` passes when
        either does) and the value wanted; a placeholder the request did not fill, or filled empty, filters nothing."""
        filters = []
        for field, template in templates.where:
            try:
                wanted = template.render(values)
            except Unfilled:
                continue  # the request did not ask to filter on this field
            if wanted not in (None, ""):
                filters.append((field.split("|"), wanted))
        return filters

    @staticmethod
    def _kept(item: dict[str, Any], filters: list[tuple[list[str], Any]]) -> bool:
        """Whether the item passes every filter of :meth:`_filters`."""
        for names, wanted in filters:
            found = [value for name in names if (value := lookup(item, name)) is not MISSING]
            if not any(same(wanted, value) for value in found):
                return False
        return True

    @staticmethod
    def _paging_fields(reply: ServiceReply, body: Any, values: dict[str, Any]) -> Any:
        """Cursor, token and offset styles carry their next position (or total) in the body."""
        paging = reply.paging
        if paging is None or paging.style == "link" or not isinstance(body, dict):
            return body
        value: Any = values.get("next")
        if paging.style == "offset":
            value = values.get("total")
        elif paging.style == "cursor" and value is None:
            value = ""  # Slack's convention: an empty cursor on the last page
        elif value is None:
            return body  # AWS's convention: no token on the last page
        target = body
        parts = paging.name("next").split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {}) if isinstance(target.get(part, {}), dict) else {}
        target[parts[-1]] = value
        return body


ItemVerb = Callable[[ServiceEndpoint, str, Any, ServiceRequest, ServiceReply, dict[str, Any]], Outcome | int | None]
# The verbs on one item of a collection, by their name in a route (``list`` is :meth:`ServiceEndpoint._list`).
ITEM_VERBS: dict[str, ItemVerb] = {
    "create": ServiceEndpoint._create,
    "get": ServiceEndpoint._get,
    "update": ServiceEndpoint._update,
    "delete": ServiceEndpoint._delete,
}


def _named(entry: Any, key: str | None) -> Any:
    """What names a list entry: its key when it is another collection's item, else the entry itself."""
    return entry.get(key) if key is not None and isinstance(entry, dict) else entry


def _names(tag: str, if_none_match: str) -> bool:
    """Whether an If-None-Match header names the ETag (weak comparison, as GETs use; ``*`` names any)."""
    asked = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in asked or tag.removeprefix("W/") in asked


def _primary_limit(fault: Fault, status: int) -> bool:
    """A fault that spends the primary rate limit: a 429, or a 403 that says "rate limit", without a Retry-After
    (with one it is GitHub's secondary limit, whose answers keep requests remaining; a plain 403 is a refusal)."""
    if fault.retry_after is not None or fault.retry_after_ms is not None:
        return False
    return status == 429 or (status == 403 and "rate limit" in fault.error_message.lower())


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _reason(status: int) -> str:
    return _phrase(status).lower().replace(" ", "_")
