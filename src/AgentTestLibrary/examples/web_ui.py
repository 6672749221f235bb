"""An example agent web UI for the browser lane: the example agent's tool loop behind a page that streams it.

    python -m AgentTestLibrary.examples.web_ui [--workdir DIR] [--url-file FILE]

It serves one page on 127.0.0.1 (a free port, written to ``--url-file`` once it listens) and a
small JSON API the page calls. The backend talks to the model through the official OpenAI SDK
(Chat Completions, streamed), so ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` send it to the mock:

- ``GET /api/models``: the ids the provider's ``/v1/models`` lists (the page's model picker);
- ``POST /api/chat`` ``{"prompt", "model"}``: newline-delimited JSON events as the answer streams:
  ``delta`` (text), ``approval`` (a ``run_command`` call waiting for the user), ``tool`` (a tool's
  output), ``done`` (the final answer) or ``error`` (the stream broke: the page reconnects once);
- ``POST /api/approve`` ``{"id", "approved"}``: the user's decision on a waiting call.

The tools are the example agent's (``list_files`` and ``read_file`` run at once, ``run_command``
only once the user approves it in the page).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .example_agent import MAX_TURNS, SYSTEM_PROMPT, TOOLS, run_tool

NEEDS_APPROVAL = {"run_command"}
APPROVAL_TIMEOUT_S = 120.0
MAX_BODY = 64 * 1024
Emit = Callable[[dict[str, Any]], None]


class Approvals:
    """Tool calls waiting for the user: the chat thread waits, the approve request decides."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, tuple[threading.Event, list[bool]]] = {}

    def wait(self, call_id: str) -> bool:
        event, decision = threading.Event(), [False]
        with self._lock:
            self._waiting[call_id] = (event, decision)
        try:
            return event.wait(APPROVAL_TIMEOUT_S) and decision[0]
        finally:
            with self._lock:
                self._waiting.pop(call_id, None)

    def decide(self, call_id: str, approved: bool) -> bool:
        with self._lock:
            waiting = self._waiting.get(call_id)
        if waiting is None:
            return False
        waiting[1][0] = approved
        waiting[0].set()
        return True


def chat(prompt: str, model: str, workdir: Path, approvals: Approvals, emit: Emit) -> None:
    """The example agent's tool loop over a streamed Chat Completions answer, reported to ``emit``."""
    import openai

    client = openai.OpenAI(max_retries=0)
    tools = [{"type": "function", "function": tool} for tool in TOOLS]
    messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}]
    for _ in range(MAX_TURNS):
        text, calls = _streamed_answer(client, model, messages, tools, emit)
        if not calls:
            emit({"type": "done", "text": text})
            return
        messages.append({"role": "assistant", "content": text or None, "tool_calls": [
            {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": call["arguments"]}}
            for call in calls]})  # fmt: skip
        for call in calls:
            arguments = json.loads(call["arguments"] or "{}")
            if call["name"] in NEEDS_APPROVAL:
                emit({"type": "approval", "id": call["id"], "tool": call["name"], "arguments": arguments})
                approved = approvals.wait(call["id"])
                output = run_tool(workdir, call["name"], arguments) if approved else "denied by the user"
            else:
                output = run_tool(workdir, call["name"], arguments)
            emit({"type": "tool", "name": call["name"], "output": output})
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": output})
    raise RuntimeError(f"no final answer after {MAX_TURNS} turns")


def _streamed_answer(
    client: Any, model: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]], emit: Emit
) -> tuple[str, list[dict[str, str]]]:
    """One streamed model turn: its text (each delta emitted as it comes) and its tool calls."""
    text, finished = "", False
    calls: dict[int, dict[str, str]] = {}
    for chunk in client.chat.completions.create(model=model, messages=messages, tools=tools, stream=True):
        for choice in chunk.choices:
            if choice.delta.content:
                text += choice.delta.content
                emit({"type": "delta", "text": choice.delta.content})
            for part in choice.delta.tool_calls or []:
                call = calls.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
                call["id"] = part.id or call["id"]
                call["name"] += (part.function.name or "") if part.function else ""
                call["arguments"] += (part.function.arguments or "") if part.function else ""
            finished = finished or choice.finish_reason is not None
    if not finished:
        raise ConnectionError("the answer stream ended before its last event")
    return text, list(calls.values())


