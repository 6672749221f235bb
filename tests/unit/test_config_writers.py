"""Hook config writers edit users' files without corrupting them or touching what is not theirs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from AgentTestLibrary.errors import AgentConfigError
from AgentTestLibrary.harness.hook_config import install_codex_notify, install_hooks, is_bridge_command
from AgentTestLibrary.harness.runtimes import RegistryError, load_registry
from AgentTestLibrary.harness.settings import strip_jsonc

tomllib = pytest.importorskip("tomllib")
BRIDGE = ["/opt/venv/bin/agenttest"]


def install(runtime: str, directory: Path) -> Path:
    return install_hooks(runtime, directory, bridge=BRIDGE, evidence=Path("/e.jsonl"), decisions=Path("/d.json"))


def test_codex_notify_keeps_a_multi_line_array_tables_and_comments_valid(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '# my settings\nmodel = "gpt-5"\nnotify = [\n  "notify-send",\n  "done",\n]\n\n[tui]\nnotify = true\n',
        encoding="utf-8",
    )
    install_codex_notify(tmp_path, ["/home/🚀/agenttest"], Path("/e.jsonl"), Path("/d.json"))
    text = config.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["notify"][:2] == ["/home/🚀/agenttest", "hook"] and data["model"] == "gpt-5"
    assert data["tui"] == {"notify": True} and "# my settings" in text


def test_codex_notify_into_an_empty_home(tmp_path: Path) -> None:
    install_codex_notify(tmp_path, BRIDGE, Path("/e.jsonl"), Path("/d.json"))
    assert is_bridge_command(tomllib.loads((tmp_path / "config.toml").read_text())["notify"])


def test_jsonc_settings_are_read_and_user_hooks_kept(tmp_path: Path) -> None:
    settings = tmp_path / ".gemini" / "settings.json"
    settings.parent.mkdir()
    mine = {"type": "command", "command": "/home/me/agenttest-tools/lint.sh --strict", "timeout": 5}
    settings.write_text(
        '{\n  // my theme\n  "theme": "dark", /* block */\n  "url": "http://x//y",\n'
        f'  "hooks": {{"BeforeTool": [{{"matcher": "*", "hooks": [{json.dumps(mine)}]}}],}},\n}}\n',
        encoding="utf-8",
    )
    install("gemini-cli", tmp_path)
    install("gemini-cli", tmp_path)  # installing twice replaces the bridge's own entries only
    data = json.loads(settings.read_text(encoding="utf-8"))
    assert data["theme"] == "dark" and data["url"] == "http://x//y"
    groups = data["hooks"]["BeforeTool"]
    commands = [hook["command"] for group in groups for hook in group["hooks"]]
    assert commands[0] == mine["command"] and sum(is_bridge_command(c) for c in commands) == 1


def test_broken_settings_are_a_clear_error(tmp_path: Path) -> None:
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n  "a": 1\n  "b": 2\n}\n', encoding="utf-8")
    with pytest.raises(AgentConfigError, match=r"settings\.json:3: cannot read the settings file"):
        install("claude-code", tmp_path)


def test_strip_jsonc_leaves_strings_alone() -> None:
    assert json.loads(strip_jsonc('{"a": "// not a comment", "b": "/* nor this */", "c": [1, 2,],}')) == {
        "a": "// not a comment", "b": "/* nor this */", "c": [1, 2],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("command", "ours"),
    [
        ("/v/bin/agenttest hook --runtime codex --evidence /e --decisions /d", True),
        ("python -m AgentTestLibrary hook --runtime claude-code --evidence /e --decisions /d", True),
        ("/home/me/agenttest/hook.sh", False),
        ("agenttest-lint hook --runtime x --evidence y --decisions z", False),
        ("/v/bin/agenttest hook", False),
    ],
)
def test_only_the_bridge_is_recognised_as_the_bridge(command: str, ours: bool) -> None:
    assert is_bridge_command(command) is ours


@pytest.mark.parametrize("relative", ["../../../x", "/etc/passwd", "a/../../b"])
def test_registry_files_must_stay_in_the_isolated_home(tmp_path: Path, relative: str) -> None:
    registry = tmp_path / "runtimes.yaml"
    registry.write_text(
        f"runtimes:\n  evil:\n    wire: openai.chat\n    command: [x]\n    files:\n      '{relative}': boom\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError, match=r"runtimes\.yaml:\d+: runtimes\.evil\.files: .* inside the isolated home"):
        load_registry(registry)


def test_mcp_configs_go_in_and_come_out_leaving_everything_else(tmp_path: Path) -> None:
    from AgentTestLibrary.harness.mcp_config import McpTarget, install_mcp_config

    home, project = tmp_path / "home", tmp_path / "project"
    (home / ".claude").mkdir(parents=True)
    project.mkdir()
    (home / ".claude" / "settings.json").write_text('{"permissions": {"allow": ["Bash(ls)"]}, "theme": "dark"}')
    (home / "config.toml").write_text('model = "m"  # keep me\n[mcp_servers.theirs]\nurl = "http://x"\n')
    (home / ".gemini").mkdir()
    (home / ".gemini" / "settings.json").write_text('{"mcpServers": {"theirs": {"httpUrl": "http://x"}}}')
    before = {path: path.read_text() for path in home.rglob("*") if path.is_file()}
    target = McpTarget("tools", "http://127.0.0.1:9/mcp")
    installs = [install_mcp_config("claude-code", home, target, project),
                install_mcp_config("codex", home, McpTarget("tools", command=("agenttest", "mcp", "relay", "u"))),
                install_mcp_config("gemini-cli", home, target)]  # fmt: skip
    assert json.loads((project / ".mcp.json").read_text())["mcpServers"]["tools"]["url"] == target.url
    settings = json.loads((home / ".claude" / "settings.json").read_text())
    assert settings["enableAllProjectMcpServers"] is True
    assert settings["permissions"]["allow"] == ["Bash(ls)", "mcp__tools"]
    codex = tomllib.loads((home / "config.toml").read_text())
    assert codex["mcp_servers"]["tools"] == {"command": "agenttest", "args": ["mcp", "relay", "u"],
                                             "default_tools_approval_mode": "approve"}  # fmt: skip
    assert json.loads((home / ".gemini" / "settings.json").read_text())["mcpServers"]["tools"]["trust"] is True
    for installed in installs:
        installed.remove()
    assert not (project / ".mcp.json").exists()
    after = {path: path.read_text() for path in home.rglob("*") if path.is_file()}
    assert {path: json.loads(text) if path.suffix == ".json" else text for path, text in after.items()} == {
        path: json.loads(text) if path.suffix == ".json" else text for path, text in before.items()
    }


def test_a_dead_runs_ledger_takes_out_only_what_is_still_as_written(tmp_path: Path) -> None:
    from AgentTestLibrary.harness.entries import Ledger, sweep_dead_runs
    from AgentTestLibrary.harness.mcp_config import McpTarget, install_mcp_config

    home, base = tmp_path / "home", tmp_path / "private"
    kept = install_mcp_config("gemini-cli", home, McpTarget("kept", "http://127.0.0.1:1/mcp"))
    changed = install_mcp_config("gemini-cli", home, McpTarget("changed", "http://127.0.0.1:2/mcp"))
    settings = home / ".gemini" / "settings.json"
    data = json.loads(settings.read_text(encoding="utf-8"))
    data["mcpServers"]["changed"]["httpUrl"] = "http://127.0.0.1:3/mcp"  # the user edited it since
    settings.write_text(json.dumps(data), encoding="utf-8")
    ledger = Ledger(base)
    ledger.record([*kept.entries, *changed.entries])
    assert sweep_dead_runs(base) == ([], []), "a running process's ledger is left alone"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    ledger.path.rename(ledger.path.with_name(f"{dead}.json"))
    removed, problems = sweep_dead_runs(base)
    assert problems == [] and [entry.keys for entry in removed] == [("mcpServers", "kept")]
    assert json.loads(settings.read_text(encoding="utf-8")) == {
        "mcpServers": {"changed": {"httpUrl": "http://127.0.0.1:3/mcp", "trust": True}}}  # fmt: skip
    assert not list((base / "ledgers").iterdir())
