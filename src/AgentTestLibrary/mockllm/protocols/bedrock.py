"""Amazon Bedrock Runtime: ``Converse`` / ``ConverseStream`` and ``InvokeModel`` with Anthropic Messages bodies.

Routes (the model id is the path's, URL-decoded: a model, an inference profile or an ARN):
``POST /model/{modelId}/converse``, ``/converse-stream``, ``/invoke``,
``/invoke-with-response-stream`` and ``/count-tokens``. Streams are AWS event-stream
frames (:mod:`~AgentTestLibrary.mock.eventstream`): Converse's events are its own
(``messageStart`` ... ``metadata``); InvokeModel's are ``chunk`` events whose ``bytes`` are
the base64 of each Anthropic stream event. Errors are ``{"message": ...}`` with the
exception name in ``x-amzn-errortype`` (botocore's rest-json error parser reads both).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ...errors import RequestError
from ...mock import eventstream, jsonio
from ...mock.http import Event
from ..conversation import Conversation, Message, ProviderError, Reply, Tool, ToolCall, ToolResult
from ..tokens import conversation_tokens, json_chunks, stable_id, text_chunks, token_usage
from .base import Unchained, check_fields, shared_tools, uses_tools
from .hosted_anthropic import HostedAnthropicCodec, model_id

# Each status's exception, from the bedrock-runtime service model's error shapes.
EXCEPTIONS = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    413: "ValidationException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}
INVALID_TOKEN = "The security token included in the request is invalid"
STOP_REASONS = {"refusal": "content_filtered", "content_filter": "guardrail_intervened"}
# Misbehaviours Converse says in its own words: a guardrail's blocked-output message, a tool use it could not parse.
GUARDRAIL_TEXT = "Sorry, the model cannot answer this question."  # a guardrail's default blocked-output message
STOP_BY_MISBEHAVIOUR = {"invalid_tool_arguments": "malformed_tool_use"}
CONVERSE_FIELDS = {
    "messages": "an array", "system": "an array", "inferenceConfig": "an object", "toolConfig": "an object",
    "additionalModelRequestFields": "an object", "outputConfig": "an object", "guardrailConfig": "an object",
}  # fmt: skip
CONVERSE_ACTIONS = {"converse": False, "converse-stream": True}
INVOKE_ACTIONS = {"invoke": False, "invoke-with-response-stream": True}


def error_headers(error: ProviderError) -> list[tuple[str, str]]:
    return [("x-amzn-errortype", exception_name(error)), ("x-amzn-requestid", "agenttest-bedrock-request")]


def exception_name(error: ProviderError) -> str:
    if error.type and error.type.endswith("Exception"):
        return error.type
    if error.status == 403 and error.message.startswith(INVALID_TOKEN):  # an access key AWS does not know
        return "UnrecognizedClientException"
    return EXCEPTIONS.get(error.status, "InternalServerException" if error.status >= 500 else "ValidationException")


class BedrockErrors(Unchained):
    """Bedrock's error shape, shared by both Bedrock codecs."""

    def render_error(self, error: ProviderError) -> dict[str, Any]:
        return {"message": error.message}

    def error_headers(self, error: ProviderError) -> list[tuple[str, str]]:
        return error_headers(error)


