"""Mock A2A agents from Robot: start them, script their answers, break them, and ask what they were sent."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn

from ..environment import EnvironmentPatch
from ..errors import ScenarioError
from ..naming import check_identifier, variable_part
from ..validation import data_from
from .arguments import check_named
from .served import Served, ServedComponent, count_unmet, inject_fault, require_all_used, with_values

if TYPE_CHECKING:  # the A2A model and server load when a suite starts a mock agent
    from ..mock.journal import JournalEntry
    from ..mocka2a import MockA2A
    from ..mocka2a.model import A2ARequest

WHEN_KEYS = ("method", "version", "text", "text_contains", "text_matches", "data", "file", "metadata", "task_state")
MESSAGES = ("send", "stream")


def variable_name(agent: str) -> str:
    return f"AGENTTEST_A2A_{variable_part(agent)}_URL"


class A2AKeywords(ServedComponent):
    """Mock A2A agents follow scopes like every mock (see :mod:`.served`): rules and faults a test adds end with
    it, and a strict agent's unanswered messages fail the test at its end with the near miss."""

    kind = "mock A2A agent"
    start_keyword = "Start Mock A2A Agent"
    evidence_tag = "a2a"
    source = "a2a"
    label = "A2A"

    def describe(self, entry: JournalEntry) -> str:
        request = entry.subject
        text = getattr(request, "text", "")
        return f"{getattr(request, 'wire_method', entry.path)} {text[:80]!r}" if text else entry.path

    def transcript_label(self, number: int, served: Served) -> str:
        return f"A2A {served.name}"

    def _app(self, name: str) -> MockA2A:
        app: MockA2A = self.served(name).app
        return app

    # -- agents --------------------------------------------------------------------------------

    @keyword("Start Mock A2A Agent")
    def start_mock_a2a_agent(
        self, name: str, scenario: str | None = None, *, port: int = 0, host: str = "127.0.0.1",
        strict: bool | None = None,
    ) -> str:  # fmt: skip
        """Starts mock A2A agent ``name`` in this process and returns its base URL (``http://127.0.0.1:PORT``),
        where clients resolve its card (``/.well-known/agent-card.json``).

        - ``scenario``: a scenario file whose ``a2a_agents`` section declares the agent
          ``name`` (card, rules, faults; see `A2A agents` in the introduction). Without it the
          agent echoes every message's text back as a message.
        - The agent speaks A2A 1.0 (``SendMessage``, ``SendStreamingMessage``, ``GetTask`` ...,
          with ``A2A-Version: 1.0``) and 0.3 (``message/send``, ``message/stream``,
          ``tasks/get`` ...) on one JSON-RPC endpoint; the card advertises both.
        - ``strict``: overrides the closed world (default on with a scenario): a message no
          rule answers gets a failed task and fails the test at its end with the near miss.
        - ``port`` 0 lets the OS pick (safe under pabot).

        Exports ``AGENTTEST_A2A_<NAME>_URL`` to processes started afterwards and sets
        ``${A2A_<NAME>_URL}``. The agent stops with the suite that started it.

        Example:
        | ${url}=    Start Mock A2A Agent    researcher    scenario=${CURDIR}/scenarios/a2a.yaml
        """
        from ..mocka2a import MockA2A, load_a2a_agent

        check_named("Start Mock A2A Agent", self.start_mock_a2a_agent, name=name, scenario=scenario)
        check_identifier(name, "A2A agent name", "it becomes the environment variable AGENTTEST_A2A_<NAME>_URL")
        self.check_free(name)
        spec = load_a2a_agent(scenario, name if scenario else None)
        if strict is not None:
            spec = replace(spec, strict=strict)
        self.ctx.secrets.add_from_environment()
        app = MockA2A(spec, self.ctx.secrets)
        server = self.start_server(app, host, port)
        url = server.url
        self.add_served(Served(name, app, server, self.ctx.current_suite, EnvironmentPatch({variable_name(name): url})))
        BuiltIn().set_suite_variable(f"${{A2A_{variable_part(name)}_URL}}", url, "children=True")
        logger.info(f"Mock A2A agent '{name}' ({spec.name}) at {url}: A2A {', '.join(spec.versions)}, "
                    f"{len(spec.rules)} rule(s), strict: {spec.strict} (scenario: {spec.source}).")  # fmt: skip
        return url

    @keyword("Stop Mock A2A Agent")
    def stop_mock_a2a_agent(self, name: str) -> None:
        """Stops mock A2A agent ``name`` and unsets its variable; does nothing when it is not running."""
        served = self.servers.get(name)
        if served is None:
            logger.info(f"No mock A2A agent named '{name}' was running.")
            return
        self.stop_served(served)

    @keyword("Get A2A Agent URL")
    def get_a2a_agent_url(self, name: str) -> str:
        """The base URL of the running agent ``name`` (its card is at ``<URL>/.well-known/agent-card.json``)."""
        return self.served(name).url

    @keyword("Load A2A Scenario")
    def load_a2a_scenario(self, name: str, scenario: str) -> None:
        """Replaces what agent ``name`` declares with the file's ``a2a_agents.<name>``; keyword additions stay."""
        from ..mocka2a import load_a2a_agent

        self._app(name).load(load_a2a_agent(scenario, name))

    # -- answers -------------------------------------------------------------------------------

    @keyword("Reply To A2A Message")
    def reply_to_a2a_message(
        self, name: str, message: str | None = None, *, states: str | None = None, status: str | None = None,
        artifact: str | None = None, error_code: int | None = None, error_message: str = "", **when: Any,
    ) -> None:  # fmt: skip
        """Answers messages to agent ``name`` that fit ``when`` (conditions as named arguments) for the current
        test (or suite, in a suite setup); the newest rule added wins.

        - ``message``: answer with a message (no task); ``{{text}}`` is the incoming text.
        - otherwise a task: ``states`` (comma-separated, default ``working, completed``; the
          last is where it stops, e.g. ``input-required``), ``status`` (the text of its last
          status) and ``artifact`` (the text of an artifact named ``result``).
        - ``error_code`` / ``error_message``: a JSON-RPC error instead.

        Conditions: ``text``, ``text_contains``, ``text_matches``, ``method`` (``send``,
        ``stream`` ...), ``version`` (``1.0``, ``0.3``), ``task_state``, ``data`` /
        ``metadata`` / ``file`` (conditions as JSON or YAML text, e.g. ``{"topic": "mcp"}``).

        Example:
        | Reply To A2A Message    researcher    status=Found 3 sources    artifact=1. The A2A spec
        | ...    text_contains=sources
        | Reply To A2A Message    researcher    Hello {{text}}    text_contains=hello
        | Reply To A2A Message    researcher    states=working, input-required    status=Which topic?
        """
        from ..mocka2a.loader import parse_a2a_rule

        reply: dict[str, Any]
        if error_code is not None:
            reply = {"error": {"code": error_code, "message": error_message or f"error {error_code}"}}
        elif message is not None:
            reply = {"message": message}
        else:
            reply = {}
            if states is not None:
                reply["states"] = [state.strip() for state in states.split(",") if state.strip()]
            if status is not None:
                reply["status"] = status
            if artifact is not None:
                reply["artifacts"] = [{"name": "result", "text": artifact}]
        rule = parse_a2a_rule({"name": f"keyword reply #{len(self._app(name).rulebook) + 1}",
                               "when": _conditions(when, "Reply To A2A Message"), "reply": reply},
                              "Reply To A2A Message")  # fmt: skip
        self._app(name).add_rule(rule, self.ctx.scope_key)
        logger.info(f"A2A agent '{name}' answers {rule.matcher} with {rule.replies[0].kind} for {self.ctx.scope_key}.")

    @keyword("Add A2A Rule")
    def add_a2a_rule(self, name: str, rule: dict[str, Any] | str) -> None:
        """Adds one rule written as in a scenario's ``a2a_agents.NAME.rules`` (a dictionary or YAML/JSON text).

        Example:
        | ${rule}=    Catenate    SEPARATOR=\\n
        | ...    name: flaky research
        | ...    when: {text_contains: sources}
        | ...    sequence: [{states: [failed], status: try again}, {status: found them}]
        | Add A2A Rule    researcher    ${rule}
        """
        from ..mocka2a.loader import parse_a2a_rule

        self._app(name).add_rule(parse_a2a_rule(data_from(rule, "Add A2A Rule"), "Add A2A Rule"), self.ctx.scope_key)

    @keyword("Every A2A Rule Should Have Been Used")
    def every_a2a_rule_should_have_been_used(self, name: str) -> None:
        """Fails naming the rules of agent ``name`` that answered no message: in a test, that test's messages; in
        a suite teardown, every message since the agent started."""
        require_all_used(self._app(name).rulebook, self.ctx.current_test is not None, "rule")

    # -- faults --------------------------------------------------------------------------------

    @keyword("Inject A2A Fault")
    def inject_a2a_fault(self, name: str, **fault: Any) -> str:
        """Makes agent ``name`` break matching calls; returns the fault's name.

        Effects: ``status`` (an HTTP error with a JSON-RPC error body), ``retry_after``,
        ``delay_ms``, ``first_token_ms`` / ``chunk_ms`` (stream pacing), ``cut_after_events``
        (the SSE stream drops after N events), ``cut_after_bytes``, ``malformed=json|sse``,
        ``hang_s`` (bounded), ``reset``, ``rpc_error`` (a JSON-RPC error code, with
        ``message``), ``fail_task`` (the task ends ``failed``, ``message`` its status text),
        ``expire_task`` (TaskNotFound; the task is forgotten).

        Targeting: the conditions of `Reply To A2A Message` (``text_contains``, ``method`` ...),
        ``nth``, ``times``, ``probability`` with ``seed``. Faults injected in a test end with it.

        Example:
        | Inject A2A Fault    researcher    status=503    times=1
        | Inject A2A Fault    researcher    method=stream    cut_after_events=2
        | Inject A2A Fault    researcher    method=get    expire_task=${True}
        """
        from ..mocka2a.loader import FAULT_FIELDS

        conditions = {key: value for key, value in fault.items() if key in WHEN_KEYS}
        effects = {key: value for key, value in fault.items() if key not in WHEN_KEYS}
        typed = {**effects, **_conditions(conditions, "Inject A2A Fault")}
        return inject_fault(self._app(name), name, typed, FAULT_FIELDS, WHEN_KEYS, scope_key=self.ctx.scope_key)

    @keyword("Clear A2A Faults")
    def clear_a2a_faults(self, name: str) -> None:
        """Removes the faults injected in the current test (or suite setup) and restarts fault counters."""
        self._app(name).clear_faults(self.ctx.scope_key)

    # -- what the agent was sent ---------------------------------------------------------------

    def _received(self, name: str | None, conditions: dict[str, Any]) -> list[tuple[str, JournalEntry, A2ARequest]]:
        from ..mocka2a.loader import parse_a2a_matcher
        from ..mocka2a.model import A2ARequest

        matcher = parse_a2a_matcher(_conditions(conditions, "A2A Agent Should Have Received"), "assertion")
        in_test = self.ctx.current_test is not None
        found = []
        for served in self.of_test(name):
            for entry in served.entries(in_test):
                request = entry.subject
                if not isinstance(request, A2ARequest) or request.problem is not None:
                    continue
                if (matcher.method is None and request.method not in MESSAGES) or matcher.mismatches(request):
                    continue
                found.append((served.name, entry, request))
        return sorted(found, key=lambda item: item[1].time)

    @keyword("A2A Agent Should Have Received")
    def a2a_agent_should_have_received(self, name: str | None = None, *, times: int | None = None,
                                       **conditions: Any) -> None:  # fmt: skip
        """Fails unless agent ``name`` (default: every mock A2A agent) got a message that fits ``conditions``,
        ``times`` times exactly when given, in the current test.

        Conditions are the rule conditions: ``text``, ``text_contains``, ``text_matches``,
        ``version``, ``task_state``, ``method`` (default: messages, ``send`` or ``stream``;
        ``get``, ``cancel`` ... count those calls instead), and dotted names into the data
        parts, metadata and files: ``data.topic=mcp``, ``metadata.priority=high``,
        ``file.mimeType=application/pdf``.

        Example:
        | A2A Agent Should Have Received    researcher    text_contains=sources
        | A2A Agent Should Have Received    researcher    times=2    method=get
        | A2A Agent Should Have Received    researcher    data.topic=mcp    version=1.0
        """
        found = self._received(name, conditions)
        wanted = count_unmet(len(found), times, "a message", "call(s)")
        if wanted:
            raise AssertionError(f"Expected {wanted}{with_values(conditions)} to mock A2A agent '{name or 'any'}', "
                                 f"found {len(found)}. Calls seen:\n{self._listing(name)}")  # fmt: skip
        logger.info(f"Mock A2A agent '{name or 'any'}' got {len(found)} matching call(s){with_values(conditions)}.")

    @keyword("A2A Agent Should Not Have Received")
    def a2a_agent_should_not_have_received(self, name: str | None = None, **conditions: Any) -> None:
        """Fails if agent ``name`` got a message (or, with ``method``, a call) that fits ``conditions``.

        Example:
        | A2A Agent Should Not Have Received    researcher    text_contains=password
        """
        found = self._received(name, conditions)
        if found:
            raise AssertionError(f"Mock A2A agent '{name or 'any'}' got {len(found)} call(s)"
                                 f"{with_values(conditions)}:\n{self._listing(name)}")  # fmt: skip

    @keyword("Get A2A Requests")
    def get_a2a_requests(self, name: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """The current test's calls to agent ``name`` (default: every mock A2A agent), oldest first, as
        dictionaries (the journal entry: ``status``, ``rule``, ``unmatched``, ``near_miss``, ``fault``,
        ``request`` with ``method``, ``wire_method``, ``version``, ``text``, ``data``, ``files``,
        ``task_id``, ``task_state`` ..., ``reply`` with ``kind``, ``text``, ``state``, ``states``,
        ``artifacts``), secrets masked. ``method`` keeps one neutral method (``send``, ``get`` ...).

        Example:
        | ${calls}=    Get A2A Requests    researcher    method=send
        | Should Be Equal    ${calls}[0][request][text]    find sources
        """
        from ..mocka2a.model import A2ARequest

        in_test = self.ctx.current_test is not None
        found = [{"agent": served.name, **entry.to_dict()} for served in self.of_test(name)
                 for entry in served.entries(in_test) if isinstance(entry.subject, A2ARequest)
                 and (method is None or entry.subject.method == method)]  # fmt: skip
        found.sort(key=lambda item: str(item["time"]))
        logger.info(f"{len(found)} A2A call(s):\n" + "\n".join(_summary(item) for item in found))
        return found

    @keyword("A2A Agent Should Have Pushed")
    def a2a_agent_should_have_pushed(self, name: str, state: str | None = None, timeout: float = 5.0) -> None:
        """Waits up to ``timeout`` seconds for the push notifications of agent ``name`` to be delivered, then fails
        unless one reached the client (a 2xx answer) in the current test, one announcing ``state`` when given.

        Example:
        | A2A Agent Should Have Pushed    researcher    state=completed
        """
        served = self.served(name)
        app: MockA2A = served.app
        if not app.pusher.wait(timeout):
            raise AssertionError(f"Push notifications of '{name}' were still being delivered after {timeout:g} s.")
        pushes = [entry for entry in app.journal.entries(served.test_mark) if entry.kind == "push"]
        delivered = [entry for entry in pushes
                     if 200 <= entry.status < 300 and state in (None, _pushed_state(entry.body))]  # fmt: skip
        if not delivered:
            shown = "\n".join(f"- POST {entry.path} -> {entry.status} {entry.error}" for entry in pushes) or "(none)"
            what = f" announcing '{state}'" if state else ""
            raise AssertionError(f"No push notification{what} of mock A2A agent '{name}' reached its client. "
                                 f"Pushes:\n{shown}")  # fmt: skip

    def _listing(self, name: str | None) -> str:
        from ..mocka2a.model import A2ARequest

        in_test = self.ctx.current_test is not None
        lines = [_summary({"agent": served.name, **entry.to_dict()}) for served in self.of_test(name)
                 for entry in served.entries(in_test) if isinstance(entry.subject, A2ARequest)]  # fmt: skip
        return "\n".join(lines) or "(none)"


def _conditions(values: dict[str, Any], source: str) -> dict[str, Any]:
    """Keyword arguments as a rule's ``when``: ``data``/``metadata``/``file`` as JSON or YAML text, dotted names
    (``data.topic=mcp``) as equality conditions on those parts, unknown names refused."""
    when: dict[str, Any] = {}
    for key, value in values.items():
        group, dot, path = key.partition(".")
        if dot and group in ("data", "metadata", "file"):
            when.setdefault(group, {})[path] = value
        elif key in ("data", "metadata", "file"):
            when[key] = data_from(value, f"{source}: {key}")
        elif key in WHEN_KEYS:
            when[key] = value
        else:
            raise ScenarioError(f"{source}: unknown condition '{key}'; use {', '.join(WHEN_KEYS)} or dotted names "
                                "such as data.topic=mcp.")  # fmt: skip
    return when


def _pushed_state(body: Any) -> str:
    """The state a push notification announces ('' for an artifact update): 1.0 status updates and 0.3 tasks."""
    status = (body.get("statusUpdate") or body).get("status") if isinstance(body, dict) else None
    state = str(status.get("state", "")) if isinstance(status, dict) else ""
    return state.removeprefix("TASK_STATE_").lower().replace("_", "-")


def _summary(entry: dict[str, Any]) -> str:
    request = entry.get("request") or {}
    reply = entry.get("reply") or {}
    answer = reply.get("error", {}).get("message") if reply.get("error") else reply.get("state") or reply.get("kind")
    return (f"#{entry['index']} [{entry.get('agent')}] {request.get('wire_method') or request.get('method')} "
            f"{(request.get('text') or '')[:80]!r} -> {entry['status']} {answer} rule={entry.get('rule')}"
            + (f" FAULT: {entry['fault']}" if entry.get("fault") else "")
            + (f" UNMATCHED: {entry['near_miss']}" if entry.get("unmatched") else ""))  # fmt: skip
