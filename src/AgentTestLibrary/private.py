"""Private scratch space for raw captures that may hold secrets, kept out of ``${OUTPUT DIR}``.

Fake CLIs record their argv and stdin, and the hooks bridge records hook payloads, from
outside the Robot process, before anything can mask them. Those raw files go here: a folder
of mode 0700 under the system temp directory, named after the owning process, removed when
the library closes. Masked copies are what lands in ``${OUTPUT DIR}`` (which CI uploads). A
folder left behind by a killed run is swept at the next start, once its process is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "agenttest-private-"


def private_base() -> Path:
    """This user's private base folder (mode 0700 once used): run folders, and ledgers of settings entries."""
    return Path(tempfile.gettempdir()) / f"{PREFIX}{os.getuid()}"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure_private(base: Path) -> Path:
    """``base`` as this user's folder of mode 0700, created if need be; never a link or another user's folder."""
    base.mkdir(mode=0o700, exist_ok=True)
    if base.is_symlink() or base.stat().st_uid != os.getuid():
        raise PermissionError(f"{base} is not a private folder of this user; remove it and run again.")
    os.chmod(base, 0o700)
    return base


def sweep_stale(base: Path | None = None) -> list[Path]:
    """Remove the private folders of processes that no longer run; returns what was removed."""
    root = base or private_base()
    removed = []
    for folder in root.glob("*-*") if root.is_dir() else []:
        pid = folder.name.split("-", 1)[0]
        if pid.isdigit() and not alive(int(pid)) and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


class PrivateArea:
    """This process's private folder, created on first use (mode 0700) and removed by :meth:`close`."""

    def __init__(self, base: Path | None = None) -> None:
        self._base = base
        self._root: Path | None = None

    @property
    def root(self) -> Path:
        if self._root is None:
            base = ensure_private(self._base or private_base())
            sweep_stale(base)
            self._root = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=base))
        return self._root

    def folder(self, *parts: str) -> Path:
        """A fresh sub-folder (mode 0700); ``parts`` are already safe names (slugs)."""
        path = self.root.joinpath(*parts)
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(path)
        path.mkdir(mode=0o700, parents=True)
        return path

    def close(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
