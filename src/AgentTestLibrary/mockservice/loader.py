"""Load and validate route files for mock REST services; errors name file:line, the key and the fix.

version: 1
extends: github                 # optional: a built-in preset whose routes come after these
service:
  strict: true                  # unmatched requests fail the test at its end (the closest route named)
  headers: {x-api-version: "1"} # sent with every answer
  rate_limit: 5000              # GitHub-style x-ratelimit-* headers, counted per test
  etag: true                    # GET answers carry an ETag; If-None-Match with it gets 304 Not Modified
  versions: {header: x-api-version, supported: ["2022-11-28", "2026-03-10"], selected: x-api-version-selected}
                                # the first is the default; another version is answered 400
  error: {message: "{{message}}", status: "{{status}}"}   # the body of every error this service sends
collections:
  issues: {key: number, serial: [id], refs: {labels: labels}, items: [{number: 1, title: First, state: open}]}
  labels: {key: name, serial: [id], make: {color: ededed, default: false, description: null}}
  #   counts: {comments: {comments: issue_number}}   # a field counting another collection's items that name it
routes:
  - name: list issues
    method: GET                 # or [GET, HEAD]; absent: any method
    path: /repos/{owner}/{repo}/issues        # {name} one segment, {name+} the rest, {name*} the rest or nothing
    when: {query: {state: open}, headers: {...}, json: {...}, form: {...}}
    verify: {provider: github, secret_env: WEBHOOK_SECRET}   # 401 when the signature is wrong
    reply:
      list: issues              # or get / create / update / delete: issues (with key and item)
      where: {state: "{{query.state}}"}   # a field "a|b" passes when either equals
      newest_first: false       # list: the last item created first
      paginate: {style: link, size: 30}        # link | cursor | token | offset
      json: "{{items}}"         # templates: {{path.x}} {{query.x}} {{json.x}} {{item}} {{items}} {{next}}
                                #   {{json.labels | json}} (first with a value), {{json.body | null}} (a default)
      status: 200
      headers: {etag: abc}
      append: {labels: "{{json.labels}}"}      # update: add to the item's list field (each value once)
      remove: {labels: "{{path.name}}"}        # update: take out of it (one value named alone must be there)
      stored_fields: {url: "{{base}}/issues/{{item.number}}"}   # create: stored once the item has its key
      requires: {issues: "{{path.number}}"}    # that item must exist, else the missing: error (404)
      replace: true                             # create: an item with the same key is replaced (200)
      translate: {state: {APPROVE: APPROVED, ~: PENDING}}   # a stored field's value as sent -> as stored (~: absent)
      missing: {status: 200, type: channel_not_found}       # get/update/delete of an absent item
      derive: {size: {base64_size: content}, sha: {base64_git_sha: content}}   # computed from a stored field
      search: {github: "{{query.q}}"}           # list: keep what the query finds, in its order (search.py)
      on_change: {state: {closed: {closed_at: "{{now}}"}}}   # update: a field taking a value sets others
    # or sequence: [reply, reply, ...]
faults: [{when: {route: list issues, page: 3}, status: 500}]
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import replace
from pathlib import Path as FilePath
from typing import Any

from ..errors import ScenarioError
from ..mock.conditions import Conditions, parse_conditions
from ..mock.faults import Fault, fault_fields, parse_fault_data
from ..mock.pagination import STYLES, Paging
from ..mock.templates import Template
from ..validation import Validator, closest_first, parse_yaml, read_text
from ..webhooks import PROVIDERS
from ..yamlio import Path
from .derive import DERIVE
from .model import (
    COLLECTION_VERBS,
    ERROR_NAMES,
    METHODS,
    PARAM,
    REQUEST_NAMES,
    Collection,
    PathTemplate,
    RouteMatcher,
    ServiceMatcher,
    ServiceReply,
    ServiceRoute,
    ServiceSpec,
    Verify,
    Versions,
)
from .search import SEARCH

PRESETS = FilePath(__file__).parent / "presets"
TOP_KEYS = ("version", "extends", "service", "collections", "routes", "faults")
SERVICE_KEYS = ("description", "strict", "headers", "rate_limit", "rate_resources", "error", "etag", "versions")
RATE_RESOURCE_KEYS = ("limit", "window_s", "paths")
VERSIONS_KEYS = ("header", "supported", "selected", "removes")
COLLECTION_KEYS = tuple(part.name for part in dataclasses.fields(Collection) if part.name != "name")  # each a setting
ROUTE_KEYS = ("name", "method", "path", "when", "verify", "reply", "sequence")
WHEN_KEYS = ("query", "headers", "json", "form")
VERIFY_KEYS = ("provider", "secret", "secret_env")
REPLY_KEYS = ("status", "headers", "json", "text", "list", "get", "create", "update", "delete", "key", "item",
              "where", "paginate", "add_fields", "default_fields", "stored_fields", "append", "requires", "replace",
              "translate", "missing", "invalid_page", "newest_first", "derive", "search", "on_change", "remove",
              "also", "join", "expects", "folder")  # fmt: skip
MISSING_KEYS = ("status", "type")
EXPECTS_KEYS = ("sent", "absent", "differs")
REFUSAL_KEYS = ("status", "message")
FOLDER_KEYS = ("fields", "entry")
PAGINATE_KEYS = ("style", "size", "max_size", "position_param", "size_param", "next_field")
FAULT_WHEN_KEYS = ("route", "method", "path", "page", "query", "json")
FAULT_FIELDS = fault_fields(Fault)


def presets() -> list[str]:
    return sorted(path.stem for path in PRESETS.glob("*.yaml"))


def resolve(routes: str) -> FilePath:
    """A preset's file for a preset name, else the path given."""
    if routes in presets():
        return PRESETS / f"{routes}.yaml"
    return FilePath(routes)


