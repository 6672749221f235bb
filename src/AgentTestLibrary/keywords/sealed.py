"""The sealed network from Robot: seal a suite's or test's agents off the real internet, route hosts to mocks."""

from __future__ import annotations

import functools
from collections import Counter
from typing import TYPE_CHECKING, Any, Literal

from robot.api import logger
from robot.api.deco import keyword

from ..errors import InputError, NotRunningError
from ..lanes import MODEL_BACKED
from ..sealed.routes import LLM, PRESET, HostRoute, Router, Target, check_pattern
from .context import LibraryContext
from .scopes import LibraryComponent, Scope, TestReport

if TYPE_CHECKING:
    from ..sealed.proxy import NetworkAttempt
    from ..sealed.seal import Seal
    from .mock_llm import MockLLMKeywords
    from .served import Served, ServedComponent

Outcome = Literal["routed", "refused", "allowed", "tls-failed"]
START_HINTS = {
    LLM: "Start Mock LLM",
    "aws": "Start Mock AWS",
    f"{PRESET}github": "Start Mock Service    github    routes=github",
    f"{PRESET}slack": "Start Mock Service    slack    routes=slack",
}


class SealedNetworkKeywords(LibraryComponent):
    """One seal at a time, ended with the test or suite that made it; routes added by keywords end with theirs."""

    def __init__(self, ctx: LibraryContext, llm: MockLLMKeywords) -> None:
        super().__init__(ctx)
        self.llm = llm
        self.seal: Seal | None = None
        self.seal_scope = ""
        self.test_mark = 0
        self.sealed = 0
        self.routes: list[HostRoute] = []  # kept here too: routes may be added before the seal
        self.checked = False  # the current test looked at its attempts (else refusals are warned about at its end)

    # -- scopes --------------------------------------------------------------------------------

    def start_scope(self, scope: Scope) -> None:
        if scope.kind == "test":
            self.checked = False
            if self.seal is not None:
                self.test_mark = self.seal.proxy.next_index

    def end_scope(self, scope: Scope, report: TestReport | None) -> None:
        if report is not None and self.seal is not None and not self.checked:
            problems = [attempt for attempt in self.seal.proxy.since(self.test_mark) if attempt.problem]
            if problems:
                listing = "; ".join(sorted({f"{each.host}:{each.port} {each.outcome}" for each in problems}))
                logger.warn(
                    f"Test '{scope.short_name}': the sealed network refused {len(problems)} connection(s) "
                    f"({listing}) and nothing checked it: add 'Network Should Have Stayed Sealed'."
                )
        self.routes = [route for route in self.routes if route.scope != scope.key]
        if self.seal is not None:
            self.seal.router.end_scope(scope.key)
            if self.seal_scope == scope.key:
                self._unseal()

    def close(self) -> None:
        self._unseal()

    def _unseal(self) -> None:
        seal, self.seal = self.seal, None
        if seal is not None:
            seal.close()
            logger.info(f"Sealed network at {seal.url} ended: environment restored, its CA removed.")

    # -- what answers a host ---------------------------------------------------------------------

    def _running(self) -> list[tuple[ServedComponent, Served]]:
        return [(component, served) for component in self.ctx.served for served in list(component.servers.values())]

    def find(self, target: str) -> Target:
        """What answers ``target`` now (called from the proxy's thread at each connection)."""
        chosen: tuple[ServedComponent, Served] | None = None
        if target == LLM:
            servers = list(self.llm.servers.values())
            chosen = (self.llm, servers[-1]) if servers else None
        elif target.startswith(PRESET):
            preset = target.removeprefix(PRESET)
            chosen = next(((component, served) for component, served in self._running()
                           if component.kind == "mock service" and _is_preset(served, preset)), None)  # fmt: skip
        else:
            chosen = next(((component, served) for component, served in self._running() if served.name == target),
                          None)  # fmt: skip
        if chosen is None:
            start = START_HINTS.get(target, f"start the mock named '{target}'")
            what = f"a {target.removeprefix(PRESET)}-preset mock service" if target.startswith(PRESET) else (
                "a mock LLM" if target == LLM else f"the mock '{target}'")  # fmt: skip
            return Target(target, None, f"the host is routed to {what}, but none is running: {start} first")
        component, served = chosen
        return Target(f"{component.kind} '{served.name}'", served.server)

    # -- keywords --------------------------------------------------------------------------------

    @keyword("Seal Agent Network")
    def seal_agent_network(self, allow: str | list[str] | None = None) -> str:
        """Seals agent processes started afterwards off the real network; returns the egress proxy's URL.

        Starts an egress proxy on loopback for the current test (or suite, in a suite setup),
        ended with it, and exports ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` (both cases),
        ``NO_PROXY=localhost,127.0.0.1,::1`` and a fresh certificate authority (for this seal only)
        through ``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, ``NODE_EXTRA_CA_CERTS``,
        ``GIT_SSL_CAINFO``, ``AWS_CA_BUNDLE``, ``CODEX_CA_CERTIFICATE`` and more (``SSL_CERT_DIR`` is an
        empty folder); the end of the scope puts every variable back and removes the CA.

        Hosts a running mock stands for are answered by it over TLS with a certificate from that CA:
        OpenAI, Anthropic, Gemini, Vertex AI, Azure OpenAI and Bedrock hosts by the newest mock LLM,
        ``api.github.com`` by a mock service started with ``routes=github`` (or a route file that
        ``extends: github``), ``slack.com`` by one with ``routes=slack``, other ``*.amazonaws.com``
        hosts by mock AWS; `Route Host To Mock` adds more. Every other host is refused (403) and
        recorded: see `Network Should Have Stayed Sealed` and `Get Network Attempts` (a test that
        calls neither gets a warning at its end when something was refused).

        ``allow``: hosts or patterns (``*.example.com``), comma-separated or a list, that are relayed
        to the real network (reported as ``allowed``); routes a keyword added still win, the default
        routes do not. With an allow-list the CA bundle also holds the system's roots.

        Not in the live lane: a test tagged ``live`` or ``lane:model-backed``, or real-LLM mode
        (``USE_REAL_LLM``), talks to real providers on purpose, so this keyword fails there.

        Example:
        | Start Mock LLM
        | Start Mock Service    github    routes=github
        | Seal Agent Network
        | Seal Agent Network    allow=pypi.example.org,*.internal.example
        """
        from ..sealed.seal import Seal

        self._refuse_live()
        if self.seal is not None:
            raise InputError(f"The network is already sealed (proxy {self.seal.url}, for {self.seal_scope}); one "
                             "seal at a time: pass every host to allow to the first 'Seal Agent Network'.")  # fmt: skip
        patterns = tuple(check_pattern(pattern, "Allowed host") for pattern in _listed(allow))
        router = Router(self.find, patterns)
        for route in reversed(self.routes):
            router.add(route)
        self.sealed += 1
        folder = self.ctx.private.folder("sealed", f"seal-{self.sealed}")
        self.seal = Seal(folder, router, self.ctx.secrets)
        self.seal_scope = self.ctx.scope_key
        self.test_mark = 0 if self.ctx.current_test is None else self.seal.proxy.next_index
        allowed = f"; allowed: {', '.join(patterns)}" if patterns else ""
        logger.info(f"Sealed the network for {self.seal_scope}: egress proxy {self.seal.url}, CA bundle "
                    f"{self.seal.authority.bundle}{allowed}.")  # fmt: skip
        return self.seal.url

    def _refuse_live(self) -> None:
        from ..live import gate

        scope = self.ctx.current_test_scope
        tags = scope.tags if scope is not None else ()
        why = ("it is tagged 'live'" if "live" in tags else f"it is tagged '{MODEL_BACKED}'" if MODEL_BACKED in tags
               else f"real-LLM mode is on ({gate.REAL_LLM_SWITCH})" if self.llm.real_llm_mode() else "")  # fmt: skip
        if why:
            raise InputError(
                f"'Seal Agent Network' cannot be used here: {why}, so the agent talks to real "
                "providers on purpose and a sealed network would refuse them. Seal no-model tests only."
            )

    @keyword("Route Host To Mock")
    def route_host_to_mock(self, host: str, mock: str) -> None:
        """Routes ``host`` (or a pattern such as ``*.example.com``) to a running mock for the current test (or
        suite, in a suite setup), before the default routes.

        ``mock``: ``llm`` (the newest mock LLM), ``aws``, or the name of a running mock service, MCP server or
        A2A agent. Works before or after `Seal Agent Network`.

        Example:
        | Start Mock Service    crm    routes=${CURDIR}/services/crm.yaml
        | Route Host To Mock    api.crm.example.com    crm
        | Route Host To Mock    *.crm.example.com    crm
        """
        pattern = check_pattern(host, "Host")
        target = self.find(mock)
        if target.server is None:
            running = ", ".join(sorted({"llm" if component is self.llm else served.name
                                        for component, served in self._running()})) or "none"  # fmt: skip
            raise NotRunningError(f"No running mock named '{mock}' to route {host} to (running: {running}). "
                                  "Use 'llm' for the mock LLM, or a mock service's, MCP server's or A2A agent's "
                                  "name.")  # fmt: skip
        route = HostRoute(pattern, mock, self.ctx.scope_key)
        self.routes.insert(0, route)
        if self.seal is not None:
            self.seal.router.add(route)
        logger.info(f"Routed {pattern} to {target.label} for {route.scope}.")

    def _attempts(self) -> list[NetworkAttempt]:
        if self.seal is None:
            raise NotRunningError("The network is not sealed. Call 'Seal Agent Network' first (e.g. in Suite Setup).")
        mark = self.test_mark if self.ctx.current_test is not None else 0
        return self.seal.proxy.since(mark)

    @keyword("Get Network Attempts")
    def get_network_attempts(self, outcome: Outcome | None = None) -> list[dict[str, Any]]:
        """Returns the connections agents made through the seal in the current test (or since the seal, outside a
        test), oldest first, as dictionaries.

        Each has ``host``, ``port``, ``method`` (``CONNECT``, or a plain HTTP request's method), ``outcome``
        (``routed``, ``refused``, ``allowed``, or ``tls-failed``: the client did not accept the seal's
        certificate), ``target`` (the mock that answered, or the allow pattern), ``provider`` (the model
        provider the host belongs to, if known), ``pid`` and ``process`` (the command line of the process that
        tried, where Linux says; 0 and '' otherwise), ``time`` and ``detail``. ``outcome`` keeps only those.

        Example:
        | ${refused}=    Get Network Attempts    outcome=refused
        | Should Be Empty    ${refused}
        """
        kept = [attempt for attempt in self._attempts() if outcome is None or attempt.outcome == outcome]
        self.checked = True
        logger.info(f"{len(kept)} network attempt(s):\n" + "\n".join(attempt.describe() for attempt in kept))
        return [attempt.to_dict() for attempt in kept]

    @keyword("Network Should Have Stayed Sealed")
    def network_should_have_stayed_sealed(self) -> None:
        """Fails naming each host the seal refused in the current test (or since the seal, outside a test), with
        its count and who tried, and each routed host whose client did not accept the seal's certificate.

        Example:
        | Test Teardown    Network Should Have Stayed Sealed
        """
        attempts = self._attempts()
        self.checked = True
        problems = [attempt for attempt in attempts if attempt.problem]
        counts = Counter((attempt.outcome, attempt.host, attempt.port) for attempt in problems)
        if not problems:
            logger.info(f"The network stayed sealed: {len(attempts)} connection(s), none refused.")
            return
        lines = []
        for (outcome, host, port), count in counts.items():
            first = next(a for a in problems if (a.outcome, a.host, a.port) == (outcome, host, port))
            provider = f" ({first.provider})" if first.provider else ""
            who = f", e.g. by pid {first.pid}: {first.process}" if first.pid else ""
            lines.append(f"- {host}:{port}{provider}: {outcome} {count} time(s){who}\n  {first.detail}")
        refused = sum(1 for attempt in problems if attempt.outcome == "refused")
        untrusted = f" and saw {len(problems) - refused} failed TLS handshake(s)" if len(problems) > refused else ""
        raise AssertionError(f"The sealed network refused {refused} connection(s){untrusted}:\n" + "\n".join(lines))


def _listed(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else value.replace(" ", ",").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _is_preset(served: Served, preset: str) -> bool:
    """Whether a mock service stands for preset ``preset``: named so, or serving every route of it (``routes=github``,
    or a route file that ``extends: github``)."""
    if served.name == preset:
        return True
    spec = getattr(served.app, "spec", None)
    names = {route.name for route in getattr(spec, "routes", ())}
    return bool(names) and _preset_routes(preset) <= names


@functools.cache
def _preset_routes(preset: str) -> frozenset[str]:
    from ..mockservice import load_service

    return frozenset(route.name for route in load_service(preset, preset).routes)
