"""The cassette file: YAML, one per test by default, readable and diff-friendly.

```yaml
version: 1
recorded_at: "2026-11-22T13:58:15Z"
episodes:
  - request: {protocol, method, path, model, stream, system, messages, tools}   # what matching uses
    response: {status, headers, body}  or  {status, headers, events: [{delay_ms, data}]}
    reply: {text, tool_calls}                                                  # model: a readable summary; else {}
```

A service cassette's request is ``{protocol: service, method, path, query, body, upstream}``; its
response keeps every header but credentials and hop-by-hop ones, the upstream's URL as ``{{base}}``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import CassetteError, YamlLocationError
from ..yamlio import load_with_lines

VERSION = 1
HEADER = "# AgentTestLibrary cassette: recorded through the mock from an upstream provider, secrets scrubbed.\n"


@dataclass
class Episode:
    request: dict[str, Any]
    response: dict[str, Any]
    reply: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "response": self.response, "reply": self.reply}


@dataclass
class Cassette:
    path: Path
    recorded_at: dt.datetime
    episodes: list[Episode] = field(default_factory=list)

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        return (now or dt.datetime.now(dt.timezone.utc)) - self.recorded_at


def load_cassette(path: str | Path) -> Cassette:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CassetteError(
            f"Cassette '{file}' does not exist. Record it with record_mode=once (or AGENTTEST_RECORD_MODE=once); "
            "from the real providers that also needs RUN_LIVE_TESTS=true and the provider's key, from a loopback "
            "upstream (upstream_openai=... and the others) nothing more."
        ) from None
    try:
        data, lines = load_with_lines(text)
    except YamlLocationError as error:
        raise CassetteError(
            f"{file}:{error.line}: invalid YAML: {error.message}. Re-record the cassette or fix it by hand."
        ) from None

    def fail(key: tuple[str | int, ...], problem: str) -> CassetteError:
        line = next((lines[key[:depth]] for depth in range(len(key), -1, -1) if key[:depth] in lines), None)
        return CassetteError(f"{file}:{line}: {'.'.join(map(str, key)) or 'top level'}: {problem}")

    if not isinstance(data, dict):
        raise fail((), "expected a mapping with version, recorded_at, episodes.")
    unknown = set(data) - {"version", "recorded_at", "episodes"}
    if unknown:
        raise fail((sorted(unknown)[0],), "unknown key; a cassette has version, recorded_at and episodes.")
    if data.get("version") != VERSION:
        raise fail(("version",), f"unsupported version {data.get('version')!r}; expected {VERSION}.")
    try:
        recorded_at = dt.datetime.fromisoformat(str(data.get("recorded_at")).replace("Z", "+00:00"))
    except ValueError:
        raise fail(("recorded_at",), "expected an ISO timestamp such as 2026-11-22T13:58:15Z.") from None
    if recorded_at.tzinfo is None:
        recorded_at = recorded_at.replace(tzinfo=dt.timezone.utc)
    episodes = []
    for index, raw in enumerate(data.get("episodes") or []):
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("request"), dict)
            or not isinstance(raw.get("response"), dict)
        ):
            raise fail(("episodes", index), "each episode needs a 'request' and a 'response' mapping.")
        response = raw["response"]
        if not isinstance(response.get("status"), int) or ("body" not in response and "events" not in response):
            raise fail(
                ("episodes", index, "response"), "a response needs an integer 'status' and a 'body' or 'events'."
            )
        episodes.append(Episode(raw["request"], response, raw.get("reply") or {}))
    return Cassette(file, recorded_at, episodes)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (SSE events) as literal blocks, so cassettes read and diff line by line."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def save_cassette(cassette: Cassette, recorded_with: str = "") -> None:
    cassette.path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "version": VERSION,
        "recorded_at": cassette.recorded_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "episodes": [episode.to_dict() for episode in cassette.episodes],
    }
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)
    note = f"# {recorded_with}\n" if recorded_with else ""
    cassette.path.write_text(HEADER + note + text, encoding="utf-8")