class BedrockConverseCodec(BedrockErrors):
    protocol = "bedrock.converse"
    stream_content_type = eventstream.CONTENT_TYPE

    def parse(self, body: Any, params: dict[str, str]) -> Conversation:
        if not isinstance(body, dict):
            raise RequestError("The request body must be a JSON object.")
        check_fields(body, CONVERSE_FIELDS)
        raw_messages = body.get("messages")
        if not isinstance(raw_messages, list) or not raw_messages:
            raise RequestError("'messages' is required: a non-empty array of {role, content}.", param="messages")
        config = body.get("inferenceConfig") or {}
        tool_config = body.get("toolConfig") or {}
        messages = [self._message(raw, f"messages[{index}]") for index, raw in enumerate(raw_messages)]
        if uses_tools(messages):
            _check_tool_results(messages)
        return Conversation(
            protocol=self.protocol,
            model=model_id(params),
            messages=tuple(messages),
            system=_texts(body.get("system")),
            tools=shared_tools(tool_config, self._tools),
            stream=CONVERSE_ACTIONS.get(params.get("action", ""), False),
            max_tokens=config.get("maxTokens") if isinstance(config.get("maxTokens"), int) else None,
            response_schema=_output_schema(body.get("outputConfig")),
            forced_tool=_forced_tool(tool_config.get("toolChoice")),
        )

    @staticmethod
    def _message(raw: Any, where: str) -> Message:
        if not isinstance(raw, dict) or raw.get("role") not in ("user", "assistant"):
            raise RequestError(f"'{where}' must be an object with role 'user' or 'assistant'.", param=f"{where}.role")
        content = raw.get("content")
        if not isinstance(content, list):
            raise RequestError(f"'{where}.content' must be an array of content blocks.", param=f"{where}.content")
        texts, calls, results = [], [], []
        for index, block in enumerate(content):
            if not isinstance(block, dict):
                raise RequestError(f"'{where}.content[{index}]' must be an object.", param=f"{where}.content")
            if isinstance(block.get("text"), str):
                texts.append(block["text"])
            elif isinstance(block.get("toolUse"), dict):
                use = block["toolUse"]
                calls.append(ToolCall(str(use.get("toolUseId", "")), str(use.get("name", "")), use.get("input", {})))
            elif isinstance(block.get("toolResult"), dict):
                result = block["toolResult"]
                if not isinstance(result.get("toolUseId"), str):
                    raise RequestError(f"'{where}.content[{index}].toolResult.toolUseId' is required.",
                                       param=f"{where}.content[{index}].toolResult.toolUseId")  # fmt: skip
                parts = [part["text"] if isinstance(part.get("text"), str) else json.dumps(part.get("json"))
                         for part in result.get("content") or [] if isinstance(part, dict)]  # fmt: skip
                results.append(ToolResult(result["toolUseId"], "\n".join(parts), result.get("status") == "error"))
        return Message(raw["role"], "\n".join(texts), tuple(calls), tuple(results))

    @staticmethod
    def _tools(config: Any) -> tuple[Tool, ...]:
        tools = []
        for entry in config.get("tools") or [] if isinstance(config, dict) else []:
            spec = entry.get("toolSpec") if isinstance(entry, dict) else None
            if isinstance(spec, dict) and isinstance(spec.get("name"), str):
                schema = spec.get("inputSchema")
                parameters = schema.get("json") if isinstance(schema, dict) else None
                tools.append(Tool(spec["name"], str(spec.get("description", "")), parameters))
        return tuple(tools)

    @staticmethod
    def _usage(reply: Reply, conversation: Conversation) -> dict[str, int]:
        prompt, output = token_usage(reply, conversation)
        return {"inputTokens": prompt, "outputTokens": output, "totalTokens": prompt + output}

    @staticmethod
    def _stop_reason(reply: Reply) -> str:
        reason = reply.neutral_stop_reason
        return STOP_BY_MISBEHAVIOUR.get(reply.misbehaviour) or STOP_REASONS.get(reason, reason)

    @staticmethod
    def _blocks(reply: Reply) -> tuple[str, str | None, tuple[ToolCall, ...]]:
        """(reasoning, text or None for no text block, tool uses): a guardrail answers with its message, a tool use
        Converse could not parse is not sent (``malformed_tool_use`` says so)."""
        said = GUARDRAIL_TEXT if reply.misbehaviour == "content_filter" else reply.text or reply.refusal
        calls = () if reply.misbehaviour in STOP_BY_MISBEHAVIOUR else reply.tool_calls
        text = said if said or not (calls or reply.misbehaviour) else None
        return reply.reasoning, text, calls

    def render(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> dict[str, Any]:
        reasoning, text, calls = self._blocks(reply)
        content: list[dict[str, Any]] = []
        if reasoning:
            signed = {"text": reasoning, "signature": stable_id("sig_", reasoning, length=32)}
            content.append({"reasoningContent": {"reasoningText": signed}})
        if text is not None:
            content.append({"text": text})
        content += [{"toolUse": {"toolUseId": call.id, "name": call.name, "input": _input(call)}}
                    for call in calls]  # fmt: skip
        return {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": self._stop_reason(reply),
            "usage": self._usage(reply, conversation),
            "metrics": {"latencyMs": 1},
        }

    def render_events(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> list[Event]:
        reasoning, text, calls = self._blocks(reply)
        frames: list[tuple[str, dict[str, Any]]] = [("messageStart", {"role": "assistant"})]
        index = 0
        if reasoning:
            deltas = [{"reasoningContent": {"text": piece}} for piece in text_chunks(reasoning)]
            deltas.append({"reasoningContent": {"signature": stable_id("sig_", reasoning, length=32)}})
            frames += [("contentBlockDelta", {"delta": delta, "contentBlockIndex": index}) for delta in deltas]
            frames.append(("contentBlockStop", {"contentBlockIndex": index}))
            index += 1
        if text is not None:
            frames += [("contentBlockDelta", {"delta": {"text": piece}, "contentBlockIndex": index})
                       for piece in text_chunks(text) or ("",)]  # fmt: skip
            frames.append(("contentBlockStop", {"contentBlockIndex": index}))
            index += 1
        for call in calls:
            start = {"toolUse": {"toolUseId": call.id, "name": call.name}}
            frames.append(("contentBlockStart", {"start": start, "contentBlockIndex": index}))
            frames += [("contentBlockDelta", {"delta": {"toolUse": {"input": piece}}, "contentBlockIndex": index})
                       for piece in json_chunks(call.arguments_json())]  # fmt: skip
            frames.append(("contentBlockStop", {"contentBlockIndex": index}))
            index += 1
        frames.append(("messageStop", {"stopReason": self._stop_reason(reply)}))
        frames.append(("metadata", {"usage": self._usage(reply, conversation), "metrics": {"latencyMs": 1}}))
        return [Event(data, name, eventstream.event(name, data)) for name, data in frames]

    def count_tokens(self, body: Any, params: dict[str, str]) -> dict[str, Any]:
        """``count-tokens`` with ``input.converse`` (a Converse body) or ``input.invokeModel.body`` (base64)."""
        request = body.get("input") if isinstance(body, dict) else None
        if isinstance(request, dict) and isinstance(request.get("converse"), dict):
            conversation = self.parse(request["converse"], params)
        elif isinstance(request, dict) and isinstance(request.get("invokeModel"), dict):
            raw = request["invokeModel"].get("body")
            try:
                invoke_body = jsonio.loads(base64.b64decode(raw, validate=True)) if isinstance(raw, str) else None
            except (ValueError, jsonio.JsonError):
                invoke_body = None
            if not isinstance(invoke_body, dict):
                raise RequestError("'input.invokeModel.body' must be the base64 of a JSON request body.",
                                   param="input.invokeModel.body")  # fmt: skip
            conversation = BedrockInvokeCodec().parse(invoke_body, params)
        else:
            raise RequestError("'input' must hold 'converse' or 'invokeModel'.", param="input")
        return {"inputTokens": conversation_tokens(conversation)}


def _input(call: ToolCall) -> Any:
    """A tool use's ``input`` document: arguments cut by the token limit leave nothing whole (``{}``)."""
    return {} if isinstance(call.arguments, str) else call.arguments


def _check_tool_results(messages: list[Message]) -> None:
    """Bedrock's rule for tool blocks (Converse), with its own ValidationExceptions: the message after an assistant
    message with ``toolUse`` blocks holds a ``toolResult`` for each, and no more of them than there were uses."""
    used: list[str] = []  # the toolUse ids of the message before
    for index, message in enumerate(messages):
        answered = [result.call_id for result in message.tool_results]
        if len(answered) > len(used):
            raise RequestError(f"The number of toolResult blocks at messages.{index}.content exceeds the number of "
                               "toolUse blocks of previous turn.")  # fmt: skip
        missing = [call for call in used if call not in answered]
        if missing:
            raise RequestError(f"Expected toolResult blocks at messages.{index}.content for the following Ids: "
                               f"{', '.join(missing)}")  # fmt: skip
        used = [call.id for call in message.tool_calls] if message.role == "assistant" else []


class BedrockInvokeCodec(BedrockErrors, HostedAnthropicCodec):
    """``InvokeModel`` with an Anthropic Messages body (what ``AnthropicBedrock`` and Claude Code send): the
    action says whether it streams, and a stream is ``chunk`` frames carrying each Anthropic event."""

    protocol = "bedrock.invoke"
    stream_content_type = eventstream.CONTENT_TYPE
    anthropic_version = "bedrock-2023-05-31"

    def check_body(self, body: dict[str, Any]) -> None:
        for key in ("model", "stream"):
            if key in body:
                raise RequestError(f"Malformed input request: #: extraneous key [{key}] is not permitted, please "
                                   "reformat your input and try again.", param=key)  # fmt: skip

    def streams(self, body: dict[str, Any], params: dict[str, str]) -> bool:
        return INVOKE_ACTIONS.get(params.get("action", ""), False)

    def render_events(self, reply: Reply, conversation: Conversation, body: dict[str, Any]) -> list[Event]:
        events = []
        for anthropic_event in self.anthropic.render_events(reply, conversation, body):
            data = {"bytes": base64.b64encode(jsonio.dumps(anthropic_event.data)).decode("ascii")}
            events.append(Event(anthropic_event.data, anthropic_event.name, eventstream.event("chunk", data)))
        return events


def inference_profiles(models: tuple[str, ...]) -> dict[str, Any]:
    """``GET /inference-profiles`` (the Bedrock control plane's ListInferenceProfiles, which Claude Code asks on the
    runtime's URL): the scenario's models as system-defined profiles whose ids are the model names."""
    return {"inferenceProfileSummaries": [{
        "inferenceProfileName": model, "inferenceProfileId": model, "description": model,
        "inferenceProfileArn": f"arn:aws:bedrock:us-east-1:000000000000:inference-profile/{model}",
        "models": [{"modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{model}"}],
        "status": "ACTIVE", "type": "SYSTEM_DEFINED", "createdAt": "2025-01-01T00:00:00Z",
        "updatedAt": "2025-01-01T00:00:00Z",
    } for model in models]}  # fmt: skip


def _texts(blocks: Any) -> str:
    """The text of Converse's ``system`` blocks (guard content and cache points carry none)."""
    texts = [block["text"] for block in blocks or [] if isinstance(block, dict) and isinstance(block.get("text"), str)]
    return "\n".join(texts)


def _output_schema(config: Any) -> Any:
    """``outputConfig.textFormat`` of type ``json_schema``: its schema arrives as JSON text."""
    text_format = config.get("textFormat") if isinstance(config, dict) else None
    structure = text_format.get("structure") if isinstance(text_format, dict) else None
    schema = structure.get("jsonSchema", {}).get("schema") if isinstance(structure, dict) else None
    if isinstance(schema, str):
        try:
            return json.loads(schema)
        except ValueError:
            raise RequestError("'outputConfig.textFormat.structure.jsonSchema.schema' must be JSON text.",
                               param="outputConfig.textFormat.structure.jsonSchema.schema") from None  # fmt: skip
    return None


def _forced_tool(choice: Any) -> str | None:
    tool = choice.get("tool") if isinstance(choice, dict) else None
    return str(tool["name"]) if isinstance(tool, dict) and isinstance(tool.get("name"), str) else None
