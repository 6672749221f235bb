"""State shared by the keyword components and the library listener."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

from ..environment import EnvironmentPatch
from ..live.gate import load_env_file
from ..mock.journal import JournalEntry
from ..mockllm import MockLLM, MockServer
from ..naming import NameRegistry, remove_tree, slug
from ..private import PrivateArea
from ..secrets import SecretRegistry
from .scopes import Scope

if TYPE_CHECKING:
    from ..cassettes import CassetteSession
    from .cassettes import CassetteConfig

T = TypeVar("T")


@dataclass
class RunningMock:
    """A started mock: its application, server, exported environment and owning suite."""

    app: MockLLM
    server: MockServer
    environment: EnvironmentPatch
    suite: str
    test_mark: int = 0
    real_credentials: dict[str, str | None] = field(default_factory=dict)
    cassettes: CassetteConfig | None = None
    tape: CassetteSession | None = None  # the current test's cassette (also the app's tape)
    rerecord_hint: str = ""

    @property
    def url(self) -> str:
        return self.server.url

    def current_entries(self, in_test: bool) -> list[JournalEntry]:
        """Provider requests of the current test (or, outside tests, since the mock started)."""
        return [entry for entry in self.app.journal.entries(self.test_mark if in_test else 0) if entry.protocol]

    def stop(self) -> None:
        self.server.stop()
        self.environment.restore()


@dataclass
class LibraryContext:
    """What the keyword components share (GLOBAL scope: one per robot process / pabot worker).

    Only cross-cutting state lives here: the secret registry, the scope stack, the running
    mocks, names handed out, the private area. A component's own scoped state stays with it.
    """

    secrets: SecretRegistry = field(default_factory=SecretRegistry)
    scopes: list[Scope] = field(default_factory=list)  # the suites and the test now running, outermost first
    mocks: list[RunningMock] = field(default_factory=list)
    stopped_during_test: list[RunningMock] = field(default_factory=list)
    env_file: str | None = None
    real_llm: EnvironmentPatch | None = None
    real_llm_suite: str = ""
    names: NameRegistry = field(default_factory=NameRegistry)
    private: PrivateArea = field(default_factory=PrivateArea)
    required_credentials: dict[str, set[str]] = field(default_factory=dict)  # suite or test → names
    served: list[Any] = field(default_factory=list)  # the components holding named mock servers (MCP, services, AWS)
    _live_environment_loaded: bool = False

    def ensure_live_environment(self) -> None:
        """Seed the environment from .env.live once (real variables win); register its values as secrets."""
        if not self._live_environment_loaded:
            self._live_environment_loaded = True
            load_env_file(self.env_file, self.secrets)

    def credential(self, name: str) -> str:
        """The value of credential variable ``name`` (environment or .env.live), registered as a secret."""
        self.ensure_live_environment()
        value = os.environ.get(name, "")
        if not value:
            raise AssertionError(f"{name} is not set; call 'Require Credential Or Skip    {name}' first.")
        self.secrets.add(value)
        return value

    @property
    def current_test_scope(self) -> Scope | None:
        return self.scopes[-1] if self.scopes and self.scopes[-1].kind == "test" else None

    @property
    def current_test(self) -> str | None:
        """The full name of the test running now (None in suite setup or teardown)."""
        scope = self.current_test_scope
        return scope.name if scope else None

    @property
    def current_suite(self) -> str:
        suites = [scope for scope in self.scopes if scope.kind == "suite"]
        return suites[-1].name if suites else str(BuiltIn().get_variable_value("${SUITE NAME}", ""))

    @property
    def rule_scope(self) -> str:
        """Rules added by keywords live until the end of the current test, or else suite."""
        return self.scopes[-1].key if self.scopes else f"suite:{self.current_suite}"

    @property
    def output_dir(self) -> Path:
        return Path(str(BuiltIn().get_variable_value("${OUTPUT DIR}", ".")))

    def fresh_folder(self, kind: str, name: str) -> Path:
        """``${OUTPUT DIR}/agenttest-<kind>/<name slug>``, emptied: nothing of an earlier run in it counts.

        Only that folder is ever deleted, whatever the name (a suite called ``..`` included).
        """
        base = self.output_dir / f"agenttest-{kind}"
        folder = self.names.claim(base / slug(name), name)
        remove_tree(folder, base)
        folder.mkdir(parents=True)
        return folder

    def current_mock(self) -> RunningMock:
        if not self.mocks:
            raise RuntimeError("No mock LLM is running. Call 'Start Mock LLM' first (e.g. in Suite Setup).")
        return self.mocks[-1]

    def mocks_of_test(self) -> list[RunningMock]:
        """Mocks that served the current test, including those it already stopped."""
        return self.stopped_during_test + self.mocks

    def stop_mock(self, mock: RunningMock) -> None:
        """Stop one mock; environments are restored newest-first, so nesting stays consistent."""
        for running in reversed(self.mocks[self.mocks.index(mock) :]):
            running.stop()
            self.mocks.remove(running)
            if self.current_test:
                self.stopped_during_test.append(running)
            if running is mock:
                break


def mock_only(method: Callable[..., T]) -> Callable[..., T | None]:
    """For keywords about the mock: in real-LLM mode (USE_REAL_LLM) they warn and do nothing."""

    @functools.wraps(method)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> T | None:
        if self.ctx.real_llm is not None:
            logger.warn(f"'{method.__name__}' does nothing in real-LLM mode (USE_REAL_LLM): there is no mock.")
            return None
        return method(self, *args, **kwargs)

    return guarded
