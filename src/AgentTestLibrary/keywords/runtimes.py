"""Switch Runtime: real runtime switches (A→B, B→A, round trips) and checks that they took effect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from ..environment import FIXTURE_KEYS, EnvironmentPatch
from ..errors import RegistryError
from ..harness.agents import prefix as agents_prefix
from ..harness.runtimes import Runtime, builtin_registry, load_registry, lookup, snapshot
from ..naming import confined
from ..shipped import EXAMPLES
from .arguments import check_named
from .context import LibraryContext
from .mock_llm import MockLLMKeywords
from .scopes import LibraryComponent, Scope, TestReport

RUNTIME_FILE = "agent-runtime.json"
LIVENESS_PROMPT = "agenttest liveness probe"


class RuntimeKeywords(LibraryComponent):
    def __init__(self, ctx: LibraryContext, llm: MockLLMKeywords) -> None:
        super().__init__(ctx)
        self.llm = llm
        self.runtimes: dict[str, Runtime] = builtin_registry()
        self.home: Path | None = None
        self.home_patch: EnvironmentPatch | None = None
        self.home_suite = ""

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        """The isolated home lasts for the suite that made it: its environment is undone when that suite ends."""
        if scope.kind == "suite" and scope.name == self.home_suite and self.home_patch is not None:
            self.home_patch.restore()
            self.home = self.home_patch = None

    @keyword("Load Runtime Registry")
    def load_runtime_registry(self, path: str) -> list[str]:
        """Adds the runtimes of a registry YAML file to the built-in ones; returns all names.

        The built-in runtimes (``example-openai``, ``example-responses``, ``example-anthropic``,
        ``example-gemini``, ``claude-code``, ``codex``, ``codex-websocket``, ``gemini-cli``, ``pi``,
        ``opencode``) are there without loading anything; a loaded runtime of the same name replaces
        the built-in one, and a later file overrides an earlier one. The file's format is the package's
        ``resources/runtimes.yaml``; its strings take the placeholders ``{prompt}``, ``{python}``,
        ``{examples}`` (the shipped example agents), ``{agents}``, ``{home}``, ``{workdir}``,
        ``{mock_url}`` and ``{fixture_key}``.

        Example:
        | Load Runtime Registry    ${CURDIR}/my_runtimes.yaml
        | Switch Runtime    my-agent
        """
        check_named("Load Runtime Registry", self.load_runtime_registry, path=path)
        self.runtimes.update(load_registry(path))
        return sorted(self.runtimes)

    def _home(self) -> Path:
        """The isolated runtime home of this suite run; its runtime file is exported as AGENT_RUNTIME_FILE."""
        if self.home is None:
            home = self.ctx.fresh_folder("runtimes", self.ctx.current_suite)
            patch = EnvironmentPatch({"AGENT_RUNTIME_FILE": str(home / RUNTIME_FILE)})
            patch.apply()
            self.home, self.home_patch, self.home_suite = home, patch, self.ctx.current_suite
        return self.home

    def _runtime(self, name: str) -> Runtime:
        return lookup(self.runtimes, name)

    def _current_name(self) -> str:
        file = self._home() / RUNTIME_FILE
        return str(json.loads(file.read_text(encoding="utf-8")).get("runtime", "none")) if file.is_file() else "none"

    @keyword("Switch Runtime")
    def switch_runtime(self, name: str) -> str:
        """Switches the agent to runtime ``name`` the real way and returns the previous runtime.

        The runtime file (``AGENT_RUNTIME_FILE`` in an isolated home) is rewritten with the
        runtime's setting, the previous runtime's config files are removed and the new one's
        written into the home; the example agent
        reads that file, and `Run Agent` starts the command of the runtime it names. So
        ``${previous}=    Switch Runtime    codex`` … ``Switch Runtime    ${previous}`` goes back.

        Example:
        | ${previous}=    Switch Runtime    example-anthropic
        | Run Agent    List the files
        | Switch Runtime    ${previous}
        """
        runtime = self._runtime(name)
        home, previous = self._home(), self._current_name()
        if previous in self.runtimes:  # the old runtime's config must not steer the new one
            for relative in set(self.runtimes[previous].files) - set(runtime.files):
                confined(home, relative, f"runtime '{previous}' file").unlink(missing_ok=True)
        values = self._values(runtime)
        for relative, content in runtime.files.items():
            target = confined(home, relative, f"runtime '{name}' file")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(runtime.render(content, values), encoding="utf-8")
        (home / RUNTIME_FILE).write_text(json.dumps({"runtime": name, **runtime.setting}, indent=2), encoding="utf-8")
        logger.info(f"Switched runtime {previous} -> {name} ({runtime.wire}).")
        return previous

    @keyword("Get Runtime Home")
    def get_runtime_home(self) -> str:
        """The isolated home the runtimes of this suite share (config files, the runtime file)."""
        return str(self._home())

    @keyword("Current Runtime Should Be")
    def current_runtime_should_be(self, name: str) -> None:
        """Fails unless the runtime file names ``name`` (read back from disk, not from memory)."""
        current = self._current_name()
        if current != name:
            raise AssertionError(f"Current runtime is '{current}', expected '{name}'.")

    def _values(self, runtime: Runtime, prompt: str = "", workdir: str = "") -> dict[str, str]:
        mock_url = self.llm.current().url if self.llm.servers else os.environ.get("MOCK_LLM_URL", "")
        fixture = (
            FIXTURE_KEYS["OPENAI_API_KEY"] if runtime.wire.startswith("openai") else FIXTURE_KEYS["ANTHROPIC_API_KEY"]
        )
        return {"prompt": prompt, "python": sys.executable, "examples": str(EXAMPLES), "home": str(self._home()),
                "agents": str(agents_prefix() / "bin"),
                "workdir": workdir or str(self._home()), "mock_url": mock_url, "fixture_key": fixture}  # fmt: skip

    @keyword("Run Agent")
    def run_agent(
        self, prompt: str, workdir: str | None = None, timeout: float = 120.0, expect_rc: int | None = 0
    ) -> dict[str, Any]:
        """Runs the current runtime's command with ``prompt`` as a real subprocess; returns rc, stdout, stderr.

        The runtime's environment (routing to the mock, fixture keys, the isolated home) is
        added to the library's. Fails when the exit code is not ``expect_rc`` (``None``: any).
        """
        runtime = self._runtime(self._current_name())
        values = self._values(runtime, prompt, workdir or "")
        argv = [runtime.render(part, values) for part in runtime.command]
        env = {**os.environ, **{key: runtime.render(value, values) for key, value in runtime.env.items()}}
        if runtime.home_variable:
            env[runtime.home_variable] = str(self._home())
        if workdir:  # as a shell would: agents that read $PWD (opencode) must not work in Robot's directory
            env["PWD"] = str(Path(workdir).resolve())
        try:
            done = subprocess.run(argv, env=env, cwd=workdir or None, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL, check=False)  # fmt: skip
        except FileNotFoundError:
            raise RegistryError(f"Runtime '{runtime.name}' needs '{argv[0]}' on PATH; it was not found.") from None
        result = {
            "rc": done.returncode,
            "stdout": done.stdout.strip(),
            "stderr": done.stderr.strip(),
            "runtime": runtime.name,
        }
        logger.info(f"{runtime.name}: rc {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}")
        if expect_rc is not None and done.returncode != expect_rc:
            raise AssertionError(
                f"{runtime.name} exited {done.returncode} (expected {expect_rc}): {done.stderr.strip()[-500:]}"
            )
        return result

    @keyword("Runtime Should Be Operational")
    def runtime_should_be_operational(self, timeout: float = 120.0) -> None:
        """A real liveness check: one prompt through the mock, answered, in the runtime's own wire format.

        Needs a running mock; adds a temporary rule for the probe prompt.
        """
        from ..mockllm.conversation import conversation_of
        from ..mockllm.scenario import parse_rule

        mock = self.llm.current()
        runtime = self._runtime(self._current_name())
        scope = f"liveness:{runtime.name}"
        rule = {
            "name": "liveness probe",
            "when": {"user_text_contains": LIVENESS_PROMPT},
            "reply": {"text": "operational"},
        }
        mock.app.add_rule(parse_rule(rule, "Runtime Should Be Operational"), scope)
        before = mock.app.journal.next_index
        try:
            result = self.run_agent(LIVENESS_PROMPT, timeout=timeout)
        finally:
            mock.app.remove_scope(scope)
        protocols = [entry.protocol for entry in mock.app.journal.entries(before) if conversation_of(entry)]
        if "operational" not in result["stdout"] or runtime.wire not in protocols:
            raise AssertionError(
                f"Runtime '{runtime.name}' is not operational: expected a {runtime.wire} request answered "
                f"'operational'; saw requests {protocols or 'none'} and output {result['stdout'][-200:]!r}."
            )

    @keyword("Capture Runtime Snapshot")
    def capture_runtime_snapshot(self) -> dict[str, Any]:
        """The runtime configuration state: current runtime and every file of the isolated home with its hash."""
        return {"runtime": self._current_name(), "files": snapshot(self._home())}

    @keyword("Runtime Snapshots Should Be Equal")
    def runtime_snapshots_should_be_equal(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        """Fails listing the residue when two snapshots differ (e.g. before and after an A→B→A round trip)."""
        differences = (
            [f"runtime {before['runtime']} -> {after['runtime']}"] if before["runtime"] != after["runtime"] else []
        )
        for name in sorted(set(before["files"]) | set(after["files"])):
            if before["files"].get(name) != after["files"].get(name):
                state = (
                    "added" if name not in before["files"] else "removed" if name not in after["files"] else "changed"
                )
                differences.append(f"{name} {state}")
        if differences:
            raise AssertionError("Runtime state differs: " + "; ".join(differences) + ".")
