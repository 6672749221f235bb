"""A web-serving agent under test as a real subprocess: started, awaited until it answers or prints its URL, stopped.

:class:`AgentServer` runs the command in its own process group with the environment it is
given (the mocks' exported variables included), copies its output (stdout and stderr, masked)
line by line to a log file and keeps the last lines for messages. :meth:`~AgentServer.wait_ready`
returns the agent's URL: the first one it prints (``pattern``: a regular expression, its first
group the URL when it has one), or the ``url`` given once anything answers there. Waiting is
bounded; a timeout or an early exit raises :class:`AgentServerError` naming the command, the URL
and the last output lines. :meth:`~AgentServer.stop` ends the whole group (SIGTERM, then
SIGKILL). No Robot Framework imports.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import shlex
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

from ..errors import AgentServerError
from ..secrets import SecretRegistry

URL = r"https?://[^\s'\"<>]+"  # the first URL the agent prints, unless the test says which
TAIL_LINES = 20
KEPT_LINES = 200
STOP_GRACE_S = 10.0


class AgentServer:
    def __init__(self, name: str, command: list[str], log: Path, secrets: SecretRegistry, *,
                 env: dict[str, str] | None = None, cwd: str | None = None) -> None:  # fmt: skip
        if not command:
            raise AgentServerError(f"Agent server '{name}': give the command that starts it, e.g. python agent.py.")
        self.name = name
        self.command = command
        self.log = log
        self.secrets = secrets
        self.url = ""
        self._lines: collections.deque[str] = collections.deque(maxlen=KEPT_LINES)
        self._printed: list[str] = []  # URLs seen in the output, in order (guarded by _lock)
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] = re.compile(URL)
        try:
            self.process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                cwd=cwd, start_new_session=True)  # fmt: skip
        except OSError as error:
            raise AgentServerError(f"Agent server '{name}' could not start: {self.shown()}: {error}. Check the "
                                   "command (give the interpreter: python agent.py) and cwd=.") from None  # fmt: skip
        assert self.process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True,
                                        name=f"agent-server-{name}")  # fmt: skip
        self._reader.start()

    def shown(self) -> str:
        return self.secrets.mask_text(shlex.join(self.command))

    def _read(self, stream: IO[bytes]) -> None:
        with self.log.open("w", encoding="utf-8") as log:
            for raw in iter(stream.readline, b""):
                line = self.secrets.mask_text(raw.decode("utf-8", "replace").rstrip("\r\n"))
                log.write(line + "\n")
                log.flush()
                with self._lock:
                    self._lines.append(line)
                    found = self._pattern.search(line)
                    if found:
                        self._printed.append(found.group(1) if found.re.groups else found.group(0))

    def tail(self, count: int = TAIL_LINES) -> str:
        with self._lock:
            lines = list(self._lines)[-count:]
        return "\n".join(lines) or "(no output)"

    def wait_ready(self, timeout_s: float, *, url: str | None = None, pattern: str | None = None) -> str:
        """The agent's URL once it printed one (``pattern``) or ``url`` answers; AgentServerError when it exits or
        ``timeout_s`` passes first."""
        if pattern is not None:
            try:
                compiled = re.compile(pattern)
            except re.error as error:
                raise AgentServerError(f"Agent server '{self.name}': url_pattern {pattern!r} is not a regular "
                                       f"expression: {error}.") from None  # fmt: skip
            with self._lock:
                self._pattern = compiled
                self._printed = [found.group(1) if compiled.groups else found.group(0)
                                 for line in self._lines if (found := compiled.search(line))]  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while True:
            ready = self._answers(url) if url else self._first_printed()
            if ready:
                self.url = ready
                return ready
            code = self.process.poll()
            if code is not None:
                self._reader.join(timeout=2)
                raise AgentServerError(f"Agent server '{self.name}' exited with code {code} before "
                                       f"{self._awaited(url)}.\nCommand: {self.shown()}\nLast output lines:\n"
                                       f"{self.tail()}")  # fmt: skip
            if time.monotonic() >= deadline:
                raise AgentServerError(f"Agent server '{self.name}' did not {self._awaited(url, verb=True)} within "
                                       f"{timeout_s:g} s (it is still running; raise timeout= if it starts slowly)."
                                       f"\nCommand: {self.shown()}\nLast output lines:\n{self.tail()}")  # fmt: skip
            time.sleep(0.05)

    def _awaited(self, url: str | None, verb: bool = False) -> str:
        if url:
            return f"answer at {url}" if verb else f"answering at {url}"
        what = f"a URL matching {self._pattern.pattern!r}"
        return f"print {what}" if verb else f"printing {what}"

    def _first_printed(self) -> str:
        with self._lock:
            return self._printed[0] if self._printed else ""

    @staticmethod
    def _answers(url: str) -> str:
        import httpx  # loaded when a test waits on a URL, not with the library

        try:
            httpx.get(url, timeout=1.0)
        except httpx.TransportError:
            return ""
        return url

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace_s: float = STOP_GRACE_S) -> int:
        """End the agent and every process it started (SIGTERM, then SIGKILL after ``grace_s``); its exit code."""
        if self.running:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout=grace_s)
        self._reader.join(timeout=5)
        return int(self.process.returncode)

    def _signal(self, number: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, number)
