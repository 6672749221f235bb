"""A2A's wire shapes, sans-I/O: A2A 1.0 (ProtoJSON, ``SendMessage`` ...) and 0.3 (``message/send`` ...) side by side.

One JSON-RPC endpoint serves both versions, as the official server does with its 0.3
compatibility: the method name says which version a call speaks, and the ``A2A-Version``
header (or query parameter) must agree: 1.x for the 1.0 methods, absent or 0.x for the 0.3
ones; otherwise ``VersionNotSupportedError`` (-32009). Each :class:`Codec` turns its version's
params into neutral values (:class:`~.model.Part`, message fields) and neutral tasks, messages
and events back into its shapes (1.0: ``TASK_STATE_COMPLETED``, ``{"statusUpdate": ...}``;
0.3: ``completed``, ``{"kind": "status-update", "final": ...}``). The agent card advertises
both interfaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..clock import iso
from ..mockmcp.jsonrpc import INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, Id, RpcError
from .model import VERSION_NOT_SUPPORTED, AgentSpec, Artifact, Part
from .tasks import HistoryMessage, Task

VERSION_HEADER = "a2a-version"
JSONRPC = "JSONRPC"
CARD_PATHS = ("/.well-known/agent-card.json", "/.well-known/agent.json")  # the second: clients before 0.3
RPC_PATH = "/"


def _params_error(message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, f"Invalid params: {message}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _params_error(f"{where} must be an object; got {type(value).__name__}.")
    return value


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _params_error(f"{where} must be a string; got {type(value).__name__}.")
    return value


class Codec:
    """What both versions share; subclasses give the shapes."""

    version = ""
    push_key = ""  # where a send carries its push notification config
    methods: ClassVar[dict[str, str]] = {}  # wire name -> neutral method

    # -- in ------------------------------------------------------------------------------------

    def message_in(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The neutral fields of a send: message_id, context_id, task_id, parts, metadata, blocking, push."""
        message = _mapping(params.get("message"), "params.message")
        raw_parts = message.get("parts")
        if not isinstance(raw_parts, list):
            raise _params_error("params.message.parts must be a list of parts.")
        parts = tuple(
            self.part_in(_mapping(item, f"params.message.parts[{index}]"), f"params.message.parts[{index}]")
            for index, item in enumerate(raw_parts)
        )
        configuration = _mapping(params.get("configuration") or {}, "params.configuration")
        metadata = message.get("metadata") or {}
        return {
            "message_id": _text(message.get("messageId"), "params.message.messageId"),
            "context_id": _text(message.get("contextId"), "params.message.contextId"),
            "task_id": _text(message.get("taskId"), "params.message.taskId"),
            "parts": parts,
            "metadata": _mapping(metadata, "params.message.metadata"),
            "blocking": self.blocking(configuration),
            "push": self.push_with_message(configuration),
        }

    def part_in(self, data: Mapping[str, Any], where: str) -> Part:
        raise NotImplementedError

    def blocking(self, configuration: Mapping[str, Any]) -> bool:
        raise NotImplementedError

    def push_with_message(self, configuration: Mapping[str, Any]) -> dict[str, Any] | None:
        """The push notification config sent with a message, under this version's key."""
        given = configuration.get(self.push_key)
        where = f"params.configuration.{self.push_key}"
        return _push_config(_mapping(given, where), where) if given else None

    def task_ref(self, params: Mapping[str, Any]) -> str:
        """The task a get, cancel or subscribe names."""
        task_id = params.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise _params_error("params.id must name a task.")
        return task_id

    def push_in(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """(task id, config) of a push config being set."""
        raise NotImplementedError

    def push_ref(self, params: Mapping[str, Any]) -> tuple[str, str]:
        """(task id, config id) of a push config being read or deleted (config id '' in a list)."""
        raise NotImplementedError

    # -- out -----------------------------------------------------------------------------------

    def part_out(self, part: Part) -> dict[str, Any]:
        raise NotImplementedError

    def state_out(self, state: str) -> str:
        raise NotImplementedError

    def role_out(self, role: str) -> str:
        raise NotImplementedError

    def message_out(self, message: HistoryMessage, task: Task | None, context_id: str = "") -> dict[str, Any]:
        data: dict[str, Any] = {
            "messageId": message.message_id,
            "role": self.role_out(message.role),
            "parts": [self.part_out(part) for part in message.parts],
        }
        if task is not None:
            data["taskId"], data["contextId"] = task.id, task.context_id
        elif context_id:
            data["contextId"] = context_id
        return data

    def status_out(self, task: Task) -> dict[str, Any]:
        status: dict[str, Any] = {"state": self.state_out(task.state), "timestamp": iso(task.updated)}
        if task.status:
            status["message"] = self.message_out(HistoryMessage("agent", task.status, f"{task.id}-status"), task)
        return status

    def artifact_out(self, artifact: Artifact) -> dict[str, Any]:
        data: dict[str, Any] = {
            "artifactId": artifact.artifact_id,
            "name": artifact.name,
            "parts": [self.part_out(part) for part in artifact.parts],
        }
        if artifact.description:
            data["description"] = artifact.description
        return data

    def task_out(self, task: Task, history_length: int | None = None) -> dict[str, Any]:
        history = task.history if history_length is None else task.history[len(task.history) - history_length :]
        data: dict[str, Any] = {"id": task.id, "contextId": task.context_id, "status": self.status_out(task)}
        if task.artifacts:
            data["artifacts"] = [self.artifact_out(artifact) for artifact in task.artifacts]
        if history and history_length != 0:
            data["history"] = [self.message_out(message, task) for message in history]
        return data

    def send_result(self, task: Task | None, message: dict[str, Any] | None) -> dict[str, Any]:
        raise NotImplementedError

    def task_event(self, task: Task) -> dict[str, Any]:
        raise NotImplementedError

    def message_event(self, message: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def status_event(self, task: Task, final: bool) -> dict[str, Any]:
        raise NotImplementedError

    def artifact_event(self, task: Task, artifact: Artifact) -> dict[str, Any]:
        raise NotImplementedError

    def push_out(self, task_id: str, config_id: str, config: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def push_list_out(self, task_id: str, configs: dict[str, dict[str, Any]]) -> Any:
        raise NotImplementedError

    def deleted(self) -> Any:
        raise NotImplementedError

    def push_body(self, task: Task, event: dict[str, Any]) -> dict[str, Any]:
        """What a push notification posts for one event of a task."""
        raise NotImplementedError


def _file(name: Any, mime: Any, uri: Any = None, raw: Any = None) -> dict[str, Any]:
    file: dict[str, Any] = {}
    if name:
        file["name"] = name
    if mime:
        file["mimeType"] = mime
    if uri is not None:
        file["uri"] = uri
    if raw is not None:
        file["bytes"] = raw
    return file


def _push_config(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    url = data.get("url")
    if not isinstance(url, str) or not url:
        raise _params_error(f"{where}.url must be the URL notifications go to.")
    config: dict[str, Any] = {"url": url}
    for key in ("id", "token"):
        if data.get(key):
            config[key] = _text(data[key], f"{where}.{key}")
    if isinstance(data.get("authentication"), Mapping):
        config["authentication"] = dict(data["authentication"])
    return config


class V1(Codec):
    """A2A 1.0: ProtoJSON of the ``lf.a2a.v1`` messages (camelCase, enum names, ``oneof`` payloads)."""

    version = "1.0"
    push_key = "taskPushNotificationConfig"
    methods: ClassVar[dict[str, str]] = {
        "SendMessage": "send",
        "SendStreamingMessage": "stream",
        "GetTask": "get",
        "ListTasks": "list",
        "CancelTask": "cancel",
        "SubscribeToTask": "subscribe",
        "CreateTaskPushNotificationConfig": "push-set",
        "GetTaskPushNotificationConfig": "push-get",
        "ListTaskPushNotificationConfigs": "push-list",
        "DeleteTaskPushNotificationConfig": "push-delete",
        "GetExtendedAgentCard": "extended-card",
    }

    def part_in(self, data: Mapping[str, Any], where: str) -> Part:
        if "text" in data:
            return Part("text", text=_text(data["text"], f"{where}.text"))
        if "data" in data:
            return Part("data", data=data["data"])
        if "url" in data or "raw" in data:
            return Part(
                "file", file=_file(data.get("filename"), data.get("mediaType"), data.get("url"), data.get("raw"))
            )
        raise _params_error(f"{where} has none of text, data, url or raw.")

    def blocking(self, configuration: Mapping[str, Any]) -> bool:
        return not configuration.get("returnImmediately", False)

    def push_in(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        task_id = params.get("taskId")
        if not isinstance(task_id, str) or not task_id:
            raise _params_error("params.taskId must name a task.")
        return task_id, _push_config(params, "params")

    def push_ref(self, params: Mapping[str, Any]) -> tuple[str, str]:
        task_id = params.get("taskId")
        if not isinstance(task_id, str) or not task_id:
            raise _params_error("params.taskId must name a task.")
        return task_id, _text(params.get("id"), "params.id")

    def part_out(self, part: Part) -> dict[str, Any]:
        if part.kind == "text":
            return {"text": part.text or ""}
        if part.kind == "data":
            return {"data": part.data}
        file = dict(part.file or {})
        data: dict[str, Any] = {"url": file["uri"]} if "uri" in file else {"raw": file.get("bytes", "")}
        if file.get("name"):
            data["filename"] = file["name"]
        if file.get("mimeType"):
            data["mediaType"] = file["mimeType"]
        return data

    def state_out(self, state: str) -> str:
        return "TASK_STATE_" + state.upper().replace("-", "_")

    def role_out(self, role: str) -> str:
        return "ROLE_AGENT" if role == "agent" else "ROLE_USER"

    def send_result(self, task: Task | None, message: dict[str, Any] | None) -> dict[str, Any]:
        return {"task": self.task_out(task)} if task is not None else {"message": message}

    def task_event(self, task: Task) -> dict[str, Any]:
        return {"task": self.task_out(task)}

    def message_event(self, message: dict[str, Any]) -> dict[str, Any]:
        return {"message": message}

    def status_event(self, task: Task, final: bool) -> dict[str, Any]:
        return {"statusUpdate": {"taskId": task.id, "contextId": task.context_id, "status": self.status_out(task)}}

    def artifact_event(self, task: Task, artifact: Artifact) -> dict[str, Any]:
        return {
            "artifactUpdate": {
                "taskId": task.id,
                "contextId": task.context_id,
                "artifact": self.artifact_out(artifact),
                "lastChunk": True,
            }
        }

    def push_out(self, task_id: str, config_id: str, config: Mapping[str, Any]) -> dict[str, Any]:
        data = {"taskId": task_id, "id": config_id, "url": config["url"]}
        if config.get("token"):
            data["token"] = config["token"]
        return data

    def push_list_out(self, task_id: str, configs: dict[str, dict[str, Any]]) -> Any:
        return {"configs": [self.push_out(task_id, key, config) for key, config in configs.items()]}

    def deleted(self) -> Any:
        return {}

    def push_body(self, task: Task, event: dict[str, Any]) -> dict[str, Any]:
        return event


class V03(Codec):
    """A2A 0.3: ``kind``-tagged JSON (``message/send``, lower-case states, ``final`` on status updates)."""

    version = "0.3"
    push_key = "pushNotificationConfig"
    methods: ClassVar[dict[str, str]] = {
        "message/send": "send",
        "message/stream": "stream",
        "tasks/get": "get",
        "tasks/cancel": "cancel",
        "tasks/resubscribe": "subscribe",
        "tasks/pushNotificationConfig/set": "push-set",
        "tasks/pushNotificationConfig/get": "push-get",
        "tasks/pushNotificationConfig/list": "push-list",
        "tasks/pushNotificationConfig/delete": "push-delete",
        "agent/getAuthenticatedExtendedCard": "extended-card",
    }

    def part_in(self, data: Mapping[str, Any], where: str) -> Part:
        kind = data.get("kind")
        if kind == "text":
            return Part("text", text=_text(data.get("text"), f"{where}.text"))
        if kind == "data":
            return Part("data", data=data.get("data"))
        if kind == "file":
            file = _mapping(data.get("file"), f"{where}.file")
            return Part("file", file=_file(file.get("name"), file.get("mimeType"), file.get("uri"), file.get("bytes")))
        raise _params_error(f"{where}.kind must be text, data or file; got {kind!r}.")

    def blocking(self, configuration: Mapping[str, Any]) -> bool:
        return configuration.get("blocking") is not False

    def push_in(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        task_id = params.get("taskId")
        if not isinstance(task_id, str) or not task_id:
            raise _params_error("params.taskId must name a task.")
        config = _mapping(params.get("pushNotificationConfig"), "params.pushNotificationConfig")
        return task_id, _push_config(config, "params.pushNotificationConfig")

    def push_ref(self, params: Mapping[str, Any]) -> tuple[str, str]:
        return self.task_ref(params), _text(params.get("pushNotificationConfigId"), "params.pushNotificationConfigId")

    def part_out(self, part: Part) -> dict[str, Any]:
        if part.kind == "text":
            return {"kind": "text", "text": part.text or ""}
        if part.kind == "data":
            return {"kind": "data", "data": part.data if isinstance(part.data, dict) else {"value": part.data}}
        return {"kind": "file", "file": dict(part.file or {})}

    def state_out(self, state: str) -> str:
        return state

    def role_out(self, role: str) -> str:
        return role

    def message_out(self, message: HistoryMessage, task: Task | None, context_id: str = "") -> dict[str, Any]:
        return {"kind": "message", **super().message_out(message, task, context_id)}

    def task_out(self, task: Task, history_length: int | None = None) -> dict[str, Any]:
        return {"kind": "task", **super().task_out(task, history_length)}

    def send_result(self, task: Task | None, message: dict[str, Any] | None) -> dict[str, Any]:
        return self.task_out(task) if task is not None else dict(message or {})

    def task_event(self, task: Task) -> dict[str, Any]:
        return self.task_out(task)

    def message_event(self, message: dict[str, Any]) -> dict[str, Any]:
        return message

    def status_event(self, task: Task, final: bool) -> dict[str, Any]:
        return {
            "kind": "status-update",
            "taskId": task.id,
            "contextId": task.context_id,
            "status": self.status_out(task),
            "final": final,
        }

    def artifact_event(self, task: Task, artifact: Artifact) -> dict[str, Any]:
        return {
            "kind": "artifact-update",
            "taskId": task.id,
            "contextId": task.context_id,
            "artifact": self.artifact_out(artifact),
            "lastChunk": True,
        }

    def push_out(self, task_id: str, config_id: str, config: Mapping[str, Any]) -> dict[str, Any]:
        inner = {"id": config_id, "url": config["url"]}
        if config.get("token"):
            inner["token"] = config["token"]
        return {"taskId": task_id, "pushNotificationConfig": inner}

    def push_list_out(self, task_id: str, configs: dict[str, dict[str, Any]]) -> Any:
        return [self.push_out(task_id, key, config) for key, config in configs.items()]

    def deleted(self) -> Any:
        return None

    def push_body(self, task: Task, event: dict[str, Any]) -> dict[str, Any]:
        return self.task_out(task)


CODECS: dict[str, Codec] = {"1.0": V1(), "0.3": V03()}
BY_METHOD: dict[str, Codec] = {name: codec for codec in CODECS.values() for name in codec.methods}


def choose(method: str, header: str | None, served: tuple[str, ...]) -> Codec:
    """The codec of a call's method, checked against its ``A2A-Version``; :class:`RpcError` when they disagree."""
    codec = BY_METHOD.get(method)
    if codec is None:
        raise RpcError(
            METHOD_NOT_FOUND,
            f"Method not found: {method[:80]!r} is neither an A2A 1.0 method "
            f"(SendMessage, GetTask ...) nor a 0.3 one (message/send, tasks/get ...).",
        )
    asked = (header or "").strip() or "0.3"  # the specification: no header means 0.3
    if asked.split(".")[0] != codec.version.split(".")[0]:
        other = "1.0" if codec.version == "0.3" else "0.3"
        raise RpcError(
            VERSION_NOT_SUPPORTED,
            f"A2A version {asked!r} does not fit {method}, an A2A {codec.version} "
            f"method: send 'A2A-Version: {codec.version}' (or use the {other} "
            "method names).",
        )
    if codec.version not in served:
        raise RpcError(VERSION_NOT_SUPPORTED, f"This agent serves A2A {', '.join(served)}, not {codec.version}.")
    return codec


def parse_call(body: Any) -> tuple[str, Id, Mapping[str, Any]]:
    """(method, id, params) of a JSON-RPC request; :class:`RpcError` (-32600/-32602) when it is not one."""
    if isinstance(body, list):
        raise RpcError(INVALID_REQUEST, "JSON-RPC batches are not supported by A2A agents: send one request.")
    if not isinstance(body, dict):
        raise RpcError(INVALID_REQUEST, f"A JSON-RPC request is an object; got {type(body).__name__}.")
    if body.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, "Invalid request: 'jsonrpc' must be exactly '2.0'.")
    method = body.get("method")
    if not isinstance(method, str) or not method:
        raise RpcError(INVALID_REQUEST, "Invalid request: a non-empty 'method' is required.")
    params = body.get("params") or {}
    if not isinstance(params, dict):
        raise RpcError(INVALID_PARAMS, f"Invalid params: A2A params are an object; got {type(params).__name__}.")
    return method, request_id(body), params


def request_id(body: Any) -> Id:
    value = body.get("id") if isinstance(body, dict) else None
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def card(spec: AgentSpec, base_url: str) -> dict[str, Any]:
    """The agent card: 1.0's ``supportedInterfaces`` (one JSON-RPC interface per version served) and 0.3's
    ``url`` / ``preferredTransport`` / ``protocolVersion``, so clients of either version find the endpoint."""
    url = base_url.rstrip("/") + RPC_PATH
    data: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description,
        "version": spec.agent_version,
        "supportedInterfaces": [
            {"url": url, "protocolBinding": JSONRPC, "protocolVersion": version} for version in spec.versions
        ],
        "capabilities": {
            "streaming": spec.streaming,
            "pushNotifications": spec.push_notifications,
            "extendedAgentCard": False,
        },
        "defaultInputModes": list(spec.input_modes),
        "defaultOutputModes": list(spec.output_modes),
        "skills": [skill.card() for skill in spec.skills],
    }
    if "0.3" in spec.versions:
        data.update(
            {
                "url": url,
                "preferredTransport": JSONRPC,
                "protocolVersion": "0.3.0",
                "supportsAuthenticatedExtendedCard": False,
            }
        )
    return data
