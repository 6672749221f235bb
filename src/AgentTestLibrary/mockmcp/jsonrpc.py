"""JSON-RPC 2.0 as MCP uses it, sans-I/O: one message in (validated), one message out.

Requests carry an ``id`` (a string or an integer, never null) and get exactly one response;
notifications (no ``id``) and the client's responses to server requests get none. Batches
(a JSON array) are refused with ``-32600``: MCP removed them in the 2025-06-18 revision and
no client of the revisions this mock speaks sends them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
RESOURCE_NOT_FOUND = -32002  # MCP's code for resources/read of an unknown URI
SESSION_NOT_FOUND = -32001  # the code MCP servers put in the body of a 404 for an unknown session

Id = str | int | None


class RpcError(Exception):
    """A JSON-RPC error answer: ``code``, ``message`` and optional ``data``."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


@dataclass(frozen=True, slots=True)
class Message:
    """One message from the client."""

    method: str | None  # None for the client's responses to server requests
    id: Id = None
    params: dict[str, Any] = field(default_factory=dict)  # a response's ``result`` or ``error``, as {key: value}

    @property
    def is_request(self) -> bool:
        return self.method is not None and self.id is not None

    @property
    def is_notification(self) -> bool:
        return self.method is not None and self.id is None


def parse(body: Any) -> Message:
    """A client message from decoded JSON; :class:`RpcError` (``-32600``) when it is not one."""
    if isinstance(body, list):
        raise RpcError(
            INVALID_REQUEST,
            "JSON-RPC batches are not supported: send one message per request (MCP removed batches in 2025-06-18).",
        )
    if not isinstance(body, dict):
        raise RpcError(INVALID_REQUEST, f"A JSON-RPC message is an object; got {type(body).__name__}.")
    if body.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, 'A JSON-RPC 2.0 message needs "jsonrpc": "2.0".')
    message_id = body.get("id")
    if "id" in body and (isinstance(message_id, bool) or not isinstance(message_id, (str, int))):
        raise RpcError(INVALID_REQUEST, f"The id must be a string or an integer; got {message_id!r}.")
    method = body.get("method")
    if method is None:
        if "result" in body or "error" in body:
            answer = {key: body[key] for key in ("result", "error") if key in body}
            return Message(None, message_id, answer)
        raise RpcError(INVALID_REQUEST, 'A JSON-RPC request needs a "method".')
    if not isinstance(method, str) or not method:
        raise RpcError(INVALID_REQUEST, f"The method must be a non-empty string; got {method!r}.")
    params = body.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise RpcError(INVALID_PARAMS, f"MCP params are an object; got {type(params).__name__}.")
    return Message(method, message_id, params)


def result(message_id: Id, value: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": message_id, "result": value}


def error(message_id: Id, failure: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": message_id, "error": failure.to_dict()}


def request_id(body: Any) -> Id:
    """The id of a message that may be invalid, for its error answer (None when there is none to use)."""
    if isinstance(body, dict):
        value = body.get("id")
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return value
    return None
