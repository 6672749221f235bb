*** Settings ***
Documentation     The example agent delegates a sub-task to a mock A2A agent with the official a2a-sdk client:
...               tasks with artifacts, a clarifying question (input-required), faults and recovery, assertions.

Library           Process
Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/example_agent.resource

Suite Setup       Start The Mocks
Suite Teardown    Stop Mock LLM

Test Tags         lane:no-model    a2a


*** Variables ***
${FLOW}    ${CURDIR}/scenarios/a2a_flow.yaml


*** Test Cases ***
The Agent Delegates Research To A Remote Agent
    ${answer}=    Run Example Agent With A2A    please research MCP
    Should Be Equal    ${answer}    The researcher found 3 sources.
    A2A Agent Should Have Received    researcher    text_contains=sources on MCP    times=1
    A2A Agent Should Have Received    researcher    version=1.0    method=stream
    Tool Result Should Have Been Sent    3 sources on find sources on MCP
    ${calls}=    Get A2A Requests    researcher    method=stream
    Should Be Equal    ${calls}[0][reply][state]    completed
    Should Be Equal    ${calls}[0][rule]    research

A Clarifying Question Continues The Same Task
    ${answer}=    Run Example Agent With A2A    please look into it
    Should Be Equal    ${answer}    The researcher found 3 sources.
    A2A Agent Should Have Received    researcher    task_state=input-required    text=the A2A protocol
    ${calls}=    Get A2A Requests    researcher    method=stream
    Should Be Equal    ${calls}[0][reply][state]    input-required
    Should Be Equal    ${calls}[1][request][task_id]    ${calls}[0][reply][task_id]

A Server Error Is Retried Once
    Inject A2A Fault    researcher    status=503    text_contains=sources    times=1
    ${answer}=    Run Example Agent With A2A    please research MCP
    Should Be Equal    ${answer}    The researcher found 3 sources.
    A2A Agent Should Have Received    researcher    text_contains=sources    times=2
    ${calls}=    Get A2A Requests    researcher    method=stream
    Should Be Equal As Integers    ${calls}[0][status]    503
    Should Contain    ${calls}[0][fault]    status 503

A Failed Task Reaches The Model
    Inject A2A Fault    researcher    fail_task=${TRUE}    message=the index is offline
    ${answer}=    Run Example Agent With A2A    please research MCP
    Should Be Equal    ${answer}    The researcher could not help.
    Tool Result Should Have Been Sent    the index is offline

A Cut Stream Is Retried And Then Reported
    Inject A2A Fault    researcher    method=stream    cut_after_events=1
    ${answer}=    Run Example Agent With A2A    please research MCP
    Should Be Equal    ${answer}    The researcher could not help.
    A2A Agent Should Have Received    researcher    times=2
    A2A Agent Should Not Have Received    researcher    text_contains=password

A Rule Added By A Keyword Lives For One Test
    Reply To A2A Message    researcher    status=Nothing found    states=working, completed
    ...    artifact=0 sources on MCP    text_contains=sources
    ${answer}=    Run Example Agent With A2A    please research MCP
    Should Be Equal    ${answer}    The researcher found 3 sources.
    Tool Result Should Have Been Sent    0 sources on MCP

The Keyword Rule Is Gone In The Next Test
    Run Example Agent With A2A    please research MCP
    Tool Result Should Have Been Sent    3 sources on find sources on MCP

Push Notifications Reach The Client's Receiver
    ${receiver}=    Start Mock Service    receiver
    Add Service Route    receiver    {"method": "POST", "path": "/a2a-events", "reply": {"status": 200}}
    ${task}=    Send A Message That Asks For Pushes    find sources on MCP    ${receiver}/a2a-events
    Should Be Equal    ${task}[status][state]    TASK_STATE_SUBMITTED
    A2A Agent Should Have Pushed    researcher    state=completed
    Service Should Have Received    receiver    POST    /a2a-events    times=3
    Service Should Have Received    receiver    POST    /a2a-events
    ...    json.statusUpdate.status.state=TASK_STATE_COMPLETED    headers.x-a2a-notification-token=push-token
    Stop Mock Service    receiver


*** Keywords ***
Start The Mocks
    [Documentation]    The model and the remote agent, both from one scenario file.
    Start Mock LLM    scenario=${FLOW}    strict=${FALSE}
    Start Mock A2A Agent    researcher    scenario=${FLOW}

Run Example Agent With A2A
    [Documentation]    Runs the example agent with the mock A2A agent as its remote agent ``researcher``;
    ...    fails with its stderr when it exits non-zero, returns its stdout.
    [Arguments]    ${prompt}
    ${python}=    Evaluate    sys.executable    modules=sys
    VAR    ${remote}=    researcher=${A2A_RESEARCHER_URL}
    ${result}=    Run Process    ${python}    ${EXAMPLE_AGENT}    --provider    openai
    ...    --a2a    ${remote}    ${prompt}    timeout=120s
    Log    Agent rc ${result.rc}\nstdout: ${result.stdout}\nstderr: ${result.stderr}
    Should Be Equal As Integers    ${result.rc}    0
    ...    msg=Example agent failed (rc ${result.rc}): ${result.stderr}    values=False
    RETURN    ${result.stdout}

Send A Message That Asks For Pushes
    [Documentation]    Sends an A2A 1.0 SendMessage that asks to be answered at once and told the rest at
    ...    ``url`` (token ``push-token``); returns the task it got.
    [Arguments]    ${text}    ${url}
    VAR    &{push}=    url=${url}    token=push-token
    VAR    &{configuration}=    returnImmediately=${TRUE}    taskPushNotificationConfig=${push}
    VAR    &{message}=    messageId=m1    role=ROLE_USER    parts=${{[{"text": $text}]}}
    VAR    &{params}=    message=${message}    configuration=${configuration}
    VAR    &{body}=    jsonrpc=2.0    id=1    method=SendMessage    params=${params}
    ${answer}=    Evaluate
    ...    httpx.post($A2A_RESEARCHER_URL + "/", json=$body, headers={"A2A-Version": "1.0"}).json()
    ...    modules=httpx
    RETURN    ${answer}[result][task]
