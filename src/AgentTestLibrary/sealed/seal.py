"""One sealed network from start to end: its CA, its proxy, and what agent processes started meanwhile see.

What a seal exports (and puts back exactly when it ends):

- the proxy, for every client that reads the conventional variables: ``HTTPS_PROXY``,
  ``HTTP_PROXY``, ``ALL_PROXY`` in both cases; ``NO_PROXY`` (both cases) for loopback only, so the
  mocks' own URLs are reached directly; ``NODE_USE_ENV_PROXY=1`` (Node 24+ honours the variables then);
- the CA bundle, under every name a common client reads a trust file from (:data:`TRUST_FILES`), and
  ``SSL_CERT_DIR`` as an empty folder, so OpenSSL's default directory (the system store) does not
  come back in; ``GIT_SSL_NO_VERIFY`` and ``NODE_TLS_REJECT_UNAUTHORIZED`` are unset, so TLS is
  really verified against the seal's CA.

The bundle holds the seal's CA alone: a client that bypassed the proxy and reached a real host
fails to verify it instead of talking to it. With an allow-list the system's roots (the trust
file the environment named before the seal, else OpenSSL's default file) follow the CA, since
allowed hosts present real certificates.
"""

from __future__ import annotations

import os
import shutil
import ssl
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from ..environment import EnvironmentPatch
from ..secrets import SecretRegistry
from .authority import CertificateAuthority
from .proxy import EgressProxy
from .routes import Router

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
NO_PROXY = "localhost,127.0.0.1,::1"
TRUST_FILES = (
    "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO",
    "AWS_CA_BUNDLE", "CODEX_CA_CERTIFICATE", "HTTPLIB2_CA_CERTS", "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
    "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE", "NIX_SSL_CERT_FILE", "PIP_CERT",
)  # fmt: skip
UNSET = ("GIT_SSL_CAPATH", "GIT_SSL_NO_VERIFY", "NODE_TLS_REJECT_UNAUTHORIZED")


def sealed_environment(proxy_url: str, bundle: Path, empty_dir: Path) -> dict[str, str | None]:
    """The variables a seal exports (None: unset)."""
    values: dict[str, str | None] = {name: proxy_url for name in PROXY_VARIABLES}
    values |= {"NO_PROXY": NO_PROXY, "no_proxy": NO_PROXY, "NODE_USE_ENV_PROXY": "1", "SSL_CERT_DIR": str(empty_dir)}
    values |= {name: str(bundle) for name in TRUST_FILES}
    values |= {name: None for name in UNSET}
    return values


def system_roots(environ: Mapping[str, str]) -> str:
    """The PEM text of the roots the environment trusted before the seal ('' when no file is found)."""
    candidates = [environ.get(name, "") for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")]
    candidates.append(ssl.get_default_verify_paths().openssl_cafile)
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_text(encoding="utf-8", errors="replace")
    return ""


class Seal:
    """A running sealed network. ``folder``: a private folder of its own (removed by :meth:`close`)."""

    def __init__(self, folder: Path, router: Router, secrets: SecretRegistry | None = None,
                 environ: MutableMapping[str, str] | None = None) -> None:  # fmt: skip
        self.folder = folder
        self.router = router
        environ = os.environ if environ is None else environ
        self.authority = CertificateAuthority(folder, system_roots(environ) if router.allow else "")
        self.proxy = EgressProxy(self.authority, router.decide, secrets)
        self.url = self.proxy.start()
        empty = folder / "no-other-certificates"
        empty.mkdir(mode=0o700)
        self.environment = EnvironmentPatch(sealed_environment(self.url, self.authority.bundle, empty), environ)
        self.environment.apply()

    def close(self) -> None:
        """Stop the proxy, put the environment back, remove the folder (bundle, leaf files)."""
        try:
            self.proxy.stop()
        finally:
            self.environment.restore()
            shutil.rmtree(self.folder, ignore_errors=True)
