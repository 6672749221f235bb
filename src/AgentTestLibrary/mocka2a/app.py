"""One mock A2A agent: its card, rules, tasks, push notifications and pipeline.

The agent is a :class:`~AgentTestLibrary.mock.application.MockApplication`: the same pipeline,
journal, faults, scopes and admin API as every mock, with routes for the agent card
(``/.well-known/agent-card.json``) and the JSON-RPC endpoint (``/``) that speaks A2A 1.0 and
0.3. Rules a test adds end with its scope; tasks are forgotten when the mock is reset.
"""

from __future__ import annotations

from typing import Any

from ..mock.application import MockApplication
from ..mock.journal import DEFAULT_LIMIT
from ..mock.pipeline import Route
from ..mock.rulebook import RuleBook
from ..mock.scoped import Scoped
from ..secrets import SecretRegistry
from .codec import CARD_PATHS, RPC_PATH
from .endpoint import A2AEndpoint, CardEndpoint
from .loader import parse_a2a_fault
from .model import ECHO_AGENT, A2AFault, A2ARule, AgentSpec, Artifact, Part
from .push import Pusher
from .tasks import TaskStore, new_id


class MockA2A(MockApplication):
    """A mock A2A agent's state and answers; serve it with ``MockServer(MockA2A(spec)).start()``."""

    name = "mock A2A agent"
    paths_hint = f" This agent's card is at {CARD_PATHS[0]}; JSON-RPC calls go to {RPC_PATH}."

    def __init__(
        self,
        spec: AgentSpec = ECHO_AGENT,
        secrets: SecretRegistry | None = None,
        *,
        admin_token: str | None = None,
        journal_limit: int = DEFAULT_LIMIT,
    ) -> None:
        self.spec = spec
        self.rulebook: RuleBook[A2ARule] = RuleBook(spec.rules)
        self.tasks = TaskStore()
        self.endpoint = A2AEndpoint(self)
        self.start_pipeline(secrets, admin_token=admin_token, journal_limit=journal_limit, faults=spec.faults)
        self.pusher = Pusher(self.journal)

    def routes(self) -> list[Route]:
        card = CardEndpoint(self)
        return [Route(("POST",), RPC_PATH, self.endpoint), *(Route(("GET",), path, card) for path in CARD_PATHS)]

    def scoped(self) -> tuple[Scoped[Any, Any], ...]:
        return (self.rulebook,)

    def reset(self) -> None:
        """Forget every task and restart every counter (the pipeline also empties the journal)."""
        self.tasks.clear()
        super().reset()

    def parse_fault(self, data: Any, source: str) -> A2AFault:
        return parse_a2a_fault(data, source)

    def close(self) -> None:
        self.pusher.close()
        super().close()

    def load(self, spec: AgentSpec) -> None:
        """Serve another declaration (keyword additions stay); sequences and fault counters restart."""
        self.spec = spec
        self.rulebook.load(spec.rules)
        self.faults.load(spec.faults)

    def add_rule(self, rule: A2ARule, scope_key: str) -> None:
        self.rulebook.add(rule, scope_key)

    def artifact(self, name: str, description: str, parts: tuple[Part, ...]) -> Artifact:
        return Artifact(new_id(), name, parts, description)
