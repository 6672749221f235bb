"""A test's exchanges as a person reads them: one timeline of every mock, as escaped HTML with an SVG overview.

The input is what the journals give out (:meth:`JournalEntry.to_dict`, already masked), each
with the mock it came from. Model calls read as a chat (the system prompt collapsed, user
turns, assistant text, tool calls with their arguments, tool results sent back) with the
reply and the rule that chose it; MCP, service and AWS calls as one line each with their
details folded. Injected faults, near misses and retries (a call repeated after a failed
one, with the gap) are marked; the SVG shows the same exchanges on a time axis, one lane per
mock. Everything is escaped here, and the caller masks the whole once more before it is
logged. No Robot Framework.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Source = Literal["llm", "mcp", "service", "aws", "a2a"]
MAX_TEXT = 2000
COLORS = {"ok": "#2e7d32", "fault": "#c62828", "error": "#ef6c00", "unmatched": "#f9a825", "other": "#757575"}
STYLE = (
    "<style>.agt{font:12px/1.45 system-ui,sans-serif;border-left:3px solid #90a4ae;padding-left:8px;margin:4px 0}"
    ".agt-row{margin:3px 0}.agt-src{display:inline-block;min-width:110px;color:#455a64}"
    ".agt-t{display:inline-block;min-width:70px;color:#607d8b;font-family:monospace}"
    ".agt-badge{padding:0 5px;border-radius:3px;color:#fff;font-weight:600}"
    ".agt-msg{margin:2px 0 2px 12px;white-space:pre-wrap}.agt-role{font-weight:600;color:#37474f}"
    ".agt-note{color:#b71c1c}.agt-miss{color:#8d6e00}.agt-retry{color:#6a1b9a}"
    ".agt pre{white-space:pre-wrap;margin:2px 0 2px 12px;max-height:240px;overflow:auto;background:#f5f5f5}"
    "details>summary{cursor:pointer}</style>"
)


@dataclass
class Exchange:
    """One journal entry (as masked data) and where it came from."""

    source: Source
    label: str  # e.g. "LLM", "MCP tools", "service github", "AWS"
    entry: dict[str, Any]
    offset_s: float = 0.0
    number: int = 0  # per source: call #1, #2 ...
    retry_of: int | None = None  # the number of the failed call this one repeats
    gap_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> int:
        return int(self.entry.get("status") or 0)

    @property
    def outcome(self) -> str:
        if self.entry.get("fault"):
            return "fault"
        if self.entry.get("unmatched"):
            return "unmatched"
        if self.status >= 400 or self.entry.get("broken"):
            return "error"
        return "ok" if self.status else "other"


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _identity(exchange: Exchange) -> str:
    """What two attempts of one call share (ids, sessions and progress tokens differ between them)."""
    request = exchange.entry.get("request") or {}
    if exchange.source == "mcp":
        key: Any = [request.get("method"), request.get("tool"), request.get("arguments")]
    elif exchange.source == "service":
        key = [request.get("method"), request.get("path"), request.get("query"), request.get("json")]
    elif exchange.source == "aws":
        key = [request.get("service"), request.get("operation"), request.get("params")]
    elif exchange.source == "a2a":
        key = [request.get("wire_method"), request.get("text"), request.get("data"), request.get("task_id")]
    else:
        key = {name: value for name, value in request.items() if name != "stream"}
    return json.dumps(key, sort_keys=True, default=str)


def timeline(exchanges: list[Exchange]) -> list[Exchange]:
    """Sorted by time, numbered per source, offsets from the first, retries linked to the call they repeat."""
    ordered = sorted(exchanges, key=lambda exchange: exchange.entry.get("time") or "")
    if not ordered:
        return []
    start = _seconds(ordered[0].entry["time"])
    counters: dict[str, int] = {}
    failed: dict[tuple[str, str], Exchange] = {}
    for exchange in ordered:
        exchange.offset_s = _seconds(exchange.entry["time"]) - start
        counters[exchange.label] = counters.get(exchange.label, 0) + 1
        exchange.number = counters[exchange.label]
        key = (exchange.label, _identity(exchange))
        earlier = failed.pop(key, None)
        if earlier is not None:
            exchange.retry_of = earlier.number
            exchange.gap_s = exchange.offset_s - earlier.offset_s
        if exchange.outcome in ("fault", "error"):
            failed[key] = exchange
    return ordered


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"


def _json(value: Any) -> str:
    return _clip(json.dumps(value, indent=1, ensure_ascii=False, default=str))


def _headline(exchange: Exchange) -> str:
    entry, request = exchange.entry, exchange.entry.get("request") or {}
    if exchange.source == "llm":
        model = request.get("model") or entry.get("path")
        turn = f", turn {request['turn']}" if request.get("turn") else ""
        return f"call #{exchange.number}{turn}: {entry.get('protocol') or entry.get('kind')} {model}"
    if exchange.source == "mcp":
        what = request.get("method", "?")
        if request.get("tool"):
            arguments = json.dumps(request.get("arguments"), ensure_ascii=False)[:160]
            what = f"{what} {request['tool']}({arguments})"
        return f"#{exchange.number} {what}"
    if exchange.source == "aws":
        return f"#{exchange.number} {request.get('service')}.{request.get('operation')} page {request.get('page')}"
    if exchange.source == "a2a":
        text = json.dumps(request.get("text") or "", ensure_ascii=False)[:160]
        return f"#{exchange.number} {request.get('wire_method') or request.get('method')} {text}"
    return f"#{exchange.number} {entry.get('method')} {entry.get('path')}"


def _said(who: str, text: str, note: bool = False) -> str:
    kind = "agt-msg agt-note" if note else "agt-msg"
    return f"<div class='{kind}'><span class='agt-role'>{_e(who)}</span> {_e(_clip(text))}</div>"


def _block(who: str, name: str, data: Any) -> str:
    return f"<div class='agt-msg'><span class='agt-role'>{_e(who)}</span> <b>{_e(name)}</b><pre>{_e(data)}</pre></div>"


def _chat(request: dict[str, Any], reply: dict[str, Any] | None) -> str:
    parts = []
    if request.get("system"):
        size = len(request["system"])
        parts.append(f"<details><summary class='agt-role'>system prompt ({size} characters)</summary>"
                     f"<pre>{_e(_clip(request['system']))}</pre></details>")  # fmt: skip
    if request.get("tools"):
        parts.append(_said("tools offered:", ", ".join(request["tools"])[:600]))
    names: dict[str, str] = {}  # call id -> tool name, so a result says which tool it answers
    for message in request.get("messages") or []:
        role = message.get("role", "?")
        if message.get("text"):
            parts.append(_said(f"{role}:", message["text"]))
        for call in message.get("tool_calls") or []:
            names[str(call.get("id"))] = str(call.get("name"))
            parts.append(_block(f"{role} calls", str(call.get("name")), _json(call.get("arguments"))))
        for result in message.get("tool_results") or []:
            flag = " (error)" if result.get("is_error") else ""
            call_id = str(result.get("call_id"))
            answered = f"{names[call_id]} ({call_id})" if call_id in names else call_id
            parts.append(_block(f"tool result{flag} of", answered, _clip(str(result.get("content")))))
    if reply:
        if reply.get("error"):
            parts.append(_said("mock answered an error:", str(reply["error"]), note=True))
        if reply.get("misbehaviour"):
            parts.append(_said("the model misbehaves:", f"{reply['misbehaviour']} (stop: {reply.get('stop_reason')})",
                               note=True))  # fmt: skip
        for key, who in (("reasoning", "mock reasons:"), ("refusal", "mock refuses:"), ("text", "mock replies:")):
            if reply.get(key):
                parts.append(_said(who, reply[key]))
        for call in reply.get("tool_calls") or []:
            parts.append(_block("mock asks for", str(call.get("name")), _json(call.get("arguments"))))
    return "".join(parts)


def _details(exchange: Exchange) -> str:
    entry, request, reply = exchange.entry, exchange.entry.get("request") or {}, exchange.entry.get("reply")
    if exchange.source == "llm":
        return _chat(request, reply)
    shown = {key: value for key, value in request.items() if value not in (None, {}, [], "")}
    body = f"<pre>{_e(_json(shown))}</pre>"
    if reply is not None:
        body += f"<div class='agt-msg'><span class='agt-role'>answer:</span></div><pre>{_e(_json(reply))}</pre>"
    elif entry.get("fault"):
        body += "<div class='agt-msg agt-note'>the fault replaced the answer</div>"
    return body


def render(exchanges: list[Exchange], title: str = "What the agent exchanged with the mocks") -> str:
    """The HTML of a test's transcript (empty when nothing was exchanged)."""
    ordered = timeline(exchanges)
    if not ordered:
        return ""
    rows = []
    for exchange in ordered:
        entry = exchange.entry
        color = COLORS[exchange.outcome]
        badge = f"<span class='agt-badge' style='background:{color}'>{_e(entry.get('status'))}</span>"
        notes = []
        if entry.get("rule"):
            notes.append(f"rule: {_e(entry['rule'])}")
        if entry.get("fault"):
            notes.append(f"<span class='agt-note'>{_e(entry['fault'])}</span>")
        if exchange.retry_of is not None:
            notes.append(f"<span class='agt-retry'>retry of #{exchange.retry_of} after {exchange.gap_s:.2f} s</span>")
        if entry.get("unmatched") or entry.get("near_miss"):
            notes.append(f"<span class='agt-miss'>no rule matched: {_e(entry.get('near_miss'))}</span>")
        if entry.get("error") and not entry.get("fault") and not entry.get("near_miss"):
            notes.append(f"<span class='agt-note'>{_e(str(entry['error'])[:300])}</span>")
        opened = " open" if exchange.source == "llm" else ""
        when = f"<span class='agt-t'>+{exchange.offset_s * 1000:.0f} ms</span>"
        where = f"<span class='agt-src'>{_e(exchange.label)}</span>"
        summary = f"{when}{where} {badge} {_e(_headline(exchange))} {' · '.join(notes)}"
        rows.append(f"<details class='agt-row'{opened}><summary>{summary}</summary>{_details(exchange)}</details>")
    counts = ", ".join(f"{label}: {sum(1 for x in ordered if x.label == label)}"
                       for label in dict.fromkeys(x.label for x in ordered))  # fmt: skip
    return f"{STYLE}<div class='agt'><b>{_e(title)}</b> ({counts})<br>{svg(ordered)}{''.join(rows)}</div>"


