"""The model mock: OpenAI, Anthropic and Gemini wire formats around one neutral conversation model.

``MockServer(MockLLM(scenario)).start()`` serves it on loopback; no Robot Framework imports,
so pytest and the CLI use it directly. The names below load on first use, so importing a part
of the model mock (its scenario loader, say) does not load the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..errors import MockServerError
    from ..mock.admin import ADMIN_PREFIX
    from ..mock.server import MockServer
    from .app import MockLLM

__all__ = ["ADMIN_PREFIX", "MockLLM", "MockServer", "MockServerError"]


def __getattr__(name: str) -> Any:
    if name == "MockLLM":
        from .app import MockLLM

        return MockLLM
    if name == "MockServer":
        from ..mock.server import MockServer

        return MockServer
    if name == "MockServerError":
        from ..errors import MockServerError

        return MockServerError
    if name == "ADMIN_PREFIX":
        from ..mock.admin import ADMIN_PREFIX

        return ADMIN_PREFIX
    raise AttributeError(f"module 'AgentTestLibrary.mockllm' has no attribute {name!r}")
