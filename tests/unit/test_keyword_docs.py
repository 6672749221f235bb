"""The keyword documentation libdoc builds: every `name` link resolves and every ``literal`` renders."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
from robot.libdocpkg import LibraryDocumentation

from AgentTestLibrary.harness.agents import AGENTS

# Robot's formatter turns `name` into a link to a keyword or an introduction section, or into <code> for an
# argument; a name that is none of these stays a <span class="name">: a dangling link.
DANGLING = re.compile(r'<span class="name">(.*?)</span>', re.DOTALL)
PRE = re.compile(r"<pre>.*?</pre>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")


def broken_literal(span: str) -> bool:
    """``a``/``b`` or ``x``'s: the closing backticks were not taken, and a name link swallowed the rest."""
    return "`" in span or "<code>" in span


@cache
def spec() -> dict[str, Any]:
    library = LibraryDocumentation("AgentTestLibrary")
    library.convert_docs_to_html()
    result: dict[str, Any] = library.to_dictionary()
    return result


def documents() -> list[tuple[str, str]]:
    docs = [("introduction", spec()["doc"])] + [("library import", init["doc"]) for init in spec()["inits"]]
    return docs + [(keyword["name"], keyword["doc"]) for keyword in spec()["keywords"]]


def test_the_introduction_has_a_table_of_contents_and_sections() -> None:
    introduction = spec()["doc"]
    sections = re.findall(r'<h2 id="([^"]+)">', introduction)
    toc = re.findall(r'<li><a href="#([^"]+)">', introduction)
    assert len(sections) >= 10
    assert [anchor.replace("%20", " ").replace("%2C", ",") for anchor in toc] == sections


@pytest.mark.parametrize(("where", "doc"), documents(), ids=[where for where, _ in documents()])
def test_every_name_link_resolves_to_a_keyword_a_section_or_an_argument(where: str, doc: str) -> None:
    dangling = [TAG.sub("", found) for found in DANGLING.findall(doc) if not broken_literal(found)]
    assert dangling == [], f"{where}: `...` names neither a keyword, a section nor an argument: {dangling}"


@pytest.mark.parametrize(("where", "doc"), documents(), ids=[where for where, _ in documents()])
def test_every_literal_renders(where: str, doc: str) -> None:
    broken = [TAG.sub("", found) for found in DANGLING.findall(doc) if broken_literal(found)]
    assert broken == [], f"{where}: a ``literal`` ran into its neighbour and broke the paragraph: {broken}"
    text = TAG.sub("", PRE.sub("", doc))
    assert "``" not in text, f"{where}: a ``literal`` did not render: {text[max(0, text.find('``') - 60) :][:140]!r}"


CHOICES = {
    ("Start Mock MCP Server", "transport"): {"http", "stdio"},
    ("Install MCP Server Config", "transport"): {"http", "stdio"},
    ("Configure Mock MCP Server", "response"): {"auto", "json", "sse"},
    ("Use LLM Cassettes", "record_mode"): {"none", "once", "new_episodes", "all"},
    ("Use LLM Cassettes", "on_stale"): {"fail", "warn"},
    ("Deliver Webhook", "provider"): {"github", "slack", "stripe", "standard"},
    ("Deliver Webhook", "signature"): {"valid", "invalid", "stale", "missing"},
    ("Create Fake CLI", "unmatched"): {"fail", "passthrough"},
    ("Add Fake CLI Rule", "match"): {"any", "exact", "prefix", "glob", "regex"},
    ("MCP Client Should Have Been Asked For Elicitation", "action"): {"accept", "decline", "cancel"},
    ("Install Agent CLIs", "names"): set(AGENTS),
    ("Install Hooks Bridge", "runtime"): {"claude-code", "codex", "gemini-cli", "pi", "opencode", "example-agent"},
}


def literal_members(argument: dict[str, Any]) -> set[str]:
    """The choices libdoc lists for an argument typed ``Literal[...]`` (or ``Literal[...] | None``)."""
    typed = argument["type"] or {}
    literals = (
        [typed] if typed.get("name") == "Literal" else [t for t in typed.get("nested", []) if t["name"] == "Literal"]
    )
    return {member["name"].strip("'") for literal in literals for member in literal["nested"]}


@pytest.mark.parametrize(("keyword", "argument"), sorted(CHOICES))
def test_arguments_with_fixed_choices_are_typed_so_libdoc_lists_them(keyword: str, argument: str) -> None:
    found = next(k for k in spec()["keywords"] if k["name"] == keyword)
    typed = next(a for a in found["args"] if a["name"] == argument)
    assert literal_members(typed) == CHOICES[keyword, argument]
