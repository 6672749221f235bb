"""One mock MCP server: its declared tools, resources and prompts, its rules, sessions and pipeline.

The server is a :class:`~AgentTestLibrary.mock.application.MockApplication`: the same pipeline,
journal, faults and admin API as the model mock, with routes for streamable HTTP (``/mcp``)
and for stdio clients relayed by ``agenttest mcp relay`` (``/mcp/stdio``). What a scenario
declares can be extended per scope (a test, a suite) from keywords; additions end with it.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..mock.application import MockApplication
from ..mock.journal import DEFAULT_LIMIT
from ..mock.pipeline import Route
from ..mock.rulebook import RuleBook
from ..mock.scoped import Scoped, ScopedCatalogue
from ..secrets import SecretRegistry
from .endpoint import MCP_PATH, STDIO_PATH, McpEndpoint, SessionEnd
from .loader import parse_mcp_fault
from .model import ECHO_SERVER, McpFault, McpServerSpec, Prompt, Resource, ResourceTemplate, Tool, ToolRule
from .outbound import Outbox

MAX_SESSIONS = 1000


@dataclass
class Session:
    id: str
    protocol_version: str
    client: dict[str, Any]
    capabilities: dict[str, Any] = field(default_factory=dict)  # what the client declared in initialize
    initialized: bool = False
    log_level: str = ""  # set by logging/setLevel: log notifications below it are not sent


class MockMCP(MockApplication):
    """A mock MCP server's state and answers; serve it with ``MockServer(MockMCP(spec)).start()``."""

    name = "mock MCP server"
    paths_hint = f" The MCP endpoint of this server is {MCP_PATH}."

    def __init__(
        self,
        spec: McpServerSpec = ECHO_SERVER,
        secrets: SecretRegistry | None = None,
        *,
        admin_token: str | None = None,
        journal_limit: int = DEFAULT_LIMIT,
    ) -> None:
        self.spec = spec
        self.rulebook: RuleBook[ToolRule] = RuleBook(spec.rules)
        self._tools: ScopedCatalogue[Tool] = ScopedCatalogue((tool.name, tool) for tool in spec.tools)
        self._resources: ScopedCatalogue[Resource] = ScopedCatalogue((item.uri, item) for item in spec.resources)
        self._templates: ScopedCatalogue[ResourceTemplate] = ScopedCatalogue(
            (item.uri_template, item) for item in spec.resource_templates
        )
        self._prompts: ScopedCatalogue[Prompt] = ScopedCatalogue((prompt.name, prompt) for prompt in spec.prompts)
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self.endpoint = McpEndpoint(self, stdio=False)
        self.start_pipeline(secrets, admin_token=admin_token, journal_limit=journal_limit, faults=spec.faults)
        self.outbox = Outbox(self.journal)

    # -- what the pipeline asks ----------------------------------------------------------------

    def routes(self) -> list[Route]:
        session_end = SessionEnd(self)
        return [
            Route(("POST",), MCP_PATH, self.endpoint),
            Route(("DELETE",), MCP_PATH, session_end),
            Route(("POST",), STDIO_PATH, McpEndpoint(self, stdio=True)),
        ]

    def scoped(self) -> tuple[Scoped[Any, Any], ...]:
        return (self.rulebook, self._tools, self._resources, self._templates, self._prompts)

    def reset(self) -> None:
        """Forget sessions and restart every counter (the pipeline also empties the journal)."""
        with self._lock:
            self._sessions.clear()
        super().reset()

    def parse_fault(self, data: Any, source: str) -> McpFault:
        return parse_mcp_fault(data, source)

    # -- what the methods and keywords use -----------------------------------------------------

    def tools(self) -> dict[str, Tool]:
        return self._tools.view()

    def resources(self) -> dict[str, Resource]:
        return self._resources.view()

    def resource_templates(self) -> dict[str, ResourceTemplate]:
        return self._templates.view()

    def prompts(self) -> dict[str, Prompt]:
        return self._prompts.view()

    def load(self, spec: McpServerSpec) -> None:
        """Serve another declaration (keyword additions stay); sequences and fault counters restart."""
        self.spec = spec
        self.rulebook.load(spec.rules)
        self._tools.load((tool.name, tool) for tool in spec.tools)
        self._resources.load((resource.uri, resource) for resource in spec.resources)
        self._templates.load((template.uri_template, template) for template in spec.resource_templates)
        self._prompts.load((prompt.name, prompt) for prompt in spec.prompts)
        self.faults.load(spec.faults)

    def add_tool(self, tool: Tool, rule: ToolRule | None, scope_key: str) -> None:
        self._tools.add((tool.name, tool), scope_key)
        if rule is not None:
            self.rulebook.add(rule, scope_key)

    def add_rule(self, rule: ToolRule, scope_key: str) -> None:
        self.rulebook.add(rule, scope_key)

    def add_resource(self, resource: Resource, scope_key: str) -> None:
        self._resources.add((resource.uri, resource), scope_key)

    def add_prompt(self, prompt: Prompt, scope_key: str) -> None:
        self._prompts.add((prompt.name, prompt), scope_key)

    # -- sessions ------------------------------------------------------------------------------

    def open_session(self, protocol_version: str, params: dict[str, Any], session_id: str = "") -> Session:
        """A session for the client whose ``initialize`` params (``clientInfo``, ``capabilities``) are given."""
        client, capabilities = params.get("clientInfo"), params.get("capabilities")
        session = Session(session_id or uuid.uuid4().hex, protocol_version, client if isinstance(client, dict) else {},
                          capabilities if isinstance(capabilities, dict) else {})  # fmt: skip
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return session

    def session(self, session_id: str) -> Session | None:
        with self._lock:
            return self._sessions.get(session_id)

    def end_session(self, session_id: str) -> bool:
        with self._lock:
            return self._sessions.pop(session_id, None) is not None
