"""Pinned agent CLIs (Claude Code, Codex, Gemini CLI, pi, opencode) for the real-agent lane."""

from __future__ import annotations

from robot.api import logger
from robot.api.deco import keyword

from ..errors import AgentInstallError, SkipTest
from ..harness import agents
from ..harness.agents import AgentName
from .scopes import LibraryComponent


class AgentKeywords(LibraryComponent):
    @keyword("Install Agent CLIs")
    def install_agent_clis(self, *names: AgentName) -> dict[str, str]:
        """Installs the pinned versions of ``names`` (``claude-code``, ``codex``, ``gemini-cli``, ``pi``,
        ``opencode``) with npm.

        Idempotent and locked (pabot workers wait for each other); installs into
        ``AGENTTEST_AGENTS_PREFIX`` or ``$XDG_CACHE_HOME/agenttest/agents`` (``~/.cache/agenttest/agents``
        without it) and verifies each with ``--version``. Skips the
        test or suite when npm or its registry is not available on this machine, fails on
        any other problem. Returns each name's binary path.

        Example:
        | Suite Setup    Install Agent CLIs    claude-code    codex
        """
        try:
            results = agents.install(list(names))
        except AgentInstallError as error:
            if error.unavailable:
                raise SkipTest(f"Agent CLIs unavailable here: {error}") from None
            raise
        for result in results:
            logger.info(f"{result.name} {result.version}: {result.action} at {result.binary}")
        return {result.name: str(result.binary) for result in results}
