"""README.md is the front door: at most 200 lines, every link resolves, and the answers new users looked for
are at most two clicks away."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
README = REPO / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def slug(heading: str) -> str:
    """The anchor GitHub (and MyST) give a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {slug(heading) for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


def links(page: Path) -> list[tuple[Path, str]]:
    """The local Markdown pages a page links to, with the anchor ('' for none)."""
    found = []
    for target in LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        found.append(((page.parent / path).resolve() if path else page, anchor))
    return found


def test_the_readme_is_at_most_200_lines() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= 200, f"README.md has {lines} lines; move the detail into the matching page under docs/"


def test_every_local_link_of_the_readme_resolves() -> None:
    for target, anchor in links(README):
        assert target.exists(), f"README.md links to {target.relative_to(REPO)}, which does not exist"
        if anchor:
            assert anchor in anchors(target), f"README.md links to {target.relative_to(REPO)}#{anchor}: no such heading"


def section(page: Path, anchor: str) -> str:
    """The text of the section an anchor names (the whole page without one)."""
    text = page.read_text(encoding="utf-8")
    if not anchor:
        return text
    parts = re.split(r"^(#{1,6} .+)$", text, flags=re.MULTILINE)
    for index in range(1, len(parts), 2):
        if slug(parts[index].lstrip("#")) == anchor:
            return parts[index] + parts[index + 1]
    return ""


def reachable(clicks: int) -> list[tuple[Path, str]]:
    """Every (page, anchor) a reader reaches from the README in at most ``clicks`` clicks."""
    seen, frontier = [(README, "")], [(README, "")]
    for _ in range(clicks):
        frontier = [hop for page, _ in frontier if page.suffix == ".md" and page.is_file() for hop in links(page)]
        seen += frontier
    return [(page, anchor) for page, anchor in seen if page.suffix == ".md" and page.is_file()]


QUESTIONS: dict[str, Callable[[str], bool]] = {
    "how to fake a GitHub API with pagination faults": lambda text: (
        "routes=github" in text and "Inject Service Fault" in text and "page=3" in text
    ),
    "how to point Claude Code at a mock MCP server": lambda text: (
        "Start Mock MCP Server" in text and "Install MCP Server Config    claude-code" in text
    ),
    "every variable Start Mock Service exports": lambda text: (
        "`Start Mock Service`" in text and "`AGENTTEST_<NAME>_URL`" in text and "| variable |" in text
    ),
}


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_a_new_user_finds_the_answer_in_two_clicks(question: str) -> None:
    pages = reachable(2)
    assert any(QUESTIONS[question](section(page, anchor)) for page, anchor in pages), question


def test_the_readme_example_is_the_one_getting_started_includes() -> None:
    page = (REPO / "docs" / "getting-started.md").read_text(encoding="utf-8")
    assert ":start-after: <!-- example:start -->" in page and "../README.md" in page
    readme = README.read_text(encoding="utf-8")
    assert readme.index("<!-- example:start -->") < readme.index("<!-- example:end -->")
