"""The Robot Framework library class: DynamicCore over one keyword component per concern."""

from __future__ import annotations

from robotlibcore import DynamicCore

from .keywords import (
    AgentKeywords,
    CassetteKeywords,
    FakeCliKeywords,
    FaultKeywords,
    HookKeywords,
    JournalKeywords,
    LibraryContext,
    LiveKeywords,
    MockLLMKeywords,
    ResilienceKeywords,
    RuleKeywords,
    RuntimeKeywords,
)
from .listener import LibraryListener
from .version import __version__


class AgentTestLibrary(DynamicCore):  # type: ignore[misc]
    """AgentTestLibrary runs a real, deterministic mock LLM server for agent end-to-end tests.

    = Mock LLM =

    `Start Mock LLM` starts an HTTP/1.1 server on loopback that speaks the OpenAI Chat
    Completions and Anthropic Messages wire formats, streaming included. Agents started
    afterwards with ``Run Process`` find it through ``OPENAI_BASE_URL`` and
    ``ANTHROPIC_BASE_URL`` and use fixture API keys; real keys never reach them.

    Replies come from a YAML scenario file (see the README's Scenarios section) or from
    keywords such as `Reply With Text` and `Reply With Tool Call`. Matching is stateless: it
    looks at the conversation a request carries (latest user text, tool results, turn ...),
    so concurrent agents never drift. Reply sequences are an opt-in and restart every test.

    = Journal and evidence =

    Every request is recorded with credentials redacted. Assertions such as
    `Mock LLM Should Have Received` and `Mock LLM Should Have Requested Tool` look at the
    requests of the current test. After each test a JSON evidence file with the test's
    requests is written under ``${OUTPUT DIR}/agenttest-evidence/`` and linked from the log.

    = Strict mode =

    With a scenario file, a request no rule matches gets a provider-shaped 400 error, and
    the test fails at its end with the closest rule and why it did not match.

    = Faults and resilience =

    `Inject LLM Fault` (or a scenario's ``faults:``) breaks matching requests: provider-shaped
    errors with ``retry-after``, latency, stream pacing, cut streams, malformed bodies,
    bounded hangs, WebSocket closes; on the Nth call, N times then recover, or with a seeded
    probability. Faults and their counters are scoped to the test. Verdict keywords such as
    `Agent Should Have Retried` and `Agent Should Have Honoured Retry After` judge the
    agent from the journal's timestamps and name the observed numbers when they fail.

    = Live lane =

    Every test declares ``lane:no-model`` or ``lane:model-backed``; a test without a lane
    fails before it runs. Tests tagged ``live`` are skipped with "RUN_LIVE_TESTS not set"
    unless ``RUN_LIVE_TESTS`` is true. `Require Credential Or Skip` skips (never fails) when a
    credential is absent; values from the environment or the ``.env.live`` seed file are
    masked in output.xml, log.html, journals and evidence. `Diagnose Egress` and
    `Skip If Egress Blocked` explain a sealed network. ``USE_REAL_LLM`` makes
    `Start Mock LLM` point agents at the real providers instead.

    = Parallel runs =

    Each pabot worker process gets its own library instance and its own mock on a port the
    OS picks (``port=0``), so workers never collide or share state.

    = Example =

    | *** Settings ***
    | Library           AgentTestLibrary
    | Library           Process
    | Suite Setup       Start Mock LLM    scenario=${CURDIR}/scenarios/list_files.yaml
    | Suite Teardown    Stop Mock LLM
    |
    | *** Test Cases ***
    | Agent Lists Files Then Answers
    |     ${result}=    Run Process    python    my_agent.py    List the files
    |     Mock LLM Should Have Received    2    requests
    |     Mock LLM Should Have Requested Tool    list_files    path=.
    """

    ROBOT_LIBRARY_SCOPE = "GLOBAL"
    ROBOT_LIBRARY_VERSION = __version__
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(self, env_file: str | None = None) -> None:
        """``env_file``: the live lane's seed file (default ``AGENTTEST_ENV_FILE`` or ``.env.live``).

        Importing has no side effects: the file is read the first time the live lane is consulted.
        """
        self.ctx = LibraryContext(env_file=env_file)
        self.ctx.secrets.add_from_environment()
        components = [
            MockLLMKeywords,
            RuleKeywords,
            JournalKeywords,
            FaultKeywords,
            ResilienceKeywords,
            LiveKeywords,
            CassetteKeywords,
            FakeCliKeywords,
            HookKeywords,
            RuntimeKeywords,
            AgentKeywords,
        ]
        DynamicCore.__init__(self, [component(self.ctx) for component in components])
        self.ROBOT_LIBRARY_LISTENER = LibraryListener(self.ctx)
