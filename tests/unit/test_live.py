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
