"""Mock AWS from Robot: moto behind the library's faults and journal, emptied between tests."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from robot.api import logger
from robot.api.deco import keyword

from ..environment import FIXTURE_AWS_ACCESS_KEY, FIXTURE_AWS_SECRET_KEY, EnvironmentPatch
from .scopes import Scope
from .served import Served, ServedComponent, count_unmet, inject_fault

if TYPE_CHECKING:  # moto, botocore and httpx load when a suite starts a mock AWS
    from ..mock.journal import JournalEntry
    from ..mockaws import MockAWS, Moto
    from ..mockaws.seed import Seed

NAME = "aws"


@dataclass
class RunningAws(Served):
    moto: Moto | None = None

    def stop(self) -> None:
        super().stop()
        self.app.close()
        if self.moto is not None:
            self.moto.stop()


class AwsKeywords(ServedComponent):
    """One mock AWS per robot process (each pabot worker has its own moto), emptied at every test's start."""

    kind = "mock AWS"
    evidence_tag = "aws"
    source = "aws"
    label = "AWS"

    def start_scope(self, scope: Scope) -> None:
        super().start_scope(scope)
        running = self.servers.get(NAME)
        if scope.kind == "test" and isinstance(running, RunningAws):
            running.app.restore()
            running.app.reset()

    def describe(self, entry: JournalEntry) -> str:
        from ..mockaws.operations import AwsRequest

        request = entry.subject
        return f"{request.service}.{request.operation}" if isinstance(request, AwsRequest) else entry.path

    def _app(self) -> MockAWS:
        app: MockAWS = self.served(NAME).app
        return app

    @keyword("Start Mock AWS")
    def start_mock_aws(self, region: str = "us-east-1", *, port: int = 0, seed: str | None = None) -> str:
        """Starts moto (in this process, with no port of its own) behind the library's guard, fault and journal
        layer; returns the endpoint URL agents use, the only way to moto.

        Exports ``AWS_ENDPOINT_URL`` (boto3 1.28+ and the AWS CLI honour it), fixture
        ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION`` and
        ``AWS_REGION``; unsets ``AWS_SESSION_TOKEN`` and ``AWS_PROFILE`` and points the config
        and credential files at nothing, so no real credentials are used; disables the EC2
        metadata lookup. moto's state is emptied at the start of every test (``seed``: a seed
        file, see `Seed Mock AWS`, made for every test of the suite). Needs the ``aws``
        extra (moto, flask, flask-cors). Lambda ``ListFunctions`` is paged by this layer
        (moto returns every function); operations moto paginates itself (S3
        ``ListObjectsV2``, DynamoDB ``Scan`` ...) pass through with their page numbers followed.

        Example:
        | Start Mock AWS    seed=${CURDIR}/aws_seed.yaml
        | Inject AWS Fault    operation=ListFunctions    page=3    status=500
        """
        from ..mockaws import MockAWS, Moto
        from ..mockaws.seed import load_seed

        self.check_free(NAME)
        loaded = load_seed(seed) if seed else None
        moto = Moto()
        app = MockAWS(moto.start(), self.ctx.secrets, region=region)
        server = self.start_server(app, "127.0.0.1", port)
        url = server.url
        nowhere = self.ctx.private.folder("aws", "no-config") / "none"
        environment = EnvironmentPatch({
            "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": FIXTURE_AWS_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": FIXTURE_AWS_SECRET_KEY, "AWS_DEFAULT_REGION": region, "AWS_REGION": region,
            "AWS_SESSION_TOKEN": None, "AWS_SECURITY_TOKEN": None, "AWS_PROFILE": None,
            "AWS_CONFIG_FILE": str(nowhere), "AWS_SHARED_CREDENTIALS_FILE": str(nowhere),
            "AWS_EC2_METADATA_DISABLED": "true",
        })  # fmt: skip
        self.add_served(RunningAws(NAME, app, server, self.ctx.current_suite, environment, moto=moto))
        logger.info(f"Mock AWS at {url} (moto in this process, reachable only there), region {region}.")
        if loaded is not None:
            self._seed(app, loaded)
        return url

    @keyword("Seed Mock AWS")
    def seed_mock_aws(self, seed: str) -> None:
        """Creates what a seed file (or YAML text) makes in the mock AWS: for every test of the suite when
        called in a suite setup, for the current test when called in a test.

        The file names services (boto3's client names) and the calls to make with boto3's
        parameters; ``repeat: N`` makes one N times with ``{n}`` filled in. Lambda
        ``CreateFunction`` needs only a ``FunctionName`` (a Python handler, a role and a zip are
        filled in). Checked when it loads: an unknown service, operation or parameter fails
        naming the file and line. Every test then starts with exactly this data: the calls are
        replayed into moto in-process (not journaled, logged once as a summary) only when a
        test's calls may have changed moto.

        Example:
        | Seed Mock AWS    ${CURDIR}/aws_seed.yaml
        | Seed Mock AWS    {s3: [CreateBucket: {Bucket: reports}]}

        with ``aws_seed.yaml``:
        | lambda:
        |   - CreateFunction: {FunctionName: "triage-{n}", Timeout: 30}
        |     repeat: 120
        | s3:
        |   - CreateBucket: {Bucket: reports}
        |   - PutObject: {Bucket: reports, Key: q1.csv, Body: "a,b"}
        """
        from pathlib import Path

        from ..mockaws.seed import load_seed, seed_from_text

        text = "\n" in seed or (":" in seed and not Path(seed).is_file())
        self._seed(self._app(), seed_from_text(seed, "Seed Mock AWS") if text else load_seed(seed))

    def _seed(self, app: MockAWS, seed: Seed) -> None:
        started = time.perf_counter()
        app.add_seed(seed, self.ctx.scope_key)
        test = self.ctx.current_test
        whom = f"test '{test}'" if test else f"every test of suite '{self.ctx.current_suite}'"
        logger.info(f"Seeded mock AWS from {seed.source} for {whom} "
                    f"({time.perf_counter() - started:.2f} s): {seed.summary()}.")  # fmt: skip

    @keyword("Stop Mock AWS")
    def stop_mock_aws(self) -> None:
        """Stops moto and the layer in front of it, and restores the AWS variables."""
        served = self.servers.get(NAME)
        if served is not None:
            self.stop_served(served)

    @keyword("Inject AWS Fault")
    def inject_aws_fault(self, **fault: Any) -> str:
        """Makes matching AWS calls fail in the operation's own error shape (what boto3 parses); returns its name.

        Effects: ``status`` (e.g. 500, 503, 429 or 400), ``type`` (the error code, e.g.
        ``ThrottlingException``; default by status and service), ``message``, ``delay_ms``,
        ``hang_s``, ``reset``. Targeting: ``service`` (``lambda``, ``s3`` ...), ``operation``
        (``ListFunctions``), ``page`` (of a paginated listing), ``params`` (conditions as JSON),
        ``nth``, ``times``, ``probability`` with ``seed``; ``name`` names the fault (default
        ``keyword fault #N``). boto3 retries throttling and 5xx errors itself: a fault without
        ``times`` keeps failing every retry.

        Example:
        | Inject AWS Fault    operation=ListFunctions    page=3    status=500
        | Inject AWS Fault    service=s3    status=503    type=SlowDown    times=2
        | ${fault}=    Inject AWS Fault    name=throttled    service=lambda    status=429    times=1
        """
        from ..mock.faults import Fault, fault_fields
        from ..mockaws.app import FAULT_WHEN_KEYS

        fields = fault_fields(Fault)
        return inject_fault(self._app(), NAME, fault, fields, FAULT_WHEN_KEYS, scope_key=self.ctx.scope_key)

    @keyword("Clear AWS Faults")
    def clear_aws_faults(self) -> None:
        app = self._app()
        app.clear_faults(self.ctx.scope_key)

    def _calls(self, service: str | None, operation: str | None, params: dict[str, Any]) -> list[JournalEntry]:
        from ..mock.conditions import equal_to

        wanted = equal_to(params, "parameter")
        return [entry for served in self.of_test(NAME) for entry in served.entries(self.ctx.current_test is not None)
                if (service is None or entry.subject.service == service)
                and (operation is None or entry.subject.operation == operation)
                and not wanted.mismatches(entry.subject.params)]  # fmt: skip

    def _listing(self) -> str:
        return "\n".join(f"#{entry.index} {entry.subject.service}.{entry.subject.operation} page "
                         f"{entry.subject.page} -> {entry.status}" + (f" FAULT: {entry.fault}" if entry.fault else "")
                         for entry in self._calls(None, None, {})) or "(none)"  # fmt: skip

    @keyword("AWS Should Have Received")
    def aws_should_have_received(
        self, service: str, operation: str, *, times: int | None = None, **params: Any
    ) -> None:
        """Fails unless ``service`` got ``operation`` (``times`` times, when given; retries count) with
        parameters that include ``params``.

        Example:
        | AWS Should Have Received    lambda    ListFunctions    times=3
        | AWS Should Have Received    s3    PutObject    Bucket=reports
        """
        found = self._calls(service, operation, params)
        wanted = count_unmet(len(found), times, "a call", "call(s)")
        if wanted:
            raise AssertionError(f"Expected {wanted} of {service}.{operation}, found {len(found)}. Calls seen:\n"
                                 f"{self._listing()}")  # fmt: skip

    @keyword("Get AWS Requests")
    def get_aws_requests(self, service: str | None = None, operation: str | None = None) -> list[dict[str, Any]]:
        """The current test's AWS calls, oldest first: ``request`` has ``service``, ``operation``, ``region``,
        ``params`` and ``page``; ``status``, ``fault`` and ``reply`` say what was answered."""
        found = [entry.to_dict() for entry in self._calls(service, operation, {})]
        logger.info(f"{len(found)} AWS call(s):\n{self._listing()}\n{json.dumps(found)[:2000]}")
        return found
