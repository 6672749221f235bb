"""The neutral conversation model every wire format is translated to and from.

Codecs turn a provider request into a :class:`Conversation` and render a :class:`Reply`
back into the provider's JSON or event stream. Scenario matching, the journal and the
assertions only ever see these types, so one rule or one assertion works for every wire
format.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..mock.recent import Recent
from .injected import split_user_text

_Frozen = TypeVar("_Frozen", bound=type)


def filled_at_once(cls: _Frozen) -> _Frozen:
    """A frozen dataclass whose ``__init__`` fills the new instance's dict in one step.

    The dataclass's own sets each field through ``object.__setattr__`` (a conversation, built per request: 1.3 ->
    0.8 us). Only for classes whose instances get a dict anyway (their cached properties fill it): others keep
    their fields without one, which costs the journal's garbage collection less per kept message than the quicker
    init saves. Fields, defaults, equality, hashing and immutability stay the dataclass's.
    """
    fields = dataclasses.fields(cls)
    if any(item.default_factory is not dataclasses.MISSING for item in fields) or "__post_init__" in vars(cls):
        raise TypeError(f"{cls.__name__}: filled_at_once takes plain defaults and no __post_init__")
    defaults = {f"_{item.name}": item.default for item in fields if item.default is not dataclasses.MISSING}
    parameters = ", ".join(item.name if f"_{item.name}" not in defaults else f"{item.name}=_{item.name}"
                           for item in fields)  # fmt: skip
    values = ", ".join(f"{item.name!r}: {item.name}" for item in fields)
    made: dict[str, Any] = {}
    exec(f"def __init__(self, {parameters}):\n    self.__dict__.update({{{values}}})", defaults, made)
    made["__init__"].__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = made["__init__"]  # type: ignore[misc]
    return cls


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model asked for (or, in history, asked for earlier)."""

    id: str
    name: str
    arguments: Any

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, separators=(",", ":"), sort_keys=False)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}


@dataclass(frozen=True)
class ToolResult:
    """The output of a tool call, sent back to the model by the agent."""

    call_id: str
    content: str
    is_error: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"call_id": self.call_id, "content": self.content, "is_error": self.is_error}


@dataclass(frozen=True)
class Message:
    """One message of the conversation: ``role`` is user, assistant or system.

    ``text`` is what the user typed; the context an agent harness injected into a user message
    (Claude Code's ``<system-reminder>``, Codex's ``<environment_context>``, Gemini CLI's
    ``<session_context>`` ...) is in ``harness_blocks`` (see :mod:`.injected`).
    """

    role: str
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_results: tuple[ToolResult, ...] = ()
    harness_blocks: tuple[str, ...] = ()

    @classmethod
    def of_parts(
        cls, role: str, texts: list[str], calls: tuple[ToolCall, ...] = (), results: tuple[ToolResult, ...] = ()
    ) -> Message:
        """A message from its text parts as sent: a user message's harness blocks are set apart.

        A message of text alone is one object for every request that resends it (an agent resends its whole
        history each turn): kept by its parts in :data:`_TEXT_MESSAGES`, it is neither split nor built again.
        """
        if calls or results:
            return cls._of_parts(role, texts, calls, results)
        key = texts[0] if role == "user" and len(texts) == 1 else (role, *texts)  # a str or a tuple: never equal
        found = _TEXT_MESSAGES.find(key)
        if found is None:
            found = _TEXT_MESSAGES.get(key, sum(map(len, texts)) + 16, cls._of_text, (role, texts))
        return found

    @classmethod
    def _of_text(cls, role_and_texts: tuple[str, list[str]]) -> Message:
        return cls._of_parts(*role_and_texts)

    @classmethod
    def _of_parts(
        cls, role: str, texts: list[str], calls: tuple[ToolCall, ...] = (), results: tuple[ToolResult, ...] = ()
    ) -> Message:
        if role != "user":
            return cls(role, "\n".join(texts), calls, results)
        typed, blocks = split_user_text(texts, beside_tool_results=bool(results))
        return cls(role, typed, calls, results, blocks)

    @property
    def sent_text(self) -> str:
        """The harness blocks, then the typed text: all the text the message carried, one piece a line."""
        if not self.harness_blocks:
            return self.text
        return "\n".join((*self.harness_blocks, self.text) if self.text else self.harness_blocks)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"role": self.role, "text": self.text}
        if self.harness_blocks:
            data["harness_blocks"] = list(self.harness_blocks)
        if self.tool_calls:
            data["tool_calls"] = [call.to_dict() for call in self.tool_calls]
        if self.tool_results:
            data["tool_results"] = [result.to_dict() for result in self.tool_results]
        return data


