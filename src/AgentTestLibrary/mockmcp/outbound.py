"""Server-to-client traffic during a tool call: notifications, and questions the client must answer first.

A tool reply with ``steps`` is answered as a stream (:class:`ToolCallStream`, a
:class:`~..mock.feed.Feed`): each step's notification (``notifications/message``,
``notifications/progress`` for the call's ``progressToken``, any other) goes out as an SSE
``message`` event at its scripted time; an ``elicit`` or ``sample`` step sends the client a
request (:class:`~.model.ServerRequest`) and waits for its answer, which the client POSTs
separately (:meth:`Outbox.answer`). The answer fills ``{{elicitation.x}}`` / ``{{sampling.x}}``
in later steps and in the result; a declined or cancelled elicitation takes the reply's
``declined`` / ``cancelled`` answer when it has one. Every question and its answer (or why
there was none) is journaled as a ``server-request`` entry.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict, deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..mock.feed import Feed, Signal, Step
from ..mock.http import Event
from ..mock.templates import fill_data
from .model import ASKS, LOG_LEVELS, ClientAnswer, McpReply, McpRequest, ServerRequest, ToolReply

if TYPE_CHECKING:
    from ..mock.journal import Journal
    from .app import Session

KEEP_ALIVE_S = 15.0  # a comment line on an idle standalone stream, so proxies and clients keep it open
MAX_NOTICES = 1000  # queued per session for its standalone stream; the oldest are dropped beyond this
ANSWER_TIMEOUT_S = 120.0  # how long a question waits for the client (a person may be filling a form)
MAX_OPEN_QUESTIONS = 1000
CAPABILITIES = {"elicitation/create": "elicitation", "sampling/createMessage": "sampling"}


class Outbox:
    """The questions a server has sent and not yet seen answered, by request id (ids are unique per server)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._open: OrderedDict[str, tuple[ServerRequest, Signal]] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def ask(self, method: str, params: dict[str, Any], call: McpRequest) -> tuple[ServerRequest, Signal]:
        question = ServerRequest(method, f"agenttest-{next(self._ids)}", params, call.session, call.tool)
        signal = Signal(ANSWER_TIMEOUT_S)
        with self._lock:
            self._open[question.id] = (question, signal)
            while len(self._open) > MAX_OPEN_QUESTIONS:
                _, (_, dropped) = self._open.popitem(last=False)
                dropped.set(None)
        return question, signal

    def answer(self, message_id: Any, payload: dict[str, Any]) -> bool:
        """The client's response (``{"result": ...}`` or ``{"error": ...}``); False when no question has that id."""
        with self._lock:
            found = self._open.get(str(message_id)) if isinstance(message_id, (str, int)) else None
        return found is not None and found[1].set(payload)

    def settle(self, question: ServerRequest, signal: Signal, why_not: str) -> ClientAnswer:
        """The answer (or ``why_not`` without one), journaled with the question; the question closes."""
        with self._lock:
            self._open.pop(question.id, None)
        signal.set(None)  # a late answer finds nothing to wake
        payload = signal.value if isinstance(signal.value, dict) else {}
        result, error = payload.get("result"), payload.get("error")
        answer = ClientAnswer(question.method, result if isinstance(result, dict) else None,
                              error if isinstance(error, dict) else None, "" if payload else why_not)  # fmt: skip
        self.journal.record(method="POST", path="/mcp", status=200 if payload else 0, protocol="mcp",
                            kind="server-request", subject=question, reply=answer,
                            error=answer.unanswered)  # fmt: skip
        return answer


