"""The checks every `Use ... Cassettes` keyword runs on its record mode, match_on and upstream: one error naming all."""

from __future__ import annotations

import pytest

from AgentTestLibrary.cassettes.options import MCP_MATCH_FIELDS, SERVICE_MATCH_FIELDS
from AgentTestLibrary.errors import CassetteError
from AgentTestLibrary.keywords.cassettes import cassette_settings


def test_good_settings_come_back_as_mode_and_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTTEST_RECORD_MODE", raising=False)
    assert cassette_settings("Use Service Cassettes gh", "new_episodes", "method, path", SERVICE_MATCH_FIELDS,
                             upstream="https://api.github.com/") == ("new_episodes", ("method", "path"))  # fmt: skip
    monkeypatch.setenv("AGENTTEST_RECORD_MODE", "all")
    assert cassette_settings("Use MCP Cassettes docs", "none", "method", MCP_MATCH_FIELDS)[0] == "all"


def test_every_problem_is_named_in_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTTEST_RECORD_MODE", "sometimes")
    with pytest.raises(CassetteError) as raised:
        cassette_settings("Use MCP Cassettes docs", "none", "body", MCP_MATCH_FIELDS, upstream="ftp://x",
                          missing="give upstream or upstream_command")  # fmt: skip
    assert str(raised.value) == (
        "Use MCP Cassettes docs: AGENTTEST_RECORD_MODE must be one of none, once, new_episodes, all; got 'sometimes'; "
        "match_on takes fields from method, params; got 'body'; give upstream or upstream_command."
    )
    monkeypatch.delenv("AGENTTEST_RECORD_MODE")
    with pytest.raises(CassetteError, match=r"^Use Service Cassettes gh: upstream 'ftp://x' is not a base URL"):
        cassette_settings("Use Service Cassettes gh", "none", "method", SERVICE_MATCH_FIELDS, upstream="ftp://x")
