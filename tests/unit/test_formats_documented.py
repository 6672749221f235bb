"""docs/reference/formats.md lists exactly the keys each file loader accepts, table by table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from AgentTestLibrary import scores, wire
from AgentTestLibrary.harness import fake_cli, runtimes
from AgentTestLibrary.mocka2a import loader as a2a
from AgentTestLibrary.mockaws import app as aws
from AgentTestLibrary.mockllm.scenario import loader as llm
from AgentTestLibrary.mockmcp import loader as mcp
from AgentTestLibrary.mockmcp.model import STEP_KINDS
from AgentTestLibrary.mockservice import loader as service

PAGE = Path(__file__).parents[2] / "docs" / "reference" / "formats.md"
GENERIC_FAULT = set(service.FAULT_FIELDS)  # every mock's fault effects; a family adds its own

# (section, table heading) → the keys the code accepts there.
TABLES: dict[tuple[str, str], set[str]] = {
    ("Scenario", "top level"): set(wire.SCENARIO_SECTIONS),
    ("Scenario", "`rules[]`"): set(llm.RULE_KEYS),
    ("Scenario", "`rules[].when`"): set(llm.WHEN_KEYS),
    ("Scenario", "`rules[].reply`"): set(llm.REPLY_KEYS),
    ("Scenario", "`rules[].reply.tool_calls[]`"): set(llm.TOOL_CALL_KEYS),
    ("Scenario", "`rules[].reply.usage`"): set(llm.USAGE_KEYS),
    ("Scenario", "`rules[].reply.error`"): set(llm.ERROR_KEYS),
    ("Scenario", "`faults[]`"): set(llm.FAULT_KEYS),
    ("MCP scenario", "MCP server (`mcp_servers.NAME`)"): set(mcp.SERVER_KEYS),
    ("MCP scenario", "`tools[]`"): set(mcp.TOOL_KEYS),
    ("MCP scenario", "`rules[]` (MCP)"): set(mcp.RULE_KEYS),
    ("MCP scenario", "`rules[].when` (MCP)"): set(mcp.WHEN_KEYS),
    ("MCP scenario", "reply (MCP)"): set(mcp.REPLY_KEYS),
    ("MCP scenario", "`steps[]`"): set(mcp.STEP_KEYS) | set(STEP_KINDS),
    ("MCP scenario", "`steps[].elicit`"): set(mcp.ELICIT_KEYS),
    ("MCP scenario", "`steps[].sample`"): set(mcp.SAMPLE_KEYS),
    ("MCP scenario", "`error` (MCP)"): set(mcp.ERROR_KEYS),
    ("MCP scenario", "`resources[]`"): set(mcp.RESOURCE_KEYS),
    ("MCP scenario", "`resource_templates[]`"): set(mcp.TEMPLATE_KEYS),
    ("MCP scenario", "`prompts[]`"): set(mcp.PROMPT_KEYS),
    ("MCP scenario", "`prompts[].arguments[]`"): set(mcp.ARGUMENT_KEYS),
    ("MCP scenario", "`prompts[].messages[]`"): set(mcp.MESSAGE_KEYS),
    ("MCP scenario", "`faults[]` (MCP)"): set(mcp.FAULT_FIELDS) - GENERIC_FAULT,
    ("A2A scenario", "A2A agent (`a2a_agents.NAME`)"): set(a2a.AGENT_KEYS),
    ("A2A scenario", "`card`"): set(a2a.CARD_KEYS),
    ("A2A scenario", "`card.skills[]`"): set(a2a.SKILL_KEYS),
    ("A2A scenario", "`rules[]` (A2A)"): set(a2a.RULE_KEYS),
    ("A2A scenario", "`rules[].when` (A2A)"): set(a2a.WHEN_KEYS),
    ("A2A scenario", "reply (A2A)"): set(a2a.REPLY_KEYS),
    ("A2A scenario", "`artifacts[]`"): set(a2a.ARTIFACT_KEYS),
    ("A2A scenario", "`file`"): set(a2a.FILE_KEYS),
    ("A2A scenario", "`error` (A2A)"): set(a2a.ERROR_KEYS),
    ("A2A scenario", "`faults[]` (A2A)"): set(a2a.FAULT_FIELDS) - GENERIC_FAULT,
    ("Routes", "top level (routes)"): set(service.TOP_KEYS),
    ("Routes", "`service`"): set(service.SERVICE_KEYS),
    ("Routes", "`collections.NAME`"): set(service.COLLECTION_KEYS),
    ("Routes", "`routes[]`"): set(service.ROUTE_KEYS),
    ("Routes", "`routes[].when`"): set(service.WHEN_KEYS),
    ("Routes", "`routes[].verify`"): set(service.VERIFY_KEYS),
    ("Routes", "`routes[].reply`"): set(service.REPLY_KEYS),
    ("Routes", "`routes[].reply.paginate`"): set(service.PAGINATE_KEYS),
    ("Routes", "`faults[].when` (routes)"): set(service.FAULT_WHEN_KEYS),
    ("Golden sets", "top level (golden set)"): {"version", "cases"},
    ("Golden sets", "`cases[]`"): set(scores.CASE_KEYS),
    ("Golden sets", "`cases[].graders[]`"): set(scores.GRADER_KINDS),
    ("Runtime registry", "top level (runtime registry)"): {"runtimes"},
    ("Runtime registry", "`runtimes.NAME`"): set(runtimes.RUNTIME_KEYS),
    ("Runtime registry", "placeholders"): set(runtimes.PLACEHOLDERS),
    ("Fake CLI rules", "`rules[]` (fake CLI)"): set(fake_cli.RULE_KEYS),
}


def rows() -> dict[tuple[str, str], list[str]]:
    """Each table's keys in the order listed: the backticked name in the first column of its rows."""
    tables: dict[tuple[str, str], list[str]] = {}
    for section in re.split(r"^## ", PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]:
        title = section.split("\n", 1)[0].strip()
        for table in re.split(r"^### ", section, flags=re.MULTILINE)[1:]:
            heading, body = table.split("\n", 1)
            tables[title, heading.strip()] = re.findall(r"^\| `([^`]+)` \|", body, flags=re.MULTILINE)
    return tables


