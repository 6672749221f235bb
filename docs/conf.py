"""Sphinx configuration of the documentation site (`make docs` builds it into results/site)."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from docutils import nodes
from pygments.lexers import robotframework as robot_lexer
from robot.libdocpkg import LibraryDocumentation
from sphinx.util.docutils import SphinxDirective

from AgentTestLibrary.version import __version__

project = "AgentTestLibrary"
copyright = "AgentTestLibrary contributors"
release = version = __version__

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
# Headings up to ### get anchors, so `page.md#a-heading` links are checked like page links.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]
# Every warning is an error under `sphinx -W`: a missing page, anchor or included file fails the build.
nitpicky = True

html_theme = "furo"
html_title = f"AgentTestLibrary {release}"
# Offline: furo ships its CSS/JS and uses the system font stack; nothing is fetched from a CDN.
html_static_path: list[str] = []
html_last_updated_fmt = None
html_show_sphinx = False
html_copy_source = False

# Pygments' Robot Framework lexer predates the settings Robot Framework 7 added; without them a suite's
# `Test Tags` line is a lexing error, which `sphinx -W` turns into a failed build.
robot_lexer.Setting._other_settings += ("testtags", "tasktags", "keywordtags", "name")
robot_lexer.KeywordSetting._keyword_settings += ("setup",)

LIBDOC_DIR = "keywords"
LIBDOC_FILE = "AgentTestLibrary.html"


def write_libdoc(app: Any, exception: Exception | None) -> None:
    """The keyword reference (Robot's libdoc HTML) inside the site, at keywords/AgentTestLibrary.html."""
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / LIBDOC_DIR / LIBDOC_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        LibraryDocumentation("AgentTestLibrary").save(str(target), "HTML")


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Every command of an argparse tree with its --help text, depth first."""
    found = [(" ".join(path), parser.format_help())]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += commands(child, (*path, name))
    return found


class AgenttestHelp(SphinxDirective):
    """``agenttest-help``: the --help text of every ``agenttest`` command, read from the parser at build time."""

    def run(self) -> list[nodes.Node]:
        from AgentTestLibrary.cli import _parser

        os.environ["COLUMNS"] = "100"  # argparse wraps help text to the terminal's width
        found: list[nodes.Node] = []
        for path, text in commands(_parser()):
            command = f"agenttest {path}".strip()
            section = nodes.section(ids=[nodes.make_id(command)])
            section += nodes.title(text=command)
            section += nodes.literal_block(text, text, language="text")
            found.append(section)
        return found


def table_row(cells: tuple[str, ...]) -> nodes.row:
    row = nodes.row()
    row.extend(nodes.entry("", nodes.paragraph("", "", nodes.literal(cell, cell))) for cell in cells)
    return row


class PresetRoutes(SphinxDirective):
    """``preset-routes NAME``: the routes of a built-in service preset (method, path, name) from the preset itself."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from AgentTestLibrary.mockservice import load_service

        table = nodes.table()
        group = nodes.tgroup(cols=3)
        table += group
        group.extend(nodes.colspec(colwidth=width) for width in (1, 4, 3))
        rows = [("method", "path", "route name")]
        for route in load_service(self.arguments[0], self.arguments[0]).routes:
            path = route.matcher.path.text if route.matcher.path else ""
            rows.append((" or ".join(route.matcher.methods), path, route.name))
        for part, chunk in ((nodes.thead(), rows[:1]), (nodes.tbody(), rows[1:])):
            part.extend(table_row(cells) for cells in chunk)
            group += part
        return [table]


# The keyword components (src/AgentTestLibrary/keywords/*.py) in the order the reference page shows them.
KEYWORD_GROUPS = {
    "mock_llm": "Mock LLM", "rules": "Scenario rules from keywords", "journal": "What the agent sent",
    "faults": "Faults", "resilience": "Resilience verdicts", "cassettes": "Cassettes", "mcp": "MCP servers",
    "mcp_assertions": "What the agent did over MCP", "a2a": "A2A agents", "services": "Services and webhooks",
    "aws": "AWS", "sealed": "Sealed network", "fake_cli": "Fake CLIs", "hooks": "Hooks", "runtimes": "Runtimes",
    "agents": "Agent CLIs", "live": "Live lane", "credentials": "Credential files", "scores": "Score gate",
}  # fmt: skip


class KeywordTable(SphinxDirective):
    """``keyword-table``: every keyword of the library by component, with its first doc line, linked into libdoc."""

    def run(self) -> list[nodes.Node]:
        groups: dict[str, list[Any]] = {}
        for keyword in LibraryDocumentation("AgentTestLibrary").keywords:
            groups.setdefault(Path(keyword.source).stem, []).append(keyword)
        order = [*KEYWORD_GROUPS, *sorted(set(groups) - set(KEYWORD_GROUPS))]  # a new component shows up too
        found: list[nodes.Node] = []
        for stem in (stem for stem in order if stem in groups):
            title = KEYWORD_GROUPS.get(stem, stem)
            section = nodes.section(ids=[nodes.make_id(f"keywords-{title}")])
            section += nodes.title(text=title)
            items = nodes.bullet_list()
            for keyword in groups[stem]:
                link = nodes.reference("", "", nodes.literal(keyword.name, keyword.name),
                                       refuri=f"../{LIBDOC_DIR}/{LIBDOC_FILE}#{quote(keyword.name)}")  # fmt: skip
                summary = re.sub(r"`+", "", keyword.short_doc)
                items += nodes.list_item("", nodes.paragraph("", "", link, nodes.Text(f": {summary}")))
            section += items
            found.append(section)
        return found


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("keyword-table", KeywordTable)
    app.add_directive("agenttest-help", AgenttestHelp)
    app.add_directive("preset-routes", PresetRoutes)
    app.connect("build-finished", write_libdoc)
    return {"parallel_read_safe": True}
