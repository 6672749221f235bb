*** Settings ***
Documentation     The same prompt, switched between Claude Code and Codex: the wire format follows the switch.

Resource          ../resources/real_agents.resource

Suite Setup       Prepare Real Agents
Suite Teardown    Stop Mock LLM

Test Tags         lane:no-model    agent:real


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
