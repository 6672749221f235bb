"""docs/reference/records.md ("Records you assert on") lists exactly the keys the code gives each structure."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from AgentTestLibrary.cassettes.model import Cassette, Episode, load_cassette, save_cassette
from AgentTestLibrary.cassettes.session import request_view
from AgentTestLibrary.harness.fake_cli import CliCall
from AgentTestLibrary.harness.hooks import normalize_notify, run
from AgentTestLibrary.keywords.evidence import evidence_payload
from AgentTestLibrary.mock.journal import JournalEntry
from AgentTestLibrary.mocka2a.model import A2AReply, A2ARequest
from AgentTestLibrary.mockaws.app import AwsResult
from AgentTestLibrary.mockaws.operations import AwsRequest
from AgentTestLibrary.mockllm.conversation import Conversation, Message, ProviderError, Reply, ToolCall, ToolResult
from AgentTestLibrary.mockmcp.jsonrpc import RpcError
from AgentTestLibrary.mockmcp.model import ClientAnswer, McpReply, McpRequest, ServerRequest
from AgentTestLibrary.mockservice.model import ServiceRequest, ServiceResult
from AgentTestLibrary.sealed.proxy import NetworkAttempt
from AgentTestLibrary.secrets import SecretRegistry

REPO = Path(__file__).parents[2]
CALL = ToolCall("call_1", "list_files", {"path": "."})
MESSAGE = Message(
    "user", "", tool_calls=(CALL,), tool_results=(ToolResult("call_1", "notes.txt"),), harness_blocks=("<x>y</x>",)
)
CONVERSATION = Conversation("openai.chat", "gpt-4o-mini", (Message("user", "List the files"), MESSAGE))


def documented() -> dict[str, list[str]]:
    page = (REPO / "docs" / "reference" / "records.md").read_text(encoding="utf-8")
    section = page.split("# Records you assert on", 1)[1].split("\n## ", 1)[0]
    return {
        name: re.findall(r"`([a-z_]+)`", keys)
        for name, keys in re.findall(r"^- \*\*([a-zA-Z0-9 ]+)\*\* — keys: (.*)$", section, flags=re.MULTILINE)
    }


def hook_event(tmp_path: Path) -> dict[str, Any]:
    payload = {"hook_event_name": "PreToolUse", "session_id": "s1", "cwd": "/w", "tool_name": "Bash",
               "tool_input": {"command": "ls"}, "tool_response": {"stdout": ""}, "tool_use_id": "t1",
               "prompt": "p"}  # fmt: skip
    decisions = tmp_path / "decisions.json"
    decisions.write_text(json.dumps([{"phase": "pre_tool", "decision": "block", "reason": "no"}]))
    evidence = tmp_path / "events.jsonl"
    return run(["--decisions", str(decisions), "--evidence", str(evidence)], json.dumps(payload))[3]


def cassette_responses() -> list[dict[str, Any]]:
    responses = []
    for file in sorted((REPO / "robot" / "e2e" / "cassettes").rglob("*.yaml")):
        responses += [episode.response for episode in load_cassette(file).episodes]
    return responses


def saved_cassette(tmp_path: Path) -> dict[str, Any]:
    import datetime as dt

    path = tmp_path / "c.yaml"
    episode = Episode(request_view(CONVERSATION, "POST", "/v1/chat/completions"), {"status": 200, "body": {}}, {})
    save_cassette(Cassette(path, dt.datetime.now(dt.timezone.utc), [episode]))
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def produced(name: str, tmp_path: Path) -> set[str]:
    """The keys the code gives structure ``name`` (a union where the structure has alternative forms)."""
    entry = JournalEntry(0, 0.0, "POST", "/v1/chat/completions", 200)
    makers = {
        "journal entry": entry.to_dict,
        "LLM request": CONVERSATION.to_dict,
        "LLM message": MESSAGE.to_dict,
        "tool call": CALL.to_dict,
        "tool result": lambda: ToolResult("call_1", "x").to_dict(),
        "LLM reply": lambda: Reply(error=ProviderError(429, "slow down")).to_dict(),
        "MCP request": lambda: McpRequest("tools/call", 1, {"name": "search", "arguments": {}}).to_dict(),
        "MCP reply": lambda: McpReply(result={"content": []}).to_dict(),
        "MCP server request": lambda: ServerRequest("elicitation/create", "agenttest-1", {}).to_dict(),
        "MCP client answer": lambda: ClientAnswer("elicitation/create", {"action": "accept"}).to_dict(),
        "A2A request": lambda: A2ARequest("send", "1.0", "SendMessage", 1).to_dict(),
        "A2A reply": lambda: A2AReply("task", task_id="t1", state="completed").to_dict(),
        "service request": lambda: ServiceRequest("GET", "/repos/o/r/issues").to_dict(),
        "service reply": lambda: ServiceResult(200, []).to_dict(),
        "AWS request": lambda: AwsRequest("lambda", "ListFunctions", "us-east-1").to_dict(),
        "AWS reply": lambda: AwsResult(200).to_dict(),
        "evidence file": lambda: evidence_payload("Suite", "Test", [entry], 0, SecretRegistry()),
        "hook event": lambda: hook_event(tmp_path),
        "network attempt": lambda: NetworkAttempt(0, 0.0, "api.openai.com", 443, "CONNECT", "routed").to_dict(),
        "fake CLI call": lambda: CliCall("git", ("status",), "/w", {}, 0, "status", 0, None).to_dict(),
        "cassette": lambda: saved_cassette(tmp_path),
        "cassette episode": lambda: Episode({}, {}, {}).to_dict(),
        "cassette request": lambda: request_view(CONVERSATION, "POST", "/v1/chat/completions"),
    }
    if name == "cassette response":
        return set().union(*(set(response) for response in cassette_responses()))
    return set(makers[name]())


def test_every_structure_is_documented_with_its_keys() -> None:
    assert set(documented()) == {
        "journal entry", "LLM request", "LLM message", "tool call", "tool result", "LLM reply", "MCP request",
        "MCP reply", "MCP server request", "MCP client answer", "A2A request", "A2A reply", "service request",
        "service reply", "AWS request", "AWS reply",
        "evidence file", "hook event", "network attempt", "fake CLI call", "cassette", "cassette episode",
        "cassette request", "cassette response",
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(documented()))
def test_the_documented_keys_are_the_keys_given(name: str, tmp_path: Path) -> None:
    assert set(documented()[name]) == produced(name, tmp_path), name


def test_the_alternative_forms_named_in_the_text_hold() -> None:
    error = McpReply(error=RpcError(-32601, "Method not found", {"method": "x"})).to_dict()
    assert set(error) == {"error", "rule"} and set(error["error"]) == {"code", "message", "data"}
    notify = normalize_notify(json.dumps({"type": "agent-turn-complete", "thread-id": "t", "cwd": "/w",
                                          "input-messages": ["hi"], "last-assistant-message": "done"}))  # fmt: skip
    assert set(notify) == {"time", "runtime", "phase", "event", "session_id", "cwd", "prompt", "last_message"}
    assert set(McpRequest("ping", 2).to_dict()) == {"method", "id", "params", "session", "protocol_version"}
