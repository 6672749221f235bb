"""A2A over JSON-RPC and HTTP as pipeline endpoints: the JSON-RPC calls (``POST /``) and the agent card.

A call is one JSON-RPC request; its answer is a JSON-RPC response with HTTP 200 (errors
included, as the official server answers), or for ``SendStreamingMessage`` /
``message/stream`` and the subscribe calls an SSE stream whose every event is a JSON-RPC
response carrying one stream result. What cannot be answered (bad params, a version that does
not fit the method, a task that does not exist or is terminal) is found while parsing and
answered with A2A's error; faults come from the shared fault path: an HTTP status, latency, a
cut or malformed stream, a JSON-RPC error (``rpc_error``), a task that fails (``fail_task``)
or is gone (``expire_task``: TaskNotFound, and the task is forgotten). Push notifications
for what happened in the exchange go out after the fault decision.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..mock.faults import AppliedFault, Fault
from ..mock.http import Event, Outcome
from ..mock.pipeline import Answer, Call
from ..mockmcp import jsonrpc
from ..mockmcp.jsonrpc import INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, RpcError
from .codec import BY_METHOD, CODECS, VERSION_HEADER, choose, parse_call, request_id
from .methods import dispatch, task_not_found
from .model import UNSUPPORTED_OPERATION, A2AFault, A2AReply, A2ARequest, Part, TaskEvent

if TYPE_CHECKING:
    from .app import MockA2A

FAILED_TEXT = "AgentTestLibrary injected fault: the task failed"
TASK_CALLS = ("get", "cancel", "subscribe")
PUSH_CALLS = ("push-set", "push-get", "push-list", "push-delete")


class A2AEndpoint:
    """``POST /``: A2A's JSON-RPC binding, 1.0 and 0.3 method names side by side."""

    protocol: str | None = "a2a"
    body_format = "json"

    def __init__(self, agent: MockA2A) -> None:
        self.agent = agent

    def error(self, status: int, message: str, param: str | None = None) -> Outcome:
        code = INTERNAL_ERROR if status >= 500 else INVALID_REQUEST
        return Outcome(status, jsonrpc.error(None, RpcError(code, message)))

    def malformed(self, message: str) -> Outcome:
        return Outcome(200, jsonrpc.error(None, RpcError(PARSE_ERROR, f"Parse error: {message}")))

    # -- parse: which version, which task ------------------------------------------------------

    def parse(self, call: Call) -> A2ARequest:
        try:
            method, rpc_id, params = parse_call(call.body)
        except RpcError as failure:
            return A2ARequest("<invalid>", "", "", request_id(call.body), problem=failure)
        header = call.request.headers.get(VERSION_HEADER) or next(iter(call.request.query.get("A2A-Version", [])), None)
        try:
            codec = choose(method, header, self.agent.spec.versions)
        except RpcError as failure:
            known = BY_METHOD.get(method)
            return A2ARequest(
                known.methods[method] if known else "<unknown>",
                (header or "0.3").strip()[:20],
                method,
                rpc_id,
                params=params,
                problem=failure,
            )
        neutral = codec.methods[method]
        try:
            if neutral in ("send", "stream"):
                fields = codec.message_in(params)
                return A2ARequest(
                    neutral,
                    codec.version,
                    method,
                    rpc_id,
                    params=params,
                    task_state=self._continued(fields["task_id"]),
                    **fields,
                )
            task_id = ""
            if neutral in TASK_CALLS:
                task_id = codec.task_ref(params)
            elif neutral == "push-set":
                task_id = codec.push_in(params)[0]
            elif neutral in PUSH_CALLS:
                task_id = codec.push_ref(params)[0]
            return A2ARequest(neutral, codec.version, method, rpc_id, task_id=task_id, params=params)
        except RpcError as failure:
            return A2ARequest(neutral, codec.version, method, rpc_id, params=params, problem=failure)

    def _continued(self, task_id: str) -> str:
        """The state of the task a message continues ('' for a new task); RpcError when it cannot continue."""
        if not task_id:
            return ""
        task = self.agent.tasks.get(task_id)
        if task is None:
            raise task_not_found(task_id)
        if task.terminal:
            raise RpcError(
                UNSUPPORTED_OPERATION,
                f"Task {task_id} is {task.state}: a task in a terminal state "
                "accepts no further messages; start a new task.",
            )
        return task.state

    # -- answer: the method's handler ----------------------------------------------------------

    def answer(self, call: Call, subject: A2ARequest) -> Answer:
        if subject.problem is not None:
            reply = A2AReply("error", error=subject.problem, task_id=subject.task_id)
        else:
            handled = dispatch(self.agent, subject)
            reply = handled.reply
            if handled.unmatched:
                return Answer(reply, rule=reply.rule, unmatched=True, near_miss=handled.near_miss)
        return Answer(reply, rule=reply.rule, error=reply.error.message if reply.error else "")

    # -- render: faults, then the JSON-RPC answer as JSON or SSE -------------------------------

    def render(self, call: Call, subject: A2ARequest, answer: Answer, fault: AppliedFault | None) -> Outcome:
        reply: A2AReply = answer.reply
        injected = fault.fault if fault is not None and isinstance(fault.fault, A2AFault) else None
        if injected is not None and injected.rpc_error is not None:
            text = injected.message or "AgentTestLibrary injected JSON-RPC error"
            reply = A2AReply("error", error=RpcError(injected.rpc_error, text), task_id=reply.task_id)
        elif injected is not None and injected.fail_task and reply.task_id and reply.error is None:
            reply = self._failed(subject, reply, injected.message or FAILED_TEXT)
        answer.reply = reply
        if reply.error is not None:
            return Outcome(200, jsonrpc.error(subject.id, reply.error))
        self._push(reply)
        if subject.method in ("stream", "subscribe"):
            events = [Event(jsonrpc.result(subject.id, event.stream)) for event in reply.events]
            return Outcome(
                200, events=events, content_type="text/event-stream", headers=[("cache-control", "no-cache")]
            )
        return Outcome(200, {"jsonrpc": "2.0", "id": subject.id, "result": reply.result})

    def _failed(self, subject: A2ARequest, reply: A2AReply, text: str) -> A2AReply:
        """The task of this exchange ends failed instead (its last status event replaced)."""
        task = self.agent.tasks.get(reply.task_id)
        if task is None:
            return reply
        codec = CODECS[subject.version]
        with self.agent.tasks.locked():
            task.pending, task.pending_artifacts = [], []
            task.status = (Part("text", text=text),)
            task.enter("failed")
            stream = codec.status_event(task, final=True)
            kept = [event for event in reply.events if event.kind != "status"]
            events = (*kept, TaskEvent("status", stream, codec.push_body(task, stream), "failed"))
            result = codec.send_result(task, None) if subject.is_message else codec.task_out(task)
        return dataclasses.replace(
            reply, state="failed", states=(*reply.states[:-1], "failed"), status=text, result=result, events=events
        )

    def _push(self, reply: A2AReply) -> None:
        pushed = [event.push for event in reply.events if event.push is not None]
        task = self.agent.tasks.get(reply.task_id) if pushed and reply.task_id else None
        if task is None:
            return
        for config in list(task.push.values()):
            for body in pushed:
                self.agent.pusher.send(config, body)

    def fault_error(self, call: Call, subject: A2ARequest, fault: Fault) -> tuple[Outcome, A2AReply | None]:
        """An expired task (TaskNotFound, the task forgotten), or an HTTP error status with a JSON-RPC error body."""
        if isinstance(fault, A2AFault) and fault.expire_task:
            if subject.task_id:
                self.agent.tasks.forget(subject.task_id)
            failure = task_not_found(subject.task_id or "(the task of this message)")
            return Outcome(200, jsonrpc.error(subject.id, failure)), A2AReply("error", error=failure)
        failure = RpcError(INTERNAL_ERROR, fault.error_message)
        return Outcome(fault.status or 500, jsonrpc.error(subject.id, failure)), A2AReply("error", error=failure)


