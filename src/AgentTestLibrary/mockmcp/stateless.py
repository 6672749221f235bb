"""The stateless revision (2026-07-28) beside the handshake revisions: per-request ``_meta``, ``server/discover``.

A request of the stateless revision opens no session: it names its revision in the
``MCP-Protocol-Version`` header and again in ``params._meta`` (with the client's capabilities
and, optionally, its info and log level), and the server checks both on every request
(:func:`refusal`). Methods the revision removed (``initialize``, ``ping``, ``logging/setLevel``,
``resources/subscribe``/``unsubscribe``) and unknown ones are ``404`` with ``-32601``. Results carry
``resultType`` and, for what a client may cache, ``ttlMs`` and ``cacheScope`` (:func:`finished`).
Which revisions a server serves is its ``revisions`` setting; the handshake revisions keep working
on the same endpoint, so a client that probes ``server/discover`` gets the new revision and an
older one its ``initialize``.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from .jsonrpc import INVALID_PARAMS, METHOD_NOT_FOUND, RESOURCE_NOT_FOUND, Message, RpcError
from .model import MODERN_VERSIONS, SUPPORTED_VERSIONS, McpReply, Refusal

META = "io.modelcontextprotocol/"
HEADER_MISMATCH = -32020
MISSING_REQUIRED_CLIENT_CAPABILITY = -32021
UNSUPPORTED_PROTOCOL_VERSION = -32022
REMOVED = frozenset({"initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"})
CACHEABLE = frozenset({"server/discover", "tools/list", "prompts/list", "resources/list", "resources/templates/list",
                       "resources/read"})  # fmt: skip


def meta_of(params: dict[str, Any]) -> dict[str, Any] | None:
    meta = params.get("_meta")
    return meta if isinstance(meta, dict) else None


def is_stateless(
    message: Message, header: str | None, session_id: str, *, stdio: bool, served: tuple[str, ...]
) -> bool:
    """Whether a message is of the stateless revision: no session, and its revision named in the header or in
    ``_meta`` (a handshake revision in the header without ``_meta`` is an older client's request)."""
    if message.method is None or session_id or not any(version in served for version in MODERN_VERSIONS):
        return False
    meta = meta_of(message.params)
    if stdio:
        return meta is not None and f"{META}protocolVersion" in meta
    return (header is not None or meta is not None) and not (meta is None and header in SUPPORTED_VERSIONS)


NAMED = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}  # what Mcp-Name repeats
_ENCODED = re.compile(r"=\?base64\?([A-Za-z0-9+/=]*)\?=")


def header_refusal(message: Message, headers: dict[str, str]) -> Refusal | None:
    """Streamable HTTP repeats the method (``Mcp-Method``) and the tool, prompt or resource (``Mcp-Name``) in
    headers, for the network in between: they must be there and agree with the body (``-32020``)."""
    method = headers.get("mcp-method")
    if method != message.method:
        seen = "no Mcp-Method header" if method is None else f"Mcp-Method {method[:60]!r}"
        return Refusal(400, f"Header mismatch: {seen}, but the body's method is {str(message.method)[:60]!r}.",
                       HEADER_MISMATCH)  # fmt: skip
    field = NAMED.get(str(message.method))
    if field is None:
        return None
    sent, wanted = headers.get("mcp-name"), message.params.get(field)
    name = None if sent is None else _decoded(sent)
    if name is None or name != wanted:
        return Refusal(400, f"Header mismatch: Mcp-Name {str(headers.get('mcp-name'))[:80]!r} does not name the "
                            f"body's params.{field} {str(wanted)[:80]!r}.", HEADER_MISMATCH)  # fmt: skip
    return None


def _decoded(value: str) -> str | None:
    """A header value as sent: the base64 sentinel (``=?base64?...?=``) decoded strictly, else the literal text."""
    encoded = _ENCODED.fullmatch(value)
    if encoded is None:
        return value
    text = encoded.group(1)
    try:
        return base64.b64decode(text, validate=True).decode() if len(text) % 4 == 0 else None
    except (binascii.Error, UnicodeDecodeError):
        return None


