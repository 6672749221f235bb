*** Settings ***
Documentation     Replays agent sessions recorded once from a provider: no model, no network.
...               Re-record: AGENTTEST_RECORD_MODE=all robot --variable UPSTREAM:<url> robot/e2e/cassettes.robot
...               (real providers need RUN_LIVE_TESTS=true and their keys instead of UPSTREAM).

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/example_agent.resource

Suite Setup       Run Keywords    Start Mock LLM
...                   AND    Use LLM Cassettes    ${CURDIR}/cassettes    record_mode=none
...                   upstream_anthropic=${UPSTREAM}    upstream_openai=${UPSTREAM}
Suite Teardown    Stop Mock LLM

Test Tags         lane:no-model


*** Variables ***
${UPSTREAM}    ${None}


*** Test Cases ***
Streamed Anthropic Session Replays From Its Cassette
    ${workdir}=    Create Agent Workdir    cassette-anthropic
    ${answer}=    Run Example Agent    List the files    provider=anthropic    workdir=${workdir}    stream=${TRUE}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Mock LLM Should Have Received    2    requests    protocol=anthropic.messages
    Tool Result Should Have Been Sent    notes.txt

OpenAI Responses Session Replays From Its Cassette
    ${workdir}=    Create Agent Workdir    cassette-responses
    ${answer}=    Run Example Agent    List the files    provider=openai-responses    workdir=${workdir}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Mock LLM Should Have Received    2    requests    protocol=openai.responses
    Mock LLM Should Have Matched All Requests
