*** Settings ***
Documentation    Anthropic is reachable with the real SDK and our key works. Nightly, opt-in.
Metadata         Owner    platform-qa

Library          AgentTestLibrary
Resource         AgentTestLibrary/resources/live.resource

Suite Setup      Require Credential Or Skip    ANTHROPIC_API_KEY

Test Tags        live    lane:model-backed    provider:anthropic


*** Test Cases ***
Anthropic Messages API Answers A Minimal Request
    ${reply}=    Run Live Call With Retry    Ask Provider Once    anthropic    attempts=2    backoff=2
    Should Not Be Empty    ${reply}

Anthropic Egress Is Open
    Skip If Egress Blocked    https://api.anthropic.com/v1/models
