*** Settings ***
Documentation     The example agent runs a tool loop over OpenAI Chat Completions against the mock.

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/example_agent.resource

Suite Setup       Start Mock LLM    scenario=${CURDIR}/scenarios/list_files.yaml
Suite Teardown    Stop Mock LLM

Test Tags         lane:no-model    provider:openai


*** Test Cases ***
Agent Lists Files Then Answers
    ${workdir}=    Create Agent Workdir    openai-plain
    ${answer}=    Run Example Agent    List the files please    provider=openai    workdir=${workdir}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Mock LLM Should Have Received    2    requests
    Mock LLM Should Have Requested Tool    list_files    path=.
    Tool Result Should Have Been Sent    notes.txt    tool=list_files
    Tool Should Have Been Offered    read_file
    System Prompt Should Contain    file assistant
    LLM Requests Should Use Model    gpt-4o-mini

Streamed Agent Lists Files Then Answers
    ${workdir}=    Create Agent Workdir    openai-stream
    ${answer}=    Run Example Agent    List the files    provider=openai    workdir=${workdir}    stream=${TRUE}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Mock LLM Should Have Received    2    requests    protocol=openai.chat
    ${requests}=    Get LLM Requests
    Should Be True    ${requests}[0][body][stream]
    Should Be Equal    ${requests}[1][rule]    answer from the listing

Agent Reads A File In A Second Tool Loop
    ${workdir}=    Create Agent Workdir    openai-read
    ${answer}=    Run Example Agent    Please read notes.txt    provider=openai    workdir=${workdir}
    Should Be Equal    ${answer}    The notes say hello.
    Tool Result Should Have Been Sent    hello from the notes    tool=read_file
