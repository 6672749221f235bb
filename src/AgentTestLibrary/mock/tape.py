"""What a mock asks of a recording of plain HTTP exchanges (a service cassette): declared here, below cassettes.

The model mock has its own (:mod:`AgentTestLibrary.mockllm.tape`: it hands over a parsed
conversation); services hand over the request as it came.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .http import Outcome, Request


@dataclass
class Taped:
    """A replayed or freshly recorded answer, or why there is none (the endpoint renders ``error`` in its shape)."""

    outcome: Outcome | None
    rule: str = ""
    unmatched: bool = False
    near_miss: str = ""
    error: str = ""
    status: int = 0  # the status of ``error``


class ExchangeTape(Protocol):
    """A source of recorded HTTP answers that may also record new ones through an upstream."""

    @property
    def may_record(self) -> bool:
        """True while answers may wait on the real upstream (they then run off the event loop)."""
        ...

    def answer(self, request: Request) -> Taped: ...
