"""The runtime registry: how each agent runtime starts, reaches the mock, is isolated and switched.

A registry is YAML; the package's ``resources/runtimes.yaml`` holds the built-in profiles, which are always
there (a loaded file adds runtimes and overrides same-named ones)::

    runtimes:
      NAME:
        wire: anthropic.messages          # the protocol its requests must arrive in
        command: [claude, -p, "{prompt}"] # argv; placeholders: see PLACEHOLDERS
        env: {ANTHROPIC_BASE_URL: "{mock_url}"}
        home_variable: HOME               # the isolated home is exported under this name
        files: {".claude.json": "{...}"}  # written into the isolated home when switching to it
        setting: {provider: anthropic}    # written into the runtime file: the switch itself

Switching is the real mechanism: the runtime file (``AGENT_RUNTIME_FILE``) is rewritten with
``{"runtime": NAME, **setting}``; agents that read it (the example agent) change wire format,
and `Run Agent` starts the command of the runtime the file names.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RegistryError, YamlLocationError
from ..shipped import BUILTIN_REGISTRY
from ..wire import PROTOCOLS
from ..yamlio import load_with_lines

RUNTIME_KEYS = ("wire", "command", "env", "home_variable", "files", "setting", "description")
REQUIRED = ("wire", "command")
PLACEHOLDERS = {
    "prompt": "the prompt given to Run Agent",
    "python": "the Python running Robot",
    "examples": "the example agents shipped in the package",
    "agents": "the bin folder of the pinned agent CLIs",
    "home": "the isolated runtime home",
    "workdir": "the agent's work directory",
    "mock_url": "the mock LLM's URL",
    "fixture_key": "a fixture API key for the runtime's provider",
}
PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


@dataclass(frozen=True)
class Runtime:
    name: str
    wire: str
    command: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    home_variable: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    setting: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def render(self, template: str, values: dict[str, str]) -> str:
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        return template


def load_registry(path: str | Path) -> dict[str, Runtime]:
    file = Path(path)
    if not file.is_file():
        raise RegistryError(
            f"Runtime registry '{file}' does not exist. The built-in runtimes need no file; give the path of your own "
            "registry (e.g. ${CURDIR}/runtimes.yaml)."
        )
    try:
        data, lines = load_with_lines(file.read_text(encoding="utf-8"))
    except YamlLocationError as error:
        raise RegistryError(f"{file}:{error.line}: invalid YAML: {error.message}.") from None

    def fail(key: tuple[str, ...], problem: str) -> RegistryError:
        line = next((lines[key[:d]] for d in range(len(key), -1, -1) if key[:d] in lines), None)
        return RegistryError(f"{file}:{line}: {'.'.join(key) or 'top level'}: {problem}")

    if not isinstance(data, dict) or set(data) != {"runtimes"} or not isinstance(data["runtimes"], dict):
        raise fail((), "expected one key, 'runtimes', mapping runtime names to their profiles.")
    registry = {}
    for name, raw in data["runtimes"].items():
        where = ("runtimes", name)
        if not isinstance(raw, dict):
            raise fail(where, f"expected a mapping with keys {', '.join(RUNTIME_KEYS)}.")
        for key in raw:
            if key not in RUNTIME_KEYS:
                close = difflib.get_close_matches(key, RUNTIME_KEYS, n=1)
                raise fail(
                    (*where, key),
                    f"unknown key.{f' Did you mean {close[0]!r}?' if close else ''} Valid: {', '.join(RUNTIME_KEYS)}.",
                )
        for key in REQUIRED:
            if key not in raw:
                raise fail(where, f"missing '{key}'.")
        if raw["wire"] not in PROTOCOLS:
            raise fail((*where, "wire"), f"expected one of {', '.join(PROTOCOLS)}; got {raw['wire']!r}.")
        if not isinstance(raw["command"], list) or not raw["command"]:
            raise fail((*where, "command"), "expected a non-empty list (the argv).")
        for key in ("env", "files", "setting"):
            if not isinstance(raw.get(key, {}), dict):
                raise fail((*where, key), "expected a mapping.")
        for key, text in _templates(raw):
            unknown = [found for found in PLACEHOLDER.findall(text) if found not in PLACEHOLDERS]
            if unknown:
                gone = " ({repo} is gone: the example agents ship in the package, use {examples})"
                gone = gone if "repo" in unknown else ""
                raise fail(
                    (*where, *key),
                    f"unknown placeholder '{{{unknown[0]}}}'{gone}; use one of "
                    + ", ".join(f"{{{name}}} ({meaning})" for name, meaning in PLACEHOLDERS.items())
                    + ".",
                )
        for relative in raw.get("files") or {}:
            parts = Path(str(relative)).parts
            if not str(relative).strip() or Path(str(relative)).is_absolute() or ".." in parts:
                raise fail(
                    (*where, "files"),
                    f"'{relative}' must be a path inside the isolated home (relative, no '..').",
                )
        registry[name] = Runtime(
            name=name,
            wire=raw["wire"],
            command=tuple(str(part) for part in raw["command"]),
            env={str(k): str(v) for k, v in (raw.get("env") or {}).items()},
            home_variable=raw.get("home_variable"),
            files={str(k): str(v) for k, v in (raw.get("files") or {}).items()},
            setting=dict(raw.get("setting") or {}),
            description=str(raw.get("description", "")),
        )
    return registry


def _templates(raw: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """Every string of a runtime profile that placeholders are filled into, with its key path."""
    found: list[tuple[tuple[str, ...], str]] = [(("command",), str(part)) for part in raw["command"]]
    for section in ("env", "files"):
        found += [((section, str(key)), str(value)) for key, value in (raw.get(section) or {}).items()]
    return found


@functools.cache
def _builtin() -> dict[str, Runtime]:
    return load_registry(BUILTIN_REGISTRY)


def builtin_registry() -> dict[str, Runtime]:
    """The built-in profiles (read once per process); a fresh dict the caller may extend."""
    return dict(_builtin())


def lookup(registry: dict[str, Runtime], name: str) -> Runtime:
    if name in registry:
        return registry[name]
    close = difflib.get_close_matches(name, list(registry), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise RegistryError(f"Unknown runtime '{name}'.{hint} Known runtimes: {', '.join(sorted(registry)) or 'none'}.")


def snapshot(home: Path) -> dict[str, str]:
    """Every file of a runtime home with its content hash: compare two to find residue."""
    return {
        str(path.relative_to(home)): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        for path in sorted(home.rglob("*"))
        if path.is_file()
    }
