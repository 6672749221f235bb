"""Scenario data: what a rule answers, and the scenario that holds the rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..conversation import Conversation, ProviderError, Reply, ToolCall, Usage
from ..tokens import stable_id

if TYPE_CHECKING:
    from ...mock.faults import Fault
    from .matching import Rule

DEFAULT_TEXT = "This is a deterministic reply from the AgentTestLibrary mock LLM."


@dataclass(frozen=True)
class ToolCallSpec:
    name: str
    arguments: Any
    id: str | None = None


@dataclass(frozen=True)
class ReplySpec:
    """A reply as written in a scenario; :meth:`build` makes the concrete reply for a request."""

    text: str = ""
    tool_calls: tuple[ToolCallSpec, ...] = ()
    usage: Usage | None = None
    stop_reason: str | None = None
    error: ProviderError | None = None

    def build(self, conversation: Conversation, rule_name: str | None) -> Reply:
        if not self.tool_calls:  # a text reply (the usual one) is the same for every request: built once per rule
            built: dict[str | None, Reply] = self.__dict__.setdefault("_built", {})
            reply = built.get(rule_name)
            if reply is None:
                reply = Reply(self.text, (), self.usage, self.stop_reason, self.error, rule=rule_name)
                built[rule_name] = reply
            return reply
        prefix = conversation.call_id_prefix
        calls = tuple(
            ToolCall(
                spec.id
                or stable_id(
                    prefix, conversation.turn, index, spec.name, spec.arguments, conversation.latest_user_text
                ),
                spec.name,
                spec.arguments,
            )
            for index, spec in enumerate(self.tool_calls)
        )
        return Reply(self.text, calls, self.usage, self.stop_reason, self.error, rule=rule_name)


DEFAULT_REPLY = ReplySpec(text=DEFAULT_TEXT)


@dataclass(frozen=True)
class Scenario:
    """Rules in order (first match wins), strictness, and what ``/v1/models`` lists."""

    rules: tuple[Rule, ...] = ()
    strict: bool = True
    default_reply: ReplySpec = DEFAULT_REPLY
    models: tuple[str, ...] = ("gpt-4o-mini", "claude-opus-4-8")
    source: str = "<no scenario>"
    embedding_dimensions: int = 1536
    faults: tuple[Fault, ...] = ()
