"""Fault validation errors, targeting counters, and verdicts on synthetic journals."""

from __future__ import annotations

import pytest

from AgentTestLibrary.mock.faults import FaultSet
from AgentTestLibrary.mock.journal import JournalEntry
from AgentTestLibrary.mockllm import resilience
from AgentTestLibrary.mockllm.conversation import Conversation, Message
from AgentTestLibrary.mockllm.scenario import ScenarioError, parse_fault, scenario_from_text

CONV = Conversation("openai.chat", "m", (Message("user", "hi"),))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"stauts": 500}, "unknown key 'stauts'. Did you mean 'status'?"),
        ({"times": 2}, "a fault needs at least one effect"),
        ({"status": 200}, "expected an error status 400-599; got 200"),
        ({"malformed": "xml"}, "expected one of sse, json; got 'xml'"),
        ({"status": 500, "probability": 1.5}, "a probability is between 0 and 1"),
        ({"hang_s": 301}, "a hang is bounded to 300 s"),
        ({"status": 500, "nth": 0}, "expected an integer >= 1; got 0"),
        ({"delay_ms": -1}, "expected an integer >= 0; got -1"),
        ({"status": 500, "when": {"user_text_contans": "x"}}, "Did you mean 'user_text_contains'?"),
    ],
)
def test_invalid_faults_are_explained(spec: dict[str, object], expected: str) -> None:
    with pytest.raises(ScenarioError, match=r"^Inject LLM Fault: faults") as caught:
        parse_fault(spec, "Inject LLM Fault")
    assert expected in str(caught.value)


def test_scenario_faults_name_their_line() -> None:
    with pytest.raises(ScenarioError, match=r"^s.yaml:3: faults\[0\].status"):
        scenario_from_text("rules: []\nfaults:\n  - status: 99\n", "s.yaml")


def test_times_then_recover_and_nth_counting() -> None:
    faults = FaultSet()
    faults.add(parse_fault({"status": 500, "times": 2}, "t"), "s")
    assert [faults.pick(CONV) is not None for _ in range(4)] == [True, True, False, False]
    nth = FaultSet()
    nth.add(parse_fault({"status": 500, "nth": 2, "times": 2}, "t"), "s")
    assert [nth.pick(CONV) is not None for _ in range(5)] == [False, True, True, False, False]


def test_retry_headers() -> None:
    fault = parse_fault({"status": 429, "retry_after": 1.5, "should_retry": True}, "t")
    assert fault.retry_headers() == [("retry-after", "2"), ("retry-after-ms", "1500"), ("x-should-retry", "true")]
    assert parse_fault({"status": 429, "retry_after_ms": 250}, "t").asked_wait_s == 0.25


def entry(index: int, at: float, status: int = 200, conv: Conversation = CONV, **values: object) -> JournalEntry:
    return JournalEntry(index=index, time=at, method="POST", path="/v1/chat/completions", status=status,
                        protocol="openai.chat", subject=conv, **values)  # type: ignore[arg-type]  # fmt: skip


def test_verdicts_name_observed_numbers() -> None:
    journal = [entry(0, 0.0, 429, retry_after_s=1.0), entry(1, 0.21, 429, retry_after_s=1.0), entry(2, 1.3)]
    assert resilience.retried(journal, 2) == ""
    expected = "Expected 1 retries, observed 2: call 1 (turn 1): 'hi': 0.00 s (429), 0.21 s (429)"
    assert resilience.retried(journal, 1).startswith(expected)
    assert resilience.honoured_retry_after(journal, 0.05) == "retried after 0.21 s, retry-after asked for 1 s."
    assert resilience.not_hammered(journal, 0.5) == "Hammered: retried after 0.210 s (minimum 0.5 s)."
    assert resilience.backed_off(journal, 1.2) == ""
    assert "the last attempt succeeded" in resilience.gave_up_cleanly(journal, None, 0)


def test_gaps_that_do_not_grow_are_not_backing_off() -> None:
    """A naive client's immediate retries, on synthetic times: judged the same on any machine."""
    journal = [entry(0, 0.0, 429, retry_after_s=1.0), entry(1, 0.01, 429, retry_after_s=1.0), entry(2, 0.02)]
    assert resilience.backed_off(journal, 1.2) == "gaps did not grow: 0.01, 0.01 s."
    assert resilience.backed_off(journal[:2], 1.2).startswith("Backing off needs at least two retries")


def test_gaps_start_after_the_injected_delay() -> None:
    journal = [entry(0, 0.0, 429, retry_after_s=1.0, delay_s=0.5), entry(1, 1.6)]
    assert resilience.honoured_retry_after(journal, 0.05) == ""
    assert resilience.calls(journal)[0].gaps == [pytest.approx(1.1)]


def test_truncated_response_taken_as_complete() -> None:
    first = Conversation("openai.chat", "m", (Message("user", "hi"),))
    second = Conversation(
        "openai.chat", "m", (Message("user", "hi"), Message("assistant", "par"), Message("user", "go"))
    )
    cut = entry(0, 0.0, conv=first, broken=True, fault="fault 'x': stream cut after 3 events")
    assert "went on to the next turn" in resilience.truncated_not_accepted([cut, entry(1, 0.1, conv=second)], None)
    assert "neither retried nor failed (rc 0)" in resilience.truncated_not_accepted([cut], 0)
    assert resilience.truncated_not_accepted([cut], 1) == ""
    assert resilience.truncated_not_accepted([cut, entry(1, 0.2, conv=first)], 0) == ""
