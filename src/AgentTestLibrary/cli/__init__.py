"""``agenttest``: the command-line front of the same core the keywords use.

agenttest mock serve [--scenario FILE] [--host H] [--port N] [--strict | --no-strict] [--admin-token T]
                     [--allow-remote] [--max-body-bytes N]
agenttest mcp serve [--scenario FILE] [--name NAME] [--host H] [--port N] [--strict | --no-strict] [--admin-token T]
agenttest mcp serve --stdio [--scenario FILE] [--name NAME] [--journal FILE]
agenttest mcp relay URL   (what agent MCP configs launch for a stdio server of a test; see mockmcp/stdio.py)
agenttest a2a serve [--scenario FILE] [--name NAME] [--host H] [--port N] [--strict | --no-strict] [--admin-token T]
agenttest scenario check FILE
agenttest service check FILE|PRESET
agenttest service routes FILE|PRESET   (each route's method, path and name: what Inject Service Fault route= takes)
agenttest service serve FILE|PRESET [--name NAME] [--host H] [--port N] [--strict | --no-strict]
agenttest aws serve [--seed FILE] [--region R] [--host H] [--port N]
agenttest lanes check PATH... [--scope-labels]   (scope labels also by [tool.agenttest.lanes] scope_labels = true)
agenttest lanes summary OUTPUT.xml
agenttest scores compare BASELINE RESULTS... [--threshold PP] [--update]
agenttest shards merge DIR   (DIR/1/output.xml ... from pabot --shard I/N into DIR/output.xml, log.html, report.html)
agenttest cassette check PATH... [--max-age-days N] [--tests ROBOT_PATH ...]
agenttest cassette to-scenario CASSETTE [-o FILE] [--name MCP_SERVER_NAME]
agenttest cassette to-routes CASSETTE [-o FILE]
agenttest cassette verify PATH... [--tests ROBOT_PATH ...] [--report FILE] [--max-requests N] [--upstream-PROVIDER URL]
                          [--upstream-service URL] [--upstream-mcp URL] [--upstream-mcp-command COMMAND]
agenttest agents install [--dry-run] [--prefix DIR] NAME...
agenttest hook [--runtime NAME] [--event NAME] [--evidence FILE] [--decisions FILE]   (see harness/hooks.py)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

from robot.errors import DataError

from ..cassettes import Cassette, CassetteError, load_cassette
from ..cassettes import tools as cassette_tools
from ..cassettes.options import DEFAULT_MAX_REQUESTS
from ..cassettes.verify import verify
from ..errors import AgentInstallError, GoldenSetError, InputError
from ..lanes import lane_settings, offences, quarantine_summary, unignored_credential_files
from ..mock.admin import ADMIN_PREFIX
from ..mock.server import Limits
from ..mocka2a import MockA2A, agent_names, load_a2a_agent
from ..mockllm import MockLLM, MockServer, MockServerError
from ..mockllm.scenario import Scenario, ScenarioError, load_scenario
from ..mockmcp import MCP_PATH, MockMCP, load_mcp_server, server_names
from ..mockmcp.stdio import LocalExchange, relay_main, serve_lines
from ..mockservice import MockService, ServiceSpec, load_service
from ..naming import check_identifier, variable_part
from ..scores import DEFAULT_THRESHOLD_PP, Scores, compare, read_scores
from ..secrets import SecretRegistry
from ..wire import PROVIDERS

ADMIN_TOKEN_VARIABLE = "AGENTTEST_ADMIN_TOKEN"


def _serve_options(parser: argparse.ArgumentParser, strict_of: str = "", admin_help: str = "") -> None:
    """The options every ``serve`` takes: --host, --port; --strict (overriding ``strict_of`` strict mode) and
    --admin-token where given."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default 0: the OS picks a free one)")
    if strict_of:
        parser.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                            help=f"override {strict_of} strict mode")  # fmt: skip
    if admin_help:
        parser.add_argument("--admin-token", default=os.environ.get(ADMIN_TOKEN_VARIABLE), help=admin_help)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agenttest", description="AgentTestLibrary command-line tools.")
    groups = parser.add_subparsers(dest="group", required=True)
    mock = groups.add_parser("mock", help="run the mock LLM server").add_subparsers(dest="command", required=True)
    serve = mock.add_parser("serve", help="serve until SIGINT/SIGTERM; prints MOCK_LLM_URL=... when ready")
    serve.add_argument("--scenario", help="YAML scenario file (default: a deterministic text reply to everything)")
    _serve_options(serve, "the scenario's", f"token the admin API ({ADMIN_PREFIX}) requires (default: "
                   f"${ADMIN_TOKEN_VARIABLE}; without one it is off)")  # fmt: skip
    serve.add_argument("--allow-remote", action="store_true", help="allow a host beyond loopback (prints a warning)")
    serve.add_argument("--max-body-bytes", type=int, default=Limits().max_body_bytes, help="larger bodies get a 413")
    mcp = groups.add_parser("mcp", help="run a mock MCP server").add_subparsers(dest="command", required=True)
    mcp_serve = mcp.add_parser("serve", help="serve until SIGINT/SIGTERM; prints MCP_URL=... when ready")
    mcp_serve.add_argument("--scenario", help="scenario file with an mcp_servers section (default: the echo tool)")
    mcp_serve.add_argument("--name", help="which server of the file's mcp_servers (default: its only one)")
    _serve_options(mcp_serve, "the server's", "as for mock serve")
    mcp_serve.add_argument("--stdio", action="store_true", help="speak MCP on stdin/stdout instead of HTTP")
    mcp_serve.add_argument("--journal", help="with --stdio: append every exchange (masked) to this JSON-lines file")
    mcp.add_parser("relay", help="stdio to a mock MCP server of a test (agent configs launch it)").add_argument("url")
    a2a = groups.add_parser("a2a", help="run a mock A2A agent").add_subparsers(dest="command", required=True)
    a2a_serve = a2a.add_parser("serve", help="serve until SIGINT/SIGTERM; prints A2A_URL=... when ready")
    a2a_serve.add_argument("--scenario", help="scenario file with an a2a_agents section (default: an echo agent)")
    a2a_serve.add_argument("--name", help="which agent of the file's a2a_agents (default: its only one)")
    _serve_options(a2a_serve, "the agent's", "as for mock serve")
    scenario = groups.add_parser("scenario", help="work with scenario files").add_subparsers(
        dest="command", required=True
    )
    check = scenario.add_parser("check", help="validate a scenario file; exit 1 with the error")
    check.add_argument("file")
    service = groups.add_parser("service", help="mock REST service route files").add_subparsers(
        dest="command", required=True
    )
    service.add_parser("check", help="validate a route file (or a preset); exit 1 with the error").add_argument("file")
    service.add_parser(
        "routes", help="list a route file's (or a preset's) routes: method, path, name (for route= in faults)"
    ).add_argument("file")
    service_serve = service.add_parser(
        "serve", help="serve a route file (or a preset) until SIGINT/SIGTERM; prints AGENTTEST_<NAME>_URL=..."
    )
    service_serve.add_argument("routes", metavar="FILE|PRESET", help="a route file, or a preset (github, slack)")
    service_serve.add_argument("--name", help="the service's name (default: the preset's or the file's stem)")
    _serve_options(service_serve, "the file's")
    aws = groups.add_parser("aws", help="run the mock AWS (moto)").add_subparsers(dest="command", required=True)
    aws_serve = aws.add_parser("serve", help="serve until SIGINT/SIGTERM; prints AWS_ENDPOINT_URL=... when ready")
    aws_serve.add_argument("--seed", help="an AWS seed file: what moto holds from the start (see Seed Mock AWS)")
    aws_serve.add_argument("--region", default="us-east-1", help="where the seed creates (default us-east-1)")
    _serve_options(aws_serve)
    lanes = groups.add_parser("lanes", help="check test lanes").add_subparsers(dest="command", required=True)
    lanes_check = lanes.add_parser("check", help="list tests whose lane tags break the lane rules; exit 1 if any")
    lanes_check.add_argument("paths", nargs="+", metavar="PATH")
    lanes_check.add_argument(
        "--scope-labels",
        action="store_true",
        default=None,
        help="every test needs a scope:... label (default: pyproject's [tool.agenttest.lanes])",
    )
    lanes.add_parser("summary", help="list the quarantined tests of a run with owner and fix-by").add_argument(
        "output", metavar="OUTPUT.xml"
    )
    scores = groups.add_parser("scores", help="the score regression gate").add_subparsers(dest="command", required=True)
    scores_compare = scores.add_parser("compare", help="slice scores of RESULTS against BASELINE; exit 1 on a drop")
    scores_compare.add_argument("baseline", help="a scores file (a reviewed results file)")
    scores_compare.add_argument("results", nargs="+", help="scores files, or output folders with agenttest-scores/")
    scores_compare.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD_PP,
        help=f"percentage points a slice may fall (default {DEFAULT_THRESHOLD_PP:g})",
    )
    scores_compare.add_argument(
        "--update",
        action="store_true",
        help="after printing the table, write RESULTS' scores as the new BASELINE; exit 0",
    )
    shards = groups.add_parser("shards", help="runs split across CI machines").add_subparsers(
        dest="command", required=True
    )
    shards.add_parser("merge", help="merge DIR/1, DIR/2 ... into DIR; exit 1 if a test failed").add_argument("folder")
    tapes = groups.add_parser("cassette", help="cassette housekeeping").add_subparsers(dest="command", required=True)
    tape_check = tapes.add_parser("check", help="list stale, unused and invalid cassettes; exit 1 if any")
    tape_check.add_argument("paths", nargs="+", metavar="PATH")
    tape_check.add_argument("--max-age-days", type=float, help="cassettes older than this are stale")
    tape_check.add_argument("--tests", nargs="+", metavar="ROBOT_PATH", help="suites whose tests cassettes belong to")
    tape_verify = tapes.add_parser(
        "verify", help="re-send recorded requests to the providers and report shape drift (live lane); exit 1 on drift"
    )
    tape_verify.add_argument("paths", nargs="+", metavar="PATH")
    tape_verify.add_argument("--tests", nargs="+", metavar="ROBOT_PATH", help="only cassettes of these suites' tests")
    tape_verify.add_argument("--report", default="cassette-drift.json", help="the JSON report (default %(default)s)")
    tape_verify.add_argument(
        "--max-requests",
        type=int,
        default=DEFAULT_MAX_REQUESTS,
        help="at most this many requests per run (default %(default)s)",
    )
    for provider in PROVIDERS:
        tape_verify.add_argument(f"--upstream-{provider}", metavar="URL", help=f"send {provider} requests here instead")
    tape_verify.add_argument("--upstream-service", metavar="URL", help="send service cassettes' requests here instead "
                             "of where they were recorded from")  # fmt: skip
    tape_verify.add_argument("--upstream-mcp", metavar="URL", help="send MCP cassettes' requests to this streamable "
                             "HTTP server instead of where they were recorded from")  # fmt: skip
    tape_verify.add_argument("--upstream-mcp-command", metavar="COMMAND", help="start this stdio MCP server for MCP "
                             "cassettes' requests (needed for cassettes recorded over stdio)")  # fmt: skip
    convert = tapes.add_parser("to-scenario", help="turn a model or MCP cassette into editable scenario rules")
    convert.add_argument("cassette")
    convert.add_argument("-o", "--output", help="write here instead of stdout")
    convert.add_argument("--name", default="recorded", help="an MCP cassette's server name (default %(default)s)")
    routes = tapes.add_parser("to-routes", help="turn a service cassette into an editable route file")
    routes.add_argument("cassette")
    routes.add_argument("-o", "--output", help="write here instead of stdout")
    agents = groups.add_parser("agents", help="pinned agent CLIs").add_subparsers(dest="command", required=True)
    agents_install = agents.add_parser("install", help="install pinned agent CLIs with npm into a per-user prefix")
    agents_install.add_argument("names", nargs="+", metavar="NAME", help="claude-code, codex, gemini-cli, pi, opencode")
    agents_install.add_argument("--dry-run", action="store_true", help="say what would be installed, install nothing")
    agents_install.add_argument(
        "--prefix", help="install here (default: AGENTTEST_AGENTS_PREFIX or $XDG_CACHE_HOME/agenttest/agents)"
    )
    hook = groups.add_parser("hook", help="the hooks bridge agent hook configs call (reads the payload on stdin)")
    hook.add_argument("options", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.group == "mock":
        limits = Limits(max_body_bytes=args.max_body_bytes)
        return serve(args.scenario, args.host, args.port, args.strict, admin_token=args.admin_token,
                     allow_remote=args.allow_remote, limits=limits)  # fmt: skip
    if args.group == "mcp":
        return serve_mcp(args) if args.command == "serve" else relay_main([args.url])
    if args.group == "a2a":
        return serve_a2a(args)
    if args.group == "lanes":
        return check_lanes(args.paths, args.scope_labels) if args.command == "check" else summarize_lanes(args.output)
    if args.group == "scores":
        return compare_scores(args.baseline, args.results, args.threshold, args.update)
    if args.group == "shards":
        return merge_shard_results(Path(args.folder))
    if args.group == "service":
        if args.command == "serve":
            return serve_service(args)
        return {"check": check_routes, "routes": list_routes}[args.command](args.file)
    if args.group == "aws":
        return serve_aws(args)
    if args.group == "agents":
        return install_agents(args.names, args.dry_run, args.prefix)
    if args.group == "cassette":
        if args.command == "verify":
            return verify_cassettes(args)
        if args.command == "check":
            return check_cassettes(args)
        if args.command == "to-routes":
            return convert_cassette(cassette_tools.to_routes, args.cassette, args.output)
        return convert_cassette(lambda tape: cassette_tools.to_scenario(tape, args.name), args.cassette, args.output)
    return check(args.file)


def serve(
    scenario_file: str | None,
    host: str,
    port: int,
    strict: bool | None,
    *,
    admin_token: str | None = None,
    allow_remote: bool = False,
    limits: Limits | None = None,
) -> int:
    def build(secrets: SecretRegistry) -> tuple[MockServer, str]:
        scenario = load_scenario(scenario_file) if scenario_file else Scenario(strict=False)
        if strict is not None:
            scenario = replace(scenario, strict=strict)
        app = MockLLM(scenario, secrets, admin_token=admin_token or None)
        return MockServer(app, host, port, limits=limits, allow_remote=allow_remote), "MOCK_LLM_URL={url}"

    return serve_built(build)


def serve_mcp(args: argparse.Namespace) -> int:
    def build(secrets: SecretRegistry) -> tuple[MockServer | int, str]:
        spec = load_mcp_server(args.scenario, args.name)
        if args.strict is not None:
            spec = replace(spec, strict=args.strict)
        app = MockMCP(spec, secrets, admin_token=args.admin_token or None)
        if args.stdio:
            journal = Path(args.journal) if args.journal else None
            exchange = LocalExchange(app, journal, sys.stdout.buffer)
            try:
                return serve_lines(exchange, sys.stdin.buffer, sys.stdout.buffer), ""
            finally:
                exchange.close()
        return MockServer(app, args.host, args.port), "MCP_URL={url}" + MCP_PATH

    return serve_built(build)


def serve_a2a(args: argparse.Namespace) -> int:
    def build(secrets: SecretRegistry) -> tuple[MockServer, str]:
        spec = load_a2a_agent(args.scenario, args.name)
        if args.strict is not None:
            spec = replace(spec, strict=args.strict)
        app = MockA2A(spec, secrets, admin_token=args.admin_token or None)
        return MockServer(app, args.host, args.port), "A2A_URL={url}"

    return serve_built(build)


def serve_service(args: argparse.Namespace) -> int:
    """A route file or preset, as Start Mock Service serves it; the line names the variable the keyword exports."""

    def build(secrets: SecretRegistry) -> tuple[MockServer, str]:
        name = check_identifier(args.name or Path(args.routes).stem, "Service name",
                                "it names the AGENTTEST_<NAME>_URL line; give --name")  # fmt: skip
        spec = replace(load_service(args.routes, name), name=name)
        if args.strict is not None:
            spec = replace(spec, strict=args.strict)
        announce = f"AGENTTEST_{variable_part(name)}_URL={{url}}"
        return MockServer(MockService(spec, secrets), args.host, args.port), announce

    return serve_built(build)


def serve_aws(args: argparse.Namespace) -> int:
    """moto behind the AWS front, as Start Mock AWS serves it (not emptied between clients: no tests here)."""
    from ..mockaws import MockAWS, Moto
    from ..mockaws.seed import load_seed

    def build(secrets: SecretRegistry) -> tuple[MockServer, str]:
        seed = load_seed(args.seed) if args.seed else None
        app = MockAWS(Moto().start(), secrets, region=args.region)
        if seed is not None:
            app.add_seed(seed, "serve")
        return MockServer(app, args.host, args.port), "AWS_ENDPOINT_URL={url}"

    return serve_built(build)


def serve_built(build: Callable[[SecretRegistry], tuple[MockServer | int, str]]) -> int:
    """Serves what ``build`` makes (given the secrets of the environment to mask) until a signal, announcing its URL
    with the line it names; a number is an exit status (it served already: MCP over stdio). A bad file, name or
    address exits 2 naming it."""
    secrets = SecretRegistry()
    secrets.add_from_environment()
    try:
        server, announce = build(secrets)
    except (InputError, MockServerError) as error:
        print(f"agenttest: {error}", file=sys.stderr)
        return 2
    return server if isinstance(server, int) else serve_until_signal(server, announce)


def serve_until_signal(server: MockServer, announce: str) -> int:
    """Start, print one line (``announce`` with the URL) once connections are accepted, serve until a signal."""
    if server.warning:
        print(f"agenttest: warning: {server.warning}", file=sys.stderr)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        url = server.start()
    except MockServerError as error:
        print(f"agenttest: {error}", file=sys.stderr)
        return 2
    print(announce.format(url=url), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


def check(file: str) -> int:
    """The model part, every MCP server and every A2A agent of a scenario file."""
    try:
        scenario = load_scenario(file)
        servers = [load_mcp_server(file, name) for name in server_names(file)]
        agents = {name: load_a2a_agent(file, name) for name in agent_names(file)}
    except ScenarioError as error:
        print(f"agenttest: {error}", file=sys.stderr)
        return 1
    mode = "strict" if scenario.strict else "non-strict"
    mcp = "".join(
        f"; MCP server '{spec.name}': {len(spec.tools)} tool(s), {len(spec.rules)} rule(s)" for spec in servers
    )
    a2a = "".join(f"; A2A agent '{name}': {len(spec.rules)} rule(s)" for name, spec in agents.items())
    print(f"{file}: OK, {len(scenario.rules)} rule(s), {mode}{mcp}{a2a}.")
    return 0


def check_routes(file: str) -> int:
    spec = _loaded_routes(file)
    if spec is None:
        return 1
    collections = ", ".join(collection.name for collection in spec.collections) or "none"
    print(f"{file}: OK, {len(spec.routes)} route(s), collections: {collections}, strict: {spec.strict}.")
    return 0


def list_routes(file: str) -> int:
    """One line per route, checked first to last: its methods, its path template, its name."""
    spec = _loaded_routes(file)
    if spec is None:
        return 1
    rows = [("METHOD", "PATH", "ROUTE (Inject Service Fault    NAME    route=...)")]
    rows += [(",".join(route.matcher.methods) or "ANY", route.matcher.path.text if route.matcher.path else "",
              route.name) for route in spec.routes]  # fmt: skip
    widths = [max(len(row[column]) for row in rows) for column in (0, 1)]
    for method, path, name in rows:
        print(f"{method:<{widths[0]}}  {path:<{widths[1]}}  {name}")
    return 0


def _loaded_routes(file: str) -> ServiceSpec | None:
    try:
        return load_service(file)
    except ScenarioError as error:
        print(f"agenttest: {error}", file=sys.stderr)
        return None


def report(kind: str, paths: list[str], find: Callable[[], list[str]]) -> int:
    """Print one line per problem: exit 1 if any, 2 if the paths cannot be read, else 0."""
    try:
        problems = find()
    except (FileNotFoundError, DataError) as error:
        print(f"agenttest: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} {kind} problem(s).", file=sys.stderr)
        return 1
    print(f"{kind.capitalize()}s OK in {', '.join(paths)}.")
    return 0


def robot_tests(paths: list[str]) -> list[Any]:
    """Every test of the suites at ``paths`` (Robot's running model)."""
    from robot.api import TestSuite

    tests: list[Any] = []
    for path in paths:
        if not Path(path).exists():
            raise FileNotFoundError(f"{path} does not exist; give .robot files or folders of them.")
        tests.extend(TestSuite.from_file_system(str(path)).all_tests)
    return tests


def check_lanes(paths: list[str], scope_labels: bool | None = None) -> int:
    """The lane rules over ``paths``; warnings (credential files git would not ignore) never change the exit code."""
    for warning in unignored_credential_files(Path.cwd()):
        print(f"warning: {warning}", file=sys.stderr)
    try:
        settings = lane_settings(Path.cwd())
    except ValueError as error:
        print(f"agenttest: {error}", file=sys.stderr)
        return 2
    if scope_labels is not None:
        settings = replace(settings, scope_labels=scope_labels)
    return report("lane", paths, lambda: offences(robot_tests(paths), settings=settings))


def compare_scores(baseline: str, results: list[str], threshold: float, update: bool) -> int:
    try:
        now = read_scores(results)
        before = read_scores([baseline]) if Path(baseline).exists() or not update else Scores()
    except GoldenSetError as error:
        print(f"agenttest: {error}", file=sys.stderr)
        return 2
    comparison = compare(before, now, threshold)
    print(comparison.table())
    if update:
        Path(baseline).write_text(json.dumps(now.to_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"Baseline {baseline} now holds these {len(now.cases)} case scores.")
        return 0
    print("Scores regressed." if comparison.regressed else f"No slice fell by more than {threshold:g} pp.")
    return 1 if comparison.regressed else 0


def merge_shard_results(folder: Path) -> int:
    from .shards import merge_shards

    try:
        merged = merge_shards(folder)
    except (FileNotFoundError, ValueError, DataError) as error:
        print(f"agenttest: {error}", file=sys.stderr)
        return 2
    print(merged.summary())
    return 1 if merged.failed else 0


def summarize_lanes(output: str) -> int:
    from robot.api import ExecutionResult

    if not Path(output).is_file():
        print(f"agenttest: {output} does not exist; give the output.xml of a run.", file=sys.stderr)
        return 2
    try:
        result = ExecutionResult(output)
    except DataError as error:
        print(f"agenttest: {output}: {error}", file=sys.stderr)
        return 2
    print("\n".join(quarantine_summary(result.suite.all_tests)))
    return 0


def check_cassettes(args: argparse.Namespace) -> int:
    def find() -> list[str]:
        names = cassette_tools.test_names(robot_tests(args.tests)) if args.tests else None
        return cassette_tools.check(args.paths, args.max_age_days, names)

    return report("cassette", args.paths, find)


def verify_cassettes(args: argparse.Namespace) -> int:
    from ..live.gate import load_env_file
    from ..secrets import SecretRegistry

    secrets = SecretRegistry()
    secrets.add_from_environment()
    load_env_file(None, secrets)
    given = (*PROVIDERS, "service", "mcp", "mcp_command")
    upstreams = {name: url for name in given if (url := getattr(args, f"upstream_{name}"))}
    try:
        only = cassette_tools.test_names(robot_tests(args.tests)) if args.tests else None
        result = verify(args.paths, os.environ, secrets, upstreams=upstreams, max_requests=args.max_requests,
                        only=only)  # fmt: skip
    except (FileNotFoundError, CassetteError, DataError) as error:
        print(f"agenttest: {secrets.mask_text(str(error))}", file=sys.stderr)
        return 2
    print(secrets.mask_text(result.text()))
    Path(args.report).write_text(secrets.mask_text(json.dumps(result.to_dict(), indent=2)) + "\n", encoding="utf-8")
    print(f"Report: {args.report}")
    return 1 if result.drifted else 0


def install_agents(names: list[str], dry_run: bool, prefix: str | None) -> int:
    from ..harness import agents

    root = Path(prefix) if prefix else None
    try:
        results = agents.install(names, dry_run=dry_run, root=root)
    except AgentInstallError as error:
        print(f"agenttest: {error}", file=sys.stderr)
        return agents.UNAVAILABLE if error.unavailable else 1
    if dry_run:
        missing = [result.name for result in results if result.action == "would install"]
        print(agents.plan(missing, root) if missing else "Nothing to install.")
    for result in results:
        print(f"{result.name}: {result.action} {result.version} at {result.binary}")
    return 0


def convert_cassette(convert: Callable[[Cassette], str], path: str, output: str | None) -> int:
    try:
        text = convert(load_cassette(path))
    except CassetteError as error:
        print(f"agenttest: {error}", file=sys.stderr)
        return 1
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
