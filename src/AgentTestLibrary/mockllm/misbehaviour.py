"""The catalogue of model misbehaviours (``misbehave=NAME``): how each one changes the neutral reply.

A transport fault breaks the exchange; a misbehaviour is a complete, well-formed answer in
which the *model* behaved badly: it refused, was filtered, stopped at its token limit (mid
text or mid tool call), called a tool with arguments that do not parse or that it was never
offered, reused a tool-call id, said nothing, or only reasoned. :class:`LLMFault` asks for one
through the one fault decision of the pipeline (so ``when``, ``nth``, ``times``,
``probability`` + ``seed`` target it like every fault); :func:`misbehave` turns the reply the
rules chose into the misbehaving :class:`~.conversation.Reply`, and each codec renders that in
its wire format's exact shape (``refusal`` / ``reasoning`` / ``stop_reason`` /
``misbehaviour`` of the reply), Bedrock Converse and Ollama included. The Misbehaviour
section of docs/capabilities/faults.md tabulates what each format shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..mock.faults import Fault
from ..mock.fields import spec
from .conversation import Conversation, Reply, ToolCall
from .structured import example_for
from .tokens import stable_id

REFUSAL_TEXT = "I'm sorry, but I can't help with that request."
REASONING_TEXT = "The user wants an answer. I should check the working directory before I answer, so let me think."
CUT_TEXT = "Here is the answer you asked for, explained step by step with every detail you need to"
UNDECLARED_TOOL = "undeclared_tool"
TRUNCATED_KEEP = 0.5  # the share of the arguments' JSON text a truncated call keeps (cut inside the first value)


def _refusal(reply: Reply, conversation: Conversation, message: str | None) -> Reply:
    return Reply(refusal=message or REFUSAL_TEXT, stop_reason="refusal")


def _content_filter(reply: Reply, conversation: Conversation, message: str | None) -> Reply:
    return Reply(stop_reason="content_filter")


def _max_tokens(reply: Reply, conversation: Conversation, message: str | None) -> Reply:
    return Reply(text=_cut_text(reply.text or CUT_TEXT), stop_reason="max_tokens")


def _truncated_tool_arguments(reply: Reply, conversation: Conversation, message: str | None) -> Reply:
    call = _first_call(reply, conversation)
    return Reply(text=reply.text, tool_calls=(replace(call, arguments=_cut_json(call.arguments_json())),),
                 stop_reason="max_tokens")  # fmt: skip


def _invalid_tool_arguments(reply: Reply, conversation: Conversation, message: str | None) -> Reply:
    call = _first_call(reply, conversation)
    text = call.arguments_json()
    broken = text[:-1] + ", oops}" if text.endswith("}") else text + "}"
    return Reply(text=reply.text, tool_calls=(replace(call, arguments=broken),))


def _undeclared_tool(reply: Reply, conversation: Conversation, message: str | None) -> Reply:
    name = UNDECLARED_TOOL
    while name in conversation.tool_names:
        name += "_"
    call = _first_call(reply, conversation)
    return Reply(text=reply.text, tool_calls=(replace(call, name=name),))


def _duplicate_tool_call_ids(reply: Reply, conversation: Conversation, message: str | None) -> Reply:
    first = _first_call(reply, conversation)
    second = reply.tool_calls[1] if len(reply.tool_calls) > 1 else first
    rest = reply.tool_calls[2:]
    return Reply(text=reply.text, tool_calls=(first, replace(second, id=first.id), *rest))


def _empty(reply: Reply, conversation: Conversation, message: str | None) -> Reply:
    return Reply(stop_reason="end_turn")


def _reasoning_only(reply: Reply, conversation: Conversation, message: str | None) -> Reply:
    return Reply(reasoning=message or REASONING_TEXT, stop_reason="end_turn")


Misbehave = Callable[[Reply, Conversation, "str | None"], Reply]
CATALOGUE: dict[str, tuple[Misbehave, str]] = {
    "refusal": (_refusal, "the model refuses"),
    "content_filter": (_content_filter, "the provider's content filter stops the answer"),
    "max_tokens": (_max_tokens, "the answer stops mid-text at the token limit"),
    "truncated_tool_arguments": (_truncated_tool_arguments, "the token limit cuts a tool call's JSON arguments"),
    "invalid_tool_arguments": (_invalid_tool_arguments, "a tool call's arguments do not parse as JSON"),
    "undeclared_tool": (_undeclared_tool, "a call to a tool the agent did not offer"),
    "duplicate_tool_call_ids": (_duplicate_tool_call_ids, "two tool calls share one id"),
    "empty": (_empty, "no text and no tool call"),
    "reasoning_only": (_reasoning_only, "reasoning output and no answer"),
}
NAMES = tuple(CATALOGUE)
MALFORMED_CALLS = frozenset({"truncated_tool_arguments", "invalid_tool_arguments", "undeclared_tool"})
REFUSALS = frozenset({"refusal", "content_filter"})


def misbehave(name: str, reply: Reply, conversation: Conversation, message: str | None = None) -> Reply:
    """The reply the model gives when it misbehaves as ``name`` instead of answering ``reply``; ``message``
    (the fault's) replaces the refusal's or the reasoning's text."""
    changed = CATALOGUE[name][0](reply, conversation, message)
    return replace(changed, usage=reply.usage, misbehaviour=name, rule=reply.rule)


@dataclass(frozen=True)
class LLMFault(Fault):
    """A model fault: the transport effects every mock has, plus ``misbehave`` (one of :data:`NAMES`)."""

    misbehave: str | None = field(default=None, metadata=spec("choice", choices=NAMES))

    def describe(self) -> str:
        text = super().describe()
        if self.misbehave is None:
            return text
        what = f"misbehave {self.misbehave} ({CATALOGUE[self.misbehave][1]})"
        return text.replace(": no effect", f": {what}") if text.endswith(": no effect") else f"{text}, {what}"


def _first_call(reply: Reply, conversation: Conversation) -> ToolCall:
    """The reply's first tool call, or a call of the first tool offered (with schema-valid arguments)."""
    if reply.tool_calls:
        return reply.tool_calls[0]
    tool = conversation.tools[0] if conversation.tools else None
    name = tool.name if tool else "lookup"
    arguments = example_for(tool.parameters or {"type": "object"}) if tool else {"query": "answer"}
    if not isinstance(arguments, dict) or not arguments:
        arguments = {"query": "answer"}
    prefix = "toolu_" if conversation.provider == "anthropic" else "call_"
    return ToolCall(stable_id(prefix, "misbehave", conversation.fingerprint), name, arguments)


def _cut_text(text: str) -> str:
    """About half of ``text``, ending inside a word when it can, never empty."""
    keep = max(1, len(text) // 2)
    return text[:keep].rstrip() or text[:1]


def _cut_json(text: str) -> str:
    """Arguments' JSON cut inside its first string value (what a token limit leaves): never parses."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                head = json.dumps({key: item})
                return head[: head.index(":") + 3] + item[: max(0, len(item) // 2)]
    return text[: max(1, int(len(text) * TRUNCATED_KEEP))].rstrip("}")
