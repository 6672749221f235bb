*** Settings ***
Documentation     Claude Code (pinned) on Amazon Bedrock and on Vertex AI, offline against the mock's cloud endpoints:
...               the same scenario, its shell tool call and hooks, in the cloud's wire format.

Resource          ../resources/real_agents.resource

Suite Setup       Prepare Real Agents
Suite Teardown    Stop Mock LLM

Test Tags         lane:no-model    agent:real    runtime:claude-code


*** Test Cases ***
Claude Code On Bedrock Runs A Shell Tool
    [Documentation]    SigV4-signed InvokeModel calls with the fixture AWS keys;
    ...    the answer streams as AWS event-stream frames.
    Use Real Agent    claude-code-bedrock    hooks=claude-code
    ${result}=    Run Agent    please say hello    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The tool said hello.
    Tool Result Should Have Been Sent    hello-from-tool
    Mock LLM Should Have Requested Tool    Bash    command=echo hello-from-tool
    ${requests}=    Get LLM Requests    protocol=bedrock.invoke
    Should Not Be Empty    ${requests}
    Assert Hooks Phase    pre_tool    tool=Bash    count=1

Claude Code On Vertex Runs A Shell Tool
    [Documentation]    streamRawPredict under publishers/anthropic with a fixture bearer token.
    Use Real Agent    claude-code-vertex    hooks=claude-code
    ${result}=    Run Agent    please say hello    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The tool said hello.
    Tool Result Should Have Been Sent    hello-from-tool
    ${requests}=    Get LLM Requests    protocol=vertex.anthropic
    Should Not Be Empty    ${requests}
    Assert Hooks Phase    pre_tool    tool=Bash    count=1

Claude Code On Bedrock Retries Throttling
    Use Real Agent    claude-code-bedrock    hooks=claude-code
    Inject LLM Fault    status=429    type=ThrottlingException    times=1    protocol=bedrock.invoke
    ...    user_text_contains=say hello
    ${result}=    Run Agent    please say hello    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The tool said hello.
    Agent Should Have Retried    1
