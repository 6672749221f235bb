"""A small issue-triage agent for the e2e suites: a real web server that receives GitHub webhooks.

    python robot/e2e/agents/triage_agent.py     # prints TRIAGE_URL=http://127.0.0.1:PORT, serves until SIGTERM

On ``POST /webhook`` it checks ``X-Hub-Signature-256`` against ``GITHUB_WEBHOOK_SECRET`` (a
wrong or missing signature: 401, and nothing else happens). For an ``issues`` event with
action ``opened`` it asks the model (OpenAI Chat Completions, structured output) for labels
and a comment, then calls the GitHub REST API at ``GITHUB_API_URL`` with ``GITHUB_TOKEN``:
``POST .../issues/N/labels`` and ``POST .../issues/N/comments``. Other events get 202.
With ``TRIAGE_MCP_URL`` (an MCP server over streamable HTTP) the model is offered that server's
tools as ``mcp__repo__TOOL``; the agent calls the ones it asks for through the official ``mcp``
client and sends the results back (at most 3 rounds) before the structured answer.

Failure handling (what the e2e suites check): a label call that fails with 5xx, 429 or a
rate-limited 403 (primary: ``x-ratelimit-remaining: 0``; secondary: a ``Retry-After``) is retried
once, after its ``Retry-After`` (at most 2 s); if it fails again
the agent still posts its comment, saying the labels could not be applied, and answers the
webhook 502 with ``{"labelled": false}``. A model error answers 502 without calling GitHub.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

SCHEMA = {
    "type": "object",
    "properties": {"labels": {"type": "array", "items": {"type": "string"}}, "comment": {"type": "string"}},
    "required": ["labels", "comment"],
    "additionalProperties": False,
}
RESPONSE_FORMAT = {"type": "json_schema", "json_schema": {"name": "triage", "schema": SCHEMA, "strict": True}}
RETRYABLE = (429, 500, 502, 503, 504)


def signature_ok(body: bytes, given: str) -> bool:
    secret = os.environ.get("GITHUB_WEBHOOK_SECRET", "")
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return bool(secret) and hmac.compare_digest(expected, given)


def mcp(ask: Callable[[Any], Awaitable[Any]]) -> Any:
    """One request to the MCP server at ``TRIAGE_MCP_URL`` through the official client (a session per request)."""
    from mcp import Client

    async def run() -> Any:
        async with Client(os.environ["TRIAGE_MCP_URL"]) as client:
            return await ask(client)

    return asyncio.run(run())


def mcp_tools() -> list[dict[str, Any]]:
    """The MCP server's tools as Chat Completions function tools (none without ``TRIAGE_MCP_URL``)."""
    if not os.environ.get("TRIAGE_MCP_URL"):
        return []
    listed = mcp(lambda client: client.list_tools()).tools
    return [{"type": "function", "function": {"name": f"mcp__repo__{tool.name}", "description": tool.description or "",
                                              "parameters": tool.input_schema}} for tool in listed]  # fmt: skip


def call_mcp_tool(name: str, arguments: str) -> str:
    result = mcp(lambda client: client.call_tool(name.removeprefix("mcp__repo__"), json.loads(arguments or "{}")))
    text = "\n".join(getattr(item, "text", "") for item in result.content)
    return f"error: {text}" if result.is_error else text


def triage(issue: dict[str, Any]) -> dict[str, Any]:
    """The model's labels and comment for an issue (structured output), after the MCP tool calls it asks for."""
    import openai

    client = openai.OpenAI(max_retries=1)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You triage GitHub issues: choose labels and write a short comment."},
        {"role": "user", "content": f"Issue #{issue['number']}: {issue['title']}\n\n{issue.get('body') or ''}"},
    ]
    tools = mcp_tools()
    for _ in range(3):
        completion = client.chat.completions.create(
            model=os.environ.get("AGENT_MODEL", "gpt-4o-mini"),
            messages=messages,
            response_format=RESPONSE_FORMAT,
            **({"tools": tools} if tools else {}),
        )
        message = completion.choices[0].message
        if not message.tool_calls:
            return dict(json.loads(message.content or "{}"))
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            result = call_mcp_tool(call.function.name, call.function.arguments)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    raise RuntimeError("the model kept asking for tools after 3 rounds")


def github() -> httpx.Client:
    token = os.environ.get("GITHUB_TOKEN", "")
    headers = {"authorization": f"Bearer {token}", "accept": "application/vnd.github+json"}
    return httpx.Client(base_url=os.environ["GITHUB_API_URL"], headers=headers, timeout=30)


def retryable(response: httpx.Response) -> bool:
    limited = response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers
    rate_limited = response.status_code == 403 and limited
    return response.status_code in RETRYABLE or rate_limited


def add_labels(client: httpx.Client, repo: str, number: int, labels: list[str]) -> httpx.Response:
    for attempt in (1, 2):
        response = client.post(f"/repos/{repo}/issues/{number}/labels", json={"labels": labels})
        if response.is_success or not retryable(response) or attempt == 2:
            return response
        time.sleep(min(2.0, float(response.headers.get("retry-after") or 0.2)))
    raise AssertionError("unreachable")


def handle(event: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if event != "issues" or payload.get("action") != "opened":
        return 202, {"ignored": event}
    issue, repo = payload["issue"], payload["repository"]["full_name"]
    try:
        decision = triage(issue)
    except Exception as error:  # noqa: BLE001 - the webhook answers 502 and GitHub is not touched
        return 502, {"error": f"model: {type(error).__name__}: {error}"}
    with github() as client:
        labelled = add_labels(client, repo, issue["number"], decision["labels"])
        comment = decision["comment"]
        if not labelled.is_success:
            names = ", ".join(decision["labels"])
            comment += f"\n\n(Labels {names} could not be applied: HTTP {labelled.status_code}.)"
        posted = client.post(f"/repos/{repo}/issues/{issue['number']}/comments", json={"body": comment})
    result = {"labelled": labelled.is_success, "labels": decision["labels"], "comment_status": posted.status_code}
    return (200 if labelled.is_success and posted.is_success else 502), result


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path != "/webhook":
            self.answer(404, {"error": "not found"})
        elif not signature_ok(body, self.headers.get("x-hub-signature-256", "")):
            self.answer(401, {"error": "bad signature"})
        else:
            self.answer(*handle(self.headers.get("x-github-event", ""), json.loads(body or b"{}")))

    def answer(self, status: int, data: dict[str, Any]) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"triage agent: {format % args}\n")


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("TRIAGE_PORT", "0"))), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"TRIAGE_URL=http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
