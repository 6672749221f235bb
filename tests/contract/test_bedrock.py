"""Amazon Bedrock Runtime against the official clients: boto3 ``bedrock-runtime`` and ``anthropic.AnthropicBedrock``.

Converse and ConverseStream (AWS event-stream frames), InvokeModel and InvokeModelWithResponseStream with
Anthropic bodies, tool round trips, structured output, token counting, SigV4 and its refusals, Bedrock's
error shapes and botocore's retries on throttling.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from AgentTestLibrary.environment import FIXTURE_AWS_ACCESS_KEY, FIXTURE_AWS_SECRET_KEY
from AgentTestLibrary.mockllm import MockServer
from AgentTestLibrary.mockllm.scenario import parse_fault
from tests.conftest import StartMock

SCENARIO = """
rules:
  - name: call the tool
    when: {user_text_contains: weather, tool_result: false}
    reply: {tool_calls: [{name: get_weather, arguments: {city: Paris}}]}
  - name: answer with the result
    when: {tool_result_contains: sunny}
    reply: {text: It is sunny in Paris.}
  - name: throttled
    when: {user_text_contains: busy}
    reply: {error: {status: 429, message: "Too many requests, please wait before trying again."}}
  - name: plain
    when: {provider: bedrock}
    reply: {text: "Hello from Bedrock, in several streamed chunks."}
