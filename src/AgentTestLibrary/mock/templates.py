"""Replies that echo the request: ``{{name}}`` placeholders, parsed once into a :class:`Template`, filled per request.

``{{text}}`` is the value at a dotted path (``{{filters.lang}}``, ``{{items.0}}``) of the values a
protocol offers (a tool's arguments, a route's path parameters and body ...). Alternatives are tried
in order, ``{{json.labels | json}}`` (the first that has a value), and the last may be a JSON
literal, the value when no path has one: ``{{json.body | null}}``, ``{{fields.text | ""}}``. A text
that is one placeholder alone keeps the value's JSON type (``"{{limit}}"`` gives 10, not "10");
inside longer text a value is written as JSON unless it is a string. A placeholder with no value
raises :class:`Unfilled` (naming it and where its path stopped), so it never becomes literal text;
:func:`fill` and :func:`fill_data` (MCP and A2A replies) keep it as written instead. With
``optional_fields`` (an item a client creates), a field of the top mapping that is one placeholder
alone with no value is left out instead. Output is bounded (:data:`MAX_RENDERED`): a template cannot
multiply a large request into a huge reply. :meth:`Template.compile` does the parsing once (a route
file's replies when it loads); :meth:`Template.render` only looks values up. A template made with
``each=`` (a list route's ``add_fields``) renders many items of one request with
:meth:`Template.render_each`: what reads no item is filled once, each item fills only its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .conditions import MISSING

NAME = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
LITERAL = r'null|true|false|-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*"|\[\]|\{\}'
PLACEHOLDER = re.compile(rf"\{{\{{\s*({NAME}(?:\s*\|\s*(?:{NAME}|{LITERAL}))*)\s*\}}\}}")
MAX_RENDERED = 4 * 1024 * 1024
TRUNCATED = "…[truncated by AgentTestLibrary: a reply template may render at most 4 MiB]"

Budget = list[int]  # characters mixed text may still write, shared by one whole reply
Render = Callable[[Any, Budget, bool], Any]  # (values, budget, keep unfilled as written) -> rendered


class Unfilled(Exception):
    """A placeholder with no value in this request; ``placeholder`` as written, ``reason`` where its path stopped."""

    def __init__(self, placeholder: str, reason: str) -> None:
        super().__init__(f"placeholder {placeholder} has no value: {reason}")
        self.placeholder, self.reason = placeholder, reason


@dataclass(frozen=True)
class Placeholder:
    """One ``{{...}}``: its text, the dotted paths tried in order (each split at its dots), and its default."""

    text: str
    paths: tuple[tuple[str, ...], ...]
    default: Any = MISSING

    @classmethod
    def parse(cls, found: re.Match[str]) -> Placeholder:
        choices = [choice.strip() for choice in found.group(1).split("|")]
        default: Any = MISSING
        if len(choices) > 1:
            try:
                default = json.loads(choices[-1])
                choices.pop()
            except ValueError:
                pass
        return cls(found.group(0), tuple(tuple(choice.split(".")) for choice in choices), default)

    @property
    def names(self) -> tuple[str, ...]:
        """The dotted paths it reads (what a loader checks against the names a reply can see)."""
        return tuple(".".join(path) for path in self.paths)

    def value(self, values: Any) -> Any:
        """The value of the first path that has one, else the default, else :data:`MISSING`."""
        for path in self.paths:
            value = _lookup(values, path)
            if value is not MISSING:
                return value
        return self.default

    def unfilled(self, values: Any) -> Unfilled:
        return Unfilled(self.text, "; ".join(_why_missing(values, path) for path in self.paths))

    def piece(self, values: Any, keep: bool) -> str:
        """Its value as written inside a longer text (:func:`_written`)."""
        value = self.value(values)
        if value is MISSING:
            if not keep:
                raise self.unfilled(values)
            return self.text
        return _written(value)

    def reads(self, name: str) -> bool:
        """Whether one of its paths starts at ``name`` (``{{item.number}}`` reads ``item``)."""
        return any(path[0] == name for path in self.paths)


class Template:
    """JSON data (or a text) whose strings hold placeholders, parsed once; :meth:`render` fills a fresh copy."""

    def __init__(self, data: Any, *, optional_fields: bool = False, each: str = "") -> None:
        self.data = data
        self.placeholders: list[Placeholder] = []
        self._render = self._fields(data) if optional_fields and isinstance(data, dict) else self._compile(data)
        self.each = each  # the name :meth:`render_each` gives each item
        self._bind = _binder(data, each) if each else None

    @classmethod
    def compile(cls, data: Any) -> Template:
        return cls(data)

    def render(self, values: Any, budget: Budget | None = None, *, keep: bool = False) -> Any:
        """The data with every placeholder filled (containers are new: a caller may change them); raises
        :class:`Unfilled` for a placeholder with no value, unless ``keep`` (then it stays as written)."""
        return self._render(values, budget if budget is not None else [MAX_RENDERED], keep)

    def render_each(self, values: dict[str, Any], items: list[Any], budget: Budget | None = None) -> list[Any]:
        """The data rendered for every item in turn (``values[each]``, removed after), as :meth:`render` would,
        within one budget; what reads nothing of the item is filled once for all of them."""
        assert self._bind is not None, "render_each needs a template made with each="
        left = budget if budget is not None else [MAX_RENDERED]
        render = self._bind(values)
        rendered = []
        for item in items:
            values[self.each] = item
            rendered.append(render(values, left, False))
        values.pop(self.each, None)
        return rendered

    def __bool__(self) -> bool:
        return bool(self.placeholders)

    def _fields(self, data: dict[str, Any]) -> Render:
        """A mapping whose fields that are one placeholder alone are left out when it has no value."""
        fields = [(key, self._compile(item), isinstance(item, str) and PLACEHOLDER.fullmatch(item.strip()) is not None)
                  for key, item in data.items()]  # fmt: skip

        def render(values: Any, left: Budget, keep: bool) -> dict[str, Any]:
            rendered = {}
            for key, item, alone in fields:
                try:
                    rendered[key] = item(values, left, keep)
                except Unfilled:
                    if not alone:
                        raise
            return rendered

        return render

    def _compile(self, data: Any) -> Render:
        if isinstance(data, str):
            return self._text(data)
        if isinstance(data, list):
            items = [self._compile(item) for item in data]
            return lambda values, left, keep: [item(values, left, keep) for item in items]
        if isinstance(data, dict):
            pairs = [(key, self._compile(item)) for key, item in data.items()]
            return lambda values, left, keep: {key: item(values, left, keep) for key, item in pairs}
        return lambda values, left, keep: data

    def _text(self, text: str) -> Render:
        parsed = _parse(text)
        if parsed is None:
            return lambda values, left, keep: text
        self.placeholders.extend([parsed] if isinstance(parsed, Placeholder) else [found for found, _ in parsed[1]])
        return _text_render(text, parsed)


Parsed = Placeholder | tuple[str, list[tuple[Placeholder, str]]]  # one alone, or the text before the first and each
Binder = Callable[[Any], Render]  # a request's values -> what renders each item, what reads no item already filled


def _parse(text: str) -> Parsed | None:
    """None for a text without placeholders; the placeholder when the text is one alone; else the text before the
    first placeholder and each placeholder with the text that follows it."""
    if "{{" not in text:
        return None
    alone = PLACEHOLDER.fullmatch(text.strip())
    if alone is not None:
        return Placeholder.parse(alone)
    texts: list[str] = []
    found_here: list[Placeholder] = []
    last = 0
    for found in PLACEHOLDER.finditer(text):
        texts.append(text[last : found.start()])
        found_here.append(Placeholder.parse(found))
        last = found.end()
    if not found_here:
        return None
    return texts[0], list(zip(found_here, [*texts[1:], text[last:]], strict=True))


def _text_render(text: str, parsed: Parsed) -> Render:
    if isinstance(parsed, Placeholder):

        def whole(values: Any, left: Budget, keep: bool) -> Any:
            value = parsed.value(values)
            if value is MISSING:
                if keep:
                    return text
                raise parsed.unfilled(values)
            return value

        return whole
    first, pairs = parsed

    def mixed(values: Any, left: Budget, keep: bool) -> str:
        written = [first]
        for placeholder, after in pairs:
            written.append(_charged(placeholder.piece(values, keep), left))
            written.append(after)
        return "".join(written)

    return mixed


def _charged(piece: str, left: Budget) -> str:
    """The piece as written within what the budget has left (cut, with a note, where it runs out)."""
    if len(piece) > left[0]:
        piece, left[0] = piece[: left[0]] + TRUNCATED, 0
    else:
        left[0] -= len(piece)
    return piece


def _binder(data: Any, name: str) -> Binder:
    """How to render ``data`` for many items (``{{name...}}``) of one request: each text's placeholders that read
    no item filled once, and runs of them joined, so an item only fills its own. Where such a placeholder has no
    value the text renders as :meth:`Template.render` does (raising, or keeping it as written, at each item)."""
    if isinstance(data, dict) and data and all(isinstance(text, str) for text in data.values()):
        return _bind_texts(data, name, _exact_binder(data, name))
    return _exact_binder(data, name)


def _bind_texts(data: dict[str, str], name: str, exact: Binder) -> Binder:
    """A mapping of texts (what ``add_fields`` is) written for an item with one concatenation per text, each of the
    item's placeholders read once. An item whose texts would not fit in the budget, or with a placeholder that has
    no value, is rendered by ``exact`` instead: cut where the budget runs out, or failing, as render does. The
    last binding is kept while what it filled in is the same (plain values: the next page of the same repository)."""
    parsed = [(key, _parse(text), text) for key, text in data.items()]
    fixed = [found for _, parsed_text, _ in parsed if parsed_text is not None
             for found in ([parsed_text] if isinstance(parsed_text, Placeholder) else [p for p, _ in parsed_text[1]])
             if not found.reads(name)]  # fmt: skip
    last: list[tuple[tuple[Any, ...], Render]] = []

    def bind(values: Any) -> Render:
        key = tuple((value.__class__, value) for value in (found.value(values) for found in fixed))
        if not all(kind in _PLAIN for kind, _ in key):
            return make(values)
        kept = last[0] if last else None
        if kept is not None and kept[0] == key:
            return kept[1]
        render = make(values)
        last[:] = [(key, render)]
        return render

    def make(values: Any) -> Render:
        exacts: list[Render] = []  # made on first need: most pages never need it

        def slow(values: Any, left: Budget, keep: bool) -> Any:
            if not exacts:
                exacts.append(exact(values))
            return exacts[0](values, left, keep)

        slots: dict[str, int] = {}  # each of the item's placeholders (by its text): its place in the pieces
        reads: list[Placeholder] = []
        counts: list[int] = []  # how often each piece is written (and charged) per item
        # key, then: the text before the item's one piece, its place, the text after; or a value (-1); or a format
        # over the pieces (several of the item's placeholders in one text)
        plan: list[tuple[str, Any, int, str, str | None]] = []
        cost = 0  # what the pieces that read no item cost an item
        for key, found, text in parsed:
            if found is None or isinstance(found, Placeholder):
                value = text if found is None else found if found.reads(name) else found.value(values)
                if value is MISSING:
                    return exact(values)
                plan.append((key, value, -1, "", None))
                continue
            first, pairs = found
            between = [first]  # the texts around the item's placeholders, with what reads no item filled in
            places: list[int] = []
            for placeholder, after in pairs:
                if placeholder.reads(name):
                    if placeholder.text not in slots:
                        slots[placeholder.text] = len(reads)
                        reads.append(placeholder)
                        counts.append(0)
                    counts[slots[placeholder.text]] += 1
                    places.append(slots[placeholder.text])
                    between.append(after)
                elif (value := placeholder.value(values)) is MISSING:
                    return exact(values)
                else:
                    piece = _written(value)
                    cost += len(piece)
                    between[-1] += piece + after
            if len(places) <= 1:
                plan.append((key, between[0], places[0] if places else -1, between[-1] if places else "", None))
            else:
                form = _escaped(between[0]) + "".join(
                    f"{{{place}}}{_escaped(text)}" for place, text in zip(places, between[1:], strict=True)
                )
                plan.append((key, "", -1, "", form))

        wholes = [(key, whole) for key, whole, place, _, form in plan if place < 0 and whole.__class__ is Placeholder]

        def fast(values: Any, left: Budget, keep: bool) -> Any:
            pieces = []
            charge = cost
            for placeholder, count in zip(reads, counts, strict=True):
                value = placeholder.value(values)
                if value is MISSING:
                    return slow(values, left, keep)
                piece = value if value.__class__ is str else _written(value)
                pieces.append(piece)
                charge += len(piece) * count
            if charge > left[0]:
                return slow(values, left, keep)
            rendered = {key: before + pieces[place] + after if place >= 0 else before if form is None else
                        form.format(*pieces) for key, before, place, after, form in plan}  # fmt: skip
            for key, whole in wholes:  # a text that is one of the item's placeholders alone: its value
                value = rendered[key] = whole.value(values)
                if value is MISSING:
                    return slow(values, left, keep)
            left[0] -= charge
            return rendered

        return fast

    return bind


_PLAIN = (str, int, float, bool, type(None))


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _exact_binder(data: Any, name: str) -> Binder:
    if isinstance(data, list):
        binders = [_exact_binder(item, name) for item in data]

        def bind_list(values: Any) -> Render:
            renders = [bind(values) for bind in binders]
            return lambda values, left, keep: [render(values, left, keep) for render in renders]

        return bind_list
    if isinstance(data, dict):
        fields = [(key, _exact_binder(item, name)) for key, item in data.items()]

        def bind_dict(values: Any) -> Render:
            renders = [(key, bind(values)) for key, bind in fields]
            return lambda values, left, keep: {key: render(values, left, keep) for key, render in renders}

        return bind_dict
    parsed = _parse(data) if isinstance(data, str) else None
    render: Render = (lambda values, left, keep: data) if parsed is None else _text_render(data, parsed)
    if parsed is None or isinstance(parsed, Placeholder):
        if parsed is None or parsed.reads(name):
            return lambda values: render

        def bind_whole(values: Any) -> Render:
            value = parsed.value(values)
            return render if value is MISSING else lambda values, left, keep: value

        return bind_whole
    return _bind_mixed(parsed, name, render)


Step = tuple[Placeholder | None, str, int, tuple[tuple[str, str], ...]]  # see _bind_mixed


def _bind_mixed(parsed: tuple[str, list[tuple[Placeholder, str]]], name: str, render: Render) -> Binder:
    first, pairs = parsed

    def bind(values: Any) -> Render:
        # A step is an item's placeholder and the text after it, or a run filled once: (None, its text, what its
        # pieces cost the budget, each piece with the text after it for when the budget runs out inside the run).
        steps: list[Step] = []
        run: list[tuple[str, str]] = [("", first)]

        def close_run() -> None:
            if any(piece or text for piece, text in run):
                steps.append((None, "".join(piece + text for piece, text in run), sum(len(p) for p, _ in run),
                              tuple(run)))  # fmt: skip

        for placeholder, after in pairs:
            if placeholder.reads(name):
                close_run()
                steps.append((placeholder, after, 0, ()))
                run = []
            elif (value := placeholder.value(values)) is MISSING:
                return render
            else:
                run.append((_written(value), after))
        close_run()

        def bound(values: Any, left: Budget, keep: bool) -> str:
            written = []
            for placeholder, text, cost, pieces in steps:
                if placeholder is None:
                    if cost <= left[0]:
                        left[0] -= cost
                        written.append(text)
                    else:
                        for piece, after in pieces:
                            written += (_charged(piece, left), after)
                    continue
                value = placeholder.value(values)  # Placeholder.piece and _charged, inline for a string or an int
                kind = value.__class__
                piece = value if kind is str else str(value) if kind is int else placeholder.piece(values, keep)
                if len(piece) <= left[0]:
                    left[0] -= len(piece)
                else:
                    piece = _charged(piece, left)
                written += (piece, text)
            return "".join(written)

        return bound

    return bind


def fill(text: str, values: Any, budget: Budget | None = None) -> Any:
    """The text with its placeholders filled (one alone gives the value itself); unfilled ones stay as written."""
    if "{{" not in text:
        return text
    return Template(text).render(values, budget, keep=True)


def fill_data(data: Any, values: Any, budget: Budget | None = None) -> Any:
    """Every string inside JSON data filled (keys stay as written), all of it within one output budget; unfilled
    placeholders stay as written."""
    return Template(data).render(values, budget, keep=True)


def has_placeholders(data: Any) -> bool:
    return bool(Template(data))


def _lookup(data: Any, path: tuple[str, ...]) -> Any:
    value = data
    for part in path:
        if value.__class__ is dict or isinstance(value, Mapping):  # a dict without the slower ABC check
            value = value.get(part, MISSING)
            if value is MISSING:
                return MISSING
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def _why_missing(values: Any, path: tuple[str, ...]) -> str:
    """Where a path stops: the first part that is absent, and what was there instead."""
    value = values
    for depth, part in enumerate(path):
        reached = ".".join(path[:depth]) or "the values"
        if isinstance(value, Mapping):
            if part not in value:
                known = ", ".join(sorted(map(str, value))[:12]) or "nothing"
                return f"{reached} has no '{part}' (it has {known})"
            value = value[part]
        elif isinstance(value, list):
            if not (part.isdigit() and int(part) < len(value)):
                return f"{reached} is a list of {len(value)}, not an object with '{part}'"
            value = value[int(part)]
        else:
            shown = "null" if value is None else f"a {type(value).__name__}"
            return f"{reached} is {shown}, not an object with '{part}'"
    return f"{'.'.join(path)} has no value"


def _written(value: Any) -> str:
    """A value as text inside a longer text: a string as itself, anything else as JSON."""
    return value if isinstance(value, str) else _json(value)


def _json(value: Any) -> str:
    if value.__class__ is int:  # what json.dumps writes for one (a bool is not of this class), without its machinery
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)
