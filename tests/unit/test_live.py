from __future__ import annotations

from pathlib import Path

import pytest

from AgentTestLibrary.lanes import lane_problems
from AgentTestLibrary.live import gate
from AgentTestLibrary.live.retry import RetryExhaustedError, bounded_retry
from AgentTestLibrary.secrets import SecretRegistry


def test_bounded_retry_backs_off_and_gives_up() -> None:
    waits: list[float] = []
    calls: list[int] = []

    def failing() -> None:
        calls.append(1)
        raise ConnectionError("down")

    with pytest.raises(
        RetryExhaustedError, match=r"All 3 attempts failed: attempt 1: down; attempt 2: down; attempt 3: down"
    ):
        bounded_retry(failing, attempts=3, backoff_s=0.5, sleep=waits.append)
    assert len(calls) == 3 and waits == [0.5, 1.0]


def test_bounded_retry_succeeds_and_never_retries_final_errors() -> None:
    attempts = iter([ConnectionError("once"), "ok"])

    def flaky() -> str:
        value = next(attempts)
        if isinstance(value, Exception):
            raise value
        return value

    assert bounded_retry(flaky, attempts=2, sleep=lambda s: None) == "ok"
    with pytest.raises(KeyError):
        bounded_retry(lambda: {}["x"], attempts=3, sleep=lambda s: None, final=lambda e: isinstance(e, KeyError))


@pytest.mark.parametrize("attempts", [0, 6])
def test_retry_is_bounded(attempts: int) -> None:
    with pytest.raises(ValueError, match="attempts must be 1 to 5"):
        bounded_retry(lambda: None, attempts=attempts)


def test_gate_values() -> None:
    assert gate.live_enabled({"RUN_LIVE_TESTS": "True"}) and not gate.live_enabled({"RUN_LIVE_TESTS": "0"})
    assert gate.missing(["A", "B"], {"A": "x", "B": "  "}) == ["B"]
    assert gate.real_llm_requested({"USE_REAL_LLM": "yes", "RUN_LIVE_TESTS": "1"})
    assert not gate.real_llm_requested({"USE_REAL_LLM": "yes"})


def test_env_file_does_not_override_and_registers_secrets(tmp_path: Path) -> None:
    file = tmp_path / "x.env"
    file.write_text("A=from-file-aa\nB='quoted value b'\n# comment\nexport C=exported-cc\n", encoding="utf-8")
    environ = {"A": "from-env"}
    secrets = SecretRegistry()
    assert gate.load_env_file(file, secrets, environ) == ["B", "C"]
    assert environ == {"A": "from-env", "B": "quoted value b", "C": "exported-cc"}
    assert secrets.mask_text("from-file-aa quoted value b") == "*** ***"
    assert gate.load_env_file(tmp_path / "missing.env", secrets, environ) == []


@pytest.mark.parametrize(
    ("tags", "metadata", "expected"),
    [
        (["lane:no-model"], {}, []),
        ([], {}, ["declares no lane"]),
        (["lane:no-model", "lane:model-backed"], {}, ["declares both"]),
        (["lane:model-backed", "live"], {"Owner": "qa"}, []),
        (["lane:model-backed", "live", "owner:qa"], {}, []),
        (["lane:model-backed", "owner:qa"], {}, ["not tagged 'live'"]),
        (["lane:model-backed", "live"], {}, ["names no owner"]),
    ],
)
def test_lane_rules(tags: list[str], metadata: dict[str, str], expected: list[str]) -> None:
    problems = lane_problems(tags, metadata)
    assert len(problems) == len(expected) and all(e in p for e, p in zip(expected, problems, strict=True))


def test_network_failures_are_told_apart_from_findings() -> None:
    from AgentTestLibrary.live import network

    assert network.looks_like_network_failure("provider error: APIConnectionError (status None)")
    assert network.looks_like_network_failure("ConnectError: [Errno -2] Name or service not known")
    assert not network.looks_like_network_failure("AuthenticationError: Error code: 401 - invalid x-api-key")
    assert network.endpoints("x", ["ANTHROPIC_API_KEY"], ["provider:openai"]) == [
        network.ENDPOINTS["openai"], network.ENDPOINTS["anthropic"],
    ]  # fmt: skip
    assert network.endpoints("GET https://example.test:8443/v1 failed", [], []) == ["https://example.test:8443"]


def test_only_a_blocked_diagnosis_explains_a_failure() -> None:
    from AgentTestLibrary.live import network
    from AgentTestLibrary.live.egress import Diagnosis

    def check(url: str, environ: object) -> Diagnosis:
        return Diagnosis(url, "provider_auth_error" if "openai" in url else "dns_failure", detail="d")

    assert network.blocked(["https://api.openai.com"], {}, check) is None
    found = network.blocked(["https://api.openai.com", "https://api.anthropic.com"], {}, check)
    assert found is not None and found.url == "https://api.anthropic.com"


def test_a_diagnosis_without_steps_says_no_steps_and_hides_proxy_passwords() -> None:
    from AgentTestLibrary.live.egress import Diagnosis

    bare = Diagnosis("https://x.test", "dns_failure", detail="DNS lookup failed")
    assert bare.summary() == "https://x.test: dns_failure (DNS lookup failed)."
    proxied = Diagnosis("https://x.test", "ok", proxy="http://bob:hunter22@proxy.test:3128", steps=["TCP ok"])
    assert "hunter22" not in proxied.summary() and "bob:***@proxy.test:3128" in proxied.summary()
    assert "hunter22" not in str(proxied.to_dict())
