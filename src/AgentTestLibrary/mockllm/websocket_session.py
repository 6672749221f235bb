"""The Responses API over WebSocket: one ``response.create`` frame in, typed event frames out.

Sans-I/O like the application: the server moves frames, this decides what they say.
Warm-up frames (``generate: false``) get an empty completed response whose id later frames
chain from with ``previous_response_id`` and only their new input items.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .http import HttpRequest, Timing
from .protocols import RequestError
from .tokens import stable_id

if TYPE_CHECKING:
    from .app import MockLLM

WEBSOCKET_PATHS = ("/v1/responses",)


@dataclass(frozen=True)
class FrameAnswer:
    """Events to send for one frame, with injected timing and an optional close after N events."""

    events: list[dict[str, Any]]
    timing: Timing = field(default_factory=Timing)
    close_after: int | None = None


def error_event(status: int, message: str, error_type: str = "invalid_request_error") -> dict[str, Any]:
    return {"type": "error", "status": status, "error": {"type": error_type, "code": error_type, "message": message}}


def respond_to_frame(app: MockLLM, upgrade: HttpRequest, text: str) -> FrameAnswer:
    """The events answering one client text frame, journaled like an HTTP request."""
    request = HttpRequest("WS", upgrade.target, upgrade.headers, text.encode())
    try:
        frame = json.loads(text)
    except ValueError as error:
        return FrameAnswer([error_event(400, f"The frame is not valid JSON ({error}); send a response.create object.")])
    if not isinstance(frame, dict) or frame.get("type") != "response.create":
        kind = frame.get("type") if isinstance(frame, dict) else type(frame).__name__
        return FrameAnswer(
            [error_event(400, f"Unsupported frame type {kind!r}; this endpoint accepts 'response.create'.")]
        )
    body = {key: value for key, value in frame.items() if key != "type"}
    codec = app.responses
    try:
        parsed = codec.parse(body)
        if body.get("generate") is False:
            return FrameAnswer(_warm_up(app, request, body, parsed))
        exchange = app.answer(codec, body, parsed)
    except RequestError as error:
        app.record_error(request, codec, error.status, error.message, body=body)
        return FrameAnswer([error_event(error.status, error.message)])
    app.record_exchange(request, codec, body, exchange)
    fault = exchange.fault.fault if exchange.fault else None
    timing = fault.timing() if fault else Timing()
    failure = fault.provider_error() if fault and fault.status else exchange.reply.error
    if failure:
        kind = codec.render_error(failure)["error"]["type"]
        return FrameAnswer([error_event(failure.status, failure.message, kind)], timing)
    events = codec.render_events(exchange.reply, exchange.conversation, body)
    close_after = None
    if fault:
        close_after = next(
            (n for n in (fault.ws_close_after_events, fault.cut_after_events) if n is not None),
            len(events) // 2 if fault.cut_after_bytes is not None else None,
        )
    return FrameAnswer(events, timing, close_after)


def _warm_up(app: MockLLM, request: HttpRequest, body: dict[str, Any], parsed: Any) -> list[dict[str, Any]]:
    conversation = app.chains.extend(parsed, body.get("previous_response_id"))
    response_id = stable_id("resp_", "warm-up", conversation.to_dict())
    app.chains.remember(response_id, conversation, None)
    app.record_warm_up(request, body)
    return app.responses.warm_up_events(response_id, conversation, body)
