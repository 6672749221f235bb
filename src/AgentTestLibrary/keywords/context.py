"""State shared by the keyword components and the library listener."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from robot.libraries.BuiltIn import BuiltIn

from ..errors import MissingCredentialError
from ..harness.entries import Ledger
from ..naming import NameRegistry, remove_tree, slug
from ..private import PrivateArea
from ..secrets import SecretRegistry
from .scopes import Scope

if TYPE_CHECKING:
    from .served import ServedComponent


@dataclass
class LibraryContext:
    """What the keyword components share (GLOBAL scope: one per robot process / pabot worker).

    Only cross-cutting state lives here: the secret registry, the scope stack, the components
    that serve mocks, names handed out, the private area, the ledger of entries written into agents'
    settings. A component's own scoped state (its
    running servers included) stays with it.
    """

    secrets: SecretRegistry = field(default_factory=SecretRegistry)
    scopes: list[Scope] = field(default_factory=list)  # the suites and the test now running, outermost first
    env_file: str | None = None
    names: NameRegistry = field(default_factory=NameRegistry)
    private: PrivateArea = field(default_factory=PrivateArea)
    ledger: Ledger = field(default_factory=Ledger)
    required_credentials: dict[str, set[str]] = field(default_factory=dict)  # suite or test → names
    served: list[ServedComponent] = field(default_factory=list)  # every component serving mocks (LLM, MCP ...)
    _live_environment_loaded: bool = False
    _pabot_queue_index: str | None = None

    def ensure_live_environment(self) -> None:
        """Seed the environment from .env.live once (real variables win); register its values as secrets."""
        if not self._live_environment_loaded:
            from ..live.gate import load_env_file

            self._live_environment_loaded = True
            load_env_file(self.env_file, self.secrets)

    def credential(self, name: str) -> str:
        """The value of credential variable ``name`` (environment or .env.live), registered as a secret."""
        self.ensure_live_environment()
        value = os.environ.get(name, "")
        if not value:
            raise MissingCredentialError(f"{name} is not set; call 'Require Credential Or Skip    {name}' first.")
        self.secrets.add(value)
        return value

    @property
    def pabot_queue_index(self) -> str:
        """``${PABOTQUEUEINDEX}`` of this worker ('' under plain robot); read once: it never changes in a process,
        and asking Robot for a variable that does not exist is slow."""
        if self._pabot_queue_index is None:
            self._pabot_queue_index = str(BuiltIn().get_variable_value("${PABOTQUEUEINDEX}", ""))
        return self._pabot_queue_index

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
    def scope_key(self) -> str:
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
