"""Record real provider exchanges once, replay them deterministically: cassettes (no RF imports).

The names below load on first use: the keyword layer imports :mod:`.options` without loading the
recorder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..errors import CassetteError
    from .model import Cassette, Episode, load_cassette, save_cassette
    from .options import RECORD_MODES
    from .session import CassetteSession

__all__ = ["RECORD_MODES", "Cassette", "CassetteError", "CassetteSession", "Episode", "load_cassette", "save_cassette"]


def __getattr__(name: str) -> Any:
    if name == "CassetteError":
        from ..errors import CassetteError

        return CassetteError
    if name == "RECORD_MODES":
        from .options import RECORD_MODES

        return RECORD_MODES
    if name == "CassetteSession":
        from .session import CassetteSession

        return CassetteSession
    if name in ("Cassette", "Episode", "load_cassette", "save_cassette"):
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module 'AgentTestLibrary.cassettes' has no attribute {name!r}")
