"""The journal's byte cap: every entry weighs what it keeps (request, reply), and no entry passes the cap."""

from __future__ import annotations

import json

from AgentTestLibrary.mock.http import Request
from AgentTestLibrary.mock.journal import MAX_BODY_CHARS, Journal
from AgentTestLibrary.mockllm import MockLLM
from AgentTestLibrary.mockllm.conversation import Reply
from AgentTestLibrary.mockmcp.model import McpReply


def test_an_entry_alone_over_the_cap_is_kept_without_its_bodies_and_says_so() -> None:
    journal = Journal(max_bytes=10_000)
    journal.record(method="POST", path="/v1/a", status=200, body="small", size=100)
    huge = journal.record(method="POST", path="/v1/b", status=200, body="x" * 50_000, reply=Reply("y" * 50_000),
                          size=100_000)  # fmt: skip
    assert [entry.path for entry in journal.entries()] == ["/v1/a", "/v1/b"] and journal.dropped == 0
    assert journal.size_bytes <= journal.max_bytes
    assert huge.reply is None and huge.subject is None and huge.status == 200
    assert huge.body.startswith("<50000 bytes, not kept: the exchange weighed 150000 bytes, over the journal")
    assert huge.to_dict()["path"] == "/v1/b"


def test_a_body_journaled_as_a_marker_is_weighed_as_the_marker() -> None:
    app = MockLLM()
    text = json.dumps("x" * (MAX_BODY_CHARS + 10)).encode()  # JSON, but no request: journaled with its body
    answer = app.handle(Request("POST", "/v1/chat/completions", {"content-type": "application/json"}, text))
    assert answer.status == 400
    entry = app.journal.entries()[-1]
    assert entry.body == f"<{MAX_BODY_CHARS + 10} bytes, not kept>"
    assert app.journal.size_bytes < 1_000


def test_model_and_mcp_replies_weigh_the_text_they_keep() -> None:
    journal = Journal()
    model = journal.record(method="POST", path="/v1/m", status=200, reply=Reply("t" * 700, reasoning="r" * 300))
    assert model.size == 1_000
    content = {"content": [{"type": "text", "text": "a" * 400}, {"type": "text", "text": "b" * 100}]}
    assert journal.record(method="POST", path="/mcp", status=200, reply=McpReply(content)).size == 500
    assert journal.size_bytes == 1_500
