"""A small real agent for the e2e suites: a tool loop over the official OpenAI / Anthropic SDKs.

    python -m AgentTestLibrary.examples.example_agent --provider PROVIDER [--stream] [--workdir DIR] PROMPT

PROVIDER is openai (Chat Completions), openai-responses, anthropic, gemini, bedrock (Converse with
boto3), azure (``openai.AzureOpenAI``), vertex (google-genai on Vertex AI) or ollama; without
--provider it is read from the runtime file (``--runtime-file`` or ``AGENT_RUNTIME_FILE``,
JSON ``{"provider": ...}``), the setting `Switch Runtime` edits.

Hooks: ``--settings FILE`` (or ``AGENT_SETTINGS``) with Claude Code's ``hooks`` format; the
agent fires SessionStart, UserPromptSubmit, PreToolUse, PostToolUse, Stop and SessionEnd
with Claude-style JSON on the hook's stdin, and a PreToolUse hook exiting 2 blocks the tool.

It offers ``list_files``, ``read_file`` and ``run_command`` (all in ``--workdir``), plus the tools
of every MCP server given as ``--mcp NAME=URL`` (streamable HTTP) or ``--mcp NAME=COMMAND``
(stdio), offered to the model as ``mcp__NAME__TOOL`` and called through the official ``mcp``
SDK (a failed call is retried once; an expired session is initialized again), and a tool
``a2a__NAME`` for every remote agent given as ``--a2a NAME=URL``: it delegates a sub-task to
that agent over A2A with the official ``a2a-sdk`` client (card resolved from the URL, streaming
when the card offers it, a failed call retried once, an ``input-required`` task continued by
the next call) and returns what the agent answered. It runs the
model's tool calls, sends the results back and prints the final answer on stdout. The SDKs
(openai, anthropic, google-genai, boto3, ollama) find the server through ``OPENAI_BASE_URL``,
``ANTHROPIC_BASE_URL``, ``GOOGLE_GEMINI_BASE_URL``, ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``,
``AZURE_OPENAI_ENDPOINT``, ``GOOGLE_VERTEX_BASE_URL`` or ``OLLAMA_HOST`` and their credential
variables, exactly as they would for the real providers. ``openai-responses`` chains turns with
``previous_response_id``. Exit status 1 on an API error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

MAX_TURNS = 8
SESSION_ID = f"example-{os.getpid()}"
SYSTEM_PROMPT = "You are a file assistant. Use the tools to inspect the working directory."
TOOLS = [
    {
        "name": "list_files",
        "description": "List the files in a directory of the working directory.",
        "parameters": {
            "type": "object",
            "properties": {"path": {"type": "string", "description": "Directory, relative."}},
            "required": ["path"],
        },
    },
    {
        "name": "run_command",
        "description": "Run a shell command in the working directory; returns its output and exit code.",
        "parameters": {
            "type": "object",
            "properties": {"command": {"type": "string", "description": "The shell command line."}},
            "required": ["command"],
        },
    },
    {
        "name": "read_file",
        "description": "Read a text file of the working directory.",
        "parameters": {
            "type": "object",
            "properties": {"path": {"type": "string", "description": "File, relative."}},
            "required": ["path"],
        },
    },
]


class Hooks:
    """Claude Code-style command hooks: JSON on stdin, exit 2 blocks (its stderr is the reason)."""

    def __init__(self, settings: Path | None, workdir: Path) -> None:
        config = json.loads(settings.read_text(encoding="utf-8")) if settings and settings.is_file() else {}
        self.hooks: dict[str, Any] = config.get("hooks", {})
        self.workdir = workdir

    def fire(self, event: str, **payload: Any) -> str | None:
        """Run the event's hooks; return the blocking reason if one exited 2."""
        body = {"session_id": SESSION_ID, "cwd": str(self.workdir), "hook_event_name": event, **payload}
        for group in self.hooks.get(event, []):
            for hook in group.get("hooks", []):
                done = subprocess.run(
                    hook["command"], shell=True, input=json.dumps(body), capture_output=True, text=True,
                    timeout=hook.get("timeout", 30), check=False,
                )  # fmt: skip
                if done.returncode == 2:
                    return done.stderr.strip() or "blocked by a hook"
        return None


