"""Harness-injected text: the blocks agent harnesses add to a user turn, told apart from what the user typed.

Agent CLIs wrap the user's prompt in context of their own: Claude Code adds
``<system-reminder>…</system-reminder>`` (as text blocks of their own, or inside a text block
before or after the typed text), Codex sends ``<environment_context>``, ``<user_instructions>``
and ``# AGENTS.md instructions for …`` as input_text parts of their own, Gemini CLI opens a
session with a ``<session_context>`` preamble; text that comes with tool results is a note on
them. Every codec hands the text parts of a user
turn to :func:`split_user_text`; the neutral :class:`~.conversation.Message` then carries the
typed text and the blocks apart, so one rule matches what the user typed in every wire format.
"""

from __future__ import annotations

from collections.abc import Sequence

# Marked blocks (opening, closing) cut wherever they stand in a text part, in the order tried.
MARKED_BLOCKS: tuple[tuple[str, str], ...] = (
    ("<system-reminder>", "</system-reminder>"),  # Claude Code: date, CLAUDE.md, tool-use notes, todo state
    ("<ide_opened_file>", "</ide_opened_file>"),  # Claude Code in an IDE
    ("<ide_selection>", "</ide_selection>"),
    ("<environment_context>", "</environment_context>"),  # Codex
    ("<user_instructions>", "</user_instructions>"),  # Codex before AGENTS.md had a heading of its own
    ("# AGENTS.md instructions", "</INSTRUCTIONS>"),  # Codex: AGENTS.md contents
    ("<skill>", "</skill>"),  # Codex: a skill's instructions
    ("<turn_aborted>", "</turn_aborted>"),  # Codex: a note that the previous turn was interrupted
    ("<subagent_notification>", "</subagent_notification>"),  # Codex: a child agent's status
    ("<recommended_plugins>", "</recommended_plugins>"),  # Codex
    ("<session_context>", "</session_context>"),  # Gemini CLI: date, OS, workspace tree
)
# Whole text parts that are harness context without a closing mark (Gemini CLI before <session_context>).
PREAMBLES: tuple[str, ...] = ("This is the Gemini CLI. We are setting up the context for our chat.",)


def split_user_text(parts: Sequence[str], beside_tool_results: bool = False) -> tuple[str, tuple[str, ...]]:
    """The typed text of a user turn's text parts (joined by newlines) and the harness blocks cut from it.

    Text sent in one message with tool results is the harness's note on those tools (Claude Code's
    "Tool loaded." after ToolSearch), not a prompt: ``beside_tool_results`` makes every part a block.
    """
    if len(parts) == 1 and not beside_tool_results:  # the usual turn: one part, nothing a harness marks in it
        part = parts[0]
        if "<" not in part and "# AGENTS.md" not in part and not part.lstrip().startswith(PREAMBLES):
            return (part if part.strip() else ""), ()
    typed: list[str] = []
    blocks: list[str] = []
    for part in parts:
        if beside_tool_results or part.lstrip().startswith(PREAMBLES):
            if part.strip():
                blocks.append(part.strip())
            continue
        rest = _cut_blocks(part, blocks)
        if rest.strip():
            typed.append(rest.strip() if len(rest) != len(part) else part)
    return "\n".join(typed), tuple(blocks)


def _cut_blocks(text: str, blocks: list[str]) -> str:
    """``text`` without its marked blocks (appended to ``blocks``); an opening without its closing stays
    typed text. Linear in the text for each kind of mark: every search starts past the last block cut."""
    if "<" not in text and "# AGENTS.md" not in text:
        return text
    openings = {marker: text.find(marker[0]) for marker in MARKED_BLOCKS}
    kept: list[str] = []
    position = 0
    while live := [(start, marker) for marker, start in openings.items() if start >= 0]:
        start, (opening, closing) = min(live)
        close = text.find(closing, start + len(opening))
        if close < 0:  # no closing after this opening, so none after a later one either
            openings[opening, closing] = -1
            continue
        end = close + len(closing)
        kept.append(text[position:start])
        blocks.append(text[start:end].strip())
        position = end
        for marker, at in openings.items():
            if 0 <= at < end:
                openings[marker] = text.find(marker[0], end)
    kept.append(text[position:])
    return "".join(kept)
