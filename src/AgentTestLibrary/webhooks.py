"""Webhook signatures the way each provider makes them, their verification, and delivery with redelivery.

=========  ==============================================  ==============================================
provider   headers                                         signed string → signature
=========  ==============================================  ==============================================
github     ``X-Hub-Signature-256``, ``X-GitHub-Event``,    body → ``sha256=`` + hex HMAC-SHA256(secret)
           ``X-GitHub-Delivery``
slack      ``X-Slack-Request-Timestamp``,                  ``v0:{ts}:{body}`` → ``v0=`` + hex HMAC-SHA256
           ``X-Slack-Signature``
stripe     ``Stripe-Signature: t={ts},v1={sig}``           ``{ts}.{body}`` → hex HMAC-SHA256
standard   ``webhook-id``, ``webhook-timestamp``,          ``{id}.{ts}.{body}`` → base64 HMAC-SHA256 with the
           ``webhook-signature: v1,{b64}``                 base64-decoded ``whsec_`` secret
=========  ==============================================  ==============================================

Receivers reject timestamps older than five minutes (:data:`TOLERANCE_S`); ``stale`` signs a
valid signature that old. A ``valid`` or ``stale`` signature needs the secret; ``missing`` sends
none (unsigned) and ``invalid`` signs with another one (:data:`SIGNED` says which, for the log).
Providers that retry (Slack, Stripe, Standard Webhooks) redeliver
when the receiver answers 5xx or does not answer; each redelivery is signed afresh. A receiver
is untrusted too: each attempt has one deadline for everything (connect, send, the whole answer;
a receiver that drips its answer is cut there), and at most ``max_answer_bytes`` of an answer are
read and kept (the attempt says how many, and whether the answer was longer).
No Robot Framework here: the keyword layer and the service mocks use it directly.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from .errors import WebhookError

Provider = Literal["github", "slack", "stripe", "standard"]
Signature = Literal["valid", "invalid", "stale", "missing"]
PROVIDERS: tuple[str, ...] = get_args(Provider)
TOLERANCE_S = 300
STALE_S = 600
SIGNED = {"valid": "signed with the secret", "invalid": "signed with a wrong secret",
          "stale": f"signed with the secret {STALE_S // 60} minutes ago", "missing": "unsigned"}  # fmt: skip
RETRIES = {"github": 0, "slack": 3, "stripe": 3, "standard": 3}  # GitHub never redelivers on its own
DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def _standard_key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookError(
            "A Standard Webhooks secret is 'whsec_' followed by base64 (e.g. whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw); "
            "the one given does not decode."
        ) from None


def sign(
    provider: str, secret: str, body: bytes, *, timestamp: int | None = None, event: str = "", delivery: str = ""
) -> dict[str, str]:
    """The headers a provider sends with ``body`` (content type and event headers included)."""
    when = int(time.time()) if timestamp is None else timestamp
    delivery = delivery or str(uuid.uuid4())
    headers = {"content-type": "application/json"}
    if provider == "github":
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers.update({"x-github-event": event or "ping", "x-github-delivery": delivery,
                        "x-hub-signature-256": f"sha256={digest}", "user-agent": "GitHub-Hookshot/0"})  # fmt: skip
    elif provider == "slack":
        digest = hmac.new(secret.encode(), b"v0:%d:%s" % (when, body), hashlib.sha256).hexdigest()
        headers.update({"x-slack-request-timestamp": str(when), "x-slack-signature": f"v0={digest}"})
    elif provider == "stripe":
        digest = hmac.new(secret.encode(), b"%d.%s" % (when, body), hashlib.sha256).hexdigest()
        headers["stripe-signature"] = f"t={when},v1={digest}"
    elif provider == "standard":
        identifier = delivery if delivery.startswith("msg_") else f"msg_{delivery.replace('-', '')}"
        signed = _hmac(_standard_key(secret), f"{identifier}.{when}.".encode() + body)
        headers.update({"webhook-id": identifier, "webhook-timestamp": str(when),
                        "webhook-signature": "v1," + base64.b64encode(signed).decode()})  # fmt: skip
    else:
        raise WebhookError(f"Unknown webhook provider '{provider}'; use one of {', '.join(PROVIDERS)}.")
    return headers


SIGNATURE_HEADERS = {
    "github": ("x-hub-signature-256",),
    "slack": ("x-slack-signature", "x-slack-request-timestamp"),
    "stripe": ("stripe-signature",),
    "standard": ("webhook-signature", "webhook-id", "webhook-timestamp"),
}


def verify(provider: str, secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None) -> str:
    """'' when the headers carry a valid, fresh signature of ``body``; else why not (for a 401's message)."""
    lower = {key.lower(): value for key, value in headers.items()}
    missing = [name for name in SIGNATURE_HEADERS.get(provider, ()) if name not in lower]
    if provider not in SIGNATURE_HEADERS:
        raise WebhookError(f"Unknown webhook provider '{provider}'; use one of {', '.join(PROVIDERS)}.")
    if missing:
        return f"missing signature header(s) {', '.join(missing)}"
    clock = time.time() if now is None else now
    if provider == "github":
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return "" if hmac.compare_digest(expected, lower["x-hub-signature-256"]) else "the signature does not match"
    if provider == "stripe":
        items = [item.strip().split("=", 1) for item in lower["stripe-signature"].split(",") if "=" in item]
        stamp = next((value for key, value in items if key == "t"), "")
        given = [value for key, value in items if key == "v1"]
    elif provider == "slack":
        stamp, given = lower["x-slack-request-timestamp"], [lower["x-slack-signature"].removeprefix("v0=")]
    else:
        stamp = lower["webhook-timestamp"]
        given = [item.split(",", 1)[1] for item in lower["webhook-signature"].split() if item.startswith("v1,")]
    if not stamp.isdigit():
        return f"the timestamp {stamp[:20]!r} is not a number"
    if abs(clock - int(stamp)) > TOLERANCE_S:
        return f"the timestamp is {abs(clock - int(stamp)):.0f} s away from now (more than {TOLERANCE_S} s)"
    if provider == "slack":
        expected = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    elif provider == "stripe":
        expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    else:
        signed = _hmac(_standard_key(secret), f"{lower['webhook-id']}.{stamp}.".encode() + body)
        expected = base64.b64encode(signed).decode()
    return "" if any(hmac.compare_digest(expected, value) for value in given) else "the signature does not match"


def signed_headers(
    provider: str, secret: str, body: bytes, signature: str, *, event: str = "", delivery: str = ""
) -> dict[str, str]:
    """Headers for one delivery, with a ``valid``, ``invalid`` (wrong secret), ``stale`` or ``missing`` signature."""
    if signature not in get_args(Signature):
        raise WebhookError(f"signature is one of {', '.join(get_args(Signature))}; got {signature!r}.")
    if signature == "stale" and provider == "github":
        raise WebhookError(
            "GitHub signs no timestamp, so a stale GitHub delivery cannot be told from a fresh one; "
            "use signature=invalid or missing, or a provider with timestamps (slack, stripe, standard)."
        )
    stamp = int(time.time()) - (STALE_S if signature == "stale" else 0)
    used = secret if signature != "invalid" else secret + "-wrong" if provider != "standard" else "whsec_d3Jvbmc="
    headers = sign(provider, used, body, timestamp=stamp, event=event, delivery=delivery)
    if signature == "missing":
        for name in SIGNATURE_HEADERS[provider]:
            headers.pop(name, None)
    return headers


@dataclass
class Attempt:
    number: int
    status: int | None  # None: no answer (refused, timed out)
    body: str
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # what was sent (signature included)
    kept_bytes: int = 0  # bytes of the answer read and kept in ``body``
    truncated: bool = False  # the answer was longer than the cap; the rest was never read


@dataclass
class Delivery:
    """Every attempt of one webhook delivery; ``status`` and ``body`` are the last attempt's."""

    attempts: list[Attempt]

    @property
    def status(self) -> int | None:
        return self.attempts[-1].status

    @property
    def body(self) -> str:
        return self.attempts[-1].body


def deliver(
    url: str,
    provider: str,
    body: bytes,
    secret: str,
    *,
    event: str = "",
    signature: str = "valid",
    retries: int | None = None,
    backoff_s: float = 0.5,
    timeout_s: float = 10.0,
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """POST ``body`` signed as ``provider`` does; redeliver on 5xx or no answer (``retries``; default: the
    provider's habit, none for GitHub), waiting ``backoff_s`` doubled each time. One delivery id throughout.
    Each attempt ends within ``timeout_s`` whatever the receiver does and keeps at most ``max_answer_bytes``.
    Raises :class:`WebhookError` when the last attempt got no answer (naming the URL and every attempt's error)."""
    if provider not in PROVIDERS:
        raise WebhookError(f"Unknown webhook provider '{provider}'; use one of {', '.join(PROVIDERS)}.")
    if not timeout_s > 0:
        raise WebhookError(f"timeout must be more than 0 seconds (the deadline of each attempt); got {timeout_s}.")
    if max_answer_bytes < 0:
        raise WebhookError(f"max_answer_bytes must be from 0 (bytes of an answer kept); got {max_answer_bytes}.")
    if not secret and signature in ("valid", "stale"):
        raise WebhookError(f"A {signature} {provider} signature needs the shared secret (secret=); for an unsigned "
                           "delivery give signature=missing, for a wrongly signed one signature=invalid.")  # fmt: skip
    delivery = str(uuid.uuid4())
    allowed = RETRIES[provider] if retries is None else retries
    attempts: list[Attempt] = []
    for number in range(1, allowed + 2):
        headers = signed_headers(provider, secret, body, signature, event=event, delivery=delivery)
        if number > 1 and provider == "slack":
            headers.update({"x-slack-retry-num": str(number - 1), "x-slack-retry-reason": "http_error"})
        attempts.append(
            asyncio.run(_attempt(number, url, body, headers, timeout_s=timeout_s, max_bytes=max_answer_bytes))
        )
        last = attempts[-1].status
        if last is not None and last < 500:
            break
        if number <= allowed:
            sleep(backoff_s * 2 ** (number - 1))
    if attempts[-1].status is None:
        tried = "; ".join(f"attempt {attempt.number}: {attempt.error}" for attempt in attempts)
        raise WebhookError(f"The {provider} webhook to {url} got no answer ({tried}). Is the receiver listening "
                           "there? Start it first, or give it more time with timeout=.")  # fmt: skip
    return Delivery(attempts)


async def _attempt(
    number: int, url: str, body: bytes, headers: dict[str, str], *, timeout_s: float, max_bytes: int
) -> Attempt:
    """One POST under one deadline for all of it; the answer is read up to ``max_bytes`` and no further."""
    import httpx  # loaded when a suite first delivers a webhook

    async def exchange() -> Attempt:
        sent = {**headers, "accept-encoding": "identity"}  # the cap counts the bytes as they come
        async with (
            httpx.AsyncClient(timeout=timeout_s) as client,
            client.stream("POST", url, content=body, headers=sent) as response,
        ):
            kept, truncated = bytearray(), False
            async for chunk in response.aiter_raw():
                room = max_bytes - len(kept)
                kept += chunk[:room]
                if len(chunk) > room:
                    truncated = True
                    break
            text = kept.decode(response.encoding or "utf-8", errors="replace")
            return Attempt(number, response.status_code, text, headers=headers, kept_bytes=len(kept),
                           truncated=truncated)  # fmt: skip

    try:
        return await asyncio.wait_for(exchange(), timeout_s)
    except asyncio.TimeoutError:
        error = f"no whole answer within the delivery's deadline of {timeout_s:g} s"
    except httpx.HTTPError as failure:
        root: BaseException = failure
        while (deeper := root.__cause__ or root.__context__) is not None:
            root = deeper  # the operating system's own words (connection refused ...) sit at the bottom
        cause = f" ({root})" if str(root) and str(root) != str(failure) else ""
        error = f"{type(failure).__name__}: {failure}{cause}"
    return Attempt(number, None, "", error, headers)
