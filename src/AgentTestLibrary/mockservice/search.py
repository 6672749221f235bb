"""Search query languages a route's ``search:`` evaluates on a collection's items (GitHub's ``q=``).

``search: {github: "{{query.q}}"}`` keeps the items GitHub's issue search would find: qualifiers
``repo:``, ``is:``/``type:``/``state:`` (open, closed, issue, pr), ``label:`` (quoted for spaces),
``author:``, ``assignee:``, ``no:label``/``no:assignee``/``no:milestone``, ``in:title,body`` and
``-`` before a qualifier to negate it; every other word (or quoted phrase) must appear in the title
or the body, any case. Qualifiers it does not model (``linked:``, ``sort:``, ``created:`` ...) are
ignored, never an error; an item without ``repository_url`` (seeded without it) is in every repo.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Item = dict[str, Any]
Predicate = Callable[[Item], bool]
Check = Callable[[Item, str], "bool | None"]  # None: a value it does not model (ignored, negated or not)
TOKEN = re.compile(r'(-?)(?:([A-Za-z_]+):)?("[^"]*"|\S+)')


def _text(value: Any) -> str:
    return value.lower() if isinstance(value, str) else ""


def _login(user: Any) -> str:
    return _text(user.get("login")) if isinstance(user, dict) else _text(user)


def _names(item: Item, field: str, key: str) -> list[str]:
    """The names in a list field whose entries are objects (their ``key``) or names."""
    entries = item.get(field)
    return [_text(entry.get(key)) if isinstance(entry, dict) else _text(entry)
            for entry in (entries if isinstance(entries, list) else [])]  # fmt: skip


def _repo(item: Item, wanted: str) -> bool | None:
    url = item.get("repository_url")
    return url.lower().endswith(f"/repos/{wanted}") if isinstance(url, str) else None


def _is(item: Item, wanted: str) -> bool | None:
    kinds: dict[str, Callable[[Item], bool]] = {
        "open": lambda one: one.get("state") == "open",
        "closed": lambda one: one.get("state") == "closed",
        "issue": lambda one: "pull_request" not in one,
        "pr": lambda one: "pull_request" in one,
    }
    check = kinds.get(wanted)
    return None if check is None else check(item)


def _no(item: Item, wanted: str) -> bool | None:
    fields = {"label": "labels", "assignee": "assignees", "milestone": "milestone"}
    field = fields.get(wanted)
    return None if field is None else not item.get(field)


GITHUB_QUALIFIERS: dict[str, Check] = {
    "repo": _repo,
    "is": _is,
    "type": _is,
    "state": _is,
    "label": lambda item, wanted: wanted in _names(item, "labels", "name"),
    "author": lambda item, wanted: _login(item.get("user")) == wanted,
    "assignee": lambda item, wanted: wanted in _names(item, "assignees", "login"),
    "no": _no,
}


def github_query(text: str) -> Predicate:
    """What GitHub's issue search keeps for the query ``text`` (see the module's first lines)."""
    checks: list[tuple[bool, Check, str]] = []
    words: list[tuple[bool, str]] = []
    fields = ["title", "body"]
    for negated, name, written in TOKEN.findall(text):
        value = written[1:-1] if len(written) > 1 and written[0] == written[-1] == '"' else written
        value = value.lower()
        if not name:
            words.append((bool(negated), value))
        elif name.lower() == "in":
            fields = [field for field in value.split(",") if field in ("title", "body")] or fields
        elif name.lower() in GITHUB_QUALIFIERS:
            checks.append((bool(negated), GITHUB_QUALIFIERS[name.lower()], value))

    def keep(item: Item) -> bool:
        for negated, check, value in checks:
            if check(item, value) is negated:  # None (not modelled) is neither
                return False
        searched = " ".join(_text(item.get(field)) for field in fields)
        return all((word in searched) is not negated for negated, word in words)

    return keep


SEARCH: dict[str, Callable[[str], Predicate]] = {"github": github_query}