def _same(header: str, value: Any) -> bool:
    if isinstance(value, bool):
        return header.strip().lower() == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return float(header.strip()) == float(value)
        except ValueError:
            return False
    return header.strip() == str(value)


def param_header_refusal(message: Message, headers: dict[str, str], schema: dict[str, Any] | None) -> Refusal | None:
    """A tool's parameters marked ``x-mcp-header`` travel again as ``Mcp-Param-{name}`` headers: each must be there
    when the argument is, and carry the same value (``-32020``)."""
    properties = (schema or {}).get("properties")
    arguments = message.params.get("arguments")
    if not isinstance(properties, dict) or not isinstance(arguments, dict):
        return None
    for key, declared in properties.items():
        marked = declared.get("x-mcp-header") if isinstance(declared, dict) else None
        if not isinstance(marked, str) or key not in arguments:
            continue
        sent = headers.get(f"mcp-param-{marked.lower()}")
        value = None if sent is None else _decoded(sent)
        if value is None or not _same(value, arguments[key]):
            shown = "missing" if sent is None else repr(sent[:80])
            return Refusal(400, f"Header mismatch: Mcp-Param-{marked} is {shown}, but the argument {key!r} is "
                                f"{str(arguments[key])[:80]!r}.", HEADER_MISMATCH)  # fmt: skip
    return None


def refusal(params: dict[str, Any], header: str | None, stdio: bool, served: tuple[str, ...]) -> Refusal | None:
    """What the stateless revision refuses before any method: a missing or mismatched header, missing ``_meta``
    fields, a revision this server does not serve."""
    meta = meta_of(params) or {}
    version = meta.get(f"{META}protocolVersion")
    if not stdio and header is None:
        return Refusal(400, "Missing MCP-Protocol-Version header: the stateless revision names its version in the "
                            "header and in params._meta.", HEADER_MISMATCH)  # fmt: skip
    missing = [key for key in ("protocolVersion", "clientCapabilities") if f"{META}{key}" not in meta]
    if missing:
        return Refusal(400, f"Invalid params: params._meta needs {', '.join(META + key for key in missing)} on every "
                            "request of the stateless revision.", INVALID_PARAMS)  # fmt: skip
    if not stdio and header != version:
        return Refusal(400, f"The MCP-Protocol-Version header ({str(header)[:40]!r}) does not match "
                            f"params._meta's protocolVersion ({str(version)[:40]!r}).", HEADER_MISMATCH)  # fmt: skip
    modern = [item for item in MODERN_VERSIONS if item in served]
    if version not in modern:
        return Refusal(400, f"Unsupported protocol version {str(version)[:40]!r}; this server supports "
                            f"{', '.join(modern)} (and {', '.join(v for v in SUPPORTED_VERSIONS if v in served)} "
                            "through initialize).", UNSUPPORTED_PROTOCOL_VERSION,
                       {"supported": modern, "requested": str(version)})  # fmt: skip
    return None


def client_capabilities(params: dict[str, Any]) -> dict[str, Any]:
    capabilities = (meta_of(params) or {}).get(f"{META}clientCapabilities")
    return capabilities if isinstance(capabilities, dict) else {}


def log_level(params: dict[str, Any]) -> str | None:
    """The level a stateless request opted in to for log notifications (None: no log notifications at all)."""
    level = (meta_of(params) or {}).get(f"{META}logLevel")
    return level if isinstance(level, str) else None


def finished(method: str, reply: McpReply) -> tuple[int, McpReply]:
    """The HTTP status and the reply as the stateless revision has them: ``resultType``, caching hints on what a
    client may cache, ``404`` for methods this server does not have, ``-32602`` for unknown resources."""
    if reply.error is not None:
        code = INVALID_PARAMS if reply.error.code == RESOURCE_NOT_FOUND else reply.error.code
        status = {METHOD_NOT_FOUND: 404, MISSING_REQUIRED_CLIENT_CAPABILITY: 400}.get(code, 200)
        return status, McpReply(error=RpcError(code, reply.error.message, reply.error.data), rule=reply.rule)
    result = {"resultType": "complete", **(reply.result or {})}
    if method in CACHEABLE:
        result.setdefault("ttlMs", 0)
        result.setdefault("cacheScope", "private")
    return 200, McpReply(result, rule=reply.rule)
