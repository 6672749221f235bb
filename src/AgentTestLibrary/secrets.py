"""One registry of secret values to mask, and the one set of key patterns, used by everything that writes.

Seeded from the environment (names ending in _API_KEY, _TOKEN, _SECRET, _PASSWORD ...) and
extended with :meth:`SecretRegistry.add`. Masking replaces, anywhere in a string or nested
JSON data:

- every known value, and its percent-encoded and base64 forms (also inside a longer base64 blob);
- keys nobody registered, recognised by shape (``sk-...``, ``sk-ant-...``, ``AIza...``, bearer
  tokens, GitHub, Slack, Stripe and AWS key ids): :data:`KEY_PATTERNS`;
- credential query parameters by name (``?key=``, ``api_key=``, ``access_token=`` ...): :data:`CREDENTIAL_PARAMETERS`,
  the one list of them (mocks register the values agents send this way, so they are masked anywhere else too);
- the password of a URL's user info (``http://user:PASSWORD@proxy``).

The journal, evidence files, cassettes (with :data:`SCRUBBED` as the mask), fake CLI and hook
evidence and the Robot listener all call this one module.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus

MASK = "***"
REDACTED = "[REDACTED]"
SECRET_ENV_NAME = re.compile(
    r"(API_KEY|APIKEY|ACCESS_KEY|SECRET_KEY|_TOKEN|_SECRET|PASSWORD|ADMIN_TOKEN|CREDENTIALS?)$", re.IGNORECASE
)
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "cookie",
        "set-cookie",
        "proxy-authorization",
        "x-agenttest-admin-token",
    }
)
MIN_SECRET_LENGTH = 6
MIN_BASE64_CORE = 8
# The mock's own fixture keys look like real keys on purpose; they are not secrets.
FIXTURE_MARKER = "agenttest-fixture"

# Keys nobody registered, recognised by their shape: the literals a match must contain (lower case; one of
# them), then the pattern. A group named ``keep`` survives the mask.
KEY_PATTERNS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("sk-ant-",), r"sk-ant-[A-Za-z0-9_\-]{8,}"),
    (("sk-",), r"sk-(?:proj-|svcacct-)?[A-Za-z0-9_\-]{16,}"),
    (("aiza",), r"AIza[0-9A-Za-z_\-]{30,}"),
    (("gh",), r"gh[pousr]_[A-Za-z0-9]{30,}"),
    (("github_pat_",), r"github_pat_[A-Za-z0-9_]{20,}"),
    (("xox",), r"xox[abprs]-[A-Za-z0-9\-]{10,}"),
    (("_live_", "_test_"), r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),
    (("whsec_",), r"whsec_[A-Za-z0-9+/=]{16,}"),
    (("akia",), r"AKIA(?<!\wAKIA)[0-9A-Z]{16}\b"),  # AKIA at a word's start; the literal first
    (("bearer",), r"(?i)(?P<keep>bearer\s+)[A-Za-z0-9._~+/\-]{12,}=*"),
    (("api-key",), r'(?i)(?P<keep>"?x-(?:goog-)?api-key"?\s*[:=]\s*"?)[^"\s,}]+'),
)
CREDENTIAL_PARAMETERS = (
    "key", "api_key", "apikey", "api-key", "access_token", "token", "auth", "client_secret", "password",
    "secret", "sig", "signature", "x-goog-api-key", "code", "refresh_token", "id_token", "x-amz-security-token",
    "x-amz-signature",
)  # fmt: skip
_CREDENTIAL_NAMES = frozenset(CREDENTIAL_PARAMETERS)
_PARAMETER = re.compile(
    r"(?i)(?P<keep>[?&;](?:" + "|".join(re.escape(name) for name in CREDENTIAL_PARAMETERS) + r")=)[^&#\s\"'<>]+"
)


def is_credential_parameter(name: str) -> bool:
    """Whether a query parameter (or form field) of this name carries a credential (``access_token``, ``key`` ...)."""
    return name.lower() in _CREDENTIAL_NAMES


def parameter_credentials(query: str) -> list[str]:
    """The values of credential parameters in a query string or a form body (``page=2&access_token=...``)."""
    if _PARAMETER.search("&" + query) is None:  # the common case, a third of parsing it
        return []
    return [value for name, value in parse_qsl(query.split("#", 1)[0]) if is_credential_parameter(name)]


def masked_parameters(parameters: Mapping[str, Any], mask: str = MASK) -> dict[str, Any]:
    """Query parameters (or form fields) with the values of credential ones replaced by ``mask``."""
    return {name: mask if is_credential_parameter(name) else value for name, value in parameters.items()}


# A URL's password (``scheme://user:PASSWORD@``). The search starts at ``://`` and checks the scheme's last
# character behind it: a pattern that began with the scheme (``\b[a-z][a-z0-9+.-]*://``) retried every word
# start inside a long run like ``a.a.a…`` to its end, quadratic in the run (40 KB took 5 s, 3 MiB hours).
_USERINFO = re.compile(r"(?i)(?P<keep>://(?<=[A-Za-z0-9+.\-]://)[^/\s:@\"']+:)[^/\s@\"']+(?=@)")

# Every shape masking looks for, with the literals that must be in a text for it to be there. Each pattern
# runs alone (a combined alternation is tried at every position of the text; a pattern that begins with a
# literal is searched for that literal), and only in a text holding one of its literals: masking is linear
# in the text and a long prompt without key-like words costs a few substring searches.
_SHAPES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    *((hints, re.compile(pattern)) for hints, pattern in KEY_PATTERNS),
    (("=",), _PARAMETER),
    (("://",), _USERINFO),
)

# A match may end inside the opening of the next (``Bearer …Bearer tok``, ``x-api-key="x-goog-api-key": "tok``):
# the next search starts this many characters before its end (each text is read a bounded number of times).
_OVERLAP = 16
# Letters the regex engine's IGNORECASE matches that lower() keeps apart (dotless i, long s).
_FOLDED = str.maketrans({"\u0131": "i", "\u017f": "s"})


def _keep(match: re.Match[str]) -> str:
    return next((value for value in match.groupdict().values() if value), "")


def merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def variants(value: str) -> set[str]:
    """The forms a value takes on the wire: itself, percent-encoded, and base64 (also mid-blob)."""
    found = {value, quote(value, safe=""), quote_plus(value)}
    raw = value.encode()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for offset in range(3):
            encoded = encode(b"\0" * offset + raw).decode()
            # Characters of 3-byte groups that lie wholly inside the value do not depend on its neighbours.
            first_group = (offset + 2) // 3
            last_group = (offset + len(raw)) // 3
            core = encoded[4 * first_group : 4 * last_group]
            if len(core) >= MIN_BASE64_CORE:
                found.add(core)
    return {form for form in found if len(form) >= MIN_SECRET_LENGTH}


_FOREVER = object()  # the owner of values registered for the whole run


class SecretRegistry:
    """Thread-safe set of values that must never appear in output.

    Registering is O(1) in the number of values already known: a value's forms are worked out
    once, when it is added, and masking looks for every live form (a fast substring search per
    form, all of them, then the spans merged), so nothing is recompiled as a run grows. A value
    added with an ``owner`` (a mock's admin token, owned by its pipeline) leaves the registry
    with :meth:`release` of that owner, unless it was registered for good as well.
    """

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._holders: dict[str, set[object]] = {}  # value -> who registered it (_FOREVER: for the whole run)
        self._owned: dict[object, set[str]] = {}  # owner -> the values it registered
        self._forms: dict[str, int] = {}  # every form of every live value -> how many values have it
        self._snapshot: tuple[str, ...] | None = ()  # the forms, for readers (rebuilt after a change)
        if values:
            self.add_from_environment(values)

    def add(self, value: str | None, owner: object = _FOREVER) -> None:
        """Mask ``value`` (and its encoded forms) from now on: for the whole run, or until ``release(owner)``."""
        if not value or len(value) < MIN_SECRET_LENGTH or FIXTURE_MARKER in value:
            return
        holders = self._holders.get(value)
        if holders is not None and owner in holders:
            return
        with self._lock:
            holders = self._holders.get(value)
            if holders is None:
                holders = self._holders[value] = set()
                for form in variants(value):
                    self._forms[form] = self._forms.get(form, 0) + 1
                self._snapshot = None
            holders.add(owner)
            if owner is not _FOREVER:
                self._owned.setdefault(owner, set()).add(value)

    def release(self, owner: object) -> None:
        """Forget the values ``owner`` registered, except those someone else (or the whole run) still holds."""
        with self._lock:
            for value in self._owned.pop(owner, ()):
                holders = self._holders[value]
                holders.discard(owner)
                if holders:
                    continue
                del self._holders[value]
                for form in variants(value):
                    left = self._forms[form] - 1
                    if left:
                        self._forms[form] = left
                    else:
                        del self._forms[form]
                self._snapshot = None

    def add_parameters(self, query: str) -> None:
        """Mask from now on the values of credential parameters in a query string or form body
        (:func:`parameter_credentials`): an agent's ``?access_token=`` is then masked in every form, everywhere."""
        for value in parameter_credentials(query):
            self.add(value)

    def add_from_environment(self, environ: Mapping[str, str] | None = None) -> None:
        for name, value in (os.environ if environ is None else environ).items():
            if SECRET_ENV_NAME.search(name):
                self.add(value)

    def __len__(self) -> int:
        """How many values are masked now."""
        return len(self._holders)

    def _known_forms(self) -> tuple[str, ...]:
        snapshot = self._snapshot
        if snapshot is None:
            with self._lock:
                snapshot = self._snapshot = tuple(self._forms)
        return snapshot

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where secrets sit in ``text``: known values in any form, key shapes, credential parameters."""
        found = []
        for form in self._known_forms():
            start = text.find(form)
            while start >= 0:
                found.append((start, start + len(form)))
                start = text.find(form, start + 1)
        lowered = text.lower() if text.isascii() else text.lower().translate(_FOLDED)
        for hints, regex in _SHAPES:
            if not any(hint in lowered for hint in hints):
                continue
            position = 0
            while (match := regex.search(text, position)) is not None:
                start = match.start() + len(_keep(match))
                if start < match.end() and FIXTURE_MARKER not in match.group(0):
                    found.append((start, match.end()))
                position = max(match.end() - _OVERLAP, match.start() + 1)
        return merge(found)

    def mask_text(self, text: str, mask: str = MASK) -> str:
        if len(text) < MIN_SECRET_LENGTH:  # shorter than any secret form, key shape or credential parameter
            return text
        spans = self.spans(text)
        if not spans:
            return text
        parts, position = [], 0
        for start, end in spans:
            parts += [text[position:start], mask]
            position = end
        parts.append(text[position:])
        return "".join(parts)

    def mask(self, data: Any, mask: str = MASK) -> Any:
        """Mask every secret inside nested JSON-like data or frozen dataclasses; a text that occurs more than once
        (a journal entry holds the prompt as sent, as read and as the latest user text) is masked once."""
        masked: dict[str, str] = {}

        def mask_once(text: str) -> str:
            done = masked.get(text)
            if done is None:
                done = masked[text] = self.mask_text(text, mask)
            return done

        return _walk(data, mask_once)

    def mask_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Credential headers are dropped to a marker; others are masked like any text."""
        return {
            name: REDACTED if name.lower() in SECRET_HEADERS else self.mask_text(value)
            for name, value in headers.items()
        }


def _walk(data: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(data, str):
        return mask(data)
    if isinstance(data, dict):
        return {mask(str(key)): _walk(value, mask) for key, value in data.items()}
    if isinstance(data, list):
        return [_walk(item, mask) for item in data]
    if isinstance(data, tuple):
        return tuple(_walk(item, mask) for item in data)
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        changes = {f.name: _walk(getattr(data, f.name), mask) for f in dataclasses.fields(data) if f.init}
        return dataclasses.replace(data, **changes)
    return data
