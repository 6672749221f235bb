"""The requests the benchmarks send: one per wire format and transport mode, all answered with TEXT; real agents'
requests (AGENT_CASES: Claude Code, Codex and Gemini CLI as captured, their system prompts, tools and history), answered
alike; and the REST case, a GitHub issues page of REST_ITEMS items from the github preset."""

from __future__ import annotations

import json
from pathlib import Path

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


CAPTURES = Path(__file__).parents[1] / "tests" / "fixtures" / "captures"
AGENT_CAPTURES = ("claude_code_first_turn", "claude_code_tool_result", "codex_responses_tool_result",
                  "gemini_cli_stream_tool_result")  # fmt: skip


def _captured(name: str) -> tuple[str, dict[str, object]]:
    capture = json.loads((CAPTURES / f"{name}.json").read_text(encoding="utf-8"))
    query = "&".join(f"{key}={value}" for key, values in capture["query"].items() for value in values)
    return capture["path"] + (f"?{query}" if query else ""), capture["body"]


AGENT_CASES = {name.replace("_", " "): _captured(name) for name in AGENT_CAPTURES}


def request_bytes(case: str) -> bytes:
    """The request every server gets; ``x-bench-case`` tells the floor which canned answer to write."""
    target, body = CASES[case] if case in CASES else AGENT_CASES[case]
    payload = json.dumps(body).encode()
    return (
        b"POST %s HTTP/1.1\r\nhost: 127.0.0.1\r\nx-bench-case: %s\r\ncontent-type: application/json\r\n"
        b"authorization: Bearer sk-bench\r\ncontent-length: %d\r\n\r\n%s"
        % (target.encode(), case.encode(), len(payload), payload)
    )


REST_CASE = "rest github page"
REST_ITEMS = 45  # two pages: the first answers 30 items and a Link to the next
REST_PATH = "/repos/acme/app/issues"
REST_QUERY = "per_page=30"
REST_ROUTES = "extends: github\ncollections:\n  issues:\n    key: number\n    items:\n" + "".join(
    f"      - {{number: {n}, title: 'Crash number {n} on start', state: open, body: 'Steps to reproduce {n}', "
    f"labels: [], comments: 0, user: {{login: octocat, id: 1}}}}\n"
    for n in range(1, REST_ITEMS + 1)
)
REST_HEADERS = {"host": "127.0.0.1", "x-bench-case": REST_CASE, "accept": "application/vnd.github+json",
                "authorization": "token ghp-bench"}  # fmt: skip


def rest_request_bytes() -> bytes:
    """The GET of one page of issues (PyGithub's request), with the floor's ``x-bench-case``."""
    head = "".join(f"{name}: {value}\r\n" for name, value in REST_HEADERS.items())
    return f"GET {REST_PATH}?{REST_QUERY} HTTP/1.1\r\n{head}\r\n".encode()
