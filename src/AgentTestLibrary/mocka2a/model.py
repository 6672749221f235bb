"""What a mock A2A agent is (card, rules, faults) and what passes through it, in neutral form.

:class:`A2ARequest` is one JSON-RPC call whatever the protocol version (A2A 1.0 or 0.3): the
neutral method, the message's parts and the task it continues; rules and faults match it and
the journal shows it. :class:`Scripted replies <A2AReplySpec>` are what a scenario writes: a
message, or a task that passes through states and carries artifacts; :class:`A2AReply` is what
the agent answered. The wire shapes of both versions live in :mod:`.codec`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..mock.conditions import Conditions
from ..mock.faults import Fault
from ..mock.fields import Pattern, spec
from ..mock.rulebook import Scripted
from ..mock.templates import fill, fill_data
from ..mockmcp.jsonrpc import Id, RpcError

VERSIONS = ("1.0", "0.3")  # the protocol versions served, newest first
STATES = ("submitted", "working", "input-required", "auth-required", "completed", "failed", "canceled", "rejected")
TERMINAL = frozenset({"completed", "failed", "canceled", "rejected"})
INTERRUPTED = frozenset({"input-required", "auth-required"})  # the task waits for the client's next message
METHODS = (
    "card",
    "send",
    "stream",
    "get",
    "list",
    "cancel",
    "subscribe",
    "push-set",
    "push-get",
    "push-list",
    "push-delete",
    "extended-card",
)
PART_KINDS = ("text", "data", "file")

# A2A's JSON-RPC error codes (the specification's error code mappings).
TASK_NOT_FOUND = -32001
TASK_NOT_CANCELABLE = -32002
PUSH_NOT_SUPPORTED = -32003
UNSUPPORTED_OPERATION = -32004
VERSION_NOT_SUPPORTED = -32009


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a message or artifact: text, JSON data, or a file (``name``, ``mimeType``, ``uri`` or ``bytes``)."""

    kind: str
    text: str | None = None
    data: Any = None
    file: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "text":
            return {"kind": "text", "text": self.text}
        if self.kind == "data":
            return {"kind": "data", "data": self.data}
        return {"kind": "file", "file": dict(self.file or {})}


