"""What every cassette in use shares, whatever it records: the modes, episode choice, near misses, writing.

Modes as in vcrpy: ``none`` replays only (an unmatched request is a strict failure), ``once``
records only when the cassette does not exist yet, ``new_episodes`` replays what matches and
records the rest, ``all`` records everything afresh. A request is matched on its scrubbed
request view, compared field by field (``match_on``); identical requests (retries) take the
next recorded episode, and past the end the last one again unless the mode records.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import CassetteError
from ..secrets import SecretRegistry
from .model import Cassette, Episode, load_cassette, save_cassette
from .options import RECORD_MODES


@dataclass(frozen=True)
class UpstreamFailure:
    """The upstream could not be reached while recording: the test must skip (sealed network) or fail."""

    url: str
    detail: str


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def difference(name: str, recorded: Any, sent: Any) -> str:
    """One field that differs, with both values (the first differing message for ``messages``)."""
    if name == "messages" and isinstance(recorded, list) and isinstance(sent, list):
        for position, (old, new) in enumerate(zip(recorded, sent, strict=False)):
            if old != new:
                return f"message {position + 1} differs: recorded {short(old)}, sent {short(new)}"
        return f"messages differ in number: recorded {len(recorded)}, sent {len(sent)}"
    return f"{name} differs: recorded {short(recorded)}, sent {short(sent)}"


def short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Recording:
    """One cassette file in use by one test: load it (by mode), pick episodes, record new ones, write it."""

    always_matched: tuple[str, ...] = ()  # view fields compared whatever ``match_on`` says

    def __init__(self, path: str | Path, mode: str, secrets: SecretRegistry, match_on: tuple[str, ...],
                 match_fields: tuple[str, ...]) -> None:  # fmt: skip
        if mode not in RECORD_MODES:
            raise CassetteError(f"record_mode must be one of {', '.join(RECORD_MODES)}; got {mode!r}.")
        unknown = [name for name in match_on if name not in match_fields]
        if unknown:
            raise CassetteError(f"match_on fields {unknown} are unknown; choose from {', '.join(match_fields)}.")
        self.path = Path(path)
        self.mode = mode
        self.secrets = secrets
        self.match_on = match_on
        self.existed = self.path.is_file()
        if mode == "all" or not self.existed:
            self.cassette = Cassette(self.path, dt.datetime.now(dt.timezone.utc))
        else:
            self.cassette = load_cassette(self.path)
        self._lock = threading.Lock()
        self._used: dict[int, int] = {}
        self.dirty = False
        self.upstream_failures: list[UpstreamFailure] = []

    @property
    def may_record(self) -> bool:
        return self.mode in ("all", "new_episodes") or (self.mode == "once" and not self.existed)

    def upstream_urls(self) -> list[str]:
        """Where recording would send requests (what decides whether the live-lane rules apply)."""
        raise NotImplementedError

    def upstream_labels(self) -> list[str]:
        """The upstreams given, as a re-record hint names them (``openai http://127.0.0.1:8000``)."""
        raise NotImplementedError

    @property
    def records_from_real_providers(self) -> bool:
        """Recording will (by configuration) reach beyond loopback: the live-lane rules apply."""
        return self.may_record and not all(is_loopback(url) for url in self.upstream_urls())

    def _compared(self) -> tuple[str, ...]:
        return (*self.always_matched, *self.match_on)

    def _key(self, view: Mapping[str, Any]) -> str:
        return json.dumps({name: view.get(name) for name in self._compared()}, sort_keys=True, default=str)

    def pick(self, view: Mapping[str, Any]) -> int | None:
        """The episode that answers a (scrubbed) request view, marked used; None when it must be recorded or fails."""
        key = self._key(view)
        with self._lock:
            matches = [i for i, episode in enumerate(self.cassette.episodes) if self._key(episode.request) == key]
            unused = [i for i in matches if not self._used.get(i)]
            chosen = unused[0] if unused else (matches[-1] if matches and not self.may_record else None)
            if chosen is None or self.mode == "all":
                return None
            self._used[chosen] = self._used.get(chosen, 0) + 1
            return chosen

    def add(self, episode: Episode) -> None:
        """A freshly recorded episode (already scrubbed), counted as used."""
        with self._lock:
            self.cassette.episodes.append(episode)
            self._used[len(self.cassette.episodes) - 1] = 1
            self.dirty = True

    def near_miss(self, view: Mapping[str, Any]) -> str:
        if not self.cassette.episodes:
            return f"the cassette {self.path} has no episodes" + ("" if self.existed else " (it does not exist)")
        scored = []
        for index, episode in enumerate(self.cassette.episodes):
            differing = [name for name in self._compared() if episode.request.get(name) != view.get(name)]
            scored.append((len(differing), index, differing))
        _, index, differing = min(scored)
        recorded = self.cassette.episodes[index].request
        shown = "; ".join(difference(name, recorded.get(name), view.get(name)) for name in differing)
        return f"closest was cassette episode {index + 1}: {shown}"

    def close(self) -> None:
        """The test is over: let go of what recording holds (a session with the real server)."""

    def save(self, recorded_with: str = "") -> bool:
        """Write the cassette if anything was recorded; True when written."""
        if not self.dirty:
            return False
        self.cassette.recorded_at = dt.datetime.now(dt.timezone.utc)
        save_cassette(self.cassette, recorded_with)
        self.dirty = False
        return True