def _elicitation_answer() -> Any:
    """The user's answer to MCP elicitations, from ``EXAMPLE_AGENT_ELICIT`` (JSON: ``{"action": "accept",
    "content": {...}}``); without it the agent declares no elicitation capability."""
    answer = os.environ.get("EXAMPLE_AGENT_ELICIT")
    if not answer:
        return None
    from mcp import types

    async def elicit(context: Any, params: Any) -> Any:
        print(f"MCP server asks: {params.message}", file=sys.stderr)
        return types.ElicitResult.model_validate(json.loads(answer))

    return elicit


class McpServers:
    """MCP servers through the official SDK: one long-lived session per server on a background event loop."""

    def __init__(self, specs: list[str]) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.targets: dict[str, str] = {}
        self.queues: dict[str, asyncio.Queue[Any]] = {}
        self.sessions: dict[str, asyncio.Future[None]] = {}
        self.tools: list[dict[str, Any]] = []
        for spec in specs:
            name, _, target = spec.partition("=")
            self.targets[name] = target
            for tool in self._connect(name):
                self.tools.append({"name": f"mcp__{name}__{tool.name}", "description": tool.description or "",
                                   "parameters": tool.input_schema})  # fmt: skip

    def _connect(self, name: str) -> list[Any]:
        """A new session with server ``name``; returns every tool it lists (following the pages)."""
        ready: asyncio.Future[list[Any]] = asyncio.run_coroutine_threadsafe(self._open(name), self.loop).result(60)
        tools: list[Any] = asyncio.run_coroutine_threadsafe(_wait(ready), self.loop).result(60)
        return tools

    async def _open(self, name: str) -> asyncio.Future[list[Any]]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self.queues[name] = queue
        ready: asyncio.Future[list[Any]] = self.loop.create_future()
        self.sessions[name] = asyncio.ensure_future(self._session(name, queue, ready))
        return ready

    async def _session(self, name: str, queue: asyncio.Queue[Any], ready: asyncio.Future[list[Any]]) -> None:
        from mcp import Client, StdioServerParameters

        target = self.targets[name]
        argv = shlex.split(target)
        where: Any = target if target.startswith("http") else StdioServerParameters(command=argv[0], args=argv[1:])
        try:
            mode: Any = os.environ.get("EXAMPLE_AGENT_MCP_MODE", "auto")  # legacy: the initialize handshake only
            async with Client(where, elicitation_callback=_elicitation_answer(), mode=mode) as client:
                tools, cursor = [], None
                while True:
                    page = await client.list_tools(cursor=cursor)
                    tools.extend(page.tools)
                    cursor = page.next_cursor
                    if not cursor:
                        break
                ready.set_result(tools)
                while (item := await queue.get()) is not None:
                    ask, answer = item
                    try:
                        answer.set_result(await ask(client))
                    except Exception as error:  # noqa: BLE001 - the caller decides what a failure means
                        answer.set_exception(error)
        except Exception as error:  # noqa: BLE001
            if not ready.done():
                ready.set_exception(error)

    def _ask(self, name: str, ask: Callable[[Any], Awaitable[Any]]) -> Any:
        async def send() -> Any:
            answer = self.loop.create_future()
            await self.queues[name].put((ask, answer))
            return await answer

        return asyncio.run_coroutine_threadsafe(send(), self.loop).result(120)

    def owns(self, tool: str) -> bool:
        return tool.startswith("mcp__") and tool.split("__")[1] in self.targets

    def call(self, tool: str, arguments: dict[str, Any]) -> str:
        _, server, name = tool.split("__", 2)
        for attempt in (1, 2):
            try:
                result = self._ask(server, lambda client: client.call_tool(name, arguments))
            except Exception as error:  # noqa: BLE001 - an MCP failure is reported to the model
                if attempt == 2:
                    return f"error: MCP tool {tool} failed: {error}"
                if "session" in str(error).lower():
                    self.queues[server].put_nowait(None)
                    self._connect(server)  # the session expired: initialize a new one, then retry
                continue
            text = "\n".join(getattr(item, "text", "") for item in result.content)
            return f"error: {text}" if result.is_error else text
        raise AssertionError("unreachable")