@dataclass(frozen=True, slots=True)
class A2ARequest:
    """One call to the agent: the neutral method and, for messages, what the message says."""

    method: str
    version: str
    wire_method: str
    id: Id = None
    message_id: str = ""
    context_id: str = ""
    task_id: str = ""
    parts: tuple[Part, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    task_state: str = ""  # the state of the task a message continues ("" for a new task)
    blocking: bool = True
    push: Mapping[str, Any] | None = None  # a push notification config sent with the message (url, token, id)
    params: Mapping[str, Any] = field(default_factory=dict)  # as sent (for calls on tasks and push configs)
    problem: RpcError | None = None  # why the call cannot be answered (bad params, wrong version, no such task)

    @property
    def text(self) -> str:
        """The message's text parts, joined by newlines."""
        return "\n".join(part.text or "" for part in self.parts if part.kind == "text")

    @property
    def data(self) -> dict[str, Any]:
        """The message's data parts merged (later keys win); a part whose data is not an object is under ``value``."""
        merged: dict[str, Any] = {}
        for part in self.parts:
            if part.kind == "data":
                merged.update(part.data if isinstance(part.data, dict) else {"value": part.data})
        return merged

    @property
    def files(self) -> list[dict[str, Any]]:
        return [dict(part.file or {}) for part in self.parts if part.kind == "file"]

    @property
    def is_message(self) -> bool:
        return self.method in ("send", "stream")

    def values(self) -> dict[str, Any]:
        """What ``{{placeholders}}`` in a reply read: ``text``, ``data.*``, ``metadata.*``, ``task_id`` ..."""
        return {
            "text": self.text,
            "data": self.data,
            "metadata": dict(self.metadata),
            "task_id": self.task_id,
            "context_id": self.context_id,
            "message_id": self.message_id,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "wire_method": self.wire_method,
            "version": self.version,
            "id": self.id,
            "message_id": self.message_id,
            "context_id": self.context_id,
            "task_id": self.task_id,
            "task_state": self.task_state,
            "text": self.text,
            "data": self.data,
            "files": self.files,
            "parts": [part.to_dict() for part in self.parts],
            "metadata": dict(self.metadata),
            "blocking": self.blocking,
            "params": dict(self.params),
            "problem": self.problem.to_dict() if self.problem is not None else None,
        }


@dataclass(frozen=True)
class ArtifactSpec:
    """An artifact as written: its name and parts (``{{placeholders}}`` filled from the message)."""

    name: str
    parts: tuple[Part, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Artifact:
    artifact_id: str
    name: str
    parts: tuple[Part, ...]
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "artifact_id": self.artifact_id,
            "name": self.name,
            "description": self.description,
            "parts": [part.to_dict() for part in self.parts],
        }


@dataclass(frozen=True)
class A2AReplySpec:
    """A reply as written. ``message``: answer with a message, no task. Otherwise a task that passes through
    ``states`` (the last one is where it stops: terminal, or input-required / auth-required to wait for the
    client), with ``status`` as the text of its last status and ``artifacts``. Or a JSON-RPC ``error``."""

    message: tuple[Part, ...] | None = None
    states: tuple[str, ...] = ("working", "completed")
    status: str | None = None
    artifacts: tuple[ArtifactSpec, ...] = ()
    error: RpcError | None = None

    @property
    def kind(self) -> str:
        return "error" if self.error is not None else "message" if self.message is not None else "task"

    def build(self, request: A2ARequest, rule: str | None) -> A2AReply:
        values = request.values()
        budget = [4 * 1024 * 1024]
        if self.error is not None:
            error = RpcError(self.error.code, str(fill(self.error.message, values, budget)), self.error.data)
            return A2AReply("error", error=error, rule=rule)
        if self.message is not None:
            return A2AReply("message", parts=_filled(self.message, values, budget), rule=rule)
        status = fill(self.status, values, budget) if self.status is not None else None
        artifacts = tuple((item.name, item.description, _filled(item.parts, values, budget)) for item in self.artifacts)
        return A2AReply(
            "task", states=self.states, status=None if status is None else str(status), artifacts=artifacts, rule=rule
        )


def _filled(parts: tuple[Part, ...], values: dict[str, Any], budget: list[int]) -> tuple[Part, ...]:
    filled = []
    for part in parts:
        if part.kind == "text":
            text = fill(part.text or "", values, budget)
            filled.append(Part("text", text=text if isinstance(text, str) else _json_text(text)))
        elif part.kind == "data":
            filled.append(Part("data", data=fill_data(part.data, values, budget)))
        else:
            filled.append(Part("file", file=fill_data(dict(part.file or {}), values, budget)))
    return tuple(filled)


def _json_text(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


@dataclass(frozen=True, slots=True)
class A2AReply:
    """What the agent answered a message (before the version's wire shape), and the rule that chose it.

    For a task, ``states`` are the states it passed through in this exchange and ``artifacts``
    ``(name, description, parts)``; ``task_id`` / ``state`` say where it ended."""

    kind: str  # message | task | error | result (a call on a task or config) | card
    parts: tuple[Part, ...] = ()
    states: tuple[str, ...] = ()
    status: str | None = None
    artifacts: tuple[tuple[str, str, tuple[Part, ...]], ...] = ()
    error: RpcError | None = None
    rule: str | None = None
    task_id: str = ""
    state: str = ""
    result: Any = field(default=None, compare=False)  # the JSON-RPC result in the version's shape
    events: tuple[TaskEvent, ...] = field(default=(), compare=False)  # what happened, in the version's shape

    @property
    def text(self) -> str:
        """The reply's text: a message's text parts, else the last status text and the artifacts' text parts."""
        if self.kind == "message":
            return "\n".join(part.text or "" for part in self.parts if part.kind == "text")
        texts = [self.status or ""] if self.status else []
        texts += [part.text or "" for _, _, parts in self.artifacts for part in parts if part.kind == "text"]
        return "\n".join(texts)

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"kind": "error", "error": self.error.to_dict(), "rule": self.rule}
        return {
            "kind": self.kind,
            "text": self.text,
            "task_id": self.task_id,
            "state": self.state,
            "states": list(self.states),
            "parts": [part.to_dict() for part in self.parts],
            "artifacts": [
                {"name": name, "parts": [part.to_dict() for part in parts]} for name, _, parts in self.artifacts
            ],
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class TaskEvent:
    """One thing that happened to a task (or the message answered), as a stream result and as a push body."""

    kind: str  # task | message | status | artifact
    stream: dict[str, Any]
    push: dict[str, Any] | None = None  # None: not pushed (the task as it was when the call came, a message)
    state: str = ""  # a status event's state


@dataclass(frozen=True)
class A2AMatcher:
    """Conditions on a call: its method and version, the message's text, data, files and metadata, the state of
    the task it continues."""

    method: str | None = None
    version: str | None = None
    text: str | None = None
    text_contains: str | None = None
    text_matches: Pattern | None = None
    data: Conditions = field(default_factory=lambda: Conditions((), "data"))
    file: Conditions = field(default_factory=lambda: Conditions((), "file"))
    metadata: Conditions = field(default_factory=lambda: Conditions((), "metadata"))
    task_state: str | None = None

    def mismatches(self, request: A2ARequest) -> list[str]:
        reasons = []
        if self.method is not None and request.method != self.method:
            reasons.append(f"method is '{request.method}', wanted '{self.method}'")
        if self.version is not None and request.version != self.version:
            reasons.append(f"version is {request.version}, wanted {self.version}")
        text = request.text
        if self.text is not None and text.strip() != self.text:
            reasons.append(f"text is {_short(text)!r}, wanted {self.text!r}")
        if self.text_contains is not None and self.text_contains.lower() not in text.lower():
            reasons.append(f"text {_short(text)!r} does not contain {self.text_contains!r}")
        if self.text_matches is not None and not self.text_matches.search(text):
            reasons.append(f"text {_short(text)!r} does not match {self.text_matches!r}")
        if self.data:
            reasons.extend(self.data.mismatches(request.data))
        if self.file:
            files = request.files
            if not files:
                reasons.append("the message has no file part")
            elif all(self.file.mismatches(item) for item in files):
                reasons.extend(self.file.mismatches(files[0]))
        if self.metadata:
            reasons.extend(self.metadata.mismatches(dict(request.metadata)))
        if self.task_state is not None and request.task_state != self.task_state:
            now = f"continues a task in state {request.task_state}" if request.task_state else "starts a new task"
            reasons.append(f"the message {now}, wanted a task in state {self.task_state}")
        return reasons


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class A2ARule(Scripted["A2AMatcher", "A2AReplySpec"]):
    """Which calls a rule answers, and its reply (or a sequence of replies, one per matching call)."""


@dataclass(frozen=True)
class A2AFault(Fault):
    """A fault with A2A's own effects besides the HTTP ones: a JSON-RPC error, a task that fails, a task that is
    gone (expired: the call gets TaskNotFound and the task is forgotten)."""

    rpc_error: int | None = field(
        default=None, metadata=spec("int", minimum=-(2**31), maximum=2**31 - 1, expected="a JSON-RPC error code")
    )
    fail_task: bool | None = field(default=None, metadata=spec("bool"))
    expire_task: bool | None = field(default=None, metadata=spec("bool"))

    @property
    def breaks_response(self) -> bool:
        return super().breaks_response or any((self.rpc_error is not None, self.fail_task, self.expire_task))

    @property
    def replaces_answer(self) -> bool:
        return super().replaces_answer or bool(self.expire_task)

    def describe(self) -> str:
        parts = [super().describe()]
        if self.rpc_error is not None:
            parts.append(f"JSON-RPC error {self.rpc_error}")
        if self.fail_task:
            parts.append("task failed")
        if self.expire_task:
            parts.append("task expired (TaskNotFound)")
        return ", ".join(parts).replace(": no effect, ", ": ")


@dataclass(frozen=True)
class Skill:
    id: str
    name: str
    description: str = ""
    tags: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()

    def card(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "tags": list(self.tags),
        }
        if self.examples:
            data["examples"] = list(self.examples)
        return data


@dataclass(frozen=True)
class AgentSpec:
    """One mock A2A agent as a scenario declares it."""

    name: str = "agent"
    description: str = "A mock A2A agent (AgentTestLibrary)."
    agent_version: str = "1.0.0"
    skills: tuple[Skill, ...] = ()
    streaming: bool = True
    push_notifications: bool = True
    input_modes: tuple[str, ...] = ("text/plain", "application/json")
    output_modes: tuple[str, ...] = ("text/plain", "application/json")
    versions: tuple[str, ...] = VERSIONS
    rules: tuple[A2ARule, ...] = ()
    faults: tuple[A2AFault, ...] = ()
    strict: bool = True
    source: str = "<no scenario>"


ECHO_REPLY = A2AReplySpec(message=(Part("text", text="{{text}}"),))  # a message with the text sent
ECHO_AGENT = AgentSpec(
    rules=(A2ARule("echo", A2AMatcher(), (ECHO_REPLY,), "built-in echo"),),
    strict=False,
    source="<built-in echo agent>",
)
