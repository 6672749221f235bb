"""Record and replay: one cassette per test, opened before the test and written after it."""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from robot.api import logger
from robot.api.deco import keyword

from ..cassettes.options import (
    DEFAULT_MATCH,
    DEFAULT_MAX_REQUESTS,
    MATCH_FIELDS,
    MCP_MATCH,
    MCP_MATCH_FIELDS,
    RECORD_MODES,
    SERVICE_MATCH,
    SERVICE_MATCH_FIELDS,
    RecordMode,
)
from ..errors import CassetteError, NameClashError, SkipTest
from ..live import gate
from ..naming import per_test_file, slug
from ..report.tables import preformatted
from ..version import __version__
from .context import LibraryContext
from .mcp import McpKeywords
from .mock_llm import RunningLLM, UsesMockLLM, mock_only
from .scopes import Scope, TestReport, Verdict
from .services import ServiceKeywords

if TYPE_CHECKING:  # the recorder (and httpx) load when a test opens a cassette
    from ..cassettes.recording import Recording

RECORD_MODE_VARIABLE = "AGENTTEST_RECORD_MODE"


@dataclass(frozen=True)
class CassetteConfig:
    directory: Path
    mode: str
    max_age_days: float | None = None
    on_stale: str = "fail"
    match_on: tuple[str, ...] = DEFAULT_MATCH
    replay_timing: bool = False
    upstreams: dict[str, str] = field(default_factory=dict)


@dataclass
class ServedCassettes:
    """A mock service's or MCP server's cassettes: where and how (``config``, ``create`` opens one), the server,
    and the current test's cassette."""

    kind: str  # how messages name the server: "mock service", "mock MCP server"
    name: str
    app: Any  # the MockService or MockMCP
    servers: dict[str, Any]  # the running servers of its kind, by name (a stopped one forgets its cassettes)
    config: CassetteConfig
    create: Callable[[Path], Recording]
    tape: Recording | None = None
    rerecord_hint: str = ""


