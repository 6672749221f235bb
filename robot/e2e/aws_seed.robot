*** Settings ***
Documentation     AWS seed data: 120 Lambda functions, a bucket with objects and a queue, written once in
...               the suite setup and there in every test, whatever the test before changed.

Library           String
Library           AgentTestLibrary
Resource          resources/service_agents.resource

Suite Setup       Start Mock AWS    seed=${CURDIR}/services/aws_seed.yaml
Suite Teardown    Stop Mock AWS

Test Tags         lane:no-model    services


*** Test Cases ***
The Agent Lists The Seeded Functions
    Seeded Functions Should Number    120
    AWS Should Have Received    lambda    ListFunctions    times=60

Functions The Agent Creates Are Added To The Seed
    ${created}=    Run Lambda Agent    create    3
    Should Be Equal As Integers    ${created.rc}    0    ${created.stderr}
    Seeded Functions Should Number    123
    AWS Should Have Received    lambda    CreateFunction    times=3
    AWS Should Have Received    lambda    CreateFunction    FunctionName=agent-fn-2

The Next Test Starts From The Seed Again
    Seeded Functions Should Number    120

A Seed Added In A Test Lasts For That Test
    Seed Mock AWS    {lambda: [CreateFunction: {FunctionName: only-here}]}
    Seeded Functions Should Number    121


*** Keywords ***
Seeded Functions Should Number
    [Documentation]    Lists the functions with the Lambda agent and checks how many there are.
    [Arguments]    ${count}
    ${listed}=    Run Lambda Agent    list
    Should Be Equal As Integers    ${listed.rc}    0    ${listed.stderr}
    ${names}=    Split To Lines    ${listed.stdout}
    Length Should Be    ${names}    ${count}
