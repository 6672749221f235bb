"""The Responses API over WebSocket: one ``response.create`` frame in, typed event frames out.

Sans-I/O like the application: the server moves frames, this decides what they say.
Warm-up frames (``generate: false``) get an empty completed response whose id later frames
chain from with ``previous_response_id`` and only their new input items.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .http import HttpRequest
from .protocols import RequestError
from .tokens import stable_id

if TYPE_CHECKING:
    from .app import MockLLM

WEBSOCKET_PATHS = ("/v1/responses",)


def error_event(status: int, message: str, error_type: str = "invalid_request_error") -> dict[str, Any]:
    return {"type": "error", "status": status, "error": {"type": error_type, "code": error_type, "message": message}}


def respond_to_frame(app: MockLLM, upgrade: HttpRequest, text: str) -> list[dict[str, Any]]:
    """The events answering one client text frame, journaled like an HTTP request."""
    request = HttpRequest("WS", upgrade.target, upgrade.headers, text.encode())
    try:
        frame = json.loads(text)
    except ValueError as error:
        return [error_event(400, f"The frame is not valid JSON ({error}); send a response.create object.")]
    if not isinstance(frame, dict) or frame.get("type") != "response.create":
        kind = frame.get("type") if isinstance(frame, dict) else type(frame).__name__
        return [error_event(400, f"Unsupported frame type {kind!r}; this endpoint accepts 'response.create'.")]
    body = {key: value for key, value in frame.items() if key != "type"}
    codec = app.responses
    try:
        parsed = codec.parse(body)
        if body.get("generate") is False:
            return _warm_up(app, request, body, parsed)
        conversation, reply, near_miss = app.answer(codec, body, parsed)
    except RequestError as error:
        app.record_error(request, codec, error.status, error.message, body=body)
        return [error_event(error.status, error.message)]
    app.record_exchange(request, codec, body=body, conversation=conversation, reply=reply, near_miss=near_miss)
    if reply.error:
        rendered = codec.render_error(reply.error)["error"]
        return [error_event(reply.error.status, reply.error.message, rendered["type"])]
    return codec.render_events(reply, conversation, body)


def _warm_up(app: MockLLM, request: HttpRequest, body: dict[str, Any], parsed: Any) -> list[dict[str, Any]]:
    conversation = app.chains.extend(parsed, body.get("previous_response_id"))
    response_id = stable_id("resp_", "warm-up", conversation.to_dict())
    app.chains.remember(response_id, conversation, None)
    app.record_warm_up(request, body)
    return app.responses.warm_up_events(response_id, conversation, body)