class CassetteKeywords(UsesMockLLM):
    """Each test gets its own cassette: opened when it starts, written (if anything was recorded) when it ends."""

    def __init__(self, ctx: LibraryContext, llm: Any, services: ServiceKeywords, mcp: McpKeywords) -> None:
        super().__init__(ctx, llm)
        self.services = services
        self.mcp = mcp
        self.served_cassettes: dict[tuple[str, str], ServedCassettes] = {}

    def _taped_servers(self) -> list[ServedCassettes]:
        """The servers with cassettes that still run (a stopped or restarted server forgets its cassettes)."""
        for key, taped in list(self.served_cassettes.items()):
            served = taped.servers.get(taped.name)
            if served is None or served.app is not taped.app:
                del self.served_cassettes[key]
        return list(self.served_cassettes.values())

    def _use(self, taped: ServedCassettes, what: str) -> None:
        """Keep ``taped`` for the tests to come; inside a test its cassette opens now."""
        self.served_cassettes[(taped.kind, taped.name)] = taped
        config = taped.config
        logger.info(f"{taped.kind.capitalize()} '{taped.name}': cassettes from {config.directory}, {what}, "
                    f"record_mode={config.mode}, matching on {', '.join(config.match_on)}.")  # fmt: skip
        test = self.ctx.current_test_scope
        verdict = open_served_cassette(self.ctx, taped, test) if test else None
        if verdict is not None and verdict.action == "skip":
            raise SkipTest(verdict.message)
        if verdict is not None:
            raise CassetteError(verdict.message)

    def _mocks(self, of_test: bool) -> list[RunningLLM]:
        served = self.llm.of_test(None) if of_test else list(self.llm.servers.values())
        return [mock for mock in served if isinstance(mock, RunningLLM)]

    def start_scope(self, scope: Scope) -> Verdict | None:
        if scope.kind != "test":
            return None
        verdicts = [open_cassette(self.ctx, mock, scope) for mock in self._mocks(of_test=False)]
        verdicts += [open_served_cassette(self.ctx, taped, scope) for taped in self._taped_servers()]
        return next((verdict for verdict in verdicts if verdict is not None), None)

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        if report is None:
            return
        for mock in self._mocks(of_test=True):
            if mock.tape is not None:
                report.upstream_failures.extend(failure.url for failure in mock.tape.upstream_failures)
                for error in mock.tape.upstream_errors:
                    report.fail(f"the recording captured an upstream error, {error}. Check the upstream: a base URL "
                                "is given without /v1 (e.g. http://127.0.0.1:8000, not .../v1).")  # fmt: skip
            written = close_cassette(mock)
            if written:
                logger.info(f"Cassette recorded: {written}")
        for taped in list(self.served_cassettes.values()):  # a server stopped during the test keeps its recording
            if taped.tape is not None:
                report.upstream_failures.extend(failure.url for failure in taped.tape.upstream_failures)
            written = close_served_cassette(taped)
            if written:
                logger.info(f"Cassette of {taped.kind} '{taped.name}' recorded: {written}")
        if report.upstream_failures and "live" not in scope.tags:
            upstreams = ", ".join(dict.fromkeys(report.upstream_failures))
            report.fail(f"recording failed: the upstream {upstreams} could not be reached.")

    @keyword("Use LLM Cassettes")
    @mock_only
    def use_llm_cassettes(
        self,
        directory: str,
        record_mode: RecordMode = "none",
        *,
        max_age_days: float | None = None,
        on_stale: Literal["fail", "warn"] = "fail",
        match_on: str = ",".join(DEFAULT_MATCH),
        replay_timing: bool = False,
        upstream_openai: str | None = None,
        upstream_anthropic: str | None = None,
        upstream_gemini: str | None = None,
        upstream_bedrock: str | None = None,
        upstream_azure: str | None = None,
        upstream_vertex: str | None = None,
        upstream_ollama: str | None = None,
    ) -> None:
        """Answers provider requests from one cassette per test: ``directory/<suite>/<test>.yaml``.

        ``record_mode`` (overridden by the ``AGENTTEST_RECORD_MODE`` variable, handy to re-record):
        ``none`` replays only and an unmatched request is a strict failure; ``once`` records a
        missing cassette; ``new_episodes`` replays what matches and records the rest; ``all``
        records everything afresh. Recording proxies to the real providers (or the given
        ``upstream_*`` base URLs) with the real keys from the environment, never from a file,
        and needs ``RUN_LIVE_TESTS`` and credentials unless every upstream is on loopback;
        otherwise the test skips. Keys are stripped and scrubbed before anything is written.

        ``max_age_days`` with ``on_stale=fail|warn`` rejects stale cassettes with the command to
        re-record. ``match_on`` picks the request fields compared on replay (``protocol``,
        ``model``, ``system``, ``messages``, ``tools``); ids and metadata never count.
        ``replay_timing`` replays streams with their recorded pacing.

        The cloud endpoints record too: Bedrock (signed with the real ``AWS_ACCESS_KEY_ID`` /
        ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``, region ``AWS_REGION``), Azure OpenAI
        (``AZURE_OPENAI_API_KEY``; ``upstream_azure`` is your resource's endpoint and must be given),
        Vertex AI (a bearer token from ``GOOGLE_OAUTH_ACCESS_TOKEN``; the location's regional host)
        and Ollama (``http://127.0.0.1:11434`` unless ``upstream_ollama``); their streams are kept in
        their own framing (AWS event-stream messages, JSON lines).

        Example:
        | Suite Setup    Run Keywords    Start Mock LLM    AND    Use LLM Cassettes    ${CURDIR}/cassettes
        """
        mode, fields = cassette_settings("Use LLM Cassettes", record_mode, match_on, MATCH_FIELDS)
        upstreams = {
            name: url
            for name, url in (
                ("openai", upstream_openai),
                ("anthropic", upstream_anthropic),
                ("gemini", upstream_gemini),
                ("bedrock", upstream_bedrock),
                ("azure", upstream_azure),
                ("vertex", upstream_vertex),
                ("ollama", upstream_ollama),
            )
            if url
        }
        mock = self.mock()
        mock.cassettes = CassetteConfig(Path(directory), mode, max_age_days, on_stale, fields, replay_timing, upstreams)
        logger.info(f"Cassettes from {directory}, record_mode={mode}, matching on {', '.join(fields)}.")
        test = self.ctx.current_test_scope
        verdict = open_cassette(self.ctx, mock, test) if test else None  # inside a test: its cassette opens now
        if verdict is not None and verdict.action == "skip":
            raise SkipTest(verdict.message)
        if verdict is not None:
            raise CassetteError(verdict.message)

    @keyword("Use Service Cassettes")
    def use_service_cassettes(
        self,
        name: str,
        directory: str,
        upstream: str,
        record_mode: RecordMode = "none",
        *,
        max_age_days: float | None = None,
        on_stale: Literal["fail", "warn"] = "fail",
        match_on: str = ",".join(SERVICE_MATCH),
    ) -> None:
        """Mock service ``name`` answers from one cassette per test, ``directory/<suite>/<test>.yaml``, recorded
        from the real REST API at ``upstream`` (a base URL) through the mock.

        The modes, ``AGENTTEST_RECORD_MODE``, ``max_age_days`` with ``on_stale`` and the near-miss report of
        an unmatched request are those of `Use LLM Cassettes`. While a cassette is in use it answers
        instead of the service's routes (faults do not apply to its answers). Recording forwards the
        agent's request as it came, its own token included, to ``upstream`` + path + query, and
        needs ``RUN_LIVE_TESTS=true`` unless ``upstream`` is on loopback (otherwise the test skips).
        Nothing secret is written: credential headers (``Authorization``, cookies, ``Set-Cookie``,
        API-key headers) are dropped, the ``access_token``, ``token`` and ``key`` query parameters read
        ``<scrubbed>``, their values join the secret registry (masked in the journal, evidence and
        log too), and known values and key shapes are scrubbed from bodies and headers. The
        upstream's URL in answers (``Link``, ``url`` fields) becomes the mock's on replay.
        ``match_on``: the request fields compared on replay, from ``method``, ``path``, ``query``,
        ``body``. Give each service its own ``directory`` (one cassette file per test each).
        ``agenttest cassette to-routes FILE`` turns a cassette into an editable route file.

        Example:
        | Start Mock Service    github
        | Use Service Cassettes    github    ${CURDIR}/cassettes/github    upstream=https://api.github.com
        """
        mode, fields = cassette_settings(f"Use Service Cassettes {name}", record_mode, match_on, SERVICE_MATCH_FIELDS,
                                         upstream=upstream)  # fmt: skip
        app = self.services.served(name).app
        config = CassetteConfig(Path(directory), mode, max_age_days, on_stale, fields, upstreams={"service": upstream})
        from ..cassettes.service import ServiceCassette

        def create(path: Path) -> ServiceCassette:
            return ServiceCassette(path, mode, self.ctx.secrets, upstream, match_on=fields)

        self._use(ServedCassettes("mock service", name, app, self.services.servers, config, create),
                  f"upstream {upstream}")  # fmt: skip

    @keyword("Use MCP Cassettes")
    def use_mcp_cassettes(
        self,
        name: str,
        directory: str,
        upstream: str | None = None,
        record_mode: RecordMode = "none",
        *,
        upstream_command: list[str] | str | None = None,
        max_age_days: float | None = None,
        on_stale: Literal["fail", "warn"] = "fail",
        match_on: str = ",".join(MCP_MATCH),
    ) -> None:
        """Mock MCP server ``name`` answers from one cassette per test, ``directory/<suite>/<test>.yaml``, recorded
        from a real MCP server through the mock: ``upstream`` (its streamable HTTP URL, e.g.
        ``http://127.0.0.1:8000/mcp``) or ``upstream_command`` (the command line that starts it on
        stdio, a list or a string split like a shell's).

        The cassette holds the JSON-RPC requests the agent sent (``initialize``, ``tools/list``,
        ``tools/call``, ``resources/*``, ``prompts/*`` ...) and the real server's results or errors;
        the mock keeps its own transport (sessions, JSON or SSE, the stdio relay), so a server
        recorded over stdio replays over HTTP and the other way round. While a cassette is in use
        the server answers from it instead of its declared tools and speaks the handshake
        revisions (``server/discover`` is declined, so clients send ``initialize``); faults still
        apply. Modes, ``AGENTTEST_RECORD_MODE``, expiry and
        near-miss reports as in `Use LLM Cassettes`; ``match_on`` from ``method``, ``params``.
        Recording opens one session with the real server per test; over HTTP the agent's
        credential headers go with each request (their values masked everywhere, never written),
        and a non-loopback ``upstream`` needs ``RUN_LIVE_TESTS=true``. Requests the real server
        sends mid-call (sampling, elicitation) are declined. ``agenttest cassette to-scenario FILE
        --name NAME`` turns a cassette into an editable mock MCP server.

        Example:
        | Start Mock MCP Server    docs
        | Use MCP Cassettes    docs    ${CURDIR}/cassettes/docs    upstream_command=npx -y @acme/docs-mcp
        """
        command = shlex.split(upstream_command) if isinstance(upstream_command, str) else upstream_command
        one = "" if (upstream is None) != (not command) else "give the real server as upstream=URL or " \
              "upstream_command=COMMAND, one of them"  # fmt: skip
        mode, fields = cassette_settings(f"Use MCP Cassettes {name}", record_mode, match_on, MCP_MATCH_FIELDS,
                                         upstream=upstream, missing=one)  # fmt: skip
        app = self.mcp.served(name).app
        config = CassetteConfig(Path(directory), mode, max_age_days, on_stale, fields,
                                upstreams={"mcp": upstream or shlex.join(command or [])})  # fmt: skip
        from ..cassettes.mcp import McpCassette

        def create(path: Path) -> McpCassette:
            return McpCassette(path, mode, self.ctx.secrets, upstream=upstream, upstream_command=command,
                               match_on=fields)  # fmt: skip

        self._use(ServedCassettes("mock MCP server", name, app, self.mcp.servers, config, create),
                  f"upstream {config.upstreams['mcp']}")  # fmt: skip

    @keyword("Cassettes Should Match The Providers")
    def cassettes_should_match_the_providers(
        self,
        *paths: str,
        max_requests: int = DEFAULT_MAX_REQUESTS,
        upstream_openai: str | None = None,
        upstream_anthropic: str | None = None,
        upstream_gemini: str | None = None,
        upstream_bedrock: str | None = None,
        upstream_azure: str | None = None,
        upstream_vertex: str | None = None,
        upstream_ollama: str | None = None,
    ) -> None:
        """Re-sends each recorded request of the cassettes at ``paths`` to its real provider; fails on shape drift.

        The same check as ``agenttest cassette verify``, for the nightly run's log: one request
        per episode (at most ``max_requests``), the answers' shape (status, media type, JSON
        structure, stream event types) compared with the recording, content differences
        ignored. It skips without ``RUN_LIVE_TESTS``, and when nothing could be verified (no
        key for any provider, a blocked network: the reasons are in the message). The report
        is logged and written to ``${OUTPUT DIR}/agenttest-drift/<test>.json``; nothing in it
        holds a key. ``upstream_*`` send a provider's requests elsewhere (a stand-in).

        Example:
        | Cassettes Should Match The Providers    ${CURDIR}/../e2e/cassettes
        """
        if not paths:
            raise CassetteError("Cassettes Should Match The Providers: name the cassette folder(s) or file(s) to "
                                "verify.")  # fmt: skip
        self.ctx.ensure_live_environment()
        given = (("openai", upstream_openai), ("anthropic", upstream_anthropic), ("gemini", upstream_gemini),
                 ("bedrock", upstream_bedrock), ("azure", upstream_azure), ("vertex", upstream_vertex),
                 ("ollama", upstream_ollama))  # fmt: skip
        upstreams = {name: url for name, url in given if url}
        from ..cassettes.verify import verify

        result = verify(paths, os.environ, self.ctx.secrets, upstreams=upstreams, max_requests=max_requests)
        text = self.ctx.secrets.mask_text(result.text())
        logger.info(preformatted(text), html=True)
        owner = self.ctx.current_test or self.ctx.current_suite or "cassette-verify"
        target = self.ctx.names.claim(self.ctx.output_dir / "agenttest-drift" / f"{slug(owner)}.json", owner)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.ctx.secrets.mask_text(json.dumps(result.to_dict(), indent=2)), encoding="utf-8")
        if result.skipped or all(episode.status == "skipped" for episode in result.episodes):
            raise SkipTest(result.skipped or "No episode could be verified: " + "; ".join(
                dict.fromkeys(episode.note for episode in result.episodes)))  # fmt: skip
        if result.drifted:
            raise AssertionError(f"The providers drifted from the cassettes:\n{text}")


