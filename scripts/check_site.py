"""Checks a built documentation site: every internal link resolves and nothing is fetched from the network.

    python scripts/check_site.py results/site

Every ``href``/``src`` of every page must name a file of the site, and its ``#fragment`` an element id of
that page (for the keyword reference, keywords/AgentTestLibrary.html, a keyword or a section of the
library's introduction). A script, stylesheet, image, font or frame from another host (a CDN) is an error:
the site must work offline. Links to other sites (``<a href="https://...">``) are left alone. Exit 1 with
one line per problem, 0 with a summary.
"""

from __future__ import annotations

import argparse
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LIBDOC_PAGE = Path("keywords") / "AgentTestLibrary.html"
# Attributes that make the browser fetch something (as opposed to a link a reader follows).
FETCHED = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src")}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


class Page(HTMLParser):
    """One page's element ids and the links it holds (tag, attribute, value)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            elif name in ("href", "src"):
                if tag == "link" and ("rel", "canonical") in attrs:
                    continue
                self.links.append((tag, name, value))


def libdoc_anchors() -> set[str]:
    """The anchors libdoc's page builds at run time: its keywords and the introduction's sections."""
    from robot.libdocpkg import LibraryDocumentation

    library = LibraryDocumentation("AgentTestLibrary")
    sections = re.findall(r"^\s*=+\s+(.+?)\s+=+\s*$", library.doc, flags=re.MULTILINE)
    return {keyword.name for keyword in library.keywords} | set(sections) | {"Introduction", "Keywords"}


def check(site: Path) -> tuple[list[str], int]:
    pages: dict[Path, Page] = {}
    for file in sorted(site.rglob("*.html")):
        page = Page()
        page.feed(file.read_text(encoding="utf-8"))
        pages[file.resolve()] = page
    libdoc = (site / LIBDOC_PAGE).resolve()
    anchors = {libdoc: libdoc_anchors()} if libdoc in pages else {}
    problems: list[str] = []
    checked = 0
    for file, page in pages.items():
        where = file.relative_to(site.resolve())
        for tag, attribute, value in page.links:
            parts = urlsplit(value)
            if parts.scheme or parts.netloc:
                if (tag, attribute) in FETCHED and parts.scheme != "data":
                    problems.append(f"{where}: <{tag} {attribute}={value!r}> is fetched from the network")
                continue
            checked += 1
            target = (file.parent / unquote(parts.path)).resolve() if parts.path else file
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{where}: link {value!r} names no file of the site")
            elif parts.fragment and target in pages:
                fragment = unquote(parts.fragment)
                if fragment not in anchors.get(target, pages[target].ids):
                    problems.append(f"{where}: link {value!r}: {target.name} has no anchor {fragment!r}")
    for css in sorted(site.rglob("*.css")):
        for found in CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            if urlsplit(found).netloc:
                problems.append(f"{css.relative_to(site)}: url({found}) is fetched from the network")
    if libdoc not in pages:
        problems.append(f"{LIBDOC_PAGE}: the keyword reference is missing from the site")
    return problems, checked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built site's folder (results/site)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"check_site: {args.site} holds no index.html; build it with `make docs` first")
        return 2
    problems, checked = check(args.site)
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_site: {len(problems)} problem(s) in {args.site}")
        return 1
    print(f"check_site: {checked} internal links resolve; nothing is fetched from the network")
    return 0


if __name__ == "__main__":
    sys.exit(main())
