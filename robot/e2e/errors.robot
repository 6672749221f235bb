*** Settings ***
Documentation    Bad input fails with an error that names the place and the fix.

Library          AgentTestLibrary

Test Tags        lane:no-model


*** Test Cases ***
Missing Scenario File Names The Path
    Run Keyword And Expect Error    *Scenario file*nope.yaml' does not exist*\${CURDIR}*
    ...    Start Mock LLM    scenario=${CURDIR}/scenarios/nope.yaml

Broken YAML Names File And Line
    Run Keyword And Expect Error    *broken.yaml:4:*invalid YAML*Fix the indentation or quoting*
    ...    Start Mock LLM    scenario=${CURDIR}/scenarios/invalid/broken.yaml

Unknown Key Suggests The Valid One
    Run Keyword And Expect Error
    ...    *typo.yaml:3: rules?0?.when.user_txt_contains: unknown key*Did you mean 'user_text_contains'?*
    ...    Start Mock LLM    scenario=${CURDIR}/scenarios/invalid/typo.yaml

Port In Use Is A Clear Error
    ${url}=    Start Mock LLM
    ${port}=    Evaluate    int($url.rsplit(':', 1)[1])
    Run Keyword And Expect Error    *Port ${port} on 127.0.0.1 is already in use*port=0*
    ...    Start Mock LLM    port=${port}
    [Teardown]    Stop Mock LLM

Invalid Rule From A Keyword Names The Key
    Start Mock LLM
    Run Keyword And Expect Error    *unknown key 'txt'. Did you mean 'text'?*
    ...    Add LLM Rule    {"reply": {"txt": "hi"}}
    [Teardown]    Stop Mock LLM

Stop Without A Mock Is Harmless
    Stop Mock LLM
