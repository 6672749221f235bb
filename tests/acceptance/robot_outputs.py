"""Read what a Robot Framework run wrote, including log.html's compressed strings."""

from __future__ import annotations

import base64
import json
import re
import zlib
from pathlib import Path

STRINGS = re.compile(r'window\.output\["strings"\] = window\.output\["strings"\]\.concat\((\[.*?\])\);', re.DOTALL)


def log_html_strings(log_html: Path) -> list[str]:
    """log.html stores its texts zlib-compressed and base64-encoded ('*' marks plain ones)."""
    texts = []
    for block in STRINGS.findall(log_html.read_text(encoding="utf-8")):
        for item in json.loads(block.replace("\\x3c", "<")):
            texts.append(item[1:] if item.startswith("*") else zlib.decompress(base64.b64decode(item)).decode("utf-8"))
    return texts


def everything_written(output_dir: Path) -> str:
    """All text a run left behind: output.xml, decoded log.html, report.html, evidence files."""
    parts = [log_html_strings(output_dir / "log.html").__str__()]
    for path in output_dir.rglob("*"):
        if path.is_file() and path.suffix in (".xml", ".json", ".html", ".txt", ".out"):
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)