class RemoteAgents:
    """A2A agents through the official ``a2a-sdk`` client: one tool per agent, ``a2a__NAME(message)``."""

    def __init__(self, specs: list[str]) -> None:
        self.urls = dict(spec.partition("=")[::2] for spec in specs)
        self.waiting: dict[str, tuple[str, str]] = {}  # agent -> (task id, context id) of a task asking for input
        self.tools = [{"name": f"a2a__{name}", "description": f"Delegate a sub-task to the remote agent {name}.",
                       "parameters": {"type": "object", "required": ["message"],
                                      "properties": {"message": {"type": "string", "description": "The sub-task."}}}}
                      for name in self.urls]  # fmt: skip

    def owns(self, tool: str) -> bool:
        return tool.startswith("a2a__") and tool[5:] in self.urls

    def call(self, tool: str, arguments: dict[str, Any]) -> str:
        name = tool[5:]
        for attempt in (1, 2):
            try:
                return asyncio.run(self._delegate(name, str(arguments.get("message", ""))))
            except Exception as error:  # noqa: BLE001 - a remote failure is reported to the model
                if attempt == 2:
                    return f"error: remote agent {name} failed: {type(error).__name__}: {error}"
        raise AssertionError("unreachable")

    async def _delegate(self, name: str, text: str) -> str:
        from a2a.client import ClientConfig, ClientFactory
        from a2a.types import Message, Part, Role, SendMessageRequest

        task_id, context_id = self.waiting.pop(name, ("", ""))
        message = Message(role=Role.ROLE_USER, message_id=f"{SESSION_ID}-{name}-{os.urandom(4).hex()}",
                          parts=[Part(text=text)], task_id=task_id, context_id=context_id)  # fmt: skip
        client = await ClientFactory(ClientConfig()).create_from_url(self.urls[name])
        try:
            last: Any = None
            artifacts: list[str] = []
            async for event in client.send_message(SendMessageRequest(message=message)):
                last = event
                if event.HasField("artifact_update"):
                    artifacts += _texts(event.artifact_update.artifact.parts)
                elif event.HasField("task"):
                    artifacts += [text for item in event.task.artifacts for text in _texts(item.parts)]
        finally:
            await client.close()
        return self._answer(name, last, artifacts)

    def _answer(self, name: str, last: Any, artifacts: list[str]) -> str:
        from a2a.types import TaskState

        if last is None:
            return f"error: remote agent {name} answered nothing"
        if last.HasField("message"):
            return "\n".join(_texts(last.message.parts))
        task = last.task if last.HasField("task") else last.status_update
        task_id = task.id if last.HasField("task") else task.task_id
        status = "\n".join(_texts(task.status.message.parts))
        state = task.status.state
        if state in (TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED):
            self.waiting[name] = (task_id, task.context_id)
            return f"remote agent {name} needs more input: {status}"
        if state != TaskState.TASK_STATE_COMPLETED:
            return f"error: remote agent {name} ended the task {TaskState.Name(state)}: {status}"
        return "\n".join(item for item in [*artifacts, status] if item)


def _texts(parts: Any) -> list[str]:
    """The text parts, then the data parts as JSON (what the model reads of a remote agent's answer)."""
    from a2a.helpers.proto_helpers import get_data_parts, get_text_parts

    return [*get_text_parts(parts), *(json.dumps(data, sort_keys=True) for data in get_data_parts(parts))]


async def _wait(future: asyncio.Future[Any]) -> Any:
    return await future


MCP: McpServers | None = None
A2A: RemoteAgents | None = None


def use_tool(hooks: Hooks, workdir: Path, name: str, arguments: dict[str, Any], call_id: str) -> str:
    """Run a tool between its PreToolUse and PostToolUse hooks ("Bash" for run_command, as Claude Code names it)."""
    tool_name = "Bash" if name == "run_command" else name
    reason = hooks.fire("PreToolUse", tool_name=tool_name, tool_input=arguments, tool_use_id=call_id)
    if reason is not None:
        return f"PreToolUse:{tool_name} hook blocked the call: {reason}"
    if MCP is not None and MCP.owns(name):
        output = MCP.call(name, arguments)
    elif A2A is not None and A2A.owns(name):
        output = A2A.call(name, arguments)
    else:
        output = run_tool(workdir, name, arguments)
    hooks.fire("PostToolUse", tool_name=tool_name, tool_input=arguments, tool_response=output, tool_use_id=call_id)
    return output