def documented() -> dict[tuple[str, str], set[str]]:
    return {table: set(keys) for table, keys in rows().items()}


def test_every_table_of_the_page_is_checked() -> None:
    assert set(documented()) == set(TABLES)


def test_no_table_lists_a_key_twice() -> None:
    twice = {table: sorted({key for key in keys if keys.count(key) > 1}) for table, keys in rows().items()}
    assert not {table: keys for table, keys in twice.items() if keys}, "formats.md lists these keys twice"


@pytest.mark.parametrize("table", sorted(TABLES), ids=[" / ".join(table) for table in sorted(TABLES)])
def test_a_table_lists_exactly_the_keys_its_loader_accepts(table: tuple[str, str]) -> None:
    found = documented().get(table, set())
    assert found == TABLES[table], (
        f"formats.md {table}: missing {TABLES[table] - found}, not accepted {found - TABLES[table]}"
    )


def test_the_mock_aws_fault_conditions_are_named() -> None:
    text = PAGE.read_text(encoding="utf-8")
    sentence = re.search(r"`Inject AWS Fault` addresses AWS calls with (.*)\.", text)
    assert sentence is not None
    assert set(re.findall(r"`(\w+)`", sentence.group(1))) == set(aws.FAULT_WHEN_KEYS)


def test_the_generic_fault_keys_are_those_of_the_model_faults() -> None:
    # The MCP, A2A and route fault tables list only their own keys, and say "every key of the model's faults[]".
    assert GENERIC_FAULT | {"misbehave"} == set(llm.FAULT_FIELDS)
