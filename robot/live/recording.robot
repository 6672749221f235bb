*** Settings ***
Documentation     Records a minimal real Anthropic exchange into a cassette (nightly, opt-in):
...               proves recording, scrubbing and replay against the provider itself.
Metadata          Owner    platform-qa

Library           AgentTestLibrary
Resource          AgentTestLibrary/resources/live.resource

Suite Setup       Require Credential Or Skip    ANTHROPIC_API_KEY
Suite Teardown    Stop Mock LLM

Test Tags         live    lane:model-backed    provider:anthropic


*** Test Cases ***
Record A Minimal Anthropic Exchange
    Start Mock LLM
    Use LLM Cassettes    ${OUTPUT DIR}/recorded-cassettes    record_mode=all
    ${reply}=    Ask Provider Once    anthropic
    Should Not Be Empty    ${reply}
    Mock LLM Should Have Received    1    request
