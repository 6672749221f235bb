"""Anthropic Messages bodies served at a cloud's path (Bedrock ``InvokeModel``, Vertex ``rawPredict``).

The Anthropic codec parses and renders; the cloud's path names the model (URL-decoded), the body
must say ``anthropic_version``, and each cloud may decide where the stream flag comes from, how a
stream is framed and how errors look (subclasses).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from ...errors import RequestError
from ...mock.http import Event
from ..conversation import Conversation, ProviderError, Reply
from .anthropic_messages import AnthropicMessagesCodec
from .base import Unchained


def model_id(params: dict[str, str]) -> str:
    """The route's model id as the client meant it (clients percent-encode ``:``, ``/`` and ``@``)."""
    return unquote(params.get("model", ""))


class HostedAnthropicCodec(Unchained):
    protocol: str
    anthropic_version: str  # the value the cloud documents, named in the error when it is missing

    def __init__(self) -> None:
        self.anthropic = AnthropicMessagesCodec()

    def check_body(self, body: dict[str, Any]) -> None:
        """What the cloud refuses in a body besides a missing ``anthropic_version``."""

    def streams(self, body: dict[str, Any], params: dict[str, str]) -> bool:
        """Whether the call streams: the body's ``stream``, as in Anthropic's own API, unless the cloud says."""
        return body.get("stream") is True

    def parse(self, body: Any, params: dict[str, str]) -> Conversation:
        if not isinstance(body, dict):
            raise RequestError("The request body must be a JSON object.")
        self.check_body(body)
        if not isinstance(body.get("anthropic_version"), str):
            raise RequestError(f"Malformed input request: #: required key [anthropic_version] not found (send "
                               f"'{self.anthropic_version}').", param="anthropic_version")  # fmt: skip
        stream = self.streams(body, params)
        conversation = self.anthropic.parse({**body, "model": model_id(params), "stream": stream}, params)
        return replace(conversation, protocol=self.protocol)

    def render(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> dict[str, Any]:
        return self.anthropic.render(reply, conversation, body)

    def render_events(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> list[Event]:
        return self.anthropic.render_events(reply, conversation, body)

    def render_error(self, error: ProviderError) -> dict[str, Any]:
        return self.anthropic.render_error(error)
