"""Where the files shipped inside the package live: the importable resources and the example agents.

``Resource    AgentTestLibrary/resources/example_agent.resource`` finds them on Robot's module search
path, from an installed wheel as from a checkout; runtime profiles reach the agents as ``{examples}``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
RESOURCES = PACKAGE / "resources"
EXAMPLES = PACKAGE / "examples"
BUILTIN_REGISTRY = RESOURCES / "runtimes.yaml"
BRIDGES = RESOURCES / "bridges"  # the hooks bridge as pi's extension and opencode's plugin (templates)
