*** Settings ***
Documentation    Start Agent Server: a web-serving agent as a real subprocess, awaited until it prints its
...              URL or answers there, stopped with the test or suite that started it.

Library          Process
Library          AgentTestLibrary

Test Tags        lane:no-model    agent-server


*** Variables ***
${SLEEPER}    import time; print("booting, token ghp_agenttestsentinel0123456789abcdef", flush=True); time.sleep(60)


*** Test Cases ***
A Server Started In A Test Answers And Stops At The Test's End
    ${python}=    Evaluate    sys.executable    modules=sys
    ${url}=    Start Agent Server    ${python}    -m    http.server    0    --bind    127.0.0.1    name=files
    ...    url_pattern=\\((http://\\S+)\\)
    ${page}=    Evaluate    httpx.get($url).status_code    modules=httpx
    Should Be Equal As Integers    ${page}    200
    VAR    ${FILES_URL}=    ${url}    scope=SUITE    # robocop: off=VAR05

The Server Of The Previous Test Is Gone
    Run Keyword And Expect Error    *ConnectError*    Evaluate    httpx.get($FILES_URL, timeout=2)    modules=httpx

A Server That Never Prints Its URL Fails Naming The Command And Its Output
    ${python}=    Evaluate    sys.executable    modules=sys
    ${error}=    Run Keyword And Expect Error    *
    ...    Start Agent Server    ${python}    -c    ${SLEEPER}    name=sleeper    timeout=1s
    Should Contain    ${error}    Agent server 'sleeper' did not print a URL matching
    Should Contain    ${error}    within 1 s
    Should Contain    ${error}    booting, token ***
    Should Not Contain    ${error}    ghp_agenttestsentinel

A Server Given Its URL Is Awaited Until It Answers
    ${python}=    Evaluate    sys.executable    modules=sys
    ${port}=    Evaluate    __import__("socket").create_server(("127.0.0.1", 0)).getsockname()[1]
    ${url}=    Start Agent Server    ${python}    -m    http.server    ${port}    --bind    127.0.0.1
    ...    url=http://127.0.0.1:${port}/
    Should Be Equal    ${url}    http://127.0.0.1:${port}/
    ${code}=    Stop Agent Server    http
    Should Be True    ${code} != 0    # stopped by SIGTERM
