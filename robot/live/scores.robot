*** Settings ***
Documentation     The golden set against the real model (RUN_LIVE_TESTS=true USE_REAL_LLM=true, OPENAI_API_KEY):
...               the tools the agent called come from its hooks, the scores land in
...               the output folder's agenttest-scores/, and the nightly job gates them with
...               ``agenttest scores compare robot/live/golden-baseline.json results/live``.
Metadata          Owner    platform-qa

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/live.resource

Suite Setup       Require Credential Or Skip    OPENAI_API_KEY
Suite Teardown    Stop Mock LLM

Test Tags         live    lane:model-backed    provider:openai


*** Test Cases ***
The Real Model Answers The Golden Set
    Require Real LLM Mode
    Start Mock LLM    credentials=OPENAI_API_KEY
    ${home}=    Get Runtime Home
    Install Hooks Bridge    example-agent    ${home}
    Switch Runtime    example-openai
    @{cases}=    Load Golden Set    ${CURDIR}/../e2e/golden/cases.yaml
    FOR    ${id: str}    IN    @{cases}
        Score The Real Model On    ${id}
    END
    Write Golden Set Scores


*** Keywords ***
Score The Real Model On
    [Documentation]    Runs the example agent on the case's input against the real model and scores its answer,
    ...    with the tools it called as its hooks reported them.
    [Arguments]    ${id}
    ${case}=    Get Golden Case    ${id}
    ${before}=    Get Hook Events    pre_tool
    ${result}=    Run Agent    ${case}[input]
    ${after}=    Get Hook Events    pre_tool
    ${tools}=    Evaluate    [event["tool"] for event in $after[len($before):]]
    Score Agent Answer    ${id}    ${result}[stdout]    tools=${tools}
