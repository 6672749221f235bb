"""MCP's streamable HTTP transport (and relayed stdio) as a pipeline endpoint: sessions, framing, faults.

Streamable HTTP, as the specification has it: one endpoint (``/mcp``); the client POSTs one
JSON-RPC message; a request gets its response as JSON or as an SSE stream of one ``message``
event (JSON whenever the client accepts it, unless the server's ``response`` is ``sse``);
notifications and responses get ``202``. ``initialize`` opens a session (``Mcp-Session-Id``), every later
request must carry it: without one it is a ``400``, with an unknown or expired one a ``404``
(the client must initialize again); ``DELETE`` ends it; ``GET`` opens the session's standalone
SSE stream (list changes, resource updates). A ``MCP-Protocol-Version`` header naming a
revision this server does not speak is a ``400``. Requests of the stateless revision open no
session and are checked per request (:mod:`.stateless`); replies with steps are streamed or
asked in rounds (:mod:`.outbound`).

Stdio clients reach the same server through ``agenttest mcp relay`` (``/mcp/stdio``): one
client per relay process, named by its ``x-agenttest-mcp-client`` header, no HTTP sessions,
JSON, except the streamed answers the relay writes line by line. A fault's ``exit`` tells the
relay to die as a stdio server would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import RequestError
from ..mock.faults import AppliedFault, Fault
from ..mock.http import Event, Outcome
from ..mock.pipeline import Answer, Call
from . import jsonrpc, stateless
from .jsonrpc import RpcError
from .methods import Handled, dispatch
from .model import ASKS, SUPPORTED_VERSIONS, McpFault, McpReply, McpRequest, Refusal
from .outbound import ScriptStream, StandaloneStream

if TYPE_CHECKING:
    from .app import MockMCP
    from .tape import McpTape

MCP_PATH = "/mcp"
STDIO_PATH = "/mcp/stdio"
SESSION_HEADER = "mcp-session-id"
VERSION_HEADER = "mcp-protocol-version"
CLIENT_HEADER = "x-agenttest-mcp-client"
EXIT_HEADER = "x-agenttest-mcp-exit"
STREAMS_HEADER = "x-agenttest-mcp-streams"  # the stdio relay takes streamed answers (and writes each event as a line)
ACCEPTED = ("application/json", "text/event-stream", "application/*", "text/*", "*/*")
DISCOVER = "server/discover"  # the stateless revision's probe: a server answering from a cassette declines it
INVALID = "<invalid>"  # the method of a message that is not a valid request but has an id to answer to
CODES = {404: jsonrpc.SESSION_NOT_FOUND, 500: jsonrpc.INTERNAL_ERROR}


def _rpc_error(status: int, message: str) -> RpcError:
    """The JSON-RPC error an HTTP error status carries."""
    return RpcError(CODES.get(status, jsonrpc.INTERNAL_ERROR if status >= 500 else jsonrpc.INVALID_REQUEST), message)


def _error_body(status: int, message: str) -> dict[str, Any]:
    return jsonrpc.error(None, _rpc_error(status, message))


class McpEndpoint:
    """``POST /mcp`` (streamable HTTP) or ``POST /mcp/stdio`` (a relayed stdio client)."""

    protocol: str | None = "mcp"
    body_format = "json"

    def __init__(self, server: MockMCP, stdio: bool) -> None:
        self.server = server
        self.stdio = stdio

    def error(self, status: int, message: str, param: str | None = None) -> Outcome:
        return Outcome(status, _error_body(status, message))

    def malformed(self, message: str) -> Outcome:
        return Outcome(400, jsonrpc.error(None, RpcError(jsonrpc.PARSE_ERROR, f"Parse error: {message}")))

    # -- parse: who is asking, in which session ------------------------------------------------

    def parse(self, call: Call) -> McpRequest:
        request = call.request
        if self.stdio:
            request.transport = "stdio"
        try:
            message = jsonrpc.parse(call.body)
        except RpcError as failure:
            asked = jsonrpc.request_id(call.body)
            if asked is None:  # no id to answer to: the error goes out with id null
                raise _http_error(400, failure.message) from None
            # An invalid request whose id is readable is answered with that id, or a stdio client waits forever.
            return McpRequest(INVALID, asked, refusal=Refusal(400, failure.message, failure.code), stdio=self.stdio)
        session_id = request.headers.get(CLIENT_HEADER if self.stdio else SESSION_HEADER, "")
        if message.method is None:  # the client answering a server request: params hold its result or error
            return McpRequest("<response>", message.id, message.params, session_id,
                              refusal=self._transport_refusal(call))  # fmt: skip
        header, served = request.headers.get(VERSION_HEADER), self.server.spec.revisions
        if stateless.is_stateless(message, header, session_id, stdio=self.stdio, served=served):
            refusal = (self._transport_refusal(call, accept_only=True)
                       or stateless.refusal(message.params, header, self.stdio, served)
                       or (None if self.stdio else self._header_refusal(message, request.headers)))  # fmt: skip
            version = str((stateless.meta_of(message.params) or {}).get(f"{stateless.META}protocolVersion", ""))
            return McpRequest(message.method, message.id, message.params, "", version, refusal, self.stdio)
        refusal = self._transport_refusal(call)
        if message.method == "initialize" or self.stdio:
            session = self.server.session(session_id) if session_id else None
            version = session.protocol_version if session else ""
            return McpRequest(message.method, message.id, message.params, session_id, version, refusal, self.stdio)
        session = self.server.session(session_id) if session_id else None
        if refusal is None and not session_id:
            refusal = Refusal(400, f"Missing Mcp-Session-Id header: send initialize first and then the session id "
                                   f"it returned ({message.method} was sent without one).")  # fmt: skip
        elif refusal is None and session is None:
            refusal = Refusal(404, f"Session not found: '{session_id[:64]}' is unknown or has expired; "
                                   "initialize a new session.")  # fmt: skip
        version = session.protocol_version if session else ""
        return McpRequest(message.method, message.id, message.params, session_id, version, refusal)

    def _header_refusal(self, message: jsonrpc.Message, headers: dict[str, str]) -> Refusal | None:
        """The stateless revision's headers that repeat the body: the method, the name, ``x-mcp-header`` arguments."""
        tool = self.server.tools().get(str(message.params.get("name"))) if message.method == "tools/call" else None
        return stateless.header_refusal(message, headers) or stateless.param_header_refusal(
            message, headers, tool.input_schema if tool else None)  # fmt: skip

    def _transport_refusal(self, call: Call, accept_only: bool = False) -> Refusal | None:
        """What streamable HTTP refuses before any method: an Accept without JSON or SSE, an unknown revision."""
        if self.stdio:
            return None
        accept = call.request.headers.get("accept", "")
        if accept and not any(kind in accept for kind in ACCEPTED):
            return Refusal(406, f"Accept {accept[:80]!r} allows neither application/json nor text/event-stream; "
                                "MCP clients accept both.")  # fmt: skip
        version = call.request.headers.get(VERSION_HEADER)
        served = [item for item in SUPPORTED_VERSIONS if item in self.server.spec.revisions]
        if not accept_only and version is not None and version not in served:
            return Refusal(400, f"Unsupported MCP-Protocol-Version {version[:40]!r}; this server speaks "
                                f"{', '.join(served) or 'no handshake revision'} after initialize.")  # fmt: skip
        return None

    # -- answer: the method's handler ----------------------------------------------------------

    def answer(self, call: Call, subject: McpRequest) -> Answer:
        refusal = subject.refusal
        if refusal is not None:  # an HTTP-level error; its JSON-RPC error echoes the request's id
            failure = _rpc_error(refusal.status, refusal.message)
            if refusal.code is not None:
                failure = RpcError(refusal.code, refusal.message, refusal.data)
            return Answer(outcome=Outcome(refusal.status, jsonrpc.error(subject.id, failure)), faultable=False,
                          error=refusal.message)  # fmt: skip
        if subject.method == "<response>":
            known = self.server.outbox.answer(subject.id, subject.params)
            return Answer(None, faultable=False, kind="notification",
                          rule="answer to a server request" if known else None,
                          error="" if known else f"no open server request has id {subject.id!r}")  # fmt: skip
        if subject.id is None:
            if subject.method == "notifications/initialized" and subject.session:
                session = self.server.session(subject.session)
                if session is not None:
                    session.initialized = True
            return Answer(None, faultable=False, kind="notification")
        if subject.stateless and subject.method == "subscriptions/listen" and not self.stdio:
            wanted = subject.params.get("notifications")
            listener = self.server.listen(subject.id, wanted if isinstance(wanted, dict) else {})
            outcome = Outcome(200, content_type="text/event-stream", headers=[("cache-control", "no-cache")],
                              feed=listener)  # fmt: skip
            return Answer(outcome=outcome, rule="subscriptions/listen", faultable=False, kind="stream")
        if self.server.tape is not None and subject.method != INVALID:
            if subject.stateless or subject.method == DISCOVER:  # a client that probes falls back to initialize
                failure = RpcError(jsonrpc.METHOD_NOT_FOUND, f"{subject.method}: a mock MCP server answering from a "
                                   "cassette speaks the handshake revisions; send initialize.")  # fmt: skip
                return Answer(McpReply(error=failure), faultable=False, error=failure.message)
            return self._taped(self.server.tape, call, subject)
        handled: Handled = dispatch(self.server, subject)
        reply = handled.reply
        return Answer(reply, rule=reply.rule, unmatched=handled.unmatched, near_miss=handled.near_miss,
                      error=reply.error.message if reply.error else "")  # fmt: skip

    @staticmethod
    def _taped(tape: McpTape, call: Call, subject: McpRequest) -> Answer:
        """The cassette's answer (replayed or just recorded); faults still apply to it."""
        taped = tape.answer(subject.method, subject.params, call.request.headers)
        failure = None
        if taped.error is not None:
            code = taped.error.get("code")
            failure = RpcError(code if isinstance(code, int) else jsonrpc.INTERNAL_ERROR,
                               str(taped.error.get("message", "")), taped.error.get("data"))  # fmt: skip
        reply = McpReply(taped.result if failure is None else None, failure, taped.rule or None)
        return Answer(reply, rule=reply.rule, unmatched=taped.unmatched, near_miss=taped.near_miss,
                      error=failure.message if failure else "")  # fmt: skip

    # -- render: faults, then the JSON-RPC answer as JSON or SSE -------------------------------

    def render(self, call: Call, subject: McpRequest, answer: Answer, fault: AppliedFault | None) -> Outcome:
        if answer.kind == "notification":
            return Outcome(202, b"")
        injected = fault.fault if fault is not None and isinstance(fault.fault, McpFault) else None
        if injected is not None and injected.rpc_error is not None:
            text = injected.message or "AgentTestLibrary injected JSON-RPC error"
            answer.reply = McpReply(error=RpcError(injected.rpc_error, text))
        elif injected is not None and injected.is_error:
            text = injected.message or "AgentTestLibrary injected fault: the tool failed"
            answer.reply = McpReply({"content": [{"type": "text", "text": text}], "isError": True})
        headers: list[tuple[str, str]] = []
        reply: McpReply = answer.reply
        if subject.method == "initialize" and reply.error is None and reply.result:
            session = self.server.open_session(str(reply.result.get("protocolVersion")), subject.params,
                                               subject.session if self.stdio else "")  # fmt: skip
            if not self.stdio:
                headers.append((SESSION_HEADER, session.id))
        if reply.script is not None:
            return self._scripted(call, subject, answer)
        status = 200
        if subject.stateless:
            status, answer.reply = stateless.finished(subject.method, reply)
            reply = answer.reply
        streamed = fault is not None and (fault.fault.cut_after_events is not None or fault.fault.malformed == "sse")
        return self._framed(call, reply.message(subject.id), headers, streamed, status)

    def _scripted(self, call: Call, subject: McpRequest, answer: Answer) -> Outcome:
        """A tool reply with steps: a stream of them and then the result (:mod:`.outbound`); over stdio (the relay,
        ``agenttest mcp serve --stdio``) each event is written as a line. A client that takes no stream (an HTTP
        client accepting JSON only) gets the result without the notifications, or an isError result naming what the
        steps needed when they ask the client something."""
        reply: McpReply = answer.reply
        script = reply.script
        assert script is not None
        session = self.server.session(subject.session)
        headers = call.request.headers
        streams = headers.get(STREAMS_HEADER) == "1" if self.stdio else "text/event-stream" in headers.get("accept", "")
        if not streams:
            asks = sorted({ASKS[step.kind] for step in script.steps if step.kind in ASKS})
            text = (
                f"AgentTestLibrary mock MCP server: {subject.method} {subject.params.get('name')!r} sends the client "
                f"{', '.join(asks)} before its answer, which needs a streamed (SSE) response; this client takes none."
            )
            failed = McpReply({"content": [{"type": "text", "text": text}], "isError": True}, rule=reply.rule)
            answer.reply = failed if asks else script.finish(dict(script.values), "") or McpReply(rule=reply.rule)
            return self._framed(call, answer.reply.message(subject.id), [], False)
        feed = ScriptStream(self.server, subject, script, reply.rule, session)
        return Outcome(200, content_type="text/event-stream", headers=[("cache-control", "no-cache")], feed=feed)

    def fault_error(self, call: Call, subject: McpRequest, fault: Fault) -> tuple[Outcome, McpReply | None]:
        """A server that exits (stdio: the relay dies; HTTP: the connection drops), an expired session (404: the
        client must initialize again), or an HTTP error status with a JSON-RPC error body."""
        if isinstance(fault, McpFault) and fault.exit:
            outcome = Outcome(500, b"", headers=[(EXIT_HEADER, "1")])
            outcome.dropped = not self.stdio
            return outcome, None
        status, message = fault.status or 500, fault.error_message
        if isinstance(fault, McpFault) and fault.expire_session:
            if subject.session and not self.stdio:
                self.server.end_session(subject.session)
            status = 404
            message = "Session not found: the session expired (AgentTestLibrary injected fault); initialize again."
        failure = _rpc_error(status, message)
        return Outcome(status, jsonrpc.error(subject.id, failure)), McpReply(error=failure)

    def _framed(self, call: Call, message: dict[str, Any], headers: list[tuple[str, str]], streamed: bool,
                status: int = 200) -> Outcome:  # fmt: skip
        """JSON or a one-event SSE stream; a fault that breaks a stream (a cut, a malformed event) gets a stream."""
        accepts_sse = "text/event-stream" in call.request.headers.get("accept", "")
        if status == 200 and not self.stdio and (self._wants_sse(call) or (streamed and accepts_sse)):
            headers.append(("cache-control", "no-cache"))
            return Outcome(200, events=[Event(message, "message")], content_type="text/event-stream", headers=headers)
        return Outcome(status, message, headers=headers)

    def _wants_sse(self, call: Call) -> bool:
        """``auto`` (the default) and ``json``: JSON whenever the client accepts it, which costs the official client
        least; a stream only for a client that accepts nothing else. ``sse``: always a one-event stream."""
        if self.server.spec.response == "sse":
            return True
        accept = call.request.headers.get("accept", "")
        return "application/json" not in accept and "text/event-stream" in accept


