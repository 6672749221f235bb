"""Search and listing filters a route's ``search:`` applies to a collection's items, as GitHub does.

``search: {github: {q: "{{query.q}}", sort: ..., order: ...}}`` (or just the ``q`` text) keeps
the items GitHub's issue search would find, in ``sort`` order (``created``, ``updated``; ``order``
desc unless asc) or as stored without one; ``search: {github_list: "{{query}}"}`` is what
GitHub's issue and pull listings do with their query parameters: ``state`` (open unless closed
or all), ``labels`` (comma-separated, all of them), ``assignee`` (a login, ``none`` or ``*``),
``creator``, ``since``, ``head``/``base`` (pulls), ``sort``/``direction`` (created, desc); a
``sort`` it does not model (``comments``, ``popularity``) orders by creation. Search's qualifiers:
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
Select = Callable[[list[Item]], list[Item]]  # the items kept, in the order answered
SORTED_BY = {"updated": "updated_at"}  # a sort by a stored field; created (and what is not modelled): as stored
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


KINDS: dict[str, Callable[[Item], bool]] = {
    "open": lambda item: item.get("state") == "open",
    "closed": lambda item: item.get("state") == "closed",
    "issue": lambda item: "pull_request" not in item,
    "pr": lambda item: "pull_request" in item,
}


def _is(item: Item, wanted: str) -> bool | None:
    check = KINDS.get(wanted)
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


def _ordered(items: list[Item], sort: str | None, descending: bool) -> list[Item]:
    """Items by ``sort`` (stored order for created), newest first when ``descending``; ties keep creation order."""
    ordered = items[::-1] if descending else list(items)
    field = SORTED_BY.get(sort or "")
    if field is not None:
        ordered.sort(key=lambda item: str(item.get(field) or ""), reverse=descending)  # stable: ties stay put
    return ordered


def github_search(asked: Any) -> Select:
    """GitHub's issue search: ``asked`` is the ``q`` text, or ``{q, sort, order}``."""
    given = asked if isinstance(asked, dict) else {"q": asked}
    keep = github_query(str(given.get("q") or ""))
    sort = str(given.get("sort") or "").lower()
    descending = str(given.get("order") or "").lower() != "asc"
    return lambda items: _ordered([item for item in items if keep(item)], sort, descending) if sort else [
        item for item in items if keep(item)]  # fmt: skip


def _logins(item: Item) -> list[str]:
    return _names(item, "assignees", "login")


LIST_FILTERS: dict[str, Callable[[str], Predicate]] = {
    "labels": lambda wanted: lambda item: all(
        name in _names(item, "labels", "name") for name in (part.strip() for part in wanted.split(",")) if name),
    "assignee": lambda wanted: (lambda item: not _logins(item)) if wanted == "none" else (
        lambda item: bool(_logins(item))) if wanted == "*" else (lambda item: wanted in _logins(item)),
    "creator": lambda wanted: lambda item: _login(item.get("user")) == wanted,
    "since": lambda wanted: lambda item: str(item.get("updated_at") or "") >= wanted.upper(),
    "head": lambda wanted: lambda item: _text((item.get("head") or {}).get("label")) == wanted,
    "base": lambda wanted: lambda item: _text((item.get("base") or {}).get("ref")) == wanted,
}  # fmt: skip


def github_list(asked: Any) -> Select:
    """GitHub's issue and pull listings: ``asked`` is the request's query parameters."""
    given = {str(key).lower(): str(value).lower() for key, value in asked.items()} if isinstance(asked, dict) else {}
    state = given.get("state") or "open"
    checks = [LIST_FILTERS[name](value) for name, value in given.items() if name in LIST_FILTERS and value]
    if state in KINDS:  # all (and what it does not model) keeps every state
        checks.append(KINDS[state])
    descending = given.get("direction", "desc") != "asc"

    def select(items: list[Item]) -> list[Item]:
        kept = items
        for check in checks:
            kept = [item for item in kept if check(item)]
        return _ordered(kept, given.get("sort"), descending)

    return select


SEARCH: dict[str, Callable[[Any], Select]] = {"github": github_search, "github_list": github_list}
