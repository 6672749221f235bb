"""Shared fixtures: a real mock server on loopback, started per test and always stopped."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import pytest

from AgentTestLibrary.mockllm import MockLLM, MockServer
from AgentTestLibrary.mockllm.scenario import Scenario, scenario_from_text
from AgentTestLibrary.secrets import SecretRegistry

StartMock = Callable[..., MockServer]
ADMIN_TOKEN = "admin-token-of-the-test-mocks"
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(autouse=True)
def own_boto3_default_session() -> Iterator[None]:
    """Each test its own ``boto3.client()`` default session: boto3 keeps one per process (``boto3.DEFAULT_SESSION``)
    and it resolves credentials once, so keys one test put in the environment (and monkeypatch took back) would
    sign the next test's requests (a short fixture key made Bedrock refuse a later test's SigV4 as malformed)."""
    _forget_boto3_default_session()
    yield
    _forget_boto3_default_session()


def _forget_boto3_default_session() -> None:
    boto3 = sys.modules.get("boto3")  # not imported: it holds no session yet (and importing it costs every test)
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None


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
