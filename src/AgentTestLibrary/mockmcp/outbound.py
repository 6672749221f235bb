"""Server-to-client traffic: notifications and questions to the client before an answer, and notification streams.

A tool reply (or a prompt) with ``steps`` is a :class:`~.model.Script`. On the handshake
revisions it is answered as a stream (:class:`ScriptStream`, a :class:`~..mock.feed.Feed`):
each step's notification (``notifications/message``, ``notifications/progress`` for the call's
``progressToken``, any other) goes out as an SSE ``message`` event at its scripted time; an
``elicit``, ``sample`` or ``roots`` step sends the client a request
(:class:`~.model.ServerRequest`) and waits for its answer, which the client POSTs separately
(:meth:`Outbox.answer`). On the stateless revision the questions come as ``input_required``
rounds instead (:func:`answer_in_rounds`, state sealed by :class:`RequestState`). Answers
fill ``{{elicitation.x}}`` / ``{{sampling.x}}`` / ``{{roots.x}}`` in later steps and in the
result; a declined or cancelled form takes the reply's ``declined`` / ``cancelled`` answer
when it has one. Every question and its answer (or why there was none) is journaled as a
``server-request`` entry. List changes and resource updates reach clients on their session's
standalone stream (:class:`StandaloneStream`, ``GET /mcp``) or a ``subscriptions/listen``
stream (:class:`Listener`), queued in :class:`Notices`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..mock.feed import Feed, Signal
from ..mock.feed import Step as FeedStep
from ..mock.http import Event
from ..mock.templates import fill_data
from . import stateless
from .jsonrpc import INVALID_PARAMS, RpcError
from .model import ASKS, CAPABILITIES, LOG_LEVELS, ClientAnswer, McpReply, McpRequest, Script, ServerRequest, Step

if TYPE_CHECKING:
    from ..mock.journal import Journal
    from .app import MockMCP, Session

KEEP_ALIVE_S = 15.0  # a comment line on an idle standalone stream, so proxies and clients keep it open
MAX_NOTICES = 1000  # queued per session for its standalone stream; the oldest are dropped beyond this
MAX_OPEN_QUESTIONS = 1000


class Outbox:
    """The questions a server has sent and not yet seen answered, by request id (ids are unique per server)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._open: OrderedDict[str, tuple[ServerRequest, Signal]] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def ask(self, method: str, params: dict[str, Any], call: McpRequest, timeout_s: float) -> tuple[ServerRequest,
                                                                                                   Signal]:  # fmt: skip
        """Open a question; its signal is set by the client's answer (or ends waiting after ``timeout_s``)."""
        question = ServerRequest(method, f"agenttest-{next(self._ids)}", params, call.session, call.tool)
        signal = Signal(timeout_s)
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
        self.record(question, answer)
        return answer

    def record(self, question: ServerRequest, answer: ClientAnswer) -> None:
        """Journal a question to the client with its answer (or why there was none)."""
        self.journal.record(method="POST", path="/mcp", status=0 if answer.unanswered else 200, protocol="mcp",
                            kind="server-request", subject=question, reply=answer,
                            error=answer.unanswered)  # fmt: skip


