"""Misspelt named arguments: Robot hands ``scenaro=x.yaml`` to a keyword as a positional value; say so instead."""

from __future__ import annotations

import difflib
import functools
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ScenarioError

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_named(keyword: str, method: Callable[..., Any], **values: Any) -> None:
    """Fail when a value reads ``name=...`` with ``name`` no argument of ``method`` (and no such file exists).

    Robot passes ``name=value`` as a named argument only when the keyword has an argument
    ``name``; otherwise the whole text becomes the next positional value, and a misspelt
    ``scenaro=`` would surface as a missing file called ``scenaro=...``.
    """
    valid = _parameters(getattr(method, "__func__", method))
    for value in values.values():
        if not isinstance(value, str):
            continue
        name, equals, _ = value.partition("=")
        if not equals or not NAME.fullmatch(name) or name in valid or Path(value).exists():
            continue
        close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ScenarioError(f"{keyword}: unknown argument '{name}'.{hint} Its arguments are {', '.join(valid)}.")


@functools.cache  # a keyword's signature never changes; reading it is slow
def _parameters(function: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(name for name in inspect.signature(function).parameters if name not in ("self",))
