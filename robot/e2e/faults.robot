*** Settings ***
Documentation     The example agent meets provider faults; verdict keywords judge how it coped.
...               Faults are scoped to their test: the last test proves none leaked.

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/example_agent.resource

Suite Setup       Start Mock LLM    scenario=${CURDIR}/scenarios/list_files.yaml
Suite Teardown    Stop Mock LLM

Test Tags         lane:no-model


*** Test Cases ***
Rate Limited Twice Then Recovers
    Inject LLM Fault    status=429    retry_after=1    times=2
    ${workdir}=    Create Agent Workdir    faults-429
    ${answer}=    Run Example Agent    List the files    provider=anthropic    workdir=${workdir}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Agent Should Have Retried    2
    Agent Should Have Honoured Retry After
    Mock LLM Should Have Received    4    requests

Server Error On The Second Call Is Retried
    Inject LLM Fault    status=500    nth=2
    ${workdir}=    Create Agent Workdir    faults-500
    ${answer}=    Run Example Agent    List the files    provider=openai    workdir=${workdir}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Agent Should Have Retried    1
    Agent Should Not Have Hammered
    ${report}=    Get LLM Retry Report
    Should Be Equal As Integers    ${report}[1][attempts]    2

Persistent Overload Makes The Agent Give Up Cleanly
    Inject LLM Fault    status=529    message=overloaded for the test
    ${result}=    Run Example Agent And Expect Failure Or Success    List the files    provider=anthropic
    Should Contain    ${result.stderr}    overloaded for the test
    Agent Should Have Given Up Cleanly    max_attempts=3    rc=${result.rc}
    Agent Should Have Backed Off

Cut Stream Is Not Taken As A Complete Answer
    Inject LLM Fault    cut_after_events=3    times=1    provider=anthropic
    ${workdir}=    Create Agent Workdir    faults-cut
    ${result}=    Run Example Agent And Expect Failure Or Success
    ...    List the files    provider=anthropic    workdir=${workdir}    stream=${TRUE}
    Truncated Response Should Not Have Been Accepted    rc=${result.rc}

Faults Do Not Leak Into The Next Test
    ${workdir}=    Create Agent Workdir    faults-none
    ${answer}=    Run Example Agent    List the files    provider=openai    workdir=${workdir}
    Should Be Equal    ${answer}    The directory holds notes.txt and todo.md.
    Mock LLM Should Have Received    2    requests
    Agent Should Have Retried    0
