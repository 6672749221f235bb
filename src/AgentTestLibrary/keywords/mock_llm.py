"""The mock LLM from Robot: start and stop it on the served-mock lifecycle, load scenarios, and the base of every
component whose keywords are about it (rules, faults, journal, resilience, cassettes)."""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret
from robot.libraries.BuiltIn import BuiltIn

from ..cassettes.upstream import UPSTREAM_SETTINGS
from ..environment import REAL_ROUTING_VARIABLES, EnvironmentPatch, agent_environment
from ..errors import ScenarioError, SkipTest
from ..live import gate
from .arguments import check_named
from .context import LibraryContext
from .scopes import LibraryComponent, Scope, TestReport
from .served import Served, ServedComponent

if TYPE_CHECKING:  # the model mock itself loads when a suite starts one
    from ..cassettes import CassetteSession
    from ..mock.journal import JournalEntry
    from ..mockllm.scenario import Scenario
    from .cassettes import CassetteConfig

T = TypeVar("T")


@dataclass
class RunningLLM(Served):
    """A started mock LLM, with what cassettes need: the real keys it hid from the agent, the test's cassette."""

    real_credentials: dict[str, str | None] = field(default_factory=dict)
    cassettes: CassetteConfig | None = None
    tape: CassetteSession | None = None  # the current test's cassette (also the app's tape)
    rerecord_hint: str = ""

    def counts(self, entry: JournalEntry) -> bool:
        """Provider requests (token counts and embeddings included), not admin calls, warm-ups or unknown routes."""
        return entry.protocol is not None


def mock_only(method: Callable[..., T]) -> Callable[..., T | None]:
    """For keywords about the mock: in real-LLM mode (USE_REAL_LLM) they warn and do nothing."""

    @functools.wraps(method)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> T | None:
        if self.real_llm_mode():
            logger.warn(f"'{method.__name__}' does nothing in real-LLM mode (USE_REAL_LLM): there is no mock.")
            return None
        return method(self, *args, **kwargs)

    return guarded


