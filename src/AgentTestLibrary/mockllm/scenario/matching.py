"""Stateless matching of a neutral conversation against rules, with near-miss explanations.

The conditions a rule (or a fault) may set are the fields of :class:`Matcher`, each declared
once with its kind; the loaders and the keywords read that declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from ...mock.fields import Pattern, spec
from ...mock.rulebook import Scripted
from ...wire import PROTOCOLS, PROVIDERS
from ..conversation import Conversation
from .model import ReplySpec


def _shorten(text: str, limit: int = 80) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Matcher:
    """Conditions on a conversation; every condition given must hold (an empty matcher matches all)."""

    protocol: tuple[str, ...] = field(default=(), metadata=spec("choices", choices=PROTOCOLS))
    provider: str | None = field(default=None, metadata=spec("choice", choices=PROVIDERS))
    model: str | None = field(default=None, metadata=spec("str"))
    model_matches: Pattern | None = field(default=None, metadata=spec("regex"))
    user_text_contains: str | None = field(default=None, metadata=spec("str"))
    user_text_matches: Pattern | None = field(default=None, metadata=spec("regex"))
    turn_text_contains: str | None = field(default=None, metadata=spec("str"))
    turn_text_matches: Pattern | None = field(default=None, metadata=spec("regex"))
    system_contains: str | None = field(default=None, metadata=spec("str"))
    tool_offered: str | None = field(default=None, metadata=spec("str"))
    tool_result: bool | None = field(default=None, metadata=spec("bool"))
    tool_result_contains: str | None = field(default=None, metadata=spec("str"))
    tool_call_id: str | None = field(default=None, metadata=spec("str"))
    turn: int | None = field(
        default=None,
        metadata=spec("int", minimum=1, expected="a positive integer",
                      too_small="turns count from 1 (the first model call of a conversation)."),
    )  # fmt: skip

    def __post_init__(self) -> None:
        active = tuple((CHECKS[item.name], getattr(self, item.name)) for item in fields(self)
                       if getattr(self, item.name) not in (None, ()))  # fmt: skip
        object.__setattr__(self, "_active", active)

    def mismatches(self, conv: Conversation) -> list[str]:
        """Why this matcher does not match ``conv``: one sentence per failed condition."""
        active: tuple[tuple[Check, Any], ...] = self._active  # type: ignore[attr-defined]
        return [explain(wanted, conv) for (holds, explain), wanted in active if not holds(wanted, conv)]


Check = tuple[Callable[[Any, Conversation], bool], Callable[[Any, Conversation], str]]
CHECKS: dict[str, Check] = {
    "protocol": (
        lambda want, conv: conv.protocol in want,
        lambda want, conv: f"protocol is {conv.protocol}, rule wants {' or '.join(want)}",
    ),
    "provider": (
        lambda want, conv: conv.provider == want,
        lambda want, conv: f"provider is {conv.provider}, rule wants {want}",
    ),
    "model": (
        lambda want, conv: conv.model == want,
        lambda want, conv: f"model is '{conv.model}', rule wants '{want}'",
    ),
    "model_matches": (
        lambda want, conv: bool(want.search(conv.model)),
        lambda want, conv: _pattern_miss("model", conv.model, want),
    ),
    "user_text_contains": (
        lambda want, conv: want in conv.latest_user_text,
        lambda want, conv: (
            f"latest user text '{_shorten(conv.latest_user_text)}' does not contain '{want}'" + _blocks_note(conv)
        ),
    ),
    "user_text_matches": (
        lambda want, conv: bool(want.search(conv.latest_user_text)),
        lambda want, conv: _pattern_miss("latest user text", conv.latest_user_text, want) + _blocks_note(conv),
    ),
    "turn_text_contains": (
        lambda want, conv: want in conv.turn_text,
        lambda want, conv: (
            f"the latest turn (user text '{_shorten(conv.latest_user_text)}'{_blocks_note(conv, ' and')})"
            f" does not contain '{want}'"
        ),
    ),
    "turn_text_matches": (
        lambda want, conv: bool(want.search(conv.turn_text)),
        lambda want, conv: _pattern_miss("latest turn", conv.turn_text, want, 200),
    ),
    "system_contains": (
        lambda want, conv: want in conv.system,
        lambda want, conv: f"system prompt '{_shorten(conv.system)}' does not contain '{want}'",
    ),
    "tool_offered": (
        lambda want, conv: want in conv.tool_names,
        lambda want, conv: f"tool '{want}' not offered (offered: {', '.join(conv.tool_names) or 'none'})",
    ),
    "tool_result": (
        lambda want, conv: bool(conv.latest_tool_results) == want,
        lambda want, conv: (
            f"no tool result in the latest turn (it is the user text '{_shorten(conv.latest_user_text, 60)}')"
            if want
            else "the latest turn carries tool results (rule wants none): "
            + ", ".join(repr(_shorten(result.content, 60)) for result in conv.latest_tool_results)
        ),
    ),
    "tool_result_contains": (
        lambda want, conv: any(want in result.content for result in conv.latest_tool_results),
        lambda want, conv: (
            f"no tool result in the latest turn contains '{want}'"
            f" (results: {[_shorten(result.content, 40) for result in conv.latest_tool_results]})"
        ),
    ),
    "tool_call_id": (
        lambda want, conv: any(result.call_id == want for result in conv.latest_tool_results),
        lambda want, conv: f"no tool result for call id '{want}' in the latest turn",
    ),
    "turn": (lambda want, conv: conv.turn == want, lambda want, conv: f"turn is {conv.turn}, rule wants {want}"),
}


def _pattern_miss(what: str, text: str, pattern: Pattern | None, limit: int = 80) -> str:
    if pattern is not None and pattern.search(text) is None:
        return f"the pattern {pattern} took too long on the {what} (catastrophic backtracking?): counted as no match"
    return f"{what} '{_shorten(text, limit)}' does not match {pattern}"


def _blocks_note(conv: Conversation, lead: str = "; beside it") -> str:
    """The harness blocks of the latest turn, each clipped, for a near-miss report ('' when there are none)."""
    blocks = conv.harness_blocks
    if not blocks:
        return ""
    shown = ", ".join(repr(_shorten(block, 60)) for block in blocks[:3])
    more = f" and {len(blocks) - 3} more" if len(blocks) > 3 else ""
    return f"{lead} {len(blocks)} harness block{'s' if len(blocks) > 1 else ''}: {shown}{more}"


@dataclass(frozen=True)
class Rule(Scripted["Matcher", ReplySpec]):
    """A matcher and its reply, or a sequence of replies given one per matching call."""
