*** Settings ***
Documentation    The score regression gate in the no-model lane: the example agent answers the golden set
...              from the mock, every case is graded, and the slice scores are held against the baseline.

Library          OperatingSystem
Library          Process
Library          AgentTestLibrary
Resource         AgentTestLibrary/resources/example_agent.resource

Suite Setup      Start Mock LLM    scenario=${CURDIR}/scenarios/golden.yaml

Test Tags        lane:no-model


*** Variables ***
${GOLDEN}      ${CURDIR}/golden/cases.yaml
${BASELINE}    ${CURDIR}/golden/baseline.json
${PYTHON}      ${{ sys.executable }}


*** Test Cases ***
The Golden Set Holds Its Baseline
    @{cases}=    Load Golden Set    ${GOLDEN}
    Score The Example Agent On    @{cases}
    ${scores}=    Write Golden Set Scores    baseline=${BASELINE}
    ${compared}=    Compare Scores With The Baseline    ${OUTPUT DIR}    expected_rc=0
    Should Contain    ${compared}    No slice fell by more than 2 pp.
    ${written}=    Get File    ${scores}
    Should Contain    ${written}    "chat": 50.0

A Slice That Falls Fails The Gate With A Table
    Load Golden Set    ${GOLDEN}
    Score The Example Agent On    read-notes    summary-as-json    refuse-deleting    greeting
    ${score}=    Score Agent Answer    list-files    I could not see any files.    tools=${{ [] }}
    Should Be Equal As Numbers    ${score}    0
    ${regressed}=    Write Golden Set Scores    ${OUTPUT DIR}/regressed-scores.json
    ${compared}=    Compare Scores With The Baseline    ${regressed}    expected_rc=1
    Should Match Regexp    ${compared}    files\\s+100.0%\\s+50.0%\\s+-50.0 pp\\s+REGRESSED
    Should Contain    ${compared}    slice 'files' fell from 100.0% to 50.0%, more than 2 pp
    Run Keyword And Expect Error    Scores regressed against*
    ...    Write Golden Set Scores    ${OUTPUT DIR}/regressed-again.json    baseline=${BASELINE}


*** Keywords ***
Score The Example Agent On
    [Documentation]    Runs the example agent on each golden case's input and scores its answer.
    [Arguments]    @{cases}
    ${workdir}=    Create Agent Workdir    golden
    FOR    ${id: str}    IN    @{cases}
        ${case}=    Get Golden Case    ${id}
        ${answer}=    Run Example Agent    ${case}[input]    workdir=${workdir}
        Score Agent Answer    ${id}    ${answer}
    END

Compare Scores With The Baseline
    [Documentation]    Runs ``agenttest scores compare`` as CI does; checks its exit code, returns its table.
    [Arguments]    ${results}    ${expected_rc}
    ${compared}=    Run Process    ${PYTHON}    -m    AgentTestLibrary    scores    compare
    ...    ${BASELINE}    ${results}
    Should Be Equal As Integers    ${compared.rc}    ${expected_rc}    ${compared.stdout}${compared.stderr}
    RETURN    ${compared.stdout}
