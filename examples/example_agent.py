"""A small real agent for the e2e suites: a tool loop over the official OpenAI / Anthropic SDKs.

    python examples/example_agent.py --provider openai|anthropic [--stream] [--workdir DIR] PROMPT

It offers two tools, ``list_files`` and ``read_file`` (confined to ``--workdir``), runs the
model's tool calls, sends the results back and prints the final answer on stdout. The SDKs
find the server through ``OPENAI_BASE_URL`` / ``ANTHROPIC_BASE_URL`` and their API key
variables, exactly as they would for the real providers. Exit status 1 on an API error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

MAX_TURNS = 8
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
        "name": "read_file",
        "description": "Read a text file of the working directory.",
        "parameters": {
            "type": "object",
            "properties": {"path": {"type": "string", "description": "File, relative."}},
            "required": ["path"],
        },
    },
]


def run_tool(workdir: Path, name: str, arguments: dict[str, Any]) -> str:
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


def openai_loop(prompt: str, workdir: Path, stream: bool) -> str:
    import openai

    client = openai.OpenAI()
    model = os.environ.get("AGENT_MODEL", "gpt-4o-mini")
    tools = [{"type": "function", "function": tool} for tool in TOOLS]
    messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}]
    for _ in range(MAX_TURNS):
        if stream:
            with client.chat.completions.stream(model=model, messages=messages, tools=tools) as events:  # type: ignore[arg-type]
                message = events.get_final_completion().choices[0].message
        else:
            message = client.chat.completions.create(model=model, messages=messages, tools=tools).choices[0].message  # type: ignore[arg-type]
        if not message.tool_calls:
            return message.content or ""
        messages.append(message.model_dump(exclude_none=True, include={"role", "content", "tool_calls"}))
        for call in message.tool_calls:
            output = run_tool(workdir, call.function.name, json.loads(call.function.arguments or "{}"))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": output})
    raise RuntimeError(f"no final answer after {MAX_TURNS} turns")


def anthropic_loop(prompt: str, workdir: Path, stream: bool) -> str:
    import anthropic

    client = anthropic.Anthropic()
    model = os.environ.get("AGENT_MODEL", "claude-opus-4-8")
    tools = [{"name": t["name"], "description": t["description"], "input_schema": t["parameters"]} for t in TOOLS]
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
        calls = [block for block in message.content if block.type == "tool_use"]
        if not calls:
            return "".join(block.text for block in message.content if block.type == "text")
        messages.append(
            {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in message.content]}
        )
        messages.append(
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": call.id,
                        "content": run_tool(workdir, call.name, dict(call.input)),
                    }
                    for call in calls
                ],
            }
        )
    raise RuntimeError(f"no final answer after {MAX_TURNS} turns")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=("openai", "anthropic"), default="openai")
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path.cwd())
    parser.add_argument("prompt")
    args = parser.parse_args(argv)
    loop = openai_loop if args.provider == "openai" else anthropic_loop
    try:
        print(loop(args.prompt, args.workdir, args.stream))
    except Exception as error:  # noqa: BLE001 - an agent reports any API failure and exits 1
        print(f"agent error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
