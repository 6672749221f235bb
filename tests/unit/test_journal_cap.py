"""The journal's byte cap: every entry weighs what it keeps (request, reply), and no entry passes the cap."""

from __future__ import annotations

from AgentTestLibrary.mock.journal import Journal
from AgentTestLibrary.mockllm.conversation import Reply
from AgentTestLibrary.mockmcp.model import McpReply


def test_model_and_mcp_replies_weigh_the_text_they_keep() -> None:
    journal = Journal()
    model = journal.record(method="POST", path="/v1/m", status=200, reply=Reply("t" * 700, reasoning="r" * 300))
    assert model.size == 1_000
    content = {"content": [{"type": "text", "text": "a" * 400}, {"type": "text", "text": "b" * 100}]}
    assert journal.record(method="POST", path="/mcp", status=200, reply=McpReply(content)).size == 500
    assert journal.size_bytes == 1_500
