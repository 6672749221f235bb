*** Settings ***
Documentation     The example agent runs a tool loop over Anthropic Messages against the mock.

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/example_agent.resource

Suite Setup       Start Mock LLM    scenario=${CURDIR}/scenarios/list_files.yaml
Suite Teardown    Stop Mock LLM

Test Tags         lane:no-model    provider:anthropic


*** Test Cases ***
Agent Lists Files Then Answers
    ${workdir}=    Create Agent Workdir    anthropic-plain
    ${answer}=    Run Example Agent    List the files please    provider=anthropic    workdir=${workdir}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Mock LLM Should Have Received    2    requests
    Mock LLM Should Have Requested Tool    list_files    path=.
    Tool Result Should Have Been Sent    notes.txt    tool=list_files
    Tool Should Have Been Offered    read_file
    System Prompt Should Contain    file assistant
    LLM Requests Should Use Model    claude-opus-4-8

Streamed Agent Lists Files Then Answers
    ${workdir}=    Create Agent Workdir    anthropic-stream
    ${answer}=    Run Example Agent    List the files    provider=anthropic    workdir=${workdir}    stream=${TRUE}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Mock LLM Should Have Received    2    requests    protocol=anthropic.messages
    ${requests}=    Get LLM Requests
    Should Be True    ${requests}[0][body][stream]
    Should Be Equal    ${requests}[1][rule]    answer from the listing

Agent Reads A File In A Second Tool Loop
    ${workdir}=    Create Agent Workdir    anthropic-read
    ${answer}=    Run Example Agent    Please read notes.txt    provider=anthropic    workdir=${workdir}
    Should Be Equal    ${answer}    The notes say hello.
    Tool Result Should Have Been Sent    hello from the notes    tool=read_file