def cassette_settings(keyword: str, record_mode: str, match_on: str, known_fields: tuple[str, ...], *,
                      upstream: str | None = None, missing: str = "") -> tuple[str, tuple[str, ...]]:  # fmt: skip
    """The record mode (``AGENTTEST_RECORD_MODE`` first) and ``match_on`` fields a `Use ... Cassettes` call gives,
    its ``upstream`` checked (``missing``: what is wrong with how the upstream was given, if anything); one
    CassetteError naming ``keyword`` and every problem."""
    from ..cassettes.service import check_upstream

    mode = os.environ.get(RECORD_MODE_VARIABLE) or record_mode
    fields = tuple(item.strip() for item in match_on.split(",") if item.strip())
    problems = []
    if mode not in RECORD_MODES:  # the variable is free text; the argument Robot already checked
        problems.append(f"{RECORD_MODE_VARIABLE} must be one of {', '.join(RECORD_MODES)}; got {mode!r}")
    if not fields or any(item not in known_fields for item in fields):
        problems.append(f"match_on takes fields from {', '.join(known_fields)}; got {match_on!r}")
    if missing:
        problems.append(missing)
    elif upstream is not None:
        try:
            check_upstream(upstream)
        except ValueError as error:
            problems.append(str(error).rstrip("."))
    if problems:
        raise CassetteError(f"{keyword}: " + "; ".join(problems) + ".")
    return mode, fields


