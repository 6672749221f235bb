"""The tasks a mock A2A agent holds: their states, history, artifacts and push configs; bounded and thread-safe.

A task is created by a message a rule answers with a task, and passes through the reply's
states: all at once when the client waits (a blocking send, a stream), or one state per
``GetTask`` / ``tasks/get`` when it asked to be answered at once (``returnImmediately``,
``blocking: false``), so polling is deterministic; a task with push configs passes them right
after that answer, each state change pushed. A task that stops in ``input-required`` or
``auth-required`` continues with the client's next message; a terminal one accepts none.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .model import TERMINAL, Artifact, Part

MAX_TASKS = 1000
MAX_HISTORY = 100  # messages kept per task (the newest): a client cannot grow one task without bound


@dataclass
class HistoryMessage:
    role: str  # user | agent
    parts: tuple[Part, ...]
    message_id: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Task:
    """One task as the agent keeps it (neutral: each version renders it in its own shape)."""

    id: str
    context_id: str
    version: str
    state: str = "submitted"
    status: tuple[Part, ...] = ()  # the parts of the current status message (empty: none)
    history: list[HistoryMessage] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # states still to pass (a client that polls)
    pending_status: tuple[Part, ...] = ()
    pending_artifacts: list[Artifact] = field(default_factory=list)
    push: dict[str, dict[str, Any]] = field(default_factory=dict)  # config id -> {url, token, authentication}
    updated: float = field(default_factory=time.time)

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL

    def remember(self, message: HistoryMessage) -> None:
        self.history.append(message)
        del self.history[:-MAX_HISTORY]

    def enter(self, state: str) -> None:
        self.state = state
        self.updated = time.time()


def new_id() -> str:
    return str(uuid.uuid4())


class TaskStore:
    """Tasks by id, the oldest dropped beyond :data:`MAX_TASKS`; :meth:`locked` for changes that must not race."""

    def __init__(self) -> None:
        self._tasks: OrderedDict[str, Task] = OrderedDict()
        self._lock = threading.RLock()

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield

    def create(self, context_id: str, version: str) -> Task:
        task = Task(new_id(), context_id or new_id(), version)
        with self._lock:
            self._tasks[task.id] = task
            while len(self._tasks) > MAX_TASKS:
                self._tasks.popitem(last=False)
        return task

    def get(self, task_id: str) -> Task | None:
        with self._lock:
            return self._tasks.get(task_id)

    def forget(self, task_id: str) -> bool:
        with self._lock:
            return self._tasks.pop(task_id, None) is not None

    def all(self) -> list[Task]:
        with self._lock:
            return list(self._tasks.values())

    def clear(self) -> None:
        with self._lock:
            self._tasks.clear()
