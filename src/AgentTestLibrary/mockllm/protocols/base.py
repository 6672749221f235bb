"""What every wire-format codec provides (the :class:`Codec` protocol), and the helpers they share."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from ...errors import RequestError
from ...mock import jsonio
from ...mock.http import Event
from ...mock.recent import Recent
from ..conversation import Conversation, Message, ProviderError, Reply, Tool


class Codec(Protocol):
    """Sans-I/O translation between one provider's wire format and the neutral model.

    Everything the model mock's endpoints call is declared here, so no endpoint asks which
    codec it holds: chaining (``previous_response`` / ``response_id``) and the JSON-array
    stream of Gemini (``array_stream``) are answers every codec gives.
    """

    protocol: str
    stream_content_type: str  # what a stream goes out as (server-sent events unless the wire format says otherwise)

    def parse(self, body: Any, params: dict[str, str]) -> Conversation:
        """The neutral conversation; ``params`` are the route's (e.g. Gemini's model and method)."""
        ...

    def render(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> dict[str, Any]: ...

    def render_events(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> list[Event]: ...

    def render_error(self, error: ProviderError) -> dict[str, Any]: ...

    def error_headers(self, error: ProviderError) -> list[tuple[str, str]]:
        """Headers an error carries besides its body (Bedrock names its exception in ``x-amzn-errortype``)."""
        ...

    def previous_response(self, body: dict[str, Any]) -> str | None:
        """The id of the response this request continues (Responses' ``previous_response_id``), or None."""
        ...

    def response_id(self, reply: Reply, conversation: Conversation) -> str | None:
        """The id later requests may chain from, or None when the protocol does not chain."""
        ...

    def array_stream(self, query: dict[str, list[str]]) -> bool:
        """Whether a stream goes out as one JSON array instead of server-sent events."""
        ...


class Unchained:
    """The answers of codecs whose protocol has no response chaining, streams SSE only and puts errors in the body."""

    stream_content_type = "text/event-stream"

    def error_headers(self, error: ProviderError) -> list[tuple[str, str]]:
        return []

    def previous_response(self, body: dict[str, Any]) -> str | None:
        return None

    def response_id(self, reply: Reply, conversation: Conversation) -> str | None:
        return None

    def array_stream(self, query: dict[str, list[str]]) -> bool:
        return False


KINDS: dict[str, tuple[type, ...]] = {
    "a string": (str,),
    "a boolean": (bool,),
    "an integer": (int,),
    "a number": (int, float),
    "an object": (dict,),
    "an array": (list,),
    "a string or an array": (str, list),
    "a string or an object": (str, dict),
}


def check_fields(body: dict[str, Any], fields: dict[str, str]) -> None:
    """Known optional fields must have their documented JSON type (``null`` means absent)."""
    for key, value in body.items():  # in the order sent, so the first wrong field is the one named
        kind_name = fields.get(key)
        if kind_name is None or value is None:
            continue
        kinds = KINDS[kind_name]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise RequestError(f"Field '{key}' must be {kind_name}, got {_json_type(value)}.", param=key)


def _json_type(value: Any) -> str:
    names = {
        bool: "a boolean",
        str: "a string",
        int: "an integer",
        float: "a number",
        dict: "an object",
        list: "an array",
    }
    return names.get(type(value), type(value).__name__)


def require(body: dict[str, Any], key: str, kind: type | tuple[type, ...], kind_name: str) -> Any:
    if key not in body:
        raise RequestError(f"Missing required field '{key}' ({kind_name}).", param=key)
    value = body[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise RequestError(f"Field '{key}' must be {kind_name}, got {type(value).__name__}.", param=key)
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def uses_tools(messages: list[Message]) -> bool:
    """Whether a history holds a tool call or a tool result: only then has a codec pairs to check (most requests of
    a plain chat hold neither)."""
    for message in messages:  # noqa: SIM110 - a plain loop: no generator per request (any() costs 2k instructions)
        if message.tool_calls or message.tool_results:
            return True
    return False


def parse_arguments(raw: Any) -> Any:
    """Tool-call arguments arrive as JSON text in OpenAI history; keep raw text if not JSON."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def text_of_parts(content: Any, where: str) -> str:
    """Join the text parts of a content field that may be a string or a list of parts."""
    return "\n".join(text_parts(content, where))


def text_parts(content: Any, where: str) -> list[str]:
    """The text parts of a content field that may be a string or a list of parts, in order."""
    if content is None:
        return []
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        raise RequestError(f"'{where}' must be a string or a list of content parts.", param=where)
    texts = []
    for part in content:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif isinstance(part, str):
            texts.append(part)
    return texts


# The tool lists of requests seen lately, by their JSON (within 8 MB of it).
_TOOL_LISTS: Recent[tuple[Tool, ...]] = Recent(8 * 1024 * 1024)


def shared_tools(raw: Any, build: Callable[[Any], tuple[Tool, ...]]) -> tuple[Tool, ...]:
    """The tools ``build`` makes of a request's tool definitions ``raw``: one tuple for every request that sends the
    same definitions. An agent sends its tools with every request (Claude Code 72 KB of them, Gemini CLI 15 KB);
    made once, they are not made again, and a journal of thousands of requests keeps one set of them, where a new
    set per request was most of the objects the garbage collector walked (145 of Claude Code's 151 kept per
    request). Tools are frozen and their schemas only read."""
    if not raw:
        return build(raw)
    encoded = jsonio.dumps(raw)
    return _TOOL_LISTS.get((build, encoded), len(encoded), build, raw)
