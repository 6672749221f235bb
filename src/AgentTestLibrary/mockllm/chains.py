"""Conversations kept per response id, for ``previous_response_id`` chaining (Responses API)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace

from ..errors import UnknownResponseError
from .conversation import Conversation, Message, Reply

MAX_CHAINS = 10_000


class ResponseChains:
    """Bounded, thread-safe store: response id → the conversation including that response."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chains: OrderedDict[str, Conversation] = OrderedDict()

    def extend(self, conversation: Conversation, previous_id: str | None) -> Conversation:
        """Prepend the history of ``previous_id`` to a request that carries only new input."""
        if not previous_id:
            return conversation
        with self._lock:
            previous = self._chains.get(previous_id)
        if previous is None:
            raise UnknownResponseError(previous_id)
        return replace(
            conversation,
            messages=previous.messages + conversation.messages,
            system=conversation.system or previous.system,
            tools=conversation.tools or previous.tools,
        )

    def remember(self, response_id: str, conversation: Conversation, reply: Reply | None) -> None:
        answered = conversation
        if reply is not None:
            answered = replace(
                conversation, messages=(*conversation.messages, Message("assistant", reply.text, reply.tool_calls))
            )
        with self._lock:
            self._chains[response_id] = answered
            self._chains.move_to_end(response_id)
            while len(self._chains) > MAX_CHAINS:
                self._chains.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._chains.clear()