"""
MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
WEATHER_SPEC = {
    "toolSpec": {
        "name": "get_weather",
        "description": "weather for a city",
        "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
    }
}
HELLO = "Hello from Bedrock, in several streamed chunks."
INVOKE_BODY = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
               "messages": [{"role": "user", "content": "hi"}]}  # fmt: skip
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


def bedrock(server: MockServer, config: Config | None = None, **credentials: str) -> Any:
    keys = credentials or {"aws_access_key_id": FIXTURE_AWS_ACCESS_KEY, "aws_secret_access_key": FIXTURE_AWS_SECRET_KEY}
    return boto3.client("bedrock-runtime", endpoint_url=server.url, region_name="us-east-1", config=config, **keys)


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"text": text}]}]


def test_converse(server: MockServer) -> None:
    reply = bedrock(server).converse(modelId=MODEL, messages=user("hi"), system=[{"text": "be brief"}])
    assert reply["output"]["message"] == {"role": "assistant", "content": [{"text": HELLO}]}
    assert reply["stopReason"] == "end_turn"
    assert reply["usage"]["totalTokens"] == reply["usage"]["inputTokens"] + reply["usage"]["outputTokens"]
    entry = server.app.journal.entries()[-1]
    assert (entry.protocol, entry.subject.model, entry.subject.system) == ("bedrock.converse", MODEL, "be brief")


def test_converse_stream_event_frames(server: MockServer) -> None:
    response = bedrock(server).converse_stream(modelId=MODEL, messages=user("hi"))
    events = list(response["stream"])
    names = [next(iter(event)) for event in events]
    assert names[0] == "messageStart" and names[-2:] == ["messageStop", "metadata"]
    text = "".join(event["contentBlockDelta"]["delta"]["text"] for event in events if "contentBlockDelta" in event)
    assert text == "Hello from Bedrock, in several streamed chunks."
    assert names.count("contentBlockDelta") > 1
    assert events[-2]["messageStop"]["stopReason"] == "end_turn"
    assert events[-1]["metadata"]["usage"]["outputTokens"] > 0


@pytest.mark.parametrize("stream", [False, True])
def test_converse_tool_round_trip(server: MockServer, stream: bool) -> None:
    client = bedrock(server)
    messages = user("weather in Paris?")
    tools = {"tools": [WEATHER_SPEC]}
    if stream:
        events = list(client.converse_stream(modelId=MODEL, messages=messages, toolConfig=tools)["stream"])
        start = next(event["contentBlockStart"]["start"]["toolUse"] for event in events if "contentBlockStart" in event)
        arguments = "".join(event["contentBlockDelta"]["delta"]["toolUse"]["input"] for event in events
                            if "toolUse" in event.get("contentBlockDelta", {}).get("delta", {}))  # fmt: skip
        use = {**start, "input": json.loads(arguments)}
        assert events[-2]["messageStop"]["stopReason"] == "tool_use"
    else:
        reply = client.converse(modelId=MODEL, messages=messages, toolConfig=tools)
        assert reply["stopReason"] == "tool_use"
        use = reply["output"]["message"]["content"][0]["toolUse"]
    assert (use["name"], use["input"]) == ("get_weather", {"city": "Paris"})
    assert use["toolUseId"].startswith("tooluse_")
    messages += [
        {"role": "assistant", "content": [{"toolUse": use}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": use["toolUseId"], "content": [{"text": "sunny"}]}}]},
    ]
    answer = client.converse(modelId=MODEL, messages=messages, toolConfig=tools)
    assert answer["output"]["message"]["content"] == [{"text": "It is sunny in Paris."}]


def test_converse_structured_output_without_a_rule(start_mock: StartMock) -> None:
    server = start_mock("rules: []")
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    output = {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {"schema": json.dumps(schema)}}}}
    reply = bedrock(server).converse(modelId=MODEL, messages=user("where?"), outputConfig=output)
    assert set(json.loads(reply["output"]["message"]["content"][0]["text"])) == {"city"}


def test_invoke_model_with_an_anthropic_body(server: MockServer) -> None:
    body = {**INVOKE_BODY}
    reply = bedrock(server).invoke_model(modelId=MODEL, body=json.dumps(body))
    message = json.loads(reply["body"].read())
    assert message["type"] == "message" and message["model"] == MODEL
    assert message["content"] == [{"type": "text", "text": "Hello from Bedrock, in several streamed chunks."}]
    assert server.app.journal.entries()[-1].protocol == "bedrock.invoke"


def test_invoke_model_with_response_stream_chunks(server: MockServer) -> None:
    body = {**INVOKE_BODY}
    reply = bedrock(server).invoke_model_with_response_stream(modelId=MODEL, body=json.dumps(body))
    events = [json.loads(event["chunk"]["bytes"]) for event in reply["body"]]
    assert events[0]["type"] == "message_start" and events[-1]["type"] == "message_stop"
    text = "".join(event["delta"]["text"] for event in events if event["type"] == "content_block_delta")
    assert text == "Hello from Bedrock, in several streamed chunks."


def test_invoke_model_refuses_a_body_bedrock_refuses(server: MockServer) -> None:
    body = {"max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}
    with pytest.raises(ClientError) as caught:
        bedrock(server).invoke_model(modelId=MODEL, body=json.dumps(body))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "anthropic_version" in caught.value.response["Error"]["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_count_tokens(server: MockServer) -> None:
    counted = bedrock(server).count_tokens(modelId=MODEL, input={"converse": {"messages": user("one two three")}})
    assert counted["inputTokens"] == 3


def test_inference_profile_and_arn_model_ids(server: MockServer) -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    client = bedrock(server)
    for model in ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", arn):
        client.converse(modelId=model, messages=user("hi"))
        assert server.app.journal.entries()[-1].subject.model == model


def test_inference_profiles_list_the_scenario_models(server: MockServer) -> None:
    keys = {"aws_access_key_id": FIXTURE_AWS_ACCESS_KEY, "aws_secret_access_key": FIXTURE_AWS_SECRET_KEY}
    control = boto3.client("bedrock", endpoint_url=server.url, region_name="us-east-1", **keys)
    profiles = control.list_inference_profiles(typeEquals="SYSTEM_DEFINED")["inferenceProfileSummaries"]
    assert [profile["inferenceProfileId"] for profile in profiles] == list(server.app.scenario.models)
    assert profiles[0]["status"] == "ACTIVE"


def test_unsigned_request_is_refused_like_bedrock(server: MockServer) -> None:
    response = httpx.post(f"{server.url}/model/{MODEL}/converse", json={"messages": user("hi")})
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert response.json()["message"].startswith("Authorization header is missing")


def test_unknown_access_key_is_refused(server: MockServer) -> None:
    client = bedrock(server, NO_RETRIES, aws_access_key_id="AKIAREALLOOKINGKEY00", aws_secret_access_key="x")
    with pytest.raises(ClientError) as caught:
        client.converse(modelId=MODEL, messages=user("hi"))
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert "security token included in the request is invalid" in caught.value.response["Error"]["Message"]


def test_bedrock_api_key_as_bearer_token(server: MockServer) -> None:
    client = anthropic.AnthropicBedrock(api_key="bedrock-api-key-fixture", aws_region="us-east-1", base_url=server.url)
    message = client.messages.create(model=MODEL, max_tokens=20, messages=[{"role": "user", "content": "hi"}])
    assert message.content[0].text == "Hello from Bedrock, in several streamed chunks."  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("status", "kind"),
    [(429, "ThrottlingException"), (429, "ModelNotReadyException"), (400, "ValidationException"),
     (503, "ServiceUnavailableException")],
)  # fmt: skip
def test_error_shapes(server: MockServer, status: int, kind: str) -> None:
    server.app.add_fault(parse_fault({"status": status, "type": kind, "message": f"{kind} now"}, "test"), "test")
    with pytest.raises(ClientError) as caught:
        bedrock(server, NO_RETRIES).converse(modelId=MODEL, messages=user("hi"))
    assert caught.value.response["Error"] == {"Code": kind, "Message": f"{kind} now"}
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_scripted_error_takes_the_status_exception(server: MockServer) -> None:
    with pytest.raises(client_error_class(server, "ThrottlingException")):
        bedrock(server, NO_RETRIES).converse(modelId=MODEL, messages=user("busy?"))


def client_error_class(server: MockServer, name: str) -> type[Exception]:
    return getattr(bedrock(server).exceptions, name)  # type: ignore[no-any-return]


def test_botocore_retries_throttling_then_succeeds(server: MockServer) -> None:
    server.app.add_fault(parse_fault({"status": 429, "type": "ThrottlingException", "times": 2}, "test"), "test")
    client = bedrock(server, Config(retries={"max_attempts": 3, "mode": "standard"}))
    assert client.converse(modelId=MODEL, messages=user("hi"))["stopReason"] == "end_turn"
    assert [entry.status for entry in server.app.journal.entries()] == [429, 429, 200]
    assert server.app.journal.entries()[1].headers["amz-sdk-request"].startswith("attempt=2")


@pytest.fixture
def anthropic_bedrock(server: MockServer) -> Iterator[anthropic.AnthropicBedrock]:
    client = anthropic.AnthropicBedrock(
        aws_access_key=FIXTURE_AWS_ACCESS_KEY, aws_secret_key=FIXTURE_AWS_SECRET_KEY, aws_region="us-east-1",
        base_url=server.url, max_retries=0,
    )  # fmt: skip
    yield client
    client.close()


def test_anthropic_bedrock_create_and_stream(anthropic_bedrock: anthropic.AnthropicBedrock, server: MockServer) -> None:
    messages: Any = [{"role": "user", "content": "hi"}]
    message = anthropic_bedrock.messages.create(model=MODEL, max_tokens=20, messages=messages)
    assert message.content[0].text == "Hello from Bedrock, in several streamed chunks."  # type: ignore[union-attr]
    with anthropic_bedrock.messages.stream(model=MODEL, max_tokens=20, messages=messages) as stream:
        assert "".join(stream.text_stream) == "Hello from Bedrock, in several streamed chunks."
        assert stream.get_final_message().stop_reason == "end_turn"
    assert [entry.path.split("/")[-1] for entry in server.app.journal.entries()] == [
        "invoke", "invoke-with-response-stream"]  # fmt: skip
    assert "AWS4-HMAC-SHA256" not in json.dumps([entry.headers for entry in server.app.journal.entries()])


@pytest.mark.parametrize("stream", [False, True])
def test_anthropic_bedrock_tool_round_trip(anthropic_bedrock: anthropic.AnthropicBedrock, stream: bool) -> None:
    tools: Any = [{"name": "get_weather", "description": "weather",
                   "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]  # fmt: skip
    messages: Any = [{"role": "user", "content": "weather in Paris?"}]
    if stream:
        with anthropic_bedrock.messages.stream(model=MODEL, max_tokens=50, messages=messages, tools=tools) as events:
            message = events.get_final_message()
    else:
        message = anthropic_bedrock.messages.create(model=MODEL, max_tokens=50, messages=messages, tools=tools)
    use = message.content[0]
    assert (use.type, use.name, use.input, use.id[:6]) == ("tool_use", "get_weather", {"city": "Paris"}, "toolu_")  # type: ignore[union-attr]
    messages += [{"role": "assistant", "content": [use.model_dump()]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny"}]}]  # type: ignore[union-attr]  # fmt: skip
    answer = anthropic_bedrock.messages.create(model=MODEL, max_tokens=50, messages=messages, tools=tools)
    assert answer.content[0].text == "It is sunny in Paris."  # type: ignore[union-attr]


def test_anthropic_bedrock_sees_throttling_as_rate_limit(anthropic_bedrock: anthropic.AnthropicBedrock) -> None:
    with pytest.raises(anthropic.RateLimitError) as caught:
        anthropic_bedrock.messages.create(model=MODEL, max_tokens=20, messages=[{"role": "user", "content": "busy"}])
    assert "Too many requests" in str(caught.value)


def test_botocore_retries_model_not_ready(server: MockServer) -> None:
    server.app.add_fault(parse_fault({"status": 429, "type": "ModelNotReadyException", "times": 1}, "test"), "test")
    client = bedrock(server, Config(retries={"max_attempts": 3, "mode": "standard"}))
    assert client.converse(modelId=MODEL, messages=user("hi"))["stopReason"] == "end_turn"
    assert [entry.status for entry in server.app.journal.entries()] == [429, 200]


def test_anthropic_bedrock_retries_throttling(server: MockServer) -> None:
    server.app.add_fault(parse_fault({"status": 429, "type": "ThrottlingException", "retry_after_ms": 10,
                                      "times": 2}, "test"), "test")  # fmt: skip
    client = anthropic.AnthropicBedrock(aws_access_key=FIXTURE_AWS_ACCESS_KEY, aws_secret_key=FIXTURE_AWS_SECRET_KEY,
                                        aws_region="us-east-1", base_url=server.url, max_retries=2)  # fmt: skip
    message: Any = client.messages.create(model=MODEL, max_tokens=20, messages=[{"role": "user", "content": "hi"}])
    assert message.content[0].text == HELLO
    assert [entry.status for entry in server.app.journal.entries()] == [429, 429, 200]


USE = {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}}
RESULT = {"toolResult": {"toolUseId": "tooluse_1", "content": [{"text": "sunny"}]}}


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([{"role": "user", "content": [RESULT]}],
         "The number of toolResult blocks at messages.0.content exceeds the number of toolUse blocks of previous "
         "turn."),
        ([*user("weather?"), {"role": "assistant", "content": [USE]}, *user("and?")],
         "Expected toolResult blocks at messages.2.content for the following Ids: tooluse_1"),
    ],
    ids=["result without its use", "use without its result"],
)  # fmt: skip
def test_converse_tool_blocks_that_do_not_pair_are_refused_as_bedrock_refuses_them(
    server: MockServer, messages: list[dict[str, Any]], expected: str
) -> None:
    """An agent that trims or rebuilds its history can break a toolUse from its toolResult; Bedrock answers 400."""
    client = bedrock(server)
    with pytest.raises(ClientError) as caught:
        client.converse(modelId=MODEL, messages=messages, toolConfig={"tools": [WEATHER_SPEC]})
    assert caught.value.response["Error"] == {"Code": "ValidationException", "Message": expected}
    paired = [*user("weather?"), {"role": "assistant", "content": [USE]}, {"role": "user", "content": [RESULT]}]
    answer = client.converse(modelId=MODEL, messages=paired, toolConfig={"tools": [WEATHER_SPEC]})
    assert answer["output"]["message"]["content"] == [{"text": "It is sunny in Paris."}]
