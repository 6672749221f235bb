"""The requests the benchmark sends: one per wire format and transport mode."""

from __future__ import annotations

import json

USER_TEXT = "Say something short."
CASES: dict[str, tuple[str, dict[str, object]]] = {
    "chat plain": (
        "/v1/chat/completions",
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": USER_TEXT}]},
    ),
    "chat stream": (
        "/v1/chat/completions",
        {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": USER_TEXT}]},
    ),
    "responses stream": ("/v1/responses", {"model": "gpt-5", "stream": True, "input": USER_TEXT}),
    "messages stream": (
        "/v1/messages",
        {
            "model": "claude-opus-4-8",
            "max_tokens": 64,
            "stream": True,
            "messages": [{"role": "user", "content": USER_TEXT}],
        },
    ),
    "peer plain": (
        "/v1/chat/completions",
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello benchmark"}], "stream": False},
    ),
    "peer stream": (
        "/v1/chat/completions",
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello benchmark"}], "stream": True},
    ),
    "gemini stream": (
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        {"contents": [{"role": "user", "parts": [{"text": USER_TEXT}]}]},
    ),
}


def request_bytes(case: str) -> bytes:
    target, body = CASES[case]
    payload = json.dumps(body).encode()
    return (
        b"POST %s HTTP/1.1\r\nhost: 127.0.0.1\r\nx-bench-case: %s\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n%s" % (target.encode(), case.encode(), len(payload), payload)
    )