def load_service(routes: str | FilePath | None, name: str = "service") -> ServiceSpec:
    """A route file, or a built-in preset by name (``github``, ``slack``); an empty strict service without one."""
    if routes is None:
        return ServiceSpec(name=name)
    file = resolve(str(routes))
    return service_from_text(read_text(file, "Route file"), str(file), name)


def service_from_text(text: str, source: str = "<routes>", name: str = "service") -> ServiceSpec:
    data, lines = parse_yaml(text, source)
    return _Validator(source, lines).file(data, name)


def unknown_route(fault: Fault, routes: list[str]) -> str:
    """Why a fault's ``route`` names no route of the service ('' when it names one, or none is given)."""
    wanted = getattr(fault.matcher, "route", None)
    if wanted is None or wanted in routes:
        return ""
    known = closest_first(wanted, routes)
    return f"fault '{fault.name}': no route named '{wanted}'; the routes, closest first: {known}."


def overriding(preset: Collection, declared: Collection, given: dict[str, Any]) -> Collection:
    """A preset's collection as a route file declares it again: the settings the file gives, the preset's for every
    other (its key, numbering, references, counts, items)."""
    return replace(declared, **{key: getattr(preset, key) for key in COLLECTION_KEYS if key not in given})


def _sees(name: str, allowed: tuple[str, ...]) -> bool:
    """Whether a placeholder's dotted name starts with an allowed name (``path.X`` only for a declared X)."""
    parts = name.split(".")
    if parts[0] == "path" and len(parts) > 1:
        return f"path.{parts[1]}" in allowed
    return parts[0] in allowed


def parse_service_route(data: Any, source: str, spec: ServiceSpec) -> ServiceRoute:
    """One route from a mapping (a keyword's argument), checked against the service's collections."""
    return _Validator(source).route(data, ("routes", 0), {collection.name for collection in spec.collections})


def parse_service_fault(data: Any, source: str) -> Fault:
    return _Validator(source).fault(data, ("faults", 0))