def open_recording(ctx: LibraryContext, config: CassetteConfig, scope: Scope, owner: str, *,
                   create: Callable[[Path], Recording], real_ready: bool, needs: str,
                   rerecord: Callable[[Recording], str]) -> tuple[Recording, str] | Verdict:  # fmt: skip
    """The test's cassette file opened by ``create``; or whether the test must skip (recording beyond loopback
    without ``real_ready``: the message says it ``needs`` ...) or fail (a clash, a bad file, a stale cassette)."""
    suite, test = scope.suite_name, scope.short_name
    try:
        path = ctx.names.claim(per_test_file(config.directory, suite, test, ".yaml"), f"{suite}.{test}{owner}")
        session = create(path)
    except CassetteError as error:
        return Verdict("fail", str(error))
    except NameClashError as error:
        hint = " If two mocks share a cassette directory, give each its own." if owner else ""
        return Verdict("fail", f"{error}{hint}")
    command = rerecord(session)
    if session.records_from_real_providers and not real_ready:
        return Verdict("skip", f"Recording cassette {path} needs {needs}.")
    if session.existed and config.max_age_days is not None and config.mode != "all":
        age = session.cassette.age().total_seconds() / 86400
        if age > config.max_age_days:
            message = (
                f"Cassette {path} was recorded {age:.0f} days ago, more than max_age_days={config.max_age_days:g}. "
                f"Re-record it: {command}"
            )
            if config.on_stale == "fail":
                return Verdict("fail", message)
            logger.warn(message)
    return session, command


