"""The transcript of a test: time order across mocks, retries with their gaps, escaping, the SVG overview."""

from __future__ import annotations

import re
from typing import Any

from AgentTestLibrary.clock import iso
from AgentTestLibrary.report.transcript import Exchange, render, svg, timeline

T0 = 1_800_000_000.0


def llm(at: float, status: int, **fields: Any) -> Exchange:
    request = {"model": "gpt-4o-mini", "turn": 1, "messages": [{"role": "user", "text": "List the files"}]}
    entry = {"time": iso(T0 + at), "status": status, "protocol": "openai.chat", "kind": "request", "request": request}
    return Exchange("llm", "LLM", {**entry, **fields})


def mcp(at: float, status: int, tool: str = "search") -> Exchange:
    request = {"method": "tools/call", "tool": tool, "arguments": {"query": "cats"}, "id": at}
    return Exchange("mcp", "MCP tools", {"time": iso(T0 + at), "status": status, "request": request, "reply": None})


def test_exchanges_of_every_mock_interleave_in_time_order_numbered_per_mock() -> None:
    ordered = timeline([llm(0.5, 200), mcp(0.2, 200), llm(0.0, 200), mcp(0.9, 200)])
    assert [(x.label, x.number, round(x.offset_s, 3)) for x in ordered] == [
        ("LLM", 1, 0.0), ("MCP tools", 1, 0.2), ("LLM", 2, 0.5), ("MCP tools", 2, 0.9),
    ]  # fmt: skip


def test_a_repeated_call_after_a_failure_is_a_retry_with_its_gap() -> None:
    faulted = llm(0.0, 429, fault="fault #1: status 429", reply={"error": "HTTP 429"}, rule="list files")
    ordered = timeline([faulted, llm(1.25, 200, rule="list files"), mcp(2.0, 503), mcp(2.5, 200), mcp(3.0, 200)])
    assert [(x.label, x.number, x.retry_of) for x in ordered] == [
        ("LLM", 1, None), ("LLM", 2, 1), ("MCP tools", 1, None), ("MCP tools", 2, 1), ("MCP tools", 3, None),
    ]  # fmt: skip
    assert ordered[1].gap_s == 1.25
    page = render(ordered)
    assert "retry of #1 after 1.25 s" in page and "retry of #1 after 0.50 s" in page
    assert page.count("<path ") == 2, "one retry arc per retry in the SVG"


def test_a_different_request_after_a_failure_is_not_a_retry() -> None:
    other = llm(1.0, 200)
    other.entry["request"] = {**other.entry["request"], "turn": 2}
    assert [x.retry_of for x in timeline([llm(0.0, 500), other])] == [None, None]


def test_a_faulted_call_shows_the_error_it_got_not_the_rules_reply() -> None:
    faulted = llm(0.0, 429, fault="fault #1: status 429", rule="list files", reply={"error": "injected HTTP 429"})
    page = render([faulted])
    assert "mock answered an error:</span> injected HTTP 429" in page and "mock asks for" not in page


def test_the_chat_reads_as_turns_with_tool_calls_results_and_the_reply() -> None:
    request = {
        "model": "m",
        "turn": 2,
        "system": "You are careful. " * 20,
        "tools": ["list_files"],
        "messages": [
            {"role": "user", "text": "List the files"},
            {"role": "assistant", "tool_calls": [{"id": "c1", "name": "list_files", "arguments": {"path": "."}}]},
            {"role": "user", "tool_results": [{"call_id": "c1", "content": "notes.txt", "is_error": True}]},
        ],
    }
    page = render([llm(0.0, 200, request=request, rule="answer", reply={"text": "Done."})])
    assert "<details><summary class='agt-role'>system prompt (340 characters)</summary>" in page  # collapsed
    assert "assistant calls</span> <b>list_files</b>" in page
    assert "tool result (error) of</span> <b>list_files (c1)</b><pre>notes.txt</pre>" in page
    assert "mock replies:</span> Done." in page and "rule: answer" in page and "call #1, turn 2" in page


def test_everything_from_the_wire_is_escaped() -> None:
    hostile = "<img src=x onerror=alert(1)>'\""
    entry = llm(0.0, 200, rule=hostile, reply={"text": hostile})
    entry.entry["request"]["messages"][0]["text"] = hostile
    page = render([entry, mcp(0.1, 200, tool=hostile)])
    assert "<img" not in page and "onerror=alert(1)&gt;" in page
    assert not re.search(r"<(?!/?(style|div|b|br|span|pre|details|summary|svg|text|line|circle|title|path)\b)", page)


def test_long_texts_are_clipped_with_the_count_left_out() -> None:
    page = render([llm(0.0, 200, reply={"text": "x" * 2500})])
    assert "x" * 2000 + "… (500 more characters)" in page and "x" * 2001 not in page


def test_the_svg_has_a_lane_per_mock_and_a_mark_per_exchange() -> None:
    picture = svg(timeline([llm(0.0, 200), mcp(0.1, 200), llm(0.2, 429, fault="f")]))
    assert picture.count("<circle") == 3 and picture.count("<line") == 2
    assert "fill='#c62828'" in picture  # the fault in its colour
    assert "aria-label='timeline of 3 exchanges'" in picture


def test_nothing_exchanged_renders_nothing() -> None:
    assert render([]) == ""


def test_a2a_calls_read_as_the_method_and_text_and_a_resend_after_a_failure_is_a_retry() -> None:
    def a2a(at: float, status: int, task_id: str = "") -> Exchange:
        request = {"method": "stream", "wire_method": "SendStreamingMessage", "text": "find <sources>",
                   "task_id": task_id, "id": at}  # fmt: skip
        return Exchange("a2a", "A2A researcher", {"time": iso(T0 + at), "status": status, "request": request})

    ordered = timeline([a2a(0.0, 503), a2a(0.5, 200), a2a(0.9, 200, task_id="t1")])
    assert [(x.number, x.retry_of) for x in ordered] == [(1, None), (2, 1), (3, None)]
    page = render(ordered)
    assert "#1 SendStreamingMessage &quot;find &lt;sources&gt;&quot;" in page and "<sources>" not in page
