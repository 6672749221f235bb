"""What a mock REST service declares (routes, collections, its error shape) and the requests it sees.

:class:`ServiceSpec` is one route file; :class:`ServiceRequest` is the neutral view of one
HTTP request (what routes and faults match, what the journal shows); :class:`ServiceResult`
is what was sent back.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import unquote

from ..clock import iso
from ..mock import jsonio
from ..mock.conditions import Conditions
from ..mock.faults import Fault
from ..mock.http import with_head
from ..mock.pagination import Paging
from ..mock.rulebook import Scripted
from ..mock.templates import Template
from ..secrets import masked_parameters

PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)([+*]?)\}")
GREEDY = {"+": ".+", "*": "(?:.*/)?"}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
VOLATILE_NAMES = ("now", "epoch", "rate")  # request values that change between two equal requests
REQUEST_NAMES = ("path", "query", "headers", "json", "form", "body", "fields", "method", "base", "now", "epoch",
                 "rate")  # fmt: skip
ERROR_NAMES = ("status", "status_text", "message", "type", "detail")  # status_text: "404", as GitHub writes it
DEFAULT_ERROR: dict[str, Any] = {
    "error": {"status": "{{status}}", "message": "{{message}}", "type": "{{type}}", "detail": "{{detail}}"}
}


@dataclass(frozen=True)
class PathTemplate:
    """``/repos/{owner}/{repo}/contents/{path+}``: one segment per ``{name}``, any rest for ``{name+}``, any rest or
    nothing for ``{name*}``: before more of the path, whole segments with their ``/`` (``/contents/{dir*}{name}``
    splits a file's folder from its name); ending the path, the ``/`` before it may be absent too
    (``/contents/{path*}`` answers ``/contents``, ``/contents/`` and ``/contents/docs/a.md``)."""

    text: str
    pattern: re.Pattern[str]

    @classmethod
    def parse(cls, text: str) -> PathTemplate:
        parts, last = [], 0
        for found in PARAM.finditer(text):
            literal, name, greedy = text[last : found.start()], found.group(1), found.group(2)
            if greedy == "*" and found.end() == len(text) and literal.endswith("/"):
                parts.append(f"{re.escape(literal[:-1])}(?:/(?P<{name}>.*))?")
            elif greedy == "*" and found.end() == len(text):
                parts.append(f"{re.escape(literal)}(?P<{name}>.*)")
            else:
                parts.append(f"{re.escape(literal)}(?P<{name}>{GREEDY.get(greedy, '[^/]+')})")
            last = found.end()
        parts.append(re.escape(text[last:]))
        return cls(text, re.compile("".join(parts)))

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        return {key: unquote(value) for key, value in found.groupdict("").items()} if found else None


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """One request as routes and faults see it; ``route`` and ``page`` are filled once a route matched."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    text: str = ""
    route: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    page: int | None = None
    match: Any = field(default=None, compare=False, repr=False)  # the route's Match, for the answer
    origin: str = "http://127.0.0.1"  # the URL the request reached (https://api.github.com through the seal)

    @property
    def fields(self) -> dict[str, Any]:
        """Query, form and JSON object fields in one mapping (what pagination parameters are read from); a form
        or query value that is a JSON array or object is decoded, as Slack's Web API takes array arguments."""
        body = self.json if isinstance(self.json, dict) else {}
        return {**{key: _decoded(value) for key, value in (*self.query.items(), *self.form.items())}, **body}

    def values(self) -> dict[str, Any]:
        """What ``{{...}}`` placeholders of a reply may name (:data:`REQUEST_NAMES`; ``base`` is this service's
        URL, ``now`` and ``epoch`` the time as ISO 8601 and as seconds with microseconds, as Slack's ``ts``)."""
        moment = time.time()
        return {"path": self.params, "query": self.query, "headers": self.headers, "json": self.json,
                "form": self.form, "body": self.text, "fields": self.fields, "method": self.method,
                "base": self.origin, "now": iso(moment)[:19] + "Z",
                "epoch": f"{moment:.6f}"}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "route": self.route, "params": self.params,
                "query": masked_parameters(self.query), "json": self.json, "form": masked_parameters(self.form),
                "page": self.page}  # fmt: skip


def _decoded(value: str) -> Any:
    if value[:1] in ("[", "{"):
        try:
            return jsonio.loads(value)
        except jsonio.JsonError:
            return value
    return value


