"""Two agent frameworks run a real tool loop against the mock: openai-agents and pydantic-ai."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from agents import Agent, OpenAIChatCompletionsModel, OpenAIResponsesModel, Runner, function_tool, set_tracing_disabled
from openai import AsyncOpenAI
from pydantic_ai import Agent as PydanticAgent
from pydantic_ai.models import Model
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.google import GoogleModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.models.openai import OpenAIResponsesModel as PydanticResponsesModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.google import GoogleProvider
from pydantic_ai.providers.openai import OpenAIProvider

from AgentTestLibrary.mockllm import MockServer
from tests.conftest import StartMock

# One scenario for every framework and wire format: matching sees only the neutral conversation.
SCENARIO = """
rules:
  - name: look up the weather
    when: {tool_offered: get_weather, tool_result: false}
    reply: {tool_calls: [{name: get_weather, arguments: {city: Paris}}]}
  - name: answer from the tool result
    when: {tool_result_contains: sunny}
    reply: {text: It is sunny in Paris.}
"""
set_tracing_disabled(True)


def get_weather(city: str) -> str:
    """Weather for a city."""
    return f"sunny in {city}"


@pytest.mark.parametrize("wire", ["responses", "chat"])
def test_openai_agents_runner_with_a_tool(start_mock: StartMock, wire: str) -> None:
    server = start_mock(SCENARIO)
    client = AsyncOpenAI(base_url=f"{server.url}/v1", api_key="sk-test", max_retries=0)
    model = (OpenAIResponsesModel if wire == "responses" else OpenAIChatCompletionsModel)("gpt-5", client)
    agent = Agent(name="weather", instructions="Answer with the tool.", model=model, tools=[function_tool(get_weather)])
    result = asyncio.run(Runner.run(agent, "What is the weather?"))
    assert result.final_output == "It is sunny in Paris."
    protocols = {entry.protocol for entry in server.app.journal.entries()}
    assert protocols == {"openai.responses" if wire == "responses" else "openai.chat"}
    assert any(
        r.content == "sunny in Paris" for e in server.app.journal.entries() if e.subject for r in e.subject.tool_results
    )


def openai_chat(server: MockServer) -> Model:
    return OpenAIChatModel("gpt-4o", provider=OpenAIProvider(base_url=f"{server.url}/v1", api_key="sk-test"))


def openai_responses(server: MockServer) -> Model:
    return PydanticResponsesModel("gpt-5", provider=OpenAIProvider(base_url=f"{server.url}/v1", api_key="sk-test"))


def anthropic(server: MockServer) -> Model:
    return AnthropicModel("claude-opus-4-8", provider=AnthropicProvider(base_url=server.url, api_key="sk-ant-test"))


def gemini(server: MockServer) -> Model:
    return GoogleModel("gemini-2.5-flash", provider=GoogleProvider(base_url=server.url, api_key="fixture-key"))


@pytest.mark.parametrize(
    ("make_model", "protocol"),
    [
        (openai_chat, "openai.chat"),
        (openai_responses, "openai.responses"),
        (anthropic, "anthropic.messages"),
        (gemini, "gemini.generate"),
    ],
)
@pytest.mark.parametrize("streamed", [False, True])
def test_pydantic_ai_agent_with_a_tool(
    start_mock: StartMock, make_model: Callable[[MockServer], Model], protocol: str, streamed: bool
) -> None:
    server = start_mock(SCENARIO)
    agent = PydanticAgent(make_model(server), tools=[get_weather], instructions="Answer with the tool.")

    async def run() -> str:
        if not streamed:
            return (await agent.run("What is the weather?")).output
        async with agent.run_stream("What is the weather?") as stream:
            return await stream.get_output()

    assert asyncio.run(run()) == "It is sunny in Paris."
    entries = server.app.journal.entries()
    assert [entry.rule for entry in entries] == ["look up the weather", "answer from the tool result"]
    assert {entry.protocol for entry in entries} == {protocol}
