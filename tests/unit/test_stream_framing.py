"""A whole SSE stream framed in one write: each event its own chunk, byte for byte what the event says it is."""

from __future__ import annotations

from AgentTestLibrary.mock.http import LAST_CHUNK, Event, chunk, event_stream

EVENTS = [
    Event({"id": "chatcmpl-1", "choices": [{"delta": {"content": "héllo ✓"}}]}),
    Event({}),
    Event({"text": "lone \ud800 surrogate"}),  # orjson refuses it: the stdlib escapes it
    Event("[DONE]"),
    Event({"type": "message_start"}, name="message_start"),
    Event({"type": "réponse"}, name="réponse.créée"),  # a name of several bytes a character: the size line counts bytes
    Event("plain text", name="ping"),
    Event(None, raw=b": comment\n\n"),
    Event([1, 2, {"deep": [None, True]}]),
]


def dechunk(body: bytes) -> list[bytes]:
    pieces = []
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            assert body == b"\r\n"
            return pieces
        pieces.append(body[:size])
        assert body[size : size + 2] == b"\r\n"
        body = body[size + 2 :]


def test_every_kind_of_event_is_framed_as_its_own_sse_text() -> None:
    body = event_stream(EVENTS)
    assert body == b"".join(chunk(event.sse()) for event in EVENTS) + LAST_CHUNK
    assert dechunk(body) == [event.sse() for event in EVENTS]
    assert dechunk(body)[0].startswith(b"data: {") and dechunk(body)[0].endswith(b"}\n\n")


def test_an_empty_stream_is_the_last_chunk_alone() -> None:
    assert event_stream([]) == LAST_CHUNK
