*** Settings ***
Documentation    OpenAI is reachable with the real SDK and our key works. Nightly, opt-in.
Metadata         Owner    platform-qa

Library          AgentTestLibrary
Resource         AgentTestLibrary/resources/live.resource

Suite Setup      Require Credential Or Skip    OPENAI_API_KEY

Test Tags        live    lane:model-backed    provider:openai


*** Test Cases ***
OpenAI Chat API Answers A Minimal Request
    ${reply}=    Run Live Call With Retry    Ask Provider Once    openai    attempts=2    backoff=2
    Should Not Be Empty    ${reply}

OpenAI Egress Is Open
    Skip If Egress Blocked    https://api.openai.com/v1/models
