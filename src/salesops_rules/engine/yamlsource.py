"""YAML that remembers where each value came from.

The loader needs file:line:column for every key a policy editor wrote, so that a
pydantic error at `rules[3].then.values.deposit_ratio` points at the line. PyYAML's
node tree has the marks; this module turns nodes into plain data and a map from path
to position. Duplicate keys, which PyYAML silently merges, are errors here. Numbers
with a fraction become `Decimal`, never float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[str | int, ...]


@dataclass
class Source:
    """One parsed YAML file: its data, and the position of every path in it."""

    file: str
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    problems: list[tuple[int, int, str]] = field(default_factory=list)

    def where(self, path: PathKey) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that has one."""
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (1, 1))


class YamlSyntaxError(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        self.line, self.column, self.message = line, column, message
        super().__init__(message)


def _scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    if node.tag == "tag:yaml.org,2002:float":
        try:
            return Decimal(node.value.replace("_", ""))
        except InvalidOperation:
            return loader.construct_object(node)  # .inf / .nan: left for the schema to refuse
    return loader.construct_object(node)


def load(path: Path, display: str | None = None) -> Source:
    """Parse `path`; raise YamlSyntaxError with a position on malformed YAML."""
    text = path.read_text(encoding="utf-8")
    return loads(text, display or str(path))


def loads(text: str, file: str) -> Source:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlSyntaxError(line, column, f"invalid YAML: {error.problem}") from None
    finally:
        loader.dispose()
    source = Source(file=file, data=None)
    if root is None:
        return source
    source.data = _walk(loader, root, (), source)
    return source


def _walk(loader: yaml.SafeLoader, node: yaml.Node, path: PathKey, source: Source) -> Any:
    source.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            # Keys are taken as written: YAML 1.1 would read the key `on` as True.
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                source.problems.append((line, col, "a mapping key must be a plain word"))
                continue
            key = key_node.value
            if key in result:
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                first = source.positions[(*path, key)][0]
                source.problems.append((line, col, f"duplicate key `{key}` (first at line {first})"))
                continue
            child = (*path, key)
            result[key] = _walk(loader, value_node, child, source)
            # A key's own line is where an editor looks; keep it over the value's.
            source.positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, item, (*path, i), source) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(loader, node)