class MockLLMKeywords(ServedComponent):
    """Mock LLMs on the served lifecycle (see :mod:`.served`): counters restart per test; a test's rules and faults
    end with it; a suite's mocks stop with it; every test's requests become its evidence (``<test>.json``, then
    ``<test>-1.json`` ... for more mocks) and strict mode judges them. The newest running mock is the current one.
    Real-LLM mode (``USE_REAL_LLM``) starts nothing: the routing variables are unset until the suite ends."""

    kind = "mock LLM"
    start_keyword = "Start Mock LLM"
    always_evidence = True
    source = "llm"
    label = "LLM"

    def __init__(self, ctx: LibraryContext) -> None:
        super().__init__(ctx)
        self.started = 0
        self.real: EnvironmentPatch | None = None
        self.real_suite = ""

    def real_llm_mode(self) -> bool:
        return self.real is not None

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        super().end_scope(scope, report)
        if report is None and self.real is not None and self.real_suite == scope.name:
            self._end_real_llm()

    def close(self) -> None:
        self._end_real_llm()
        super().close()

    def evidence_suffix(self, number: int, served: Served) -> str:
        return f"-{number}" if number else ""

    def evidence_label(self, served: Served) -> str:
        return "LLM"

    def transcript_label(self, number: int, served: Served) -> str:
        return "LLM" if number == 0 else f"LLM #{number + 1}"

    def strict_problem(self, served: Served, entries: list[JournalEntry]) -> str:
        report = unmatched_report(entries)
        return f"strict mock LLM: {report}" if report else ""

    def running(self) -> RunningLLM:
        """The current mock."""
        return cast(RunningLLM, self.current())

    @keyword("Start Mock LLM")
    def start_mock_llm(
        self,
        scenario: str | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        strict: bool | None = None,
        base_port: int | None = None,
        credentials: str | None = None,
        max_body_bytes: int | None = None,
        allow_remote: bool = False,
    ) -> str:
        """Starts a mock LLM server in this process and points child processes at it.

        Returns the base URL (``http://127.0.0.1:PORT``) and sets ``${MOCK_LLM_URL}``.
        Exports for processes started afterwards (e.g. with ``Run Process``):
        ``OPENAI_BASE_URL=<url>/v1``, ``ANTHROPIC_BASE_URL=<url>``,
        ``GOOGLE_GEMINI_BASE_URL=<url>``, ``MOCK_LLM_URL`` and fixture API keys
        (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ``GEMINI_API_KEY``, ``GOOGLE_API_KEY``), and for
        the clouds ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``, ``ANTHROPIC_BEDROCK_BASE_URL``,
        ``ANTHROPIC_VERTEX_BASE_URL``, ``GOOGLE_VERTEX_BASE_URL``, ``AZURE_OPENAI_ENDPOINT``,
        ``OLLAMA_HOST`` with fixture credentials, region and project; ``ANTHROPIC_AUTH_TOKEN``,
        ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``, ``AWS_SESSION_TOKEN``, ``AWS_PROFILE``,
        ``AWS_BEARER_TOKEN_BEDROCK`` and ``AZURE_OPENAI_AD_TOKEN`` are unset, so real keys never
        reach the agent. See `Mock LLM` in the introduction.
        `Stop Mock LLM` restores the environment; a mock still running at the end of the
        suite that started it is stopped automatically.

        - ``scenario``: YAML scenario file. Without it every request gets a deterministic
          default text reply. With it, requests no rule matches fail (strict mode) unless the
          scenario says ``strict: false`` or ``strict=False`` is given here.
        - ``port``: ``0`` (default) lets the OS pick a free port, which is safe under pabot.
        - ``base_port``: fixed-port mode for agents that need a known port: the port is
          ``base_port + ${PABOTQUEUEINDEX}`` (``+ 0`` under plain robot). A busy port fails
          with a clear error.
        - ``max_body_bytes``: larger request bodies get the provider's 413 (default: 32 MiB).
        - ``host``: a loopback address; anything else needs ``allow_remote=True`` and logs a
          warning, because any machine that reaches the port could then drive the mock.

        The admin API (``/__agenttest/``) takes a per-mock token that only this process knows
        (`Get Mock LLM Admin Token`); the agent under test cannot reset the journal, change
        the scenario or clear faults through it.

        Real-LLM mode: with ``USE_REAL_LLM`` and ``RUN_LIVE_TESTS`` true, no mock starts: the
        base URL variables are unset and real keys stay, so the same suite runs against the
        real providers; it skips unless the ``credentials`` named (comma-separated; default:
        any one of the known provider keys) are set. Keywords about the mock then warn and do
        nothing. ``USE_MOCK_LLM`` (the mock) is the default.

        Example:
        | *** Settings ***
        | Library           AgentTestLibrary
        | Suite Setup       Start Mock LLM    scenario=${CURDIR}/scenarios/list_files.yaml
        | Suite Teardown    Stop Mock LLM
        |
        | *** Test Cases ***
        | Agent Answers
        |     ${result}=    Run Process    python    my_agent.py    List the files
        |     Mock LLM Should Have Received    2    requests
        """
        check_named("Start Mock LLM", self.start_mock_llm, scenario=scenario)
        if gate.real_llm_requested():
            return self._use_real_llm(credentials)
        from ..mock.server import Limits
        from ..mockllm.app import MockLLM

        loaded = self._load(scenario, strict)
        if base_port is not None:
            port = base_port + int(self.ctx.pabot_queue_index or 0)
        self.ctx.secrets.add_from_environment()
        real_credentials = {name: os.environ.get(name) for name in (*gate.PROVIDER_CREDENTIALS, *UPSTREAM_SETTINGS)}
        app = MockLLM(loaded, self.ctx.secrets, admin_token=secrets.token_urlsafe(32))
        limits = Limits() if max_body_bytes is None else Limits(max_body_bytes=max_body_bytes)
        server = self.start_server(app, host, port, limits=limits,
                                   allow_remote=allow_remote)  # fmt: skip
        url = server.url
        self.started += 1
        environment = EnvironmentPatch(agent_environment(url))
        self.add_served(RunningLLM(f"llm-{self.started}", app, server, self.ctx.current_suite, environment,
                                   real_credentials=real_credentials))  # fmt: skip
        BuiltIn().set_suite_variable("${MOCK_LLM_URL}", url, "children=True")
        worker = self.ctx.pabot_queue_index or "none (plain robot)"
        logger.info(
            f"Mock LLM listening on {url} (scenario: {loaded.source}, {len(loaded.rules)} rules, "
            f"strict: {loaded.strict}; pabot queue index: {worker})."
        )
        return url

    def _use_real_llm(self, credentials: str | None) -> str:
        self.ctx.ensure_live_environment()
        wanted = [name.strip() for name in (credentials or "").replace(",", " ").split()]
        if wanted:
            absent = gate.missing(wanted)
            if absent:
                raise SkipTest(f"{gate.REAL_LLM_SWITCH} needs credential(s) {', '.join(absent)}, which are not set.")
        elif len(gate.missing(gate.PROVIDER_CREDENTIALS)) == len(gate.PROVIDER_CREDENTIALS):
            raise SkipTest(
                f"{gate.REAL_LLM_SWITCH} needs a provider key; none of {', '.join(gate.PROVIDER_CREDENTIALS)} is set."
            )
        for name in gate.PROVIDER_CREDENTIALS:
            self.ctx.secrets.add(os.environ.get(name))
        patch = EnvironmentPatch(dict.fromkeys(("MOCK_LLM_URL", *REAL_ROUTING_VARIABLES)))
        patch.apply()
        self.real, self.real_suite = patch, self.ctx.current_suite
        BuiltIn().set_suite_variable("${MOCK_LLM_URL}", "", "children=True")
        logger.warn("USE_REAL_LLM: no mock started; the agent talks to the real providers.")
        return ""

    def _end_real_llm(self) -> None:
        if self.real is not None:
            self.real.restore()
            self.real = None

    @keyword("Stop Mock LLM")
    def stop_mock_llm(self) -> None:
        """Stops the current mock LLM and restores the environment it changed.

        Does nothing when no mock is running, so it is safe in any teardown.
        """
        if self.real is not None:
            self._end_real_llm()
            return
        if not self.servers:
            logger.info("No mock LLM was running.")
            return
        mock = self.current()
        self.stop_served(mock)
        logger.info(f"Stopped mock LLM at {mock.url}; {mock.app.journal.next_index} requests served.")

    @keyword("Get Mock LLM Admin Token")
    @mock_only
    def get_mock_llm_admin_token(self) -> Secret:
        """Returns the admin token of the current mock as a ``Secret`` (masked in every log).

        The admin API under ``/__agenttest/`` needs it as ``Authorization: Bearer TOKEN``;
        it is never exported to child processes, so the agent under test cannot use it.

        Example:
        | ${token}=    Get Mock LLM Admin Token
        """
        token = self.current().app.pipeline.admin_token or ""
        return Secret(token)

    @keyword("Load LLM Scenario")
    @mock_only
    def load_llm_scenario(self, scenario: str, strict: bool | None = None) -> None:
        """Replaces the scenario of the running mock with the rules in ``scenario`` (a YAML file).

        Rules added with `Add LLM Rule` or the ``Reply With ...`` keywords stay in force.

        Example:
        | Load LLM Scenario    ${CURDIR}/scenarios/errors.yaml
        """
        check_named("Load LLM Scenario", self.load_llm_scenario, scenario=scenario)
        loaded = self._load(scenario, strict)
        self.current().app.load_scenario(loaded)
        logger.info(f"Loaded scenario {loaded.source}: {len(loaded.rules)} rules, strict: {loaded.strict}.")

    @keyword("Configure Mock LLM")
    @mock_only
    def configure_mock_llm(
        self,
        strict: bool | None = None,
        models: str | None = None,
        default_reply: str | None = None,
        embedding_dimensions: int | None = None,
    ) -> None:
        """Changes the scenario-wide settings of the running mock without writing YAML.

        ``strict`` (unmatched requests fail), ``models`` (comma-separated, what ``/v1/models``
        lists), ``default_reply`` (the text for unmatched requests when not strict),
        ``embedding_dimensions`` (default vector size). Rules and faults stay.

        Example:
        | Configure Mock LLM    strict=${FALSE}    default_reply=I am the mock.    models=gpt-5,claude-opus-4-8
        """
        from ..mockllm.embeddings import MAX_DIMENSIONS
        from ..mockllm.scenario import ReplySpec

        app = self.current().app
        changes: dict[str, Any] = {}
        if strict is not None:
            changes["strict"] = strict
        if models is not None:
            changes["models"] = tuple(name.strip() for name in models.split(",") if name.strip())
        if default_reply is not None:
            changes["default_reply"] = ReplySpec(text=default_reply)
        if embedding_dimensions is not None:
            if not 1 <= embedding_dimensions <= MAX_DIMENSIONS:
                raise ScenarioError(f"embedding_dimensions must be 1 to {MAX_DIMENSIONS}; got {embedding_dimensions}.")
            changes["embedding_dimensions"] = embedding_dimensions
        app.load_scenario(replace(app.scenario, **changes))
        logger.info(f"Mock LLM settings changed: {changes}")

    @keyword("Reset Mock LLM")
    @mock_only
    def reset_mock_llm(self) -> None:
        """Forgets every recorded request and restarts every reply sequence."""
        mock = self.current()
        mock.app.reset()
        mock.test_mark = mock.app.journal.next_index

    @staticmethod
    def _load(scenario: str | None, strict: bool | None) -> Scenario:
        from ..mockllm.scenario import Scenario, load_scenario

        loaded = load_scenario(Path(scenario)) if scenario else Scenario(strict=False)
        if strict is not None:
            loaded = replace(loaded, strict=strict)
        return loaded


