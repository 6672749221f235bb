*** Settings ***
Documentation     The pinned agent CLIs with no base-URL setting (``sealed_runtimes.yaml``) behind the sealed
...               network: each calls its provider's real host, the seal routes it to the mock LLM over TLS
...               verified against the seal's CA, the scripted shell tool runs and the hooks fire; nothing else
...               leaves. A CLI's own background call is refused and named.

Resource          ../resources/real_agents.resource

Suite Setup       Prepare Sealed Real Agents
Suite Teardown    Stop Mock LLM
Test Teardown     Network Should Have Stayed Sealed

Test Tags         lane:no-model    agent:real    sealed


*** Test Cases ***
Claude Code Without A Base URL Reaches The Mock Through The Seal
    [Tags]    runtime:claude-code
    Use Real Agent    claude-code-sealed    claude-code
    Agent Should Run The Shell Tool    anthropic.messages
    Agent Should Have Gone Through The Seal    api.anthropic.com    claude

Codex Without A Base URL Reaches The Mock Through The Seal
    [Tags]    runtime:codex
    Use Real Agent    codex-sealed    codex
    Agent Should Run The Shell Tool    openai.responses
    Agent Should Have Gone Through The Seal    api.openai.com    codex

Gemini CLI Without A Base URL Reaches The Mock Through The Seal
    [Tags]    runtime:gemini-cli
    Use Real Agent    gemini-cli-sealed    gemini-cli
    Agent Should Run The Shell Tool    gemini.generate    requests=3
    Agent Should Have Gone Through The Seal    generativelanguage.googleapis.com    gemini

Pi Without A Base URL Reaches The Mock Through The Seal
    [Tags]    runtime:pi
    Use Real Agent    pi-sealed    pi
    Agent Should Run The Shell Tool    openai.responses
    Agent Should Have Gone Through The Seal    api.openai.com    pi

Opencode Without A Base URL Reaches The Mock Through The Seal
    [Tags]    runtime:opencode
    Use Real Agent    opencode-sealed    opencode
    Agent Should Run The Shell Tool    openai.responses    requests=3
    Agent Should Have Gone Through The Seal    api.openai.com    opencode

The Built In Profiles Make No Call Of Their Own
    [Documentation]    The lane's own profiles, pointed at the mock by base URL, under the seal too: Codex's plugin
    ...    sync and metrics, Gemini CLI's usage statistics and opencode's plugin typings install went to the
    ...    real internet before their settings turned them off; the teardown names any that comes back.
    [Template]    Built In Profile Should Answer Through The Mock Alone
    claude-code
    codex
    codex-websocket    codex
    gemini-cli
    pi
    opencode


*** Keywords ***
Prepare Sealed Real Agents
    [Documentation]    The real-agent setup, the sealed runtimes, no base URL left in the environment, and the seal
    ...    for the whole suite.
    Prepare Real Agents
    Load Runtime Registry    ${CURDIR}/sealed_runtimes.yaml
    Remove Environment Variable    OPENAI_BASE_URL    ANTHROPIC_BASE_URL    GOOGLE_GEMINI_BASE_URL
    ...    AWS_ENDPOINT_URL_BEDROCK_RUNTIME    ANTHROPIC_BEDROCK_BASE_URL    ANTHROPIC_VERTEX_BASE_URL
    ...    GOOGLE_VERTEX_BASE_URL
    Seal Agent Network

Agent Should Have Gone Through The Seal
    [Documentation]    Every model request carried the provider's real ``host`` and every connection the test made
    ...    was routed to a mock; the first came from ``process``.
    [Arguments]    ${host}    ${process}
    ${requests}=    Get LLM Requests
    FOR    ${request: dict}    IN    @{requests}
        Should Be Equal    ${request}[headers][host]    ${host}
    END
    ${attempts}=    Get Network Attempts
    ${routed}=    Get Network Attempts    outcome=routed
    Should Be Equal    ${attempts}    ${routed}    msg=Not every connection was routed: ${attempts}
    Should Be Equal    ${routed}[0][host]    ${host}
    Should Contain    ${routed}[0][process]    ${process}

Built In Profile Should Answer Through The Mock Alone
    [Documentation]    The built-in ``runtime`` runs the shell tool against the mock it was pointed at (loopback, so
    ...    not through the proxy); the seal saw no connection from it.
    [Arguments]    ${runtime}    ${hooks}=${runtime}
    Use Real Agent    ${runtime}    ${hooks}
    ${result}=    Run Agent    please say hello    workdir=${REAL_WORKDIR}
    Should Contain    ${result}[stdout]    The tool said hello.
    ${attempts}=    Get Network Attempts
    Should Be Empty    ${attempts}    msg=${runtime} made connections of its own: ${attempts}
