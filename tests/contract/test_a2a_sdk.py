"""The official ``a2a-sdk`` client against the mock A2A agent: card, messages, tasks, streams, faults, push, 0.3."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import httpx
import pytest
from a2a.client import A2ACardResolver, A2AClientError, ClientConfig, ClientFactory
from a2a.types import (
    CancelTaskRequest,
    DeleteTaskPushNotificationConfigRequest,
    GetTaskPushNotificationConfigRequest,
    GetTaskRequest,
    ListTaskPushNotificationConfigsRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    SubscribeToTaskRequest,
    TaskPushNotificationConfig,
    TaskState,
)
from a2a.utils.errors import TaskNotCancelableError, TaskNotFoundError, UnsupportedOperationError
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Value

from AgentTestLibrary.mock.server import MockServer
from AgentTestLibrary.mocka2a import MockA2A, a2a_agent_from_text
from AgentTestLibrary.mocka2a.loader import parse_a2a_fault
from AgentTestLibrary.secrets import SecretRegistry

T = TypeVar("T")
LEGACY_PYTHON = Path(__file__).parents[2] / ".venv-a2a03" / "bin" / "python"
LEGACY_NOTE = Path(__file__).parents[2] / "results" / "a2a-legacy-install.txt"
SCENARIO = """
a2a_agents:
  researcher:
    card:
      name: Researcher
      description: Finds sources
      skills: [{id: search, name: Search, description: Finds sources, tags: [search]}]
    rules:
      - name: clarify
        when: {text_contains: vague}
        reply: {states: [working, input-required], status: "Which topic?"}
      - name: clarified
        when: {task_state: input-required}
        reply:
          states: [working, completed]
          status: "Done with {{text}}"
          artifacts: [{name: sources, text: "3 sources on {{text}}"}]
      - name: research
        when: {text_contains: sources}
        reply:
          states: [working, completed]
          status: "Found sources"
          artifacts:
            - {name: sources, text: "1. A2A spec", data: {count: "{{data.limit}}"}}
      - name: hello
        when: {text_contains: hello}
        reply: {message: "Hello from the researcher: {{text}}"}
      - name: pdf
        when: {file: {mimeType: application/pdf}}
        reply: {message: "read {{text}}"}
      - name: slow
        when: {text_contains: long job}
        reply: {states: [working, working, completed], status: finished, artifacts: [{name: out, text: done}]}
