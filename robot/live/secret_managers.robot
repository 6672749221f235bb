*** Settings ***
Documentation     Credentials fetched just in time from the three secrets managers, each a stand-in on loopback
...               that speaks its HTTP API to the manager's own client: Vault (JWT/OIDC login with the CI's
...               token, KV v2), AWS Secrets Manager (the mock AWS) and GCP Secret Manager (workload identity
...               federation, REST). A missing, denied or unreachable secret skips with the reason. Planted values
...               are checked by digest: the suite never holds one.
Metadata          Owner    platform-qa

Library           Collections
Library           OperatingSystem
Library           Process
Library           AgentTestLibrary

Suite Setup       Start The Secret Manager Stand-Ins
Suite Teardown    Restore The Environment

Test Tags         live    lane:model-backed


*** Variables ***
${FILES}           ${CURDIR}/secret_managers
${VAULT_DIGEST}    293242932a06dfff559dbd91befb3ca4c395a4d810eb69aacbb4feb81cf840bb
${AWS_DIGEST}      5127fcbf127001dc6a40d77862a4839f2349cd9de45fb1068b3e4fd9e2674179
${GCP_DIGEST}      3d3a29d28bf073cf95ae4eae07f7b5d6840232effa4ebb50f1fe870504e74fa3
${CLOSED}          http://127.0.0.1:9
&{SAVED}           &{EMPTY}


*** Test Cases ***
A Key From Vault Through JWT Login
    Require Credential Or Skip    AGENTTEST_VAULT_OPENAI_KEY    from=vault:secret/data/ci#openai_key
    ${key}=    Get Credential    AGENTTEST_VAULT_OPENAI_KEY
    Secret Should Have Digest    ${key}    ${VAULT_DIGEST}
    Service Should Have Received    vault    POST    /v1/auth/jwt/login    times=1
    Service Should Have Received    vault    GET    /v1/secret/data/ci    times=1

A Secret Is Fetched Once Per Run
    Require Credential Or Skip    AGENTTEST_VAULT_OPENAI_KEY    from=vault:secret/data/ci#openai_key
    Service Should Not Have Received    vault    GET    /v1/secret/data/ci

A Fetched Key Reaches A File Only Through Write Credential File
    ${key}=    Get Credential    AGENTTEST_VAULT_OPENAI_KEY    from=vault:secret/data/ci#openai_key
    ${path}=    Write Credential File    AGENTTEST_OPENAI_KEY_FILE    ${key}
    ${digest}=    Evaluate    hashlib.sha256(pathlib.Path($path).read_text().strip().encode()).hexdigest()
    ...    modules=hashlib,pathlib
    Should Be Equal    ${digest}    ${VAULT_DIGEST}

A Key From AWS Secrets Manager
    Plant AWS Secret    ci/openai    ${FILES}/aws-secret.json
    ${key}=    Get Credential    AGENTTEST_AWS_OPENAI_KEY    from=aws-sm:ci/openai#api_key
    Secret Should Have Digest    ${key}    ${AWS_DIGEST}
    AWS Should Have Received    secretsmanager    GetSecretValue    times=1

A Key From GCP Secret Manager Through Workload Identity
    ${key}=    Get Credential    AGENTTEST_GCP_OPENAI_KEY
    ...    from=gcp-sm:projects/p/secrets/openai/versions/latest#api_key
    Secret Should Have Digest    ${key}    ${GCP_DIGEST}
    Service Should Have Received    gcp    POST    /v1/token    times=1

A Missing Secret Skips With The Reason
    Require Credential Or Skip    AGENTTEST_MISSING_KEY    from=vault:secret/data/missing#openai_key
    Fail    Not reached: the secret is missing.

A Denied Request Skips With The Reason
    Require Credential Or Skip    AGENTTEST_DENIED_KEY    from=vault:secret/data/forbidden#openai_key
    Fail    Not reached: Vault refuses the read.