@dataclass(frozen=True, slots=True)
class ServiceResult:
    """What a route answered, as the journal keeps it. A JSON object or list (a page of items) is kept as the bytes
    it was sent as and decoded when read: a long run keeps half the memory, and the garbage collector does not walk
    every page answered."""

    status: int
    body: Any
    rule: str | None = None
    encoded: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.body, (dict, list)):
            object.__setattr__(self, "encoded", jsonio.dumps(self.body))
            object.__setattr__(self, "body", None)

    @property
    def stored_bytes(self) -> int:
        """What the body weighs as kept (against the journal's byte cap)."""
        if self.encoded is not None:
            return len(self.encoded)
        return len(self.body) if isinstance(self.body, (str, bytes)) else 0

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "body": self.body if self.encoded is None else jsonio.loads_own(self.encoded)}


@dataclass(frozen=True)
class RouteMatcher:
    """A route's method and path template, and conditions on the query, headers, JSON body and form."""

    methods: tuple[str, ...] = ()
    path: PathTemplate | None = None
    query: Conditions = field(default_factory=lambda: Conditions((), "query parameter"))
    headers: Conditions = field(default_factory=lambda: Conditions((), "header"))
    json: Conditions = field(default_factory=lambda: Conditions((), "JSON field"))
    form: Conditions = field(default_factory=lambda: Conditions((), "form field"))

    def takes(self, method: str) -> bool:
        """Whether the route answers ``method``: any when it names none; HEAD wherever GET (HTTP requires it)."""
        return not self.methods or method in self.allowed

    @cached_property
    def allowed(self) -> tuple[str, ...]:
        """The methods it names, HEAD added where GET is (what an ``Allow`` header lists)."""
        return with_head(self.methods)

    @cached_property
    def conditions(self) -> tuple[tuple[Conditions, str], ...]:
        """The conditions it has (of query, headers, json, form), each with the request field it tests."""
        every = ((self.query, "query"), (self.headers, "headers"), (self.json, "json"), (self.form, "form"))
        return tuple((conditions, name) for conditions, name in every if conditions)

    def distance(self, request: ServiceRequest) -> float:
        """How far a request is from this route: a path that does not fit counts most, less the more of its
        leading segments agree; then a method that differs; then one for each other condition that fails."""
        reasons = self.mismatches(request)
        others = len(reasons) + (0 if self.takes(request.method) else 2)
        if self.path is None or self.path.match(request.path) is not None:
            return others
        wanted, given = self.path.text.strip("/").split("/"), request.path.strip("/").split("/")
        agreeing = 0
        for mine, theirs in zip(wanted, given, strict=False):
            if mine != theirs and not PARAM.fullmatch(mine):
                break
            agreeing += 1
        return others + 10 - agreeing / max(len(wanted), len(given)) + 0.01 * abs(len(wanted) - len(given))

    def mismatches(self, request: ServiceRequest) -> list[str]:
        reasons = []
        if self.path is not None and self.path.pattern.fullmatch(request.path) is None:
            reasons.append(f"path {request.path} does not fit {self.path.text}")
        if not self.takes(request.method):
            reasons.append(f"method is {request.method}, route wants {' or '.join(self.allowed)}")
        for conditions, name in self.conditions:
            reasons.extend(conditions.mismatches(getattr(request, name)))
        return reasons


@dataclass(frozen=True)
class Verify:
    """An inbound signature the route checks before answering (401 in the service's shape when wrong)."""

    provider: str
    secret: str


COLLECTION_VERBS = ("list", "get", "create", "update", "delete")  # what a reply may do to a collection


