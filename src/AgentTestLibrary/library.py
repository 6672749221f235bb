"""The Robot Framework library class: DynamicCore over one keyword component per concern."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from robotlibcore import DynamicCore

from .keywords import (
    A2AKeywords,
    AgentKeywords,
    AgentServerKeywords,
    AwsKeywords,
    CassetteKeywords,
    CredentialKeywords,
    FakeCliKeywords,
    FaultKeywords,
    HookKeywords,
    JournalKeywords,
    LibraryContext,
    LiveKeywords,
    McpAssertionKeywords,
    McpKeywords,
    MockLLMKeywords,
    QuarantineKeywords,
    ResilienceKeywords,
    RuleKeywords,
    RuntimeKeywords,
    ScoreKeywords,
    SealedNetworkKeywords,
    ServiceKeywords,
    TranscriptKeywords,
)
from .listener import LibraryListener
from .version import __version__


class AgentTestLibrary(DynamicCore):  # type: ignore[misc]
    """AgentTestLibrary tests AI-agent runtimes end to end against a real, deterministic mock of what they call.

    %TOC%

    = Mock LLM =

    `Start Mock LLM` starts an HTTP/1.1 server on loopback that speaks OpenAI Chat
    Completions, OpenAI Responses (SSE and WebSocket, ``previous_response_id`` chaining),
    Anthropic Messages (with ``count_tokens``), Google Gemini (``generateContent``,
    ``streamGenerateContent``, ``countTokens``), embeddings and ``/v1/models``, and on the same
    URL Amazon Bedrock, Vertex AI, Azure OpenAI and Ollama; structured
    output is answered from the request's JSON Schema. Agents started afterwards (``Run
    Process``, `Run Agent`) find it through the environment it exports:

    | =Variable= | =Value= |
    | ``MOCK_LLM_URL`` | ``http://127.0.0.1:PORT`` |
    | ``OPENAI_BASE_URL`` | ``http://127.0.0.1:PORT/v1`` |
    | ``ANTHROPIC_BASE_URL``, ``GOOGLE_GEMINI_BASE_URL`` | ``http://127.0.0.1:PORT`` |
    | ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``, ``ANTHROPIC_BEDROCK_BASE_URL`` | ``http://127.0.0.1:PORT`` |
    | ``AZURE_OPENAI_ENDPOINT``, ``OLLAMA_HOST``, ``GOOGLE_VERTEX_BASE_URL`` | ``http://127.0.0.1:PORT`` |
    | ``ANTHROPIC_VERTEX_BASE_URL`` | ``http://127.0.0.1:PORT/v1`` |
    | ``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ``GEMINI_API_KEY``, ``GOOGLE_API_KEY`` | fixture keys |
    | ``AZURE_OPENAI_API_KEY``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` | fixture keys |
    | ``AWS_REGION``, ``OPENAI_API_VERSION``, ``GOOGLE_CLOUD_PROJECT``, ``CLOUD_ML_REGION`` ... | fixture values |
    | ``ANTHROPIC_AUTH_TOKEN``, ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID`` | unset |
    | ``AWS_SESSION_TOKEN``, ``AWS_PROFILE``, ``AWS_BEARER_TOKEN_BEDROCK``, ``AZURE_OPENAI_AD_TOKEN`` | unset |

    The documentation site's reference page "Environment variables" (``docs/reference/environment.md``) lists
    every value, what each cloud client needs besides, and what every other mock exports.

    `Stop Mock LLM` (or the end of the suite that started the mock) puts back exactly what was there.

    = Scenarios =

    A scenario is a YAML file of rules, checked in order; the first whose ``when`` holds
    answers. Conditions: ``protocol``, ``provider``, ``model``, ``model_matches``,
    ``user_text_contains``, ``user_text_matches`` (what the user typed, without the blocks an agent
    harness injects), ``turn_text_contains``, ``turn_text_matches`` (the latest turn, harness blocks
    included), ``system_contains``, ``tool_offered``,
    ``tool_result``, ``tool_result_contains``, ``tool_call_id``, ``turn``. Replies: ``text``,
    ``tool_calls``, ``json``, ``usage``, ``stop_reason`` or ``error``; ``sequence:`` gives one
    reply per call. Every error names the file, line, key and fix. `Reply With Text`, `Reply
    With Tool Call`, `Reply With JSON`, `Reply With Error` and `Add LLM Rule` say the same from
    keywords, for the current test (or suite, in a suite setup). ``docs/reference/formats.md`` lists every key.

    = Strict mode =

    With a scenario file, a request no rule matches gets a provider-shaped 400, and the test
    fails at its end with the closest rule and why it did not match, even if the agent
    swallowed the error. ``strict: false`` (or ``strict=False``) answers with the default reply.

    = Faults and resilience =

    `Inject LLM Fault` (or a scenario's ``faults:``) breaks matching requests: errors in the
    provider's shape with ``retry-after``, latency, stream pacing, cut streams, malformed
    bodies, bounded hangs, WebSocket closes; on the Nth call, N times then recover, or with a
    seeded probability. Faults and their counters are scoped to the test. `Agent Should Have
    Retried`, `Agent Should Have Honoured Retry After` and the other verdicts judge the agent
    from the journal's timestamps and name the observed numbers when they fail.
    ``misbehave=NAME`` makes the model answer badly instead (a refusal, a content filter, a
    cut answer or tool call, arguments that do not parse, an undeclared tool, duplicate call ids,
    an empty or reasoning-only answer) in each wire format's shape; `Agent Should Not Have
    Executed Malformed Tool Call` and `Agent Should Not Have Looped On Refusal` judge the agent.

    = Journal and evidence =

    Every request is journaled; credentials are masked whenever an entry leaves the journal.
    `Mock LLM Should Have Received`, `Mock LLM Should Have Requested Tool`, `Tool Result Should
    Have Been Sent` and `Get LLM Requests` look at the current test's requests. After each test
    its requests are written to ``${OUTPUT DIR}/agenttest-evidence/`` and linked from the log.

    = MCP servers =

    `Start Mock MCP Server` starts a mock MCP server (JSON-RPC 2.0 over streamable HTTP on
    ``http://127.0.0.1:PORT/mcp``, or stdio through ``agenttest mcp relay``) from a
    scenario's ``mcp_servers`` section: tools with ``inputSchema`` (and ``outputSchema``),
    rules on the tool and its ``arguments`` (equals, ``contains``, ``matches``), replies with
    text, content, structured content, ``is_error`` or a JSON-RPC ``error``, resources,
    prompts, faults. Strict by default: an undeclared tool, arguments outside the schema or a
    call no rule answers fail the test at its end with the near miss. `Install MCP Server
    Config` writes Claude Code's, Codex's or Gemini CLI's own MCP configuration; `MCP Tool
    Should Have Been Called` and `Get MCP Requests` read the journal; `Inject MCP Fault` breaks
    calls (HTTP status, JSON-RPC error, ``isError``, latency, cut SSE, malformed JSON, session
    expiry, server exit).

    | Start Mock MCP Server    name=tools    scenario=${CURDIR}/scenarios/mcp_flow.yaml
    | Install MCP Server Config    claude-code    server=tools
    | Run Agent    please search the docs
    | MCP Tool Should Have Been Called    search    query=mcp

    = A2A agents =

    `Start Mock A2A Agent` starts a mock remote agent (Agent2Agent protocol) from a scenario's
    ``a2a_agents`` section: an agent card at ``/.well-known/agent-card.json``, A2A 1.0
    (``SendMessage`` ...) and 0.3 (``message/send`` ...) JSON-RPC on one endpoint, rules on the
    message's ``text``, ``data``, ``file``, ``metadata`` and the ``task_state`` it continues,
    replies that are a message or a task passing through ``states`` (``input-required`` waits
    for the next message) with ``artifacts``, SSE streams, push notifications to loopback URLs.
    Strict by default. `Inject A2A Fault` breaks calls (HTTP status, latency, cut or malformed
    stream, ``rpc_error``, ``fail_task``, ``expire_task``); `A2A Agent Should Have Received`
    and `Get A2A Requests` read the journal.

    | ${url}=    Start Mock A2A Agent    researcher    scenario=${CURDIR}/scenarios/a2a_flow.yaml
    | Run Process    python    agent.py    --a2a    researcher=${url}    research MCP
    | A2A Agent Should Have Received    researcher    text_contains=sources

    = Services, webhooks and AWS =

    `Start Mock Service` serves a route file (path templates, conditions, replies with
    templates, in-memory collections, ``link``, ``cursor``, ``token`` or ``offset`` pagination,
    signature checks) or a preset (``github``, ``slack``) and exports ``AGENTTEST_<NAME>_URL``;
    strict by default. `Inject Service Fault` breaks a route, a method, a path or page N;
    `Service Should Have Received` checks ``json.field=value``. `Deliver Webhook` signs as
    GitHub, Slack, Stripe or Standard Webhooks do (valid, invalid, stale, missing) and
    redelivers on 5xx. `Start Mock AWS` runs moto behind the same faults and journal
    (``AWS_ENDPOINT_URL``), with real paginator pages (`Inject AWS Fault` ``page=3``).

    | ${github}=    Start Mock Service    github    routes=github
    | Inject Service Fault    github    route=add labels    status=500    times=1
    | Deliver Webhook    ${AGENT}/webhook    github    issues    payload=${PAYLOAD}    secret=${SECRET}
    | Service Should Have Received    github    POST    /repos/acme/app/issues/7/labels    json.labels.0=bug

    = Sealed network =

    `Seal Agent Network` starts an egress proxy on loopback for agents started afterwards and
    exports ``HTTPS_PROXY``, ``SSL_CERT_FILE`` and the other variables clients read, with a CA of
    its own: model provider hosts reach the mock LLM, ``api.github.com`` a github-preset service,
    ``*.amazonaws.com`` mock AWS, over verified TLS; `Route Host To Mock` adds hosts; every other
    host is refused and recorded. `Network Should Have Stayed Sealed` fails naming each refused
    host; `Get Network Attempts` returns every attempt.

    | Seal Agent Network
    | Run Process    python    agent.py    List the files
    | Network Should Have Stayed Sealed

    = Cassettes =

    `Use LLM Cassettes` replays one YAML cassette per test, recorded once from the real
    provider (``record_mode``), with keys scrubbed before anything touches disk.

    = Fake CLIs =

    `Create Fake CLI` puts a generated shell shim first on ``PATH`` for child processes; its
    rules answer, every call is recorded; `Fake CLI Should Have Been Called` and friends assert.

    = Hooks =

    `Install Hooks Bridge` writes an agent's real hook configuration so every hook calls
    ``agenttest hook``; `Make Hook Block` blocks a tool; `Assert Hooks Phase` checks phases.

    = Runtimes =

    `Load Runtime Registry`, `Switch Runtime` and `Run Agent` switch an agent between runtimes
    the real way; `Install Agent CLIs` installs the pinned Claude Code, Codex, Gemini CLI, pi and opencode.

    = Live lane =

    Every test declares ``lane:no-model`` or ``lane:model-backed``. Tests tagged ``live`` skip
    with "RUN_LIVE_TESTS not set" unless ``RUN_LIVE_TESTS`` is true. `Require Credential Or
    Skip` skips (never fails) without a credential; a live test that failed because the network
    is sealed becomes a skip with the egress diagnosis (`Diagnose Egress`). Values from the
    environment or ``.env.live`` are masked in output.xml, log.html, journals and evidence.
    ``USE_REAL_LLM`` makes `Start Mock LLM` point agents at the real providers instead.

    = Credential files =

    `Write Credential File` writes a credential into the file a tool insists on
    (``GOOGLE_APPLICATION_CREDENTIALS``, ``AWS_SHARED_CREDENTIALS_FILE`` ...): mode 0600,
    outside ``${OUTPUT DIR}``, masked, and removed with the variable at the end of the test
    or suite, also when it fails or Robot is interrupted.

    = Quarantine =

    A test tagged ``quarantine``, ``owner:NAME`` and ``fix-by:YYYY-MM-DD`` still runs; until
    its fix-by date its failure is reported as SKIP (the library's listener does it, with any
    ``robot`` or ``pabot`` command), its message names owner and date, and a warning lists it
    in the log. Without owner or date, or past the date, the failure counts.
    ``agenttest lanes check`` rejects such tags; ``agenttest lanes summary OUTPUT.xml`` lists
    the quarantined tests of a run.

    | Flaky Upstream Pagination
    |     [Tags]    lane:no-model    quarantine    owner:alice    fix-by:2027-01-31
    |     Run Example Agent    List every page

    = Parallel runs =

    Each pabot worker has its own library instance and its own mocks on ports the OS picks
    (``port=0``), so workers never collide or share state (``base_port`` for fixed ports).

    = Security =

    The agent under test, web pages in a browser on the machine, scenario and cassette files
    and every byte on the wire are untrusted. The admin API (``/__agenttest/``) needs a
    per-mock token the agent never sees (`Get Mock LLM Admin Token`); requests through
    non-loopback Host names or with a foreign ``Origin`` are refused; sizes, times and
    connections are bounded. ``docs/reference/security.md`` lists every guarantee and limit.

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
        # Scopes start in this order and end in the reverse one: the transcript is written first (every mock's
        # entries still at hand), the live lane judges a test, then the quarantine, last; MCP servers end after
        # hooks, so agent config entries come out after the hook files are put back.
        llm = MockLLMKeywords(self.ctx)
        runtimes = RuntimeKeywords(self.ctx, llm)
        mcp = McpKeywords(self.ctx, runtimes)
        services = ServiceKeywords(self.ctx)
        instances = [
            QuarantineKeywords(self.ctx),
            LiveKeywords(self.ctx),
            CredentialKeywords(self.ctx),
            llm,
            mcp,
            McpAssertionKeywords(self.ctx, mcp),
            services,
            AwsKeywords(self.ctx),
            A2AKeywords(self.ctx),
            CassetteKeywords(self.ctx, llm, services, mcp),
            RuleKeywords(self.ctx, llm),
            JournalKeywords(self.ctx, llm),
            FaultKeywords(self.ctx, llm),
            ResilienceKeywords(self.ctx, llm),
            FakeCliKeywords(self.ctx),
            HookKeywords(self.ctx),
            runtimes,
            AgentKeywords(self.ctx),
            AgentServerKeywords(self.ctx),
            ScoreKeywords(self.ctx, llm),
            TranscriptKeywords(self.ctx),
            SealedNetworkKeywords(self.ctx, llm),
        ]
        DynamicCore.__init__(self, instances)
        mark_positional_only(self.keywords, self.keywords_spec)
        self.ROBOT_LIBRARY_LISTENER = LibraryListener(self.ctx, instances)


def mark_positional_only(keywords: Mapping[str, Callable[..., Any]], specs: Mapping[str, Any]) -> None:
    """Puts the ``/`` Robot Framework's dynamic API takes after a keyword's positional-only parameters (PythonLibCore
    leaves it out), so ``name=`` reaches the keyword's free named arguments: in
    `Inject Service Fault    github    name=labels down` it names the fault, not the service."""
    for name, function in keywords.items():
        parameters = inspect.signature(function).parameters.values()
        count = sum(parameter.kind is inspect.Parameter.POSITIONAL_ONLY for parameter in parameters)
        if count:
            specs[name].argument_specification.insert(count, "/")
