from __future__ import annotations

import base64
from urllib.parse import quote, quote_plus

from AgentTestLibrary.environment import EnvironmentPatch, agent_environment
from AgentTestLibrary.mockllm.conversation import Message, ToolResult
from AgentTestLibrary.secrets import MASK, SecretRegistry


def test_registry_seeds_from_credential_names_only() -> None:
    registry = SecretRegistry({"OPENAI_API_KEY": "sk-real-123456", "HOME": "/root/home", "GH_TOKEN": "ghp_abcdef"})
    assert registry.mask_text("a sk-real-123456 b ghp_abcdef /root/home") == f"a {MASK} b {MASK} /root/home"


def test_short_values_are_not_registered() -> None:
    registry = SecretRegistry()
    registry.add("abc")
    assert len(registry) == 0


def test_an_owned_value_leaves_with_its_owner_unless_held_for_good_or_by_another() -> None:
    registry, mock, other = SecretRegistry(), object(), object()
    token, shared, kept = "admin-token-6f1d2a", "shared-token-77aa", "for-good-token-1234"
    registry.add(token, owner=mock)
    registry.add(shared, owner=mock)
    registry.add(shared, owner=other)
    registry.add(kept, owner=mock)
    registry.add(kept)
    text = f"{token} {quote(token)} {base64.b64encode(token.encode()).decode()} {shared} {kept}"
    assert registry.mask_text(text) == " ".join([MASK] * 5)
    registry.release(mock)
    assert registry.mask_text(text).split() == [token, quote(token), base64.b64encode(token.encode()).decode(), MASK,
                                                MASK]  # fmt: skip
    registry.release(other)
    assert registry.mask_text(f"{shared} {kept}") == f"{shared} {MASK}"
    assert len(registry) == 1


def test_every_form_of_every_value_is_masked_however_many_are_registered() -> None:
    registry = SecretRegistry()
    values = [f"sentinel-{number:04d}-value" for number in range(300)]
    for value in values:
        registry.add(value, owner=value)
    probe = values[123]
    encoded = base64.b64encode(b"prefix:" + probe.encode() + b":suffix").decode()
    masked = registry.mask_text(f"a {probe} b {quote_plus(probe + '?')} c {encoded} d")
    assert probe not in masked and quote_plus(probe) not in masked
    assert encoded not in masked and masked.endswith(" d")  # the value's core inside a longer base64 blob is masked
    for value in values:
        registry.release(value)
    assert len(registry) == 0 and registry.mask_text(probe) == probe


def test_mask_nested_data_and_keys() -> None:
    registry = SecretRegistry()
    registry.add("topsecret")
    assert registry.mask({"topsecret": ["x topsecret", 3, None]}) == {MASK: [f"x {MASK}", 3, None]}


def test_mask_frozen_dataclasses() -> None:
    registry = SecretRegistry()
    registry.add("topsecret")
    message = Message("user", "say topsecret", tool_results=(ToolResult("c", "topsecret!"),))
    assert registry.mask(message) == Message("user", f"say {MASK}", tool_results=(ToolResult("c", f"{MASK}!"),))


def test_patch_applies_and_restores_exactly() -> None:
    environ = {"OPENAI_API_KEY": "real", "ANTHROPIC_AUTH_TOKEN": "real-token", "KEEP": "1"}
    patch = EnvironmentPatch(agent_environment("http://127.0.0.1:9"), environ)
    patch.apply()
    assert environ["OPENAI_BASE_URL"] == "http://127.0.0.1:9/v1"
    assert environ["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9"
    assert environ["OPENAI_API_KEY"] != "real"
    assert "ANTHROPIC_AUTH_TOKEN" not in environ
    patch.restore()
    assert environ == {"OPENAI_API_KEY": "real", "ANTHROPIC_AUTH_TOKEN": "real-token", "KEEP": "1"}


def test_a_shared_registry_still_empty_is_the_one_the_pipeline_and_journal_mask_with() -> None:
    from AgentTestLibrary.mock.application import MockApplication
    from AgentTestLibrary.mock.journal import Journal
    from AgentTestLibrary.mock.pipeline import Pipeline

    class Bare(MockApplication):
        def routes(self) -> list:  # type: ignore[type-arg]
            return []

    shared = SecretRegistry()  # empty, so falsy: it must still be the registry used
    pipeline, journal = Pipeline(Bare(), shared), Journal(secrets=shared)
    shared.add("fetched-later-sentinel-3141")
    assert pipeline.secrets is shared and pipeline.journal.secrets is shared and journal.secrets is shared
    entry = journal.record(method="POST", path="/v1/x", status=200, body="key fetched-later-sentinel-3141")
    assert entry.to_dict()["body"] == f"key {MASK}"
    entry = pipeline.journal.record(method="POST", path="/v1/x", status=200, body="fetched-later-sentinel-3141")
    assert entry.to_dict()["body"] == MASK