@dataclass(frozen=True)
class Tool:
    """A tool the agent offered to the model."""

    name: str
    description: str = ""
    parameters: Any = None
    namespace: str = ""  # Responses API namespace tools (Codex's MCP servers): name is "<namespace>__<tool>"


# Messages of text alone by their text parts as sent (see :meth:`Message.of_parts`), within 8 MB of text.
_TEXT_MESSAGES: Recent[Message] = Recent(8 * 1024 * 1024)

# How each wire format's tool-call ids begin (``call_`` elsewhere): a client may check the prefix.
CALL_ID_PREFIXES = {
    "anthropic.messages": "toolu_", "bedrock.invoke": "toolu_", "vertex.anthropic": "toolu_",
    "bedrock.converse": "tooluse_",
}  # fmt: skip


@filled_at_once
@dataclass(frozen=True)
class Conversation:
    """A request in any wire format, reduced to what matching and assertions need."""

    protocol: str
    model: str
    messages: tuple[Message, ...]
    system: str = ""
    tools: tuple[Tool, ...] = ()
    stream: bool = False
    max_tokens: int | None = None
    response_schema: Any = None
    forced_tool: str | None = None

    @functools.cached_property
    def provider(self) -> str:
        return self.protocol.split(".", 1)[0]

    @property
    def call_id_prefix(self) -> str:
        return CALL_ID_PREFIXES.get(self.protocol, "call_")

    @functools.cached_property
    def latest_user_text(self) -> str:
        """What the user typed last: the text of the most recent user message with typed text (tool
        results and messages of harness blocks alone skipped)."""
        return self.messages[self._latest_typed].text if self._latest_typed < len(self.messages) else ""

    @functools.cached_property
    def _latest_typed(self) -> int:
        """The index of the most recent user message with typed text (``len(messages)`` when none has)."""
        for index in range(len(self.messages) - 1, -1, -1):
            if self.messages[index].role == "user" and self.messages[index].text:
                return index
        return len(self.messages)

    @functools.cached_property
    def _turn_messages(self) -> tuple[Message, ...]:
        """The user messages of the latest turn: from the user messages just before the latest typed text
        (a harness may send its blocks as messages of their own) to the end of the conversation."""
        start = min(self._latest_typed, len(self.messages) - 1) if self.messages else 0
        while start > 0 and self.messages[start - 1].role != "assistant":
            start -= 1
        return tuple(message for message in self.messages[start:] if message.role == "user")

    @functools.cached_property
    def turn_text(self) -> str:
        """All the text of the latest turn's user messages, harness blocks included, one piece a line."""
        return "\n".join(message.sent_text for message in self._turn_messages if message.sent_text)

    @functools.cached_property
    def harness_blocks(self) -> tuple[str, ...]:
        """The harness blocks of the latest turn, in the order sent."""
        return tuple(block for message in self._turn_messages for block in message.harness_blocks)

    @functools.cached_property
    def tool_results(self) -> tuple[ToolResult, ...]:
        return tuple(result for message in self.messages for result in message.tool_results)

    @functools.cached_property
    def latest_tool_results(self) -> tuple[ToolResult, ...]:
        """Tool results sent since the model's last turn (empty if the last turn was text)."""
        for message in reversed(self.messages):
            if message.role == "assistant":
                return ()
            if message.tool_results:
                return message.tool_results
        return ()

    @functools.cached_property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(call for message in self.messages for call in message.tool_calls)

    @functools.cached_property
    def turn(self) -> int:
        """1 for the first model call of a conversation, +1 for every assistant turn in history."""
        return 1 + sum(1 for message in self.messages if message.role == "assistant")

    @functools.cached_property
    def tool_names(self) -> tuple[str, ...]:
        return tuple(tool.name for tool in self.tools)

    def tool(self, name: str) -> Tool | None:
        return next((tool for tool in self.tools if tool.name == name), None)

    @functools.cached_property
    def identity(self) -> str:
        """A digest of what the conversation says (not how it was encoded): attempts of one call share it."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    @functools.cached_property
    def fingerprint(self) -> str:
        """The seed of every deterministic id: the :attr:`identity`, unless an endpoint set it cheaply from
        the request's bytes with :meth:`fingerprinted` (the hot path)."""
        return self.identity

    def fingerprinted(self, raw: bytes) -> Conversation:
        """This conversation with its fingerprint taken from the request as sent (a retry resends the
        same bytes). It fills the cache of :attr:`fingerprint`; no field changes. SHA-256, which processors
        compute in hardware: an agent's 85 KB request in 50 us where BLAKE2b took 95."""
        self.__dict__["fingerprint"] = hashlib.sha256(raw).hexdigest()[:32]
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "model": self.model,
            "system": self.system,
            "stream": self.stream,
            "turn": self.turn,
            "tools": [tool.name for tool in self.tools],
            "response_schema": self.response_schema,
            "forced_tool": self.forced_tool,
            "messages": [message.to_dict() for message in self.messages],
            "latest_user_text": self.latest_user_text,
            "harness_blocks": list(self.harness_blocks),
        }


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class ProviderError:
    """A scripted error reply; each codec renders it in its provider's exact shape."""

    status: int
    message: str
    type: str | None = None
    param: str | None = None


