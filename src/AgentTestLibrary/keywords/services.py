"""Mock REST services and webhooks from Robot: start them, script and break their routes, deliver signed events."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret

from ..environment import EnvironmentPatch
from ..errors import ScenarioError
from ..naming import check_identifier, variable_part
from ..validation import data_from, detached
from ..webhooks import DEFAULT_MAX_ANSWER_BYTES
from .arguments import check_named, takes_secrets
from .served import Served, ServedComponent, count_unmet, inject_fault, require_all_used

if TYPE_CHECKING:  # the service model loads when a suite starts a mock service; httpx when it delivers a webhook
    from ..mock.journal import JournalEntry
    from ..mockservice import MockService
    from ..mockservice.model import ServiceRequest

WebhookProvider = Literal["github", "slack", "stripe", "standard"]
WebhookSignature = Literal["valid", "invalid", "stale", "missing"]


def route_secrets(route: Any) -> list[str]:
    """The signature secret of a route given inline (registered before Robot logs the argument)."""
    try:
        data = data_from(route, "Add Service Route")
    except ScenarioError:
        return []  # the keyword says what is wrong with it
    verify = data.get("verify") if isinstance(data, dict) else None
    secret = verify.get("secret") if isinstance(verify, dict) else None
    return [str(secret)] if secret else []


class ServiceKeywords(ServedComponent):
    """Mock services follow scopes (see :mod:`.served`); collections restart from their seeds with every test."""

    kind = "mock service"
    evidence_tag = "service"
    source = "service"
    label = "service"

    def describe(self, entry: JournalEntry) -> str:
        return f"{entry.method} {entry.path}"

    def _app(self, name: str) -> MockService:
        app: MockService = self.served(name).app
        return app

    @keyword("Start Mock Service")
    def start_mock_service(
        self, name: str, routes: str | None = None, port: int = 0, *, host: str = "127.0.0.1",
        strict: bool | None = None,
    ) -> str:  # fmt: skip
        """Starts mock REST service ``name`` and returns its base URL (``http://127.0.0.1:PORT``).

        ``routes``: a route file (YAML: routes with path templates, conditions, replies,
        collections, pagination; see `Services, webhooks and AWS` in the introduction) or a built-in
        preset by name, ``github`` or ``slack`` (a file may say ``extends: github`` to add
        routes to it). Exports ``AGENTTEST_<NAME>_URL`` (the name upper-cased, ``-`` as ``_``) to
        processes started afterwards, and logs what it exported. ``agenttest service routes
        PRESET|FILE`` lists the route names ``Inject Service Fault    route=`` takes.
        Strict by default: a request no route answers gets a 404 (a 405 with ``Allow`` when
        only its method differs, a 422 when only its conditions do) in the service's error
        shape, and the test fails at its end naming the closest route. HEAD is answered
        wherever GET is; a method HTTP does not define gets 501. Several services may run at once; a service still
        running at the end of the suite that started it stops then.

        Example:
        | ${github}=    Start Mock Service    github    routes=github
        | ${crm}=    Start Mock Service    crm    routes=${CURDIR}/services/crm.yaml
        """
        check_named("Start Mock Service", self.start_mock_service, name=name, routes=routes)
        check_identifier(name, "Service name", "it becomes the environment variable AGENTTEST_<NAME>_URL")
        self.check_free(name)
        from ..mockservice import MockService, load_service

        spec = replace(load_service(routes, name), name=name)
        if strict is not None:
            spec = replace(spec, strict=strict)
        self.ctx.secrets.add_from_environment()
        app = MockService(spec, self.ctx.secrets)
        server = self.start_server(app, host, port)
        url = server.url
        self.add_served(Served(name, app, server, self.ctx.current_suite,
                               EnvironmentPatch({f"AGENTTEST_{variable_part(name)}_URL": url})))  # fmt: skip
        logger.info(f"Mock service '{name}' at {url}: {len(spec.routes)} route(s), strict: {spec.strict} "
                    f"(routes: {spec.source}).")  # fmt: skip
        return url

    @keyword("Stop Mock Service")
    def stop_mock_service(self, name: str) -> None:
        """Stops mock service ``name`` and unsets its variable; does nothing when it is not running."""
        served = self.servers.get(name)
        if served is None:
            logger.info(f"No mock service named '{name}' was running.")
            return
        self.stop_served(served)

    @keyword("Add Service Route")
    @takes_secrets(route=route_secrets)
    def add_service_route(self, name: str, route: dict[str, Any] | str) -> None:
        """Adds one route written as in a route file (a dictionary or YAML/JSON text), checked before the file's
        routes, for the current test (or suite, in a suite setup).

        Example:
        | Add Service Route    github    {"method": "GET", "path": "/zen", "reply": {"text": "Keep it simple."}}
        """
        from ..mockservice.loader import parse_service_route

        app = self._app(name)
        parsed = parse_service_route(data_from(route, "Add Service Route"), "Add Service Route", app.spec)
        app.add_route(parsed, self.ctx.scope_key)

    @keyword("Every Service Route Should Have Been Used")
    def every_service_route_should_have_been_used(self, name: str) -> None:
        """Fails naming the routes of service ``name`` that answered no request: in a test, that test's
        requests; in a suite teardown, every request since the service started (a preset's routes count too,
        so use it with your own route files)."""
        require_all_used(self._app(name).rulebook, self.ctx.current_test is not None, "route")

    @keyword("Seed Service Collection")
    def seed_service_collection(self, name: str, collection: str, items: list[Any] | str) -> None:
        """Adds items to a collection of service ``name`` (a list of dictionaries, or JSON/YAML text) for the
        current test (or, in a suite setup, for every test of the suite).

        Example:
        | Seed Service Collection    github    issues    [{"number": 7, "title": "Crash on start", "state": "open"}]
        """
        data = data_from(items, "Seed Service Collection")
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ScenarioError(f"Seed Service Collection {collection}: expected a list of JSON objects; got {data!r}.")
        self._app(name).collections.seed(collection, data, self.ctx.scope_key)

    @keyword("Get Service Collection")
    def get_service_collection(self, name: str, collection: str) -> list[dict[str, Any]]:
        """The items of a collection now (what the agent created, changed or deleted included), as the mock answers
        them: with the fields its ``counts`` work out (a GitHub issue's ``comments``). They are copies: editing them
        changes nothing in the mock.

        Example:
        | ${issues}=    Get Service Collection    github    issues
        | Should Be Equal    ${issues}[0][state]    closed
        """
        collections = self._app(name).collections
        items = detached(collections.counted(collection, collections.items(collection)))
        logger.info(f"{name}.{collection}: {len(items)} item(s)\n{json.dumps(items, indent=1)[:4000]}")
        return items

    @keyword("Inject Service Fault")
    def inject_service_fault(self, name: str, /, **fault: Any) -> str:
        """Makes service ``name`` break matching requests; returns the fault's name (``name=`` after the service's
        names the fault, as in `Inject LLM Fault`; by default it is ``keyword fault #N``).

        Effects: ``status`` (in the service's error shape; 403/429 on a service with a rate
        limit also answer ``x-ratelimit-remaining: 0``), ``message``, ``type`` (the error code
        the shape carries), ``retry_after``, ``delay_ms``, ``hang_s``, ``reset`` (the
        connection drops unanswered), ``malformed=json``, ``cut_after_bytes``. A faulted request
        changes no collection. Targeting: ``route`` (its name), ``method``, ``path`` (a template
        or a path), ``page`` (of a paginated route), ``query`` or ``json`` (conditions as JSON),
        ``nth``, ``times``, ``probability`` with ``seed``.

        Example:
        | Inject Service Fault    github    route=add labels    status=500    times=1
        | Inject Service Fault    github    status=403    message=API rate limit exceeded    retry_after=60
        | Inject Service Fault    slack    route=conversations.list    page=2    status=500
        | ${fault}=    Inject Service Fault    github    name=labels down    route=add labels    status=503
        """
        from ..mockservice.loader import FAULT_FIELDS, FAULT_WHEN_KEYS

        return inject_fault(self._app(name), name, fault, FAULT_FIELDS, FAULT_WHEN_KEYS, scope_key=self.ctx.scope_key)

    @keyword("Clear Service Faults")
    def clear_service_faults(self, name: str) -> None:
        """Removes the faults injected in the current test (or suite setup) and restarts fault counters."""
        app = self._app(name)
        app.clear_faults(self.ctx.scope_key)

    def _requests(self, name: str | None, method: str | None, path: str | None,
                  fields: dict[str, Any]) -> list[tuple[str, JournalEntry, ServiceRequest]]:  # fmt: skip
        from ..mock.conditions import equal_to
        from ..mockservice.model import PathTemplate

        template = PathTemplate.parse(path) if path else None
        wanted = equal_to(fields, "field")
        found = []
        for served in self.of_test(name):
            for entry in served.entries(self.ctx.current_test is not None):
                request: ServiceRequest = entry.subject
                if method and request.method != method.upper():
                    continue
                if template is not None and template.match(request.path) is None:
                    continue
                if wanted.mismatches(request.values()):
                    continue
                found.append((served.name, entry, request))
        return sorted(found, key=lambda item: item[1].time)

    def _listing(self, name: str | None) -> str:
        lines = [f"#{entry.index} [{service}] {request.method} {request.path} -> {entry.status} route={entry.rule}"
                 + (f" json={json.dumps(request.json)[:120]}" if request.json is not None else "")
                 + (f" FAULT: {entry.fault}" if entry.fault else "")
                 for service, entry, request in self._requests(name, None, None, {})]  # fmt: skip
        return "\n".join(lines) or "(none)"

    @keyword("Service Should Have Received")
    def service_should_have_received(
        self, name: str, method: str, path: str, *, times: int | None = None, **fields: Any
    ) -> None:
        """Fails unless service ``name`` got ``method path`` (a path, or a template such as
        ``/repos/{owner}/{repo}/issues/{number}/labels``) with the given fields, ``times`` times when given.

        Fields are dotted names into the request: ``json.labels.0=bug``, ``query.page=2``,
        ``form.channel=C01``, ``headers.authorization=Bearer x``, ``path.number=7``.

        Example:
        | Service Should Have Received    github    POST    /repos/acme/app/issues/7/labels    json.labels.0=bug
        | Service Should Have Received    slack    POST    /api/chat.postMessage    times=1    json.channel=C0001GENERAL
        """
        found = self._requests(name, method, path, fields)
        wanted = count_unmet(len(found), times, "a request", "request(s)")
        if wanted:
            shown = "".join(f", {key}={value!r}" for key, value in fields.items())
            raise AssertionError(f"Expected {wanted} {method.upper()} {path}{shown} to service '{name}', found "
                                 f"{len(found)}. Requests seen:\n{self._listing(name)}")  # fmt: skip

    @keyword("Service Should Not Have Received")
    def service_should_not_have_received(self, name: str, method: str, path: str, **fields: Any) -> None:
        """Fails if service ``name`` got ``method path`` (with the given fields)."""
        found = self._requests(name, method, path, fields)
        if found:
            raise AssertionError(f"Service '{name}' got {method.upper()} {path} {len(found)} time(s):\n"
                                 f"{self._listing(name)}")  # fmt: skip

    @keyword("Service Requests Should Be In Order")
    def service_requests_should_be_in_order(self, name: str, *requests: str) -> None:
        """Fails unless service ``name`` got these requests (``METHOD PATH``, paths may be templates) in this
        order; other requests may come between.

        Example:
        | Service Requests Should Be In Order    github    POST /repos/{o}/{r}/issues/{n}/labels
        | ...    POST /repos/{o}/{r}/issues/{n}/comments
        """
        from ..mockservice.model import PathTemplate

        seen = [(request.method, request.path) for _, _, request in self._requests(name, None, None, {})]
        position = 0
        for method, path in seen:
            if position < len(requests):
                want_method, _, want_path = requests[position].partition(" ")
                if method == want_method.upper() and PathTemplate.parse(want_path.strip()).match(path) is not None:
                    position += 1
        if position < len(requests):
            raise AssertionError(f"Expected {' -> '.join(requests)} in order; '{requests[position]}' is missing after "
                                 f"the ones before it. Requests seen:\n{self._listing(name)}")  # fmt: skip

    @keyword("Get Service Requests")
    def get_service_requests(
        self, name: str | None = None, method: str | None = None, path: str | None = None
    ) -> list[dict[str, Any]]:
        """The current test's requests to service ``name`` (default: every mock service), oldest first.

        Each has ``service``, ``index``, ``time``, ``status``, ``rule`` (the route), ``fault``,
        ``unmatched``, ``near_miss``, ``headers`` (credentials masked), ``request`` (``method``,
        ``path``, ``route``, ``params``, ``query``, ``json``, ``form``, ``page``) and ``reply``
        (``status``, ``body``).
        """
        chosen = self._requests(name, method, path, {})
        found = [{"service": service, **entry.to_dict()} for service, entry, _ in chosen]
        logger.info(f"{len(found)} service request(s):\n{self._listing(name)}")
        return found

    # -- webhooks ------------------------------------------------------------------------------

    @keyword("Deliver Webhook")
    @takes_secrets("secret")
    def deliver_webhook(
        self,
        url: str,
        provider: WebhookProvider = "github",
        event: str = "",
        payload: dict[str, Any] | str = "{}",
        secret: Secret | str = "",
        *,
        signature: WebhookSignature = "valid",
        retries: int | None = None,
        backoff: float = 0.5,
        timeout: float = 10.0,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
    ) -> dict[str, Any]:
        """Delivers a webhook to ``url`` signed the way ``provider`` signs; returns ``status``, ``body``,
        ``truncated``, ``attempts`` (a list of ``status``, ``body``, ``error``, ``kept_bytes``,
        ``truncated``) and ``delivery`` (the delivery id). Fails naming the URL and every
        attempt's error when the last attempt got no answer (nothing listening, or past ``timeout``).

        - ``provider``: ``github`` (``X-Hub-Signature-256``, ``X-GitHub-Event``), ``slack``
          (``v0:`` timestamp and ``X-Slack-Signature``), ``stripe`` (``Stripe-Signature``),
          ``standard`` (Standard Webhooks ``webhook-*`` headers; the secret is ``whsec_...``).
        - ``payload``: a dictionary, JSON text, or the path of a JSON file.
        - ``secret``: the shared secret, best as a ``Secret`` (``%{WEBHOOK_SECRET}`` typed
          ``Secret`` or `Get Credential`); given as plain text it is masked in every output
          too, at every log level (the library registers it before Robot logs the arguments).
          Required, unless ``signature=missing`` or ``invalid``.
        - ``signature``: ``valid``, ``invalid`` (signed with another secret), ``stale`` (ten
          minutes old) or ``missing`` (unsigned: no signature headers), for negative tests.
        - ``retries``: redeliveries when the receiver answers 5xx or not at all (default: the
          provider's habit: none for GitHub, 3 for the others), ``backoff`` seconds doubled
          each time; Slack's carry ``X-Slack-Retry-Num``.
        - ``timeout``: the deadline of each attempt in seconds, for all of it (connect, send,
          the whole answer): a receiver that drips its answer is cut there (the attempt's
          ``error`` says so).
        - ``max_answer_bytes``: at most this much of an answer is read and kept (default 1 MiB);
          ``kept_bytes`` says how much was, ``truncated`` whether the answer was longer.

        Example:
        | ${delivery}=    Deliver Webhook    ${AGENT_URL}/webhook    github    issues
        | ...    payload=${CURDIR}/payloads/issue_opened.json    secret=${SECRET}
        | Should Be Equal As Integers    ${delivery}[status]    200
        """
        from ..webhooks import SIGNED, deliver

        text = secret.value if isinstance(secret, Secret) else str(secret)
        self.ctx.secrets.add(text)
        body = _payload(payload)
        delivered = deliver(url, provider, body, text, event=event, signature=signature, retries=retries,
                            backoff_s=backoff, timeout_s=timeout, max_answer_bytes=max_answer_bytes)  # fmt: skip
        attempts = [{"status": attempt.status, "body": attempt.body, "error": attempt.error,
                     "kept_bytes": attempt.kept_bytes, "truncated": attempt.truncated}
                    for attempt in delivered.attempts]  # fmt: skip
        delivery = next((value for key, value in delivered.attempts[0].headers.items()
                         if key in ("x-github-delivery", "webhook-id")), "")  # fmt: skip
        logger.info(f"{provider} webhook '{event}' to {url}, {SIGNED[signature]}: "
                    + ", ".join(f"attempt {number} answered {attempt['status'] or attempt['error']}"
                                for number, attempt in enumerate(attempts, 1)))  # fmt: skip
        return {"status": delivered.status, "body": delivered.body, "truncated": attempts[-1]["truncated"],
                "attempts": attempts, "delivery": delivery}  # fmt: skip


def _payload(payload: dict[str, Any] | str) -> bytes:
    if isinstance(payload, dict | list):
        return json.dumps(payload).encode()
    text = str(payload)
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        json.loads(stripped)  # a clear error below if it is not JSON
        return stripped.encode()
    file = Path(text)
    if not file.is_file():
        raise ScenarioError(f"Webhook payload {text[:80]!r} is neither JSON nor a file ('{file.resolve()}').")
    return file.read_bytes()
