"""Faults against the official SDKs: their known retry behaviour, observed in the journal and judged."""

from __future__ import annotations

import json
import time

import anthropic
import httpx
import openai
import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

from AgentTestLibrary.mockllm import MockServer, resilience
from AgentTestLibrary.mockllm.scenario import parse_fault
from tests.conftest import ADMIN, StartMock

USER = [{"role": "user", "content": "hi"}]


def inject(server: MockServer, **spec: object) -> None:
    server.app.add_fault(parse_fault(spec, "test"), "test")


def openai_client(server: MockServer, **options: object) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="sk-test", **options)  # type: ignore[arg-type]


def entries(server: MockServer) -> list:  # type: ignore[type-arg]
    return server.app.journal.entries()


def test_openai_honours_retry_after_then_recovers(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, status=429, retry_after=1, times=2)
    reply = openai_client(server).chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
    assert reply.choices[0].message.content
    assert [entry.status for entry in entries(server)] == [429, 429, 200]
    assert resilience.retried(entries(server), 2) == ""
    assert resilience.honoured_retry_after(entries(server), 0.05) == ""
    assert entries(server)[0].headers["x-stainless-retry-count"] == "0"
    assert entries(server)[2].headers["x-stainless-retry-count"] == "2"


def test_anthropic_retries_529_overloaded_with_retry_after_ms(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, status=529, retry_after_ms=150, times=2)
    client = anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test")
    assert client.messages.create(model="claude-opus-4-8", max_tokens=5, messages=USER).content  # type: ignore[arg-type]
    assert [entry.status for entry in entries(server)] == [529, 529, 200]
    assert resilience.honoured_retry_after(entries(server), 0.05) == ""


def test_persistent_500_three_attempts_backoff_then_gives_up(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, status=500)
    with pytest.raises(openai.InternalServerError):
        openai_client(server).chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
    assert len(entries(server)) == 3
    assert resilience.backed_off(entries(server), 1.2) == ""
    assert resilience.gave_up_cleanly(entries(server), 3, 1) == ""
    assert "more than the 2 allowed" in resilience.gave_up_cleanly(entries(server), 2, 1)


@pytest.mark.parametrize("spec", [{"status": 500, "should_retry": False}, {"status": 400}])
def test_no_retry_on_400_or_should_retry_false(start_mock: StartMock, spec: dict[str, object]) -> None:
    server = start_mock()
    inject(server, **spec)
    with pytest.raises(openai.APIStatusError):
        openai_client(server).chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
    assert len(entries(server)) == 1
    assert resilience.retried(entries(server), 0) == ""


def test_naive_client_is_judged_as_ignoring_retry_after(start_mock: StartMock) -> None:
    """A client that retries at once, whatever retry-after says.

    Deterministic under any load: retry-after asks for an hour, so every retry of this client
    is early however slow the machine is; whether gaps grow is judged on synthetic times in
    the unit tests, never on a real client's timing.
    """
    server = start_mock()
    inject(server, status=429, retry_after=3600, times=2)
    with httpx.Client(base_url=server.url) as client:
        statuses = [client.post("/v1/chat/completions", json={"model": "m", "messages": USER}).status_code
                    for _ in range(3)]  # fmt: skip
    assert statuses == [429, 429, 200]
    verdict = resilience.honoured_retry_after(entries(server), 0.05)
    assert verdict.startswith("retried after ") and "retry-after asked for 3600 s" in verdict
    assert resilience.not_hammered(entries(server), 3600).startswith("Hammered: retried after ")
    assert resilience.retried(entries(server), 2) == ""


def test_nth_call_fails_others_pass(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, status=500, nth=3, should_retry=False)
    client = openai_client(server, max_retries=0)
    outcomes = []
    for _ in range(4):
        try:
            client.chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
            outcomes.append("ok")
        except openai.InternalServerError:
            outcomes.append("500")
    assert outcomes == ["ok", "ok", "500", "ok"]
    assert "matching call #3" in entries(server)[2].fault


def test_targeting_by_matcher_and_counters_reset(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, status=503, times=1, when={"user_text_contains": "boom"})
    client = openai_client(server, max_retries=0)
    assert client.chat.completions.create(model="m", messages=USER).choices  # type: ignore[arg-type]
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "boom"}])
    assert client.chat.completions.create(model="m", messages=[{"role": "user", "content": "boom"}]).choices
    server.app.reset_counters()
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "boom"}])
    server.app.remove_scope("test")
    assert client.chat.completions.create(model="m", messages=[{"role": "user", "content": "boom"}]).choices


