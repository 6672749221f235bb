"""The ``agenttest`` command: ``hook`` and ``mcp relay`` start without the rest of the package; the rest is :mod:`.cli`.

Both are launched by agents under test once per hook or MCP server, so they import only what they need.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["hook"]:
        from .harness.hooks import main as hook

        return hook(args[1:])
    if args[:2] == ["mcp", "relay"]:
        from .mockmcp.stdio import relay_main

        return relay_main(args[2:])
    from .cli import main as cli

    return cli(args)
