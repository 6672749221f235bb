*** Settings ***
Documentation     Replies scripted from keywords, without a scenario file; per-test scoping;
...               strict mode failures that name the closest rule.

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/example_agent.resource

Suite Setup       Start Mock LLM    strict=${TRUE}
Suite Teardown    Stop Mock LLM

Test Tags         lane:no-model


*** Test Cases ***
Tool Loop Scripted From Keywords
    Reply With Tool Call    list_files    {"path": "."}    user_text_contains=files    tool_result=${FALSE}
    Reply With Text    Two files.    tool_result=${TRUE}
    ${workdir}=    Create Agent Workdir    keyword-rules
    ${answer}=    Run Example Agent    Which files are here?    provider=anthropic    workdir=${workdir}
    Should Be Equal    ${answer}    Two files.
    Mock LLM Should Have Received    2    requests
    Mock LLM Should Have Matched All Requests

Tool Arguments Read The Same Way In The Reply And In The Assertion
    Reply With Tool Call    run_command    command=echo hi    user_text_contains=say hi    tool_result=${FALSE}
    Reply With Text    Said hi.    tool_result_contains=hi
    ${workdir}=    Create Agent Workdir    keyword-tool-arguments
    ${answer}=    Run Example Agent    Please say hi    provider=openai    workdir=${workdir}
    Should Be Equal    ${answer}    Said hi.
    Mock LLM Should Have Requested Tool    run_command    command=echo hi
    Every LLM Rule Should Have Been Used

An Unused Rule Is Named
    Reply With Text    Never asked.    user_text_contains=nobody says this
    Reply With Text    Hello.    user_text_contains=hello
    Run Example Agent    hello there    provider=openai
    Run Keyword And Expect Error    1 rule(s) answered nothing in this test:\n- rule 'keyword rule #1'*
    ...    Every LLM Rule Should Have Been Used

Rules Added In A Test Do Not Leak Into The Next Test
    ${result}=    Run Example Agent And Expect Failure Or Success    Which files are here?
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stderr}    no scenario rule matched
    Run Keyword And Expect Error    *matched no scenario rule*the scenario has no rules*
    ...    Mock LLM Should Have Matched All Requests
    Reset Mock LLM

Sequence Gives One Reply Per Call And Restarts Every Test
    VAR    ${rule}=    SEPARATOR=\n
    ...    name: count up
    ...    sequence:
    ...    ${SPACE}${SPACE}- text: first
    ...    ${SPACE}${SPACE}- text: second
    Add LLM Rule    ${rule}
    ${first}=    Run Example Agent    hi    provider=openai
    ${second}=    Run Example Agent    hi    provider=openai
    ${third}=    Run Example Agent    hi    provider=openai
    Should Be Equal    ${first} ${second} ${third}    first second second

Provider Error From A Keyword Reaches The Agent In Its Own Shape
    Reply With Error    400    prompt rejected by policy    user_text_contains=forbidden
    ${result}=    Run Example Agent And Expect Failure Or Success    do forbidden things    provider=anthropic
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stderr}    prompt rejected by policy
    Should Contain    ${result.stderr}    invalid_request_error

JSON Reply From A Keyword
    Reply With JSON    {"verdict": "pass", "score": 9}    user_text_contains=grade
    ${answer}=    Run Example Agent    grade this    provider=openai
    Should Be Equal    ${answer}    {"verdict": "pass", "score": 9}

Scenario Settings From A Keyword
    Configure Mock LLM    strict=${FALSE}    default_reply=Nothing scripted for that.
    ${answer}=    Run Example Agent    an unscripted question    provider=anthropic
    Should Be Equal    ${answer}    Nothing scripted for that.
    [Teardown]    Configure Mock LLM    strict=${TRUE}
