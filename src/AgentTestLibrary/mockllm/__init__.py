"""The model mock: OpenAI, Anthropic and Gemini wire formats around one neutral conversation model.

``MockServer(MockLLM(scenario)).start()`` serves it on loopback; no Robot Framework imports,
so pytest and the CLI use it directly.
"""

from ..errors import MockServerError
from ..mock.admin import ADMIN_PREFIX
from ..mock.server import MockServer
from .app import MockLLM

__all__ = ["ADMIN_PREFIX", "MockLLM", "MockServer", "MockServerError"]