class _BodilessEndpoint:
    """What GET and DELETE on /mcp share: no body to parse, answers that carry their own outcome, never faulted."""

    protocol: str | None = None
    body_format = "json"

    def __init__(self, server: MockMCP) -> None:
        self.server = server

    def error(self, status: int, message: str, param: str | None = None) -> Outcome:
        return Outcome(status, _error_body(status, message))

    def malformed(self, message: str) -> Outcome:
        return self.error(400, message)

    def parse(self, call: Call) -> None:
        return None

    def render(self, call: Call, subject: None, answer: Answer, fault: AppliedFault | None) -> Outcome:
        raise AssertionError("bodiless answers carry their outcome")  # pragma: no cover

    def fault_error(self, call: Call, subject: None, fault: Fault) -> tuple[Outcome, None]:
        raise AssertionError("bodiless answers are never faulted")  # pragma: no cover


class StandaloneStreamEndpoint(_BodilessEndpoint):
    """``GET /mcp``: the session's standalone SSE stream, where list changes and resource updates arrive."""

    def answer(self, call: Call, subject: None) -> Answer:
        headers = call.request.headers
        session_id = headers.get(SESSION_HEADER, "")
        session = self.server.session(session_id) if session_id else None
        if "text/event-stream" not in headers.get("accept", ""):
            refusal = (406, "GET /mcp opens the standalone SSE stream: send Accept: text/event-stream.")
        elif session is None:
            refusal = (400 if not session_id else 404, "GET /mcp needs the Mcp-Session-Id of a live session "
                                                       f"(got {session_id[:64]!r}); initialize first.")  # fmt: skip
        else:
            outcome = Outcome(200, content_type="text/event-stream", headers=[("cache-control", "no-cache")],
                              feed=StandaloneStream(session.notices))  # fmt: skip
            return Answer(outcome=outcome, rule="standalone stream", faultable=False, kind="stream")
        return Answer(outcome=self.error(*refusal), faultable=False, kind="stream", error=refusal[1])


class SessionEnd(_BodilessEndpoint):
    """``DELETE /mcp``: the client ends its session (200), or names one this server does not know (404)."""

    def answer(self, call: Call, subject: None) -> Answer:
        session_id = call.request.headers.get(SESSION_HEADER, "")
        if not session_id:
            return Answer(outcome=self.error(400, "DELETE needs the Mcp-Session-Id header of the session to end."),
                          faultable=False, kind="session")  # fmt: skip
        if not self.server.end_session(session_id):
            return Answer(outcome=self.error(404, f"Session not found: '{session_id[:64]}'."), faultable=False,
                          kind="session")  # fmt: skip
        return Answer(outcome=Outcome(200, b""), rule="session ended", faultable=False, kind="session")


def _http_error(status: int, message: str) -> RequestError:
    return RequestError(message, status=status)
