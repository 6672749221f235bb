*** Settings ***
Documentation     One scenario file drives the example agent over every wire format, the public APIs and the
...               clouds' endpoints (Bedrock, Azure OpenAI, Vertex AI, Ollama) alike:
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
Bedrock Converse    bedrock    ${FALSE}    bedrock.converse
Bedrock Converse Streamed    bedrock    ${TRUE}    bedrock.converse
Azure OpenAI    azure    ${FALSE}    azure.chat
Azure OpenAI Streamed    azure    ${TRUE}    azure.chat
Vertex AI Gemini    vertex    ${FALSE}    vertex.gemini
Vertex AI Gemini Streamed    vertex    ${TRUE}    vertex.gemini
Ollama    ollama    ${FALSE}    ollama.chat
Ollama Streamed    ollama    ${TRUE}    ollama.chat


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