# How each provider says a turn ended badly (OpenAI Chat finish_reason, Responses incomplete reason,
# Anthropic stop_reason, Gemini finishReason): the agent stops instead of taking such an answer as final.
BAD_STOPS = {
    "length": "the answer was cut at the token limit", "max_output_tokens": "the answer was cut at the token limit",
    "max_tokens": "the answer was cut at the token limit", "MAX_TOKENS": "the answer was cut at the token limit",
    "content_filter": "the answer was stopped by the content filter", "SAFETY": "the answer was stopped by the "
    "content filter", "PROHIBITED_CONTENT": "the answer was stopped by the content filter", "refusal": "the model "
    "refused", "MALFORMED_FUNCTION_CALL": "the model wrote a malformed tool call", "UNEXPECTED_TOOL_CALL": "the "
    "model called a tool it was not offered",
}  # fmt: skip


class ModelMisbehaved(RuntimeError):
    """The model's answer cannot be used: refused, filtered, cut at the token limit, or empty."""


def check_stop(stop: str | None, refusal: str | None = None, said: str = "") -> None:
    """Raise when the turn ended badly; a refusal's text is part of the message."""
    if refusal:
        raise ModelMisbehaved(f"the model refused: {refusal}")
    if stop in BAD_STOPS:
        raise ModelMisbehaved(f"{BAD_STOPS[stop]} ({stop}){': ' + said if said else ''}")


def final_answer(text: str | None, stop: str | None) -> str:
    if not (text or "").strip():
        raise ModelMisbehaved(f"the model gave no answer ({stop})")
    return text or ""


def answer_calls(hooks: Hooks, workdir: Path, calls: list[tuple[str, str, Any]]) -> list[tuple[str, str]]:
    """(call id, output) for each tool call of a turn, one per id. A call is run only when its tool was offered
    and its arguments are a JSON object; otherwise its output says why it was not run (the model sees it)."""
    offered = {tool["name"] for tool in all_tools()}
    answered: dict[str, str] = {}
    for call_id, name, raw in calls:
        if call_id in answered:
            continue  # a repeated id cannot be told apart from the first call: that one answers for both
        arguments = raw
        if isinstance(raw, str):
            try:
                arguments = json.loads(raw or "{}")
            except ValueError:
                arguments = None
        if name not in offered:
            answered[call_id] = f"error: not run: the tool {name!r} was not offered"
        elif not isinstance(arguments, dict):
            answered[call_id] = f"error: not run: the arguments are not a JSON object: {str(raw)[:200]}"
        else:
            answered[call_id] = use_tool(hooks, workdir, name, arguments, call_id)
    return list(answered.items())


def run_tool(workdir: Path, name: str, arguments: dict[str, Any]) -> str:
    if name == "run_command":
        done = subprocess.run(
            str(arguments.get("command", "")),
            shell=True,
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return f"{done.stdout}{done.stderr}exit code {done.returncode}"
    target = (workdir / str(arguments.get("path", "."))).resolve()
    if workdir.resolve() not in (target, *target.parents):
        return f"error: {arguments.get('path')} is outside the working directory"
    if name == "list_files":
        return (
            "\n".join(sorted(p.name for p in target.iterdir()))
            if target.is_dir()
            else f"error: no directory {target.name}"
        )
    if name == "read_file":
        return target.read_text(encoding="utf-8") if target.is_file() else f"error: no file {target.name}"
    return f"error: unknown tool {name}"


def openai_loop(prompt: str, workdir: Path, stream: bool, hooks: Hooks, azure: bool = False) -> str:
    import openai

    client = openai.AzureOpenAI() if azure else openai.OpenAI()  # Azure: the deployment is the model
    model = os.environ.get("AGENT_MODEL", "gpt-4o-mini")
    tools = [{"type": "function", "function": tool} for tool in all_tools()]
    messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}]
    for _ in range(MAX_TURNS):
        choice: Any
        if stream:
            try:
                with client.chat.completions.stream(model=model, messages=messages, tools=tools) as events:  # type: ignore[arg-type]
                    choice = events.get_final_completion().choices[0]
            except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as error:
                snapshot: Any = error.completion  # the helper refuses these finish reasons: say why from its snapshot
                choice = snapshot.choices[0]
        else:
            choice = client.chat.completions.create(model=model, messages=messages, tools=tools).choices[0]  # type: ignore[arg-type]
        message, finish = choice.message, choice.finish_reason
        check_stop(finish, message.refusal, message.content or "")
        if not message.tool_calls:
            return final_answer(message.content, finish)
        messages.append(message.model_dump(exclude_none=True, include={"role", "content", "tool_calls"}))
        calls = [(call.id, call.function.name, call.function.arguments) for call in message.tool_calls]
        for call_id, output in answer_calls(hooks, workdir, calls):
            messages.append({"role": "tool", "tool_call_id": call_id, "content": output})
    raise RuntimeError(f"no final answer after {MAX_TURNS} turns")


