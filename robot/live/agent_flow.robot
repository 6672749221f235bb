*** Settings ***
Documentation     The e2e example-agent flow against the real provider: run it with
...               RUN_LIVE_TESTS=true USE_REAL_LLM=true and OPENAI_API_KEY set.
Metadata          Owner    platform-qa

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/example_agent.resource
Resource          AgentTestLibrary/resources/live.resource

Suite Setup       Require Credential Or Skip    OPENAI_API_KEY
Suite Teardown    Stop Mock LLM

Test Tags         live    lane:model-backed    provider:openai


*** Test Cases ***
Example Agent Lists Files With The Real Model
    Require Real LLM Mode
    Start Mock LLM    credentials=OPENAI_API_KEY
    ${workdir}=    Create Agent Workdir    live-agent
    ${answer}=    Run Example Agent    List the files in the working directory.    provider=openai
    ...    workdir=${workdir}
    Should Contain    ${answer}    notes.txt
