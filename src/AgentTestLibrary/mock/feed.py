"""Streams written while they are sent: a :class:`Feed` yields events, pauses and waits on a :class:`Signal`.

A feed is sans-I/O: a plain iterator the server drives on its event loop (and :func:`drive` on a thread of
its own, where there is no loop: ``agenttest mcp serve --stdio``). It yields an
:class:`~.http.Event` to send, a ``float`` to pause that many seconds, or a :class:`Signal`
to wait on (another request sets it, e.g. a client's answer to a server's question; the wait
ends at the signal's ``timeout_s``). The stream ends when the iterator does; when the client
goes away first the server calls :meth:`Feed.close`. A feed that answers an exchange may
complete that exchange's journal entry (:attr:`Feed.entry`) once it knows the final reply.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from .http import Event


class Signal:
    """Set once, from any thread; callbacks registered with :meth:`on_set` run on the setting thread."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.value: Any = None
        self._done = False
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    @property
    def done(self) -> bool:
        with self._lock:
            return self._done

    def set(self, value: Any = None) -> bool:
        """Set the value (the first time only; later calls return False) and run the waiting callbacks."""
        with self._lock:
            if self._done:
                return False
            self._done, self.value = True, value
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()
        return True

    def on_set(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the signal is set (at once when it already is)."""
        with self._lock:
            if not self._done:
                self._callbacks.append(callback)
                return
        callback()

    def forget(self, callback: Callable[[], None]) -> None:
        """No longer run ``callback`` (its waiter stopped waiting): a long-lived signal keeps no callback per wait."""
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)


Step = Event | float | Signal  # send it | pause that many seconds | wait until it is set (or its timeout)


class Feed:
    """An event stream produced while it is sent; subclasses implement :meth:`steps`."""

    entry: Any = None  # the journal entry of the exchange this stream answers (set by the pipeline)

    def steps(self) -> Iterator[Step]:
        raise NotImplementedError

    def close(self) -> None:
        """The client went away (or the server stops) before the stream ended."""


def drive(feed: Feed, send: Callable[[Event], None], stopped: Signal, delay_s: float = 0.0) -> bool:
    """Run ``feed`` on the calling thread, after ``delay_s`` (an injected delay): send each event, sleep each pause,
    wait for each signal (until it is set or its timeout passes), until the feed ends (True) or ``stopped`` is set
    (False: the feed is closed). Setting ``stopped`` ends the delay, a pause or a wait at once."""
    if delay_s:
        _wait(delay_s, stopped)
    if not stopped.done:
        for step in feed.steps():
            if isinstance(step, Event):
                send(step)
            elif isinstance(step, Signal):
                _wait(step.timeout_s, step, stopped)
            elif step > 0:
                _wait(step, stopped)
            if stopped.done:  # before the feed goes on: closed, it settles what it waits for as unanswered
                break
        else:
            return True
    feed.close()
    return False


def _wait(timeout_s: float, *signals: Signal) -> None:
    """Block until one of ``signals`` is set or ``timeout_s`` passes."""
    ready = threading.Event()
    for signal in signals:
        signal.on_set(ready.set)
    ready.wait(timeout_s)
    for signal in signals:
        signal.forget(ready.set)
