"""Big bodies: masking, the journal, evidence and token counts read a long text a bounded number of times."""

from __future__ import annotations

import itertools
import json
import random
import re
import string
from typing import Any

import pytest

from AgentTestLibrary import secrets as secrets_module
from AgentTestLibrary.keywords.evidence import evidence_payload
from AgentTestLibrary.mock.http import Request
from AgentTestLibrary.mockllm import MockLLM
from AgentTestLibrary.mockllm.tokens import _TOKEN, count_tokens
from AgentTestLibrary.secrets import MASK, SecretRegistry

SIZE = 400_000
# Runs a masking pattern could start in at every position: ``a.a.a…`` and ``ab-ab-…`` made the URL-password
# pattern retry each word start to the end of the run (40 KB took 5 s; this size, minutes).
HOSTILE = ("a.", "ab-", "sk-", "Bearer ", "x-api-key ", "://a:", "AKIA", "?key=", "gh", "x" * 40 + "://u:")


class CountingShape:
    """A masking pattern that records what each search reads: from where it starts to the end of its match."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.reads: list[tuple[int, int]] = []

    def search(self, text: str, position: int) -> re.Match[str] | None:
        found = self.regex.search(text, position)
        self.reads.append((position, len(text) if found is None else found.end()))
        return found


def counted_shapes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[str, ...], CountingShape]]:
    shapes = [(hints, CountingShape(regex)) for hints, regex in secrets_module._SHAPES]
    monkeypatch.setattr(secrets_module, "_SHAPES", tuple(shapes))
    return shapes


def spans_counter(monkeypatch: pytest.MonkeyPatch, text: str) -> list[int]:
    """How often the masker reads ``text`` (a list, to be read after the work)."""
    reads = [0]
    original = SecretRegistry.spans

    def spans(self: SecretRegistry, seen: str) -> list[tuple[int, int]]:
        reads[0] += seen == text
        return original(self, seen)

    monkeypatch.setattr(SecretRegistry, "spans", spans)
    return reads


@pytest.mark.parametrize("fragment", HOSTILE)
def test_a_long_run_of_one_fragment_is_masked_in_one_pass(fragment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (fragment * (SIZE // len(fragment) + 1))[:SIZE]
    shapes = counted_shapes(monkeypatch)
    masked = SecretRegistry().mask_text(text)
    lowered = text.lower()
    for hints, shape in shapes:
        if not any(hint in lowered for hint in hints):
            assert shape.reads == [], hints  # a shape whose literal is not in the text is never searched
        # Each search starts after the one before and at most a few characters before its end: every character is
        # read by at most two searches, so the work is linear in the text.
        for (start, end), (next_start, _) in itertools.pairwise(shape.reads):
            assert start < next_start and next_start >= end - secrets_module._OVERLAP, (hints, start, end, next_start)
    assert len(masked) <= len(text)


def test_url_passwords_are_masked_after_any_scheme_and_not_without_one() -> None:
    registry = SecretRegistry()
    for url in (
        "https://user:hunter22@host/x",
        "GIT+SSH://me:hunter22@host",
        "\u0130://me:hunter22@h",
        "a.b://u:hunter22@h",
    ):
        assert "hunter22" not in registry.mask_text(f"see {url} now"), url
    assert registry.mask_text("odd ://u:hunter22@h") == "odd ://u:hunter22@h"


def test_a_match_that_ends_where_the_next_begins_leaves_both_masked() -> None:
    registry = SecretRegistry()
    assert "tokentoken1234" not in registry.mask_text("Bearer abcdefghijklBearer tokentoken1234")
    assert "tokentoken1234" not in registry.mask_text('x-api-key="x-goog-api-key": "tokentoken1234"')
    assert registry.mask_text("Authorization: Bearer abcdefghijklmnop") == f"Authorization: Bearer {MASK}"


def test_a_text_held_several_times_in_data_is_masked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = SecretRegistry()
    registry.add("sentinel-value-123")
    big = "sentinel-value-123 " + "lorem ipsum " * 10_000
    reads = spans_counter(monkeypatch, big)
    masked = registry.mask({"body": big, "request": {"text": big, "latest": big}, "list": [big, "x"]})
    assert reads[0] == 1
    assert masked["body"] == masked["request"]["text"] == masked["list"][0] and "sentinel" not in masked["body"]


def prompt_entry(registry: SecretRegistry, prompt: str) -> Any:
    app = MockLLM(None, registry)
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]}).encode()
    assert app.handle(Request("POST", "/v1/chat/completions", {}, body)).status == 200
    return app.journal.entries()[-1]


def test_evidence_reads_a_prompt_once_when_the_journal_masked_it_with_the_same_registry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = SecretRegistry()
    registry.add("sentinel-value-123")
    prompt = "say sentinel-value-123 " + "lorem ipsum " * 10_000
    entry = prompt_entry(registry, prompt)
    reads = spans_counter(monkeypatch, prompt)
    payload = evidence_payload("Suite", "Test", [entry], 0, registry)
    # The prompt is in the body as sent, the message and the latest user text: read once, masked everywhere.
    assert reads[0] == 1
    assert "sentinel-value-123" not in json.dumps(payload) and json.dumps(payload).count("say ***") == 3


def test_evidence_masks_again_with_its_own_registry_when_the_journal_had_another() -> None:
    journal_registry, run_registry = SecretRegistry(), SecretRegistry()
    run_registry.add("only-the-run-knows-this")
    entry = prompt_entry(journal_registry, "say only-the-run-knows-this")
    payload = evidence_payload("Suite", "Test", [entry], 0, run_registry)
    assert "only-the-run-knows-this" not in json.dumps(payload)


def test_a_long_ascii_text_counts_the_same_tokens_as_the_word_and_mark_pattern() -> None:
    rng = random.Random(21)
    alphabet = string.printable + "\x00\x1c\x1f\x7f"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1025, 4000))) for _ in range(300)]
    texts += [("a." * 3000), ("x" * 5000), (" " * 2000 + "end"), ("word " * 500 + "\u00e9t\u00e9 " * 300)]
    for text in texts:
        assert count_tokens(text) == len(_TOKEN.findall(text)), text[:80]
