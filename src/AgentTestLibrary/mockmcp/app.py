"""One mock MCP server: its declared tools, resources and prompts, its rules, sessions and pipeline.

The server is an :class:`~AgentTestLibrary.mock.pipeline.Application`: the same pipeline,
journal, faults and admin API as the model mock, with routes for streamable HTTP (``/mcp``)
and for stdio clients relayed by ``agenttest mcp relay`` (``/mcp/stdio``). What a scenario
declares can be extended per scope (a test, a suite) from keywords; additions end with it.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..mock.http import Outcome, Request
from ..mock.journal import DEFAULT_LIMIT
from ..mock.pipeline import Endpoint, Found, OnPipeline, Pipeline, Route
from ..mock.rulebook import RuleBook
from ..secrets import SecretRegistry
from .endpoint import MCP_PATH, STDIO_PATH, McpEndpoint, SessionEnd
from .loader import parse_mcp_fault
from .model import ECHO_SERVER, McpFault, McpServerSpec, Prompt, Resource, Tool, ToolRule

MAX_SESSIONS = 1000
T = TypeVar("T")


@dataclass
class Session:
    id: str
    protocol_version: str
    client: dict[str, Any]
    initialized: bool = False


class Scoped(Generic[T]):
    """A catalogue (tools, resources, prompts) by key: the scenario's, then additions by scope (newest wins)."""

    def __init__(self, base: dict[str, T]) -> None:
        self._lock = threading.Lock()
        self._base = base
        self._added: list[tuple[str, str, T]] = []
        self._view: dict[str, T] | None = None

    def load(self, base: dict[str, T]) -> None:
        with self._lock:
            self._base, self._view = base, None

    def add(self, key: str, item: T, scope: str) -> None:
        with self._lock:
            self._added.append((scope, key, item))
            self._view = None

    def remove_scope(self, scope: str) -> None:
        with self._lock:
            self._added = [entry for entry in self._added if entry[0] != scope]
            self._view = None

    def items(self) -> dict[str, T]:
        with self._lock:
            if self._view is None:
                self._view = {**self._base, **{key: item for _, key, item in self._added}}
            return self._view


class MockMCP(OnPipeline):
    """A mock MCP server's state and answers; serve it with ``MockServer(MockMCP(spec)).start()``."""

    name = "mock MCP server"

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
        self._tools: Scoped[Tool] = Scoped({tool.name: tool for tool in spec.tools})
        self._resources: Scoped[Resource] = Scoped({resource.uri: resource for resource in spec.resources})
        self._prompts: Scoped[Prompt] = Scoped({prompt.name: prompt for prompt in spec.prompts})
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self.endpoint = McpEndpoint(self, stdio=False)
        self.pipeline = Pipeline(self, secrets, admin_token=admin_token, journal_limit=journal_limit)
        self.pipeline.faults.replace_scope("scenario", spec.faults)

    # -- what the pipeline asks ----------------------------------------------------------------

    def routes(self) -> list[Route]:
        session_end = SessionEnd(self)
        return [
            Route(("POST",), MCP_PATH, self.endpoint),
            Route(("DELETE",), MCP_PATH, session_end),
            Route(("POST",), STDIO_PATH, McpEndpoint(self, stdio=True)),
        ]

    def shape_for(self, request: Request) -> Endpoint:
        return self.endpoint

    def not_found(self, request: Request, found: Found) -> Outcome:
        if found.allowed:
            allowed = " or ".join(found.allowed)
            message = f"{request.path} accepts {allowed}, not {request.method} (this server offers no SSE stream)."
            outcome = self.endpoint.error(405, message)
            outcome.headers.append(("allow", ", ".join(found.allowed)))
            return outcome
        return self.endpoint.error(404, f"Unknown path {request.path}: the MCP endpoint of this server is {MCP_PATH}.")

    def blocking(self, request: Request) -> bool:
        return False

    def reset(self) -> None:
        """Forget sessions and restart sequences (the pipeline also empties the journal and fault counters)."""
        with self._lock:
            self._sessions.clear()
        self.rulebook.reset_positions()

    def parse_fault(self, data: Any, source: str) -> McpFault:
        return parse_mcp_fault(data, source)

    # -- what the methods and keywords use -----------------------------------------------------

    def tools(self) -> dict[str, Tool]:
        return self._tools.items()

    def resources(self) -> dict[str, Resource]:
        return self._resources.items()

    def prompts(self) -> dict[str, Prompt]:
        return self._prompts.items()

    def load(self, spec: McpServerSpec) -> None:
        """Serve another declaration (keyword additions stay); sequences and fault counters restart."""
        self.spec = spec
        self.rulebook.load(spec.rules)
        self._tools.load({tool.name: tool for tool in spec.tools})
        self._resources.load({resource.uri: resource for resource in spec.resources})
        self._prompts.load({prompt.name: prompt for prompt in spec.prompts})
        self.faults.replace_scope("scenario", spec.faults)
        self.faults.reset_counters()

    def add_tool(self, tool: Tool, rule: ToolRule | None, scope: str) -> None:
        self._tools.add(tool.name, tool, scope)
        if rule is not None:
            self.rulebook.add(rule, scope)

    def add_rule(self, rule: ToolRule, scope: str) -> None:
        self.rulebook.add(rule, scope)

    def add_resource(self, resource: Resource, scope: str) -> None:
        self._resources.add(resource.uri, resource, scope)

    def add_prompt(self, prompt: Prompt, scope: str) -> None:
        self._prompts.add(prompt.name, prompt, scope)

    def add_fault(self, fault: McpFault, scope: str) -> None:
        self.faults.add(fault, scope)

    def remove_scope(self, scope: str) -> None:
        """Drop what was added for ``scope`` (tools, rules, resources, prompts, faults)."""
        self.rulebook.remove_scope(scope)
        for catalogue in (self._tools, self._resources, self._prompts):
            catalogue.remove_scope(scope)
        self.faults.remove(scope)

    def reset_counters(self) -> None:
        self.rulebook.reset_positions()
        self.faults.reset_counters()

    # -- sessions ------------------------------------------------------------------------------

    def open_session(self, protocol_version: str, client: dict[str, Any], session_id: str = "") -> Session:
        session = Session(session_id or uuid.uuid4().hex, protocol_version, client)
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
