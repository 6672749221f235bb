"""Record and replay: one cassette per test, opened before the test and written after it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from robot.api import logger
from robot.api.deco import keyword

from ..cassettes.options import DEFAULT_MATCH, DEFAULT_MAX_REQUESTS, MATCH_FIELDS, RECORD_MODES, RecordMode
from ..errors import CassetteError, NameClashError, SkipTest
from ..live import gate
from ..naming import per_test_file, slug
from ..report.tables import preformatted
from ..version import __version__
from .context import LibraryContext
from .mock_llm import RunningLLM, UsesMockLLM, mock_only
from .scopes import Scope, TestReport, Verdict

if TYPE_CHECKING:  # the recorder (and httpx) load when a test opens a cassette
    from ..cassettes.session import CassetteSession

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


class CassetteKeywords(UsesMockLLM):
    """Each test gets its own cassette: opened when it starts, written (if anything was recorded) when it ends."""

    def _mocks(self, of_test: bool) -> list[RunningLLM]:
        served = self.llm.of_test(None) if of_test else list(self.llm.servers.values())
        return [mock for mock in served if isinstance(mock, RunningLLM)]

    def start_scope(self, scope: Scope) -> Verdict | None:
        if scope.kind != "test":
            return None
        verdicts = [open_cassette(self.ctx, mock, scope) for mock in self._mocks(of_test=False)]
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
        mode = os.environ.get(RECORD_MODE_VARIABLE) or record_mode
        fields = tuple(name.strip() for name in match_on.split(",") if name.strip())
        problems = []
        if mode not in RECORD_MODES:  # the variable is free text; the argument Robot already checked
            problems.append(f"{RECORD_MODE_VARIABLE} must be one of {', '.join(RECORD_MODES)}; got {mode!r}")
        if not fields or any(name not in MATCH_FIELDS for name in fields):
            problems.append(f"match_on takes fields from {', '.join(MATCH_FIELDS)}; got {match_on!r}")
        if problems:
            raise CassetteError("Use LLM Cassettes: " + "; ".join(problems) + ".")
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


def open_cassette(ctx: LibraryContext, mock: RunningLLM, scope: Scope) -> Verdict | None:
    """Load the test's cassette into the mock; say whether the test must skip or fail first."""
    from ..cassettes.session import CassetteSession

    config = mock.cassettes
    if config is None:
        return None
    suite, test, source = scope.suite_name, scope.short_name, scope.source
    live = gate.live_enabled()
    try:
        path = ctx.names.claim(per_test_file(config.directory, suite, test, ".yaml"), f"{suite}.{test}")
        session = CassetteSession(
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
    except (CassetteError, NameClashError) as error:
        return Verdict("fail", str(error))
    rerecord = _rerecord_command(session, mock, test, source)
    if session.records_from_real_providers:
        present = [name for name in gate.PROVIDER_CREDENTIALS if mock.real_credentials.get(name)]
        if not gate.live_enabled() or not present:
            return Verdict("skip", f"Recording cassette {path} needs {gate.MASTER_GATE}=true and a provider key.")
    if session.existed and config.max_age_days is not None and config.mode != "all":
        age = session.cassette.age().total_seconds() / 86400
        if age > config.max_age_days:
            message = (
                f"Cassette {path} was recorded {age:.0f} days ago, more than max_age_days={config.max_age_days:g}. "
                f"Re-record it: {rerecord}"
            )
            if config.on_stale == "fail":
                return Verdict("fail", message)
            logger.warn(message)
    mock.app.tape = mock.tape = session
    mock.rerecord_hint = rerecord
    return None


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


def _rerecord_command(session: CassetteSession, mock: RunningLLM, test: str, source: str) -> str:
    """The command that records this cassette again, with every variable the recording depends on."""
    command = f"{RECORD_MODE_VARIABLE}=all robot --test '{test}' {_relative(source)}"
    if not session.records_from_real_providers:
        upstreams = ", ".join(f"{name} {url}" for name, url in session.configured_upstreams.items())
        return f"{command}  (upstreams as when recorded: {upstreams or 'none'})"
    keys = [name for name in gate.PROVIDER_CREDENTIALS if mock.real_credentials.get(name)] or ["a provider key"]
    return f"{gate.MASTER_GATE}=true {command}  (with {' or '.join(keys)} set)"


def _relative(source: str) -> str:
    try:
        return os.path.relpath(source)
    except ValueError:
        return source
