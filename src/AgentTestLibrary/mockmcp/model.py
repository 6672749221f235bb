"""What a mock MCP server offers (tools, rules, resources, prompts, faults) and what passes through it.

:class:`McpServerSpec` is one server as a scenario declares it; :class:`McpRequest` is the
neutral view of one client message (what rules and faults match, what the journal shows);
:class:`McpReply` is the answer before it is framed as JSON-RPC.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ..mock.conditions import Conditions
from ..mock.faults import Fault
from ..mock.fields import spec
from ..mock.rulebook import Scripted
from ..mock.templates import fill, fill_data
from .jsonrpc import Id, RpcError

# The revisions reachable through the initialize handshake, newest first: what the official
# SDK (mcp_types.version.HANDSHAKE_PROTOCOL_VERSIONS) and the pinned agent CLIs send.
SUPPORTED_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
# The stateless revisions (per-request _meta, server/discover, no sessions), served beside them on the same endpoint.
MODERN_VERSIONS = ("2026-07-28",)
REVISIONS = MODERN_VERSIONS + SUPPORTED_VERSIONS
RESPONSE_MODES = ("auto", "json", "sse")
LOG_LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the transport refuses a message before any method answers it: an HTTP status and its words."""

    status: int
    message: str
    code: int | None = None  # the JSON-RPC error code (by default, the one the status implies)
    data: Any = None


@dataclass(frozen=True, slots=True)
class McpRequest:
    """One client message: its method and params, the session it came in and the revision agreed there."""

    method: str
    id: Id = None
    params: dict[str, Any] = field(default_factory=dict)
    session: str = ""
    protocol_version: str = ""
    refusal: Refusal | None = None  # set when the transport refuses it (no or unknown session, wrong revision)
    stdio: bool = False  # came through the stdio relay (no streams: no notifications outside a response)

    @property
    def stateless(self) -> bool:
        """Of the stateless revision (2026-07-28): no session, everything about the client in ``params._meta``."""
        return self.protocol_version in MODERN_VERSIONS and not self.session

    @property
    def tool(self) -> str | None:
        name = self.params.get("name") if self.method == "tools/call" else None
        return name if isinstance(name, str) else None

    @property
    def arguments(self) -> dict[str, Any]:
        arguments = self.params.get("arguments") if self.method == "tools/call" else None
        return arguments if isinstance(arguments, dict) else {}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"method": self.method, "id": self.id, "params": self.params, "session": self.session,
                                "protocol_version": self.protocol_version}  # fmt: skip
        if self.method == "tools/call":
            data["tool"], data["arguments"] = self.tool, self.arguments
        return data


@dataclass(frozen=True, slots=True)
class McpReply:
    """A JSON-RPC result or error, and the rule that chose it."""

    result: dict[str, Any] | None = None
    error: RpcError | None = None
    rule: str | None = None
    script: Script | None = None  # steps to run (server-to-client traffic) before the result is known

    def message(self, message_id: Id) -> dict[str, Any]:
        if self.error is not None:
            return {"jsonrpc": "2.0", "id": message_id, "error": self.error.to_dict()}
        return {"jsonrpc": "2.0", "id": message_id, "result": self.result or {}}

    @property
    def is_error(self) -> bool:
        return bool(self.result and self.result.get("isError"))

    @property
    def text(self) -> str:
        """The text content of a tool result, joined (what an agent would show its model)."""
        items = (self.result or {}).get("content")
        if not isinstance(items, list):
            return ""
        return "\n".join(str(item.get("text", "")) for item in items if isinstance(item, dict))

    @property
    def stored_bytes(self) -> int:
        """What the reply weighs against the journal's byte cap: the length of its text content (worked out when
        journaled)."""
        items = (self.result or {}).get("content")
        if not isinstance(items, list):
            return 0
        return sum(len(text) for item in items if isinstance(item, dict) and isinstance(text := item.get("text"), str))

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"error": self.error.to_dict(), "rule": self.rule}
        if self.script is not None:
            return {"result": None, "pending": "the tool call's stream had not ended", "rule": self.rule}
        return {"result": self.result, "is_error": self.is_error, "text": self.text, "rule": self.rule}