class ScriptStream(Feed):
    """A request (a tool call, a prompt) answered as a stream: its script's steps, then the result built from the
    client's answers."""

    def __init__(self, server: MockMCP, call: McpRequest, script: Script, rule: str | None,
                 session: Session | None) -> None:  # fmt: skip
        self.server = server
        self.outbox = server.outbox
        self.call = call
        self.script = script
        self.rule = rule
        self.capabilities = stateless.client_capabilities(call.params) if call.stateless else (
            session.capabilities if session else {})  # fmt: skip
        # the level log notifications start at: a handshake session's setLevel (all without one); a stateless
        # request's _meta logLevel (none without one)
        self.log_level = stateless.log_level(call.params) if call.stateless else (
            session.log_level if session else "") or "debug"  # fmt: skip
        self._open: tuple[ServerRequest, Signal] | None = None

    def steps(self) -> Iterator[FeedStep]:
        values: dict[str, Any] = dict(self.script.values)
        meta = self.call.params.get("_meta")
        token = meta.get("progressToken") if isinstance(meta, dict) else None
        reply: McpReply | None = None
        for step in self.script.steps:
            if step.after_ms:
                yield step.after_ms / 1000
            if step.kind not in ASKS:
                message = step.message(values, token)
                if message is not None and step.params.get("to") == "all":  # e.g. a list change, to every client
                    updated = message["method"] == "notifications/resources/updated"
                    self.server.notify_all(message["method"], message["params"],
                                           message["params"].get("uri") if updated else None)  # fmt: skip
                elif message is not None and self._shown(message):
                    yield Event(message, "message")
                continue
            method = ASKS[step.kind]
            if CAPABILITIES[method] not in self.capabilities:
                if not step.required:  # a server only asks what the client declared it can answer
                    values[step.name] = {"action": "unsupported"}
                    continue
                reply = _failed(f"the client did not declare the '{CAPABILITIES[method]}' capability, so this server "
                                f"cannot send it {method} ({self.call.method} {self._what})", self.rule)  # fmt: skip
                break
            self._open = self.outbox.ask(method, fill_data(step.params, values), self.call,
                                         self.server.spec.answer_timeout_s)  # fmt: skip
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
            reply = self.script.finish(values, answer.action) if answer.action in ("decline", "cancel") else None
            if reply is not None:
                break
        built = reply or self.script.finish(values, "") or McpReply(rule=self.rule)
        if self.call.stateless:
            built = stateless.finished(self.call.method, built)[1]
        if self.entry is not None:
            self.entry.reply = built
        yield Event(built.message(self.call.id), "message")

    @property
    def _what(self) -> str:
        return repr(self.call.params.get("name", ""))

    def _shown(self, message: dict[str, Any]) -> bool:
        """Log messages below the level the client asked for are not sent (none when it asked for none)."""
        if message["method"] != "notifications/message":
            return True
        if self.log_level not in LOG_LEVELS:
            return False
        level = message["params"].get("level")
        return level not in LOG_LEVELS or LOG_LEVELS.index(level) >= LOG_LEVELS.index(self.log_level)

    def close(self) -> None:
        if self._open is not None:
            question, signal = self._open
            self.outbox.settle(question, signal, "the client closed the stream before answering")
            self._open = None
        if self.entry is not None and self.entry.reply is not None and self.entry.reply.script is not None:
            self.entry.reply = McpReply(rule=self.rule, error=None, result=None)
            self.entry.error = f"the client closed the {self.call.method} stream before its result"


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

    def opening(self) -> Event:
        return Event(None, raw=b": agenttest standalone stream\n\n")

    def steps(self) -> Iterator[FeedStep]:
        yield self.opening()
        while not self.notices.closed:
            messages, signal = self.notices.take()
            for message in messages:
                yield Event(message, "message")
            if not messages:
                yield signal
                if not signal.done:
                    yield Event(None, raw=b": keep-alive\n\n")


FILTERS = {"notifications/tools/list_changed": "toolsListChanged", "notifications/prompts/list_changed":
           "promptsListChanged", "notifications/resources/list_changed": "resourcesListChanged"}  # fmt: skip


