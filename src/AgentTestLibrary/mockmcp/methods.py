"""The MCP methods a mock server answers: one handler per method, in a dispatch table.

Each handler takes the server and the neutral :class:`~.model.McpRequest` and returns what
was :class:`Handled`: the reply, and for tool calls whether the closed world was broken
(an undeclared tool, arguments that do not fit the input schema, no rule for a call) with
the near-miss that explains it. Methods not in :data:`METHODS` get ``-32601``; the stateless
revision answers from :data:`STATELESS_METHODS` (``server/discover``, without the methods it
removed). A reply whose rule has ``steps`` becomes a script (:func:`scripted`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..mock.schema import problems
from ..mock.templates import fill_data
from ..version import __version__
from .jsonrpc import INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, RESOURCE_NOT_FOUND, RpcError
from .model import ASKS, LOG_LEVELS, MODERN_VERSIONS, SUPPORTED_VERSIONS, McpReply, McpRequest, Script
from .outbound import answer_in_rounds
from .stateless import META, REMOVED

if TYPE_CHECKING:
    from .app import MockMCP

T = TypeVar("T")
UNMATCHED_TEXT = "AgentTestLibrary mock MCP server: no rule answered this call (strict mode)"


@dataclass(frozen=True)
class Handled:
    reply: McpReply
    unmatched: bool = False
    near_miss: str = ""


def initialize(server: MockMCP, request: McpRequest) -> Handled:
    params = request.params
    asked = params.get("protocolVersion")
    if not isinstance(asked, str):
        raise RpcError(INVALID_PARAMS, "initialize needs params.protocolVersion (a string such as 2025-06-18).")
    if not isinstance(params.get("capabilities", {}), dict) or not isinstance(params.get("clientInfo", {}), dict):
        raise RpcError(INVALID_PARAMS, "initialize params.capabilities and params.clientInfo are objects.")
    served = [item for item in SUPPORTED_VERSIONS if item in server.spec.revisions]
    if not served:
        raise RpcError(INVALID_REQUEST, f"This server serves only {', '.join(server.spec.revisions)} (stateless: no "
                                        "initialize); send requests with params._meta instead.")  # fmt: skip
    version = asked if asked in served else served[0]
    result: dict[str, Any] = {
        "protocolVersion": version,
        "capabilities": capabilities(server, request),
        "serverInfo": server_info(server),
    }
    if server.spec.instructions:
        result["instructions"] = server.spec.instructions
    return Handled(McpReply(result, rule=f"initialize ({version})"))


def capabilities(server: MockMCP, request: McpRequest) -> dict[str, Any]:
    """What this server offers; list changes and resource updates reach clients over HTTP only."""
    changes = not request.stdio  # over HTTP: the standalone stream, or subscriptions/listen (stateless revision)
    offered: dict[str, Any] = {"tools": {"listChanged": changes}, "completions": {}, "logging": {}}
    if server.resources() or server.resource_templates():
        offered["resources"] = {"listChanged": changes, "subscribe": changes}
    if server.prompts():
        offered["prompts"] = {"listChanged": changes}
    return offered


def server_info(server: MockMCP) -> dict[str, str]:
    return {"name": f"agenttest-{server.spec.name}", "version": __version__}


def discover(server: MockMCP, request: McpRequest) -> Handled:
    """``server/discover`` (stateless revision): the revisions served that way, capabilities, identity."""
    result: dict[str, Any] = {
        "supportedVersions": [version for version in MODERN_VERSIONS if version in server.spec.revisions],
        "capabilities": capabilities(server, request),
        "_meta": {f"{META}serverInfo": server_info(server)},
    }
    if server.spec.instructions:
        result["instructions"] = server.spec.instructions
    return Handled(McpReply(result, rule="server/discover"))


def empty(server: MockMCP, request: McpRequest) -> Handled:
    """``ping``: an empty result."""
    return Handled(McpReply({}))


def set_level(server: MockMCP, request: McpRequest) -> Handled:
    """``logging/setLevel``: one of the syslog levels the specification names, else ``-32602``."""
    level = request.params.get("level")
    if level not in LOG_LEVELS:
        raise RpcError(INVALID_PARAMS, f"Unknown log level {str(level)[:40]!r}: use one of {', '.join(LOG_LEVELS)}.")
    session = server.session(request.session)
    if session is not None:
        session.log_level = str(level)
    return Handled(McpReply({}, rule=f"log level {level}"))


def list_tools(server: MockMCP, request: McpRequest) -> Handled:
    return Handled(McpReply(page(server, request, [tool.listing() for tool in server.tools().values()], "tools")))


def list_resources(server: MockMCP, request: McpRequest) -> Handled:
    listing = [resource.listing() for resource in server.resources().values()]
    return Handled(McpReply(page(server, request, listing, "resources")))


def list_resource_templates(server: MockMCP, request: McpRequest) -> Handled:
    listing = [template.listing() for template in server.resource_templates().values()]
    return Handled(McpReply(page(server, request, listing, "resourceTemplates")))


def read_resource(server: MockMCP, request: McpRequest) -> Handled:
    uri = request.params.get("uri")
    if not isinstance(uri, str):
        raise RpcError(INVALID_PARAMS, "resources/read needs params.uri (a string).")
    resource = server.resources().get(uri)
    if resource is not None:
        return Handled(McpReply({"contents": [resource.contents()]}, rule=f"resource {uri}"))
    for template in server.resource_templates().values():
        values = template.match(uri)
        if values is not None:
            contents = template.resource(uri, values).contents()
            return Handled(McpReply({"contents": [contents]}, rule=f"resource template {template.uri_template}"))
    raise _not_found(server, uri)


def _not_found(server: MockMCP, uri: str) -> RpcError:
    known = ", ".join([*server.resources(), *server.resource_templates()]) or "none"
    return RpcError(RESOURCE_NOT_FOUND, f"Resource not found: {uri[:200]} (this server has: {known}).", {"uri": uri})


def subscribe(server: MockMCP, request: McpRequest) -> Handled:
    """``resources/subscribe`` and ``resources/unsubscribe``: the session hears (or stops hearing)
    ``notifications/resources/updated`` for a resource this server has."""
    uri = request.params.get("uri")
    if not isinstance(uri, str):
        raise RpcError(INVALID_PARAMS, f"{request.method} needs params.uri (a string).")
    if uri not in server.resources() and not any(item.match(uri) for item in server.resource_templates().values()):
        raise _not_found(server, uri)
    session = server.session(request.session)
    if session is not None:
        (session.subscriptions.add if request.method == "resources/subscribe" else session.subscriptions.discard)(uri)
    return Handled(McpReply({}, rule=f"{request.method.split('/')[1]} {uri}"))


def list_prompts(server: MockMCP, request: McpRequest) -> Handled:
    listing = [prompt.listing() for prompt in server.prompts().values()]
    return Handled(McpReply(page(server, request, listing, "prompts")))


def get_prompt(server: MockMCP, request: McpRequest) -> Handled:
    name = request.params.get("name")
    arguments = request.params.get("arguments") or {}
    prompt = server.prompts().get(name) if isinstance(name, str) else None
    if prompt is None:
        known = ", ".join(server.prompts()) or "none"
        raise RpcError(INVALID_PARAMS, f"Unknown prompt: {name!r} (this server has: {known}).")
    if not isinstance(arguments, dict):
        raise RpcError(INVALID_PARAMS, "prompts/get params.arguments is an object of strings.")
    missing = [argument.name for argument in prompt.arguments if argument.required and argument.name not in arguments]
    if missing:
        raise RpcError(INVALID_PARAMS, f"Prompt '{prompt.name}' needs argument(s) {', '.join(missing)}.")
    rule = f"prompt {prompt.name}"

    def finish(values: dict[str, Any], action: str) -> McpReply | None:
        messages = [{"role": role, "content": fill_data(content, values)} for role, content in prompt.messages]
        return None if action else McpReply({"description": prompt.description, "messages": messages}, rule=rule)

    if prompt.steps:
        return Handled(scripted(server, request, Script(prompt.steps, dict(arguments), finish), rule))
    return Handled(finish(dict(arguments), "") or McpReply())


def scripted(server: MockMCP, request: McpRequest, script: Script, rule: str) -> McpReply:
    """A reply that runs steps first: on the stateless revision, questions to the client as input_required rounds;
    otherwise a reply the endpoint streams (its steps, then the result built from the client's answers)."""
    if request.stateless and any(step.kind in ASKS for step in script.steps):
        return answer_in_rounds(request, script, outbox=server.outbox, states=server.request_states, rule=rule)
    return McpReply(rule=rule, script=script)


def complete(server: MockMCP, request: McpRequest) -> Handled:
    """``completion/complete`` for a prompt's argument: its declared ``completions`` that start with the value typed;
    a prompt (or resource template) this server does not have is ``-32602``."""
    ref, argument = request.params.get("ref"), request.params.get("argument")
    if not isinstance(ref, dict) or not isinstance(argument, dict):
        raise RpcError(INVALID_PARAMS, "completion/complete needs params.ref and params.argument (objects).")
    typed, name = str(argument.get("value", "")), argument.get("name")
    if ref.get("type") == "ref/prompt":
        prompt = server.prompts().get(str(ref.get("name")))
        if prompt is None:
            known = ", ".join(server.prompts()) or "none"
            raise RpcError(INVALID_PARAMS, f"Unknown prompt: {str(ref.get('name'))[:80]!r} (this server has: {known}).")
        offered = next((item.completions for item in prompt.arguments if item.name == name), ())
    elif ref.get("type") == "ref/resource":
        offered = completions_for_template(server, str(ref.get("uri")), name)
    else:
        kind = str(ref.get("type"))[:40]
        raise RpcError(INVALID_PARAMS, f"Unknown ref type {kind!r}: use ref/prompt or ref/resource.")
    values = [value for value in offered if value.lower().startswith(typed.lower())]
    return Handled(McpReply({"completion": {"values": values[:100], "total": len(values),
                                            "hasMore": len(values) > 100}}))  # fmt: skip


def completions_for_template(server: MockMCP, uri: str, name: Any) -> tuple[str, ...]:
    """The completions a resource template declares for one of its placeholders; ``-32602`` for an unknown one."""
    known = server.resource_templates()
    template = known.get(uri)
    if template is None:
        raise RpcError(INVALID_PARAMS, f"Unknown resource template: {uri[:120]!r} (this server has: "
                                       f"{', '.join(known) or 'none'}).")  # fmt: skip
    return template.completions.get(str(name), ())


def call_tool(server: MockMCP, request: McpRequest) -> Handled:
    name = request.params.get("name")
    if not isinstance(name, str) or not name:
        raise RpcError(INVALID_PARAMS, "tools/call needs params.name (the tool to call).")
    if not isinstance(request.params.get("arguments", {}), dict):
        raise RpcError(INVALID_PARAMS, "tools/call params.arguments is an object.")
    strict = server.spec.strict
    tools = server.tools()
    tool = tools.get(name)
    if tool is None and strict:
        why = (
            f"tool '{name}' is not declared on MCP server '{server.spec.name}' (declared: {', '.join(tools) or 'none'})"
        )
        return Handled(McpReply(error=RpcError(INVALID_PARAMS, f"Unknown tool: {name}")), True, why)
    if tool is not None:
        wrong = problems(request.arguments, tool.input_schema)
        if wrong:
            why = f"the arguments of tool '{name}' do not fit its inputSchema: " + "; ".join(wrong)
            text = f"Input validation error: {'; '.join(wrong)}"
            return Handled(McpReply(_error_result(text), rule="<input schema>"), strict, why)
    match = server.rulebook.choose(request)
    if match.rule is not None and match.reply.steps:
        return Handled(scripted(server, request, match.reply.scripted(request, match.rule.name), match.rule.name))
    if match.rule is not None:
        return Handled(match.reply.build(request, match.rule.name))
    if strict:
        why = f"no rule answered tool '{name}' with arguments {json.dumps(request.arguments)[:200]}: {match.near_miss}"
        return Handled(McpReply(_error_result(f"{UNMATCHED_TEXT}; {match.near_miss}.")), True, why)
    text = f"AgentTestLibrary mock MCP tool '{name}' called with {json.dumps(request.arguments, ensure_ascii=False)}"
    return Handled(McpReply({"content": [{"type": "text", "text": text}], "isError": False}, rule="<default reply>"))


def _error_result(text: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": text}], "isError": True}


def page(server: MockMCP, request: McpRequest, items: Sequence[T], key: str) -> dict[str, Any]:
    """One page of a listing; ``nextCursor`` (opaque to the client) when more follow."""
    size = server.spec.page_size
    start = _cursor(request.params.get("cursor"), len(items))
    if not size:
        return {key: list(items[start:])}
    result: dict[str, Any] = {key: list(items[start : start + size])}
    if start + size < len(items):
        result["nextCursor"] = base64.urlsafe_b64encode(f"agenttest:{start + size}".encode()).decode()
    return result


def _cursor(cursor: Any, total: int) -> int:
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(str(cursor).encode()).decode()
        prefix, _, number = text.partition(":")
        start = int(number)
        if prefix != "agenttest" or not 0 <= start <= total:
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise RpcError(
            INVALID_PARAMS, f"Invalid cursor {str(cursor)[:60]!r}: pass back a nextCursor as given."
        ) from None
    return start


Handler = Callable[["MockMCP", McpRequest], Handled]
METHODS: dict[str, Handler] = {
    "initialize": initialize,
    "ping": empty,
    "logging/setLevel": set_level,
    "tools/list": list_tools,
    "tools/call": call_tool,
    "resources/list": list_resources,
    "resources/templates/list": list_resource_templates,
    "resources/read": read_resource,
    "resources/subscribe": subscribe,
    "resources/unsubscribe": subscribe,
    "prompts/list": list_prompts,
    "prompts/get": get_prompt,
    "completion/complete": complete,
}


STATELESS_METHODS: dict[str, Handler] = {
    "server/discover": discover,
    **{method: handler for method, handler in METHODS.items() if method not in REMOVED},
}


def dispatch(server: MockMCP, request: McpRequest) -> Handled:
    methods = STATELESS_METHODS if request.stateless else METHODS
    handler = methods.get(request.method)
    if handler is None:
        known = ", ".join(methods)
        failure = RpcError(METHOD_NOT_FOUND, f"Method not found: {request.method} (this mock answers {known}).")
        return Handled(McpReply(error=failure))
    try:
        return handler(server, request)
    except RpcError as failure:
        return Handled(McpReply(error=failure))