def open_cassette(ctx: LibraryContext, mock: RunningLLM, scope: Scope) -> Verdict | None:
    """Load the test's cassette into the mock; say whether the test must skip or fail first."""
    from ..cassettes.session import CassetteSession

    config = mock.cassettes
    if config is None:
        return None
    live = gate.live_enabled()

    def create(path: Path) -> CassetteSession:
        return CassetteSession(
            path,
            config.mode,
            ctx.secrets,
            # Real keys go upstream only under the documented opt-in, even to a loopback upstream.
            credentials=mock.real_credentials if live else {},
            upstreams=config.upstreams,
            match_on=config.match_on,
            replay_timing=config.replay_timing,
            allow_real_upstreams=live and any(mock.real_credentials.values()),
        )

    keys = [name for name in gate.PROVIDER_CREDENTIALS if mock.real_credentials.get(name)]
    hint = keys or ["a provider key"]
    opened = open_recording(ctx, config, scope, "", create=create, real_ready=live and bool(keys),
                            needs=f"{gate.MASTER_GATE}=true and a provider key",
                            rerecord=lambda session: _rerecord_command(session, hint, scope))  # fmt: skip
    if isinstance(opened, Verdict):
        return opened
    session, mock.rerecord_hint = opened
    assert isinstance(session, CassetteSession)
    mock.app.tape = mock.tape = session
    return None