class Listener(StandaloneStream):
    """``subscriptions/listen`` (stateless revision): an acknowledgment first, then the notifications the client's
    filter asked for, each tagged with the subscription's id (the listen request's id); a graceful result when the
    server ends it."""

    def __init__(self, request_id: Any, wanted: dict[str, Any], on_close: Callable[[Listener], None]) -> None:
        super().__init__(Notices())
        self.id = request_id
        self.kinds = {key for key in FILTERS.values() if wanted.get(key) is True}
        uris = wanted.get("resourceSubscriptions")
        self.uris = {uri for uri in uris if isinstance(uri, str)} if isinstance(uris, list) else set()
        self.on_close = on_close

    def _tagged(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        meta = {**params.get("_meta", {}), f"{stateless.META}subscriptionId": self.id}
        return {"jsonrpc": "2.0", "method": method, "params": {**params, "_meta": meta}}

    def offer(self, method: str, params: dict[str, Any], uri: str | None) -> None:
        """Queue a notification when the filter asked for it."""
        if (uri is not None and uri in self.uris) or (uri is None and FILTERS.get(method) in self.kinds):
            self.notices.put(self._tagged(method, params))

    def opening(self) -> Event:
        agreed: dict[str, Any] = {kind: True for kind in sorted(self.kinds)}
        if self.uris:
            agreed["resourceSubscriptions"] = sorted(self.uris)
        return Event(self._tagged("notifications/subscriptions/acknowledged", {"notifications": agreed}), "message")

    def steps(self) -> Iterator[FeedStep]:
        yield from super().steps()
        result = {"resultType": "complete", "_meta": {f"{stateless.META}subscriptionId": self.id}}
        yield Event({"jsonrpc": "2.0", "id": self.id, "result": result}, "message")
        self.on_close(self)

    def close(self) -> None:
        self.on_close(self)


class RequestState:
    """The stateless revision's ``requestState``: what a tool call has gathered so far, signed so that a client
    cannot change it (the specification asks servers to treat it as attacker-controlled)."""

    def __init__(self) -> None:
        self._key = os.urandom(32)

    def seal(self, data: dict[str, Any]) -> str:
        payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()
        return f"{payload}.{self._sign(payload)}"

    def open(self, state: Any) -> dict[str, Any]:
        payload, _, signature = str(state).rpartition(".")
        if not payload or not hmac.compare_digest(signature, self._sign(payload)):
            raise RpcError(INVALID_PARAMS, "Invalid params: requestState failed its integrity check (it must be "
                                           "echoed exactly as this server sent it).")  # fmt: skip
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return data if isinstance(data, dict) else {}

    def _sign(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()


def input_rounds(steps: tuple[Step, ...]) -> list[list[Step]]:
    """The questions of a reply grouped as the stateless revision asks them: one round each, or with the question
    before it (``together: true``)."""
    rounds: list[list[Step]] = []
    for step in steps:
        if step.kind in ASKS:
            if not (step.together and rounds):
                rounds.append([])
            rounds[-1].append(step)
    return rounds


def answer_in_rounds(call: McpRequest, script: Script, *, outbox: Outbox, states: RequestState,
                     rule: str | None) -> McpReply:  # fmt: skip
    """A stateless request whose answer asks the client: an ``input_required`` result with the next round's
    questions and a sealed ``requestState``, until the client's retries have answered every round; then what the
    script builds from the answers (early, when the client declined and the script has a reply for that)."""
    state = states.open(call.params["requestState"]) if "requestState" in call.params else {}
    done, values = int(state.get("round", 0)), {**script.values, **state.get("values", {})}
    responses = call.params.get("inputResponses", {})
    if not isinstance(responses, dict) or not all(isinstance(item, dict) for item in responses.values()):
        raise RpcError(INVALID_PARAMS, "Invalid params: inputResponses maps each question's key to the client's "
                                       "result (an object).")  # fmt: skip
    capabilities = stateless.client_capabilities(call.params)
    rounds = input_rounds(script.steps)
    what = str(call.params.get("name", call.method))
    while done < len(rounds):
        asked = [step for step in rounds[done] if CAPABILITIES[ASKS[step.kind]] in capabilities]
        missing = [step for step in rounds[done] if step.required and step not in asked]
        if missing:
            needed: dict[str, Any] = {CAPABILITIES[ASKS[step.kind]]: {} for step in missing}
            raise RpcError(stateless.MISSING_REQUIRED_CLIENT_CAPABILITY, f"'{what}' needs the client capabilities "
                           f"{', '.join(needed)}, which the request does not declare.",
                           {"requiredCapabilities": needed})  # fmt: skip
        if asked and not all(step.name in responses for step in asked):
            questions = {step.name: {"method": ASKS[step.kind], "params": fill_data(step.params, values)}
                         for step in asked}  # fmt: skip
            sealed = states.seal({"round": done, "values": values, "for": what})
            return McpReply({"resultType": "input_required", "inputRequests": questions, "requestState": sealed},
                            rule=rule)  # fmt: skip
        for step in rounds[done]:
            answered = responses.get(step.name)
            if step not in asked:
                values[step.name] = {"action": "unsupported"}
                continue
            method = ASKS[step.kind]
            answer = ClientAnswer(method, answered if isinstance(answered, dict) else None)
            outbox.record(ServerRequest(method, step.name, fill_data(step.params, values), "", call.tool), answer)
            values[step.name] = answer.values
            declined = script.finish(values, answer.action) if answer.action in ("decline", "cancel") else None
            if declined is not None:
                return declined
        responses, done = {}, done + 1  # the next round needs answers of its own
    built = script.finish(values, "")
    assert built is not None
    return built
