"""Load YAML into plain Python values while remembering the line of every key and item.

Validation errors then name ``file:line`` for the exact place to fix.
"""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[str | int, ...]


class YamlLocationError(ValueError):
    def __init__(self, line: int | None, column: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


def load_with_lines(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse ``text``; return the data and a map from key path to 1-based line number."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or str(error)
        context = f" ({error.context})" if error.context else ""
        raise YamlLocationError(
            mark.line + 1 if mark else None, mark.column + 1 if mark else None, f"{problem}{context}"
        ) from None
    except yaml.YAMLError as error:
        raise YamlLocationError(None, None, str(error)) from None
    lines: dict[Path, int] = {}
    if node is None:
        return None, lines
    return _convert(node, (), lines), lines


def _convert(node: yaml.Node, path: Path, lines: dict[Path, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(_scalar(key_node))
            if key in result:
                raise YamlLocationError(
                    key_node.start_mark.line + 1, key_node.start_mark.column + 1, f"duplicate key '{key}'"
                )
            result[key] = _convert(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, index), lines) for index, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
