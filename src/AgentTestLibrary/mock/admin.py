"""The admin API under ``/__agenttest/``: journal, reset, faults, health, plus each application's own calls.

The agent under test knows the mock's URL, and any web page in a browser on the machine can
send it requests, so every call but ``health`` needs the mock's admin token
(``Authorization: Bearer TOKEN`` or ``X-AgentTest-Admin-Token``); without a token configured
the admin API is off. Writes take only JSON or YAML bodies (a browser's ``text/plain`` simple
request is refused) of bounded size. Every write and every refusal is journaled as an
``admin`` entry, never counted as a request of the agent.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from ..errors import ScenarioError
from . import jsonio
from .http import Outcome, Request, json_outcome

if TYPE_CHECKING:
    from .pipeline import Pipeline

ADMIN_PREFIX = "/__agenttest/"
MAX_ADMIN_BODY = 2 * 1024 * 1024
WRITE_TYPES = ("application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
DEFAULT_PAGE = 1000


def _usage(pipeline: Pipeline) -> str:
    calls = [f"GET {ADMIN_PREFIX}health", f"GET {ADMIN_PREFIX}journal?since=N&limit=M", f"POST {ADMIN_PREFIX}reset",
             f"POST {ADMIN_PREFIX}faults (JSON fault)", f"DELETE {ADMIN_PREFIX}faults"]  # fmt: skip
    calls += [
        f"{method} {ADMIN_PREFIX}{action} ({what})" for (method, action), (_, what) in pipeline.admin_actions.items()
    ]
    return "Available: " + ", ".join(calls) + "."


def _error(status: int, message: str, kind: str) -> Outcome:
    return json_outcome(status, {"error": {"message": message, "type": kind}})


def _authorized(pipeline: Pipeline, request: Request) -> str:
    """'' when the request carries the admin token, else why not."""
    if not pipeline.admin_token:
        return (
            "The admin API is off: this mock has no admin token. Start it with `agenttest mock serve "
            "--admin-token TOKEN` (or AGENTTEST_ADMIN_TOKEN); in Robot use `Get Mock LLM Admin Token`."
        )
    given = request.headers.get("x-agenttest-admin-token", "")
    authorization = request.headers.get("authorization", "")
    if not given and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip()
    if not hmac.compare_digest(given.encode(), pipeline.admin_token.encode()):
        return "Admin calls need the mock's admin token (Authorization: Bearer TOKEN or X-AgentTest-Admin-Token)."
    return ""


def handle_admin(pipeline: Pipeline, request: Request) -> Outcome:
    method, action = request.method, request.path[len(ADMIN_PREFIX) :].strip("/")
    if (method, action) == ("GET", "health"):
        return json_outcome(200, {"status": "ok"})
    refusal = _authorized(pipeline, request)
    if refusal:
        return _refuse(pipeline, request, 401, refusal, "authentication_error")
    if request.body:
        kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if kind not in WRITE_TYPES:
            message = f"Admin writes take {', '.join(WRITE_TYPES)}; got content-type {kind or 'none'!r}."
            return _refuse(pipeline, request, 415, message, "unsupported_media_type")
        if len(request.body) > MAX_ADMIN_BODY:
            message = f"Admin bodies are limited to {MAX_ADMIN_BODY} bytes; got {len(request.body)}."
            return _refuse(pipeline, request, 413, message, "request_too_large")
    if (method, action) == ("GET", "journal"):
        return _journal(pipeline, request)
    text = request.body.decode("utf-8", errors="replace")
    try:
        outcome = _write(pipeline, request, method, action, text)
    except (ScenarioError, jsonio.JsonError) as error:
        outcome = _error(400, str(error), "invalid_scenario")
    if outcome is None:
        return _error(404, f"Unknown admin call {method} {request.path}. {_usage(pipeline)}", "not_found")
    pipeline.record(request, outcome, None, kind="admin", rule=f"{method} {action}",
                    error="" if outcome.status < 400 else str(outcome.body)[:300])  # fmt: skip
    return outcome


def _write(pipeline: Pipeline, request: Request, method: str, action: str, text: str) -> Outcome | None:
    if (method, action) == ("POST", "reset"):
        pipeline.reset()
        return json_outcome(200, {"reset": True})
    if (method, action) == ("POST", "faults"):
        data = jsonio.loads(text) if text.strip() else None
        fault = pipeline.application.parse_fault(data, f"POST {ADMIN_PREFIX}faults")
        pipeline.faults.add(fault, "admin-faults")
        return json_outcome(200, {"added": fault.describe()})
    if (method, action) == ("DELETE", "faults"):
        pipeline.faults.clear("admin-faults")
        return json_outcome(200, {"cleared": True})
    handler, _ = pipeline.admin_actions.get((method, action), (None, ""))
    return handler(request, text) if handler is not None else None


def _journal(pipeline: Pipeline, request: Request) -> Outcome:
    query = request.query
    try:
        since = int(query.get("since", ["0"])[0])
        limit = min(int(query.get("limit", [str(DEFAULT_PAGE)])[0]), DEFAULT_PAGE)
    except ValueError:
        return _error(400, "since and limit must be integers.", "invalid_request_error")
    entries = pipeline.journal.entries(since, limit)
    following = entries[-1].index + 1 if entries else max(since, pipeline.journal.next_index)
    data = {
        "entries": [entry.to_dict() for entry in entries],
        "next": following if following < pipeline.journal.next_index else None,
        "dropped": pipeline.journal.truncated_since(since),
    }
    return json_outcome(200, data)


def _refuse(pipeline: Pipeline, request: Request, status: int, message: str, kind: str) -> Outcome:
    outcome = _error(status, message, kind)
    pipeline.record(request, outcome, None, kind="admin", rule=f"{request.method} {request.path}", error=message)
    return outcome
