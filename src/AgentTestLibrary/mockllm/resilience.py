"""Verdicts on how an agent met faults, judged from the journal's timestamps and what it sent back.

Attempts of one call are journal entries carrying the same conversation (clients resend the
same body when they retry). Gaps are measured from when the failed response was sent (the
request's arrival plus any injected delay) to the next attempt's arrival. Every verdict
returns '' when it holds, else a message with the observed numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from ..mock.journal import JournalEntry
from .conversation import Conversation, conversation_of
from .misbehaviour import MALFORMED_CALLS, REFUSALS


@dataclass
class Call:
    """All attempts of one model call, oldest first."""

    label: str
    attempts: list[JournalEntry] = field(default_factory=list)

    @property
    def gaps(self) -> list[float]:
        return [later.time - (earlier.time + earlier.delay_s) for earlier, later in pairwise(self.attempts)]

    @property
    def retries(self) -> int:
        """Attempts that followed a failed or broken attempt."""
        return sum(1 for earlier in self.attempts[:-1] if _failed(earlier))

    @property
    def faulted(self) -> bool:
        return any(_failed(entry) for entry in self.attempts)

    def timeline(self) -> str:
        start = self.attempts[0].time
        return ", ".join(f"{entry.time - start:.2f} s ({_outcome(entry)})" for entry in self.attempts)

    def to_dict(self) -> dict[str, object]:
        return {
            "call": self.label,
            "attempts": len(self.attempts),
            "retries": self.retries,
            "gaps_s": [round(gap, 3) for gap in self.gaps],
            "statuses": [_outcome(entry) for entry in self.attempts],
            "retry_after_s": [entry.retry_after_s for entry in self.attempts],
        }


def _failed(entry: JournalEntry) -> bool:
    return entry.status >= 400 or entry.broken


def _outcome(entry: JournalEntry) -> str:
    return f"{entry.status} broken" if entry.broken and entry.status < 400 else str(entry.status)


def calls(entries: list[JournalEntry]) -> list[Call]:
    """Group model requests by conversation, in order of first appearance; labelled ``call 2 (turn 2): 'text'``
    so a turn's retries and the next turn of the same prompt are told apart."""
    grouped: dict[str, Call] = {}
    for entry in entries:
        conversation = conversation_of(entry)
        if conversation is None:
            continue
        if conversation.identity not in grouped:
            text = conversation.latest_user_text[:50]
            label = f"call {len(grouped) + 1} (turn {conversation.turn}): '{text}'"
            grouped[conversation.identity] = Call(label)
        grouped[conversation.identity].attempts.append(entry)
    return list(grouped.values())


def retried(entries: list[JournalEntry], expected: int) -> str:
    observed = sum(call.retries for call in calls(entries))
    if observed == expected:
        return ""
    details = (
        "; ".join(f"{call.label}: {call.timeline()}" for call in calls(entries) if call.faulted) or "no failed attempts"
    )
    return f"Expected {expected} retries, observed {observed}: {details}."


def honoured_retry_after(entries: list[JournalEntry], tolerance_s: float) -> str:
    problems, checked = [], 0
    for call in calls(entries):
        for earlier, gap in zip(call.attempts, call.gaps, strict=False):
            if earlier.retry_after_s is None:
                continue
            checked += 1
            if gap < earlier.retry_after_s - tolerance_s:
                problems.append(f"retried after {gap:.2f} s, retry-after asked for {earlier.retry_after_s:g} s")
    if not checked:
        return "No response with retry-after was followed by a retry, so there is nothing to judge."
    return "; ".join(problems) + "." if problems else ""


def backed_off(entries: list[JournalEntry], growth: float) -> str:
    judged = [call for call in calls(entries) if call.retries >= 2]
    if not judged:
        return "Backing off needs at least two retries of one call; none was observed."
    problems = []
    for call in judged:
        gaps = call.gaps[: call.retries]
        if any(later < earlier * growth for earlier, later in pairwise(gaps)):
            problems.append(f"gaps did not grow: {', '.join(f'{gap:.2f}' for gap in gaps)} s")
    return "; ".join(problems) + "." if problems else ""


def not_hammered(entries: list[JournalEntry], min_gap_s: float) -> str:
    short = [gap for call in calls(entries) for earlier, gap in zip(call.attempts, call.gaps, strict=False)
             if _failed(earlier) and gap < min_gap_s]  # fmt: skip
    return (
        f"Hammered: retried after {', '.join(f'{gap:.3f}' for gap in short)} s (minimum {min_gap_s:g} s)."
        if short
        else ""
    )