RESPONSE_ENDS = ("response.completed", "response.incomplete", "response.failed")


def responses_loop(prompt: str, workdir: Path, stream: bool, hooks: Hooks) -> str:
    import openai

    client = openai.OpenAI()
    model = os.environ.get("AGENT_MODEL", "gpt-5")
    tools = [{"type": "function", **tool} for tool in all_tools()]
    new_input: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
    previous: str | None = None
    for _ in range(MAX_TURNS):
        request: dict[str, Any] = {"model": model, "instructions": SYSTEM_PROMPT, "tools": tools, "input": new_input}
        if previous:
            request["previous_response_id"] = previous
        if stream:
            with client.responses.stream(**request) as events:
                ends: list[Any] = [event for event in events if event.type in RESPONSE_ENDS]
            response = ends[-1].response  # an incomplete response ends with response.incomplete, not .completed
        else:
            response = client.responses.create(**request)
        output: list[Any] = response.output
        details = response.incomplete_details
        refusals = [part.refusal for item in output if item.type == "message"
                    for part in item.content if part.type == "refusal"]  # fmt: skip
        check_stop(details.reason if details else None, refusals[0] if refusals else None, response.output_text)
        calls = [(item.call_id, item.name, item.arguments) for item in output if item.type == "function_call"]
        if not calls:
            return final_answer(response.output_text, response.status)
        previous = response.id
        new_input = [
            {"type": "function_call_output", "call_id": call_id, "output": output}
            for call_id, output in answer_calls(hooks, workdir, calls)
        ]
    raise RuntimeError(f"no final answer after {MAX_TURNS} turns")


def gemini_loop(prompt: str, workdir: Path, stream: bool, hooks: Hooks, vertex: bool = False) -> str:
    from google import genai
    from google.genai import types

    client: genai.Client = _vertex_client() if vertex else genai.Client(api_key=os.environ["GEMINI_API_KEY"])
    model = os.environ.get("AGENT_MODEL", "gemini-2.5-flash")
    declarations = [
        types.FunctionDeclaration(name=t["name"], description=t["description"], parameters_json_schema=t["parameters"])
        for t in all_tools()
    ]
    config = types.GenerateContentConfig(
        system_instruction=SYSTEM_PROMPT,
        tools=[types.Tool(function_declarations=declarations)],
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )
    contents = [types.Content(role="user", parts=[types.Part(text=prompt)])]
    for _ in range(MAX_TURNS):
        if stream:
            chunks = list(client.models.generate_content_stream(model=model, contents=contents, config=config))
        else:
            chunks = [client.models.generate_content(model=model, contents=contents, config=config)]
        candidates = [chunk.candidates[0] for chunk in chunks if chunk.candidates]
        parts = [part for candidate in candidates if candidate.content for part in candidate.content.parts or []]
        said = "".join(part.text or "" for part in parts if not part.thought)
        finish = candidates[-1].finish_reason if candidates else None
        check_stop(finish.value if finish else None, None, said)
        calls = [part.function_call for part in parts if part.function_call]
        if not calls:
            return final_answer(said, finish.value if finish else None)
        contents.append(types.Content(role="model", parts=[types.Part(function_call=call) for call in calls]))
        keys = [call.id or call.name or "" for call in calls]
        outputs = dict(answer_calls(hooks, workdir, [(key, call.name or "", call.args or {})
                                                     for key, call in zip(keys, calls, strict=True)]))  # fmt: skip
        # Gemini wants one response part for each call part, a repeated id included (it answers for both)
        answers = [types.FunctionResponse(id=call.id, name=call.name, response={"output": outputs[key]})
                   for key, call in zip(keys, calls, strict=True)]  # fmt: skip
        contents.append(types.Content(role="user", parts=[types.Part(function_response=answer) for answer in answers]))
    raise RuntimeError(f"no final answer after {MAX_TURNS} turns")


