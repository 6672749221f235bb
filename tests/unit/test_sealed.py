"""The sealed network's pieces without a client: certificates, routes, proxy request heads, process attribution."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from AgentTestLibrary.errors import InputError
from AgentTestLibrary.sealed import attribution
from AgentTestLibrary.sealed.authority import CertificateAuthority
from AgentTestLibrary.sealed.proxy import _BadHead, _parse_head
from AgentTestLibrary.sealed.routes import DEFAULT_ROUTES, check_pattern, first_match, host_or_none, known_provider
from AgentTestLibrary.sealed.seal import TRUST_FILES, sealed_environment


def test_the_ca_and_a_leaf_carry_what_strict_verifiers_require(tmp_path: Path) -> None:
    authority = CertificateAuthority(tmp_path)
    ca = authority.certificate
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    leaf, _ = authority.leaf("api.openai.com")
    assert leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == ["api.openai.com"]  # fmt: skip
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.SERVER_AUTH])  # fmt: skip
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    assert aki == ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert leaf.issuer == ca.subject and leaf.not_valid_after_utc - leaf.not_valid_before_utc <= dt.timedelta(days=2)
    leaf.verify_directly_issued_by(ca)
    ip_leaf, _ = authority.leaf("[::1]")
    assert ip_leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.IPAddress)[0].compressed == "::1"  # fmt: skip


def test_no_private_key_is_left_on_disk_and_contexts_are_made_once_per_host(tmp_path: Path) -> None:
    authority = CertificateAuthority(tmp_path)
    context = authority.server_context("api.github.com")
    assert authority.server_context("api.github.com") is context
    assert authority.server_context("slack.com") is not context
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bundle.pem", "ca.pem"]
    assert b"PRIVATE KEY" not in authority.bundle.read_bytes()
    assert CertificateAuthority(tmp_path / "..", "ROOTS").bundle.read_text().endswith("\nROOTS")


@pytest.mark.parametrize(
    ("host", "target"),
    [("api.openai.com", "llm"), ("API.Anthropic.com", None), ("us-east5-aiplatform.googleapis.com", "llm"),
     ("bedrock-runtime.eu-west-1.amazonaws.com", "llm"), ("sts.amazonaws.com", "aws"),
     ("myres.openai.azure.com", "llm"), ("api.github.com", "preset:github"), ("slack.com", "preset:slack"),
     ("hooks.slack.com", "preset:slack"), ("example.com", None), ("evil-amazonaws.com", None)],
)  # fmt: skip
def test_default_routes(host: str, target: str | None) -> None:
    assert first_match(DEFAULT_ROUTES, host) == target  # hosts reach the table lower-cased


def test_hosts_and_patterns_are_checked() -> None:
    assert host_or_none("API.GitHub.com.") == "api.github.com"
    assert host_or_none("[::1]") == "[::1]" and host_or_none("a b") is None and host_or_none("x/y") is None
    assert check_pattern("*.Example.com", "Host") == "*.example.com"
    for bad in ("*", "", "a/b", "exa mple.com"):
        with pytest.raises(InputError, match="not a host or host pattern"):
            check_pattern(bad, "Host")
    assert known_provider("api.groq.com") == "Groq" and known_provider("example.com") == ""


def test_proxy_request_heads() -> None:
    connect = _parse_head(b"CONNECT API.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443")
    assert (connect.method, connect.host, connect.port, connect.plain) == ("CONNECT", "api.openai.com", 443, False)
    plain = _parse_head(b"POST http://api.github.com/repos?x=1 HTTP/1.1\r\nHost: api.github.com\r\nProxy-Connection: "
                        b"keep-alive\r\nProxy-Authorization: Basic eA==\r\nContent-Length: 2")  # fmt: skip
    assert (plain.host, plain.port, plain.path) == ("api.github.com", 80, "/repos?x=1")
    assert plain.origin_form() == (b"POST /repos?x=1 HTTP/1.1\r\nHost: api.github.com\r\nContent-Length: 2\r\n"
                                   b"connection: close\r\n\r\n")  # fmt: skip
    assert _parse_head(b"CONNECT [::1]:8443 HTTP/1.1").host == "[::1]"
    for bad in (b"CONNECT api.openai.com HTTP/1.1", b"CONNECT a:99999 HTTP/1.1", b"GET / HTTP/1.1",
                b"CONNECT user@host:443 HTTP/1.1", b"GET https://a.example/ HTTP/1.1", b"BAD LINE",
                b"CONNECT a:443 HTTP/1.1\r\nBad Header"):  # fmt: skip
        with pytest.raises(_BadHead):
            _parse_head(bad)


def test_the_sealed_environment() -> None:
    values = sealed_environment("http://127.0.0.1:9", Path("/p/bundle.pem"), Path("/p/empty"))
    assert {values[name] for name in TRUST_FILES} == {"/p/bundle.pem"}
    assert values["https_proxy"] == values["ALL_PROXY"] == "http://127.0.0.1:9"
    assert values["NO_PROXY"] == "localhost,127.0.0.1,::1" and values["SSL_CERT_DIR"] == "/p/empty"
    assert values["GIT_SSL_NO_VERIFY"] is None and values["NODE_USE_ENV_PROXY"] == "1"


def test_proc_addresses_and_the_owner_of_a_local_socket() -> None:
    assert attribution._proc_address("127.0.0.1", 8080) == "0100007F:1F90"
    assert attribution._proc_address("::1", 1) == "00000000000000000000000001000000:0001"
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp on this system: attribution reports no process there")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with socket.create_connection(listener.getsockname()) as client:
            accepted, _ = listener.accept()
            with accepted:
                ends = attribution.socket_ends(accepted)
                assert ends is not None and ends[0] == client.getsockname()
                found = attribution.owner(*ends)
    assert found.pid == os.getpid() and "pytest" in found.command
    assert attribution.owner(("127.0.0.1", 1), ("127.0.0.1", 2)) == attribution.UNKNOWN


@pytest.mark.parametrize(
    ("tags", "real_llm", "why"),
    [(("live", "lane:model-backed"), False, "tagged 'live'"), (("lane:model-backed",), False, "lane:model-backed"),
     (("lane:no-model",), True, "real-LLM mode is on (USE_REAL_LLM)")],
)  # fmt: skip
def test_sealing_is_an_error_in_the_live_lane(tags: tuple[str, ...], real_llm: bool, why: str) -> None:
    from AgentTestLibrary.environment import EnvironmentPatch
    from AgentTestLibrary.keywords import LibraryContext, MockLLMKeywords, SealedNetworkKeywords
    from AgentTestLibrary.keywords.scopes import Scope

    ctx = LibraryContext(scopes=[Scope("suite", "S", "S", "S"), Scope("test", "S.T", "T", "S", tags=tags)])
    llm = MockLLMKeywords(ctx)
    llm.real = EnvironmentPatch({}) if real_llm else None
    with pytest.raises(InputError, match=rf"cannot be used here: .*{re.escape(why)}.*Seal no-model tests only"):
        SealedNetworkKeywords(ctx, llm).seal_agent_network()


def test_a_service_stands_for_a_preset_by_name_by_routes_or_by_extending_it() -> None:
    from types import SimpleNamespace

    from AgentTestLibrary.environment import EnvironmentPatch
    from AgentTestLibrary.keywords.sealed import _is_preset
    from AgentTestLibrary.keywords.served import Served
    from AgentTestLibrary.mockservice import load_service

    def served(name: str, routes: str | Path | None) -> Served:
        return Served(name, SimpleNamespace(spec=load_service(routes, name)), None, "S", EnvironmentPatch({}))  # type: ignore[arg-type]

    triage = Path(__file__).parents[2] / "robot" / "e2e" / "services" / "github_triage.yaml"
    assert _is_preset(served("triage", triage), "github") and _is_preset(served("gh", "github"), "github")
    assert _is_preset(served("github", None), "github")  # named so
    assert not _is_preset(served("chat", "slack"), "github") and not _is_preset(served("empty", None), "slack")