@dataclass(frozen=True)
class ServiceReply:
    """A reply as written. ``list``/``get``/``create``/``update``/``delete`` work on a collection; strings
    anywhere may hold ``{{path.owner}}``, ``{{query.x}}``, ``{{json.title}}``, ``{{item}}``, ``{{items}}`` ..."""

    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    json: Any = None
    text: str | None = None
    list: str | None = None
    get: str | None = None
    create: str | None = None
    update: str | None = None
    delete: str | None = None
    key: str = ""
    item: Any = None
    where: tuple[tuple[str, str], ...] = ()  # list: keep items whose field equals the filled template (when given)
    requires: tuple[tuple[str, str], ...] = ()  # (collection, key template): absent -> the ``missing`` error
    replace: bool = False  # create: an item with the same key is replaced (answered 200), not added beside it
    newest_first: bool = False  # list: the last item created comes first (Slack's history)
    paging: Paging | None = None
    add_fields: Any = None  # templated fields added to each item answered (not stored), e.g. its url
    default_fields: Any = None  # templated fields answered for an item that does not store them (a twin's html_url)
    stored_fields: Any = None  # create: templated fields stored with the new item once it has its key (its url)
    append: Any = None  # update: templated values added to the item's list fields (each value once)
    remove: Any = None  # update: templated values taken out of the item's list fields (one named alone must be there)
    translate: tuple[tuple[str, tuple[tuple[Any, Any], ...]], ...] = ()  # item field: value as sent -> as stored
    missing: tuple[int, str] = (404, "not_found")  # get/update/delete of an absent item: status and error type
    invalid_page: tuple[int, str] = (400, "")  # a page, cursor or size the mock cannot serve: status and type
    derive: tuple[tuple[str, str, str], ...] = ()  # (field, function, source field): computed when stored
    search: tuple[str, Any] | None = None  # list: (language, the query's template): what it keeps, in its order
    on_change: tuple[tuple[str, tuple[tuple[Any, Any], ...]], ...] = ()  # update: field -> (new value, fields set)
    also: tuple[tuple[str, Any], ...] = ()  # create/update: the same-key twin in another collection (a pull's issue)
    join: tuple[tuple[str, tuple[str, ...]], ...] = ()  # answered items take these fields from their twin there
    # update, delete, create replacing: (field, what the request says it holds, absent and differing answers as
    # (status, message template)): the request must name the item as it is (GitHub: a file's sha)
    expects: tuple[tuple[str, Any, tuple[int, str], tuple[int, str]], ...] = ()
    # get: a key that names no item but prefixes others' (``KEY/...``) is a folder, answered as the list of what is
    # directly in it: (the fields each item shows there, the entry template of a folder below)
    folder: tuple[tuple[str, ...], Any] | None = None

    @property
    def collection(self) -> str | None:
        return self.list or self.get or self.create or self.update or self.delete

    @cached_property
    def verb(self) -> str | None:
        """What the reply does to its collection: one of :data:`COLLECTION_VERBS` (the loader allows one), or None."""
        return next((verb for verb in COLLECTION_VERBS if getattr(self, verb) is not None), None)

    @cached_property
    def templates(self) -> ReplyTemplates:
        """Its templates, parsed once (the loader asks when the route loads, to check their names)."""
        default = "{{items}}" if self.list is not None else "{{item}}" if self.collection is not None else {}
        changes = (
            self.item if self.item is not None else {} if (self.append, self.remove) != (None, None) else "{{json}}"
        )
        return ReplyTemplates(
            key=Template(self.key),
            item=Template(changes, optional_fields=True)
            if self.create is not None or self.update is not None
            else None,
            append=Template(self.append, optional_fields=True) if self.append is not None else None,
            remove=Template(self.remove, optional_fields=True) if self.remove is not None else None,
            where=tuple((name, Template(value)) for name, value in self.where),
            requires=tuple((name, Template(value)) for name, value in self.requires),
            add_fields=Template(self.add_fields, each="item") if self.add_fields else None,
            default_fields=Template(self.default_fields, each="item") if self.default_fields else None,
            stored_fields=Template(self.stored_fields) if self.stored_fields else None,
            headers=tuple((name, Template(value)) for name, value in self.headers),
            text=Template(self.text) if self.text is not None else None,
            json=Template(self.json if self.json is not None else default),
            search=(self.search[0], Template(self.search[1])) if self.search is not None else None,
            on_change=tuple(
                (name, tuple((value, Template(sets)) for value, sets in table)) for name, table in self.on_change
            ),
            also=tuple((target, Template(twin, optional_fields=True)) for target, twin in self.also),
            join=self.join,
            expects=tuple(
                (field, Template(sent), (absent[0], Template(absent[1])), (differs[0], Template(differs[1])))
                for field, sent, absent, differs in self.expects
            ),
            folder=(self.folder[0], Template(self.folder[1])) if self.folder is not None else None,
        )

    @cached_property
    def steady(self) -> bool:
        """Whether it answers equal requests alike while its service's collections do not change: a read (``list``
        or ``get``) whose placeholders read no clock and no rate limit (:data:`VOLATILE_NAMES`)."""
        if self.list is None and self.get is None:
            return False
        placeholders = [placeholder for _, template in self.templates.parts() for placeholder in template.placeholders]
        return not any(placeholder.reads(name) for placeholder in placeholders for name in VOLATILE_NAMES)

    def names(self, params: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        """For each part of the reply, the names its placeholders may start with (``path.X`` only for a path
        parameter X of the route): what the request offers, then what the collection adds."""
        request = (*REQUEST_NAMES, *(f"path.{param}" for param in params))
        answered = request
        if self.list is not None:
            answered = (*request, "items", "total", *(("page", "next") if self.paging is not None else ()))
        elif self.collection is not None:
            answered = (*request, "item")
        with_item = (*request, "item")
        return {"key": request, "item": request, "append": request, "remove": request, "where": request,
                "requires": request,
                "search": request, "on_change": request, "also": with_item, "expects": with_item, "folder": with_item,
                "add_fields": with_item, "default_fields": with_item,
                "stored_fields": with_item, "headers": answered, "text": answered, "json": answered}  # fmt: skip


@dataclass(frozen=True)
class ReplyTemplates:
    """A reply's templates, parsed once: the key, the item written (create/update), the ``where`` filters, the
    fields added to each item, the headers, the text or JSON body (the collection's answer by default)."""

    key: Template
    item: Template | None  # a field that is one placeholder the request did not send is left out
    append: Template | None
    remove: Template | None
    where: tuple[tuple[str, Template], ...]
    requires: tuple[tuple[str, Template], ...]
    add_fields: Template | None
    default_fields: Template | None
    stored_fields: Template | None
    headers: tuple[tuple[str, Template], ...]
    text: Template | None
    json: Template
    search: tuple[str, Template] | None  # the query language and the query
    on_change: tuple[tuple[str, tuple[tuple[Any, Template], ...]], ...]  # fields set when a field takes a value
    also: tuple[tuple[str, Template], ...]  # the twin made or changed in another collection
    join: tuple[tuple[str, tuple[str, ...]], ...]  # fields answered from the twin in another collection
    expects: tuple[tuple[str, Template, tuple[int, Template], tuple[int, Template]], ...]  # the item as it must be
    folder: tuple[tuple[str, ...], Template] | None  # fields an item shows in a folder, a folder entry below

    def parts(self) -> list[tuple[str, Template]]:
        """Every template with the name of the part it fills."""
        found = [("key", self.key), ("item", self.item), ("append", self.append), ("remove", self.remove),
                 ("add_fields", self.add_fields), ("default_fields", self.default_fields),
                 ("stored_fields", self.stored_fields), ("text", self.text),
                 ("json", self.json), *(("where", template) for _, template in self.where),
                 *(("requires", template) for _, template in self.requires),
                 *(("headers", template) for _, template in self.headers),
                 *((("search", self.search[1]),) if self.search is not None else ()),
                 *(("on_change", sets) for _, table in self.on_change for _, sets in table),
                 *(("also", twin) for _, twin in self.also),
                 *(("expects", template) for _, sent, absent, differs in self.expects
                   for template in (sent, absent[1], differs[1])),
                 *((("folder", self.folder[1]),) if self.folder is not None else ())]  # fmt: skip
        return [(part, template) for part, template in found if template is not None]


@dataclass(frozen=True)
class ServiceRoute(Scripted["RouteMatcher", ServiceReply]):
    verify: Verify | None = None

    def describe(self) -> str:
        where = " ".join(part for part in (" or ".join(self.matcher.methods),
                                           self.matcher.path.text if self.matcher.path else "") if part)  # fmt: skip
        return f"route '{self.name}'" + (f" ({where})" if where else "") + (f" at {self.location}" if self.location
                                                                            else "")  # fmt: skip


@dataclass(frozen=True)
class Collection:
    """A named list of items. ``serial`` fields are numbered on create when absent, as the key is; ``refs`` names
    list fields that hold other collections' items by their key (``labels: labels``): a name sent is stored as
    that item, made from the other collection's ``make`` template (``{{key}}`` is the name) when it is new;
    ``counts`` names number fields that count another collection's items pointing at this one
    (``comments: {comments: issue_number}``), worked out whenever an item is answered."""

    name: str
    key: str = "id"
    items: tuple[Any, ...] = ()
    serial: tuple[str, ...] = ()
    refs: tuple[tuple[str, str], ...] = ()
    make: Any = None
    counts: tuple[tuple[str, str, str], ...] = ()  # (field, other collection, its field holding this item's key)
    numbered_with: tuple[str, ...] = ()  # collections whose keys share one numbering with this one's (pulls, issues)

    @cached_property
    def maker(self) -> Template:
        """The ``make`` template, parsed once; it sees the request's names and ``key``."""
        return Template(self.make or {})


@dataclass(frozen=True)
class ServiceMatcher:
    """Conditions a fault puts on a request: the route (by name), method, path, page, query and JSON body."""

    route: str | None = None
    method: str | None = None
    path: str | None = None  # a template (``/repos/{owner}/{repo}/labels``) or a literal path
    page: int | None = None
    query: Conditions = field(default_factory=lambda: Conditions((), "query parameter"))
    json: Conditions = field(default_factory=lambda: Conditions((), "JSON field"))

    def mismatches(self, request: ServiceRequest) -> list[str]:
        reasons = []
        if self.route is not None and request.route != self.route:
            reasons.append(f"route is {request.route!r}, fault wants {self.route!r}")
        if self.method is not None and request.method != self.method.upper():
            reasons.append(f"method is {request.method}, fault wants {self.method.upper()}")
        if self.path is not None and PathTemplate.parse(self.path).match(request.path) is None:
            reasons.append(f"path {request.path} does not fit {self.path}")
        if self.page is not None and (request.page or 1) != self.page:
            reasons.append(f"page is {request.page or 1}, fault wants {self.page}")
        for conditions, data in ((self.query, request.query), (self.json, request.json)):
            if conditions:
                reasons.extend(conditions.mismatches(data))
        return reasons


@dataclass(frozen=True)
class Versions:
    """API versions a request header selects (GitHub's ``X-GitHub-Api-Version``): the first is the default when the
    header is absent, one the service does not know is answered 400, the one chosen is named in ``selected``; a
    version's ``removes`` are the fields it no longer answers (left out of the answer, its items and their lists)."""

    header: str
    supported: tuple[str, ...]
    selected: str = ""  # the answer header naming the version chosen ('' for none)
    removes: tuple[tuple[str, frozenset[str]], ...] = ()  # (version, fields it no longer answers)

    def chosen(self, headers: dict[str, str]) -> str | None:
        """The version a request's headers select, or None when it names one the service does not support."""
        asked = headers.get(self.header)
        if asked is None:
            return self.supported[0]
        return asked if asked in self.supported else None

    def refusal(self, headers: dict[str, str]) -> str:
        """GitHub's words for a version it does not support."""
        known = ", ".join(f'"{version}"' + (" (most recent)" if version == max(self.supported) else "")
                          for version in sorted(self.supported, reverse=True))  # fmt: skip
        return (f'The version you specified in the "{_title(self.header)}" request header, '
                f'"{headers.get(self.header, "")[:64]}", is not a supported version. The following versions are '
                f"currently supported: {known}.")  # fmt: skip

    def answer_headers(self, headers: dict[str, str]) -> list[tuple[str, str]]:
        chosen = self.chosen(headers)
        return [(self.selected, chosen)] if self.selected and chosen is not None else []

    def removed(self, headers: dict[str, str]) -> frozenset[str]:
        """The fields the version a request selects no longer answers."""
        chosen = self.chosen(headers)
        return next((fields for version, fields in self.removes if version == chosen), frozenset())


def without(body: Any, fields: frozenset[str]) -> Any:
    """An answer without ``fields``: in the object, in each item of a list answered, and in the objects of the
    object's lists (a search's ``items``, an issue's ``labels``)."""
    if isinstance(body, list):
        return [without(item, fields) for item in body]
    if not isinstance(body, dict):
        return body
    return {key: [without(item, fields) if isinstance(item, dict) else item for item in value]
            if isinstance(value, list) else value for key, value in body.items() if key not in fields}  # fmt: skip


def _title(header: str) -> str:
    """``x-github-api-version`` as GitHub writes it: ``X-GitHub-Api-Version``."""
    return "-".join("GitHub" if part == "github" else part.capitalize() for part in header.split("-"))


@dataclass(frozen=True)
class ServiceSpec:
    name: str = "service"
    routes: tuple[ServiceRoute, ...] = ()
    collections: tuple[Collection, ...] = ()
    faults: tuple[Fault, ...] = ()
    strict: bool = True
    headers: tuple[tuple[str, str], ...] = ()  # sent with every answer
    error: Any = field(
        default_factory=lambda: DEFAULT_ERROR
    )  # the body: {{status}} {{message}} {{type}} {{detail}} ...
    rate_limit: int | None = None  # GitHub-style x-ratelimit-* headers, per test
    # other rate-limit resources: (name, limit, window in seconds, path prefixes whose requests count against it)
    rate_resources: tuple[tuple[str, int, int, tuple[str, ...]], ...] = ()
    etag: bool = False  # GET answers carry an ETag; a matching If-None-Match is answered 304 Not Modified
    versions: Versions | None = None  # a request header selecting the API version
    source: str = "<no routes>"
    description: str = ""