def test_probability_with_seed_is_deterministic(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, status=500, probability=0.5, seed=7, should_retry=False)
    client = openai_client(server, max_retries=0)

    def pattern() -> list[bool]:
        failed = []
        for _ in range(12):
            try:
                client.chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
                failed.append(False)
            except openai.InternalServerError:
                failed.append(True)
        return failed

    first = pattern()
    server.app.reset_counters()
    assert pattern() == first and any(first) and not all(first)


def test_cut_stream_raises_in_the_client_and_has_no_terminal_event(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, cut_after_events=2)
    client = anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test", max_retries=0)
    stream = client.messages.stream(model="claude-opus-4-8", max_tokens=5, messages=USER)  # type: ignore[arg-type]
    with pytest.raises(Exception, match="incomplete chunked read"), stream as events:  # SDKs vendor their own httpx
        events.get_final_message()
    assert entries(server)[0].broken


def test_cut_non_stream_body(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, cut_after_bytes=20)
    with pytest.raises((openai.APIError, httpx.HTTPError)):
        openai_client(server, max_retries=0).chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]


@pytest.mark.parametrize("stream", [False, True])
def test_malformed_body_is_not_json(start_mock: StartMock, stream: bool) -> None:
    server = start_mock()
    inject(server, malformed="json")
    body = {"model": "m", "messages": USER, "stream": stream}
    text = httpx.post(f"{server.url}/v1/chat/completions", json=body).text
    with pytest.raises(ValueError):
        for line in text.splitlines() if stream else [text]:
            json.loads(line.removeprefix("data: ")) if line and line != "data: [DONE]" else None


def test_latency_and_pacing_delay_at_least_as_asked(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, delay_ms=150, first_token_ms=100, chunk_ms=30)
    began = time.perf_counter()
    with httpx.stream(
        "POST", f"{server.url}/v1/chat/completions", json={"model": "m", "messages": USER, "stream": True}
    ) as r:
        headers_at = time.perf_counter() - began
        arrivals = [time.perf_counter() - began for _ in r.iter_raw()]
    assert headers_at >= 0.15
    assert arrivals[0] >= 0.25
    assert entries(server)[0].delay_s == 0.15


def test_hang_is_bounded_and_then_closes(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, hang_s=0.3)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{server.url}/v1/chat/completions", json={"model": "m", "messages": USER}, timeout=10)


def test_websocket_closed_mid_response(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, ws_close_after_events=2)
    with connect(server.url.replace("http://", "ws://") + "/v1/responses") as ws:
        ws.send(json.dumps({"type": "response.create", "model": "m", "input": "hi"}))
        received = [json.loads(ws.recv(timeout=10)) for _ in range(2)]
        with pytest.raises(ConnectionClosedError) as closed:
            ws.recv(timeout=10)
    assert [event["type"] for event in received] == ["response.created", "response.in_progress"]
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011


def test_gemini_rate_limit_shape_and_headers(start_mock: StartMock) -> None:
    server = start_mock()
    inject(server, status=429, retry_after=2)
    reply = httpx.post(
        f"{server.url}/v1beta/models/g:generateContent", json={"contents": [{"parts": [{"text": "hi"}]}]}
    )
    assert reply.status_code == 429
    assert reply.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert (reply.headers["retry-after"], reply.headers["retry-after-ms"]) == ("2", "2000")


def test_admin_api_faults(start_mock: StartMock) -> None:
    server = start_mock()
    admin = f"{server.url}/__agenttest/faults"
    assert httpx.post(admin, json={"status": 502, "times": 1}, headers=ADMIN).status_code == 200
    assert httpx.post(f"{server.url}/v1/chat/completions", json={"model": "m", "messages": USER}).status_code == 502
    assert httpx.post(admin, json={"status": 502}, headers=ADMIN).status_code == 200
    assert httpx.delete(admin, headers=ADMIN).status_code == 200
    assert httpx.post(f"{server.url}/v1/chat/completions", json={"model": "m", "messages": USER}).status_code == 200
    bad = httpx.post(admin, json={"stauts": 500}, headers=ADMIN)
    assert bad.status_code == 400 and "Did you mean 'status'?" in bad.json()["error"]["message"]
