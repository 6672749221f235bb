*** Settings ***
Documentation    Drift in the nightly log: each recorded cassette request is sent to its real provider once
...              and the answers' shape compared with the recording (skips without the keys or egress).
Metadata         Owner    platform-qa

Library          AgentTestLibrary

Test Tags        live    lane:model-backed


*** Test Cases ***
The Providers Still Answer Like The Cassettes
    Cassettes Should Match The Providers    ${CURDIR}/../e2e/cassettes    max_requests=10