def anthropic_loop(prompt: str, workdir: Path, stream: bool, hooks: Hooks) -> str:
    import anthropic

    client = anthropic.Anthropic()
    model = os.environ.get("AGENT_MODEL", "claude-opus-4-8")
    tools = [{"name": t["name"], "description": t["description"], "input_schema": t["parameters"]} for t in all_tools()]
    messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
    for _ in range(MAX_TURNS):
        request: dict[str, Any] = {
            "model": model,
            "max_tokens": 1024,
            "system": SYSTEM_PROMPT,
            "messages": messages,
            "tools": tools,
        }
        if stream:
            with client.messages.stream(**request) as events:
                message = events.get_final_message()
        else:
            message = client.messages.create(**request)
        said = "".join(block.text for block in message.content if block.type == "text")
        check_stop(message.stop_reason, said if message.stop_reason == "refusal" and said else None, said)
        calls = [(block.id, block.name, block.input) for block in message.content if block.type == "tool_use"]
        if not calls:
            return final_answer(said, message.stop_reason)
        messages.append(
            {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in message.content]}
        )
        results = [{"type": "tool_result", "tool_use_id": call_id, "content": output,
                    "is_error": output.startswith("error: not run")}
                   for call_id, output in answer_calls(hooks, workdir, calls)]  # fmt: skip
        messages.append({"role": "user", "content": results})
    raise RuntimeError(f"no final answer after {MAX_TURNS} turns")


def _vertex_client() -> Any:
    """google-genai on Vertex AI: project and location from the environment, an access token from
    ``VERTEX_ACCESS_TOKEN`` (offline; a deployed agent would use its service account)."""
    from google import genai
    from google.oauth2.credentials import Credentials

    token = Credentials(token=os.environ.get("VERTEX_ACCESS_TOKEN", "agenttest-fixture-vertex-token"))  # type: ignore[no-untyped-call]
    return genai.Client(vertexai=True, project=os.environ["GOOGLE_CLOUD_PROJECT"],
                        location=os.environ["GOOGLE_CLOUD_LOCATION"], credentials=token)  # fmt: skip


def bedrock_loop(prompt: str, workdir: Path, stream: bool, hooks: Hooks) -> str:
    """Bedrock Converse (ConverseStream when streaming) with boto3, which signs with the AWS variables."""
    import boto3

    client = boto3.client("bedrock-runtime")
    model = os.environ.get("AGENT_MODEL", "anthropic.claude-sonnet-4-5-20250929-v1:0")
    tools = {"tools": [{"toolSpec": {"name": t["name"], "description": t["description"],
                                     "inputSchema": {"json": t["parameters"]}}} for t in all_tools()]}  # fmt: skip
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": prompt}]}]
    for _ in range(MAX_TURNS):
        request = {"modelId": model, "system": [{"text": SYSTEM_PROMPT}], "messages": messages, "toolConfig": tools}
        if stream:
            content = _converse_stream_content(client.converse_stream(**request)["stream"])
        else:
            content = client.converse(**request)["output"]["message"]["content"]
        calls = [block["toolUse"] for block in content if "toolUse" in block]
        if not calls:
            return "".join(block.get("text", "") for block in content)
        messages.append({"role": "assistant", "content": content})
        results = [{"toolResult": {"toolUseId": call["toolUseId"], "content": [
            {"text": use_tool(hooks, workdir, call["name"], dict(call["input"]), call["toolUseId"])}]}}
            for call in calls]  # fmt: skip
        messages.append({"role": "user", "content": results})
    raise RuntimeError(f"no final answer after {MAX_TURNS} turns")


