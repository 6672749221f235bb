"""The ``agenttest`` command: ``hook`` starts without the rest of the package, everything else goes to :mod:`.cli`."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["hook"]:
        from .harness.hooks import main as hook

        return hook(args[1:])
    from .cli import main as cli

    return cli(args)
