*** Settings ***
Documentation     The example agent meets a misbehaving model in every wire format; verdicts judge how it coped.
...               Each test makes the model misbehave once (``times=1``): a refusal, a filter, a cut or an
...               empty answer ends the run with the reason; a malformed tool call is answered with an error
...               and never run, and the agent goes on to the answer.

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/example_agent.resource

Suite Setup       Start Mock LLM    scenario=${CURDIR}/scenarios/misbehaviour.yaml
Suite Teardown    Stop Mock LLM
Test Template     Misbehaviour Should Be Handled

Test Tags         lane:no-model


*** Variables ***
${ANSWER}       The directory holds notes.txt and todo.md.
${REFUSED}      the model refused
${FILTERED}     stopped by the content filter
${CUT}          cut at the token limit
${NOTHING}      the model gave no answer
${UNPARSED}     Unable to parse tool parameter JSON
@{MALFORMED}    truncated_tool_arguments    invalid_tool_arguments    undeclared_tool
@{REFUSALS}     refusal    content_filter


*** Test Cases ***    MISBEHAVIOUR    PROVIDER    RC    SAYS    STREAM
Refusal On Chat    refusal    openai    1    ${REFUSED}: I'm sorry
Refusal On Responses    refusal    openai-responses    1    ${REFUSED}: I'm sorry
Refusal On Anthropic    refusal    anthropic    1    ${REFUSED}: I'm sorry
Refusal On Gemini Is Just Text    refusal    gemini    0    I'm sorry
Filter On Chat    content_filter    openai    1    ${FILTERED}
Filter On Chat Streamed    content_filter    openai    1    ${FILTERED}    ${TRUE}
Filter On Responses Streamed    content_filter    openai-responses    1    ${FILTERED}    ${TRUE}
Filter On Anthropic    content_filter    anthropic    1    ${REFUSED}
Filter On Gemini    content_filter    gemini    1    ${FILTERED}
Max Tokens On Chat    max_tokens    openai    1    ${CUT}
Max Tokens On Chat Streamed    max_tokens    openai    1    ${CUT}    ${TRUE}
Max Tokens On Responses    max_tokens    openai-responses    1    ${CUT}
Max Tokens On Anthropic    max_tokens    anthropic    1    ${CUT}
Max Tokens On Gemini    max_tokens    gemini    1    ${CUT}
Cut Call On Chat    truncated_tool_arguments    openai    1    ${CUT}
Cut Call On Responses    truncated_tool_arguments    openai-responses    1    ${CUT}
Cut Call On Anthropic Streamed    truncated_tool_arguments    anthropic    1    ${CUT}    ${TRUE}
Cut Call On Gemini    truncated_tool_arguments    gemini    1    ${CUT}
Bad Arguments On Chat    invalid_tool_arguments    openai    0    ${ANSWER}
Bad Arguments On Responses Streamed    invalid_tool_arguments    openai-responses    0    ${ANSWER}    ${TRUE}
Bad Arguments On Anthropic    invalid_tool_arguments    anthropic    0    ${ANSWER}
Bad Arguments On Anthropic Streamed    invalid_tool_arguments    anthropic    1    ${UNPARSED}    ${TRUE}
Bad Arguments On Gemini    invalid_tool_arguments    gemini    1    malformed tool call
Undeclared Tool On Chat    undeclared_tool    openai    0    ${ANSWER}
Undeclared Tool On Responses    undeclared_tool    openai-responses    0    ${ANSWER}
Undeclared Tool On Anthropic    undeclared_tool    anthropic    0    ${ANSWER}
Undeclared Tool On Gemini Streamed    undeclared_tool    gemini    0    ${ANSWER}    ${TRUE}
Duplicate Ids On Chat    duplicate_tool_call_ids    openai    0    ${ANSWER}
Duplicate Ids On Responses    duplicate_tool_call_ids    openai-responses    0    ${ANSWER}
Duplicate Ids On Anthropic    duplicate_tool_call_ids    anthropic    0    ${ANSWER}
Duplicate Ids On Gemini    duplicate_tool_call_ids    gemini    0    ${ANSWER}
Empty On Chat    empty    openai    1    ${NOTHING}
Empty On Responses    empty    openai-responses    1    ${NOTHING}
Empty On Anthropic Streamed    empty    anthropic    1    ${NOTHING}    ${TRUE}
Empty On Gemini    empty    gemini    1    ${NOTHING}
Reasoning Only On Chat    reasoning_only    openai    1    ${NOTHING}
Reasoning Only On Responses Streamed    reasoning_only    openai-responses    1    ${NOTHING}    ${TRUE}
Reasoning Only On Anthropic    reasoning_only    anthropic    1    ${NOTHING}
Reasoning Only On Gemini Streamed    reasoning_only    gemini    1    ${NOTHING}    ${TRUE}


*** Keywords ***
Misbehaviour Should Be Handled
    [Documentation]    Makes the model misbehave once, runs the example agent, checks its exit code and what it
    ...    said, then judges it: it never ran a malformed tool call, it did not ask again after a refusal.
    [Arguments]    ${misbehaviour}    ${provider}    ${rc}    ${says}    ${stream}=${FALSE}
    Inject LLM Fault    misbehave=${misbehaviour}    times=1
    ${workdir}=    Create Agent Workdir    misbehave-${misbehaviour}-${provider}-${stream}
    ${result}=    Run Example Agent And Expect Failure Or Success
    ...    List the files    provider=${provider}    workdir=${workdir}    stream=${stream}
    Should Be Equal As Integers    ${result.rc}    ${rc}
    ...    msg=Expected rc ${rc}, got ${result.rc}: ${result.stdout} ${result.stderr}    values=False
    Should Contain    ${result.stdout}${result.stderr}    ${says}
    IF    $misbehaviour in $MALFORMED
        Agent Should Not Have Executed Malformed Tool Call
    ELSE IF    $misbehaviour in $REFUSALS
        Agent Should Not Have Looped On Refusal
    END
