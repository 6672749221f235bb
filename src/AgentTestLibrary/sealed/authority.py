"""A per-seal certificate authority: the CA's key stays in memory, leaf certificates are made per host on demand.

What strict clients check, and what every certificate here therefore carries:

- the CA: X.509 v3, ``basicConstraints`` CA:TRUE with ``pathLen`` 0 (critical), ``keyUsage``
  keyCertSign + cRLSign (critical), a subject key identifier; EC P-256, ECDSA with SHA-256;
- a leaf: the exact host as its only ``subjectAltName`` (a DNS name, or an IP address for a
  literal; Go, rustls/webpki and Node ignore the common name), ``basicConstraints`` CA:FALSE
  (webpki refuses a CA used as an end entity), ``keyUsage`` digitalSignature (critical),
  ``extendedKeyUsage`` serverAuth, subject and authority key identifiers (Python 3.13's
  ``VERIFY_X509_STRICT`` needs the latter), a validity of one day that began an hour ago (clock skew).

The CA's private key never touches the disk. ``ssl`` loads a leaf only from files, so each
leaf's key is written to the private folder encrypted with a one-time password, loaded, and
removed at once. The public bundle (:attr:`CertificateAuthority.bundle`) holds this CA alone
(or, when a seal allows real hosts, this CA followed by the system's roots): a client that
escaped the proxy then fails verification against a real host instead of talking to it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = dt.timedelta(days=1)
BACKDATE = dt.timedelta(hours=1)
ALPN = ["http/1.1"]  # HTTP/2-preferring clients fall back to HTTP/1.1, which the mocks speak


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AgentTestLibrary"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])  # fmt: skip


def _key_usage(*granted: str) -> x509.KeyUsage:
    usages = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
              "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")  # fmt: skip
    return x509.KeyUsage(**{usage: usage in granted for usage in usages})


def _subject_alt_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return x509.DNSName(host)


class CertificateAuthority:
    """A fresh CA whose certificate is written to ``folder`` (``ca.pem``, ``bundle.pem``); leaves on demand."""

    def __init__(self, folder: Path, extra_roots: str = "") -> None:
        self.folder = folder
        self._key = ec.generate_private_key(ec.SECP256R1())
        start = _now() - BACKDATE
        label = f"AgentTestLibrary sealed network CA {os.getpid()}-{secrets.token_hex(4)}"
        public = self._key.public_key()
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(label))
            .issuer_name(_name(label))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage("digital_signature", "key_cert_sign", "crl_sign"), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        self.pem = self.certificate.public_bytes(serialization.Encoding.PEM)
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(self.pem)
        self.bundle = folder / "bundle.pem"
        self.bundle.write_bytes(self.pem + (b"\n" + extra_roots.encode() if extra_roots else b""))
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def leaf(self, host: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        """A new leaf certificate for exactly ``host``, signed by this CA, and its key."""
        key = ec.generate_private_key(ec.SECP256R1())
        start = _now() - BACKDATE
        ski = self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(host))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + VALIDITY)
            .add_extension(x509.SubjectAlternativeName([_subject_alt_name(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage("digital_signature"), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        return certificate, key

    def server_context(self, host: str) -> ssl.SSLContext:
        """The TLS server context presenting ``host``'s leaf (made once per host), ALPN ``http/1.1`` only."""
        with self._lock:
            context = self._contexts.get(host)
            if context is None:
                context = self._contexts[host] = self._make_context(host)
            return context

    def _make_context(self, host: str) -> ssl.SSLContext:
        certificate, key = self.leaf(host)
        password = secrets.token_bytes(32)
        chain = certificate.public_bytes(serialization.Encoding.PEM) + self.pem
        encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(password))  # fmt: skip
        path = self.folder / f"leaf-{secrets.token_hex(8)}.pem"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(chain + encrypted)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(path, password=password)
        finally:
            path.unlink(missing_ok=True)
        context.set_alpn_protocols(ALPN)
        return context
