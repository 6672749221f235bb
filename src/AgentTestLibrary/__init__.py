"""AgentTestLibrary: test AI-agent runtimes end to end without real model calls.

``Library    AgentTestLibrary`` loads :class:`AgentTestLibrary` from here. It is imported
lazily, so command-line tools such as the hooks bridge start without Robot Framework.
"""

from __future__ import annotations

from .version import __version__

__all__ = ["AgentTestLibrary", "__version__"]


def __getattr__(name: str) -> object:
    if name == "AgentTestLibrary":
        from .library import AgentTestLibrary

        return AgentTestLibrary
    raise AttributeError(f"module 'AgentTestLibrary' has no attribute {name!r}")