An Unreachable Manager Skips With The Egress Diagnosis
    Set Environment Variable    VAULT_ADDR    ${CLOSED}
    Require Credential Or Skip    AGENTTEST_UNREACHABLE_KEY    from=vault:secret/data/elsewhere#openai_key
    Fail    Not reached: nothing listens at ${CLOSED}.
    [Teardown]    Set Environment Variable    VAULT_ADDR    %{AGENTTEST_VAULT_URL}


*** Keywords ***
Start The Secret Manager Stand-Ins
    [Documentation]    Vault and GCP as mock services speaking their APIs, the mock AWS, and the variables each
    ...    client's credential chain reads (the CI's OIDC token is a fixture file). Starts nothing without
    ...    RUN_LIVE_TESTS.
    Skip If    '%{RUN_LIVE_TESTS=}'.strip().lower() not in ('1', 'true', 'yes', 'on')    RUN_LIVE_TESTS not set
    ${vault}=    Start Mock Service    vault    routes=${FILES}/vault.yaml
    ${gcp}=    Start Mock Service    gcp    routes=${FILES}/gcp.yaml
    Start Mock AWS
    VAR    &{identity}=    type=external_account    subject_token_type=urn:ietf:params:oauth:token-type:jwt
    ...    audience=//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/providers/ci
    ...    token_url=${gcp}/v1/token    credential_source=${{ {"file": $FILES + "/ci-oidc-token"} }}
    ${config}=    Evaluate    json.dumps($identity)    modules=json
    Point Clients At    VAULT_ADDR=${vault}    VAULT_ROLE=ci    VAULT_JWT_FILE=${FILES}/ci-oidc-token
    ...    AGENTTEST_GCP_SECRET_MANAGER_ENDPOINT=${gcp}    GOOGLE_CLOUD_PROJECT=p
    ...    GCP_WORKLOAD_IDENTITY_CONFIG=${config}
    Write Credential File    GOOGLE_APPLICATION_CREDENTIALS    GCP_WORKLOAD_IDENTITY_CONFIG

Point Clients At
    [Documentation]    Sets environment variables for this suite, remembering what was there.
    [Arguments]    &{variables}
    FOR    ${name: str}    ${value: str}    IN    &{variables}
        ${before}=    Evaluate    os.environ.get($name)    modules=os
        Set To Dictionary    ${SAVED}    ${name}=${before}
        Set Environment Variable    ${name}    ${value}
    END

Restore The Environment
    [Documentation]    Puts back the variables `Point Clients At` changed.
    FOR    ${name: str}    ${before: str | None}    IN    &{SAVED}    &{EMPTY}
        IF    $before is None
            Remove Environment Variable    ${name}
        ELSE
            Set Environment Variable    ${name}    ${before}
        END
    END

Plant AWS Secret
    [Documentation]    Creates secret ``name`` in the mock AWS from a file, in a process of its own: boto3's debug
    ...    log of the call (the value in its body) stays out of this run's log.
    [Arguments]    ${name}    ${file}
    VAR    ${script}=    import boto3, pathlib, sys;
    ...    boto3.client("secretsmanager").create_secret(Name=sys.argv[1],
    ...    SecretString=pathlib.Path(sys.argv[2]).read_text())
    ${result}=    Run Process    ${{sys.executable}}    -c    ${script}    ${name}    ${file}    timeout=60s
    Should Be Equal As Integers    ${result.rc}    0    msg=${result.stderr}    values=False

Secret Should Have Digest
    [Documentation]    Compares the SHA-256 of a ``Secret``'s value with ``digest``, never the value itself.
    [Arguments]    ${secret}    ${digest}
    ${seen}=    Evaluate    hashlib.sha256($secret.value.encode()).hexdigest()    modules=hashlib
    Should Be Equal    ${seen}    ${digest}    The fetched value is not the planted one.    values=False
