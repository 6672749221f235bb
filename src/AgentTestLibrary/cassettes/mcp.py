"""An MCP cassette: what an agent asked a real MCP server through a mock MCP server, and what it answered.

The mock keeps its own transport (sessions, ``Mcp-Session-Id``, JSON or SSE framing, the stdio
relay); the cassette holds the JSON-RPC requests and their results or errors, one episode each
(``initialize`` included: replay answers with the real server's identity, capabilities and
instructions). Recording opens one session with the real server per test, over streamable HTTP
(``upstream=http://host/mcp``) or stdio (``upstream_command``: the server is started as a
subprocess, line-delimited JSON-RPC), and forwards each request as the agent sent it; over HTTP
the agent's credential headers go with it (their values join the secret registry). A request
the real server sends back mid-call (sampling, elicitation, roots) is declined with ``-32601``.

A request view: ``protocol: mcp``, ``method``, ``params`` (without ``_meta``; for
``initialize`` only the protocol version), ``upstream``; the response: ``status: 200`` and a
``body`` with the ``result`` or the ``error``, scrubbed.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shlex
import subprocess
import threading
from pathlib import Path
from typing import Any

from ..mockmcp.tape import TapedCall
from ..secrets import SECRET_HEADERS, SecretRegistry
from .model import Episode
from .options import MCP_MATCH, MCP_MATCH_FIELDS
from .recording import Recording, UpstreamFailure
from .scrub import scrub
from .service import check_upstream

PROTOCOL = "mcp"
TIMEOUT_S = 60.0
CLIENT_INFO = {"name": "agenttest-mcp-recorder", "version": "1"}
DEFAULT_VERSION = "2025-06-18"
DECLINED = {"code": -32601, "message": "AgentTestLibrary MCP recorder: requests from the server are not relayed"}


class UpstreamMcpError(Exception):
    """The real MCP server could not be reached, started or understood."""


def mcp_view(method: str, params: dict[str, Any], upstream: str) -> dict[str, Any]:
    """What an MCP cassette keeps of a request (before scrubbing)."""
    kept = {key: value for key, value in params.items() if key != "_meta"}
    if method == "initialize":
        kept = {"protocolVersion": params.get("protocolVersion")}
    return {"protocol": PROTOCOL, "method": method, "params": kept, "upstream": upstream}


class McpUpstream:
    """One session with a real MCP server: a JSON-RPC request in, its response message out (sync, bounded)."""

    def __init__(self, url: str | None, command: list[str] | None) -> None:
        self.url, self.command = url, command
        self.session_id = ""
        self.protocol_version = ""
        self._ids = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._client: Any = None
        self._auth: dict[str, str] = {}  # the agent's credential headers, sent with every request of the session

    def request(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        self._ids += 1
        message = {"jsonrpc": "2.0", "id": self._ids, "method": method, "params": params}
        answer = self._send_http(message, headers) if self.url else self._send_stdio(message)
        if method == "initialize" and isinstance(answer.get("result"), dict):
            self.protocol_version = str(answer["result"].get("protocolVersion") or "")
            self.notify("notifications/initialized", headers)
        return answer

    def notify(self, method: str, headers: dict[str, str]) -> None:
        message = {"jsonrpc": "2.0", "method": method}
        if self.url:
            self._post(message, headers).close()
        else:
            self._write(message)

    # -- streamable HTTP -----------------------------------------------------------------------

    def _post(self, message: dict[str, Any], headers: dict[str, str]) -> Any:
        import httpx

        if self._client is None:
            self._client = httpx.Client(timeout=TIMEOUT_S)
        self._auth = {name: value for name, value in headers.items() if name in SECRET_HEADERS} or self._auth
        sent = {**self._auth, "content-type": "application/json", "accept": "application/json, text/event-stream"}
        if self.session_id:
            sent["mcp-session-id"] = self.session_id
        if self.protocol_version:
            sent["mcp-protocol-version"] = self.protocol_version
        request = self._client.build_request("POST", self.url, content=json.dumps(message).encode(), headers=sent)
        return self._client.send(request, stream=True)

    def _send_http(self, message: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        reply = self._post(message, headers)
        try:
            if reply.headers.get("mcp-session-id"):
                self.session_id = reply.headers["mcp-session-id"]
            if "text/event-stream" in reply.headers.get("content-type", ""):
                data: list[str] = []
                for line in reply.iter_lines():
                    if line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif not line and data:
                        event = json.loads("\n".join(data))
                        found, data = self._response(event, message["id"]), []
                        if found is not None:
                            return found
                        if isinstance(event, dict) and event.get("method") and "id" in event:  # it asks the client
                            self._post({"jsonrpc": "2.0", "id": event["id"], "error": DECLINED}, headers).close()
                raise UpstreamMcpError(f"the stream from {self.url} ended without the answer to {message['method']}")
            body = json.loads(reply.read() or b"null")
            found = self._response(body, message["id"])
            if found is None:
                raise UpstreamMcpError(f"HTTP {reply.status_code} from {self.url} with no JSON-RPC answer")
            return found
        finally:
            reply.close()

    @staticmethod
    def _response(data: Any, message_id: int) -> dict[str, Any] | None:
        if isinstance(data, dict) and data.get("id") == message_id and ("result" in data or "error" in data):
            return data
        return None

    # -- stdio ---------------------------------------------------------------------------------

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            assert self.command
            try:
                self._process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                 stderr=subprocess.DEVNULL, env=dict(os.environ))  # fmt: skip
            except OSError as error:
                raise UpstreamMcpError(f"could not start {shlex.join(self.command)}: {error}") from None
            threading.Thread(target=self._read, args=(self._process,), daemon=True).start()
        return self._process

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _write(self, message: dict[str, Any]) -> None:
        process = self._start()
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps(message).encode() + b"\n")
            process.stdin.flush()
        except OSError as error:
            raise UpstreamMcpError(f"the server {shlex.join(self.command or [])} stopped reading: {error}") from None

    def _send_stdio(self, message: dict[str, Any]) -> dict[str, Any]:
        self._write(message)
        while True:
            try:
                line = self._lines.get(timeout=TIMEOUT_S)
            except queue.Empty:
                raise UpstreamMcpError(f"no answer to {message['method']} within {TIMEOUT_S:g} s") from None
            if line is None:
                raise UpstreamMcpError(f"the server {shlex.join(self.command or [])} exited")
            try:
                data = json.loads(line)
            except ValueError:
                continue  # not a message (the specification forbids it; some servers log to stdout anyway)
            found = self._response(data, message["id"])
            if found is not None:
                return found
            if isinstance(data, dict) and data.get("method") and "id" in data:  # the server asks the client
                self._write({"jsonrpc": "2.0", "id": data["id"], "error": DECLINED})

    def close(self) -> None:
        if self._client is not None:
            if self.session_id:
                with contextlib.suppress(Exception):  # ending a session is a courtesy
                    self._client.delete(self.url, headers={**self._auth, "mcp-session-id": self.session_id})
            self._client.close()
        if self._process is not None:
            if self._process.stdin is not None:
                self._process.stdin.close()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)


class McpCassette(Recording):
    """One test's MCP cassette: replay what matches, record the rest from the real server (by mode)."""

    always_matched = ("protocol",)

    def __init__(self, path: str | Path, mode: str, secrets: SecretRegistry, *, upstream: str | None = None,
                 upstream_command: list[str] | None = None, match_on: tuple[str, ...] = MCP_MATCH) -> None:  # fmt: skip
        super().__init__(path, mode, secrets, match_on, MCP_MATCH_FIELDS)
        if (upstream is None) == (not upstream_command):
            raise ValueError("give the real MCP server as upstream (its streamable HTTP URL) or upstream_command "
                             "(the command that starts it on stdio), one of them")  # fmt: skip
        self.upstream = check_upstream(upstream) if upstream else shlex.join(upstream_command or [])
        self.client = McpUpstream(self.upstream if upstream else None, upstream_command)
        self._lock_upstream = threading.Lock()

    def upstream_urls(self) -> list[str]:
        return [self.upstream] if self.client.url else []  # a local command: no network of its own

    def upstream_labels(self) -> list[str]:
        return [f"mcp {self.upstream}"]

    def answer(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> TapedCall:
        for name, value in headers.items():
            if name in SECRET_HEADERS:
                self.secrets.add(value)
                self.secrets.add(value.split()[-1] if value.split() else value)
        view = mcp_view(method, params, self.upstream)
        chosen = self.pick(scrub(view, self.secrets))
        if chosen is not None:
            body = self.cassette.episodes[chosen].response.get("body") or {}
            return TapedCall(body.get("result"), body.get("error"), f"<cassette episode {chosen + 1}>")
        if not self.may_record:
            message = (f"AgentTestLibrary cassette {self.path}: no recorded episode matches {method} "
                       f"(record_mode={self.mode}). Record it with record_mode=new_episodes or all.")  # fmt: skip
            error = {"code": -32603, "message": message}
            return TapedCall(None, error, "", True, self.near_miss(scrub(view, self.secrets)))
        return self._record(method, params, headers, view)

    def _record(self, method: str, params: dict[str, Any], headers: dict[str, str], view: dict[str, Any]) -> TapedCall:
        with self._lock_upstream:  # one session, one request at a time
            try:
                if method != "initialize" and not self.client.protocol_version:
                    self.client.request("initialize", {"protocolVersion": DEFAULT_VERSION, "capabilities": {},
                                                       "clientInfo": CLIENT_INFO}, headers)  # fmt: skip
                answer = self.client.request(method, params, headers)
            except (UpstreamMcpError, OSError, ValueError) as error:
                return self._failed(str(error))
            except Exception as error:  # noqa: BLE001 - httpx's transport errors, reported masked
                return self._failed(f"{type(error).__name__}: {error}")
        body = {key: answer[key] for key in ("result", "error") if key in answer}
        self.add(Episode(scrub(view, self.secrets), {"status": 200, "body": scrub(body, self.secrets)}))
        recorded = scrub(body, self.secrets)  # the agent gets what the cassette holds
        return TapedCall(recorded.get("result"), recorded.get("error"), "<recorded from upstream>")

    def _failed(self, detail: str) -> TapedCall:
        detail = self.secrets.mask_text(detail)
        self.upstream_failures.append(UpstreamFailure(self.upstream, detail))
        message = f"AgentTestLibrary cassette: the MCP server {self.upstream} could not be reached while recording " \
                  f"({detail})."  # fmt: skip
        return TapedCall(None, {"code": -32603, "message": message})

    def close(self) -> None:
        self.client.close()
