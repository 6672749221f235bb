"""Push notifications of a mock A2A agent: each task event POSTed to the client's URL, in order, off the request path.

Only loopback URLs are ever accepted (:func:`~.methods.check_push`), and the POST goes straight
to them (no proxy from the environment). One worker thread per agent sends them one after
another with a bounded timeout; every delivery is journaled as a ``push`` entry (the URL, the
body, the status the client answered, 0 when it could not be reached), so tests can assert on
them. The queue is bounded: beyond it, notifications are dropped and journaled as dropped.
"""

from __future__ import annotations

import http.client
import queue
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from ..mock import jsonio
from ..mock.journal import Journal

MAX_QUEUED = 1000
TIMEOUT_S = 5.0
TOKEN_HEADER = "X-A2A-Notification-Token"


class Pusher:
    """Sends push notifications in order on one worker thread, started with the first one."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._queue: queue.Queue[tuple[str, dict[str, str], Any] | None] = queue.Queue(MAX_QUEUED)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def send(self, config: dict[str, Any], body: Any) -> None:
        headers = {"content-type": "application/json"}
        if config.get("token"):
            headers[TOKEN_HEADER] = str(config["token"])
        authentication = config.get("authentication") or {}
        if authentication.get("scheme") and authentication.get("credentials"):
            headers["authorization"] = f"{authentication['scheme']} {authentication['credentials']}"
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="a2a-push", daemon=True)
                self._thread.start()
        try:
            self._queue.put_nowait((str(config["url"]), headers, body))
        except queue.Full:
            self._record(str(config["url"]), body, 0, f"dropped: more than {MAX_QUEUED} notifications queued")

    def wait(self, timeout_s: float) -> bool:
        """Whether every queued notification was delivered (or failed) within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(TIMEOUT_S)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._deliver(*item)
            finally:
                self._queue.task_done()

    def _deliver(self, url: str, headers: dict[str, str], body: Any) -> None:
        parts = urlsplit(url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = kind(parts.hostname or "127.0.0.1", parts.port, timeout=TIMEOUT_S)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", target, jsonio.dumps(body), headers)
            response = connection.getresponse()
            response.read()
            error = "" if response.status < 400 else f"the client answered HTTP {response.status}"
            self._record(url, body, response.status, error)
        except (OSError, http.client.HTTPException) as failure:
            self._record(url, body, 0, f"not delivered: {type(failure).__name__}: {failure}")
        finally:
            connection.close()

    def _record(self, url: str, body: Any, status: int, error: str) -> None:
        self.journal.record(
            method="POST", path=url, status=status, protocol=None, kind="push", transport="push", body=body, error=error
        )