def svg(ordered: list[Exchange], width: int = 720) -> str:
    """The exchanges on a time axis: one lane per mock, a mark per exchange (coloured by outcome), retry arcs."""
    lanes = list(dict.fromkeys(exchange.label for exchange in ordered))
    span = max(0.001, *(exchange.offset_s for exchange in ordered))
    left, lane_height = 120, 22
    height = lane_height * len(lanes) + 24
    scale = (width - left - 20) / span

    def x(exchange: Exchange) -> float:
        return left + exchange.offset_s * scale

    def y(exchange: Exchange) -> float:
        return 12 + lanes.index(exchange.label) * lane_height + lane_height / 2

    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img' "
             f"aria-label='timeline of {len(ordered)} exchanges'>"]  # fmt: skip
    for index, lane in enumerate(lanes):
        middle = 12 + index * lane_height + lane_height / 2
        parts.append(f"<text x='4' y='{middle + 4:.0f}' font-size='11' fill='#455a64'>{_e(lane)}</text>")
        parts.append(f"<line x1='{left}' y1='{middle:.0f}' x2='{width - 10}' y2='{middle:.0f}' stroke='#cfd8dc'/>")
    numbers = {(exchange.label, exchange.number): exchange for exchange in ordered}
    for exchange in ordered:
        if exchange.retry_of is not None:
            start, end, top = x(numbers[(exchange.label, exchange.retry_of)]), x(exchange), y(exchange)
            curve = f"M{start:.1f},{top - 5:.1f} Q{(start + end) / 2:.1f},{top - 16:.1f} {end:.1f},{top - 5:.1f}"
            parts.append(f"<path d='{curve}' fill='none' stroke='#6a1b9a' stroke-dasharray='3,2'>"
                         f"<title>retry after {exchange.gap_s:.2f} s</title></path>")  # fmt: skip
        tip = f"{exchange.label} {_headline(exchange)} -> {exchange.entry.get('status')} at +{exchange.offset_s:.3f} s"
        mark = f"<circle cx='{x(exchange):.1f}' cy='{y(exchange):.1f}' r='5' fill='{COLORS[exchange.outcome]}'>"
        parts.append(f"{mark}<title>{_e(tip)}</title></circle>")
    axis = f"y='{height - 2}' font-size='10' fill='#607d8b'"
    parts.append(f"<text x='{left}' {axis}>0 s</text><text x='{width - 60}' {axis}>{span:.2f} s</text></svg>")
    return "".join(parts)
