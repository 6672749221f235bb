"""File and folder names made from suite and test names: safe, stable, and unique within a run.

Names come from ``.robot`` files, which may be hostile or careless: a suite named ``..``, a
test named ``a/b``, names in any script. :func:`slug` keeps Unicode word characters, ``.``
and ``-``; spaces become ``_``; anything else (and a name that already held ``_``, a
leading dot, or an over-long name) gets a short stable hash, so distinct names never share a
file while the same name always maps to the same one. The result is never empty, ``.`` or
``..`` and never holds a separator. :class:`NameRegistry` fails loudly if two names of one
run would still meet (e.g. on a case-insensitive disk); :func:`remove_tree` deletes only
below the folder it is given.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
from pathlib import Path

from .errors import InputError, NameClashError, UnsafePathError

MAX_SLUG = 100
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_KEPT = re.compile(r"[^\w.\-]+")
_PLAIN = re.compile(r"[\w.\-]+(?: [\w.\-]+)*")


def check_identifier(name: str, what: str, why: str) -> str:
    """``name`` when it is a plain identifier (1-64 letters, digits, '_' or '-'); else an error saying ``why`` it
    must be one. Names that become environment variables, config keys or tool names pass through here."""
    if not IDENTIFIER.fullmatch(name):
        raise InputError(f"{what} {name[:80]!r}: use 1-64 letters, digits, '_' or '-', starting with a letter or "
                         f"digit ({why}).")  # fmt: skip
    return name


def variable_part(name: str) -> str:
    """The part of an environment variable an identifier gives: upper case, '-' as '_'."""
    return name.upper().replace("-", "_")


def slug(name: str) -> str:
    """A file-name-safe, stable form of ``name`` (see the module docstring)."""
    text = unicodedata.normalize("NFC", name)
    reversible = (
        len(text) <= MAX_SLUG and "_" not in text and _PLAIN.fullmatch(text) is not None and not text.startswith(".")
    )
    if reversible:
        return text.replace(" ", "_")
    cleaned = _KEPT.sub("_", text).strip("_").lstrip(".")[:MAX_SLUG].rstrip("._")
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cleaned or 'unnamed'}-{digest}"


def per_test_file(directory: str | Path, suite: str, test: str, suffix: str) -> Path:
    """``directory/<suite slug>/<test slug><suffix>``: one file per test, stable across runs."""
    return Path(directory) / slug(suite) / f"{slug(test)}{suffix}"


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` resolves to ``root`` itself or below it (symbolic links followed)."""
    resolved, base = path.resolve(), root.resolve()
    return resolved == base or base in resolved.parents


def confined(root: Path, relative: str | Path, what: str) -> Path:
    """``root / relative``, refused with a clear error when it would land outside ``root``."""
    candidate = Path(relative)
    if candidate.is_absolute() or ".." in candidate.parts or not str(relative).strip():
        raise UnsafePathError(
            f"{what} '{relative}' must be a relative path inside {root} (no '..', not absolute). "
            "Write it relative to that folder."
        )
    target = root / candidate
    if not inside(target, root):
        raise UnsafePathError(f"{what} '{relative}' resolves outside {root} (through a symbolic link); refused.")
    return target


def remove_tree(path: Path, root: Path) -> None:
    """Delete ``path`` if it lies strictly below ``root``; anything else is refused, never deleted."""
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or path.resolve() == root.resolve() or not inside(path, root):
        raise UnsafePathError(f"Refusing to delete '{path}': it is not a folder strictly inside {root}.")
    shutil.rmtree(path)


class NameRegistry:
    """The files one run has handed out, so two names never silently share one."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}

    def claim(self, path: Path, owner: str) -> Path:
        """Record that ``owner`` (a suite/test name) writes ``path``; fail if another owner did."""
        key = str(path).casefold()
        previous = self._owners.setdefault(key, owner)
        if previous != owner:
            raise NameClashError(
                f"'{owner}' and '{previous}' would both be written to {path} (names that differ only in case "
                "or in characters a file name cannot hold). Rename one of them."
            )
        return path