def open_served_cassette(ctx: LibraryContext, taped: ServedCassettes, scope: Scope) -> Verdict | None:
    """Load the test's cassette into a mock service or MCP server; say whether the test must skip or fail first."""
    opened = open_recording(ctx, taped.config, scope, f" ({taped.kind} {taped.name})", create=taped.create,
                            real_ready=gate.live_enabled(),
                            needs=f"{gate.MASTER_GATE}=true (the upstream is not on loopback)",
                            rerecord=lambda session: _rerecord_command(session, [], scope))  # fmt: skip
    if isinstance(opened, Verdict):
        return opened
    session, taped.rerecord_hint = opened
    taped.app.tape = taped.tape = session
    return None


def close_served_cassette(taped: ServedCassettes) -> Path | None:
    """Detach the test's cassette from its server; write it if anything was recorded. Returns the path written."""
    session, taped.app.tape, taped.tape = taped.tape, None, None
    if session is None:
        return None
    session.close()
    written = session.save(f"recorded with AgentTestLibrary {__version__}; re-record: {taped.rerecord_hint}")
    return session.path if written else None


def close_cassette(mock: RunningLLM) -> Path | None:
    """Detach the test's cassette; write it if anything was recorded. Returns the path written."""
    session, mock.app.tape, mock.tape = mock.tape, None, None
    if session is None:
        return None
    return (
        session.path
        if session.save(f"recorded with AgentTestLibrary {__version__}; re-record: {mock.rerecord_hint}")
        else None
    )


def _rerecord_command(session: Recording, keys: list[str], scope: Scope) -> str:
    """The command that records this cassette again, with every variable the recording depends on."""
    command = f"{RECORD_MODE_VARIABLE}=all robot --test '{scope.short_name}' {_relative(scope.source)}"
    if not session.records_from_real_providers:
        upstreams = ", ".join(session.upstream_labels())
        return f"{command}  (upstreams as when recorded: {upstreams or 'none'})"
    given = f"  (with {' or '.join(keys)} set)" if keys else ""
    return f"{gate.MASTER_GATE}=true {command}{given}"


def _relative(source: str) -> str:
    try:
        return os.path.relpath(source)
    except ValueError:
        return source
