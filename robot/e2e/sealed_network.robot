*** Settings ***
Documentation    The sealed network: an agent nobody pointed at the mocks (no base URL set) reaches them
...              through the egress proxy over TLS verified against the seal's own CA; a host no mock
...              stands for is refused and named; the seal ends with its test.

Library          OperatingSystem
Library          AgentTestLibrary
Resource         AgentTestLibrary/resources/example_agent.resource

Suite Setup      Start Mocks Without Base URLs
Test Setup       Seal Agent Network
Test Teardown    Network Should Have Stayed Sealed

Test Tags        lane:no-model


*** Variables ***
${PYTHON_GET}    import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode())


*** Test Cases ***
OpenAI Agent Without A Base URL Reaches The Mock Through The Seal
    [Tags]    provider:openai
    ${workdir}=    Create Agent Workdir    sealed-openai
    ${answer}=    Run Example Agent    List the files please    provider=openai    workdir=${workdir}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Mock LLM Should Have Received    2    requests    protocol=openai.chat
    ${requests}=    Get LLM Requests
    Should Be Equal    ${requests}[0][headers][host]    api.openai.com
    ${routed}=    Get Network Attempts    outcome=routed
    Should Be Equal    ${routed}[0][host]    api.openai.com
    Should Be Equal    ${routed}[0][provider]    OpenAI
    Should Contain    ${routed}[0][process]    example_agent.py

Anthropic Agent Streams Through The Seal
    [Tags]    provider:anthropic
    ${workdir}=    Create Agent Workdir    sealed-anthropic
    ${answer}=    Run Example Agent    List the files please    provider=anthropic    workdir=${workdir}
    ...    stream=${TRUE}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Mock LLM Should Have Received    2    requests    protocol=anthropic.messages

Gemini Agent Reaches The Mock Through The Seal
    [Tags]    provider:gemini
    ${workdir}=    Create Agent Workdir    sealed-gemini
    ${answer}=    Run Example Agent    List the files please    provider=gemini    workdir=${workdir}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    ${routed}=    Get Network Attempts    outcome=routed
    Should Be Equal    ${routed}[0][host]    generativelanguage.googleapis.com

An Unexpected Host Is Refused And Named
    ${result}=    Run Process    ${PYTHON}    -c    ${PYTHON_GET}    https://telemetry.example.com/ping
    Should Not Be Equal As Integers    ${result.rc}    0
    Should Contain    ${result.stderr}    403
    Run Keyword And Expect Error
    ...    *refused 1 connection(s):\n- telemetry.example.com:443: refused 1 time(s), e.g. by pid *https://telemetry.example.com/ping\n*
    ...    Network Should Have Stayed Sealed
    [Teardown]    NONE

A Routed Host Whose Mock Is Not Running Is Refused With The Reason
    ${result}=    Run Process    ${PYTHON}    -c    ${PYTHON_GET}    https://slack.com/api/auth.test
    Should Not Be Equal As Integers    ${result.rc}    0
    ${refused}=    Get Network Attempts    outcome=refused
    Should Contain    ${refused}[0][detail]    Start Mock Service    slack    routes=slack
    [Teardown]    NONE

Route Host To Mock Sends Any Host To A Mock Service
    Route Host To Mock    *.crm.example    crm
    ${result}=    Run Process    ${PYTHON}    -c    ${PYTHON_GET}    https://api.crm.example/ping
    Should Be Equal As Integers    ${result.rc}    0    msg=${result.stderr}
    Should Be Equal    ${result.stdout}    pong
    Service Should Have Received    crm    GET    /ping

An Unknown Mock Name Lists The Running Ones
    Run Keyword And Expect Error    *No running mock named 'nope'*running: crm, llm*
    ...    Route Host To Mock    api.example.com    nope

One Seal At A Time
    Run Keyword And Expect Error    *already sealed*    Seal Agent Network

The Seal Ended With Its Test
    [Setup]    NONE
    Should Be Equal    %{SSL_CERT_FILE=}    ${SSL_CERT_FILE_BEFORE}
    Should Be Equal    %{SSL_CERT_DIR=}    ${SSL_CERT_DIR_BEFORE}
    Environment Variable Should Not Be Set    HTTPS_PROXY
    Run Keyword And Expect Error    *not sealed*    Get Network Attempts
    [Teardown]    NONE


*** Keywords ***
Start Mocks Without Base URLs
    [Documentation]    The mock LLM and a mock service, then the base URLs the mock exported removed again:
    ...    the agent must find the mocks through the seal alone.
    Start Mock LLM    scenario=${CURDIR}/scenarios/list_files.yaml
    Start Mock Service    crm    routes=${CURDIR}/services/ping.yaml
    Remove Environment Variable    OPENAI_BASE_URL    ANTHROPIC_BASE_URL    GOOGLE_GEMINI_BASE_URL
    ${python}=    Evaluate    sys.executable    modules=sys
    VAR    ${PYTHON}=    ${python}    scope=SUITE    # robocop: off=VAR05
    VAR    ${SSL_CERT_FILE_BEFORE}=    %{SSL_CERT_FILE=}    scope=SUITE    # robocop: off=VAR05
    VAR    ${SSL_CERT_DIR_BEFORE}=    %{SSL_CERT_DIR=}    scope=SUITE    # robocop: off=VAR05