@filled_at_once
@dataclass(frozen=True)
class Reply:
    """What the model answers: text and/or tool calls, or a provider error."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage | None = None
    stop_reason: str | None = None
    error: ProviderError | None = None
    rule: str | None = field(default=None, compare=False)
    refusal: str = ""  # the model declined (OpenAI's ``refusal``); see :mod:`.misbehaviour`
    reasoning: str = ""  # thinking / reasoning output shown to the client
    misbehaviour: str = ""  # the catalogue name when a fault made the model misbehave

    @property
    def neutral_stop_reason(self) -> str:
        """``tool_use`` when tools are called, else ``end_turn`` unless the rule says otherwise."""
        if self.stop_reason:
            return self.stop_reason
        return "tool_use" if self.tool_calls else "end_turn"

    @functools.cached_property
    def stored_bytes(self) -> int:
        """What the reply weighs against the journal's byte cap: the lengths of its texts (worked out when first
        journaled: a rule's text reply is one object for every request; tool-call arguments count when kept as text)."""
        calls = sum(len(call.arguments) for call in self.tool_calls if isinstance(call.arguments, str))
        return len(self.text) + len(self.reasoning) + len(self.refusal) + calls

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "tool_calls": [call.to_dict() for call in self.tool_calls],
            "stop_reason": self.neutral_stop_reason,
            "error": self.error.message if self.error else None,
            **{
                key: value
                for key, value in (
                    ("refusal", self.refusal),
                    ("reasoning", self.reasoning),
                    ("misbehaviour", self.misbehaviour),
                )
                if value
            },
        }


def conversation_of(entry: Any) -> Conversation | None:
    """The conversation a journal entry of the model mock carries (None for admin calls, token counts ...)."""
    subject = getattr(entry, "subject", None)
    return subject if isinstance(subject, Conversation) else None