def _converse_stream_content(events: Any) -> list[dict[str, Any]]:
    """The message content a ConverseStream spells out in its events."""
    blocks: dict[int, dict[str, Any]] = {}
    for event in events:
        if "contentBlockStart" in event and "toolUse" in event["contentBlockStart"]["start"]:
            start = event["contentBlockStart"]
            blocks[start["contentBlockIndex"]] = {"toolUse": {**start["start"]["toolUse"], "input": ""}}
        elif "contentBlockDelta" in event:
            delta, index = event["contentBlockDelta"]["delta"], event["contentBlockDelta"]["contentBlockIndex"]
            block = blocks.setdefault(index, {"text": ""} if "text" in delta else {"toolUse": {"input": ""}})
            if "text" in delta:
                block["text"] += delta["text"]
            else:
                block["toolUse"]["input"] += delta["toolUse"]["input"]
    for block in blocks.values():
        if "toolUse" in block:
            block["toolUse"]["input"] = json.loads(block["toolUse"]["input"] or "{}")
    return [blocks[index] for index in sorted(blocks)]


def ollama_loop(prompt: str, workdir: Path, stream: bool, hooks: Hooks) -> str:
    """Ollama's /api/chat with the ollama client (``OLLAMA_HOST``); tool answers name their tool."""
    import ollama

    client = ollama.Client()
    model = os.environ.get("AGENT_MODEL", "llama3.2")
    tools = [{"type": "function", "function": tool} for tool in all_tools()]
    messages: list[Any] = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}]
    for _ in range(MAX_TURNS):
        if stream:
            parts = list(client.chat(model=model, messages=messages, tools=tools, stream=True))
            text = "".join(part.message.content or "" for part in parts)
            calls = [call for part in parts for call in part.message.tool_calls or []]
        else:
            message = client.chat(model=model, messages=messages, tools=tools).message
            text, calls = message.content or "", list(message.tool_calls or [])
        if not calls:
            return text
        messages.append({"role": "assistant", "content": text, "tool_calls": [call.model_dump() for call in calls]})
        for call in calls:
            name = call.function.name
            output = use_tool(hooks, workdir, name, dict(call.function.arguments), name)
            messages.append({"role": "tool", "content": output, "tool_name": name})
    raise RuntimeError(f"no final answer after {MAX_TURNS} turns")


def all_tools() -> list[dict[str, Any]]:
    return TOOLS + (MCP.tools if MCP is not None else []) + (A2A.tools if A2A is not None else [])


LOOPS: dict[str, Callable[[str, Path, bool, Hooks], str]] = {
    "openai": openai_loop,
    "openai-responses": responses_loop,
    "anthropic": anthropic_loop,
    "gemini": gemini_loop,
    "bedrock": bedrock_loop,
    "azure": lambda prompt, workdir, stream, hooks: openai_loop(prompt, workdir, stream, hooks, azure=True),
    "vertex": lambda prompt, workdir, stream, hooks: gemini_loop(prompt, workdir, stream, hooks, vertex=True),
    "ollama": ollama_loop,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=tuple(LOOPS), help="default: the runtime file's provider, else openai")
    parser.add_argument("--runtime-file", type=Path, default=os.environ.get("AGENT_RUNTIME_FILE"))
    parser.add_argument("--settings", type=Path, default=os.environ.get("AGENT_SETTINGS"))
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path.cwd())
    parser.add_argument("--mcp", action="append", default=[], metavar="NAME=URL|COMMAND", help="an MCP server")
    parser.add_argument("--a2a", action="append", default=[], metavar="NAME=URL", help="a remote A2A agent")
    parser.add_argument("prompt")
    args = parser.parse_args(argv)
    global MCP, A2A  # noqa: PLW0603 - one agent run, one set of MCP sessions and remote agents
    runtime = (
        json.loads(args.runtime_file.read_text(encoding="utf-8"))
        if args.runtime_file and args.runtime_file.is_file()
        else {}
    )
    provider = args.provider or runtime.get("provider", "openai")
    hooks = Hooks(args.settings, args.workdir)
    hooks.fire("SessionStart", source="startup")
    hooks.fire("UserPromptSubmit", prompt=args.prompt)
    try:
        MCP = McpServers(args.mcp) if args.mcp else None
        A2A = RemoteAgents(args.a2a) if args.a2a else None
        answer = LOOPS[provider](args.prompt, args.workdir, args.stream, hooks)
        hooks.fire("Stop", stop_hook_active=False, last_assistant_message=answer)
        print(answer)
    except Exception as error:  # noqa: BLE001 - an agent reports any API failure and exits 1
        print(f"agent error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        hooks.fire("SessionEnd", reason="exit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
