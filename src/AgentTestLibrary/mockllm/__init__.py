"""The mock LLM core: no Robot Framework imports, usable from pytest and the CLI."""

from .app import ADMIN_PREFIX, MockLLM
from .server import MockServer, MockServerError

__all__ = ["ADMIN_PREFIX", "MockLLM", "MockServer", "MockServerError"]