@dataclass(frozen=True)
class Tool:
    name: str
    description: str = ""
    input_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    output_schema: dict[str, Any] | None = None
    title: str | None = None
    annotations: dict[str, Any] | None = None

    def listing(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "description": self.description, "inputSchema": self.input_schema}
        for key, value in (("title", self.title), ("outputSchema", self.output_schema),
                           ("annotations", self.annotations)):  # fmt: skip
            if value is not None:
                data[key] = value
        return data


# steps that wait for the client: the request each sends and the client capability it needs
ASKS = {"elicit": "elicitation/create", "sample": "sampling/createMessage", "roots": "roots/list"}
CAPABILITIES = {"elicitation/create": "elicitation", "sampling/createMessage": "sampling", "roots/list": "roots"}
STEP_KINDS = ("log", "progress", "notify", *ASKS)


@dataclass(frozen=True)
class Step:
    """One piece of server-to-client traffic while a tool call runs, before its result.

    ``log`` (``notifications/message``), ``progress`` (``notifications/progress`` for the call's
    ``progressToken``), ``notify`` (any notification), ``elicit`` (``elicitation/create``),
    ``sample`` (``sampling/createMessage``) and ``roots`` (``roots/list``); the last three ask the
    client, whose answer later steps and the result read as ``{{NAME.field}}`` (``name``:
    ``elicitation``, ``sampling``, ``roots`` or the step's ``as``).
    """

    kind: str
    params: dict[str, Any]  # the message's params as written ({{placeholders}} filled when sent)
    after_ms: int = 0
    name: str = ""
    required: bool = False  # an ask the call cannot do without: a client without the capability gets an error
    together: bool = False  # stateless revision: asked in the same round as the question before it

    def message(self, values: dict[str, Any], progress_token: Any) -> dict[str, Any] | None:
        """The notification this step sends (None: a progress step without a token to report on)."""
        params = fill_data(self.params, values)
        if self.kind == "log":
            return notification("notifications/message", params)
        if self.kind == "progress":
            return None if progress_token is None else notification(
                "notifications/progress", {"progressToken": progress_token, **params})  # fmt: skip
        return notification(params["method"], params.get("params") or {})  # "to" says where (see outbound)


def notification(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": params}


@dataclass(frozen=True)
class ToolReply:
    """A tool result as written: text and content items, structured content, ``isError``, or a JSON-RPC error.

    Strings may hold ``{{argument}}`` placeholders (:mod:`..mock.templates`). ``steps`` run before the result
    (server-to-client traffic, see :class:`Step`); ``declined`` and ``cancelled`` answer instead when the
    client declines or cancels an elicitation.
    """

    text: str | None = None
    content: tuple[dict[str, Any], ...] = ()
    structured: Any = None
    is_error: bool = False
    error: RpcError | None = None
    steps: tuple[Step, ...] = ()
    declined: ToolReply | None = None
    cancelled: ToolReply | None = None

    def scripted(self, request: McpRequest, rule: str | None) -> Script:
        """Its steps, run for ``request`` before the result (or the ``declined`` / ``cancelled`` one) is built."""

        def finish(values: dict[str, Any], action: str) -> McpReply | None:
            reply = {"decline": self.declined, "cancel": self.cancelled}.get(action) if action else self
            return None if reply is None else reply.build(request, rule, values)

        return Script(self.steps, dict(request.arguments), finish)

    def build(self, request: McpRequest, rule: str | None, values: dict[str, Any] | None = None) -> McpReply:
        """The reply to ``request``; ``values`` (the arguments and the client's answers) fill the placeholders."""
        arguments = request.arguments if values is None else values
        if self.error is not None:
            message = str(fill(self.error.message, arguments))
            return McpReply(error=RpcError(self.error.code, message, fill_data(self.error.data, arguments)), rule=rule)
        content: list[dict[str, Any]] = []
        if self.text is not None:
            text = fill(self.text, arguments)
            content.append({"type": "text", "text": text if isinstance(text, str) else json.dumps(text)})
        content.extend(fill_data(list(self.content), arguments))
        result: dict[str, Any] = {"content": content, "isError": self.is_error}
        if self.structured is not None:
            structured = fill_data(self.structured, arguments)
            result["structuredContent"] = structured
            if not content:  # the spec asks for the same JSON as text, for clients without structured support
                content.append({"type": "text", "text": json.dumps(structured, ensure_ascii=False)})
        return McpReply(result, rule=rule)


Finish = Callable[[dict[str, Any], str], "McpReply | None"]  # (values, a declining action or "") -> the reply


@dataclass(frozen=True)
class Script:
    """Questions and notifications to run before a reply is known (:class:`Step`), the values its placeholders
    start from (a tool call's or a prompt's arguments), and how the reply is built from what the steps gathered
    (``finish(values, "")``; for a declined or cancelled form ``finish(values, "decline")``, None when that has no
    reply of its own)."""

    steps: tuple[Step, ...]
    values: dict[str, Any]
    finish: Finish


@dataclass(frozen=True, slots=True)
class ServerRequest:
    """A request this server sent its client during a tool call (``elicitation/create``,
    ``sampling/createMessage``): the journal's subject for it, with the :class:`ClientAnswer` as reply."""

    method: str
    id: str
    params: dict[str, Any]
    session: str = ""
    tool: str | None = None

    def message(self) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": self.id, "method": self.method, "params": self.params}

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "id": self.id, "params": self.params, "session": self.session,
                "tool": self.tool}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ClientAnswer:
    """How the client answered a :class:`ServerRequest`: ``result``, ``error``, or neither (``unanswered`` says
    why: no answer in time, or the client went away)."""

    method: str
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    unanswered: str = ""

    @property
    def action(self) -> str:
        """An elicitation's ``accept``, ``decline`` or ``cancel`` ("" for sampling or without an answer)."""
        return str((self.result or {}).get("action", "")) if self.method == "elicitation/create" else ""

    @property
    def values(self) -> dict[str, Any]:
        """What ``{{elicitation.x}}`` / ``{{sampling.x}}`` read: the form's fields, ``action`` and ``content`` (the
        whole form), or the sampled
        message's ``text``, ``model``, ``role`` and ``stopReason``."""
        result = self.result or {}
        if self.method == "elicitation/create":
            content = result.get("content")
            form = content if isinstance(content, dict) else {}
            return {**form, "action": self.action, "content": form}
        if self.method == "roots/list":
            roots = result.get("roots")
            listed = roots if isinstance(roots, list) else []
            return {"roots": listed, "count": len(listed)}
        message = result.get("content")
        text = message.get("text", "") if isinstance(message, dict) else ""
        return {"text": text, "model": result.get("model", ""), "role": result.get("role", ""),
                "stopReason": result.get("stopReason", "")}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {"result": self.result, "error": self.error, "action": self.action, "unanswered": self.unanswered}


