"""scripts/check_site.py: a built site's broken links, missing anchors and CDN assets fail `make docs`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "scripts"))
import check_site


def site(tmp_path: Path, index: str) -> Path:
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "page.html").write_text('<h1 id="intro">Intro</h1><a href="../index.html">home</a>')
    (tmp_path / "keywords").mkdir()
    (tmp_path / "keywords" / "AgentTestLibrary.html").write_text("<html></html>")
    (tmp_path / "index.html").write_text(index)
    return tmp_path


def test_a_site_whose_links_resolve_passes(tmp_path: Path) -> None:
    index = ('<a href="guide/page.html#intro">g</a><a href="keywords/AgentTestLibrary.html#Start%20Mock%20LLM">k</a>'
             '<a href="https://example.org/x">other site</a><script src="_static/a.js"></script>')  # fmt: skip
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "a.js").write_text("")
    problems, checked = check_site.check(site(tmp_path, index))
    assert problems == []
    assert checked == 4


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        ('<a href="guide/missing.html">x</a>', "index.html: link 'guide/missing.html' names no file of the site"),
        ('<a href="guide/page.html#outro">x</a>', "index.html: link 'guide/page.html#outro': page.html has no anchor"),
        ('<a href="keywords/AgentTestLibrary.html#No%20Such%20Keyword">x</a>', "has no anchor 'No Such Keyword'"),
        ('<script src="https://cdn.example.org/x.js"></script>', "is fetched from the network"),
        ('<link rel="stylesheet" href="https://fonts.example.org/css">', "is fetched from the network"),
    ],
)
def test_a_broken_link_or_a_cdn_asset_is_named(tmp_path: Path, link: str, problem: str) -> None:
    problems, _ = check_site.check(site(tmp_path, link))
    assert len(problems) == 1
    assert problem in problems[0]


def test_a_stylesheet_loading_a_font_from_a_cdn_is_named(tmp_path: Path) -> None:
    root = site(tmp_path, "<p>home</p>")
    (root / "theme.css").write_text("@font-face { src: url('https://fonts.example.org/a.woff2') }")
    problems, _ = check_site.check(root)
    assert problems == ["theme.css: url(https://fonts.example.org/a.woff2) is fetched from the network"]


def test_a_site_without_the_keyword_reference_fails(tmp_path: Path) -> None:
    root = site(tmp_path, "<p>home</p>")
    (root / "keywords" / "AgentTestLibrary.html").unlink()
    problems, _ = check_site.check(root)
    assert problems == ["keywords/AgentTestLibrary.html: the keyword reference is missing from the site"]
