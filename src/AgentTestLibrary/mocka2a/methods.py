"""The A2A calls a mock agent answers: one handler per neutral method, in a dispatch table.

A message (``send``, ``stream``) is answered by the first rule that matches it: a message, or a
task that passes through the rule's states (all of them for a client that waits or streams,
one per poll for a client that asked to be answered at once); with no rule, a strict agent fails
the task and says the near miss, a lenient one echoes the text. Calls on tasks (get, list,
cancel, subscribe) and on push configs follow the specification's errors: TaskNotFound,
TaskNotCancelable, UnsupportedOperation for a terminal task, PushNotificationNotSupported.
Every handler returns the neutral :class:`~.model.A2AReply` with the wire result and the events
(stream results and push bodies) in the call's version.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..mock.pipeline import LOOPBACK_HOSTS
from ..mockmcp.jsonrpc import INVALID_PARAMS, RpcError
from .codec import CODECS, Codec, card
from .model import (
    ECHO_REPLY,
    PUSH_NOT_SUPPORTED,
    TASK_NOT_CANCELABLE,
    TASK_NOT_FOUND,
    UNSUPPORTED_OPERATION,
    A2AReply,
    A2AReplySpec,
    A2ARequest,
    Part,
    TaskEvent,
)
from .tasks import HistoryMessage, Task, new_id

if TYPE_CHECKING:
    from .app import MockA2A

MAX_PUSH_CONFIGS = 10  # per task: a client cannot fan one state change out without bound
UNMATCHED_TEXT = "AgentTestLibrary mock A2A agent: no rule answers this message (strict mode)"


@dataclass(frozen=True)
class Handled:
    reply: A2AReply
    unmatched: bool = False
    near_miss: str = ""


def task_not_found(task_id: str) -> RpcError:
    return RpcError(TASK_NOT_FOUND, f"Task not found: {task_id[:80]!r} is unknown to this agent (or expired).")


def _task(agent: MockA2A, task_id: str) -> Task:
    task = agent.tasks.get(task_id)
    if task is None:
        raise task_not_found(task_id)
    return task


def _status(codec: Codec, task: Task, final: bool = True) -> TaskEvent:
    stream = codec.status_event(task, final=final)
    return TaskEvent("status", stream, codec.push_body(task, stream), task.state)


# -- messages ------------------------------------------------------------------------------------


def message(agent: MockA2A, request: A2ARequest) -> Handled:
    if request.method == "stream" and not agent.spec.streaming:
        raise RpcError(UNSUPPORTED_OPERATION, "Streaming is not supported: this agent's card says streaming: false.")
    if request.push is not None:
        check_push(agent, request.push)
    match = agent.rulebook.choose(request)
    unmatched, near_miss = False, ""
    if match.rule is not None:
        spec, rule = match.reply, match.rule.name
    elif agent.spec.strict:
        unmatched, near_miss = True, match.near_miss
        spec = A2AReplySpec(states=("failed",), status=f"{UNMATCHED_TEXT}: {near_miss}")
        rule = None
    else:
        spec, rule = ECHO_REPLY, "<default: echo>"
    built: A2AReply = spec.build(request, rule)
    if built.kind == "error":
        return Handled(built, unmatched, near_miss)
    codec = CODECS[request.version]
    existing = agent.tasks.get(request.task_id) if request.task_id else None
    if built.kind == "message":
        reply = HistoryMessage("agent", built.parts, new_id())
        answer = codec.message_out(reply, existing, context_id=request.context_id or new_id())
        sent = (TaskEvent("message", codec.message_event(answer)),)
        return Handled(
            dataclasses.replace(built, result=codec.send_result(None, answer), events=sent), unmatched, near_miss
        )
    with agent.tasks.locked():
        task = existing or agent.tasks.create(request.context_id, request.version)
        task.remember(HistoryMessage("user", request.parts, request.message_id or new_id(), dict(request.metadata)))
        if request.push is not None:
            _add_push(task, request.push)
        events: list[TaskEvent] = [TaskEvent("task", codec.task_event(task))]
        status = (Part("text", text=built.status),) if built.status else ()
        task.pending = list(built.states)
        task.pending_status = status
        task.pending_artifacts = [
            agent.artifact(name, description, parts) for name, description, parts in built.artifacts
        ]
        if request.blocking or request.method == "stream":
            events += run(codec, task)
            result = codec.send_result(task, None)
        else:  # answered at once: polls pass the states, or, when the client wants pushes, they follow now
            result = codec.send_result(task, None)
            if task.push:
                events += run(codec, task)
        final = dataclasses.replace(
            built, task_id=task.id, state=task.state, states=_states(events), result=result, events=tuple(events)
        )
    return Handled(final, unmatched, near_miss)


def run(codec: Codec, task: Task, steps: int | None = None) -> list[TaskEvent]:
    """Pass ``steps`` pending states (all when None): a status event each, the artifacts just before the last."""
    events: list[TaskEvent] = []
    passed = 0
    while task.pending and (steps is None or passed < steps):
        last = len(task.pending) == 1
        if last:
            for artifact in task.pending_artifacts:
                task.artifacts.append(artifact)
                stream = codec.artifact_event(task, artifact)
                events.append(TaskEvent("artifact", stream, codec.push_body(task, stream)))
            task.pending_artifacts = []
            task.status = task.pending_status
            if task.status:
                task.remember(HistoryMessage("agent", task.status, new_id()))
        task.enter(task.pending.pop(0))
        events.append(_status(codec, task, final=last))
        passed += 1
    return events


# -- tasks ---------------------------------------------------------------------------------------


def get(agent: MockA2A, request: A2ARequest) -> Handled:
    codec = CODECS[request.version]
    with agent.tasks.locked():
        task = _task(agent, request.task_id)
        events = run(codec, task, steps=1)
        length = request.params.get("historyLength")
        result = codec.task_out(task, length if isinstance(length, int) and length >= 0 else None)
    return Handled(
        A2AReply(
            "result",
            task_id=task.id,
            state=task.state,
            states=_states(events),
            result=result,
            events=tuple(events),
            rule="get task",
        )
    )


def list_tasks(agent: MockA2A, request: A2ARequest) -> Handled:
    codec = CODECS[request.version]
    context = request.params.get("contextId")
    tasks = [task for task in agent.tasks.all() if not context or task.context_id == context]
    listed = [codec.task_out(task, 0) for task in reversed(tasks)]
    result = {"tasks": listed, "nextPageToken": "", "pageSize": len(listed), "totalSize": len(listed)}
    return Handled(A2AReply("result", result=result, rule="list tasks"))


def cancel(agent: MockA2A, request: A2ARequest) -> Handled:
    codec = CODECS[request.version]
    with agent.tasks.locked():
        task = _task(agent, request.task_id)
        if task.terminal:
            raise RpcError(
                TASK_NOT_CANCELABLE, f"Task {task.id} is {task.state}: a task in a terminal state cannot be canceled."
            )
        task.pending, task.pending_artifacts = [], []
        task.enter("canceled")
        events = (_status(codec, task),)
        result = codec.task_out(task)
    return Handled(
        A2AReply(
            "result",
            task_id=task.id,
            state=task.state,
            states=("canceled",),
            result=result,
            events=events,
            rule="cancel task",
        )
    )


def subscribe(agent: MockA2A, request: A2ARequest) -> Handled:
    if not agent.spec.streaming:
        raise RpcError(UNSUPPORTED_OPERATION, "Streaming is not supported: this agent's card says streaming: false.")
    codec = CODECS[request.version]
    with agent.tasks.locked():
        task = _task(agent, request.task_id)
        if task.terminal:
            raise RpcError(UNSUPPORTED_OPERATION, f"Task {task.id} is {task.state}: there is nothing to subscribe to.")
        events = [TaskEvent("task", codec.task_event(task)), *run(codec, task)]
    return Handled(
        A2AReply(
            "result",
            task_id=task.id,
            state=task.state,
            states=_states(events),
            events=tuple(events),
            rule="subscribe to task",
        )
    )


def _states(events: list[TaskEvent]) -> tuple[str, ...]:
    return tuple(event.state for event in events if event.kind == "status")


# -- push notification configs -------------------------------------------------------------------


def check_push(agent: MockA2A, config: Mapping[str, Any]) -> None:
    """Push configs are refused unless the card offers push notifications and the URL is on this machine."""
    _push_supported(agent)
    url = str(config.get("url", ""))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (parts.hostname or "") not in LOOPBACK_HOSTS:
        raise RpcError(
            INVALID_PARAMS,
            f"Invalid params: push notification URL {url[:100]!r} is not on this "
            "machine; a mock agent calls back only to http://127.0.0.1, localhost or "
            "[::1].",
        )


def push_set(agent: MockA2A, request: A2ARequest) -> Handled:
    codec = CODECS[request.version]
    task_id, config = codec.push_in(request.params)
    check_push(agent, config)
    with agent.tasks.locked():
        config_id = _add_push(_task(agent, task_id), config)
    return _pushed(task_id, codec.push_out(task_id, config_id, config), "set push notification config")


def _add_push(task: Task, config: Mapping[str, Any]) -> str:
    config_id = str(config.get("id") or new_id())
    if config_id not in task.push and len(task.push) >= MAX_PUSH_CONFIGS:
        raise RpcError(INVALID_PARAMS, f"Invalid params: task {task.id} already has {MAX_PUSH_CONFIGS} push "
                                       "notification configs; delete one first.")  # fmt: skip
    task.push[config_id] = dict(config)
    return config_id


def push_get(agent: MockA2A, request: A2ARequest) -> Handled:
    codec, task, config_id = _push_ref(agent, request)
    config = task.push.get(config_id) if config_id else next(iter(task.push.values()), None)
    if config is None:
        raise RpcError(TASK_NOT_FOUND, f"Push notification config {config_id!r} of task {task.id} not found.")
    chosen = config_id or next(iter(task.push))
    return _pushed(task.id, codec.push_out(task.id, chosen, config), "get push notification config")


def push_list(agent: MockA2A, request: A2ARequest) -> Handled:
    codec, task, _ = _push_ref(agent, request)
    return _pushed(task.id, codec.push_list_out(task.id, dict(task.push)), "list push notification configs")


def push_delete(agent: MockA2A, request: A2ARequest) -> Handled:
    codec, task, config_id = _push_ref(agent, request)
    if task.push.pop(config_id, None) is None:
        raise RpcError(TASK_NOT_FOUND, f"Push notification config {config_id!r} of task {task.id} not found.")
    return _pushed(task.id, codec.deleted(), "delete push notification config")


def _push_ref(agent: MockA2A, request: A2ARequest) -> tuple[Codec, Task, str]:
    """The codec, task and config id a push get, list or delete names; RpcError when push is off or no such task."""
    codec = CODECS[request.version]
    _push_supported(agent)
    task_id, config_id = codec.push_ref(request.params)
    return codec, _task(agent, task_id), config_id


def _pushed(task_id: str, result: Any, rule: str) -> Handled:
    return Handled(A2AReply("result", task_id=task_id, result=result, rule=rule))


def _push_supported(agent: MockA2A) -> None:
    if not agent.spec.push_notifications:
        raise RpcError(
            PUSH_NOT_SUPPORTED, "Push notifications are not supported: this agent's card says pushNotifications: false."
        )


# -- cards ---------------------------------------------------------------------------------------


def agent_card(agent: MockA2A, request: A2ARequest) -> Handled:
    base = str(request.params.get("base_url", ""))
    return Handled(A2AReply("card", result=card(agent.spec, base), rule="agent card"))


def extended_card(agent: MockA2A, request: A2ARequest) -> Handled:
    raise RpcError(
        UNSUPPORTED_OPERATION, "This agent declares no extended agent card (capabilities.extendedAgentCard: false)."
    )


HANDLERS: dict[str, Callable[[MockA2A, A2ARequest], Handled]] = {
    "card": agent_card,
    "send": message,
    "stream": message,
    "get": get,
    "list": list_tasks,
    "cancel": cancel,
    "subscribe": subscribe,
    "push-set": push_set,
    "push-get": push_get,
    "push-list": push_list,
    "push-delete": push_delete,
    "extended-card": extended_card,
}


def dispatch(agent: MockA2A, request: A2ARequest) -> Handled:
    """The handler's answer; an :class:`RpcError` it raises becomes the reply's error."""
    try:
        return HANDLERS[request.method](agent, request)
    except RpcError as failure:
        return Handled(A2AReply("error", error=failure, task_id=request.task_id))
