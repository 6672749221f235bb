*** Settings ***
Documentation     The example agent calls a faked git, fires hooks through the bridge,
...               and is switched between runtimes (A→B, B→A, A→B→A) with observable effects.

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/example_agent.resource

Suite Setup       Prepare Harness
Suite Teardown    Stop Mock LLM

Test Tags         lane:no-model


*** Test Cases ***
Agent Reads Git Status From A Fake Git
    Create Fake CLI    git    stdout=${SPACE}M notes.txt\n
    Switch Runtime    example-openai
    ${result}=    Run Agent    Show me the git status    workdir=${WORKDIR}
    Should Be Equal    ${result}[stdout]    One file changed, notes.txt.
    Fake CLI Should Have Been Called    git    status    --short    exact=${TRUE}
    Fake CLI Should Have Been Called    git    times=1
    Tool Result Should Have Been Sent    M notes.txt    tool=run_command

A Rejected Push Is Reported And Recorded In Order
    Create Fake CLI    git    rules=${CURDIR}/fakes/git.yaml
    Switch Runtime    example-anthropic
    ${result}=    Run Agent    Please push the branch    workdir=${WORKDIR}
    Should Be Equal    ${result}[stdout]    The push was rejected.
    Fake CLI Calls Should Be In Order    git push origin
    ${calls}=    Get Fake CLI Calls    git
    Should Be Equal As Integers    ${calls}[0][exit_code]    1
    Should Be Equal    ${calls}[0][rule]    reject pushes

Hooks Fire Through The Bridge In Order
    Create Fake CLI    git    stdout=${SPACE}M notes.txt\n
    Install Hooks Bridge    example-agent    ${HOME}
    Switch Runtime    example-openai
    Run Agent    Show me the git status    workdir=${WORKDIR}
    Hooks Phases Should Be In Order    session_start    user_prompt    pre_tool    post_tool    stop    session_end
    Assert Hooks Phase    pre_tool    tool=Bash    count=1
    Assert Hooks Phase    pre_tool    tool=shell
    ${events}=    Get Hook Events    post_tool
    Should Contain    ${events}[0][tool_response]    M notes.txt

A Pre Tool Hook Blocks The Shell
    Create Fake CLI    git    stdout=should never run
    Install Hooks Bridge    example-agent    ${HOME}
    Make Hook Block    pre_tool    tool=Bash    reason=no shell in this test
    Switch Runtime    example-anthropic
    ${result}=    Run Agent    Show me the git status    workdir=${WORKDIR}
    Should Be Equal    ${result}[stdout]    The command was blocked.
    Fake CLI Should Not Have Been Called    git
    Hook Phase Should Not Have Fired    post_tool
    Tool Result Should Have Been Sent    no shell in this test

Switch From Chat To Messages Changes The Wire Format
    Switch Runtime    example-openai
    Run Agent    List the files    workdir=${WORKDIR}
    Mock LLM Should Have Received    2    requests    protocol=openai.chat
    ${previous}=    Switch Runtime    example-anthropic
    Should Be Equal    ${previous}    example-openai
    Reset Mock LLM
    Run Agent    List the files    workdir=${WORKDIR}
    Mock LLM Should Have Received    2    requests    protocol=anthropic.messages
    Current Runtime Should Be    example-anthropic

Switch From Messages Back To Responses
    Switch Runtime    example-anthropic
    ${previous}=    Switch Runtime    example-responses
    Should Be Equal    ${previous}    example-anthropic
    Runtime Should Be Operational
    Run Agent    List the files    workdir=${WORKDIR}
    Mock LLM Should Have Received    3    requests    protocol=openai.responses

Round Trip Leaves No Residue
    Switch Runtime    example-gemini
    ${before}=    Capture Runtime Snapshot
    ${previous}=    Switch Runtime    example-responses
    Runtime Should Be Operational
    Switch Runtime    ${previous}
    Current Runtime Should Be    example-gemini
    Runtime Should Be Operational
    ${after}=    Capture Runtime Snapshot
    Runtime Snapshots Should Be Equal    ${before}    ${after}

The Cloud Example Runtimes Talk Their Own Wire Formats
    [Documentation]    Each built-in example runtime over a cloud endpoint answers a probe in its own protocol.
    FOR    ${runtime: str}    IN    example-bedrock    example-azure    example-vertex    example-ollama
        Switch Runtime    ${runtime}
        Runtime Should Be Operational
    END


*** Keywords ***
Prepare Harness
    [Documentation]    A mock with the harness scenario and a work directory (the built-in runtimes are always there).
    Start Mock LLM    scenario=${CURDIR}/scenarios/harness.yaml
    ${home}=    Get Runtime Home
    ${workdir}=    Create Agent Workdir    harness
    VAR    ${HOME}=    ${home}    scope=SUITE    # robocop: off=VAR05
    VAR    ${WORKDIR}=    ${workdir}    scope=SUITE    # robocop: off=VAR05
