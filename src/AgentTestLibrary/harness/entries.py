"""The ledger of entries the library writes into agents' own settings, so that a killed run's are taken out.

Hook and MCP installers change files the user keeps: a project's ``.claude/settings.json`` and
``.mcp.json``, Codex's ``config.toml`` and ``hooks.json``, Gemini CLI's settings, pi's extension
and opencode's plugin files. Each change is an :class:`Entry` (the file; where in it, as a key
path; the exact value written there, or the item appended to the list there, or the digest of
a whole file written) and is recorded in this run's ledger before the agent can run: a JSON
file under the private base folder (mode 0700), named after the process. The end of the test
takes the entries out as before and drops them from the ledger; a run killed before that
(``kill -9``) leaves its ledger behind, and the next run (its first suite) takes out every
entry of a process that no longer runs, as long as it is still exactly what was written
(someone's later change is left alone), then deletes that ledger. No Robot Framework.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import AgentConfigError
from ..private import alive, ensure_private, private_base
from .settings import read_json_settings, read_toml_settings, write_json_settings, write_toml_settings

LEDGERS = "ledgers"


@dataclass(frozen=True)
class Entry:
    """One thing written into a settings file; exactly one of ``value``, ``item``, ``digest``, ``created`` says what."""

    file: str
    keys: tuple[str, ...] = ()
    value: Any = None  # the value written at ``keys``
    item: Any = None  # an item appended to the list at ``keys``
    digest: str = ""  # a whole file written: the sha256 of its text
    created: bool = False  # the file did not exist: remove it once nothing is left in it

    @classmethod
    def whole_file(cls, path: Path, text: str) -> Entry:
        return cls(str(path), digest=digest(text))

    def describe(self) -> str:
        where = ".".join(self.keys) or ("the file" if self.digest else "(created)")
        return f"{self.file}: {where}"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Ledger:
    """This run's ledger, rewritten on every change (it is small); removed when the run ends normally."""

    def __init__(self, base: Path | None = None) -> None:
        self._base = base
        self.entries: list[Entry] = []

    @property
    def path(self) -> Path:
        return (self._base or private_base()) / LEDGERS / f"{os.getpid()}.json"

    def record(self, entries: Iterable[Entry]) -> None:
        self.entries.extend(entries)
        self._write()

    def forget(self, entries: Iterable[Entry]) -> None:
        gone = list(entries)
        self.entries = [entry for entry in self.entries if entry not in gone]
        self._write()

    def close(self) -> None:
        self.entries = []
        self.path.unlink(missing_ok=True)

    def _write(self) -> None:
        if not self.entries:
            self.path.unlink(missing_ok=True)
            return
        folder = self.path.parent
        ensure_private(folder.parent)
        folder.mkdir(mode=0o700, exist_ok=True)
        temporary = folder / f".{self.path.name}.tmp"
        temporary.write_text(json.dumps([asdict(entry) for entry in self.entries]), encoding="utf-8")
        os.replace(temporary, self.path)  # a kill at any moment leaves the old or the new ledger, whole


def sweep_dead_runs(base: Path | None = None) -> tuple[list[Entry], list[str]]:
    """Take out the entries of every ledger whose process no longer runs; returns what was removed and problems."""
    folder = (base or private_base()) / LEDGERS
    removed: list[Entry] = []
    problems: list[str] = []
    for ledger in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if not ledger.stem.isdigit() or alive(int(ledger.stem)) or ledger.is_symlink():
            continue
        try:
            entries = [Entry(**{**raw, "keys": tuple(raw.get("keys", ()))}) for raw in json.loads(ledger.read_text())]
        except (ValueError, TypeError) as error:
            problems.append(f"{ledger}: unreadable ledger ({error}); removed without sweeping")
            entries = []
        for entry in reversed(entries):  # the newest first, as the test's end would
            try:
                if undo(entry):
                    removed.append(entry)
            except (OSError, AgentConfigError) as error:
                problems.append(f"{entry.describe()}: {error}")
        ledger.unlink(missing_ok=True)
    return removed, problems


def undo(entry: Entry) -> bool:
    """Take ``entry`` out of its file if it is still exactly what was written; True when something was removed."""
    path = Path(entry.file)
    if not path.is_file() or path.is_symlink():
        return False
    if entry.digest:
        if digest(path.read_text(encoding="utf-8")) != entry.digest:
            return False
        path.unlink()
        return True
    toml = path.suffix == ".toml"
    document: Any = read_toml_settings(path) if toml else read_json_settings(path)
    changed = _take_out(document, entry) if entry.keys else False
    if entry.created and not _plain(document):
        path.unlink()
        return True
    if changed:
        if toml:
            write_toml_settings(path, document)
        else:
            write_json_settings(path, document)
    return changed


def _take_out(document: Any, entry: Entry) -> bool:
    """Remove the value at ``entry.keys`` (or the item of the list there) when it is what was written."""
    trail = [document]
    for key in entry.keys[:-1]:
        inner = trail[-1].get(key) if isinstance(trail[-1], dict) else None
        if not isinstance(inner, dict):
            return False
        trail.append(inner)
    parent, last = trail[-1], entry.keys[-1]
    if not isinstance(parent, dict) or last not in parent:
        return False
    if entry.item is not None:
        items = parent[last]
        found = next((index for index, item in enumerate(items) if _plain(item) == entry.item), None) \
            if isinstance(items, list) else None  # fmt: skip
        if found is None:
            return False
        del items[found]
        if items:
            return True
    elif _plain(parent[last]) != entry.value:
        return False
    del parent[last]
    for container, key in zip(reversed(trail[:-1]), reversed(entry.keys[:-1]), strict=True):
        if container[key]:  # what the library emptied goes with its entry
            break
        del container[key]
    return True


def _plain(value: Any) -> Any:
    """JSON-like Python values of TOML items (tomlkit's containers unwrap), for comparison."""
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def created(path: Path) -> list[Entry]:
    """A ``created`` entry for ``path`` when it does not exist yet (taken before writing to it), else none."""
    return [] if path.exists() else [Entry(str(path), created=True)]