"""


def text_message(text: str, task_id: str = "", context_id: str = "", data: dict[str, Any] | None = None) -> Message:
    parts = [Part(text=text)]
    if data is not None:
        value = Value()
        value.struct_value.update(data)
        parts.append(Part(data=value))
    return Message(role=Role.ROLE_USER, message_id=f"m-{text[:8]}", parts=parts, task_id=task_id, context_id=context_id)


def run(work: Callable[[Any], Awaitable[T]], url: str, **config: Any) -> T:
    async def main() -> T:
        client = await ClientFactory(ClientConfig(**config)).create_from_url(url)
        try:
            return await work(client)
        finally:
            await client.close()

    return asyncio.run(main())


async def collect(client: Any, message: Message) -> list[StreamResponse]:
    return [event async for event in client.send_message(SendMessageRequest(message=message))]


@pytest.fixture
def agent() -> Iterator[tuple[MockA2A, str]]:
    app = MockA2A(a2a_agent_from_text(SCENARIO), SecretRegistry())
    server = MockServer(app)
    base = server.start()
    yield app, base
    server.stop()
    app.close()


def requests(app: MockA2A) -> list[dict[str, Any]]:
    return [entry.to_dict() for entry in app.journal.entries() if entry.kind == "request" and entry.subject]


def test_the_card_resolves_with_both_interfaces_and_the_skills(agent: tuple[MockA2A, str]) -> None:
    app, base = agent

    async def resolve() -> Any:
        async with httpx.AsyncClient() as http:
            return await A2ACardResolver(http, base).get_agent_card()

    card = asyncio.run(resolve())
    assert card.name == "Researcher" and card.skills[0].id == "search"
    assert [(item.protocol_binding, item.protocol_version) for item in card.supported_interfaces] == [
        ("JSONRPC", "1.0"),
        ("JSONRPC", "0.3"),
    ]
    assert card.supported_interfaces[0].url == base + "/" and card.capabilities.streaming
    assert requests(app)[0]["request"]["method"] == "card"


def test_a_blocking_send_returns_the_completed_task_with_its_artifacts(agent: tuple[MockA2A, str]) -> None:
    app, base = agent
    events = run(lambda client: collect(client, text_message("find sources", data={"limit": 3})), base, streaming=False)
    assert len(events) == 1 and events[0].HasField("task")
    task = events[0].task
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    assert task.status.message.parts[0].text == "Found sources"
    assert task.artifacts[0].name == "sources" and task.artifacts[0].parts[0].text == "1. A2A spec"
    assert MessageToDict(task.artifacts[0].parts[1])["data"] == {"count": 3}
    sent = requests(app)[-1]
    assert sent["request"]["method"] == "send" and sent["request"]["version"] == "1.0"
    assert sent["request"]["text"] == "find sources" and sent["request"]["data"] == {"limit": 3}
    assert sent["headers"]["a2a-version"] == "1.0" and sent["rule"] == "research"
    assert sent["reply"]["state"] == "completed" and sent["reply"]["states"] == ["working", "completed"]


def test_a_message_reply_has_no_task(agent: tuple[MockA2A, str]) -> None:
    _, base = agent
    events = run(lambda client: collect(client, text_message("hello there")), base, streaming=False)
    assert events[0].HasField("message") and events[0].message.role == Role.ROLE_AGENT
    assert events[0].message.parts[0].text == "Hello from the researcher: hello there"


def test_a_stream_sends_the_task_its_status_updates_and_artifacts(agent: tuple[MockA2A, str]) -> None:
    app, base = agent
    events = run(lambda client: collect(client, text_message("find sources")), base)
    kinds = [event.WhichOneof("payload") for event in events]
    assert kinds == ["task", "status_update", "artifact_update", "status_update"]
    assert events[0].task.status.state == TaskState.TASK_STATE_SUBMITTED
    assert events[1].status_update.status.state == TaskState.TASK_STATE_WORKING
    assert events[2].artifact_update.artifact.name == "sources" and events[2].artifact_update.last_chunk
    assert events[3].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    assert requests(app)[-1]["request"]["method"] == "stream"


def test_input_required_then_the_next_message_continues_the_same_task(agent: tuple[MockA2A, str]) -> None:
    app, base = agent

    async def conversation(client: Any) -> tuple[Any, Any]:
        first = (await collect(client, text_message("something vague")))[-1]
        task_id = first.status_update.task_id
        context = first.status_update.context_id
        second = await collect(client, text_message("the A2A protocol", task_id=task_id, context_id=context))
        return first, second

    first, second = run(conversation, base)
    assert first.status_update.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    assert first.status_update.status.message.parts[0].text == "Which topic?"
    assert second[0].task.id == first.status_update.task_id
    assert second[0].task.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    assert second[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    assert second[-2].artifact_update.artifact.parts[0].text == "3 sources on the A2A protocol"
    continued = requests(app)[-1]["request"]
    assert continued["task_state"] == "input-required" and continued["task_id"] == first.status_update.task_id


def test_polling_passes_one_state_per_get_task_and_cancel_follows_the_rules(agent: tuple[MockA2A, str]) -> None:
    _, base = agent

    async def poll(client: Any) -> tuple[list[int], Any]:
        task = (await collect(client, text_message("a long job")))[0].task
        states = [task.status.state]
        for _ in range(4):
            states.append((await client.get_task(GetTaskRequest(id=task.id))).status.state)
        other = (await collect(client, text_message("another long job")))[0].task
        canceled = await client.cancel_task(CancelTaskRequest(id=other.id))
        with pytest.raises(TaskNotCancelableError):
            await client.cancel_task(CancelTaskRequest(id=other.id))
        with pytest.raises(TaskNotFoundError):
            await client.get_task(GetTaskRequest(id="no-such-task"))
        return states, canceled

    states, canceled = run(poll, base, streaming=False, polling=True)
    working, completed = TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED
    assert states == [TaskState.TASK_STATE_SUBMITTED, working, working, completed, completed]
    assert canceled.status.state == TaskState.TASK_STATE_CANCELED


def test_a_file_part_rule_a_subscription_to_a_polled_task_and_a_delay(agent: tuple[MockA2A, str]) -> None:
    app, base = agent
    app.add_fault(parse_a2a_fault({"when": {"method": "subscribe"}, "delay_ms": 50}, "test"), "test")
    pdf = Message(
        role=Role.ROLE_USER,
        message_id="m-pdf",
        parts=[
            Part(text="the report"),
            Part(url="http://127.0.0.1:9/r.pdf", filename="r.pdf", media_type="application/pdf"),
        ],
    )

    async def work(client: Any) -> tuple[list[StreamResponse], Any]:
        return await collect(client, pdf), (await collect(client, text_message("a long job")))[0].task

    read, task = run(work, base, streaming=False, polling=True)

    async def follow(client: Any) -> list[StreamResponse]:
        return [event async for event in client.subscribe(SubscribeToTaskRequest(id=task.id))]

    followed = run(follow, base)
    assert read[0].message.parts[0].text == "read the report"
    sent = next(entry for entry in requests(app) if entry["request"]["method"] == "send")["request"]
    assert sent["files"] == [{"name": "r.pdf", "mimeType": "application/pdf", "uri": "http://127.0.0.1:9/r.pdf"}]
    assert [event.WhichOneof("payload") for event in followed] == ["task", "status_update", "status_update",
                                                                   "artifact_update", "status_update"]  # fmt: skip
    assert followed[0].task.status.state == TaskState.TASK_STATE_SUBMITTED
    assert followed[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    subscribed = requests(app)[-1]
    assert subscribed["request"]["method"] == "subscribe" and subscribed["delay_s"] == 0.05
    assert subscribed["reply"]["states"] == ["working", "working", "completed"]


def test_a_message_to_a_terminal_task_and_subscribing_to_one_are_unsupported(agent: tuple[MockA2A, str]) -> None:
    _, base = agent

    async def late(client: Any) -> None:
        done = (await collect(client, text_message("find sources")))[-1].status_update
        with pytest.raises(UnsupportedOperationError):
            await collect(client, text_message("more", task_id=done.task_id, context_id=done.context_id))
        with pytest.raises(UnsupportedOperationError):
            [event async for event in client.subscribe(SubscribeToTaskRequest(id=done.task_id))]

    run(late, base)


def test_the_0_3_client_of_the_sdk_speaks_the_0_3_methods(agent: tuple[MockA2A, str]) -> None:
    app, base = agent
    app.spec = replace(app.spec, versions=("0.3",))

    async def legacy(client: Any) -> tuple[list[StreamResponse], list[StreamResponse], Any]:
        streamed = await collect(client, text_message("find sources"))
        task_id = streamed[0].task.id
        return streamed, [], await client.get_task(GetTaskRequest(id=task_id))

    streamed, _, fetched = run(legacy, base)
    assert [event.WhichOneof("payload") for event in streamed] == ["task", "status_update", "artifact_update",
                                                                   "status_update"]  # fmt: skip
    assert streamed[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    assert fetched.status.state == TaskState.TASK_STATE_COMPLETED and fetched.artifacts[0].name == "sources"
    sent = [entry["request"] for entry in requests(app) if entry["request"]["method"] != "card"]
    assert [(item["wire_method"], item["version"]) for item in sent] == [("message/stream", "0.3"),
                                                                         ("tasks/get", "0.3")]  # fmt: skip
    blocking = run(lambda client: collect(client, text_message("hello")), base, streaming=False)
    assert blocking[0].message.parts[0].text == "Hello from the researcher: hello"


def rpc(base: str, method: str, params: dict[str, Any], version: str | None) -> dict[str, Any]:
    headers = {"a2a-version": version} if version else {}
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    answer = httpx.post(base + "/", json=body, headers=headers)
    assert answer.status_code == 200
    data: dict[str, Any] = answer.json()
    return data


def test_the_version_header_must_fit_the_method(agent: tuple[MockA2A, str]) -> None:
    _, base = agent
    message = {"messageId": "m1", "role": "ROLE_USER", "parts": [{"text": "hello"}]}
    assert rpc(base, "SendMessage", {"message": message}, None)["error"]["code"] == -32009
    assert rpc(base, "SendMessage", {"message": message}, "1.0")["result"]["message"]["role"] == "ROLE_AGENT"
    legacy = {"kind": "message", "messageId": "m2", "role": "user", "parts": [{"kind": "text", "text": "hello"}]}
    answer = rpc(base, "message/send", {"message": legacy}, "1.0")
    assert answer["error"]["code"] == -32009 and "A2A-Version: 0.3" in answer["error"]["message"]
    assert rpc(base, "message/send", {"message": legacy}, None)["result"]["kind"] == "message"
    assert rpc(base, "tasks/explode", {}, None)["error"]["code"] == -32601
    assert rpc(base, "SendMessage", {"message": {"parts": "x"}}, "1.0")["error"]["code"] == -32602


def test_strict_mode_fails_the_task_with_the_near_miss(agent: tuple[MockA2A, str]) -> None:
    app, base = agent
    events = run(lambda client: collect(client, text_message("translate this")), base, streaming=False)
    task = events[0].task
    assert task.status.state == TaskState.TASK_STATE_FAILED
    assert "no rule answers this message" in task.status.message.parts[0].text
    entry = requests(app)[-1]
    assert entry["unmatched"] and "closest" in entry["near_miss"]


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"status": 503}, "HTTP Error 503"),
        ({"rpc_error": -32603, "message": "backend down"}, "backend down"),
        ({"malformed": "json"}, "JSON"),
    ],
)
def test_faults_reach_the_client_as_errors(agent: tuple[MockA2A, str], fault: dict[str, Any], expected: str) -> None:
    app, base = agent
    app.add_fault(parse_a2a_fault({"when": {"text_contains": "sources"}, **fault}, "test"), "test")
    with pytest.raises(Exception, match=expected):
        run(lambda client: collect(client, text_message("find sources")), base, streaming=False)
    entry = requests(app)[-1]
    assert entry["fault"] and entry["request"]["text"] == "find sources"


def test_a_cut_stream_breaks_the_client_after_the_events_sent(agent: tuple[MockA2A, str]) -> None:
    app, base = agent
    app.add_fault(parse_a2a_fault({"when": {"method": "stream"}, "cut_after_events": 2}, "test"), "test")
    received: list[StreamResponse] = []

    async def stream(client: Any) -> None:
        async for event in client.send_message(SendMessageRequest(message=text_message("find sources"))):
            received.append(event)

    with pytest.raises(A2AClientError):
        run(stream, base)
    assert [event.WhichOneof("payload") for event in received] == ["task", "status_update"]
    assert requests(app)[-1]["broken"]


def test_fail_task_and_expire_task(agent: tuple[MockA2A, str]) -> None:
    app, base = agent
    app.add_fault(parse_a2a_fault({"when": {"method": "send"}, "fail_task": True, "times": 1}, "test"), "test")
    app.add_fault(parse_a2a_fault({"when": {"method": "get"}, "expire_task": True}, "test"), "test")

    async def work(client: Any) -> Any:
        task = (await collect(client, text_message("find sources")))[0].task
        with pytest.raises(TaskNotFoundError):
            await client.get_task(GetTaskRequest(id=task.id))
        return task

    task = run(work, base, streaming=False)
    assert task.status.state == TaskState.TASK_STATE_FAILED
    assert task.status.message.parts[0].text == "AgentTestLibrary injected fault: the task failed"
    assert app.tasks.get(task.id) is None


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        Receiver.received.append((dict(self.headers), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


def test_push_notifications_reach_a_loopback_receiver_and_others_are_refused(agent: tuple[MockA2A, str]) -> None:
    app, base = agent
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    try:
        push = TaskPushNotificationConfig(url=url, token="sentinel-token")
        events = run(lambda client: collect(client, text_message("find sources")), base, streaming=False,
                     polling=True, push_notification_config=push)  # fmt: skip
        assert events[0].task.status.state == TaskState.TASK_STATE_SUBMITTED
        assert app.pusher.wait(5)
        bodies = [body for _, body in Receiver.received]
        assert [next(iter(body)) for body in bodies] == ["statusUpdate", "artifactUpdate", "statusUpdate"]
        assert bodies[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
        assert Receiver.received[0][0]["X-A2A-Notification-Token"] == "sentinel-token"
        pushes = [entry for entry in app.journal.entries() if entry.kind == "push"]
        assert len(pushes) == 3 and all(entry.status == 200 and entry.path == url for entry in pushes)
    finally:
        receiver.shutdown()
    far = TaskPushNotificationConfig(url="http://example.invalid/hook")
    with pytest.raises(Exception, match="not on this machine"):
        run(lambda client: collect(client, text_message("find sources")), base, push_notification_config=far)


def test_push_configs_are_set_read_listed_deleted_and_bounded(agent: tuple[MockA2A, str]) -> None:
    _, base = agent

    async def configs(client: Any) -> tuple[Any, Any, int]:
        task = (await collect(client, text_message("a long job")))[0].task
        made = await client.create_task_push_notification_config(
            TaskPushNotificationConfig(task_id=task.id, id="c0", url="http://127.0.0.1:9/hook", token="t0")
        )
        ref = GetTaskPushNotificationConfigRequest(task_id=task.id, id="c0")
        read = await client.get_task_push_notification_config(ref)
        for number in range(1, 10):
            await client.create_task_push_notification_config(
                TaskPushNotificationConfig(task_id=task.id, id=f"c{number}", url="http://127.0.0.1:9/hook")
            )
        with pytest.raises(Exception, match="already has 10 push notification configs"):
            await client.create_task_push_notification_config(
                TaskPushNotificationConfig(task_id=task.id, id="c10", url="http://127.0.0.1:9/hook")
            )
        gone = DeleteTaskPushNotificationConfigRequest(task_id=task.id, id="c0")
        await client.delete_task_push_notification_config(gone)
        listed = await client.list_task_push_notification_configs(
            ListTaskPushNotificationConfigsRequest(task_id=task.id)
        )
        assert made.id == "c0"
        return made, read, len(listed.configs)

    made, read, count = run(configs, base, streaming=False, polling=True)
    assert read.url == made.url == "http://127.0.0.1:9/hook" and read.token == "t0"
    assert count == 9


def test_agenttest_a2a_serve_prints_one_line_and_echoes(tmp_path: Any) -> None:
    process = subprocess.Popen([sys.executable, "-m", "AgentTestLibrary", "a2a", "serve"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("A2A_URL=http://127.0.0.1:"), line
        events = run(lambda client: collect(client, text_message("as is")), line.split("=", 1)[1])
        assert events[0].message.parts[0].text == "as is"
    finally:
        process.terminate()
        stdout, _ = process.communicate(timeout=15)
    assert process.returncode == 0 and stdout == ""
    flow = tmp_path / "flow.yaml"
    flow.write_text("a2a_agents:\n  a:\n    rules: [{when: {text_contain: x}, reply: {message: y}}]\n", "utf-8")
    bad = subprocess.run([sys.executable, "-m", "AgentTestLibrary", "a2a", "serve", "--scenario", str(flow)],
                         capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)  # fmt: skip
    assert bad.returncode == 2
    assert f"{flow}:3: a2a_agents.a.rules[0].when.text_contain: unknown key 'text_contain'" in bad.stderr
    assert "Did you mean 'text_contains'?" in bad.stderr
    check = subprocess.run([sys.executable, "-m", "AgentTestLibrary", "scenario", "check", str(flow)],
                           capture_output=True, text=True, timeout=30)  # fmt: skip
    assert check.returncode == 1 and "text_contain" in check.stderr


def test_the_a2a_sdk_0_3_client_in_its_own_venv(agent: tuple[MockA2A, str]) -> None:
    if not LEGACY_PYTHON.exists():
        why = LEGACY_NOTE.read_text(encoding="utf-8")[-300:] if LEGACY_NOTE.exists() else "run `make a2a-legacy`"
        pytest.skip(f"the a2a-sdk 0.3 client is not installed in .venv-a2a03: {why}")
    app, base = agent
    client = Path(__file__).with_name("a2a03_client.py")
    done = subprocess.run([str(LEGACY_PYTHON), str(client), base], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout)
    assert seen["stream"]["events"] == [["submitted", None], ["working", "status-update"],
                                        ["working", "artifact-update"], ["completed", "status-update"]]  # fmt: skip
    assert seen["stream"]["fetched"] == seen["send"]["fetched"] == "completed"
    assert seen["send"]["events"] == [["completed", None]] and seen["send"]["artifacts"][0] == "1. A2A spec"
    assert seen["message"]["message"] == "Hello from the researcher: hello"
    calls = [entry for entry in requests(app) if entry["request"]["method"] != "card"]
    assert {(entry["request"]["wire_method"], entry["request"]["version"]) for entry in calls} == {
        ("message/stream", "0.3"), ("message/send", "0.3"), ("tasks/get", "0.3")}  # fmt: skip
    assert all("a2a-version" not in entry["headers"] for entry in calls)


def test_secrets_in_messages_and_headers_never_leave_the_journal() -> None:
    sentinel = "sk-a2a-sentinel-4711"
    secrets = SecretRegistry()
    secrets.add(sentinel)
    app = MockA2A(a2a_agent_from_text(SCENARIO), secrets)
    server = MockServer(app)
    base = server.start()
    try:
        headers = {"authorization": f"Bearer {sentinel}"}
        message = {"messageId": "m1", "role": "ROLE_USER", "parts": [{"text": f"hello, my key is {sentinel}"}]}
        body = {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"message": message}}
        answer = httpx.post(base + "/", json=body, headers={"a2a-version": "1.0", **headers}).json()
        assert sentinel in answer["result"]["message"]["parts"][0]["text"]  # the agent echoes it: the client's own
    finally:
        server.stop()
        app.close()
    dumped = json.dumps([entry.to_dict() for entry in app.journal.entries()])
    assert sentinel not in dumped and "hello, my key is" in dumped


def test_garbage_gets_json_rpc_errors_and_the_next_client_is_served(agent: tuple[MockA2A, str]) -> None:
    app, base = agent
    bodies = [b"\xff\xfe", b"[" * 5000, b"null", b"[]", b'{"jsonrpc": "2.0", "id": 1, "method": 7}',
              b'{"jsonrpc": "1.0", "id": 1, "method": "SendMessage"}',
              b'{"jsonrpc": "2.0", "id": {"x": 1}, "method": "GetTask", "params": []}',
              b'{"jsonrpc": "2.0", "id": 2, "method": "SendMessage", "params": {"message": {"parts": [7]}}}',
              b'{"jsonrpc": "2.0", "id": 3, "method": "GetTask", "params": {"id": 5}}']  # fmt: skip
    codes = []
    with httpx.Client() as raw:
        for body in bodies:
            reply = raw.post(
                base + "/", content=body, headers={"content-type": "application/json", "a2a-version": "1.0"}
            )
            assert reply.status_code == 200, (body, reply.text)
            codes.append(reply.json()["error"]["code"])
    assert codes == [-32700, -32700, -32600, -32600, -32600, -32600, -32602, -32602, -32602]
    events = run(lambda client: collect(client, text_message("hello again")), base, streaming=False)
    assert events[0].message.parts[0].text == "Hello from the researcher: hello again"
    assert all(entry.status == 200 for entry in app.journal.entries())
