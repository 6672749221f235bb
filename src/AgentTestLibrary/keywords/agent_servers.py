"""Web-serving agents under test from Robot: started as real subprocesses, stopped with the scope that started them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from robot.api import logger
from robot.api.deco import keyword
from robot.utils import timestr_to_secs

from ..errors import AgentServerError, NotRunningError
from ..harness.agent_server import URL, AgentServer
from ..naming import check_identifier
from .scopes import LibraryComponent, Scope, TestReport

if TYPE_CHECKING:
    from .context import LibraryContext

ENV_PREFIX = "env:"


@dataclass
class Running:
    server: AgentServer
    scope_key: str


class AgentServerKeywords(LibraryComponent):
    """Agent servers by name; each stops at the end of the test or suite that started it."""

    def __init__(self, ctx: LibraryContext) -> None:
        super().__init__(ctx)
        self.running: dict[str, Running] = {}

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        for name, running in list(self.running.items()):
            if running.scope_key == scope.key:
                self._stop(name, f"at the end of {scope.kind} '{scope.name}'")

    def close(self) -> None:
        for name in list(self.running):
            self._stop(name, "as the library closed")

    @keyword("Start Agent Server")
    def start_agent_server(self, *command: str, name: str | None = None, url: str | None = None,
                           url_pattern: str | None = None, timeout: str = "30s", cwd: str | None = None,
                           **env: str) -> str:  # fmt: skip
        """Starts the agent under test as a real web-serving subprocess and returns its URL once it is up.

        The URL is the first one the agent prints (``url_pattern``: a regular expression for
        the line that announces it; its first group is the URL when it has one), or ``url`` as
        given once anything answers there (any HTTP status). The agent gets this process's
        environment (the mocks' exported variables included) plus ``env:NAME=value`` arguments,
        and runs in ``cwd``. Waiting is bounded by ``timeout``: when it passes, or the agent
        exits first, the keyword fails naming the command, the URL awaited and the agent's last
        output lines. Its output (stdout and stderr, secrets masked) goes to
        ``${OUTPUT DIR}/agenttest-agent-servers/SUITE-NAME/output.log``. It stops (its whole process
        group: SIGTERM, then SIGKILL after 10 s) at the end of the test or suite that started
        it, or with `Stop Agent Server`. ``name`` defaults to the script's file name without
        its extension.

        Example:
        | ${python}=    Evaluate    sys.executable    modules=sys
        | ${url}=    Start Agent Server    ${python}    ${CURDIR}/agents/triage_agent.py
        | ...    url_pattern=TRIAGE_URL=(\\\\S+)    env:GITHUB_TOKEN=ghp_fixture
        | ${url}=    Start Agent Server    ${python}    -m    my_agent.web    --port    8765
        | ...    url=http://127.0.0.1:8765/health    timeout=60s
        """
        unknown = [key for key in env if not key.startswith(ENV_PREFIX)]
        if unknown:
            raise AgentServerError(f"Start Agent Server: unknown argument(s) {', '.join(unknown)}; give name=, url=, "
                                   "url_pattern=, timeout=, cwd= or env:NAME=value.")  # fmt: skip
        chosen = name or (Path(_script(command)).stem if command else "agent")
        check_identifier(chosen, "Agent server name", "it names its log folder; give name=")
        if chosen in self.running:
            raise AgentServerError(f"An agent server named '{chosen}' is already running at "
                                   f"{self.running[chosen].server.url or '(not ready)'}; stop it first or give "
                                   "another name=.")  # fmt: skip
        variables = {**os.environ, **{key[len(ENV_PREFIX) :]: str(value) for key, value in env.items()}}
        log = self.ctx.fresh_folder("agent-servers", f"{self.ctx.current_suite}-{chosen}") / "output.log"
        server = AgentServer(chosen, list(command), log, self.ctx.secrets, env=variables, cwd=cwd)
        self.running[chosen] = Running(server, self.ctx.scope_key)
        try:
            ready = server.wait_ready(timestr_to_secs(timeout), url=url, pattern=url_pattern or (None if url else URL))
        except AgentServerError:
            self._stop(chosen, "because it did not come up")
            raise
        logger.info(f"Agent server '{chosen}' at {ready} ({server.shown()}); output: {log}.")
        return ready

    @keyword("Stop Agent Server")
    def stop_agent_server(self, name: str | None = None) -> int:
        """Stops agent server ``name`` (default: the one started last) and logs its last output lines; returns its
        exit code. Servers also stop on their own at the end of the test or suite that started them."""
        if not self.running:
            raise NotRunningError("No agent server is running. Start one with 'Start Agent Server'.")
        chosen = name or next(reversed(self.running))
        if chosen not in self.running:
            raise NotRunningError(f"No agent server named '{chosen}' ({', '.join(self.running)} running).")
        return self._stop(chosen, "")

    def _stop(self, name: str, when: str) -> int:
        server = self.running.pop(name).server
        code = server.stop()
        logger.info(f"Agent server '{name}' stopped{' ' + when if when else ''} (exit code {code}). Last output "
                    f"lines:\n{server.tail()}")  # fmt: skip
        return code


def _script(command: tuple[str, ...]) -> str:
    """The script a command runs: the first argument after the interpreter that is not an option."""
    return next((part for part in command[1:] if not part.startswith("-")), command[0])
