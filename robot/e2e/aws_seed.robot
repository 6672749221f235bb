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

An Upload Is Journaled As PutObject With Its Bucket And Key
    ${uploaded}=    Run Boto3    s3    put_object(Bucket="reports", Key="new.csv", Body=b"x")
    Should Be Equal As Integers    ${uploaded.rc}    0    ${uploaded.stderr}
    AWS Should Have Received    s3    PutObject    Bucket=reports    Key=new.csv    times=1
    Inject AWS Fault    service=s3    operation=PutObject    status=503    type=SlowDown
    ${refused}=    Run Boto3    s3    put_object(Bucket="reports", Key="again.csv", Body=b"x")
    Should Contain    ${refused.stderr}    SlowDown
    ${copied}=    Run Boto3    s3    copy_object(Bucket="reports", Key="copy.csv", CopySource="reports/new.csv")
    Should Be Equal As Integers    ${copied.rc}    0    ${copied.stderr}
    AWS Should Have Received    s3    CopyObject    CopySource=reports/new.csv    times=1


*** Keywords ***
Run Boto3
    [Documentation]    One boto3 call in a real subprocess (the mock's environment): ``client.CALL``.
    [Arguments]    ${service}    ${call}
    ${python}=    Evaluate    sys.executable    modules=sys
    VAR    ${code}=    import boto3; from botocore.config import Config
    ...    client = boto3.client("${service}", config=Config(retries={"total_max_attempts": 1})); client.${call}
    ...    separator=\n
    ${result}=    Run Process    ${python}    -c    ${code}    timeout=60s
    RETURN    ${result}

Seeded Functions Should Number
    [Documentation]    Lists the functions with the Lambda agent and checks how many there are.
    [Arguments]    ${count}
    ${listed}=    Run Lambda Agent    list
    Should Be Equal As Integers    ${listed.rc}    0    ${listed.stderr}
    ${names}=    Split To Lines    ${listed.stdout}
    Length Should Be    ${names}    ${count}
