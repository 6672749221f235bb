"""Pinned agent CLIs from the npm registry, installed into a per-user prefix (idempotent, locked)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import AgentInstallError

# The one place the versions live; bump them together with a re-capture of their traffic.
AGENTS = {
    "claude-code": ("@anthropic-ai/claude-code", "2.1.332", "claude"),
    "codex": ("@openai/codex", "0.171.0", "codex"),
    "gemini-cli": ("@google/gemini-cli", "0.61.0", "gemini"),
    "pi": ("@mariozechner/pi-coding-agent", "0.73.1", "pi"),
    "opencode": ("opencode-ai", "1.18.33", "opencode"),
}
# The names above, as the type libdoc lists for `Install Agent CLIs` (a unit test keeps the two equal).
AgentName = Literal["claude-code", "codex", "gemini-cli", "pi", "opencode"]
PREFIX_VARIABLE = "AGENTTEST_AGENTS_PREFIX"
LATEST_VARIABLE = "AGENTTEST_AGENTS_LATEST"  # "1": the newest releases instead of the pins (the nightly drift run)
UNAVAILABLE = 3  # exit code: npm or its registry is not available on this machine


@dataclass(frozen=True)
class Installed:
    name: str
    binary: Path
    version: str
    action: str  # "installed", "present" or "would install"


def latest() -> bool:
    return os.environ.get(LATEST_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def wanted(name: str) -> str:
    """The version to install: the pin, or ``latest`` in a drift run."""
    return "latest" if latest() else AGENTS[name][1]


def _acceptable(name: str, version: str | None) -> bool:
    return version is not None and (latest() or AGENTS[name][1] in version)


def default_prefix() -> Path:
    """``$XDG_CACHE_HOME/agenttest/agents``, or ``~/.cache/agenttest/agents`` (a relative XDG path is ignored)."""
    cache = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(cache) if cache and Path(cache).is_absolute() else Path.home() / ".cache"
    return base / "agenttest" / "agents"


def prefix() -> Path:
    """Where the CLIs live: ``AGENTTEST_AGENTS_PREFIX`` when set, else the per-user cache (`default_prefix`)."""
    return Path(os.environ.get(PREFIX_VARIABLE) or default_prefix())


def binary(name: str, root: Path | None = None) -> Path:
    return (root or prefix()) / "bin" / AGENTS[name][2]


def installed_version(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        done = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False
        )
    except OSError:
        return None
    # pi prints its version on stderr; the others on stdout.
    return (done.stdout.strip() or done.stderr.strip()) if done.returncode == 0 else None


def install(names: list[str], dry_run: bool = False, root: Path | None = None) -> list[Installed]:
    """Install the pinned versions that are missing; verify each with ``--version``."""
    unknown = [name for name in names if name not in AGENTS]
    if unknown or not names:
        raise AgentInstallError(f"Unknown agent(s) {unknown or names}; choose from {', '.join(AGENTS)}.")
    root = root or prefix()
    missing = _missing(names, root)
    if dry_run:
        return [Installed(n, binary(n, root), wanted(n), "would install" if n in missing else "present") for n in names]
    if missing:
        if shutil.which("npm") is None:
            raise AgentInstallError(
                "npm is not on PATH: install Node.js 20+ with npm (e.g. apt-get install nodejs npm).", True
            )
        root.mkdir(parents=True, exist_ok=True)
        with open(root / ".install.lock", "w", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # pabot workers install one at a time; a waiter may find all done
            still = _missing(missing, root)
            if still:
                done = subprocess.run(
                    _npm_command(still, root), capture_output=True, text=True, timeout=1200, check=False
                )
                if done.returncode != 0:
                    # A failed download means the registry is not usable from here: the lane is unavailable,
                    # with npm's own words as the reason. A wrong version after install still fails below.
                    tail = (done.stderr or done.stdout).strip()[-600:]
                    raise AgentInstallError(f"npm install failed: {tail}", unavailable=True)
    results = []
    for name in names:
        version = installed_version(binary(name, root))
        if not _acceptable(name, version):
            found = f"'{binary(name, root)} --version' gave {version!r}"
            raise AgentInstallError(f"{name}: {found}, expected {wanted(name)}.")
        results.append(Installed(name, binary(name, root), str(version), "installed" if name in missing else "present"))
    return results


def _missing(names: list[str], root: Path) -> list[str]:
    return [name for name in names if not _acceptable(name, installed_version(binary(name, root)))]


def _npm_command(names: list[str], root: Path) -> list[str]:
    specs = [f"{AGENTS[name][0]}@{wanted(name)}" for name in names]
    return ["npm", "install", "-g", "--prefix", str(root), "--no-fund", "--no-audit", *specs]


def plan(names: list[str], root: Path | None = None) -> str:
    """The npm command an install would run (for --dry-run)."""
    return " ".join(_npm_command([name for name in names if name in AGENTS], root or prefix()))
