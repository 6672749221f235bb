"""The example web UI's pieces that need no browser: why a browser test skips, approvals, a cut answer."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from AgentTestLibrary.examples.web_ui import Approvals, _streamed_answer, missing_browser


def test_a_missing_browser_is_named_with_the_installers_last_words(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PATH", str(tmp_path))
    note = tmp_path / "chromium-install.txt"
    assert missing_browser(note).endswith("`make browser` not run")
    note.write_text("Reading package lists...\nE: Unable to locate package chromium-driver\n", encoding="utf-8")
    assert missing_browser(note) == (
        "Debian's chromium and chromedriver not installed and `make browser` could not install it:"
        " E: Unable to locate package chromium-driver"
    )
    for name in ("chromium", "chromedriver"):
        (tmp_path / name).write_text("#!/bin/sh\n", encoding="utf-8")
        (tmp_path / name).chmod(0o755)
    assert missing_browser(note) == ""


def test_an_approval_reaches_the_waiting_call_and_an_unknown_id_is_refused() -> None:
    approvals = Approvals()
    decided: list[bool] = []
    waiting = threading.Thread(target=lambda: decided.append(approvals.wait("call_1")))
    waiting.start()
    while not approvals.decide("call_1", True):  # the waiter registers itself first
        assert waiting.is_alive()
    waiting.join(10)
    assert decided == [True]
    assert approvals.decide("call_2", True) is False


def chunk(content: str | None = None, finish: str | None = None) -> Any:
    delta = SimpleNamespace(content=content, tool_calls=None)
    return SimpleNamespace(choices=[SimpleNamespace(delta=delta, finish_reason=finish)])


def client(chunks: list[Any]) -> Any:
    return SimpleNamespace(chat=SimpleNamespace(completions=SimpleNamespace(create=lambda **_: iter(chunks))))


def test_an_answer_stream_without_its_last_event_is_a_failure_not_an_answer() -> None:
    events: list[dict[str, Any]] = []
    assert _streamed_answer(client([chunk("Hel"), chunk("lo", "stop")]), "m", [], [], events.append) == ("Hello", [])
    assert [event["text"] for event in events] == ["Hel", "lo"]
    with pytest.raises(ConnectionError, match="ended before its last event"):
        _streamed_answer(client([chunk("Hel")]), "m", [], [], events.append)