class _Validator(Validator):
    error_class = ScenarioError

    def file(self, data: Any, name: str) -> ServiceSpec:
        if data is None:
            raise self.fail((), "the route file is empty. Add a 'routes:' list (docs/reference/formats.md, Routes).")
        top = self.mapping(data, (), TOP_KEYS)
        if "version" in top and top["version"] != 1:
            raise self.fail(("version",), f"unsupported version {top['version']!r}; the only version is 1.")
        base = ServiceSpec(name=name)
        if "extends" in top:
            preset = self.typed(top["extends"], ("extends",), str, "a preset name")
            if preset not in presets():
                raise self.fail(("extends",), f"no preset named '{preset}' (presets: {', '.join(presets())}).")
            base = load_service(preset, name)
        service = self.mapping(top.get("service") or {}, ("service",), SERVICE_KEYS)
        collections = {collection.name: collection for collection in base.collections}
        raw_collections = self.typed(top.get("collections") or {}, ("collections",), dict, "a mapping of collections")
        for key, value in raw_collections.items():
            declared = self.collection(str(key), value, ("collections", key))
            inherited = collections.get(str(key))
            if inherited is not None:
                declared = overriding(inherited, declared, value if isinstance(value, dict) else {})
            collections[str(key)] = declared
        names = set(collections)
        for collection in collections.values():
            for field, target in collection.refs:
                if target not in names:
                    raise self.fail(
                        ("collections", collection.name, "refs", field),
                        f"no collection named '{target}' (collections: {', '.join(sorted(names))}).",
                    )
            for where, target in (*((("counts", field), target) for field, target, _ in collection.counts),
                                  *((("numbered_with",), target) for target in collection.numbered_with)):  # fmt: skip
                if target not in names:
                    raise self.fail(
                        ("collections", collection.name, *where),
                        f"no collection named '{target}' (collections: {', '.join(sorted(names))}).",
                    )
        routes = [self.route(item, ("routes", index), names)
                  for index, item in enumerate(self.items(top.get("routes", []), ("routes",), "routes"))]  # fmt: skip
        self.unique([route.name for route in routes], ("routes",), "route")
        faults = [self.fault(item, ("faults", index))
                  for index, item in enumerate(self.items(top.get("faults", []), ("faults",), "faults"))]  # fmt: skip
        known = [route.name for route in (*routes, *base.routes)]
        for index, fault in enumerate(faults):
            problem = unknown_route(fault, known)
            if problem:
                raise self.fail(("faults", index, "when", "route"), problem)
        rate = service.get("rate_limit", base.rate_limit)
        if rate is not None and (self.typed(rate, ("service", "rate_limit"), int, "an integer") < 1):
            raise self.fail(("service", "rate_limit"), "expected a positive request limit.")
        return ServiceSpec(
            name=name,
            routes=tuple(routes) + base.routes,
            collections=tuple(collections.values()),
            faults=tuple(faults) + base.faults,
            strict=self.typed(service.get("strict", base.strict), ("service", "strict"), bool, "true or false"),
            headers=self.headers(service["headers"], ("service", "headers")) if "headers" in service else base.headers,
            error=self.error_shape(service["error"]) if "error" in service else base.error,
            rate_limit=rate,
            rate_resources=self.rate_resources(service["rate_resources"], rate)
            if "rate_resources" in service
            else base.rate_resources,
            etag=self.typed(service.get("etag", base.etag), ("service", "etag"), bool, "true or false"),
            versions=self.versions(service["versions"]) if "versions" in service else base.versions,
            source=self.source,
            description=self.typed(
                service.get("description", base.description), ("service", "description"), str, "a string"
            ),
        )

    def versions(self, data: Any) -> Versions:
        path: Path = ("service", "versions")
        raw = self.mapping(data, path, VERSIONS_KEYS)
        header = self.typed(raw.get("header"), (*path, "header"), str, "the request header naming the version")
        supported = self.items(raw.get("supported"), (*path, "supported"), "versions")
        if not supported or not all(isinstance(version, str) and version for version in supported):
            raise self.fail((*path, "supported"), 'list the versions as strings, the default first: ["2022-11-28"].')
        selected = self.typed(raw.get("selected", ""), (*path, "selected"), str, "an answer header's name")
        removes = self.typed(raw.get("removes") or {}, (*path, "removes"), dict,
                             "a mapping of versions to the fields they no longer answer")  # fmt: skip
        for version, fields in removes.items():
            if version not in supported:
                raise self.fail((*path, "removes", version), f"'{version}' is not one of the supported versions "
                                                             f"({', '.join(supported)}).")  # fmt: skip
            self.items(fields, (*path, "removes", version), "field names")
        return Versions(
            header.lower(),
            tuple(supported),
            selected.lower(),
            tuple((str(version), frozenset(map(str, fields))) for version, fields in removes.items()),
        )

    def collection(self, name: str, data: Any, path: Path) -> Collection:
        raw = self.mapping(data if data is not None else {}, path, COLLECTION_KEYS)
        key = self.typed(raw.get("key", "id"), (*path, "key"), str, "the name of the field that identifies an item")
        items = self.items(raw.get("items", []), (*path, "items"), "items")
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail((*path, "items", index), "each item is a mapping (a JSON object).")
        serial = self.items(raw.get("serial", []), (*path, "serial"), "field names")
        refs = self.typed(raw.get("refs") or {}, (*path, "refs"), dict, "a mapping of list fields to collections")
        counts = []
        counting = self.typed(raw.get("counts") or {}, (*path, "counts"), dict,
                              "a mapping of fields to {collection: its field naming the item}")  # fmt: skip
        for field, rule in counting.items():
            counted = self.typed(rule, (*path, "counts", field), dict, "{collection: its field naming the item}")
            if len(counted) != 1:
                raise self.fail((*path, "counts", field), "give one collection and its field naming the item, "
                                                          "e.g. comments: {comments: issue_number}.")  # fmt: skip
            ((target, naming),) = counted.items()
            counts.append((str(field), str(target), str(naming)))
        collection = Collection(
            name,
            key,
            tuple(items),
            tuple(str(field) for field in serial),
            tuple((str(field), str(target)) for field, target in refs.items()),
            raw.get("make"),
            tuple(counts),
            tuple(
                str(other)
                for other in self.items(raw.get("numbered_with", []), (*path, "numbered_with"), "collection names")
            ),
        )
        self.only_names(collection.maker, (*REQUEST_NAMES, "key"), (*path, "make"), "an item made for a new key")
        return collection

    def headers(self, data: Any, path: Path) -> tuple[tuple[str, str], ...]:
        raw = self.typed(data, path, dict, "a mapping of header names to values")
        return tuple((str(key).lower(), str(value)) for key, value in raw.items())

    def route(self, data: Any, path: Path, collections: set[str]) -> ServiceRoute:
        raw = self.mapping(data, path, ROUTE_KEYS)
        if "path" not in raw:
            raise self.fail(path, "a route needs a 'path' (e.g. /repos/{owner}/{repo}/issues).")
        template = self.typed(raw["path"], (*path, "path"), str, "a path template")
        if not template.startswith("/"):
            raise self.fail((*path, "path"), f"a path starts with '/'; got {template!r}.")
        methods = raw.get("method", [])
        methods = [methods] if isinstance(methods, str) else methods
        if not isinstance(methods, list) or any(str(item).upper() not in METHODS for item in methods):
            raise self.fail(
                (*path, "method"), f"expected one or a list of {', '.join(METHODS)}; got {raw['method']!r}."
            )
        when = self.mapping(raw.get("when") or {}, (*path, "when"), WHEN_KEYS)
        conditions = {key: self.conditions(when.get(key), (*path, "when", key), label)
                      for key, label in (("query", "query parameter"), ("headers", "header"), ("json", "JSON field"),
                                         ("form", "form field"))}  # fmt: skip
        matcher = RouteMatcher(tuple(str(item).upper() for item in methods), PathTemplate.parse(template), **conditions)
        name = self.typed(raw.get("name", f"{' '.join(matcher.methods) or 'ANY'} {template}"), (*path, "name"), str,
                          "a string")  # fmt: skip
        if ("reply" in raw) == ("sequence" in raw):
            raise self.fail(path, "give exactly one of 'reply' (same answer each time) or 'sequence' (one per call).")
        if "reply" in raw:
            replies: tuple[ServiceReply, ...] = (self.reply(raw["reply"], (*path, "reply"), collections),)
        else:
            items = self.items(raw["sequence"], (*path, "sequence"), "replies")
            if not items:
                raise self.fail((*path, "sequence"), "a sequence needs at least one reply.")
            replies = tuple(self.reply(item, (*path, "sequence", i), collections) for i, item in enumerate(items))
        params = tuple(found.group(1) for found in PARAM.finditer(template))
        for index, reply in enumerate(replies):
            self.check_names(reply, params, (*path, "reply") if "reply" in raw else (*path, "sequence", index), name)
        verify = self.verify(raw["verify"], (*path, "verify")) if "verify" in raw else None
        return ServiceRoute(name, matcher, replies, self.location(path), "sequence" in raw, verify=verify)

    def check_names(self, reply: ServiceReply, params: tuple[str, ...], path: Path, route: str) -> None:
        """Every placeholder of a reply names something it can see (its templates are parsed here, once)."""
        allowed = reply.names(params)
        for part, template in reply.templates.parts():
            for placeholder in template.placeholders:
                wrong = [name for name in placeholder.names if not _sees(name, allowed[part])]
                if wrong:
                    raise self.fail(
                        (*path, part),
                        f"route '{route}': placeholder {placeholder.text} names '{wrong[0]}', which its {part} "
                        f"never has; it may use {', '.join(allowed[part])} (and their fields, e.g. json.title).",
                    )

    def error_shape(self, data: Any) -> Any:
        """The service's error body; its placeholders name only what an error has."""
        self.only_names(Template(data), ERROR_NAMES, ("service", "error"), "an error")
        return data

    def only_names(self, template: Template, allowed: tuple[str, ...], path: Path, what: str) -> None:
        """Every placeholder of ``template`` starts with one of the ``allowed`` names."""
        for placeholder in template.placeholders:
            wrong = [name for name in placeholder.names if name.split(".")[0] not in allowed]
            if wrong:
                raise self.fail(path, f"placeholder {placeholder.text} names '{wrong[0]}'; {what} may use "
                                      f"{', '.join(allowed)}.")  # fmt: skip

    def conditions(self, data: Any, path: Path, label: str) -> Conditions:
        try:
            return parse_conditions(data, label)
        except ValueError as error:
            raise self.fail(path, str(error)) from None

    def verify(self, data: Any, path: Path) -> Verify:
        raw = self.mapping(data, path, VERIFY_KEYS)
        provider = raw.get("provider")
        if provider not in PROVIDERS:
            raise self.fail((*path, "provider"), f"expected one of {', '.join(PROVIDERS)}; got {provider!r}.")
        if ("secret" in raw) == ("secret_env" in raw):
            raise self.fail(path, "give the secret as 'secret_env' (an environment variable's name, recommended) "
                                  "or 'secret', not both or neither.")  # fmt: skip
        if "secret_env" in raw:
            variable = self.typed(raw["secret_env"], (*path, "secret_env"), str, "an environment variable name")
            secret = os.environ.get(variable)
            if not secret:
                raise self.fail((*path, "secret_env"), f"the environment variable {variable} is not set.")
        else:
            secret = self.typed(raw["secret"], (*path, "secret"), str, "a string")
        return Verify(provider, secret)

    def reply(self, data: Any, path: Path, collections: set[str]) -> ServiceReply:
        raw = self.mapping(data, path, REPLY_KEYS)
        verbs = [verb for verb in COLLECTION_VERBS if verb in raw]
        if len(verbs) > 1:
            raise self.fail(path, f"give one of {', '.join(COLLECTION_VERBS)}; got {', '.join(verbs)}.")
        for verb in verbs:
            target = self.typed(raw[verb], (*path, verb), str, "a collection name")
            if target not in collections:
                known = ", ".join(sorted(collections)) or "none"
                raise self.fail((*path, verb), f"no collection named '{target}' (collections: {known}); declare it "
                                               "under collections.")  # fmt: skip
        if verbs and verbs[0] in ("get", "update", "delete") and "key" not in raw:
            raise self.fail(path, f"'{verbs[0]}' needs a 'key', e.g. key: \"{{{{path.number}}}}\".")
        requires = self.typed(raw.get("requires") or {}, (*path, "requires"), dict,
                              "a mapping of collections to the key that must be in them")  # fmt: skip
        for target in requires:
            if target not in collections:
                known = ", ".join(sorted(collections)) or "none"
                raise self.fail((*path, "requires", target), f"no collection named '{target}' (collections: {known}).")
        if "replace" in raw and verbs != ["create"]:
            raise self.fail((*path, "replace"), "replace goes with 'create: COLLECTION'.")
        if "stored_fields" in raw and verbs != ["create"]:
            raise self.fail((*path, "stored_fields"), "stored_fields goes with 'create: COLLECTION'.")
        for adding in ("add_fields", "default_fields"):
            if adding in raw and not verbs:
                raise self.fail((*path, adding), f"{adding} goes with a collection (list, get, create, update).")
        for changing in ("append", "remove"):
            if changing in raw and verbs != ["update"]:
                raise self.fail((*path, changing), f"{changing} goes with 'update: COLLECTION'.")
        translate = self.typed(raw.get("translate") or {}, (*path, "translate"), dict,
                               "a mapping of item fields to {value as sent: value as stored}")  # fmt: skip
        for field, table in translate.items():
            self.typed(table, (*path, "translate", field), dict, "a mapping of values as sent to values as stored")
        derive = self.typed(
            raw.get("derive") or {}, (*path, "derive"), dict, "a mapping of fields to {function: a field}"
        )
        if derive and verbs not in (["create"], ["update"]):
            raise self.fail((*path, "derive"), "derive goes with 'create' or 'update'.")
        derived = []
        for field, written in derive.items():
            rule = self.mapping(written, (*path, "derive", field), tuple(DERIVE))
            if len(rule) != 1:
                raise self.fail((*path, "derive", field), f"give one function ({', '.join(DERIVE)}) and its field.")
            ((function, source),) = rule.items()
            derived.append((str(field), str(function), str(source)))
        search = self.typed(raw.get("search") or {}, (*path, "search"), dict, "{query language: the query}")
        if search and (verbs != ["list"] or len(search) != 1 or next(iter(search)) not in SEARCH):
            raise self.fail((*path, "search"), f"search goes with 'list: COLLECTION' and names one query language "
                                               f"({', '.join(SEARCH)}) and the query, e.g. "
                                               "{github: \"{{query.q}}\"}.")  # fmt: skip
        on_change = self.typed(raw.get("on_change") or {}, (*path, "on_change"), dict,
                               "a mapping of fields to {value: fields set when the field takes it}")  # fmt: skip
        if on_change and verbs != ["update"]:
            raise self.fail((*path, "on_change"), "on_change goes with 'update: COLLECTION'.")
        for field, table in on_change.items():
            for value, sets in self.typed(table, (*path, "on_change", field), dict,
                                          "a mapping of values to the fields they set").items():  # fmt: skip
                self.typed(sets, (*path, "on_change", field, value), dict, "a mapping of fields to templates")
        also = self.typed(raw.get("also") or {}, (*path, "also"), dict, "a mapping of collections to their twin item")
        if also and verbs not in (["create"], ["update"]):
            raise self.fail((*path, "also"), "also goes with 'create' or 'update'.")
        join = self.typed(raw.get("join") or {}, (*path, "join"), dict, "a mapping of collections to field names")
        if join and not verbs:
            raise self.fail((*path, "join"), "join goes with a collection (list, get, create, update).")
        for part, targets in (("also", also), ("join", join)):
            for target, given in targets.items():
                if target not in collections:
                    known = ", ".join(sorted(collections)) or "none"
                    raise self.fail((*path, part, target), f"no collection named '{target}' (collections: {known}).")
                if part == "also":
                    self.typed(given, (*path, part, target), dict, "a mapping of the twin's fields to templates")
                else:
                    self.items(given, (*path, part, target), "field names")
        expects = self.typed(raw.get("expects") or {}, (*path, "expects"), dict,
                             "a mapping of item fields to {sent, absent, differs}")  # fmt: skip
        replacing = verbs == ["create"] and raw.get("replace") is True
        if expects and verbs not in (["update"], ["delete"]) and not replacing:
            raise self.fail(
                (*path, "expects"), "expects goes with 'update', 'delete' or 'create' with 'replace: true'."
            )
        checks = tuple(
            (str(field), *self.expectation(given, (*path, "expects", field))) for field, given in expects.items()
        )
        folder = None
        if "folder" in raw:
            if verbs != ["get"]:
                raise self.fail((*path, "folder"), "folder goes with 'get: COLLECTION'.")
            given = self.mapping(raw["folder"], (*path, "folder"), FOLDER_KEYS)
            fields = tuple(map(str, self.items(given.get("fields", []), (*path, "folder", "fields"), "field names")))
            entry = self.typed(
                given.get("entry", {}), (*path, "folder", "entry"), dict, "a mapping of fields to templates"
            )
            folder = (fields, entry)
        missing = self.answer_as(raw.get("missing"), (*path, "missing"), (404, "not_found"))
        invalid_page = self.answer_as(raw.get("invalid_page"), (*path, "invalid_page"), (400, ""))
        if "invalid_page" in raw and "paginate" not in raw:
            raise self.fail((*path, "invalid_page"), "invalid_page goes with 'paginate'.")
        if "newest_first" in raw and verbs != ["list"]:
            raise self.fail((*path, "newest_first"), "newest_first goes with 'list: COLLECTION'.")
        if "paginate" in raw and verbs != ["list"]:
            raise self.fail((*path, "paginate"), "pagination goes with 'list: COLLECTION'.")
        if "json" in raw and "text" in raw:
            raise self.fail(path, "give either 'json' or 'text', not both.")
        status = raw.get("status")
        if status is not None and not (isinstance(status, int) and 100 <= status <= 599):
            raise self.fail((*path, "status"), f"expected an HTTP status 100-599; got {status!r}.")
        where = self.typed(raw.get("where") or {}, (*path, "where"), dict, "a mapping of item fields to values")
        text = raw.get("text")
        if text is not None:
            self.typed(text, (*path, "text"), str, "a string")
        return ServiceReply(
            status=status,
            headers=self.headers(raw["headers"], (*path, "headers")) if "headers" in raw else (),
            json=raw.get("json"),
            text=text,
            **{verb: raw[verb] for verb in verbs},
            key=str(raw.get("key", "")),
            item=raw.get("item"),
            where=tuple((str(key), str(value)) for key, value in where.items()),
            requires=tuple((str(key), str(value)) for key, value in requires.items()),
            replace=self.typed(raw.get("replace", False), (*path, "replace"), bool, "true or false"),
            paging=self.paging(raw["paginate"], (*path, "paginate")) if "paginate" in raw else None,
            stored_fields=self.typed(
                raw["stored_fields"], (*path, "stored_fields"), dict, "a mapping of fields to templates"
            )
            if "stored_fields" in raw
            else None,
            add_fields=self.typed(raw["add_fields"], (*path, "add_fields"), dict, "a mapping of fields to templates")
            if "add_fields" in raw
            else None,
            default_fields=self.typed(
                raw["default_fields"], (*path, "default_fields"), dict, "a mapping of fields to templates"
            )
            if "default_fields" in raw
            else None,
            append=self.typed(raw["append"], (*path, "append"), dict, "a mapping of list fields to templates")
            if "append" in raw
            else None,
            remove=self.typed(raw["remove"], (*path, "remove"), dict, "a mapping of list fields to templates")
            if "remove" in raw
            else None,
            translate=tuple(
                (str(field), tuple((None if sent == "None" else sent, kept) for sent, kept in table.items()))
                for field, table in translate.items()
            ),
            missing=missing,
            invalid_page=invalid_page,
            derive=tuple(derived),
            search=(str(next(iter(search))), next(iter(search.values()))) if search else None,
            on_change=tuple((str(field), tuple(table.items())) for field, table in on_change.items()),
            also=tuple((str(target), twin) for target, twin in also.items()),
            join=tuple((str(target), tuple(map(str, fields))) for target, fields in join.items()),
            newest_first=self.typed(raw.get("newest_first", False), (*path, "newest_first"), bool, "true or false"),
            expects=checks,
            folder=folder,
        )

    def expectation(self, data: Any, path: Path) -> tuple[str, tuple[int, str], tuple[int, str]]:
        """One ``expects`` field: what the request says it holds, and how a request that does not say, or says
        otherwise, is answered (``{status, message}``, the message a template)."""
        raw = self.mapping(data, path, EXPECTS_KEYS)
        if "sent" not in raw:
            raise self.fail((*path, "sent"), 'give what the request says the field holds, e.g. "{{json.sha}}".')
        answers = []
        for part, default in (("absent", 422), ("differs", 409)):
            given = self.mapping(raw.get(part) or {}, (*path, part), REFUSAL_KEYS)
            status = given.get("status", default)
            if not (isinstance(status, int) and 400 <= status <= 599):
                raise self.fail((*path, part, "status"), f"expected an HTTP error status 400-599; got {status!r}.")
            answers.append((status, str(given.get("message", ""))))
        return str(raw["sent"]), answers[0], answers[1]

    def rate_resources(self, data: Any, core: int | None) -> tuple[tuple[str, int, int, tuple[str, ...]], ...]:
        """``service.rate_resources``: each resource's limit, window and the path prefixes it counts (GitHub's
        ``search``: 30 a minute for ``/search/``)."""
        where = ("service", "rate_resources")
        if core is None:
            raise self.fail(where, "rate_resources goes with 'rate_limit' (the core resource).")
        resources = []
        for name, given in self.typed(
            data, where, dict, "a mapping of resource names to {limit, window_s, paths}"
        ).items():
            raw = self.mapping(given, (*where, name), RATE_RESOURCE_KEYS)
            numbers: list[int] = []
            for part in ("limit", "window_s"):
                number = raw.get(part)
                if not isinstance(number, int) or isinstance(number, bool) or number < 1:
                    raise self.fail((*where, name, part), f"expected a positive integer; got {number!r}.")
                numbers.append(number)
            paths = tuple(map(str, self.items(raw.get("paths"), (*where, name, "paths"), "path prefixes")))
            if not paths or not all(path.startswith("/") for path in paths):
                raise self.fail((*where, name, "paths"), "give the path prefixes it counts, e.g. [/search/].")
            resources.append((str(name), numbers[0], numbers[1], paths))
        return tuple(resources)

    def answer_as(self, data: Any, path: Path, default: tuple[int, str]) -> tuple[int, str]:
        """A ``{status, type}`` mapping (how an error is answered) as (status, type), each defaulted."""
        raw = self.mapping(data or {}, path, MISSING_KEYS)
        status = raw.get("status", default[0])
        if not (isinstance(status, int) and 100 <= status <= 599):
            raise self.fail((*path, "status"), f"expected an HTTP status 100-599; got {status!r}.")
        return status, str(raw.get("type", default[1]))

    def paging(self, data: Any, path: Path) -> Paging:
        raw = self.mapping(data if data is not None else {}, path, PAGINATE_KEYS)
        style = raw.get("style", "link")
        if style not in STYLES:
            raise self.fail((*path, "style"), f"expected one of {', '.join(STYLES)}; got {style!r}.")
        size = self.typed(raw.get("size", 30), (*path, "size"), int, "a page size")
        largest = self.typed(raw.get("max_size", max(100, size)), (*path, "max_size"), int, "a page size")
        if not 1 <= size <= largest:
            raise self.fail((*path, "size"), f"expected 1 to max_size ({largest}); got {size}.")
        names = {key: self.typed(raw[key], (*path, key), str, "a name") for key in PAGINATE_KEYS[3:] if key in raw}
        return Paging(style, size, largest, **names)

    def matcher(self, data: Any, path: Path) -> ServiceMatcher:
        raw = self.mapping(data if data is not None else {}, path, FAULT_WHEN_KEYS)
        strings = {key: self.typed(raw[key], (*path, key), str, "a string") for key in ("route", "method", "path")
                   if key in raw}  # fmt: skip
        page = raw.get("page")
        if page is not None and (self.typed(page, (*path, "page"), int, "a page number") < 1):
            raise self.fail((*path, "page"), "pages count from 1.")
        return ServiceMatcher(**strings, page=page, query=self.conditions(raw.get("query"), (*path, "query"),
                                                                         "query parameter"),
                              json=self.conditions(raw.get("json"), (*path, "json"), "JSON field"))  # fmt: skip

    def fault(self, data: Any, path: Path) -> Fault:
        return parse_fault_data(self, data, path, Fault, self.matcher)
