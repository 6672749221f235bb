"""Sphinx configuration of the documentation site (`make docs` builds it into results/site)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from robot.libdocpkg import LibraryDocumentation

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

LIBDOC_DIR = "keywords"
LIBDOC_FILE = "AgentTestLibrary.html"


def write_libdoc(app: Any, exception: Exception | None) -> None:
    """The keyword reference (Robot's libdoc HTML) inside the site, at keywords/AgentTestLibrary.html."""
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / LIBDOC_DIR / LIBDOC_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        LibraryDocumentation("AgentTestLibrary").save(str(target), "HTML")


def setup(app: Any) -> dict[str, Any]:
    app.connect("build-finished", write_libdoc)
    return {"parallel_read_safe": True}
