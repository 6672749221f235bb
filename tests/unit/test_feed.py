"""A feed driven on a thread of its own (``agenttest mcp serve --stdio``): its events in order, its pauses and
waits ended by their signal or by a stop, which closes the feed."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from AgentTestLibrary.mock.feed import Feed, Signal, Step, drive
from AgentTestLibrary.mock.http import Event

NEVER_S = 3600.0  # a wait nothing ends but what the test does (pytest-timeout stops a test that hangs)


class Script(Feed):
    def __init__(self, *steps: Step) -> None:
        self.script = steps
        self.closed = False

    def steps(self) -> Iterator[Step]:
        yield from self.script

    def close(self) -> None:
        self.closed = True


def test_a_feed_sends_its_events_in_order_through_its_pauses_and_a_signal_set_from_another_thread() -> None:
    answered = Signal(NEVER_S)
    feed = Script(Event("a"), 0.001, Event("b"), answered, Event("c"))
    sent: list[object] = []

    def send(event: Event) -> None:
        sent.append(event.data)
        if event.data == "b":  # the client answers from another thread
            threading.Thread(target=answered.set, args=("yes",)).start()

    assert drive(feed, send, Signal(0)) is True
    assert sent == ["a", "b", "c"] and not feed.closed


def test_a_stop_ends_a_wait_at_once_and_closes_the_feed_before_it_goes_on() -> None:
    stopped = Signal(0)
    feed = Script(Event("question"), Signal(NEVER_S), Event("result"))
    sent: list[object] = []

    def send(event: Event) -> None:
        sent.append(event.data)
        stopped.set()  # the client closes stdin once it has the question

    assert drive(feed, send, stopped) is False
    assert sent == ["question"] and feed.closed


def test_a_stop_during_the_delay_closes_the_feed_unsent() -> None:
    stopped = Signal(0)
    stopped.set()
    feed = Script(Event("never"))
    assert drive(feed, lambda event: None, stopped, delay_s=NEVER_S) is False
    assert feed.closed


def test_a_long_lived_stop_signal_keeps_no_callback_per_wait() -> None:
    stopped = Signal(0)
    answered = Signal(NEVER_S)
    answered.set()
    assert drive(Script(*[1e-6] * 500, answered, Event("done")), lambda event: None, stopped) is True
    assert stopped._callbacks == []  # 501 waits came and went
