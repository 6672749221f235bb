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
from ..mock.http import Request
from ..mock.journal import DEFAULT_LIMIT
from ..mock.pipeline import Route
from ..mock.rulebook import RuleBook
from ..mock.scoped import Scoped, ScopedCatalogue
from ..secrets import SecretRegistry
from .endpoint import MCP_PATH, STDIO_PATH, McpEndpoint, SessionEnd, StandaloneStreamEndpoint
from .loader import parse_mcp_fault
from .model import ECHO_SERVER, McpFault, McpServerSpec, Prompt, Resource, ResourceTemplate, Tool, ToolRule
from .outbound import Listener, Notices, Outbox, RequestState
from .tape import McpTape

MAX_SESSIONS = 1000


@dataclass
class Session:
    id: str
    protocol_version: str
    client: dict[str, Any]
    capabilities: dict[str, Any] = field(default_factory=dict)  # what the client declared in initialize
    initialized: bool = False
    log_level: str = ""  # set by logging/setLevel: log notifications below it are not sent
    subscriptions: set[str] = field(default_factory=set)  # resource URIs (resources/subscribe)
    notices: Notices = field(default_factory=Notices)  # what the standalone GET stream sends next


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
        self._listeners: list[Listener] = []  # subscriptions/listen streams (stateless revision)
        self._lock = threading.Lock()
        self.endpoint = McpEndpoint(self, stdio=False)
        self.start_pipeline(secrets, admin_token=admin_token, journal_limit=journal_limit, faults=spec.faults)
        self.outbox = Outbox(self.journal)
        self.request_states = RequestState()  # seals the stateless revision's requestState
        self.tape: McpTape | None = None  # a test's cassette: it answers instead of the declared tools and rules

    # -- what the pipeline asks ----------------------------------------------------------------

    def routes(self) -> list[Route]:
        session_end = SessionEnd(self)
        return [
            Route(("POST",), MCP_PATH, self.endpoint),
            Route(("DELETE",), MCP_PATH, session_end),
            Route(("GET",), MCP_PATH, StandaloneStreamEndpoint(self)),
            Route(("POST",), STDIO_PATH, McpEndpoint(self, stdio=True)),
        ]

    def scoped(self) -> tuple[Scoped[Any, Any], ...]:
        return (self.rulebook, self._tools, self._resources, self._templates, self._prompts)

    def reset(self) -> None:
        """Forget sessions and restart every counter (the pipeline also empties the journal)."""
        with self._lock:
            ended, self._sessions = list(self._sessions.values()), OrderedDict()
            listeners, self._listeners = self._listeners, []
        for session in ended:
            session.notices.close()
        for listener in listeners:
            listener.notices.close()
        super().reset()

    def parse_fault(self, data: Any, source: str) -> McpFault:
        return parse_mcp_fault(data, source)

    def blocking(self, request: Request) -> bool:
        """Recording waits on the real server: it runs off the event loop."""
        return self.tape is not None and self.tape.may_record

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
        self.notify_all("notifications/tools/list_changed")

    def add_rule(self, rule: ToolRule, scope_key: str) -> None:
        self.rulebook.add(rule, scope_key)

    def add_resource(self, resource: Resource, scope_key: str) -> None:
        """Offers a resource; a new URI tells every session the list changed, a known one tells its subscribers
        (``notifications/resources/updated``)."""
        known = resource.uri in self._resources.view()
        self._resources.add((resource.uri, resource), scope_key)
        if known:
            self.notify_all("notifications/resources/updated", {"uri": resource.uri}, subscribed_to=resource.uri)
        else:
            self.notify_all("notifications/resources/list_changed")

    def add_prompt(self, prompt: Prompt, scope_key: str) -> None:
        self._prompts.add((prompt.name, prompt), scope_key)
        self.notify_all("notifications/prompts/list_changed")

    def notify_all(self, method: str, params: dict[str, Any] | None = None, subscribed_to: str | None = None) -> int:
        """Queue a notification on the standalone stream of every session (subscribed to ``subscribed_to``, when
        given); returns how many sessions it was queued for."""
        message = {"jsonrpc": "2.0", "method": method, "params": params or {}}
        with self._lock:
            sessions = [session for session in self._sessions.values()
                        if subscribed_to is None or subscribed_to in session.subscriptions]  # fmt: skip
            listeners = list(self._listeners)
        for session in sessions:
            session.notices.put(message)
        for listener in listeners:
            listener.offer(method, params or {}, subscribed_to)
        return len(sessions)

    def listen(self, request_id: Any, wanted: dict[str, Any]) -> Listener:
        """A ``subscriptions/listen`` stream (stateless revision), registered until it closes."""
        listener = Listener(request_id, wanted, self._unlisten)
        with self._lock:
            self._listeners.append(listener)
            while len(self._listeners) > MAX_SESSIONS:
                self._listeners.pop(0).notices.close()
        return listener

    def _unlisten(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    # -- sessions ------------------------------------------------------------------------------

    def open_session(self, protocol_version: str, params: dict[str, Any], session_id: str = "") -> Session:
        """A session for the client whose ``initialize`` params (``clientInfo``, ``capabilities``) are given."""
        client, capabilities = params.get("clientInfo"), params.get("capabilities")
        session = Session(session_id or uuid.uuid4().hex, protocol_version, client if isinstance(client, dict) else {},
                          capabilities if isinstance(capabilities, dict) else {})  # fmt: skip
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)[1].notices.close()
        return session

    def session(self, session_id: str) -> Session | None:
        with self._lock:
            return self._sessions.get(session_id)

    def end_session(self, session_id: str) -> bool:
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is not None:
            session.notices.close()
        return session is not None
