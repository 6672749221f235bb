"""Stateless matching of a neutral conversation against rules, with near-miss explanations."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..conversation import Conversation
from .model import ReplySpec


def _shorten(text: str, limit: int = 80) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Matcher:
    """Conditions on a conversation; every condition given must hold (an empty matcher matches all)."""

    protocol: tuple[str, ...] = ()
    provider: str | None = None
    model: str | None = None
    model_matches: re.Pattern[str] | None = None
    user_text_contains: str | None = None
    user_text_matches: re.Pattern[str] | None = None
    system_contains: str | None = None
    tool_offered: str | None = None
    tool_result: bool | None = None
    tool_result_contains: str | None = None
    tool_call_id: str | None = None
    turn: int | None = None

    def mismatches(self, conv: Conversation) -> list[str]:
        """Why this matcher does not match ``conv``: one sentence per failed condition."""
        checks: list[tuple[object, Callable[[], bool], Callable[[], str]]] = [
            (
                self.protocol,
                lambda: conv.protocol in self.protocol,
                lambda: f"protocol is {conv.protocol}, rule wants {' or '.join(self.protocol)}",
            ),
            (
                self.provider,
                lambda: conv.provider == self.provider,
                lambda: f"provider is {conv.provider}, rule wants {self.provider}",
            ),
            (
                self.model,
                lambda: conv.model == self.model,
                lambda: f"model is '{conv.model}', rule wants '{self.model}'",
            ),
            (
                self.model_matches,
                lambda: bool(self.model_matches and self.model_matches.search(conv.model)),
                lambda: (
                    f"model '{conv.model}' does not match /{self.model_matches.pattern if self.model_matches else ''}/"
                ),
            ),
            (
                self.user_text_contains,
                lambda: (self.user_text_contains or "") in conv.latest_user_text,
                lambda: (
                    f"latest user text '{_shorten(conv.latest_user_text)}' does not contain '{self.user_text_contains}'"
                ),
            ),
            (
                self.user_text_matches,
                lambda: bool(self.user_text_matches and self.user_text_matches.search(conv.latest_user_text)),
                lambda: (
                    f"latest user text '{_shorten(conv.latest_user_text)}' does not match "
                    f"/{self.user_text_matches.pattern if self.user_text_matches else ''}/"
                ),
            ),
            (
                self.system_contains,
                lambda: (self.system_contains or "") in conv.system,
                lambda: f"system prompt '{_shorten(conv.system)}' does not contain '{self.system_contains}'",
            ),
            (
                self.tool_offered,
                lambda: self.tool_offered in conv.tool_names,
                lambda: f"tool '{self.tool_offered}' not offered (offered: {', '.join(conv.tool_names) or 'none'})",
            ),
            (
                self.tool_result,
                lambda: bool(conv.latest_tool_results) == self.tool_result,
                lambda: (
                    "no tool result in the latest turn" if self.tool_result else "the latest turn carries tool results"
                ),
            ),
            (
                self.tool_result_contains,
                lambda: any((self.tool_result_contains or "") in r.content for r in conv.latest_tool_results),
                lambda: (
                    f"no tool result in the latest turn contains '{self.tool_result_contains}'"
                    f" (results: {[_shorten(r.content, 40) for r in conv.latest_tool_results]})"
                ),
            ),
            (
                self.tool_call_id,
                lambda: any(r.call_id == self.tool_call_id for r in conv.latest_tool_results),
                lambda: f"no tool result for call id '{self.tool_call_id}' in the latest turn",
            ),
            (self.turn, lambda: conv.turn == self.turn, lambda: f"turn is {conv.turn}, rule wants {self.turn}"),
        ]
        return [explain() for wanted, holds, explain in checks if wanted not in (None, ()) and not holds()]


@dataclass(frozen=True)
class Rule:
    """A matcher and its reply, or a sequence of replies given one per matching call."""

    name: str
    matcher: Matcher
    replies: tuple[ReplySpec, ...]
    location: str = ""
    is_sequence: bool = False
    key: str = field(default="", compare=False)

    def describe(self) -> str:
        return f"rule '{self.name}'" + (f" ({self.location})" if self.location else "")


@dataclass(frozen=True)
class Match:
    rule: Rule | None
    near_miss: str = ""


def find_match(rules: tuple[Rule, ...] | list[Rule], conv: Conversation) -> Match:
    """First rule whose matcher holds; otherwise the closest rule and why it missed."""
    best: tuple[int, Rule, list[str]] | None = None
    for rule in rules:
        reasons = rule.matcher.mismatches(conv)
        if not reasons:
            return Match(rule)
        if best is None or len(reasons) < best[0]:
            best = (len(reasons), rule, reasons)
    if best is None:
        return Match(None, "the scenario has no rules")
    _, rule, reasons = best
    return Match(None, f"closest was {rule.describe()}: " + "; ".join(reasons))
