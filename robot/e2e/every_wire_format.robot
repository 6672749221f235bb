*** Settings ***
Documentation     One scenario file drives the example agent over every wire format:
...               matching sees only the neutral conversation, never the provider's shape.

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/example_agent.resource

Suite Setup       Start Mock LLM    scenario=${CURDIR}/scenarios/list_files.yaml
Suite Teardown    Stop Mock LLM
Test Template     Agent Lists Files Over

Test Tags         lane:no-model


*** Test Cases ***    PROVIDER    STREAM    PROTOCOL
OpenAI Chat    openai    ${FALSE}    openai.chat
OpenAI Chat Streamed    openai    ${TRUE}    openai.chat
OpenAI Responses    openai-responses    ${FALSE}    openai.responses
OpenAI Responses Streamed    openai-responses    ${TRUE}    openai.responses
Anthropic Messages    anthropic    ${FALSE}    anthropic.messages
Anthropic Messages Streamed    anthropic    ${TRUE}    anthropic.messages
Gemini    gemini    ${FALSE}    gemini.generate
Gemini Streamed    gemini    ${TRUE}    gemini.generate


*** Keywords ***
Agent Lists Files Over
    [Documentation]    Runs the tool loop over one wire format and checks the journal reads the same.
    [Arguments]    ${provider}    ${stream}    ${protocol}
    ${workdir}=    Create Agent Workdir    every-format-${provider}-${stream}
    ${answer}=    Run Example Agent    List the files    provider=${provider}    workdir=${workdir}    stream=${stream}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Mock LLM Should Have Received    2    requests    protocol=${protocol}
    Mock LLM Should Have Requested Tool    list_files    path=.
    Tool Result Should Have Been Sent    notes.txt    tool=list_files
    System Prompt Should Contain    file assistant
