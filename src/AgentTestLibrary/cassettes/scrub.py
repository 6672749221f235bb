"""Remove secrets from anything about to be written to a cassette, streams reassembled first.

Known values and key shapes come from :mod:`AgentTestLibrary.secrets` (the one pattern set);
credential headers are dropped. A key a provider streams in pieces (``"sk-ant-ab"`` in one
event, ``"cdef..."`` in the next) is found in the reassembled text of each stream channel and
masked in every piece it touches.
"""

from __future__ import annotations

import json
from typing import Any

from ..secrets import SECRET_HEADERS, SecretRegistry

SCRUBBED = "<scrubbed>"


def scrub_text(text: str, secrets: SecretRegistry) -> str:
    return secrets.mask_text(text, SCRUBBED)


def scrub(data: Any, secrets: SecretRegistry) -> Any:
    if isinstance(data, str):
        return scrub_text(data, secrets)
    if isinstance(data, dict):
        return {key: scrub(value, secrets) for key, value in data.items() if str(key).lower() not in SECRET_HEADERS}
    if isinstance(data, list):
        return [scrub(item, secrets) for item in data]
    return data


Slot = tuple[int, tuple[Any, ...]]  # (event number, path to a string inside its JSON payload)


def scrub_events(events: list[dict[str, Any]], secrets: SecretRegistry) -> list[dict[str, Any]]:
    """Scrub recorded SSE events ``{delay_ms, data}``, including keys split across events.

    Strings at the same JSON path in successive events (the deltas of one stream) form a
    channel; each channel's text is scrubbed as a whole and the result mapped back onto the
    pieces, so a split key is masked in every event that carries part of it.
    """
    payloads: list[tuple[str, Any]] = []
    channels: dict[tuple[Any, ...], list[Slot]] = {}
    for number, event in enumerate(events):
        prefix, payload = _split_data(str(event.get("data", "")))
        payloads.append((prefix, payload))
        if payload is not None:
            for path, _ in _strings(payload, ()):
                signature = tuple("*" if isinstance(part, int) else part for part in path)
                channels.setdefault(signature, []).append((number, path))
    changed: dict[int, Any] = {}
    for slots in channels.values():
        texts = [_get(payloads[number][1], path) for number, path in slots]
        for (number, path), before, after in zip(slots, texts, _scrub_pieces(texts, secrets), strict=True):
            if after != before:
                changed[number] = _set(changed.get(number, payloads[number][1]), path, after)
    scrubbed = []
    for number, event in enumerate(events):
        data = str(event.get("data", ""))
        if number in changed:  # only events that held a secret are re-serialized
            data = payloads[number][0] + json.dumps(changed[number], ensure_ascii=False, separators=(",", ":"))
        elif payloads[number][1] is None:
            data = scrub_text(data, secrets)
        scrubbed.append({**event, "data": data})
    return scrubbed


def _scrub_pieces(texts: list[str], secrets: SecretRegistry) -> list[str]:
    """Scrub the concatenation of ``texts``; a masked span is written into the first piece it touches."""
    spans = secrets.spans("".join(texts))
    if not spans:
        return texts
    hidden = [False] * sum(len(text) for text in texts)
    for start, end in spans:
        hidden[start:end] = [True] * (end - start)
    result, position = [], 0
    for text in texts:
        piece = []
        for offset, character in enumerate(text):
            index = position + offset
            if not hidden[index]:
                piece.append(character)
            elif index == 0 or not hidden[index - 1]:
                piece.append(SCRUBBED)  # where a span starts; its other characters vanish
        result.append("".join(piece))
        position += len(text)
    return result


def _split_data(block: str) -> tuple[str, Any]:
    """An SSE block's ``event:`` lines and the JSON of its ``data:`` line (None if not JSON)."""
    head, marker, payload = block.rpartition("data:")
    if not marker:
        return block, None
    try:
        return head + marker + " ", json.loads(payload)
    except ValueError:
        return block, None


def _strings(data: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    if isinstance(data, str):
        return [(path, data)]
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in _strings(value, (*path, key))]
    if isinstance(data, list):
        return [found for index, value in enumerate(data) for found in _strings(value, (*path, index))]
    return []


def _get(data: Any, path: tuple[Any, ...]) -> str:
    for part in path:
        data = data[part]
    return str(data)


def _set(data: Any, path: tuple[Any, ...], value: str) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {**data, head: _set(data[head], rest, value)}
    copy = list(data)
    copy[head] = _set(copy[head], rest, value)
    return copy
