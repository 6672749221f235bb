"""What the journal keeps of each request, for the garbage collector to walk on every full collection: the JSON
body as the bytes the client sent (one object, whatever its nesting; decoded when read), and the agent's tools once
for all the requests that send them."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

from AgentTestLibrary.mock.http import Request
from AgentTestLibrary.mock.journal import Journal, JournalEntry, RawJson
from AgentTestLibrary.mockllm import MockLLM

NESTED = {
    "model": "m",
    "messages": [{"role": "user", "content": [{"type": "text", "text": f"part {n}"}]} for n in range(20)],
    "tools": [{"type": "function", "function": {"name": f"tool_{n}", "parameters": {"type": "object"}}}
              for n in range(10)],
}  # fmt: skip


def _tracked(root: Any) -> int:
    """How many objects the collector walks to get through ``root`` and all it refers to (classes left out)."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        item = pending.pop()
        if id(item) in seen or not gc.is_tracked(item):
            continue
        seen.add(id(item))
        pending.extend(referent for referent in gc.get_referents(item) if not isinstance(referent, type))
    return len(seen)


def _sent(app: MockLLM, body: object, path: str = "/v1/chat/completions") -> JournalEntry:
    app.handle(Request("POST", path, {"content-type": "application/json"}, json.dumps(body).encode()))
    return app.journal.entries()[-1]


def test_a_journaled_json_body_is_one_object_for_the_collector_and_reads_back_as_sent() -> None:
    entry = _sent(MockLLM(), NESTED)
    assert entry.status == 200
    assert isinstance(entry.body, RawJson) and _tracked(entry.body) == 1
    assert entry.to_dict()["body"] == NESTED


def test_a_refused_request_keeps_its_body_the_same_way() -> None:
    body = {"messages": "not a list", "nested": [{"a": [1, 2, {"b": None}]}]}
    entry = _sent(MockLLM(), body)
    assert entry.status == 400 and entry.error
    assert isinstance(entry.body, RawJson) and entry.to_dict()["body"] == body


def test_bodies_without_objects_are_kept_as_they_are() -> None:
    entry = _sent(MockLLM(), "just a string")
    assert entry.status == 400 and entry.body == "just a string"


def test_a_raw_body_over_the_cap_becomes_a_marker_naming_its_length() -> None:
    raw = json.dumps(NESTED).encode()
    journal = Journal(max_bytes=100)
    entry = journal.record(method="POST", path="/v1/a", status=200, body=RawJson(raw), size=len(raw))
    assert entry.body.startswith(f"<{len(raw)} bytes, not kept: the exchange weighed")
    assert entry.to_dict()["body"] == entry.body


def test_an_agents_tools_are_kept_once_for_all_its_requests() -> None:
    capture = json.loads((Path(__file__).parents[1] / "fixtures" / "captures" / "claude_code_first_turn.json")
                         .read_text(encoding="utf-8"))  # fmt: skip
    app = MockLLM()
    entries = [_sent(app, capture["body"], capture["path"]) for _ in range(10)]
    assert all(entry.status == 200 for entry in entries)
    tools = _tracked(entries[0].subject.tools)
    assert tools > 100  # 25 tools and their schemas
    assert _tracked([entry.subject for entry in entries]) < tools + 10 * 20
