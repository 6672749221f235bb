"""Record real provider exchanges once, replay them deterministically: cassettes (no RF imports)."""

from ..errors import CassetteError
from .model import Cassette, Episode, load_cassette, save_cassette
from .session import RECORD_MODES, CassetteSession

__all__ = ["RECORD_MODES", "Cassette", "CassetteError", "CassetteSession", "Episode", "load_cassette", "save_cassette"]
