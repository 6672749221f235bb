"""Scenarios: load and validate YAML rules, match a neutral conversation, choose a reply."""

from ...errors import ScenarioError
from .loader import load_scenario, parse_fault, parse_rule, parse_scenario, scenario_from_text
from .matching import Matcher, Rule
from .model import ReplySpec, Scenario

__all__ = [
    "Matcher",
    "ReplySpec",
    "Rule",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_fault",
    "parse_rule",
    "parse_scenario",
    "scenario_from_text",
]
