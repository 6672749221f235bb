"""Cassette housekeeping for the CLI: find stale, unused and invalid cassettes; turn one into scenario rules (a model
cassette) or a route file (a service cassette)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from ..errors import CassetteError
from ..naming import slug
from .mcp import PROTOCOL as MCP
from .model import Cassette, load_cassette
from .scrub import SCRUBBED
from .service import BASE
from .service import PROTOCOL as SERVICE

LITERAL_BRACES = '{{method.braces | "{{"}}'  # the method (a string) has no fields: the alternative, "{{", is written
KINDS = {SERVICE: "service", MCP: "mcp"}  # a request's protocol -> the kind of cassette (else: a model's)


def cassette_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist; give cassette files or folders of them.")
        files.extend(sorted(path.rglob("*.yaml")) if path.is_dir() else [path])
    return files


def check(
    paths: Iterable[str | Path], max_age_days: float | None, test_names: set[tuple[str, str]] | None
) -> list[str]:
    """One line per problem: ``FILE: invalid|stale|unused: why``."""
    problems = []
    for file in cassette_files(paths):
        try:
            cassette = load_cassette(file)
        except CassetteError as error:
            problems.append(f"{file}: invalid: {error}")
            continue
        age = cassette.age().total_seconds() / 86400
        if max_age_days is not None and age > max_age_days:
            problems.append(f"{file}: stale: recorded {age:.0f} days ago (max {max_age_days:g}); re-record it")
        if test_names is not None and (file.parent.name, file.stem) not in test_names:
            problems.append(f"{file}: unused: no test '{file.stem}' in a suite '{file.parent.name}'")
    return problems


def test_names(tests: Iterable[Any]) -> set[tuple[str, str]]:
    """(suite slug, test slug) of every test (Robot's model objects, read by the CLI), as cassettes name them."""
    return {(slug(test.parent.name), slug(test.name)) for test in tests}


def _kind(cassette: Cassette) -> str:
    """What a cassette records: ``service``, ``mcp`` or ``model`` (an empty cassette: ``model``)."""
    kinds = {KINDS.get(str(episode.request.get("protocol")), "model") for episode in cassette.episodes}
    if len(kinds) > 1:
        raise CassetteError(
            f"{cassette.path}: mixes {' and '.join(sorted(kinds))} episodes; a cassette holds one kind."
        )
    return kinds.pop() if kinds else "model"


def to_scenario(cassette: Cassette, name: str = "recorded") -> str:
    """Editable scenario rules: a model cassette's, one per episode, matching on turn and latest user text; an MCP
    cassette's, a mock MCP server ``name`` (see :func:`to_mcp_scenario`)."""
    kind = _kind(cassette)
    if kind == "service":
        raise CassetteError(f"{cassette.path} is a service cassette: turn it into a route file with "
                            "'agenttest cassette to-routes'.")  # fmt: skip
    if kind == "mcp":
        return to_mcp_scenario(cassette, name)
    rules: list[dict[str, Any]] = []
    for number, episode in enumerate(cassette.episodes, 1):
        request, reply = episode.request, episode.reply
        messages = request.get("messages") or []
        user_texts = [m.get("text", "") for m in messages if m.get("role") == "user" and m.get("text")]
        when: dict[str, Any] = {
            "protocol": request.get("protocol"),
            "turn": 1 + sum(m.get("role") == "assistant" for m in messages),
        }
        if user_texts:
            when["user_text_contains"] = user_texts[-1][:80]
        when["tool_result"] = bool(messages and messages[-1].get("tool_results"))
        if "error" in reply:
            status = episode.response.get("status", 500)
            answer: dict[str, Any] = {"error": {"status": status, "message": f"recorded error {status}"}}
        else:
            answer = {"text": reply.get("text", "")} if reply.get("text") else {}
            if reply.get("tool_calls"):
                answer["tool_calls"] = reply["tool_calls"]
            answer = answer or {"text": ""}
        rules.append({"name": f"episode {number}", "when": when, "reply": answer})
    header = f"# Scenario made from cassette {cassette.path}; edit freely.\n"
    return header + yaml.safe_dump({"version": 1, "rules": rules}, sort_keys=False, allow_unicode=True, width=120)


def to_routes(cassette: Cassette) -> str:
    """An editable route file for a mock service that answers the cassette's requests as recorded.

    One route per distinct request (method, path, the query and body as conditions; a value the
    cassette scrubbed is no condition), the most specific first; a request recorded with several
    answers gets them as a ``sequence``. ``{{base}}`` in the answers is the mock's own URL.
    """
    if _kind(cassette) != "service":
        raise CassetteError(f"{cassette.path} is a model cassette: turn it into scenario rules with "
                            "'agenttest cassette to-scenario'.")  # fmt: skip
    grouped: dict[str, dict[str, Any]] = {}
    for episode in cassette.episodes:
        request = episode.request
        route: dict[str, Any] = {"method": str(request.get("method")), "path": str(request.get("path"))}
        when = _conditions(request)
        if when:
            route["when"] = when
        key = json.dumps(route, sort_keys=True, default=str)
        grouped.setdefault(key, {**route, "replies": []})["replies"].append(_route_reply(episode.response))
    routes = []
    names: set[str] = set()
    for route in sorted(grouped.values(), key=lambda item: -sum(map(len, (item.get("when") or {}).values()))):
        name = f"{route['method']} {route['path']}"
        number = 1
        while name in names:
            number += 1
            name = f"{route['method']} {route['path']} #{number}"
        names.add(name)
        replies = route.pop("replies")
        routes.append(
            {"name": name, **route, **({"reply": replies[0]} if len(replies) == 1 else {"sequence": replies})}
        )
    header = (f"# Routes made from cassette {cassette.path}; edit freely ({{{{base}}}} is the mock's URL).\n"
              "# Use: Start Mock Service    NAME    routes=THIS_FILE\n")  # fmt: skip
    data = {"version": 1, "service": {"strict": True}, "routes": routes}
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def _conditions(request: dict[str, Any]) -> dict[str, Any]:
    """``when`` of a route: the recorded query and body, less what was scrubbed and keys a path would misread."""
    when: dict[str, Any] = {}
    query = {str(name): values[0] for name, values in (request.get("query") or {}).items()
             if isinstance(values, list) and values and _plain(values[0])}  # fmt: skip
    if query:
        when["query"] = query
    body = request.get("body")
    form = body.get("form") if isinstance(body, dict) and set(body) == {"form"} else None
    fields = form if isinstance(form, dict) else body if isinstance(body, dict) else {}
    kept = {str(key): {"equals": value} if isinstance(value, dict) else value for key, value in fields.items()
            if "." not in str(key) and _plain(value)}  # fmt: skip
    if kept:
        when["form" if form is not None else "json"] = kept
    return when


def _plain(value: Any) -> bool:
    """A recorded value that can be a condition: nothing in it was scrubbed."""
    return SCRUBBED not in json.dumps(value, ensure_ascii=False, default=str)


def _route_reply(response: dict[str, Any]) -> dict[str, Any]:
    """A recorded answer as a route's reply: literal text, but ``{{base}}`` (the mock's URL). The mock service sends
    its own content-type (JSON, or text/plain for text), so the recorded one is left out rather than sent twice."""
    headers = {str(name): _literal(str(value)) for name, value in (response.get("headers") or {}).items()}
    content_type = headers.pop("content-type", "application/json")
    reply: dict[str, Any] = {"status": response.get("status", 200)}
    if headers:
        reply["headers"] = headers
    if "events" in response:
        reply["text"] = _literal("".join(f"{event.get('data', '')}\n\n" for event in response["events"]))
        return reply
    body = response.get("body")
    if response.get("encoding"):
        raise CassetteError(f"an answer of {content_type} is binary ({response['encoding']} in the cassette); a "
                            "route file carries text and JSON only: take that episode out or serve the file another "
                            "way.")  # fmt: skip
    if isinstance(body, str) and ("json" not in content_type or not body):
        if body or reply["status"] != 204:
            reply["text"] = _literal(body)
    elif body is not None:
        reply["json"] = _literal(body)
    return reply


def _literal(data: Any) -> Any:
    """Recorded data a route file renders as it is: every ``{{`` but that of ``{{base}}`` written as a placeholder
    that has no value and falls back to the literal text ``{{``."""
    if isinstance(data, str):
        return BASE.join(part.replace("{{", LITERAL_BRACES) for part in data.split(BASE))
    if isinstance(data, dict):
        return {key: _literal(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_literal(item) for item in data]
    return data


def to_mcp_scenario(cassette: Cassette, name: str) -> str:
    """A mock MCP server as the cassette saw the real one: its instructions, the tools, resources and prompts it
    listed (with what was read and got), and one rule per recorded tool call (its arguments, its answer)."""
    results: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for episode in cassette.episodes:
        body = episode.response.get("body") or {}
        results.setdefault(str(episode.request.get("method")), []).append((episode.request.get("params") or {}, body))
    server: dict[str, Any] = {"strict": True}
    for _, body in results.get("initialize", [])[:1]:
        instructions = (body.get("result") or {}).get("instructions")
        if isinstance(instructions, str) and instructions:
            server["instructions"] = instructions
    tools = _listed(results, "tools/list", "tools")
    server["tools"] = [{key: tool[key] for key in ("name", "description", "title", "inputSchema", "outputSchema",
                                                   "annotations") if key in tool} for tool in tools]  # fmt: skip
    rules = []
    for number, (params, body) in enumerate(results.get("tools/call", []), 1):
        arguments = params.get("arguments") or {}
        when: dict[str, Any] = {"tool": params.get("name")}
        if arguments:
            when["arguments"] = {str(key): {"equals": value} if isinstance(value, dict) else value
                                 for key, value in arguments.items() if "." not in str(key)}  # fmt: skip
        rules.append({"name": f"call {number}: {params.get('name')}", "when": when, "reply": _tool_reply(body)})
    if rules:
        server["rules"] = rules
    contents = {str(params.get("uri")): (body.get("result") or {}).get("contents") or []
                for params, body in results.get("resources/read", [])}  # fmt: skip
    resources = []
    for resource in _listed(results, "resources/list", "resources"):
        item = {key: resource[key] for key in ("uri", "name", "description", "mimeType") if key in resource}
        read = next((entry for entry in contents.get(str(resource.get("uri")), []) if isinstance(entry, dict)), {})
        item.update({key: read[key] for key in ("text", "blob") if key in read} or {"text": ""})
        resources.append(item)
    if resources:
        server["resources"] = resources
    got = {str(params.get("name")): (body.get("result") or {}).get("messages") or []
           for params, body in results.get("prompts/get", [])}  # fmt: skip
    prompts = []
    for prompt in _listed(results, "prompts/list", "prompts"):
        item = {key: prompt[key] for key in ("name", "description", "arguments") if key in prompt}
        messages = [{"role": message.get("role", "user"), **_prompt_content(message.get("content"))}
                    for message in got.get(str(prompt.get("name")), []) if isinstance(message, dict)]  # fmt: skip
        item["messages"] = messages
        prompts.append(item)
    if prompts:
        server["prompts"] = prompts
    header = f"# Mock MCP server made from cassette {cassette.path}; edit freely.\n"
    return header + yaml.safe_dump({"mcp_servers": {name: server}}, sort_keys=False, allow_unicode=True, width=120)


def _listed(results: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]], method: str, key: str) -> list[Any]:
    """Every item the server listed (all pages), each once, in order."""
    found: dict[str, Any] = {}
    for _, body in results.get(method, []):
        for item in (body.get("result") or {}).get(key) or []:
            if isinstance(item, dict):
                found.setdefault(str(item.get("name") or item.get("uri")), item)
    return list(found.values())


def _tool_reply(body: dict[str, Any]) -> dict[str, Any]:
    error = body.get("error")
    if isinstance(error, dict):
        return {"error": {key: error[key] for key in ("code", "message", "data") if key in error}}
    result = body.get("result") or {}
    reply: dict[str, Any] = {"content": result.get("content") or []}
    if "structuredContent" in result:
        reply["structured"] = result["structuredContent"]
    if result.get("isError"):
        reply["is_error"] = True
    return reply


def _prompt_content(content: Any) -> dict[str, Any]:
    if isinstance(content, dict) and content.get("type") == "text":
        return {"text": str(content.get("text", ""))}
    return {"content": content}
