"""Point an agent CLI at an MCP server the way its users do, in its own settings, and take exactly that out again.

Verified against the pinned CLIs (see ``tests/fixtures/captures/mcp/``):

============  =======================================  ===========================================
runtime       file (in the runtime's isolated home)    entry
============  =======================================  ===========================================
claude-code   ``.claude.json`` (user-scope servers), or    ``mcpServers.NAME``: ``{"type": "http", "url"}``
              ``PROJECT/.mcp.json`` with ``project=``;  or ``{"type": "stdio", "command", "args"}``;
              and ``.claude/settings.json``             ``permissions.allow`` gets ``mcp__NAME`` (print
                                                       mode runs no tool it is not allowed); for a project
                                                       file ``enableAllProjectMcpServers: true`` (print
                                                       mode cannot ask to approve it)
codex         ``config.toml`` (``CODEX_HOME``)         ``[mcp_servers.NAME]`` with ``url`` or
                                                       ``command``/``args``, and
                                                       ``default_tools_approval_mode = "approve"``
                                                       (``codex exec`` cannot ask)
gemini-cli    ``.gemini/settings.json``                ``mcpServers.NAME``: ``{"httpUrl"}`` or
                                                       ``{"command", "args"}``, ``"trust": true``
opencode      ``.config/opencode/opencode.json``       ``mcp.NAME``: ``{"type": "remote", "url"}`` or
                                                       ``{"type": "local", "command": [argv]}``,
                                                       ``"enabled": true``
pi            none                                     pi has no MCP client, by design (its docs:
                                                       "intentionally does not include built-in
                                                       MCP"; tools come from extensions): an error
============  =======================================  ===========================================

The model sees the tools as ``mcp__NAME__TOOL`` (Claude Code; Codex, whose Responses
namespace ``mcp__NAME`` the mock flattens the same way), ``mcp_NAME_TOOL`` (Gemini CLI) or
``NAME_TOOL`` (opencode).
Removal takes out only the entries written here, whatever the agent or another installer
wrote to the same files meanwhile. Every entry is also listed in :attr:`InstalledMcpConfig.entries`
for the run's ledger (:mod:`.entries`), so the next run can take out what a killed one left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from ..errors import InputError, McpConfigError
from ..naming import check_identifier
from .entries import Entry, created
from .settings import read_json_settings, read_toml_settings, write_json_settings, write_toml_settings

McpRuntime = Literal["claude-code", "codex", "gemini-cli", "opencode", "pi"]
RUNTIMES: tuple[str, ...] = get_args(McpRuntime)
WITHOUT_MCP = {
    "pi": "pi has no MCP support: it deliberately ships without an MCP client (its docs, 'Design Principles': "
    '"intentionally does not include built-in MCP"); its tools come from TypeScript extensions. Test MCP with '
    "claude-code, codex, gemini-cli or opencode, or give pi the tool as an extension."
}


@dataclass(frozen=True)
class McpTarget:
    """Where an agent reaches the server: a streamable HTTP URL, or a stdio command line."""

    name: str
    url: str | None = None
    command: tuple[str, ...] = ()


@dataclass
class InstalledMcpConfig:
    """What one install wrote; :meth:`remove` takes it out again."""

    runtime: str
    name: str
    files: list[Path] = field(default_factory=list)
    added_permission: str | None = None
    added_keys: list[str] = field(default_factory=list)  # top-level settings this install switched on
    created: list[Path] = field(default_factory=list)  # files that did not exist before
    key: str = "mcpServers"  # the settings key the servers are under (opencode: "mcp")
    entries: list[Entry] = field(default_factory=list)  # for the run's ledger

    def remove(self) -> None:
        for path in self.files:
            if not path.is_file():
                continue
            if path.suffix == ".toml":
                document = read_toml_settings(path)
                servers = document.get("mcp_servers")
                if isinstance(servers, dict) and self.name in servers:
                    del servers[self.name]
                    if not servers:
                        del document["mcp_servers"]
                    write_toml_settings(path, document)
                continue
            settings = read_json_settings(path)
            changed = _drop(settings, self.key, self.name)
            permissions = settings.get("permissions")
            allowed = permissions.get("allow") if isinstance(permissions, dict) else None
            if self.added_permission and isinstance(allowed, list) and self.added_permission in allowed:
                allowed.remove(self.added_permission)
                changed = True
            for key in self.added_keys:
                changed = settings.pop(key, None) is not None or changed
            if path in self.created and not settings:
                path.unlink()
            elif changed:
                write_json_settings(path, settings)


def check_server_name(name: str) -> None:
    """MCP server names go into config keys and tool names (``mcp__NAME__TOOL``): keep them plain."""
    try:
        check_identifier(name, "MCP server name", "agent configs key servers by it and agents build tool names "
                                                  "such as mcp__NAME__TOOL from it")  # fmt: skip
    except InputError as error:
        raise McpConfigError(str(error)) from None


def tool_name(runtime: str, server: str, tool: str) -> str:
    """What the model is offered for ``tool`` of MCP server ``server`` by ``runtime``."""
    return {"gemini-cli": f"mcp_{server}_{tool}", "opencode": f"{server}_{tool}"}.get(runtime, f"mcp__{server}__{tool}")


def install_mcp_config(runtime: str, home: Path, target: McpTarget, project: Path | None = None) -> InstalledMcpConfig:
    """Write ``target`` into ``runtime``'s settings under ``home`` (Claude Code: into ``project/.mcp.json`` when a
    project is given); returns what to remove after the test."""
    if runtime in WITHOUT_MCP:
        raise McpConfigError(WITHOUT_MCP[runtime])
    if runtime not in RUNTIMES:
        supported = [name for name in RUNTIMES if name not in WITHOUT_MCP]
        raise McpConfigError(f"Unknown runtime '{runtime}' for MCP servers; use one of {', '.join(supported)}.")
    if project is not None and runtime != "claude-code":
        raise McpConfigError(f"project= is for Claude Code's .mcp.json; {runtime} reads its MCP servers from its home.")
    check_server_name(target.name)
    installed = InstalledMcpConfig(runtime, target.name)
    if runtime == "codex":
        path = home / "config.toml"
        import tomlkit

        installed.entries.extend(created(path))
        document = read_toml_settings(path)
        servers = document.setdefault("mcp_servers", tomlkit.table(is_super_table=True))
        entry = tomlkit.table()
        if target.url:
            entry["url"] = target.url
        else:
            entry["command"] = target.command[0]
            entry["args"] = list(target.command[1:])
        entry["default_tools_approval_mode"] = "approve"
        servers[target.name] = entry
        write_toml_settings(path, document)
        installed.files.append(path)
        installed.entries.append(Entry(str(path), ("mcp_servers", target.name), value=entry.unwrap()))
        return installed
    if runtime == "claude-code":
        server: dict[str, Any] = (
            {"type": "http", "url": target.url}
            if target.url
            else {"type": "stdio", "command": target.command[0], "args": list(target.command[1:]), "env": {}}
        )
        servers_file = project / ".mcp.json" if project is not None else home / ".claude.json"
        if not servers_file.exists():
            installed.created.append(servers_file)
        installed.files.append(_merge(servers_file, target.name, server, installed))
        settings_path = home / ".claude" / "settings.json"
        installed.entries.extend(created(settings_path))
        settings = read_json_settings(settings_path)
        if project is not None and settings.get("enableAllProjectMcpServers") is not True:
            settings["enableAllProjectMcpServers"] = True
            installed.added_keys.append("enableAllProjectMcpServers")
            installed.entries.append(Entry(str(settings_path), ("enableAllProjectMcpServers",), value=True))
        permissions = settings.setdefault("permissions", {})
        allowed = permissions.setdefault("allow", []) if isinstance(permissions, dict) else None
        if not isinstance(allowed, list):
            raise McpConfigError(f"{settings_path}: 'permissions.allow' must be a list of permission rules.")
        permission = f"mcp__{target.name}"
        if permission not in allowed:
            allowed.append(permission)
            installed.added_permission = permission
            installed.entries.append(Entry(str(settings_path), ("permissions", "allow"), item=permission))
        write_json_settings(settings_path, settings)
        installed.files.append(settings_path)
        return installed
    if runtime == "opencode":
        remote: dict[str, Any] = {"type": "remote", "url": target.url}
        local: dict[str, Any] = {"type": "local", "command": [*target.command]}
        installed.key = "mcp"
        path = home / ".config" / "opencode" / "opencode.json"
        installed.files.append(
            _merge(path, target.name, {**(remote if target.url else local), "enabled": True}, installed, key="mcp")
        )
        return installed
    server = {"httpUrl": target.url} if target.url else {"command": target.command[0], "args": list(target.command[1:])}
    installed.files.append(
        _merge(home / ".gemini" / "settings.json", target.name, {**server, "trust": True}, installed)
    )
    return installed


def _merge(
    path: Path, name: str, server: dict[str, Any], installed: InstalledMcpConfig, key: str = "mcpServers"
) -> Path:
    installed.entries.extend(created(path))
    settings = read_json_settings(path)
    servers = settings.setdefault(key, {})
    if not isinstance(servers, dict):
        raise McpConfigError(f"{path}: '{key}' must be an object mapping server names to servers.")
    servers[name] = server
    write_json_settings(path, settings)
    installed.entries.append(Entry(str(path), (key, name), value=server))
    return path


def _drop(settings: dict[str, Any], key: str, name: str) -> bool:
    servers = settings.get(key)
    if not isinstance(servers, dict) or name not in servers:
        return False
    del servers[name]
    if not servers:
        del settings[key]
    return True
