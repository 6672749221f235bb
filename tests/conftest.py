"""Shared fixtures: a real mock server on loopback, started per test and always stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from AgentTestLibrary.mockllm import MockLLM, MockServer
from AgentTestLibrary.mockllm.scenario import Scenario, scenario_from_text
from AgentTestLibrary.secrets import SecretRegistry

StartMock = Callable[..., MockServer]
ADMIN_TOKEN = "admin-token-of-the-test-mocks"
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def start_mock() -> Iterator[StartMock]:
    servers: list[MockServer] = []

    def start(scenario: str | Scenario | None = None, secrets: SecretRegistry | None = None) -> MockServer:
        loaded = scenario_from_text(scenario) if isinstance(scenario, str) else scenario
        server = MockServer(MockLLM(loaded, secrets, admin_token=ADMIN_TOKEN))
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