class CardEndpoint:
    """``GET /.well-known/agent-card.json`` (and the older ``agent.json``): the agent card, URLs from the Host."""

    protocol: str | None = "a2a"
    body_format = "raw"

    def __init__(self, agent: MockA2A) -> None:
        self.agent = agent

    def error(self, status: int, message: str, param: str | None = None) -> Outcome:
        return Outcome(status, {"error": {"code": status, "message": message}})

    def malformed(self, message: str) -> Outcome:
        return self.error(400, message)

    def parse(self, call: Call) -> A2ARequest:
        return A2ARequest("card", "", f"GET {call.request.path}", params={"base_url": call.request.origin})

    def answer(self, call: Call, subject: A2ARequest) -> Answer:
        reply = dispatch(self.agent, subject).reply
        return Answer(reply, rule=reply.rule)

    def render(self, call: Call, subject: A2ARequest, answer: Answer, fault: AppliedFault | None) -> Outcome:
        reply: A2AReply = answer.reply
        return Outcome(200, reply.result, headers=[("cache-control", "no-cache")])

    def fault_error(self, call: Call, subject: A2ARequest, fault: Fault) -> tuple[Outcome, Any]:
        failure = RpcError(INTERNAL_ERROR, fault.error_message)
        return self.error(fault.status or 500, fault.error_message), A2AReply("error", error=failure)