class ToolCallStream(Feed):
    """A tool call answered as a stream: its reply's steps, then the result built from the client's answers."""

    def __init__(self, outbox: Outbox, call: McpRequest, script: ToolReply, rule: str | None,
                 session: Session | None) -> None:  # fmt: skip
        self.outbox = outbox
        self.call = call
        self.script = script
        self.rule = rule
        self.capabilities = session.capabilities if session else {}
        self.log_level = session.log_level if session else ""
        self._open: tuple[ServerRequest, Signal] | None = None

    def steps(self) -> Iterator[Step]:
        values: dict[str, Any] = dict(self.call.arguments)
        meta = self.call.params.get("_meta")
        token = meta.get("progressToken") if isinstance(meta, dict) else None
        reply: ToolReply | McpReply = self.script
        for step in self.script.steps:
            if step.after_ms:
                yield step.after_ms / 1000
            if step.kind not in ASKS:
                message = step.message(values, token)
                if message is not None and self._shown(message):
                    yield Event(message, "message")
                continue
            method = ASKS[step.kind]
            if CAPABILITIES[method] not in self.capabilities:
                reply = _failed(f"the client did not declare the '{CAPABILITIES[method]}' capability, so this server "
                                f"cannot send it {method} (tool '{self.call.tool}')", self.rule)  # fmt: skip
                break
            self._open = self.outbox.ask(method, fill_data(step.params, values), self.call)
            question, signal = self._open
            yield Event(question.message(), "message")
            yield signal
            self._open = None
            answer = self.outbox.settle(question, signal, f"no answer within {signal.timeout_s:g} s")
            values[step.name] = answer.values
            if answer.error is not None or answer.unanswered:
                why = answer.unanswered or f"error {answer.error}"
                reply = _failed(f"the client did not answer {method}: {why}", self.rule)
                break
            alternative = {"decline": self.script.declined, "cancel": self.script.cancelled}.get(answer.action)
            if alternative is not None:
                reply = alternative
                break
        built = reply if isinstance(reply, McpReply) else reply.build(self.call, self.rule, values)
        if self.entry is not None:
            self.entry.reply = built
        yield Event(built.message(self.call.id), "message")

    def _shown(self, message: dict[str, Any]) -> bool:
        """Log messages below the level the client set (``logging/setLevel``) are not sent."""
        if message["method"] != "notifications/message" or not self.log_level:
            return True
        level = message["params"].get("level")
        return level not in LOG_LEVELS or LOG_LEVELS.index(level) >= LOG_LEVELS.index(self.log_level)

    def close(self) -> None:
        if self._open is not None:
            question, signal = self._open
            self.outbox.settle(question, signal, "the client closed the stream before answering")
            self._open = None
        if self.entry is not None and self.entry.reply is not None and self.entry.reply.script is not None:
            self.entry.reply = McpReply(rule=self.rule, error=None, result=None)
            self.entry.error = "the client closed the tool call's stream before its result"


def _failed(text: str, rule: str | None) -> McpReply:
    return McpReply({"content": [{"type": "text", "text": f"AgentTestLibrary mock MCP server: {text}."}],
                     "isError": True}, rule=rule)  # fmt: skip


class Notices:
    """What a session's standalone stream (``GET /mcp``) sends next: notifications queued from any thread."""

    def __init__(self) -> None:
        self._queue: deque[dict[str, Any]] = deque(maxlen=MAX_NOTICES)
        self._lock = threading.Lock()
        self._signal = Signal(KEEP_ALIVE_S)
        self.closed = False

    def put(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._queue.append(message)
            signal = self._signal
        signal.set()

    def close(self) -> None:
        """The session ended: its streams end."""
        self.closed = True
        with self._lock:
            signal = self._signal
        signal.set()

    def take(self) -> tuple[list[dict[str, Any]], Signal]:
        """Everything queued, and a signal set when more arrives (or the session ends)."""
        with self._lock:
            taken = list(self._queue)
            self._queue.clear()
            if self._signal.done:
                self._signal = Signal(KEEP_ALIVE_S)
            return taken, self._signal


class StandaloneStream(Feed):
    """``GET /mcp``: the session's notifications (list changes, resource updates) as they are queued."""

    def __init__(self, notices: Notices) -> None:
        self.notices = notices

    def steps(self) -> Iterator[Step]:
        yield Event(None, raw=b": agenttest standalone stream\n\n")
        while not self.notices.closed:
            messages, signal = self.notices.take()
            for message in messages:
                yield Event(message, "message")
            if not messages:
                yield signal
                if not signal.done:
                    yield Event(None, raw=b": keep-alive\n\n")
