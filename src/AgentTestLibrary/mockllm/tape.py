"""What the model mock asks of a recording (a cassette session): declared here, so the mock never imports cassettes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..mock.http import Outcome, Request
from .conversation import Conversation, ProviderError


@dataclass
class TapeAnswer:
    """A replayed or freshly recorded response, or an error the endpoint renders in the provider's shape."""

    outcome: Outcome | None
    rule: str
    unmatched: bool = False
    near_miss: str = ""
    error: ProviderError | None = None


class Tape(Protocol):
    """A source of recorded answers that may also record new ones through an upstream."""

    @property
    def may_record(self) -> bool:
        """True while answers may wait on the real upstream (they then run off the event loop)."""
        ...

    def answer(self, request: Request, conversation: Conversation) -> TapeAnswer: ...
