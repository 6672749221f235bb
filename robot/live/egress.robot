*** Settings ***
Documentation    Egress diagnosis from the CI network to each provider: a sealed network is a
...              diagnostic skip, a reachable provider without a key is an auth error, never a failure.
Metadata         Owner    platform-qa

Library          AgentTestLibrary

Test Tags        live    lane:model-backed


*** Test Cases ***
Anthropic Is Reachable Without A Key
    Skip If Egress Blocked    https://api.anthropic.com/v1/models
    ${egress}=    Diagnose Egress    https://api.anthropic.com/v1/models
    Should Be Equal    ${egress}[classification]    provider_auth_error

OpenAI Is Reachable Without A Key
    Skip If Egress Blocked    https://api.openai.com/v1/models
    ${egress}=    Diagnose Egress    https://api.openai.com/v1/models
    Should Be Equal    ${egress}[classification]    provider_auth_error
