"""The A2A keywords as a QA engineer uses them: the closed world fails tests with the near miss, assertions say what
they saw, rules end with their test, planted secrets never reach any file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.acceptance.robot_outputs import everything_written
from tests.acceptance.robot_run import run_robot

SENTINEL = "sntl-a2a-7Qp2-planted-credential"
AGENT = """
a2a_agents:
  researcher:
    rules:
      - name: research
        when: {text_contains: sources}
        reply: {states: [working, completed], artifacts: [{name: sources, text: "found {{text}}"}]}
"""
SUITE = """
*** Settings ***
Library    AgentTestLibrary
Library    Process
Suite Setup    Start Mock A2A Agent    researcher    scenario=${CURDIR}/agent.yaml
Test Tags    lane:no-model

*** Variables ***
${CLIENT}    ${CURDIR}/client.py

*** Test Cases ***
A Message A Rule Answers Passes
    ${out}=    Ask    find sources
    Should Be Equal    ${out}    TASK_STATE_COMPLETED found find sources
    A2A Agent Should Have Received    researcher    text_contains=sources    times=1

A Message No Rule Answers Fails The Test At Its End
    ${out}=    Ask    translate this
    Should Start With    ${out}    TASK_STATE_FAILED

The Assertions Say What They Saw
    Ask    find sources on cats
    A2A Agent Should Have Received    researcher    text_contains=dogs

A Rule Added In A Test Answers There
    Reply To A2A Message    researcher    Hi {{text}}    text_contains=translate
    ${out}=    Ask    translate this
    Should Be Equal    ${out}    Hi translate this

The Rule Is Gone In The Next Test
    Ask    find sources
    A2A Agent Should Not Have Received    researcher    text_contains=translate
    Run Keyword And Expect Error    *unknown condition 'txt'*    A2A Agent Should Have Received    researcher    txt=x
    Run Keyword And Expect Error    *No mock A2A agent named 'writer'*    Get A2A Agent URL    writer

A Planted Secret Is Masked
    ${out}=    Ask    find sources with key %{SENTINEL_API_KEY}
    ${calls}=    Get A2A Requests    researcher    method=send
    Log    ${calls}
    Log    ${out}

*** Keywords ***
Ask
    [Arguments]    ${text}
    ${result}=    Run Process    ${PYTHON}    ${CLIENT}    %{AGENTTEST_A2A_RESEARCHER_URL}    ${text}
    Should Be Equal As Integers    ${result.rc}    0    ${result.stderr}
    RETURN    ${result.stdout}
"""
CLIENT = """
import asyncio, sys
from a2a.client import ClientConfig, ClientFactory
from a2a.helpers.proto_helpers import get_text_parts
from a2a.types import Message, Part, Role, SendMessageRequest, TaskState

async def main():
    client = await ClientFactory(ClientConfig(streaming=False)).create_from_url(sys.argv[1])
    message = Message(role=Role.ROLE_USER, message_id="m1", parts=[Part(text=sys.argv[2])])
    async for event in client.send_message(SendMessageRequest(message=message)):
        if event.HasField("message"):
            print(" ".join(get_text_parts(event.message.parts)))
        else:
            texts = [text for item in event.task.artifacts for text in get_text_parts(item.parts)]
            print(" ".join([TaskState.Name(event.task.status.state), *texts]))
    await client.close()

asyncio.run(main())
"""


def test_a2a_keywords_in_a_suite(tmp_path: Path) -> None:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "agent.yaml").write_text(AGENT, encoding="utf-8")
    (folder / "client.py").write_text(CLIENT, encoding="utf-8")
    run = run_robot(tmp_path, {"a2a.robot": SUITE}, {"SENTINEL_API_KEY": SENTINEL}, "--loglevel", "TRACE")
    statuses = run.statuses
    assert statuses["A Message A Rule Answers Passes"] == ("PASS", ""), statuses["A Message A Rule Answers Passes"]
    status, message = statuses["A Message No Rule Answers Fails The Test At Its End"]
    assert status == "FAIL" and "Strict mock A2A agent 'researcher': 1 call(s) broke its closed world" in message
    assert "SendMessage 'translate this': closest was rule 'research'" in message
    assert "text 'translate this' does not contain 'sources'" in message
    status, message = statuses["The Assertions Say What They Saw"]
    assert status == "FAIL" and "Expected a message with text_contains='dogs' to mock A2A agent 'researcher'" in message
    assert "SendMessage 'find sources on cats' -> 200 completed rule=research" in message
    assert statuses["A Rule Added In A Test Answers There"] == ("PASS", ""), statuses[
        "A Rule Added In A Test Answers There"
    ]
    assert statuses["The Rule Is Gone In The Next Test"] == ("PASS", ""), statuses["The Rule Is Gone In The Next Test"]
    assert statuses["A Planted Secret Is Masked"][0] == "PASS", statuses["A Planted Secret Is Masked"]
    written = everything_written(run.output_dir)
    assert SENTINEL not in written and "with key ***" in written
    evidence = next(run.output_dir.glob("agenttest-evidence/**/A_Planted_Secret_Is_Masked-a2a-researcher.json"))
    requests = json.loads(evidence.read_text(encoding="utf-8"))["requests"]
    sent = next(request for request in requests if request["request"]["method"] == "send")
    assert sent["request"]["text"] == "find sources with key ***"
    assert sent["reply"]["text"] == "found find sources with key ***"
