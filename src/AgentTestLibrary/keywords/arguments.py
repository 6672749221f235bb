"""Keyword arguments before Robot sees them: misspelt named ones, and the ones that are secrets.

Misspelt named arguments: Robot hands ``scenaro=x.yaml`` to a keyword as a positional value; say so
instead. Secrets: a parameter marked with :func:`takes_secrets` is read from the call by the listener
when the keyword starts, before Robot logs the arguments at TRACE, so a secret given as a plain
string is masked there too.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from robot.api.types import Secret

from ..errors import ScenarioError

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SECRET_PARAMETERS = "agenttest_secret_parameters"
Method = Callable[..., Any]


Extract = Callable[[Any], Iterable[str]]


def _whole(value: Any) -> list[str]:
    return [value.value if isinstance(value, Secret) else str(value)]


def takes_secrets(*names: str, **inside: Extract) -> Callable[[Method], Method]:
    """Marks the parameters of a keyword that are secrets (``names``) or hold some (``inside``: the parameter's
    name and a function giving the secrets in its value), so the listener registers them before Robot logs them."""
    extractors = {**dict.fromkeys(names, _whole), **inside}

    def mark(method: Method) -> Method:
        setattr(method, SECRET_PARAMETERS, extractors)
        return method

    return mark


def secret_arguments(method: Method, arguments: Sequence[Any]) -> list[tuple[Any, Extract]]:
    """The values of ``method``'s secret parameters in a call as written (``name=value`` or by position), each
    with the function that gives the secrets in it once resolved.

    Values are as written, variables unresolved; the caller resolves them. ``@{list}`` and
    ``&{dict}`` expansions end the positional reading (their items are not known here).
    """
    extractors: dict[str, Extract] = getattr(method, SECRET_PARAMETERS, {})
    parameters = _parameters(getattr(method, "__func__", method))
    found = []
    for index, argument in enumerate(arguments):
        text = str(argument)
        if text.startswith(("@{", "&{")):
            break
        name, equals, value = text.partition("=")
        if equals and name in parameters:
            if name in extractors:
                found.append((value, extractors[name]))
        elif index < len(parameters) and parameters[index] in extractors:
            found.append((argument, extractors[parameters[index]]))
    return found


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
