"""Load YAML into plain Python values while remembering the line of every key and item.

Validation errors then name ``file:line`` for the exact place to fix. Scenario, cassette,
route and registry files may come from a pull request, so loading is safe for hostile input:
only YAML's standard scalar tags construct anything (no ``!!python/...``, no custom tags);
nesting is bounded (:data:`MAX_DEPTH`); aliases may not refer to themselves and may not
expand to more than :data:`MAX_ALIAS_NODES` nodes in all (no "billion laughs"); the events
come from libyaml when it is installed and the values are built iteratively, so neither a
deep document nor a large one exhausts the stack or the clock. Merge keys (``<<: *base``)
work as in YAML 1.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import Resolver

from .errors import YamlLocationError

Path = tuple[str | int, ...]
MAX_DEPTH = 100
MAX_ALIAS_NODES = 100_000
LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
MERGE_TAG = "tag:yaml.org,2002:merge"
SCALAR_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "binary", "merge")
}


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    path: Path
    anchor: str | None
    size: int = 1  # nodes in this subtree, alias expansions included
    key: str | None = None  # a mapping's key waiting for its value
    key_is_merge: bool = False
    merges: list[dict[str, Any]] = field(default_factory=list)
    own_keys: set[str] = field(default_factory=set)


def _fail(event: Any, message: str) -> YamlLocationError:
    mark = event.start_mark
    return YamlLocationError(mark.line + 1 if mark else None, mark.column + 1 if mark else None, message)


class _Builder:
    """Turns the parser's events into values, one event at a time, with no recursion."""

    def __init__(self) -> None:
        self.resolver = Resolver()
        self.constructor = SafeConstructor()
        self.lines: dict[Path, int] = {}
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.expanded = 0
        self.root: Any = None
        self.documents = 0

    def place(self, event: Any, value: Any, size: int, is_merge: bool = False) -> Path | None:
        """Put a finished value where it belongs; returns its path, or None for a mapping key."""
        if not self.stack:
            self.root = value
            return ()
        frame = self.stack[-1]
        frame.size += size
        if isinstance(frame.container, list):
            path = (*frame.path, len(frame.container))
            frame.container.append(value)
            return path
        if frame.key is None:
            if isinstance(value, (dict, list)):
                raise _fail(event, "a mapping key must be a plain value, not a mapping or a list")
            key = str(value)
            if key in frame.own_keys and not is_merge:
                raise _fail(event, f"duplicate key '{key}'")
            frame.key, frame.key_is_merge = key, is_merge
            if not is_merge:
                frame.own_keys.add(key)
                self.lines[(*frame.path, key)] = event.start_mark.line + 1
            return None
        key, frame.key = frame.key, None
        if frame.key_is_merge:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(source, dict) for source in sources):
                raise _fail(event, "a merge key (<<) takes a mapping or a list of mappings")
            frame.merges.extend(sources)
            return None
        frame.container[key] = value
        return (*frame.path, key)

    def scalar(self, event: Any) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
        if tag not in SCALAR_TAGS:
            raise _fail(event, f"the tag {event.tag!r} is not allowed here; use plain YAML values")
        is_merge = tag == MERGE_TAG and bool(self.stack) and self.stack[-1].key is None
        if tag == MERGE_TAG:
            value: Any = event.value
        else:
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            try:
                value = SafeConstructor.yaml_constructors[tag](self.constructor, node)
            except (ConstructorError, ValueError) as error:
                raise _fail(event, f"invalid {tag.rsplit(':', 1)[-1]} value {event.value!r} ({error})") from None
        path = self.place(event, value, 1, is_merge)
        if path is not None:
            self.lines.setdefault(path, event.start_mark.line + 1)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)

    def start(self, event: Any, container: dict[str, Any] | list[Any], tag: str) -> None:
        if event.tag not in (None, "!", tag):
            raise _fail(event, f"the tag {event.tag!r} is not allowed here; use plain YAML mappings and lists")
        if len(self.stack) >= MAX_DEPTH:
            raise _fail(event, f"nesting is deeper than {MAX_DEPTH} levels")
        if self.stack and isinstance(self.stack[-1].container, dict) and self.stack[-1].key is None:
            raise _fail(event, "a mapping key must be a plain value, not a mapping or a list")
        parent = self.stack[-1] if self.stack else None
        if parent is None:
            path: Path = ()
        elif isinstance(parent.container, list):
            path = (*parent.path, len(parent.container))
        else:
            path = (*parent.path, parent.key or "")
        self.lines.setdefault(path, event.start_mark.line + 1)
        if event.anchor:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(container, path, event.anchor))

    def end(self, event: Any) -> None:
        frame = self.stack.pop()
        if isinstance(frame.container, dict):
            if frame.key is not None:
                raise _fail(event, f"the key '{frame.key}' has no value")
            for source in frame.merges:
                for key, value in source.items():
                    frame.container.setdefault(key, value)
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (frame.container, frame.size)
        self.place(event, frame.container, frame.size)

    def alias(self, event: Any) -> None:
        if event.anchor in self.open_anchors:
            raise _fail(event, f"the alias *{event.anchor} refers to itself (a recursive alias)")
        if event.anchor not in self.anchors:
            raise _fail(event, f"the alias *{event.anchor} names no anchor defined before it")
        value, size = self.anchors[event.anchor]
        self.expanded += size
        if self.expanded > MAX_ALIAS_NODES:
            raise _fail(event, f"aliases expand to more than {MAX_ALIAS_NODES} values; write the data out instead")
        is_merge = bool(self.stack) and self.stack[-1].key_is_merge
        path = self.place(event, value, size, is_merge=False)
        if path is not None and not is_merge:
            self.lines.setdefault(path, event.start_mark.line + 1)

    def feed(self, event: Any) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise _fail(event, "expected a single document; remove the extra '---' document")
        elif isinstance(event, yaml.ScalarEvent):
            self.scalar(event)
        elif isinstance(event, yaml.MappingStartEvent):
            self.start(event, {}, MAP_TAG)
        elif isinstance(event, yaml.SequenceStartEvent):
            self.start(event, [], SEQ_TAG)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.end(event)
        elif isinstance(event, yaml.AliasEvent):
            self.alias(event)


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse ``text``; return the data and a map from key path to 1-based line number."""
    builder = _Builder()
    try:
        for event in yaml.parse(text, Loader=LOADER):
            builder.feed(event)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or str(error)
        context = f" ({error.context})" if error.context else ""
        raise YamlLocationError(
            mark.line + 1 if mark else None, mark.column + 1 if mark else None, f"{problem}{context}"
        ) from None
    except yaml.YAMLError as error:
        raise YamlLocationError(None, None, str(error)) from None
    return builder.root, builder.lines
