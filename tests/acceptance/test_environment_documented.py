"""docs/reference/environment.md lists exactly the variables each mock exports or unsets; stopping it restores them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from AgentTestLibrary.sealed.seal import sealed_environment

from .robot_run import run_robot

PAGE = Path(__file__).parents[2] / "docs" / "reference" / "environment.md"
# Page section → the keyword call whose environment changes it documents (<NAME> placeholders filled as below).
MOCKS = {
    "Mock LLM (`Start Mock LLM`)": ("Start Mock LLM", "Stop Mock LLM"),
    "Mock MCP servers (`Start Mock MCP Server`)": (
        "Start Mock MCP Server    name=docs-check",
        "Stop Mock MCP Server    docs-check",
    ),
    "Mock A2A agents (`Start Mock A2A Agent`)": (
        "Start Mock A2A Agent    docs-check",
        "Stop Mock A2A Agent    docs-check",
    ),
    "Mock services (`Start Mock Service`)": ("Start Mock Service    docs-check", "Stop Mock Service    docs-check"),
    "Mock AWS (`Start Mock AWS`)": ("Start Mock AWS", "Stop Mock AWS"),
}
SUITE = """*** Settings ***
Library     AgentTestLibrary
Library     Collections
Library     OperatingSystem

*** Test Cases ***
Every Mock's Environment
    [Tags]    lane:no-model
    ${changes}=    Create Dictionary
{steps}    ${text}=    Evaluate    json.dumps($changes)    modules=json
    Create File    ${OUTPUT DIR}/environment.json    ${text}
"""
STEP = """    ${{before}}=    Evaluate    dict(os.environ)    modules=os
    {call}
    ${{changed}}=    Evaluate
    ...    (lambda b: sorted(k for k in b.keys() | os.environ.keys() if b.get(k) != os.environ.get(k)))($before)
    ...    modules=os
    Set To Dictionary    ${{changes}}    {section}=${{changed}}
    {stop}
    ${{restored}}=    Evaluate    $before == dict(os.environ)    modules=os
    Should Be True    ${{restored}}    stopping the mock did not put the environment back
"""


def documented() -> dict[str, set[str]]:
    """Each section's variables: the backticked names in the first column of its tables."""
    sections = re.split(r"^## ", PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]
    found = {}
    for section in sections:
        title, body = section.split("\n", 1)
        cells = re.findall(r"^\| ([^|]+) \|", body, flags=re.MULTILINE)
        names = {name for cell in cells for name in re.findall(r"`([A-Z][A-Z0-9_<>]+)`", cell)}
        found[title.strip()] = {name.replace("<NAME>", "DOCS_CHECK") for name in names}
    return found


def test_every_mock_exports_exactly_what_the_page_lists(tmp_path: Path) -> None:
    pages = documented()
    steps = "".join(
        STEP.format(call=start, stop=stop, section=f"s{n}") for n, (start, stop) in enumerate(MOCKS.values())
    )
    # Every documented variable starts with a value of its own, so setting, changing and unsetting all show.
    every = set().union(*(pages[title] for title in MOCKS))
    run = run_robot(tmp_path, {"env.robot": SUITE.replace("{steps}", steps)}, dict.fromkeys(every, "before-the-mock"))
    assert run.returncode == 0, run.stdout
    changes = json.loads((run.output_dir / "environment.json").read_text(encoding="utf-8"))
    for n, title in enumerate(MOCKS):
        assert set(changes[f"s{n}"]) == pages[title], f"{PAGE.name}, section {title!r}"


def test_the_sealed_network_section_lists_what_a_seal_exports(tmp_path: Path) -> None:
    section = PAGE.read_text(encoding="utf-8").split("## Sealed network (`Seal Agent Network`)", 1)[1].split("\n## ")[0]
    cells = re.findall(r"^\| ([^|]+) \|", section, flags=re.MULTILINE)
    names = {name for cell in cells for name in re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", cell)} - {"variable"}
    assert names == set(sealed_environment("http://127.0.0.1:1", tmp_path / "ca.pem", tmp_path))
