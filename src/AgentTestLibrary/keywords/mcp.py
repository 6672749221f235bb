"""Mock MCP servers from Robot: start and stop them, script their tools, break them, point agents at them.

What the agent called is asked by :mod:`.mcp_assertions`."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn

from ..environment import EnvironmentPatch, agenttest_command
from ..errors import ScenarioError
from ..harness.mcp_config import McpRuntime, McpTarget, check_server_name, install_mcp_config
from ..naming import variable_part
from ..validation import data_from
from .arguments import check_named
from .scopes import Scope, TestReport
from .served import Served, ServedComponent, inject_fault

if TYPE_CHECKING:  # the MCP model and server load when a suite starts a mock MCP server
    from ..harness.mcp_config import InstalledMcpConfig
    from ..mock.journal import JournalEntry
    from ..mockmcp.model import McpRequest
    from .context import LibraryContext
    from .runtimes import RuntimeKeywords

McpTransport = Literal["http", "stdio"]
ResponseMode = Literal["auto", "json", "sse"]
WHEN_KEYS = ("method", "tool", "arguments")


@dataclass
class RunningMcp(Served):
    """A started mock MCP server, with the transport agents are told to use."""

    transport: McpTransport = "http"
    endpoint: str = ""  # streamable HTTP: <server>/mcp
    relay: str = ""  # where the stdio relay posts: <server>/mcp/stdio

    @property
    def url(self) -> str:
        return self.endpoint

    @property
    def command(self) -> list[str]:
        """The stdio command line agents launch: the relay to this server."""
        return [*agenttest_command(), "mcp", "relay", self.relay]

    def counts(self, entry: JournalEntry) -> bool:
        """The client's requests (not those the transport refused: no or unknown session, wrong revision) and what
        the server asked the client mid-call with its answers (so both reach the test's evidence)."""
        if entry.kind == "server-request":
            return True
        return super().counts(entry) and getattr(entry.subject, "refusal", None) is None

    def calls(self, in_test: bool) -> list[tuple[JournalEntry, McpRequest]]:
        from ..mockmcp.model import McpRequest

        return [(entry, entry.subject) for entry in self.entries(in_test) if isinstance(entry.subject, McpRequest)]

    def server_requests(self, in_test: bool) -> list[JournalEntry]:
        """What this server asked its clients mid-call (elicitation, sampling, roots), each with the client's answer."""
        return [entry for entry in self.entries(in_test) if entry.kind == "server-request"]


def variable_name(server: str, what: str) -> str:
    return f"AGENTTEST_MCP_{variable_part(server)}_{what}"


@dataclass
class _Installed:
    scope: str
    config: InstalledMcpConfig


class McpKeywords(ServedComponent):
    """Mock MCP servers follow scopes like the model mock (see :mod:`.served`); agent configs written in a scope
    are taken out at its end."""

    kind = "mock MCP server"
    evidence_tag = "mcp"
    source = "mcp"
    label = "MCP"

    def __init__(self, ctx: LibraryContext, runtimes: RuntimeKeywords) -> None:
        super().__init__(ctx)
        self.runtimes = runtimes
        self.configs: list[_Installed] = []

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        self._remove_configs(scope.key)
        super().end_scope(scope, report)

    def close(self) -> None:
        self._remove_configs(None)
        super().close()

    def describe(self, entry: JournalEntry) -> str:
        from ..mockmcp.model import McpRequest

        request = entry.subject
        return f"{request.method} {request.tool}" if isinstance(request, McpRequest) and request.tool else (
            request.method if isinstance(request, McpRequest) else entry.path)  # fmt: skip

    def _remove_configs(self, scope: str | None) -> None:
        for installed in [item for item in self.configs if scope is None or item.scope == scope]:
            installed.config.remove()
            self.ctx.ledger.forget(installed.config.entries)
            self.configs.remove(installed)

    def server(self, name: str) -> RunningMcp:
        return cast(RunningMcp, self.served(name))

    def of_test_mcp(self, server: str | None) -> list[RunningMcp]:
        return [cast(RunningMcp, served) for served in self.of_test(server)]

    # -- servers -------------------------------------------------------------------------------

    @keyword("Start Mock MCP Server")
    def start_mock_mcp_server(
        self,
        name: str = "tools",
        scenario: str | None = None,
        transport: McpTransport = "http",
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        strict: bool | None = None,
    ) -> str | list[str]:
        """Starts a mock MCP server ``name`` in this process; returns its URL, or the command line for stdio.

        - ``scenario``: a scenario file whose ``mcp_servers`` section declares the server
          ``name`` (tools with ``inputSchema``, rules, resources, prompts, faults; see
          `MCP servers` in the introduction). Without it the server offers one tool,
          ``echo`` (``{"text": string}`` → the same text).
        - ``transport=http``: streamable HTTP on ``host`` (loopback), ``port`` 0 lets the OS
          pick (safe under pabot); returns ``http://127.0.0.1:PORT/mcp``.
        - ``transport=stdio``: returns the command line (a list) an agent's MCP config
          launches; it relays stdin/stdout to this server, so rules, faults and the journal
          stay in this process.
        - ``strict``: overrides the closed world (default on): undeclared tools, arguments
          that do not fit a tool's ``inputSchema`` and calls no rule answers fail the test at
          its end with a near-miss report.

        Exports ``AGENTTEST_MCP_<NAME>_URL`` and ``AGENTTEST_MCP_<NAME>_COMMAND`` to processes
        started afterwards, and sets ``${MCP_<NAME>_URL}``. Several servers with different
        names may run at once. A server still running when the suite that started it ends
        stops then; `Install MCP Server Config` points an agent CLI at it.

        Example:
        | ${url}=    Start Mock MCP Server    name=tools    scenario=${CURDIR}/scenarios/flow.yaml
        | ${cmd}=    Start Mock MCP Server    name=files    transport=stdio
        """
        from ..mockmcp import MCP_PATH, MockMCP, load_mcp_server
        from ..mockmcp.endpoint import STDIO_PATH

        check_named("Start Mock MCP Server", self.start_mock_mcp_server, name=name, scenario=scenario)
        check_server_name(name)
        self.check_free(name)
        spec = replace(load_mcp_server(scenario, name if scenario else None), name=name)
        if strict is not None:
            spec = replace(spec, strict=strict)
        self.ctx.secrets.add_from_environment()
        app = MockMCP(spec, self.ctx.secrets)
        server = self.start_server(app, host, port)
        running = RunningMcp(name, app, server, self.ctx.current_suite, EnvironmentPatch({}), transport=transport,
                             endpoint=server.url + MCP_PATH, relay=server.url + STDIO_PATH)  # fmt: skip
        exported = {
            variable_name(name, "URL"): running.url,
            variable_name(name, "COMMAND"): shlex.join(running.command),
        }
        running.environment = EnvironmentPatch(exported)
        self.add_served(running)
        BuiltIn().set_suite_variable(f"${{MCP_{variable_part(name)}_URL}}", running.url, "children=True")
        logger.info(f"Mock MCP server '{name}' ({transport}) at {running.url}: {len(spec.tools)} tool(s), "
                    f"{len(spec.rules)} rule(s), strict: {spec.strict} (scenario: {spec.source}).")  # fmt: skip
        return running.command if transport == "stdio" else running.url

    @keyword("Stop Mock MCP Server")
    def stop_mock_mcp_server(self, name: str = "tools") -> None:
        """Stops the mock MCP server ``name`` and unsets its variables; does nothing when it is not running."""
        running = self.servers.get(name)
        if running is None:
            logger.info(f"No mock MCP server named '{name}' was running.")
            return
        self.stop_served(running)
        logger.info(f"Stopped mock MCP server '{name}'; {running.app.journal.next_index} exchanges served.")

    @keyword("Get MCP Server URL")
    def get_mcp_server_url(self, name: str = "tools") -> str:
        """The streamable HTTP URL (``.../mcp``) of the running server ``name``."""
        return self.server(name).url

    @keyword("Get MCP Server Command")
    def get_mcp_server_command(self, name: str = "tools") -> list[str]:
        """The stdio command line (a list) that reaches the running server ``name``, whatever its transport."""
        return self.server(name).command

    @keyword("Load MCP Scenario")
    def load_mcp_scenario(self, scenario: str, name: str = "tools") -> None:
        """Replaces what server ``name`` declares with the file's ``mcp_servers.<name>``; keyword additions stay."""
        from ..mockmcp import load_mcp_server

        running = self.server(name)
        running.app.load(replace(load_mcp_server(scenario, name), name=name))

    @keyword("Configure Mock MCP Server")
    def configure_mock_mcp_server(
        self,
        name: str = "tools",
        *,
        strict: bool | None = None,
        page_size: int | None = None,
        response: ResponseMode | None = None,
        instructions: str | None = None,
        revisions: list[str] | str | None = None,
    ) -> None:
        """Changes server-wide settings: ``strict`` (closed world), ``page_size`` (list pages; 0: one page),
        ``response`` (``auto``, the default, and ``json``: JSON whenever the client accepts it; ``sse``: always
        a one-event SSE stream), ``instructions`` and ``revisions``: the protocol revisions served side by side
        (a list or comma-separated; default all: 2026-07-28, the stateless one, and 2025-11-25, 2025-06-18,
        2025-03-26, 2024-11-05 through ``initialize``).

        Example:
        | Configure Mock MCP Server    tools    page_size=2    response=json
        | Configure Mock MCP Server    tools    revisions=2025-06-18    # an older server: no server/discover
        """
        from ..mockmcp.loader import parse_mcp_revisions
        from ..mockmcp.model import RESPONSE_MODES

        app = self.server(name).app
        served = None
        if revisions is not None:
            listed = [item.strip() for item in revisions.split(",")] if isinstance(revisions, str) else revisions
            served = parse_mcp_revisions(listed, "Configure Mock MCP Server")
        given = {"strict": strict, "page_size": page_size, "response": response, "instructions": instructions,
                 "revisions": served}  # fmt: skip
        changes: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
        if page_size is not None and page_size < 0:
            raise ScenarioError(f"page_size must be 0 (one page) or positive; got {page_size}.")
        if response is not None and response not in RESPONSE_MODES:
            raise ScenarioError(f"response must be one of {', '.join(RESPONSE_MODES)}; got {response!r}.")
        app.spec = replace(app.spec, **changes)
        logger.info(f"Mock MCP server '{name}' settings changed: {changes}")

    # -- what the server offers ----------------------------------------------------------------

    @keyword("Add MCP Tool")
    def add_mcp_tool(
        self,
        tool: str,
        description: str = "",
        *,
        input_schema: dict[str, Any] | str | None = None,
        output_schema: dict[str, Any] | str | None = None,
        text: str | None = None,
        structured: Any = None,
        server: str = "tools",
    ) -> None:
        """Declares a tool on server ``server`` for the current test (or suite, in a suite setup).

        ``input_schema`` / ``output_schema`` are JSON Schemas (a dictionary, or JSON/YAML
        text); ``text`` and ``structured`` make the tool's default reply (``{{argument}}``
        placeholders are filled from the call). A tool of the same name replaces the
        scenario's while the scope lasts.

        Example:
        | Add MCP Tool    search    Search the docs
        | ...    input_schema={"type": "object", "properties": {"query": {"type": "string"}}}
        | ...    text=Found 3 pages about {{query}}
        """
        from ..mockmcp.loader import parse_mcp_tool

        data: dict[str, Any] = {"name": tool, "description": description}
        for key, value in (("inputSchema", input_schema), ("outputSchema", output_schema)):
            if value is not None:
                data[key] = data_from(value, f"Add MCP Tool {tool}: {key}")
        reply = _reply(text, structured)
        if reply:
            data["reply"] = reply
        parsed, rule = parse_mcp_tool(data, f"Add MCP Tool {tool}")
        self.server(server).app.add_tool(parsed, rule, self.ctx.scope_key)
        logger.info(f"MCP tool '{tool}' added to '{server}' for {self.ctx.scope_key}.")

    @keyword("Reply To MCP Tool")
    def reply_to_mcp_tool(
        self,
        tool: str,
        text: str | None = None,
        *,
        structured: Any = None,
        is_error: bool = False,
        error_code: int | None = None,
        error_message: str = "",
        when: dict[str, Any] | str | None = None,
        server: str = "tools",
    ) -> None:
        """Answers calls of ``tool`` (whose arguments fit ``when``) with a result, an ``isError`` result
        (``is_error=True``) or a JSON-RPC error (``error_code``, ``error_message``).

        ``when`` holds argument conditions as in a scenario (a dictionary or YAML/JSON text):
        ``{query: docs}`` (equals), ``{query: {contains: mcp}}``, ``{query: {matches: "^m"}}``.
        The newest rule added wins; rules end with the test (or suite, in a suite setup).

        Example:
        | Reply To MCP Tool    search    Three results about MCP    when={"query": {"contains": "mcp"}}
        | Reply To MCP Tool    search    The index is down    is_error=${True}
        | Reply To MCP Tool    search    error_code=-32603    error_message=backend down
        """
        from ..mockmcp.loader import parse_mcp_rule

        if error_code is not None:
            reply: dict[str, Any] = {"error": {"code": error_code, "message": error_message or f"error {error_code}"}}
        else:
            reply = _reply(text, structured) or {"text": ""}
            reply["is_error"] = is_error
        rule_when: dict[str, Any] = {"tool": tool}
        if when is not None:
            rule_when["arguments"] = data_from(when, f"Reply To MCP Tool {tool}: when")
        running = self.server(server)
        rule = parse_mcp_rule({"name": f"keyword reply to {tool}", "when": rule_when, "reply": reply},
                              f"Reply To MCP Tool {tool}", tuple(running.app.tools().values()))  # fmt: skip
        running.app.add_rule(rule, self.ctx.scope_key)

    @keyword("Add MCP Rule")
    def add_mcp_rule(self, rule: dict[str, Any] | str, server: str = "tools") -> None:
        """Adds one rule written as in a scenario's ``mcp_servers.NAME.rules`` (a dictionary or YAML/JSON text).

        A reply's ``steps`` script server-to-client traffic before the result: ``log``, ``progress``,
        ``notify``, and questions the client answers (``elicit``, ``sample``, ``roots``) whose answers
        fill ``{{elicitation.field}}`` / ``{{sampling.text}}``; ``declined`` / ``cancelled`` replies answer
        a declined or cancelled form (see `MCP Client Should Have Been Asked For Elicitation`).

        Example:
        | ${rule}=    Catenate    SEPARATOR=\\n
        | ...    name: flaky search
        | ...    when: {tool: search}
        | ...    sequence: [{is_error: true, text: try again}, {text: found it}]
        | Add MCP Rule    ${rule}
        | ${ask}=    Catenate    SEPARATOR=\\n
        | ...    when: {tool: deploy}
        | ...    reply:
        | ...    ${SPACE*2}steps: [{elicit: {message: Which branch?, schema: {type: object}}}]
        | ...    ${SPACE*2}text: deployed {{elicitation.branch}}
        | Add MCP Rule    ${ask}
        """
        from ..mockmcp.loader import parse_mcp_rule

        running = self.server(server)
        parsed = parse_mcp_rule(data_from(rule, "Add MCP Rule"), "Add MCP Rule", tuple(running.app.tools().values()))
        running.app.add_rule(parsed, self.ctx.scope_key)

    @keyword("Add MCP Resource")
    def add_mcp_resource(
        self, uri: str, text: str, name: str | None = None, *, mime_type: str = "text/plain", server: str = "tools"
    ) -> None:
        """Offers a resource (``resources/list``, ``resources/read``) for the current test or suite.

        A new URI sends ``notifications/resources/list_changed`` to every session; a URI the server
        already has changes its content and sends ``notifications/resources/updated`` to the sessions
        subscribed to it (``resources/subscribe``), on their standalone streams.

        Example:
        | Add MCP Resource    file:///docs/readme.md    \\# Read me    mime_type=text/markdown
        | Add MCP Resource    file:///docs/readme.md    \\# Read me, version 2    # subscribers hear of it
        """
        from ..mockmcp.model import Resource

        self.server(server).app.add_resource(Resource(uri, name or uri.rsplit("/", 1)[-1], "", mime_type, text),
                                              self.ctx.scope_key)  # fmt: skip

    @keyword("Add MCP Prompt")
    def add_mcp_prompt(
        self, name: str, text: str, description: str = "", *, arguments: str = "", server: str = "tools"
    ) -> None:
        """Offers a prompt (``prompts/list``, ``prompts/get``): ``text`` with ``{{argument}}`` placeholders,
        ``arguments`` the comma-separated required argument names.

        Example:
        | Add MCP Prompt    review    Review this code: {{code}}    arguments=code
        """
        from ..mockmcp.model import Prompt, PromptArgument

        names = [item.strip() for item in arguments.split(",") if item.strip()]
        prompt = Prompt(name, description, tuple(PromptArgument(item, required=True) for item in names),
                        (("user", {"type": "text", "text": text}),))  # fmt: skip
        self.server(server).app.add_prompt(prompt, self.ctx.scope_key)

    # -- faults --------------------------------------------------------------------------------

    @keyword("Inject MCP Fault")
    def inject_mcp_fault(self, server: str = "tools", **fault: Any) -> str:
        """Makes server ``server`` break matching calls; returns the fault's name.

        Effects: ``status`` (HTTP error, e.g. 503 or 429 with ``retry_after``), ``rpc_error``
        (a JSON-RPC error code, with ``message``), ``is_error`` (an ``isError`` tool result,
        ``message`` its text), ``delay_ms``, ``hang_s`` (bounded), ``cut_after_events=0``
        (the SSE stream drops before its event), ``cut_after_bytes``, ``malformed=json|sse``,
        ``expire_session`` (404: the client must initialize again), ``exit`` (a stdio server
        dies; over HTTP the connection drops unanswered).

        Targeting: ``tool``, ``method`` (e.g. ``tools/list``), ``arguments`` (conditions as
        in `Reply To MCP Tool`), ``nth``, ``times``, ``probability`` with ``seed``; ``name``
        names the fault (default ``keyword fault #N``). Faults injected in a test end with it.

        Example:
        | Inject MCP Fault    tool=search    status=503    retry_after=1    times=1
        | Inject MCP Fault    tool=search    is_error=${True}    message=index offline
        | Inject MCP Fault    expire_session=${True}    nth=2
        """
        from ..mockmcp.loader import FAULT_FIELDS

        return inject_fault(
            self.server(server).app, server, fault, FAULT_FIELDS, WHEN_KEYS, scope_key=self.ctx.scope_key
        )

    @keyword("Clear MCP Faults")
    def clear_mcp_faults(self, server: str = "tools") -> None:
        """Removes the faults injected in the current test (or suite setup) and restarts fault counters."""
        app = self.server(server).app
        app.clear_faults(self.ctx.scope_key)

    # -- agent configuration -------------------------------------------------------------------

    @keyword("Install MCP Server Config")
    def install_mcp_server_config(
        self, runtime: McpRuntime, server: str = "tools", transport: McpTransport | None = None,
        project: str | None = None,
    ) -> str:  # fmt: skip
        """Writes the real MCP configuration of ``runtime`` for mock server ``server`` into the isolated runtime home
        (`Get Runtime Home`); it is taken out again at the end of the test (or suite, in a suite setup),
        or by the next run if this one is killed first.

        - ``claude-code``: ``mcpServers.<server>`` in ``.claude.json`` (user scope), or with
          ``project=DIR`` in ``DIR/.mcp.json`` (project scope, with
          ``enableAllProjectMcpServers``); ``mcp__<server>`` in ``permissions.allow``; the
          model sees ``mcp__<server>__<tool>``.
        - ``codex``: ``[mcp_servers.<server>]`` in ``config.toml`` with
          ``default_tools_approval_mode = "approve"``; tools are ``mcp__<server>__<tool>``.
        - ``gemini-cli``: ``mcpServers.<server>`` in ``.gemini/settings.json`` with
          ``trust: true``; tools are ``mcp_<server>_<tool>``.
        - ``opencode``: ``mcp.<server>`` in ``.config/opencode/opencode.json`` (``type`` ``remote``
          with the URL, or ``local`` with the relay command; ``enabled: true``); tools are
          ``<server>_<tool>``.
        - ``pi``: fails, saying why: pi has no MCP client by design (its tools come from extensions).

        ``transport`` defaults to the server's (``http``: its URL; ``stdio``: the relay command).
        Returns the main file written.

        Example:
        | Start Mock MCP Server    tools    scenario=${CURDIR}/scenarios/real_agents.yaml
        | Install MCP Server Config    claude-code    server=tools
        """
        running = self.server(server)
        use = transport or running.transport
        target = McpTarget(server, running.url if use == "http" else None,
                           tuple(running.command) if use == "stdio" else ())  # fmt: skip
        home = Path(self.runtimes.get_runtime_home())
        config = install_mcp_config(runtime, home, target, Path(project) if project else None)
        self.ctx.ledger.record(config.entries)
        self.configs.append(_Installed(self.ctx.scope_key, config))
        logger.info(
            f"{runtime} now reaches mock MCP server '{server}' over {use}: {', '.join(map(str, config.files))}."
        )
        return str(config.files[0])


def _reply(text: str | None, structured: Any) -> dict[str, Any]:
    reply: dict[str, Any] = {}
    if text is not None:
        reply["text"] = text
    if structured is not None:
        reply["structured"] = data_from(structured, "structured")
    return reply
