"""Starting and stopping the mock LLM server, and loading scenarios into it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn

from ..mockllm import MockLLM, MockServer, MockServerError
from ..mockllm.environment import EnvironmentPatch, agent_environment
from ..mockllm.scenario import Scenario, ScenarioError, load_scenario
from .context import LibraryContext, RunningMock


class MockLLMKeywords:
    def __init__(self, ctx: LibraryContext) -> None:
        self.ctx = ctx

    @keyword("Start Mock LLM")
    def start_mock_llm(
        self,
        scenario: str | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        strict: bool | None = None,
        base_port: int | None = None,
    ) -> str:
        """Starts a mock LLM server in this process and points child processes at it.

        Returns the base URL (``http://127.0.0.1:PORT``) and sets ``${MOCK_LLM_URL}``.
        Exports for processes started afterwards (e.g. with ``Run Process``):
        ``OPENAI_BASE_URL=<url>/v1``, ``ANTHROPIC_BASE_URL=<url>``, ``MOCK_LLM_URL`` and
        fixture API keys (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ``GEMINI_API_KEY``);
        ``ANTHROPIC_AUTH_TOKEN`` is unset, so real keys never reach the agent.
        `Stop Mock LLM` restores the environment; a mock still running at the end of the
        suite that started it is stopped automatically.

        - ``scenario``: YAML scenario file. Without it every request gets a deterministic
          default text reply. With it, requests no rule matches fail (strict mode) unless the
          scenario says ``strict: false`` or ``strict=False`` is given here.
        - ``port``: ``0`` (default) lets the OS pick a free port, which is safe under pabot.
        - ``base_port``: fixed-port mode for agents that need a known port: the port is
          ``base_port + ${PABOTQUEUEINDEX}`` (``+ 0`` under plain robot). A busy port fails
          with a clear error.

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
        loaded = self._load(scenario, strict)
        if base_port is not None:
            port = base_port + int(BuiltIn().get_variable_value("${PABOTQUEUEINDEX}", 0))
        self.ctx.secrets.add_from_environment()
        app = MockLLM(loaded, self.ctx.secrets)
        server = MockServer(app, host, port)
        try:
            url = server.start()
        except MockServerError as error:
            raise RuntimeError(str(error)) from None
        environment = EnvironmentPatch(agent_environment(url))
        environment.apply()
        mock = RunningMock(app, server, environment, self.ctx.current_suite, app.journal.next_index)
        self.ctx.mocks.append(mock)
        BuiltIn().set_suite_variable("${MOCK_LLM_URL}", url, "children=True")
        worker = BuiltIn().get_variable_value("${PABOTQUEUEINDEX}", "none (plain robot)")
        logger.info(
            f"Mock LLM listening on {url} (scenario: {loaded.source}, {len(loaded.rules)} rules, "
            f"strict: {loaded.strict}; pabot queue index: {worker})."
        )
        return url

    @keyword("Stop Mock LLM")
    def stop_mock_llm(self) -> None:
        """Stops the current mock LLM and restores the environment it changed.

        Does nothing when no mock is running, so it is safe in any teardown.
        """
        if not self.ctx.mocks:
            logger.info("No mock LLM was running.")
            return
        mock = self.ctx.mocks[-1]
        self.ctx.stop_mock(mock)
        logger.info(f"Stopped mock LLM at {mock.url}; {mock.app.journal.next_index} requests served.")

    @keyword("Load LLM Scenario")
    def load_llm_scenario(self, scenario: str, strict: bool | None = None) -> None:
        """Replaces the scenario of the running mock with the rules in ``scenario`` (a YAML file).

        Rules added with `Add LLM Rule` or the ``Reply With ...`` keywords stay in force.

        Example:
        | Load LLM Scenario    ${CURDIR}/scenarios/errors.yaml
        """
        loaded = self._load(scenario, strict)
        self.ctx.current_mock().app.load_scenario(loaded)
        logger.info(f"Loaded scenario {loaded.source}: {len(loaded.rules)} rules, strict: {loaded.strict}.")

    @keyword("Reset Mock LLM")
    def reset_mock_llm(self) -> None:
        """Forgets every recorded request and restarts every reply sequence."""
        mock = self.ctx.current_mock()
        mock.app.reset()
        mock.test_mark = mock.app.journal.next_index

    @staticmethod
    def _load(scenario: str | None, strict: bool | None) -> Scenario:
        try:
            loaded = load_scenario(Path(scenario)) if scenario else Scenario(strict=False)
        except ScenarioError as error:
            raise RuntimeError(str(error)) from None
        if strict is not None:
            loaded = replace(loaded, strict=strict)
        return loaded
