"""The AWS event-stream binary framing (``application/vnd.amazon.eventstream``) that Bedrock streams in.

One message is: a prelude (total length, headers length, both big-endian uint32, then the
CRC32 of those 8 bytes), the headers (name length uint8, name, value type 7 = string,
value length uint16, value), the payload, and the CRC32 of everything before it. This is
what botocore's ``EventStreamBuffer`` and the ``anthropic`` SDK's Bedrock decoder read.
"""

from __future__ import annotations

import struct
from binascii import crc32
from typing import Any

from . import jsonio

STRING_TYPE = 7
CONTENT_TYPE = "application/vnd.amazon.eventstream"


def _headers(headers: dict[str, str]) -> bytes:
    encoded = bytearray()
    for name, value in headers.items():
        name_bytes, value_bytes = name.encode(), value.encode()
        encoded += struct.pack(">B", len(name_bytes)) + name_bytes
        encoded += struct.pack(">BH", STRING_TYPE, len(value_bytes)) + value_bytes
    return bytes(encoded)


def message(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message with string headers."""
    head = _headers(headers)
    prelude = struct.pack(">II", 12 + len(head) + len(payload) + 4, len(head))
    prelude += struct.pack(">I", crc32(prelude) & 0xFFFFFFFF)
    body = prelude + head + payload
    return body + struct.pack(">I", crc32(body) & 0xFFFFFFFF)


def event(event_type: str, data: Any) -> bytes:
    """An ``event`` message carrying JSON, as Bedrock frames ``messageStart``, ``chunk`` ..."""
    headers = {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}
    return message(headers, jsonio.dumps(data))
