"""The live lane: credential gate, egress diagnosis and bounded retry for model-backed tests."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret
from robot.libraries.BuiltIn import BuiltIn
from robot.running.context import EXECUTION_CONTEXTS

from ..errors import InputError, SecretUnavailable, SkipTest
from ..lanes import NO_MODEL, lane_problems
from ..live import gate
from ..live.retry import MAX_ATTEMPTS, bounded_retry
from .context import LibraryContext
from .scopes import LibraryComponent, Scope, TestReport, Verdict

if TYPE_CHECKING:  # the managers' module loads when a test asks for a secret from one
    from ..live.managers import SecretSources


class LiveKeywords(LibraryComponent):
    """The lanes follow tests: a test breaking its lane's rules fails before it runs, a ``live`` test skips
    without RUN_LIVE_TESTS, and a live test that failed because the network is sealed becomes a diagnostic skip."""

    def __init__(self, ctx: LibraryContext) -> None:
        super().__init__(ctx)
        self.sources: SecretSources | None = None  # what secrets managers gave this run (made on first use)

    def start_scope(self, scope: Scope) -> Verdict | None:
        self.ctx.ensure_live_environment()
        if scope.kind != "test":
            return None
        problems = lane_problems(scope.tags, dict(scope.metadata))
        if problems:
            return Verdict("fail", f"Test '{scope.short_name}' " + "; ".join(problems) + ".")
        if "live" in scope.tags and not gate.live_enabled():
            return Verdict("skip", f"{gate.MASTER_GATE} not set")
        return None

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        if report is not None and "live" in scope.tags and report.failed:
            skip = self._sealed_network_skip(scope, report)
            if skip:
                report.skip(skip)

    def _sealed_network_skip(self, scope: Scope, report: TestReport) -> str:
        """The skip message when a blocked network explains a live test's failure, else ''."""
        from ..live import network

        upstreams = report.upstream_failures
        if not upstreams and not network.looks_like_network_failure(report.message):
            return ""
        credentials = sorted(
            name
            for owner, names in self.ctx.required_credentials.items()
            if scope.name == owner or scope.name.startswith(f"{owner}.")
            for name in names
        )
        urls = upstreams or network.endpoints(report.message, credentials, scope.tags)
        diagnosis = network.blocked(urls, os.environ)
        if diagnosis is None:
            return ""
        lines = report.message.strip().splitlines()
        first_line = lines[0][:300] if lines else ""
        return self.ctx.secrets.mask_text(f"Egress blocked: {diagnosis.summary()} The test failed with: {first_line}")

    @keyword("Require Credential Or Skip")
    def require_credential_or_skip(self, *names: str, **source: str) -> None:
        """Skips the current test, or every test when called in a Suite Setup, unless live tests may run.

        They may when ``RUN_LIVE_TESTS`` is true and every named variable is set (in the
        environment or in the ``.env.live`` seed file). The reason names each missing variable,
        never a value. Each value found is registered as a secret and masked in every log.
        Returns nothing: use `Get Credential` for the value, as a ``Secret``.

        With ``from=SOURCE`` the one variable named is fetched just in time from a secrets
        manager instead, by the manager's own client and credential chain (OIDC workload
        identity in CI, no key in the suite):
        | =Source= | =Reads= |
        | ``vault:secret/data/ci#openai_key`` | HashiCorp Vault KV v2 (KV v1 without ``/data/``), key ``openai_key`` |
        | ``aws-sm:ci/openai#api_key`` | AWS Secrets Manager, key ``api_key`` of the JSON (no ``#``: the string) |
        | ``gcp-sm:projects/p/secrets/openai/versions/latest`` | GCP Secret Manager, the payload (or ``#KEY``) |
        The value is masked the moment it arrives (with its encodings), fetched once per run
        and kept in memory only: it becomes the variable for this process and the processes it
        starts, never a file unless `Write Credential File` writes one. A missing secret, a
        denied request or a manager out of reach skips with the reason (with the egress
        diagnosis of the manager's URL for the last). ``docs/capabilities/live-lane.md`` lists the
        variables each client reads.

        It refuses to run in a teardown (a skip there would mark tests skipped after they ran)
        and fails in a ``lane:no-model`` test, which must never depend on a credential.

        Example:
        | *** Settings ***
        | Suite Setup    Require Credential Or Skip    ANTHROPIC_API_KEY
        |
        | *** Test Cases ***
        | Key From Vault
        |     Require Credential Or Skip    OPENAI_API_KEY    from=vault:secret/data/ci#openai_key
        """
        self._require("Require Credential Or Skip", names, _source_of("Require Credential Or Skip", names, source))

    def _require(self, keyword_name: str, names: tuple[str, ...], source: str | None) -> None:
        if not names:
            raise InputError(f"Name at least one variable, e.g. '{keyword_name}    ANTHROPIC_API_KEY'.")
        context = EXECUTION_CONTEXTS.current
        if context is not None and context.in_teardown:
            raise InputError(
                f"{keyword_name} cannot run in a teardown: a skip there marks tests skipped after they "
                "ran. Call it in Suite Setup or at the start of the test."
            )
        test = self.ctx.current_test_scope
        if test is not None and NO_MODEL in test.tags:
            raise AssertionError(
                f"{keyword_name} in a {NO_MODEL} test: no-model tests must never skip for a missing "
                "key. Move the test to lane:model-backed (tagged live) or remove the credential check."
            )
        self.ctx.ensure_live_environment()
        owner = self.ctx.current_test or self.ctx.current_suite
        self.ctx.required_credentials.setdefault(owner, set()).update(names)
        for name in names:
            self.ctx.secrets.add(os.environ.get(name))
        absent = [] if source else gate.missing(names)
        if not gate.live_enabled():
            also = f" (missing as well: {', '.join(absent)})" if absent else ""
            raise SkipTest(f"{gate.MASTER_GATE} not set{also}")
        if absent:
            raise SkipTest(f"Missing credential(s): {', '.join(absent)}. Export them or put them in .env.live.")
        if source:
            self._fetch(names[0], source)
        logger.info(f"Credentials present: {', '.join(names)}" + (f" (from {source})." if source else "."))

    def _fetch(self, name: str, source: str) -> None:
        """Set ``name`` to the value ``source`` names (fetched once per run, masked on arrival), or skip saying why."""
        from ..live.managers import SecretSources

        if self.sources is None:
            self.sources = SecretSources(self.ctx.secrets)
        try:
            value = self.sources.fetch(source)
        except SecretUnavailable as error:
            raise SkipTest(self.ctx.secrets.mask_text(f"{name} from {source}: {error}")) from None
        os.environ[name] = value

    @keyword("Get Credential")
    def get_credential(self, name: str, **source: str) -> Secret:
        """Returns the value of credential variable ``name`` as a ``Secret``, never as plain text.

        Call `Require Credential Or Skip` first; a missing variable fails here. With
        ``from=SOURCE`` (a secrets manager's secret, see `Require Credential Or Skip`) it
        requires the credential first, with the same skips, and returns the fetched value.

        Example:
        | ${key}=    Get Credential    ANTHROPIC_API_KEY
        | ${key}=    Get Credential    OPENAI_API_KEY    from=aws-sm:ci/openai#api_key
        """
        text = _source_of("Get Credential", (name,), source)
        if text:
            self._require("Get Credential", (name,), text)
        return Secret(self.ctx.credential(name))

    @keyword("Diagnose Egress")
    def diagnose_egress(self, url: str, timeout: float = 5.0) -> dict[str, Any]:
        """Walks DNS → TCP → proxy CONNECT → TLS → HTTP to ``url`` and classifies the outcome.

        Honours ``HTTPS_PROXY`` (or ``https_proxy``) and ``NO_PROXY`` (or ``no_proxy``). The
        ``classification`` is one of ``ok``, ``dns_failure``, ``connect_refused``,
        ``connect_timeout``, ``proxy_auth_required`` (407), ``proxy_blocked`` (403 with proxy
        signatures such as ``Via``), ``proxy_error``, ``tls_error``, ``provider_auth_error``
        (401/403 with the provider's error body), ``rate_limited``. Returns a dictionary
        with ``classification``, ``blocked``, ``proxy``, ``status``, ``steps``, ``detail``.

        Example:
        | ${egress}=    Diagnose Egress    https://api.anthropic.com/v1/models
        | Should Be Equal    ${egress}[classification]    provider_auth_error
        """
        self.ctx.ensure_live_environment()
        from ..live.egress import diagnose

        result = diagnose(url, os.environ, timeout_s=timeout)
        logger.info(self.ctx.secrets.mask_text(result.summary()))
        return result.to_dict()

    @keyword("Skip If Egress Blocked")
    def skip_if_egress_blocked(self, url: str, timeout: float = 5.0) -> None:
        """Skips (never fails) with the diagnosis when the network path to ``url`` is blocked.

        A sealed CI network then reports a diagnostic skip instead of a failure.
        """
        self.ctx.ensure_live_environment()
        from ..live.egress import diagnose

        result = diagnose(url, os.environ, timeout_s=timeout)
        if result.blocked:
            raise SkipTest(f"Egress blocked: {self.ctx.secrets.mask_text(result.summary())}")
        logger.info(result.summary())

    @keyword("Run Live Call With Retry")
    def run_live_call_with_retry(self, name: str, *args: Any, attempts: int = 2, backoff: float = 1.0) -> Any:
        """Runs keyword ``name`` up to ``attempts`` times (1 to 5) with doubling ``backoff`` seconds.

        Live calls are never retried open-endedly. A skip is never retried.

        Example:
        | ${reply}=    Run Live Call With Retry    Ask The Model    hello    attempts=2    backoff=2
        """
        if not 1 <= attempts <= MAX_ATTEMPTS:
            raise InputError(f"Run Live Call With Retry: attempts must be 1 to {MAX_ATTEMPTS}; live retries are "
                             "bounded.")  # fmt: skip
        return bounded_retry(
            lambda: BuiltIn().run_keyword(name, *args),
            attempts=attempts,
            backoff_s=backoff,
            final=lambda error: bool(getattr(error, "ROBOT_SKIP_EXECUTION", False)),
        )


def _source_of(keyword_name: str, names: tuple[str, ...], options: dict[str, str]) -> str | None:
    """The ``from=`` source given to a credential keyword (None: the environment), checked."""
    unknown = sorted(set(options) - {"from"})
    if unknown:
        raise InputError(f"{keyword_name} takes from=SOURCE as its only named argument, not {', '.join(unknown)}=.")
    source = options.get("from")
    if source is None:
        return None
    if len(names) != 1:
        raise InputError(
            f"{keyword_name} with from={source} names one variable to fill, got {len(names)}: call it once per secret."
        )
    from ..live.managers import parse_source

    return parse_source(source).text
