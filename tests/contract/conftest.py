"""Fixtures the contract tests share: any mock served on loopback, service presets, the mock AWS and its boto3
clients, and the mock LLM serving a test module's ``SCENARIO`` (for the cloud providers' clients)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mockaws import MockAWS, Moto
from AgentTestLibrary.mockservice import MockService, load_service
from tests.conftest import StartMock

Serve = Callable[[Any], MockServer]
Preset = Callable[[str], tuple[MockService, str]]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Serves a mock application (service, MCP server, ...) on loopback: the started server; stopped after the test."""
    servers: list[MockServer] = []

    def start(app: Any) -> MockServer:
        server = MockServer(app)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def preset(serve: Serve) -> Preset:
    """A mock service from a preset (``github``, ``slack``) named after it, served: the app and its URL."""

    def start(name: str) -> tuple[MockService, str]:
        app = MockService(load_service(name, name))
        return app, serve(app).url

    return start


@pytest.fixture(scope="module")
def mock_aws() -> Iterator[tuple[MockAWS, str, Moto]]:
    """One mock AWS in front of its own moto for a test module: the app, its URL and moto (``moto.reset()`` empties
    it)."""
    moto = Moto()
    app = MockAWS(moto.start())
    server = MockServer(app)
    url = server.start()
    yield app, url, moto
    server.stop()
    app.close()
    moto.stop()


def aws_client(service: str, url: str) -> Any:
    """A boto3 client of the mock AWS at ``url``: fixture keys, one attempt (a test sees a fault, not a retry)."""
    import boto3  # here, not at the top: every contract test would pay for importing it
    from botocore.config import Config

    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIAFIXTURE",
                        aws_secret_access_key="fixture", config=Config(retries={"total_max_attempts": 1}))  # fmt: skip


@pytest.fixture
def server(start_mock: StartMock, request: pytest.FixtureRequest) -> MockServer:
    """The mock LLM serving the test module's ``SCENARIO`` (Bedrock, Vertex, Azure OpenAI ...)."""
    return start_mock(request.module.SCENARIO)