@dataclass(frozen=True)
class McpMatcher:
    """Conditions on a client message: its method, the tool called and the tool's arguments."""

    method: str | None = None
    tool: str | None = None
    arguments: Conditions = field(default_factory=lambda: Conditions((), "argument"))

    def mismatches(self, request: McpRequest) -> list[str]:
        reasons = []
        if self.method is not None and request.method != self.method:
            reasons.append(f"method is '{request.method}', wanted '{self.method}'")
        if self.tool is not None and request.tool != self.tool:
            reasons.append(f"tool is '{request.tool}', wanted '{self.tool}'" if request.tool else
                           f"'{request.method}' calls no tool, wanted tool '{self.tool}'")  # fmt: skip
        if self.arguments:
            reasons.extend(self.arguments.mismatches(request.arguments))
        return reasons


@dataclass(frozen=True)
class ToolRule(Scripted["McpMatcher", "ToolReply"]):
    """Which tool calls a rule answers, and its reply (or a sequence of replies, one per call)."""


@dataclass(frozen=True)
class Resource:
    uri: str
    name: str
    description: str = ""
    mime_type: str = "text/plain"
    text: str | None = None
    blob: str | None = None  # base64

    def listing(self) -> dict[str, Any]:
        data = {"uri": self.uri, "name": self.name, "mimeType": self.mime_type}
        if self.description:
            data["description"] = self.description
        return data

    def contents(self) -> dict[str, Any]:
        data: dict[str, Any] = {"uri": self.uri, "mimeType": self.mime_type}
        if self.blob is not None:
            data["blob"] = self.blob
        else:
            data["text"] = self.text or ""
        return data