class UsesMockLLM(LibraryComponent):
    """A component whose keywords are about the current mock LLM (and do nothing in real-LLM mode)."""

    def __init__(self, ctx: LibraryContext, llm: MockLLMKeywords) -> None:
        super().__init__(ctx)
        self.llm = llm

    def real_llm_mode(self) -> bool:
        return self.llm.real_llm_mode()

    def mock(self) -> RunningLLM:
        return self.llm.running()

    def requests(self) -> list[JournalEntry]:
        """Provider requests of the current test (or, outside tests, since the mock started)."""
        return self.mock().entries(self.ctx.current_test is not None)


def unmatched_report(entries: list[JournalEntry]) -> str:
    """A failure message for strict-mode requests no rule matched ('' when all matched)."""
    unmatched = [entry for entry in entries if entry.unmatched]
    if not unmatched:
        return ""
    lines = [
        f"request #{entry.index} {entry.path} (latest user text {_latest_text(entry)!r}): {entry.near_miss}"
        for entry in unmatched
    ]
    return f"{len(unmatched)} request(s) matched no scenario rule:\n" + "\n".join(lines)


def _latest_text(entry: JournalEntry) -> str:
    from ..mockllm.conversation import conversation_of

    conversation = conversation_of(entry)
    return conversation.latest_user_text[:60] if conversation else ""
