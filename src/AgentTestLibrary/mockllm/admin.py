"""The admin HTTP API under ``/__agenttest/``: journal, reset, scenario, rules, health."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .http import HttpRequest, HttpResponse
from .scenario import ScenarioError, parse_fault, parse_rule, scenario_from_text

if TYPE_CHECKING:
    from .app import MockLLM

ADMIN_PREFIX = "/__agenttest/"
USAGE = (
    f"Available: GET {ADMIN_PREFIX}journal, GET {ADMIN_PREFIX}health, POST {ADMIN_PREFIX}reset, "
    f"POST {ADMIN_PREFIX}scenario (YAML body), POST {ADMIN_PREFIX}rules (JSON rule), "
    f"POST {ADMIN_PREFIX}faults (JSON fault), DELETE {ADMIN_PREFIX}faults."
)


def handle_admin(app: MockLLM, request: HttpRequest) -> HttpResponse:
    method, action = request.method, request.path[len(ADMIN_PREFIX) :].strip("/")
    if (method, action) == ("GET", "journal"):
        return HttpResponse.json(200, {"entries": [entry.to_dict() for entry in app.journal.entries()]})
    if (method, action) == ("GET", "health"):
        return HttpResponse.json(200, {"status": "ok"})
    if (method, action) == ("POST", "reset"):
        app.reset()
        return HttpResponse.json(200, {"reset": True})
    if (method, action) == ("DELETE", "faults"):
        app.remove_scope("admin-faults")
        app.faults.reset_counters()
        return HttpResponse.json(200, {"cleared": True})
    text = request.body.decode("utf-8", errors="replace")
    try:
        if (method, action) == ("POST", "scenario"):
            scenario = scenario_from_text(text, f"POST {ADMIN_PREFIX}scenario")
            app.load_scenario(scenario)
            return HttpResponse.json(200, {"loaded": True, "rules": len(scenario.rules), "strict": scenario.strict})
        if (method, action) == ("POST", "faults"):
            fault = parse_fault(json.loads(text) if text.strip() else None, f"POST {ADMIN_PREFIX}faults")
            app.add_fault(fault, "admin-faults")
            return HttpResponse.json(200, {"added": fault.describe()})
        if (method, action) == ("POST", "rules"):
            app.add_rule(parse_rule(json.loads(text) if text.strip() else None, f"POST {ADMIN_PREFIX}rules"), "admin")
            return HttpResponse.json(200, {"added": True})
    except (ScenarioError, ValueError) as error:
        return HttpResponse.json(400, {"error": {"message": str(error), "type": "invalid_scenario"}})
    message = f"Unknown admin call {method} {request.path}. {USAGE}"
    return HttpResponse.json(404, {"error": {"message": message, "type": "not_found"}})
