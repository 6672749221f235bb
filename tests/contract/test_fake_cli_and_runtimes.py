"""Fake CLIs work through a shell, subprocess and execvp; registries are validated with precise errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from AgentTestLibrary.harness.fake_cli import FakeCliError, install, load_rules, read_calls
from AgentTestLibrary.harness.runtimes import RegistryError, builtin_registry, load_registry, lookup, snapshot
from AgentTestLibrary.shipped import EXAMPLES

REPO = Path(__file__).parents[2]
RULES = """
- {name: push, args: push origin, stdout: "pushed\\n"}
- {name: exact status, args: [status, --short], match: exact, stdout: " M a\\n"}
- {name: glob log, args: "log*--oneline*", match: glob, stdout: "abc\\n"}
- {name: regex commit, args: "^commit -m .+", match: regex, exit_code: 1, stderr: "nothing\\n", capture_stdin: true}
"""


@pytest.fixture
def fake_git(tmp_path: Path) -> dict[str, str]:
    install("git", bin_dir=tmp_path / "bin", records_root=tmp_path / "calls", rules=load_rules(RULES), unmatched="fail",
            env=("AGENT_MARK",))  # fmt: skip
    return {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}", "AGENT_MARK": "m-1"}


def test_rules_answer_and_every_call_is_recorded(tmp_path: Path, fake_git: dict[str, str]) -> None:
    outcomes = [
        subprocess.run(argv, env=fake_git, capture_output=True, text=True, input="from stdin", cwd=tmp_path)
        for argv in (["git", "push", "origin", "main"], ["git", "status", "--short"], ["git", "log", "-2", "--oneline"],
                     ["git", "commit", "-m", "it's \"odd\" $HOME"], ["git", "stash"])
    ]  # fmt: skip
    assert [(o.returncode, o.stdout) for o in outcomes] == [
        (0, "pushed\n"),
        (0, " M a\n"),
        (0, "abc\n"),
        (1, ""),
        (127, ""),
    ]
    assert "fake git: no rule matches the arguments 'stash'" in outcomes[4].stderr
    calls = read_calls(tmp_path / "calls")
    assert [call.rule for call in calls] == ["push", "exact status", "glob log", "regex commit", "<unmatched>"]
    assert calls[3].argv == ("commit", "-m", 'it\'s "odd" $HOME') and calls[3].stdin == "from stdin"
    assert calls[0].cwd == str(tmp_path) and calls[0].env == {"AGENT_MARK": "m-1"} and calls[4].exit_code == 127
    times = [call.to_dict()["time"] for call in calls]
    assert times == sorted(times) and all(time.endswith("Z") and "T" in time for time in times)  # ISO 8601, in order


def test_through_a_shell_and_execvp(tmp_path: Path, fake_git: dict[str, str]) -> None:
    shell = subprocess.run(
        "git status --short && git push origin", shell=True, env=fake_git, capture_output=True, text=True
    )
    assert shell.stdout == " M a\npushed\n"
    code = "import os; os.execvp('git', ['git', 'log', '--oneline'])"
    execed = subprocess.run([sys.executable, "-c", code], env=fake_git, capture_output=True, text=True)
    assert execed.stdout == "abc\n"
    assert [call.argv[0] for call in read_calls(tmp_path / "calls")] == ["status", "push", "log"]


def test_passthrough_runs_the_real_binary_and_records_its_exit_code(tmp_path: Path) -> None:
    for name in ("true", "false"):
        install(name, bin_dir=tmp_path / "bin", records_root=tmp_path / "calls", rules=[], unmatched="passthrough",
                env=())  # fmt: skip
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    assert subprocess.run(["true", "x"], env=env).returncode == 0
    assert subprocess.run(["false"], env=env).returncode == 1
    calls = read_calls(tmp_path / "calls")
    assert [(call.name, call.rule, call.exit_code) for call in calls] == [("true", "<passthrough>", 0),
                                                                           ("false", "<passthrough>", 1)]  # fmt: skip


def test_regex_rules_understand_the_shorthands_python_users_write(tmp_path: Path) -> None:
    rules = load_rules("- {name: numbered, args: '^status \\d+ [\\w-]+\\s*$', match: regex, stdout: 'yes'}\n")
    install("tool", bin_dir=tmp_path / "bin", records_root=tmp_path / "calls", rules=rules, unmatched="fail", env=())
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    matched = subprocess.run(["tool", "status", "42", "main-branch"], env=env, capture_output=True, text=True)
    missed = subprocess.run(["tool", "status", "x", "main"], env=env, capture_output=True, text=True)
    assert (matched.returncode, matched.stdout, missed.returncode) == (0, "yes", 127)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("- {arg: x}", "unknown key. Did you mean 'args'?"),
        ("- {args: x, match: fuzzy}", "expected one of any, exact, prefix, glob, regex"),
        ("- {args: '(', match: regex}", "invalid regular expression"),
        ("- {exit_code: 300}", "expected an integer 0-255"),
        ("- {stdout: yes}", "stdout: expected text; got bool True (YAML reads yes, no"),
        ("- {delay: -1}", "non-negative"),
        ("{a: 1}", "expected a list of rules"),
        ("- [unclosed", "invalid YAML"),
    ],
)
def test_bad_rules_are_explained(rules: str, message: str) -> None:
    with pytest.raises(FakeCliError, match="rules") as caught:
        load_rules(rules)
    assert message in str(caught.value)


def test_bad_names_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(FakeCliError, match="cannot be a command name"):
        install("rm -rf", bin_dir=tmp_path, records_root=tmp_path, rules=[], unmatched="fail", env=())
    with pytest.raises(FakeCliError, match="does not exist"):
        load_rules(str(tmp_path / "missing.yaml"))
    with pytest.raises(FakeCliError, match="needs a real 'no-such-tool-xyz'"):
        install(
            "no-such-tool-xyz", bin_dir=tmp_path / "b", records_root=tmp_path, rules=[], unmatched="passthrough", env=()
        )


def test_builtin_registry_loads_from_the_package() -> None:
    registry = builtin_registry()
    assert {"claude-code", "codex", "gemini-cli", "example-openai", "example-anthropic"} <= set(registry)
    assert registry["codex"].wire == "openai.responses" and registry["claude-code"].home_variable == "HOME"
    assert "{examples}/example_agent.py" in registry["example-openai"].command
    assert (EXAMPLES / "example_agent.py").is_file()
    registry.clear()  # a fresh dict each time: a caller's changes never reach the next caller
    assert "codex" in builtin_registry()


def test_an_unknown_placeholder_is_named_with_the_ones_there_are(tmp_path: Path) -> None:
    path = tmp_path / "registry.yaml"
    path.write_text('runtimes:\n  mine:\n    wire: openai.chat\n    command: [python, "{repo}/agent.py"]\n')
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:4: runtimes.mine.command: unknown placeholder '{{repo}}'")
    assert "use {examples}" in message and "{mock_url} (the mock LLM's URL)" in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("runtimes:\n  x:\n    wire: openai.chat\n", ":2: runtimes.x: missing 'command'"),
        ("runtimes:\n  x:\n    wire: grpc\n    command: [a]\n", ":3: runtimes.x.wire: expected one of"),
        (
            "runtimes:\n  x:\n    wire: openai.chat\n    comand: [a]\n",
            ":4: runtimes.x.comand: unknown key. Did you mean 'command'?",
        ),
        ("agents: {}\n", ":1: top level: expected one key, 'runtimes'"),
    ],
)
def test_registry_errors_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "registry.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)


def test_unknown_runtime_suggests_a_known_one(tmp_path: Path) -> None:
    registry = builtin_registry()
    with pytest.raises(RegistryError, match=r"Unknown runtime 'codx'\. Did you mean 'codex'"):
        lookup(registry, "codx")
    with pytest.raises(RegistryError, match="does not exist"):
        load_registry(tmp_path / "nope.yaml")


def test_snapshot_sees_changed_files(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("1")
    before = snapshot(tmp_path)
    (tmp_path / "a.json").write_text("2")
    assert before != snapshot(tmp_path) and set(before) == {"a.json"}
