"""A readable neutral summary (text, tool calls) of a recorded provider response, JSON or SSE."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any


def summarize(protocol: str, status: int, body: Any, events: list[dict[str, Any]]) -> dict[str, Any]:
    if status >= 400:
        return {"error": body}
    chunks = [_data(event["data"]) for event in events] if events else []
    chunks = [chunk for chunk in chunks if isinstance(chunk, dict)]
    if protocol == "bedrock.invoke":  # Anthropic events inside the chunks' base64 bytes
        chunks = [_data(base64.b64decode(chunk.get("bytes") or "").decode("utf-8", "replace")) for chunk in chunks]
        return _anthropic(body, [chunk for chunk in chunks if isinstance(chunk, dict)])
    if protocol == "bedrock.converse":
        return _converse(body, events)
    if protocol.startswith("ollama."):
        return _ollama(body, chunks)
    summary = SUMMARIES.get(protocol)
    return summary(body, chunks) if summary else _gemini(chunks or body)


def _data(block: str) -> Any:
    """The JSON of an SSE block's ``data:`` lines, or of a JSON line / event-stream payload."""
    lines = [line[5:].lstrip() for line in block.splitlines() if line.startswith("data:")]
    payload = "\n".join(lines) if lines else block
    try:
        return json.loads(payload)
    except ValueError:
        return None


def _calls(calls: list[Any]) -> list[dict[str, Any]]:
    result = []
    for call in calls:
        arguments = call.get("arguments", {})
        if isinstance(arguments, str):
            with contextlib.suppress(ValueError):
                arguments = json.loads(arguments or "{}")
        result.append({"name": call.get("name", ""), "arguments": arguments})
    return result


def _chat(body: Any, chunks: list[dict[str, Any]]) -> dict[str, Any]:
    if not chunks:
        message = (body.get("choices") or [{}])[0].get("message", {}) if isinstance(body, dict) else {}
        functions = [call.get("function", {}) for call in message.get("tool_calls") or []]
        return {"text": message.get("content") or "", "tool_calls": _calls(functions)}
    text, calls = "", dict[int, dict[str, str]]()
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            text += delta.get("content") or ""
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call.get("index", 0), {"name": "", "arguments": ""})
                function = call.get("function") or {}
                slot["name"] += function.get("name") or ""
                slot["arguments"] += function.get("arguments") or ""
    return {"text": text, "tool_calls": _calls([calls[index] for index in sorted(calls)])}


def _responses(body: Any, chunks: list[dict[str, Any]]) -> dict[str, Any]:
    if chunks:
        completed = next((c.get("response") for c in chunks if c.get("type") == "response.completed"), None)
        items = (completed or {}).get("output") or [
            c["item"] for c in chunks if c.get("type") == "response.output_item.done"
        ]
    else:
        items = body.get("output", []) if isinstance(body, dict) else []
    text = "".join(
        part.get("text", "") for item in items if item.get("type") == "message" for part in item.get("content") or []
    )
    return {"text": text, "tool_calls": _calls([item for item in items if item.get("type") == "function_call"])}


def _anthropic(body: Any, chunks: list[dict[str, Any]]) -> dict[str, Any]:
    if not chunks:
        blocks = body.get("content", []) if isinstance(body, dict) else []
        text = "".join(block.get("text", "") for block in blocks if block.get("type") == "text")
        uses = [{"name": b.get("name"), "arguments": b.get("input", {})} for b in blocks if b.get("type") == "tool_use"]
        return {"text": text, "tool_calls": _calls(uses)}
    text, calls = "", dict[int, dict[str, str]]()
    for chunk in chunks:
        if chunk.get("type") == "content_block_start" and (chunk.get("content_block") or {}).get("type") == "tool_use":
            calls[chunk["index"]] = {"name": chunk["content_block"].get("name", ""), "arguments": ""}
        elif chunk.get("type") == "content_block_delta":
            delta = chunk.get("delta") or {}
            if delta.get("type") == "text_delta":
                text += delta.get("text", "")
            elif delta.get("type") == "input_json_delta" and chunk.get("index") in calls:
                calls[chunk["index"]]["arguments"] += delta.get("partial_json", "")
    return {"text": text, "tool_calls": _calls([calls[index] for index in sorted(calls)])}


def _gemini(body: Any) -> dict[str, Any]:
    chunks = body if isinstance(body, list) else [body]
    text, calls = "", []
    for chunk in chunks:
        for candidate in (chunk.get("candidates") or [])[:1] if isinstance(chunk, dict) else []:
            for part in (candidate.get("content") or {}).get("parts") or []:
                text += part.get("text", "") if not part.get("thought") else ""
                if isinstance(part.get("functionCall"), dict):
                    calls.append(
                        {
                            "name": part["functionCall"].get("name", ""),
                            "arguments": part["functionCall"].get("args", {}),
                        }
                    )
    return {"text": text, "tool_calls": _calls(calls)}


def _converse(body: Any, events: list[dict[str, Any]]) -> dict[str, Any]:
    if not events:
        output = body.get("output", {}) if isinstance(body, dict) else {}
        blocks = (output.get("message") or {}).get("content") or []
        uses = [block["toolUse"] for block in blocks if isinstance(block.get("toolUse"), dict)]
        calls = [{"name": use.get("name"), "arguments": use.get("input", {})} for use in uses]
        return {"text": "".join(block.get("text", "") for block in blocks), "tool_calls": _calls(calls)}
    text, pieces = "", dict[int, dict[str, str]]()
    for event in events:
        kind, data = (event.get("headers") or {}).get(":event-type"), _data(str(event.get("data", "")))
        if not isinstance(data, dict):
            continue
        if kind == "contentBlockStart" and "toolUse" in (data.get("start") or {}):
            calls[data.get("contentBlockIndex", 0)] = {
                "name": data["start"]["toolUse"].get("name", ""),
                "arguments": "",
            }
        elif kind == "contentBlockDelta":
            delta = data.get("delta") or {}
            text += delta.get("text") or ""
            if "toolUse" in delta and data.get("contentBlockIndex") in pieces:
                pieces[data["contentBlockIndex"]]["arguments"] += delta["toolUse"].get("input", "")
    return {"text": text, "tool_calls": _calls([pieces[index] for index in sorted(pieces)])}


def _ollama(body: Any, chunks: list[dict[str, Any]]) -> dict[str, Any]:
    lines = chunks or ([body] if isinstance(body, dict) else [])
    text, calls = "", []
    for line in lines:
        message = line.get("message") or {}
        text += message.get("content") or line.get("response") or ""
        calls += [call.get("function", {}) for call in message.get("tool_calls") or []]
    return {"text": text, "tool_calls": _calls(calls)}


SUMMARIES = {"openai.chat": _chat, "azure.chat": _chat, "openai.responses": _responses, "azure.responses": _responses,
             "anthropic.messages": _anthropic, "vertex.anthropic": _anthropic}  # fmt: skip
