"""The requests the benchmarks send: one per wire format and transport mode, all answered with TEXT."""

from __future__ import annotations

import json

TEXT = "hello benchmark: the same 44 characters back"
PROMPT = "hello benchmark"
SCENARIO = f"version: 1\nrules:\n  - name: bench\n    reply: {{text: {json.dumps(TEXT)}}}\n"
USER = [{"role": "user", "content": PROMPT}]
CASES: dict[str, tuple[str, dict[str, object]]] = {
    "chat plain": ("/v1/chat/completions", {"model": "gpt-4o-mini", "messages": USER}),
    "chat stream": ("/v1/chat/completions", {"model": "gpt-4o-mini", "stream": True, "messages": USER}),
    "responses stream": ("/v1/responses", {"model": "gpt-5", "stream": True, "input": PROMPT}),
    "messages stream": (
        "/v1/messages",
        {"model": "claude-opus-4-8", "max_tokens": 64, "stream": True, "messages": USER},
    ),
    "gemini stream": (
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        {"contents": [{"role": "user", "parts": [{"text": PROMPT}]}]},
    ),
}


def request_bytes(case: str) -> bytes:
    """The request every server gets; ``x-bench-case`` tells the floor which canned answer to write."""
    target, body = CASES[case]
    payload = json.dumps(body).encode()
    return (
        b"POST %s HTTP/1.1\r\nhost: 127.0.0.1\r\nx-bench-case: %s\r\ncontent-type: application/json\r\n"
        b"authorization: Bearer sk-bench\r\ncontent-length: %d\r\n\r\n%s"
        % (target.encode(), case.encode(), len(payload), payload)
    )
