"""The mock LLM core: no Robot Framework imports, usable from pytest and the CLI."""

from ..errors import MockServerError
from .admin import ADMIN_PREFIX
from .app import MockLLM
from .server import MockServer

__all__ = ["ADMIN_PREFIX", "MockLLM", "MockServer", "MockServerError"]