TEMPLATE_PART = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class ResourceTemplate:
    """A family of resources named by a URI template (``test://items/{id}``): reads fill ``{{id}}`` in its text."""

    uri_template: str
    name: str
    description: str = ""
    mime_type: str = "text/plain"
    text: str | None = None
    blob: str | None = None
    completions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per placeholder, for completion/complete

    @property
    def placeholders(self) -> list[str]:
        return TEMPLATE_PART.findall(self.uri_template)

    def match(self, uri: str) -> dict[str, str] | None:
        """The placeholders' values when ``uri`` is one of this template's resources (a value spans no ``/``)."""
        pattern, start = "", 0
        for found in TEMPLATE_PART.finditer(self.uri_template):
            pattern += re.escape(self.uri_template[start : found.start()]) + f"(?P<{found.group(1)}>[^/?#]+)"
            start = found.end()
        matched = re.fullmatch(pattern + re.escape(self.uri_template[start:]), uri)
        return {key: unquote(value) for key, value in matched.groupdict().items()} if matched else None

    def listing(self) -> dict[str, Any]:
        data = {"uriTemplate": self.uri_template, "name": self.name, "mimeType": self.mime_type}
        if self.description:
            data["description"] = self.description
        return data

    def resource(self, uri: str, values: dict[str, str]) -> Resource:
        text = None if self.text is None else str(fill(self.text, values))
        return Resource(uri, self.name, self.description, self.mime_type, text, self.blob)


@dataclass(frozen=True)
class PromptArgument:
    name: str
    description: str = ""
    required: bool = False
    completions: tuple[str, ...] = ()  # what completion/complete offers for it (those starting with the value typed)


@dataclass(frozen=True)
class Prompt:
    name: str
    description: str = ""
    arguments: tuple[PromptArgument, ...] = ()
    messages: tuple[tuple[str, dict[str, Any]], ...] = ()  # (role, a content item with {{argument}} placeholders)
    steps: tuple[Step, ...] = ()  # questions to the client first (stateless revision: input_required rounds)

    def listing(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "description": self.description}
        data["arguments"] = [{"name": a.name, "description": a.description, "required": a.required}
                             for a in self.arguments]  # fmt: skip
        return data


@dataclass(frozen=True)
class McpFault(Fault):
    """A fault with MCP's own effects besides the HTTP ones (status, latency, cut, malformed, hang)."""

    rpc_error: int | None = field(
        default=None, metadata=spec("int", minimum=-(2**31), maximum=2**31 - 1, expected="a JSON-RPC error code")
    )
    is_error: bool | None = field(default=None, metadata=spec("bool"))
    expire_session: bool | None = field(default=None, metadata=spec("bool"))
    exit: bool | None = field(default=None, metadata=spec("bool"))

    @property
    def breaks_response(self) -> bool:
        return super().breaks_response or any((self.rpc_error is not None, self.is_error, self.expire_session,
                                               self.exit))  # fmt: skip

    @property
    def replaces_answer(self) -> bool:
        return super().replaces_answer or bool(self.expire_session) or bool(self.exit)

    def describe(self) -> str:
        parts = [super().describe()]
        if self.rpc_error is not None:
            parts.append(f"JSON-RPC error {self.rpc_error}")
        if self.is_error:
            parts.append("isError result")
        if self.expire_session:
            parts.append("session expired (404)")
        if self.exit:
            parts.append("server exits")
        text = ", ".join(parts)
        return text.replace(": no effect, ", ": ")


@dataclass(frozen=True)
class McpServerSpec:
    """One mock MCP server as a scenario declares it."""

    name: str = "tools"
    tools: tuple[Tool, ...] = ()
    rules: tuple[ToolRule, ...] = ()
    resources: tuple[Resource, ...] = ()
    resource_templates: tuple[ResourceTemplate, ...] = ()
    prompts: tuple[Prompt, ...] = ()
    faults: tuple[McpFault, ...] = ()
    strict: bool = True
    page_size: int = 0  # 0: every list in one page
    instructions: str = ""
    response: str = "auto"  # auto and json: JSON whenever the client accepts it; sse: always a one-event stream
    revisions: tuple[str, ...] = REVISIONS  # the protocol revisions served, side by side
    answer_timeout_s: float = 120.0  # how long a question mid-call waits for the client (a person may be typing)
    source: str = "<no scenario>"


ECHO_TOOL = Tool(
    "echo",
    "Returns the text it is given.",
    {"type": "object", "properties": {"text": {"type": "string", "description": "what to echo"}}, "required": ["text"]},
)
ECHO_SERVER = McpServerSpec(
    tools=(ECHO_TOOL,),
    rules=(ToolRule("echo", McpMatcher(tool="echo"), (ToolReply(text="{{text}}"),), "built-in echo tool"),),
    source="<built-in echo server>",
)
