"""Conversations kept per response id, for ``previous_response_id`` chaining (Responses API).

Every Responses answer is remembered but few are continued: the conversation with the answer
appended is put together when a later request chains from it, not when it is remembered.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace

from ..errors import UnknownResponseError
from .conversation import Conversation, Message, Reply

MAX_CHAINS = 10_000


class ResponseChains:
    """Bounded, thread-safe store: response id → the conversation and the reply that answered it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chains: OrderedDict[str, tuple[Conversation, Reply | None]] = OrderedDict()

    def extend(self, conversation: Conversation, previous_id: str | None) -> Conversation:
        """Prepend the history of ``previous_id`` to a request that carries only new input."""
        if not previous_id:
            return conversation
        with self._lock:
            kept = self._chains.get(previous_id)
        if kept is None:
            raise UnknownResponseError(previous_id)
        previous, reply = kept
        history = previous.messages
        if reply is not None:
            history = (*history, Message("assistant", reply.text, reply.tool_calls))
        return replace(
            conversation,
            messages=history + conversation.messages,
            system=conversation.system or previous.system,
            tools=conversation.tools or previous.tools,
        )

    def remember(self, response_id: str, conversation: Conversation, reply: Reply | None) -> None:
        """Keep what ``response_id`` answered: ``conversation`` and its ``reply`` (None: an empty warm-up)."""
        with self._lock:
            self._chains[response_id] = (conversation, reply)
            self._chains.move_to_end(response_id)
            while len(self._chains) > MAX_CHAINS:
                self._chains.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._chains.clear()