class Handler(BaseHTTPRequestHandler):
    server: WebUi

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/":
            self._send(200, "text/html; charset=utf-8", PAGE.encode("utf-8"))
        elif self.path == "/api/models":
            import openai

            try:
                models = sorted(model.id for model in openai.OpenAI(max_retries=0).models.list())
            except openai.OpenAIError as error:
                self._json(502, {"error": str(error)})
                return
            self._json(200, {"models": models})
        else:
            self._json(404, {"error": f"no page {self.path}"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._json(413, {"error": f"the body is over {MAX_BODY} bytes"})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._json(400, {"error": "the body must be JSON"})
            return
        if self.path == "/api/approve":
            found = self.server.approvals.decide(str(body.get("id")), bool(body.get("approved")))
            self._json(200 if found else 404, {"waiting": found})
        elif self.path == "/api/chat":
            self._chat(str(body.get("prompt", "")), str(body.get("model") or "gpt-4o-mini"))
        else:
            self._json(404, {"error": f"no endpoint {self.path}"})

    def _chat(self, prompt: str, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

        def emit(event: dict[str, Any]) -> None:
            self.wfile.write(json.dumps(event).encode("utf-8") + b"\n")
            self.wfile.flush()

        try:
            chat(prompt, model, self.server.workdir, self.server.approvals, emit)
        except (BrokenPipeError, ConnectionResetError):
            return  # the page went away: nobody to tell
        except Exception as error:  # noqa: BLE001 - the page shows any failure of the model call
            emit({"type": "error", "message": f"{type(error).__name__}: {error}"})

    def _json(self, status: int, data: Any) -> None:
        self._send(status, "application/json", json.dumps(data).encode("utf-8"))

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class WebUi(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, workdir: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.workdir = workdir
        self.approvals = Approvals()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Example agent</title>
<style>
body { font-family: sans-serif; max-width: 48rem; margin: 1rem auto; }
#transcript > div { margin: .4rem 0; padding: .4rem; border-radius: .3rem; white-space: pre-wrap; }
.user { background: #eef; } .assistant { background: #efe; } .tool { background: #eee; font-family: monospace; }
.notice { background: #fee; } #approval { border: 2px solid #c80; padding: .5rem; margin: .5rem 0; }
</style></head>
<body>
<h1>Example agent</h1>
<label>Model <select id="model"></select></label>
<div id="transcript" aria-live="polite"></div>
<div id="approval" hidden><span id="approval-text"></span>
  <button id="approve">Approve</button> <button id="deny">Deny</button></div>
<form id="ask"><input id="prompt" size="60" autocomplete="off"> <button id="send">Send</button></form>
<p id="status">Loading models...</p>
<script>
const $ = (id) => document.getElementById(id);
function line(kind, text) {
  const node = document.createElement("div");
  node.className = kind;
  node.textContent = text;
  $("transcript").appendChild(node);
  return node;
}
async function loadModels() {
  const answer = await fetch("/api/models");
  const data = await answer.json();
  if (!answer.ok) { $("status").textContent = "Models unavailable: " + data.error; return; }
  for (const id of data.models) {
    const option = document.createElement("option");
    option.value = option.textContent = id;
    $("model").appendChild(option);
  }
  $("status").textContent = "Ready";
}
function decide(approved) {
  const id = $("approval").dataset.id;
  $("approval").hidden = true;
  fetch("/api/approve", {method: "POST", body: JSON.stringify({id, approved})});
}
async function attempt(prompt, model) {
  const reply = line("assistant", "");
  reply.dataset.chunks = "0";
  const answer = await fetch("/api/chat", {method: "POST", body: JSON.stringify({prompt, model})});
  const reader = answer.body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    pending += decoder.decode(value, {stream: true});
    let cut;
    while ((cut = pending.indexOf("\\n")) >= 0) {
      const event = JSON.parse(pending.slice(0, cut));
      pending = pending.slice(cut + 1);
      if (event.type === "delta") {
        reply.textContent += event.text;
        reply.dataset.chunks = String(Number(reply.dataset.chunks) + 1);
      } else if (event.type === "approval") {
        $("approval-text").textContent = "Allow " + event.tool + ": " + JSON.stringify(event.arguments) + "?";
        $("approval").dataset.id = event.id;
        $("approval").hidden = false;
      } else if (event.type === "tool") {
        line("tool", event.name + " -> " + event.output);
      } else if (event.type === "done") {
        reply.classList.add("final");
        return true;
      } else if (event.type === "error") {
        line("notice", "The answer stream broke: " + event.message);
        return false;
      }
    }
  }
  line("notice", "The connection closed before the answer ended");
  return false;
}
$("approve").onclick = () => decide(true);
$("deny").onclick = () => decide(false);
$("ask").onsubmit = async (event) => {
  event.preventDefault();
  const prompt = $("prompt").value, model = $("model").value;
  line("user", prompt);
  $("prompt").value = "";
  $("status").textContent = "Answering...";
  if (await attempt(prompt, model)) { $("status").textContent = "Done"; return; }
  $("status").textContent = "Reconnecting...";
  line("notice", "Reconnecting");
  $("status").textContent = await attempt(prompt, model) ? "Done after reconnecting" : "Failed";
};
loadModels();
</script>
</body></html>
"""


def missing_browser(note: str | Path, needs: tuple[str, ...] = ("chromium", "chromedriver")) -> str:
    """'' when Debian's ``needs`` are on PATH; else why not, in the installer's words (``make browser`` keeps
    apt-get's output in ``note`` when it cannot install them): a browser test skips with this reason."""
    absent = [name for name in needs if shutil.which(name) is None]
    if not absent:
        return ""
    path = Path(note)
    lines = path.read_text(encoding="utf-8").strip().splitlines() if path.is_file() else []
    why = lines[-1] if lines else "`make browser` not run"
    return f"Debian's {' and '.join(absent)} not installed and `make browser` could not install it: {why}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path.cwd())
    parser.add_argument("--url-file", type=Path, help="where to write the page's URL once the server listens")
    args = parser.parse_args(argv)
    server = WebUi(args.workdir)
    if args.url_file:
        partial = args.url_file.with_name(args.url_file.name + ".part")
        partial.write_text(server.url, encoding="utf-8")
        os.replace(partial, args.url_file)
    print(f"web ui listening on {server.url}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
