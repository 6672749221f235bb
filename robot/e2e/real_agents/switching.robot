*** Settings ***
Documentation     Switching between the real agent CLIs: the wire format follows the switch, and a round trip
...               A→B→A between pi or opencode and every other runtime leaves the runtime home as it was.

Resource          ../resources/real_agents.resource

Suite Setup       Prepare Real Agents
Suite Teardown    Stop Mock LLM

Test Tags         lane:no-model    agent:real


*** Variables ***
@{OTHER_RUNTIMES}    example-openai    example-responses    example-anthropic    example-gemini    claude-code
...                  codex    codex-websocket    gemini-cli


*** Test Cases ***
Claude Code To Codex And Back
    Switch Runtime    claude-code
    Run Agent    please say hello    workdir=${REAL_WORKDIR}
    Mock LLM Should Have Received    2    requests    protocol=anthropic.messages
    ${previous}=    Switch Runtime    codex
    Should Be Equal    ${previous}    claude-code
    Reset Mock LLM
    Run Agent    please say hello    workdir=${REAL_WORKDIR}
    Mock LLM Should Have Received    2    requests    protocol=openai.responses
    Switch Runtime    ${previous}
    Runtime Should Be Operational

Pi To Claude Code To Opencode And Back
    Switch Runtime    pi
    Runtime Should Be Operational
    ${previous}=    Switch Runtime    claude-code
    Should Be Equal    ${previous}    pi
    Runtime Should Be Operational
    ${previous}=    Switch Runtime    opencode
    Should Be Equal    ${previous}    claude-code
    Runtime Should Be Operational
    Switch Runtime    pi
    Runtime Should Be Operational

Round Trips Between Pi And Every Other Runtime Leave No Residue
    FOR    ${other: str}    IN    @{OTHER_RUNTIMES}    opencode
        Round Trip Should Leave No Residue    pi    ${other}
        Round Trip Should Leave No Residue    ${other}    pi
    END

Round Trips Between Opencode And Every Other Runtime Leave No Residue
    FOR    ${other: str}    IN    @{OTHER_RUNTIMES}    pi
        Round Trip Should Leave No Residue    opencode    ${other}
        Round Trip Should Leave No Residue    ${other}    opencode
    END


*** Keywords ***
Round Trip Should Leave No Residue
    [Documentation]    A→B→A: B's files replace A's, and going back leaves the home byte for byte as A had it.
    [Arguments]    ${first}    ${second}
    Switch Runtime    ${first}
    ${before}=    Capture Runtime Snapshot
    ${previous}=    Switch Runtime    ${second}
    Should Be Equal    ${previous}    ${first}
    Current Runtime Should Be    ${second}
    Switch Runtime    ${previous}
    Current Runtime Should Be    ${first}
    ${after}=    Capture Runtime Snapshot
    Runtime Snapshots Should Be Equal    ${before}    ${after}
