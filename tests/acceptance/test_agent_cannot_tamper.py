"""The agent under test knows MOCK_LLM_URL: it still cannot reset the journal, loosen the scenario or clear faults."""

from __future__ import annotations

import json
from pathlib import Path

from tests.acceptance.robot_run import run_robot

SUITE = """
*** Settings ***
Library    AgentTestLibrary
Library    OperatingSystem
Library    Process
Suite Setup    Start Mock LLM    scenario=${CURDIR}/strict.yaml
Test Tags    lane:no-model

*** Variables ***
${TAMPER}    import os, json, httpx; u = os.environ["MOCK_LLM_URL"]; b = os.environ["OPENAI_BASE_URL"]
...    ; httpx.post(b + "/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "hi"}]})
...    ; codes = [httpx.post(u + "/__agenttest/reset").status_code,
...    httpx.post(u + "/__agenttest/scenario", content="strict: false\\\\nrules: []\\\\n",
...    headers={"content-type": "application/yaml"}).status_code,
...    httpx.delete(u + "/__agenttest/faults").status_code]
...    ; print(json.dumps({"codes": codes, "env": dict(os.environ)}))

*** Test Cases ***
The Agent Tampers With The Mock
    Inject LLM Fault    status=503    user_text_contains=never
    ${result}=    Run Process    ${PYTHON}    -c    ${TAMPER}
    Should Be Equal As Integers    ${result.rc}    0    msg=${result.stderr}
    Create File    ${OUTPUT DIR}/child.json    ${result.stdout}
    Mock LLM Should Have Received    1    request
    ${token}=    Get Mock LLM Admin Token
    Evaluate    $token.value not in $result.stdout
    Clear LLM Faults    # a canary the agent tried to delete: never meant to fire
"""


def test_the_agent_cannot_rewrite_its_own_evidence(tmp_path: Path) -> None:
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "strict.yaml").write_text("rules:\n  - {reply: {text: ok}}\n", encoding="utf-8")
    run = run_robot(tmp_path, {"tamper.robot": SUITE})
    assert run.statuses["The Agent Tampers With The Mock"] == ("PASS", ""), run.stdout
    child = json.loads((run.output_dir / "child.json").read_text(encoding="utf-8"))
    assert child["codes"] == [401, 401, 401]
    assert not [name for name in child["env"] if "ADMIN" in name.upper()]
    evidence = json.loads(next((run.output_dir / "agenttest-evidence").rglob("*.json")).read_text(encoding="utf-8"))
    assert evidence["request_count"] == 1 and evidence["requests"][0]["status"] == 200
