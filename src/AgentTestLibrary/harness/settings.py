"""Agent CLIs' own settings files, edited in place: JSON or JSONC (Claude Code, Gemini CLI) and TOML (Codex).

Hook and MCP installers read a file, change only their own entries and write it back:
comments and other users' keys survive (JSONC comments are dropped on write, since Gemini
CLI and Claude Code write plain JSON themselves; TOML goes through tomlkit untouched).
Unreadable files raise :class:`~AgentTestLibrary.errors.AgentConfigError` naming the file and line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AgentConfigError

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument


def read_json_settings(path: Path) -> dict[str, Any]:
    """A JSON or JSONC settings file (comments and trailing commas allowed); clear errors otherwise."""
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(strip_jsonc(text) or "{}")
    except ValueError as error:
        line = getattr(error, "lineno", "?")
        raise AgentConfigError(
            f"{path}:{line}: cannot read the settings file ({error}). Fix the JSON there; the library edits this "
            "file and takes its own entries out again after the test."
        ) from None
    if not isinstance(data, dict):
        raise AgentConfigError(f"{path}: expected a JSON object at the top level; got {type(data).__name__}.")
    return data


def strip_jsonc(text: str) -> str:
    """JSON from JSONC: ``//`` and ``/* */`` comments and trailing commas removed, strings untouched."""
    out: list[str] = []
    index, length = 0, len(text)
    while index < length:
        character = text[index]
        if character == '"':
            end = index + 1
            while end < length and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[index : end + 1])
            index = end + 1
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
        elif text.startswith("/*", index):
            close = text.find("*/", index + 2)
            # Keep the newlines a comment spans, so error line numbers still match the file.
            out.append("\n" * text.count("\n", index, length if close < 0 else close))
            index = length if close < 0 else close + 2
        elif character in "]}":
            while out and out[-1].strip() == "":
                out.pop()
            if out and out[-1].rstrip().endswith(","):
                out[-1] = out[-1].rstrip()[:-1]
            out.append(character)
            index += 1
        else:
            out.append(character)
            index += 1
    return "".join(out)


def write_json_settings(path: Path, settings: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_toml_settings(path: Path) -> TOMLDocument:
    import tomlkit  # loaded when an agent's TOML is first edited
    from tomlkit.exceptions import TOMLKitError

    try:
        return tomlkit.parse(path.read_text(encoding="utf-8")) if path.is_file() else tomlkit.document()
    except TOMLKitError as error:
        raise AgentConfigError(
            f"{path}: cannot read the TOML ({error}). Fix it; the library edits this file."
        ) from None


def write_toml_settings(path: Path, document: TOMLDocument) -> None:
    import tomlkit

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomlkit.dumps(document).rstrip("\n") + "\n", encoding="utf-8")
