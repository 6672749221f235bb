"""Load and validate mock MCP servers from a scenario's ``mcp_servers`` section; errors name file:line and the fix.

mcp_servers:
  tools:                           # the server's name (Start Mock MCP Server    name=tools)
    strict: true                   # closed world: undeclared tools and invalid arguments fail the test
    page_size: 0                   # tools/list, resources/list, prompts/list page size (0: one page)
    response: auto                 # auto = json (JSON when accepted) | sse
    revisions: [2026-07-28, 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05]   # served side by side (default: all)
    answer_timeout_s: 120          # how long a question mid-call (elicit, sample, roots) waits for the client
    instructions: text
    tools:
      - name: search
        description: Search the docs
        inputSchema: {type: object, properties: {query: {type: string}}, required: [query]}
        outputSchema: {...}        # optional: replies then carry structured content that fits it
        reply: {text: "results for {{query}}"}    # or sequence: [...]; the tool's default answer
    rules:                         # checked before the tools' own replies, first match wins
      - name: search for mcp
        when: {tool: search, arguments: {query: {contains: mcp}}}
        reply: {text: ..., content: [...], structured: {...}, is_error: false}
        # or reply: {error: {code: -32603, message: backend down}}; or sequence: [...]
    resources: [{uri: "file:///readme.md", name: readme, mimeType: text/markdown, text: ...}]
    resource_templates: [{uriTemplate: "docs://{page}", name: page, text: "Page {{page}}", completions: {page: [a, b]}}]
    prompts: [{name: review, description: ..., arguments: [{name: code, required: true}],
               messages: [{role: user, text: "Review {{code}}"}]}]
    faults: [{when: {tool: search}, status: 503, retry_after: 1, times: 1}]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path as FilePath
from typing import Any, TypeVar

from ..errors import ScenarioError
from ..mock.conditions import Conditions, parse_conditions
from ..mock.faults import fault_fields, parse_fault_data
from ..mock.schema import problems, schema_problem
from ..mock.templates import has_placeholders
from ..validation import Validator, parse_yaml, read_text
from ..wire import SCENARIO_SECTIONS
from ..yamlio import Path
from .jsonrpc import RpcError
from .model import (
    ASKS,
    ECHO_SERVER,
    LOG_LEVELS,
    RESPONSE_MODES,
    REVISIONS,
    STEP_KINDS,
    McpFault,
    McpMatcher,
    McpServerSpec,
    Prompt,
    PromptArgument,
    Resource,
    ResourceTemplate,
    Step,
    Tool,
    ToolReply,
    ToolRule,
)

SERVER_KEYS = ("strict", "page_size", "response", "revisions", "answer_timeout_s", "instructions", "tools", "rules",
               "resources", "resource_templates", "prompts", "faults")  # fmt: skip
MAX_ANSWER_TIMEOUT_S = 3600
TOOL_KEYS = ("name", "description", "title", "inputSchema", "outputSchema", "annotations", "reply", "sequence")
RULE_KEYS = ("name", "when", "reply", "sequence")
WHEN_KEYS = ("method", "tool", "arguments")
REPLY_KEYS = ("text", "content", "structured", "is_error", "error", "steps", "declined", "cancelled")
STEP_KEYS = (*STEP_KINDS, "after_ms", "as", "required", "together")
SAMPLE_KEYS = ("prompt", "messages", "maxTokens", "systemPrompt", "modelPreferences", "temperature", "stopSequences",
               "includeContext", "metadata")  # fmt: skip
ELICIT_KEYS = ("message", "schema", "url", "elicitationId")
MAX_STEP_DELAY_MS = 300_000
ERROR_KEYS = ("code", "message", "data")
RESOURCE_KEYS = ("uri", "name", "description", "mimeType", "text", "blob")
PROMPT_KEYS = ("name", "description", "arguments", "messages", "steps")
TEMPLATE_KEYS = ("uriTemplate", "name", "description", "mimeType", "text", "blob", "completions")
ARGUMENT_KEYS = ("name", "description", "required", "completions")
MESSAGE_KEYS = ("role", "text", "content")
FAULT_FIELDS = fault_fields(McpFault)
T = TypeVar("T")
TOOL_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,128}")


def server_names(path: str | FilePath) -> list[str]:
    """The MCP servers a scenario file declares."""
    data, _ = parse_yaml(read_text(path, "Scenario file"), str(path))
    servers = data.get("mcp_servers") if isinstance(data, dict) else None
    return list(servers) if isinstance(servers, dict) else []


def load_mcp_server(path: str | FilePath | None, name: str | None = None) -> McpServerSpec:
    """The server ``name`` of a scenario file (the only one when ``name`` is None); the echo server without a file."""
    if path is None:
        return ECHO_SERVER
    source = str(path)
    return mcp_server_from_text(read_text(path, "Scenario file"), source, name)


def mcp_server_from_text(text: str, source: str = "<scenario>", name: str | None = None) -> McpServerSpec:
    data, lines = parse_yaml(text, source)
    return _Validator(source, lines).file(data, name)


def parse_mcp_fault(data: Any, source: str) -> McpFault:
    """One fault from a mapping (a keyword's arguments, the admin API)."""
    return _Validator(source).fault(data, ("faults", 0))


def parse_mcp_revisions(data: Any, source: str) -> tuple[str, ...]:
    """The protocol revisions a server serves, from a list (a keyword's argument, the admin API)."""
    return _Validator(source).revisions(data, ("revisions",))


def parse_mcp_rule(data: Any, source: str, tools: tuple[Tool, ...] = ()) -> ToolRule:
    """One rule from a mapping (a keyword's arguments, the admin API), checked against the declared tools."""
    return _Validator(source).rule(data, ("rules", 0), {tool.name: tool for tool in tools}, strict_tools=False)


def parse_mcp_tool(data: Any, source: str) -> tuple[Tool, ToolRule | None]:
    """One tool declaration (and the rule its own reply makes), e.g. from `Add MCP Tool`."""
    return _Validator(source).tool(data, ("tools", 0))


class _Validator(Validator):
    error_class = ScenarioError

    def file(self, data: Any, name: str | None) -> McpServerSpec:
        if data is None:
            raise self.fail(
                (),
                "the scenario is empty. Add an 'mcp_servers:' section (see docs/reference/formats.md, MCP scenario).",
            )
        top = self.mapping(data, (), SCENARIO_SECTIONS)
        servers = top.get("mcp_servers")
        if servers is None:
            raise self.fail((), "no 'mcp_servers:' section: declare the server under mcp_servers.NAME.")
        self.typed(servers, ("mcp_servers",), dict, "a mapping of server names to servers")
        if name is None:
            if len(servers) != 1:
                listing = ", ".join(map(str, servers)) or "none"
                raise self.fail(("mcp_servers",), f"the file declares {len(servers)} servers ({listing}); name one.")
            name = str(next(iter(servers)))
        if name not in servers:
            known = ", ".join(map(str, servers)) or "none"
            raise self.fail(("mcp_servers",), f"no server named '{name}' (declared: {known}).")
        return self.server(servers[name], ("mcp_servers", name), name)

    def server(self, data: Any, path: Path, name: str) -> McpServerSpec:
        raw = self.mapping(data if data is not None else {}, path, SERVER_KEYS)
        tools: list[Tool] = []
        own_rules: list[ToolRule] = []
        for index, item in enumerate(self.items(raw.get("tools", []), (*path, "tools"), "tools")):
            tool, rule = self.tool(item, (*path, "tools", index))
            tools.append(tool)
            if rule is not None:
                own_rules.append(rule)
        self.unique([tool.name for tool in tools], (*path, "tools"), "tool")
        declared = {tool.name: tool for tool in tools}
        rules = self.listed(raw, "rules", path, lambda item, spot: self.rule(item, spot, declared, strict_tools=True))
        self.unique([rule.name for rule in rules], (*path, "rules"), "rule")
        resources = self.listed(raw, "resources", path, self.resource)
        uris = [resource.uri for resource in resources]
        for index, uri in enumerate(uris):
            if uri in uris[:index]:
                raise self.fail((*path, "resources", index, "uri"), f"duplicate resource uri '{uri}'.")
        templates = self.listed(raw, "resource_templates", path, self.resource_template)
        self.unique([template.uri_template for template in templates], (*path, "resource_templates"),
                    "resource template")  # fmt: skip
        prompts = self.listed(raw, "prompts", path, self.prompt)
        self.unique([prompt.name for prompt in prompts], (*path, "prompts"), "prompt")
        faults = self.listed(raw, "faults", path, self.fault)
        page_size = self.typed(raw.get("page_size", 0), (*path, "page_size"), int, "an integer")
        if page_size < 0:
            raise self.fail((*path, "page_size"), "expected 0 (one page) or a positive page size.")
        response = raw.get("response", "auto")
        if response not in RESPONSE_MODES:
            raise self.fail((*path, "response"), f"expected one of {', '.join(RESPONSE_MODES)}; got {response!r}.")
        revisions = self.revisions(raw.get("revisions", list(REVISIONS)), (*path, "revisions"))
        waited = raw.get("answer_timeout_s", 120)
        if isinstance(waited, bool) or not isinstance(waited, (int, float)) or not 0 < waited <= MAX_ANSWER_TIMEOUT_S:
            where = (*path, "answer_timeout_s")
            raise self.fail(where, f"expected seconds above 0 and at most {MAX_ANSWER_TIMEOUT_S}; got {waited!r}.")
        return McpServerSpec(
            name=name,
            revisions=revisions,
            answer_timeout_s=float(waited),
            tools=tuple(tools),
            rules=tuple(rules + own_rules),
            resources=tuple(resources),
            resource_templates=tuple(templates),
            prompts=tuple(prompts),
            faults=tuple(faults),
            strict=self.typed(raw.get("strict", True), (*path, "strict"), bool, "true or false"),
            page_size=page_size,
            instructions=self.typed(raw.get("instructions", ""), (*path, "instructions"), str, "a string"),
            response=response,
            source=self.source,
        )

    def revisions(self, data: Any, path: Path) -> tuple[str, ...]:
        listed = self.items(data, path, "protocol revisions")  # YAML reads 2026-07-28 as a date
        revisions = self.strings([item.isoformat() if isinstance(item, date) else item for item in listed], path)
        unknown = [item for item in revisions if item not in REVISIONS]
        if unknown or not revisions:
            raise self.fail(path, f"expected some of {', '.join(REVISIONS)}; got {', '.join(unknown) or 'none'}.")
        return revisions

    def listed(self, raw: dict[str, Any], key: str, path: Path, parse: Callable[[Any, Path], T]) -> list[T]:
        items = self.items(raw.get(key, []), (*path, key), key)
        return [parse(item, (*path, key, index)) for index, item in enumerate(items)]

    def tool(self, data: Any, path: Path) -> tuple[Tool, ToolRule | None]:
        raw = self.mapping(data, path, TOOL_KEYS)
        if "name" not in raw:
            raise self.fail(path, "a tool needs a 'name'.")
        name = self.typed(raw["name"], (*path, "name"), str, "a string")
        if not TOOL_NAME.fullmatch(name):
            raise self.fail((*path, "name"), f"tool names are 1-128 letters, digits, '_', '-' or '.'; got {name!r}.")
        input_schema = self.schema(raw.get("inputSchema", {"type": "object"}), (*path, "inputSchema"))
        if input_schema.get("type", "object") != "object":
            raise self.fail((*path, "inputSchema"), "a tool's inputSchema describes an object: use type: object.")
        input_schema = {"type": "object", **input_schema}
        output_schema = self.schema(raw["outputSchema"], (*path, "outputSchema")) if "outputSchema" in raw else None
        title = raw.get("title")
        if title is not None:
            self.typed(title, (*path, "title"), str, "a string")
        annotations = raw.get("annotations")
        if annotations is not None:
            self.typed(annotations, (*path, "annotations"), dict, "a mapping (MCP tool annotations)")
        tool = Tool(name, self.typed(raw.get("description", ""), (*path, "description"), str, "a string"),
                    input_schema, output_schema, title, annotations)  # fmt: skip
        if "reply" not in raw and "sequence" not in raw:
            return tool, None
        rule_data: dict[str, Any] = {"name": f"tool {name}", "when": {"tool": name}}
        rule_data.update({key: raw[key] for key in ("reply", "sequence") if key in raw})
        return tool, self.rule(rule_data, path, {name: tool}, strict_tools=True)

    def schema(self, data: Any, path: Path) -> dict[str, Any]:
        schema = self.typed(data, path, dict, "a JSON schema (a mapping)")
        problem = schema_problem(schema)
        if problem:
            raise self.fail(path, problem + ".")
        return dict(schema)

    def rule(self, data: Any, path: Path, tools: dict[str, Tool], strict_tools: bool) -> ToolRule:
        raw = self.mapping(data, path, RULE_KEYS)
        name = self.typed(raw.get("name", f"rule {path[-1]}"), (*path, "name"), str, "a string")
        if ("reply" in raw) == ("sequence" in raw):
            raise self.fail(path, "give exactly one of 'reply' (same answer each time) or 'sequence' (one per call).")
        matcher = self.matcher(raw.get("when", {}), (*path, "when"))
        tool = tools.get(matcher.tool) if matcher.tool else None
        if strict_tools and matcher.tool and tool is None:
            known = ", ".join(tools) or "none"
            raise self.fail((*path, "when", "tool"), f"tool '{matcher.tool}' is not declared under tools "
                                                     f"(declared: {known}).")  # fmt: skip
        if "reply" in raw:
            replies: tuple[ToolReply, ...] = (self.reply(raw["reply"], (*path, "reply"), tool),)
        else:
            items = self.items(raw["sequence"], (*path, "sequence"), "replies")
            if not items:
                raise self.fail((*path, "sequence"), "a sequence needs at least one reply.")
            replies = tuple(self.reply(item, (*path, "sequence", i), tool) for i, item in enumerate(items))
        return ToolRule(name, matcher, replies, self.location(path), "sequence" in raw)

    def matcher(self, data: Any, path: Path) -> McpMatcher:
        raw = self.mapping(data if data is not None else {}, path, WHEN_KEYS)
        method = raw.get("method")
        if method is not None:
            self.typed(method, (*path, "method"), str, "an MCP method name, e.g. tools/call")
        tool = raw.get("tool")
        if tool is not None:
            self.typed(tool, (*path, "tool"), str, "a tool name")
        return McpMatcher(method, tool, self.conditions(raw.get("arguments"), (*path, "arguments")))

    def conditions(self, data: Any, path: Path) -> Conditions:
        try:
            return parse_conditions(data, "argument")
        except ValueError as error:
            raise self.fail(path, str(error)) from None

    def reply(self, data: Any, path: Path, tool: Tool | None) -> ToolReply:
        raw = dict(self.mapping(data, path, REPLY_KEYS))
        listed = self.items(raw.pop("steps", []), (*path, "steps"), "steps")
        steps = tuple(self.step(item, (*path, "steps", index)) for index, item in enumerate(listed))
        declined, cancelled = (self.reply(raw.pop(key), (*path, key), tool) if key in raw else None
                               for key in ("declined", "cancelled"))  # fmt: skip
        if (declined or cancelled) and not any(step.kind == "elicit" for step in steps):
            where = (*path, "declined" if declined else "cancelled")
            raise self.fail(where, "'declined' and 'cancelled' answer an elicitation: add an 'elicit' step.")
        return replace(self.plain_reply(raw, path, tool), steps=steps, declined=declined, cancelled=cancelled)

    def plain_reply(self, raw: dict[str, Any], path: Path, tool: Tool | None) -> ToolReply:
        if "error" in raw:
            others = sorted(set(raw) - {"error"})
            if others:
                raise self.fail(path, f"'error' (a JSON-RPC error) cannot be combined with {', '.join(others)}.")
            return ToolReply(error=self.rpc_error(raw["error"], (*path, "error")))
        if not any(key in raw for key in ("text", "content", "structured")):
            raise self.fail(path, "a reply needs 'text', 'content', 'structured' or 'error'.")
        text = raw.get("text")
        if text is not None:
            self.typed(text, (*path, "text"), str, "a string")
        content = tuple(self.content(item, (*path, "content", index))
                        for index, item in enumerate(self.items(raw.get("content", []), (*path, "content"),
                                                                "content items")))  # fmt: skip
        is_error = self.typed(raw.get("is_error", False), (*path, "is_error"), bool, "true or false")
        structured = raw.get("structured")
        schema = tool.output_schema if tool is not None else None
        if schema is not None and not is_error:
            if structured is None:
                raise self.fail(path, f"tool '{tool.name if tool else ''}' declares an outputSchema: its replies need "
                                      "'structured' content that fits it (or is_error: true).")  # fmt: skip
            if not has_placeholders(structured):
                wrong = problems(structured, schema)
                if wrong:
                    raise self.fail((*path, "structured"), "does not fit the tool's outputSchema: " + "; ".join(wrong))
        return ToolReply(text, content, structured, is_error)

    def step(self, data: Any, path: Path) -> Step:
        raw = self.mapping(data, path, STEP_KEYS)
        kinds = [key for key in STEP_KINDS if key in raw]
        if len(kinds) != 1:
            raise self.fail(path, f"a step is exactly one of {', '.join(STEP_KINDS)} (with after_ms, as); "
                                  f"got {', '.join(kinds) or 'none'}.")  # fmt: skip
        kind = kinds[0]
        after = self.typed(raw.get("after_ms", 0), (*path, "after_ms"), int, "milliseconds (an integer)")
        if not 0 <= after <= MAX_STEP_DELAY_MS:
            raise self.fail((*path, "after_ms"), f"expected 0 to {MAX_STEP_DELAY_MS} ms; got {after}.")
        default = {"elicit": "elicitation", "sample": "sampling", "roots": "roots"}.get(kind, "")
        name = self.typed(raw.get("as", default), (*path, "as"), str, "a name for the client's answer")
        required = self.typed(raw.get("required", False), (*path, "required"), bool, "true or false")
        together = self.typed(raw.get("together", False), (*path, "together"), bool, "true or false")
        for key in ("as", "required", "together"):
            if key in raw and kind not in ASKS:
                raise self.fail((*path, key), f"only {', '.join(ASKS)} steps ask the client something.")
        params = getattr(self, f"{kind}_params")(raw[kind], (*path, kind))
        return Step(kind, params, after, name, required, together)

    def roots_params(self, data: Any, path: Path) -> dict[str, Any]:
        return dict(self.mapping(data if data is not None else {}, path, ()))

    def log_params(self, data: Any, path: Path) -> dict[str, Any]:
        raw = self.mapping(data if isinstance(data, dict) else {"data": data}, path, ("level", "data", "logger"))
        level = raw.get("level", "info")
        if level not in LOG_LEVELS:
            raise self.fail((*path, "level"), f"expected one of {', '.join(LOG_LEVELS)}; got {level!r}.")
        return {"level": level, "data": raw.get("data", ""), **({"logger": raw["logger"]} if "logger" in raw else {})}

    def progress_params(self, data: Any, path: Path) -> dict[str, Any]:
        raw = self.mapping(data, path, ("progress", "total", "message"))
        for key in ("progress", "total"):
            if key in raw and (isinstance(raw[key], bool) or not isinstance(raw[key], (int, float))):
                raise self.fail((*path, key), f"expected a number; got {raw[key]!r}.")
        if "progress" not in raw:
            raise self.fail(path, "a progress step needs 'progress' (a number that grows with each step).")
        return dict(raw)

    def notify_params(self, data: Any, path: Path) -> dict[str, Any]:
        raw = self.mapping(data, path, ("method", "params", "to"))
        method = self.typed(raw.get("method"), (*path, "method"), str, "a notification method")
        if not method.startswith("notifications/"):
            raise self.fail((*path, "method"), f"a notification's method starts with notifications/; got {method!r}.")
        to = raw.get("to", "call")
        if to not in ("call", "all"):
            raise self.fail((*path, "to"), f"expected call (this call's stream) or all (every client's standalone "
                                           f"or listen stream); got {to!r}.")  # fmt: skip
        params = self.typed(raw.get("params", {}), (*path, "params"), dict, "a mapping")
        return {"method": method, "params": params, "to": to}

    def elicit_params(self, data: Any, path: Path) -> dict[str, Any]:
        raw = self.mapping(data, path, ELICIT_KEYS)
        message = self.typed(raw.get("message", ""), (*path, "message"), str, "the text shown to the user")
        if "url" in raw:
            if "schema" in raw:
                raise self.fail(path, "give 'url' (URL mode) or 'schema' (form mode), not both.")
            url = self.typed(raw["url"], (*path, "url"), str, "a URL")
            elicitation_id = self.typed(raw.get("elicitationId", "agenttest-elicitation"), (*path, "elicitationId"),
                                        str, "a string")  # fmt: skip
            return {"mode": "url", "message": message, "url": url, "elicitationId": elicitation_id}
        schema = self.schema(raw.get("schema", {"type": "object", "properties": {}}), (*path, "schema"))
        if schema.get("type") != "object" or not isinstance(schema.get("properties", {}), dict):
            raise self.fail((*path, "schema"), "an elicitation's schema is type: object with flat properties.")
        return {"message": message, "requestedSchema": schema}

    def sample_params(self, data: Any, path: Path) -> dict[str, Any]:
        raw = self.mapping(data if isinstance(data, dict) else {"prompt": data}, path, SAMPLE_KEYS)
        if ("prompt" in raw) == ("messages" in raw):
            raise self.fail(path, "give 'prompt' (one user message) or 'messages' (MCP sampling messages).")
        params = {key: value for key, value in raw.items() if key != "prompt"}
        if "prompt" in raw:
            prompt = self.typed(raw["prompt"], (*path, "prompt"), str, "a string")
            params["messages"] = [{"role": "user", "content": {"type": "text", "text": prompt}}]
        self.items(params["messages"], (*path, "messages"), "messages")
        params.setdefault("maxTokens", 100)
        return params

    def content(self, data: Any, path: Path) -> dict[str, Any]:
        item = self.typed(data, path, dict, "a content item (a mapping with 'type')")
        kind = item.get("type")
        needs = {"text": ("text",), "image": ("data", "mimeType"), "audio": ("data", "mimeType"),
                 "resource": ("resource",), "resource_link": ("uri", "name")}  # fmt: skip
        if kind not in needs:
            raise self.fail((*path, "type"), f"expected one of {', '.join(needs)}; got {kind!r}.")
        missing = [key for key in needs[kind] if key not in item]
        if missing:
            raise self.fail(path, f"a {kind} content item needs {', '.join(missing)}.")
        return dict(item)

    def rpc_error(self, data: Any, path: Path) -> RpcError:
        raw = self.mapping(data, path, ERROR_KEYS)
        code = self.typed(raw.get("code"), (*path, "code"), int, "a JSON-RPC error code (an integer, e.g. -32603)")
        message = self.typed(raw.get("message", f"mock MCP error {code}"), (*path, "message"), str, "a string")
        return RpcError(code, message, raw.get("data"))

    def resource(self, data: Any, path: Path) -> Resource:
        raw = self.mapping(data, path, RESOURCE_KEYS)
        for key in ("uri", "name"):
            if key not in raw:
                raise self.fail(path, f"a resource needs '{key}'.")
        strings = {key: self.typed(raw[key], (*path, key), str, "a string") for key in RESOURCE_KEYS if key in raw}
        if "text" in strings and "blob" in strings:
            raise self.fail(path, "give either 'text' or 'blob' (base64), not both.")
        return Resource(strings["uri"], strings["name"], strings.get("description", ""),
                        strings.get("mimeType", "text/plain"), strings.get("text"), strings.get("blob"))  # fmt: skip

    def resource_template(self, data: Any, path: Path) -> ResourceTemplate:
        raw = self.mapping(data, path, TEMPLATE_KEYS)
        for key in ("uriTemplate", "name"):
            if key not in raw:
                raise self.fail(path, f"a resource template needs '{key}'.")
        strings = {key: self.typed(raw[key], (*path, key), str, "a string") for key in TEMPLATE_KEYS[:-1] if key in raw}
        if "text" in strings and "blob" in strings:
            raise self.fail(path, "give either 'text' or 'blob' (base64), not both.")
        template = ResourceTemplate(strings["uriTemplate"], strings["name"], strings.get("description", ""),
                                    strings.get("mimeType", "text/plain"), strings.get("text"),
                                    strings.get("blob"))  # fmt: skip
        if not template.placeholders:
            raise self.fail((*path, "uriTemplate"), "a URI template names at least one {placeholder}, e.g. "
                                                    "test://items/{id}; a fixed URI is a resource.")  # fmt: skip
        completions = self.typed(raw.get("completions", {}), (*path, "completions"), dict,
                                 "a mapping of placeholder names to lists of values")  # fmt: skip
        offered = {}
        for key, values in completions.items():
            if key not in template.placeholders:
                raise self.fail((*path, "completions", key), f"'{key}' is not a placeholder of "
                                                             f"{template.uri_template}.")  # fmt: skip
            offered[str(key)] = self.strings(values, (*path, "completions", key))
        return replace(template, completions=offered)

    def strings(self, data: Any, path: Path) -> tuple[str, ...]:
        items = self.items(data, path, "values")
        return tuple(self.typed(item, (*path, index), str, "a string") for index, item in enumerate(items))

    def prompt(self, data: Any, path: Path) -> Prompt:
        raw = self.mapping(data, path, PROMPT_KEYS)
        if "name" not in raw:
            raise self.fail(path, "a prompt needs a 'name'.")
        arguments = []
        for index, item in enumerate(self.items(raw.get("arguments", []), (*path, "arguments"), "arguments")):
            spot = (*path, "arguments", index)
            argument = self.mapping(item, spot, ARGUMENT_KEYS)
            if "name" not in argument:
                raise self.fail(spot, "a prompt argument needs a 'name'.")
            arguments.append(PromptArgument(
                self.typed(argument["name"], (*spot, "name"), str, "a string"),
                self.typed(argument.get("description", ""), (*spot, "description"), str, "a string"),
                self.typed(argument.get("required", False), (*spot, "required"), bool, "true or false"),
                self.strings(argument.get("completions", []), (*spot, "completions")),
            ))  # fmt: skip
        messages = []
        for index, item in enumerate(self.items(raw.get("messages", []), (*path, "messages"), "messages")):
            spot = (*path, "messages", index)
            message = self.mapping(item, spot, MESSAGE_KEYS)
            role = message.get("role", "user")
            if role not in ("user", "assistant"):
                raise self.fail((*spot, "role"), f"expected user or assistant; got {role!r}.")
            if ("text" in message) == ("content" in message):
                raise self.fail(spot, "a prompt message has 'text' or 'content' (an image, audio or resource item).")
            if "content" in message:
                content = self.content(message["content"], (*spot, "content"))
            else:
                content = {"type": "text", "text": self.typed(message["text"], (*spot, "text"), str, "a string")}
            messages.append((role, content))
        listed = self.items(raw.get("steps", []), (*path, "steps"), "steps")
        steps = tuple(self.step(item, (*path, "steps", index)) for index, item in enumerate(listed))
        for index, step in enumerate(steps):
            if step.kind not in ASKS:
                raise self.fail((*path, "steps", index), f"a prompt's steps ask the client ({', '.join(ASKS)}); "
                                                         f"{step.kind} belongs to a tool call.")  # fmt: skip
        return Prompt(self.typed(raw["name"], (*path, "name"), str, "a string"),
                      self.typed(raw.get("description", ""), (*path, "description"), str, "a string"),
                      tuple(arguments), tuple(messages), steps)  # fmt: skip

    def fault(self, data: Any, path: Path) -> McpFault:
        return parse_fault_data(self, data, path, McpFault, self.matcher)