def truncated_not_accepted(entries: list[JournalEntry], agent_rc: int | None) -> str:
    """A cut or malformed response must be retried or make the agent fail; never taken as complete."""
    problems = []
    for call in calls(entries):
        last = call.attempts[-1]
        if not last.broken or last.status >= 400:
            continue
        before = conversation_of(last)
        later = [found for entry in entries if entry.index > last.index and (found := conversation_of(entry))]
        continued = before is not None and any(_continues(conversation, before) for conversation in later)
        if continued:
            problems.append(
                f"request #{last.index} got a broken response ({last.fault}) and the agent went on to the next turn"
            )
        elif agent_rc == 0:
            problems.append(
                f"request #{last.index} got a broken response ({last.fault}); "
                "the agent neither retried nor failed (rc 0)"
            )
    return "Truncated response accepted as complete: " + "; ".join(problems) + "." if problems else ""


def _continues(later: Conversation, earlier: Conversation) -> bool:
    return later.messages[: len(earlier.messages)] == earlier.messages and later.turn > earlier.turn


def gave_up_cleanly(entries: list[JournalEntry], max_attempts: int | None, agent_rc: int | None) -> str:
    faulted = [call for call in calls(entries) if call.faulted]
    if not faulted:
        return "No call failed, so there was nothing to give up on."
    call = faulted[-1]
    problems = []
    if not _failed(call.attempts[-1]):
        problems.append(f"the last attempt succeeded ({call.timeline()}), so the agent did not give up")
    if max_attempts is not None and len(call.attempts) > max_attempts:
        problems.append(f"{len(call.attempts)} attempts, more than the {max_attempts} allowed ({call.timeline()})")
    if agent_rc == 0:
        problems.append("the agent exited 0 as if it had succeeded")
    return "Did not give up cleanly: " + "; ".join(problems) + "." if problems else ""


def malformed_not_executed(entries: list[JournalEntry]) -> str:
    """No tool call whose arguments were cut or did not parse, or whose tool was not offered, came back with a
    tool result that reads as a run: the result must be an error (``is_error``, or text starting ``error``)."""
    served = [(entry, malformed) for entry in entries if (malformed := _malformed_calls(entry))]
    if not served:
        return (
            "No malformed tool call was served in this test (inject misbehave=truncated_tool_arguments, "
            "invalid_tool_arguments or undeclared_tool), so there is nothing to judge."
        )
    problems = []
    for entry, malformed in served:
        for later in entries[entries.index(entry) + 1 :]:
            conversation = conversation_of(later)
            for result in conversation.latest_tool_results if conversation else ():
                if result.call_id in malformed and not _reads_as_error(result.content, result.is_error):
                    problems.append(f"request #{later.index} carries a result of {malformed[result.call_id]} "
                                    f"(served in #{entry.index}): {result.content[:80]!r}")  # fmt: skip
    return "Malformed tool call executed: " + "; ".join(dict.fromkeys(problems)) + "." if problems else ""


def not_looped_on_refusal(entries: list[JournalEntry], max_repeats: int) -> str:
    """After a refusal or a content filter, the agent sent the refused request again (or went on with it without a
    new instruction) at most ``max_repeats`` times."""
    refused = [entry for entry in entries if getattr(entry.reply, "misbehaviour", "") in REFUSALS]
    if not refused:
        return (
            "No refusal was served in this test (inject misbehave=refusal or content_filter), so there is "
            "nothing to judge."
        )
    problems, repeated = [], set()
    for entry in refused:
        if entry.index in repeated:
            continue  # a repeat of an earlier refused request: counted there
        before = conversation_of(entry)
        repeats = [later.index for later in entries if later.index > entry.index
                   and (now := conversation_of(later)) is not None and before is not None
                   and now.latest_user_text == before.latest_user_text
                   and now.messages[: len(before.messages)] == before.messages]  # fmt: skip
        repeated.update(repeats)
        if len(repeats) > max_repeats:
            problems.append(f"request #{entry.index} was refused and the agent asked again {len(repeats)} times "
                            f"(#{', #'.join(map(str, repeats))}); at most {max_repeats} allowed")  # fmt: skip
    return "Looped on refusal: " + "; ".join(problems) + "." if problems else ""


def _malformed_calls(entry: JournalEntry) -> dict[str, str]:
    """The calls of a reply the model malformed, by id: ``'tool' with arguments '...'``."""
    reply, conversation = entry.reply, conversation_of(entry)
    name = getattr(reply, "misbehaviour", "")
    if name not in MALFORMED_CALLS or conversation is None:
        return {}
    return {call.id: f"{call.name} with arguments {call.arguments_json()[:60]!r}" for call in reply.tool_calls
            if name != "undeclared_tool" or call.name not in conversation.tool_names}  # fmt: skip


def _reads_as_error(content: str, is_error: bool) -> bool:
    return is_error or content.lstrip().lower().startswith("error")
