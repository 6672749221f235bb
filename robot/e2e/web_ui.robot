*** Settings ***
Documentation     The browser lane: an agent's web UI (the example agent's backend and page) in headless
...               chromium against the mock LLM: streaming transcript, model picker, approvals, a cut stream.

Resource          resources/web_ui.resource

Suite Setup       Start The Mock And The Web UI
Suite Teardown    Stop The Web UI And The Mock
Test Setup        Load The Page

Test Tags         lane:no-model    ui:browser


*** Test Cases ***
The Model Picker Lists The Mock's Models
    ${models}=    Get List Items    id:model    values=True
    Should Be Equal    ${models}    ${{["claude-opus-4-8", "gpt-4o-mini", "gpt-5"]}}

The Transcript Streams In
    Ask The Agent    Say hello    model=gpt-5
    The Final Answer Should Be    Hello from the mock, streamed in several small pieces to the page.
    Element Text Should Be    css:#transcript .user    Say hello
    ${chunks}=    Get Element Attribute    css:#transcript .assistant.final    data-chunks
    Should Be True    int($chunks) > 1    msg=the answer arrived in ${chunks} piece(s), not streamed
    LLM Requests Should Use Model    gpt-5

An Approval Step Is Shown And Accepted
    Ask The Agent    Clean the build folder
    Wait Until Element Is Visible    id:approval
    Element Should Contain    id:approval-text    run_command
    Element Should Contain    id:approval-text    echo cleaned the build folder
    Click Button    id:approve
    The Final Answer Should Be    The build folder is clean.
    Element Should Contain    css:#transcript .tool    cleaned the build folder
    Element Should Not Be Visible    id:approval
    Tool Result Should Have Been Sent    cleaned the build folder

A Denied Approval Does Not Run The Tool
    Ask The Agent    Clean the build folder
    Wait Until Element Is Visible    id:approval
    Click Button    id:deny
    The Final Answer Should Be    I left the build folder alone.
    Tool Result Should Have Been Sent    denied by the user

A Stream Cut Mid-Answer Shows The Failure And Reconnects
    Inject LLM Fault    cut_after_events=3    times=1
    Ask The Agent    Tell me a story
    Wait Until Element Contains    id:status    Done after reconnecting
    Element Should Contain    css:#transcript .notice    The answer stream broke
    The Final Answer Should Be
    ...    Once upon a time a mock server answered every request the same way, and every test could trust it.
    Mock LLM Should Have Received    2    requests


*** Keywords ***
Start The Mock And The Web UI
    [Documentation]    The mock first: the web backend inherits its environment.
    Start Mock LLM    scenario=${CURDIR}/scenarios/web_ui.yaml
    Open The Example Web UI

Stop The Web UI And The Mock
    [Documentation]    The browser and the backend, then the mock.
    Close The Example Web UI
    Stop Mock LLM
