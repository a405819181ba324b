"""YAML that remembers where each value came from, and refuses what a policy never needs.

The loader needs file:line:column for every key a policy editor wrote, so that a
pydantic error at `rules[3].then.values.NAME` points at the line. This module
reads the parser's event stream (libyaml when installed, PyYAML's own parser otherwise)
and builds plain data and a map from path to position itself, with an explicit stack:
no node graph, no constructor, no recursion.

A policy file is read as data only (docs/policy-format.md, "What YAML a policy may
use"). Refused, each with its file:line:column: explicit tags (`!!python/name:`,
`!evil`, `!!binary`, even `!!str`), aliases past a budget of `MAX_ALIASED` values per
file (an alias shares its value, and the count stops a billion laughs at the first alias
past the budget), merge keys, nesting deeper than `MAX_DEPTH`, files over `MAX_BYTES` or other
than regular files (a FIFO or a link to /dev/zero is refused before a byte is read),
bytes that are not UTF-8, control and bidirectional-override characters, numbers that
are not plain decimals (`core/literals.py`), dates that are not on the calendar, and
duplicate keys (which PyYAML silently merges). Numbers with a point become `Decimal`,
never float.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .literals import LiteralError, read_number
from .places import PathKey as PathKey  # its home is places; here, where it was first

MAX_BYTES = 4 * 1024 * 1024  # some 15,000 rules; the bundled pack's largest file is 30 kB
MAX_DEPTH = 32  # the bundled pack nests 7 deep
MAX_PROBLEMS = 20  # listed per file; the rest are counted
MAX_ALIASED = 10_000  # values aliases may stand for in one file: the bundled pack uses 14

# The parser: libyaml's when PyYAML was built with it (20 times faster), else PyYAML's.
_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Characters refused anywhere in a file (and in a scalar after its escapes): C0 and C1
# controls but tab and line breaks, DEL, the line breaks only YAML 1.1 knows (NEL, LS,
# PS: an editor would number lines differently), bidirectional overrides (text that
# reads differently from how it runs), BOMs past the start, and non-characters.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]"
)

_DEPTH_MESSAGE = f"the YAML is nested more than {MAX_DEPTH} levels deep"
_DEPTH_HELP = "a policy nests a few levels: file, rule, outcome, list, item"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_TAG_HELP = "a policy is plain data: write the value itself, and quote it to make it text"
_ANCHOR_HELP = "write the values out where they are used, or alias fewer and smaller values"


@dataclass
class Source:
    """One parsed YAML file: its data, and the position of every path in it.

    `problems` are findings that still let the rest of the file be read; `refused` says
    one of them replaced a value (a tag, an alias, a bad number), so the data must not be
    compiled: what was refused would otherwise show up again as a confusing second error.
    """

    file: str
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    problems: list[tuple[int, int, str, str | None]] = field(default_factory=list)
    refused: bool = False
    unlisted: int = 0

    def where(self, path: PathKey) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that has one."""
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (1, 1))

    def refuse(self, mark: Any, message: str, help: str | None = None) -> None:
        self.refused = True
        self.problem(mark.line + 1, mark.column + 1, message, help)

    def problem(self, line: int, column: int, message: str, help: str | None = None) -> None:
        # A hostile file can hold a million aliases; a reader needs the first few.
        if len(self.problems) < MAX_PROBLEMS:
            # A key quoted in a message may hold a line break: escaped, a finding is one line.
            shown = message.replace("\r", "\\r").replace("\n", "\\n")
            self.problems.append((line, column, shown, help))
        else:
            self.unlisted += 1

    def all_problems(self) -> list[tuple[int, int, str, str | None]]:
        if not self.unlisted:
            return list(self.problems)
        line, column = self.problems[-1][:2]
        verb = "s are" if self.unlisted != 1 else " is"
        more = f"{self.unlisted} more problem{verb} not listed for this file"
        return [*self.problems, (line, column, more, "correct the ones above and load again")]


class YamlSyntaxError(Exception):
    """A file that cannot be read as a policy file at all; the first reason, with its place."""

    def __init__(self, line: int, column: int, message: str, help: str | None = None) -> None:
        self.line, self.column, self.message, self.help = line, column, message, help
        super().__init__(message)


def load(path: Path, display: str | None = None) -> Source:
    """Read and parse `path`; YamlSyntaxError with a position for anything refused.

    OSError is left to the caller (a missing file, no permission): it is not the content.
    """
    text = _read_text(path)
    return loads(text, display or str(path))


def _read_text(path: Path) -> str:
    # stat before open, so a FIFO or a device is refused without opening it; fstat after,
    # so a file swapped in between is caught too.
    _regular(path.stat())
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        _regular(os.fstat(fd))
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise YamlSyntaxError(
            1,
            1,
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB",
            "split the rules into several files",
        )
    return _decode(data)


def _regular(info: os.stat_result) -> None:
    if stat.S_ISREG(info.st_mode):
        return
    kind = (
        "a directory"
        if stat.S_ISDIR(info.st_mode)
        else "a FIFO"
        if stat.S_ISFIFO(info.st_mode)
        else "a device"
        if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
        else "a socket"
        if stat.S_ISSOCK(info.st_mode)
        else "not a regular file"
    )
    raise YamlSyntaxError(1, 1, f"the file is {kind}, not a regular file", "a policy file is a plain file")


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlSyntaxError(1, 1, "the file is UTF-16, not UTF-8", "save it as UTF-8")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[start : error.start].decode("utf-8", "replace")) + 1
        raise YamlSyntaxError(
            line,
            column,
            f"the file is not UTF-8: byte `0x{data[error.start]:02x}` cannot start or continue a character",
            "save it as UTF-8",
        ) from None


def loads(text: str, file: str) -> Source:
    """Parse `text`; YamlSyntaxError with a position on malformed or refused YAML."""
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise YamlSyntaxError(line, column, _forbidden(bad.group()), "remove it, or retype the line")
    source = Source(file=file, data=None)
    parser = _Parser(text)
    try:
        source.data = _Builder(parser, source).document()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if "maximum nesting depth" in str(error.problem):  # libyaml's own bound, at 1000
            raise YamlSyntaxError(line, column, _DEPTH_MESSAGE, _DEPTH_HELP) from None
        raise YamlSyntaxError(line, column, f"invalid YAML: {_problem(error, text, mark)}") from None
    except yaml.YAMLError as error:  # not marked: the parser gave no place
        raise YamlSyntaxError(1, 1, f"invalid YAML: {error}") from None
    finally:
        parser.dispose()
    return source


def _forbidden(char: str) -> str:
    return f"the character U+{ord(char):04X} is not allowed in a policy file"


def _problem(error: yaml.MarkedYAMLError, text: str, mark: Any) -> str:
    problem = str(error.problem)
    # libyaml does not name the character it could not read; say which it was.
    if problem == "found character that cannot start any token" and mark is not None:
        lines = text.splitlines()
        if mark.line < len(lines) and mark.column < len(lines[mark.line]):
            problem = f"found character {lines[mark.line][mark.column]!r} that cannot start any token"
    return problem


@dataclass
class _Frame:
    """An open mapping or sequence: what has been read of it, and where it sits."""

    value: dict[str, Any] | list[Any]
    path: PathKey
    anchor: str | None
    key: str | None = None  # a mapping's key read, its value not yet
    skip: bool = False  # the key was refused: drop the value that follows
    size: int = 1  # values in it, each alias counted as the values it stands for


_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_START = (yaml.MappingStartEvent, yaml.SequenceStartEvent)


class _Builder:
    """Plain data from the parser's events, with positions and refusals."""

    def __init__(self, parser: Any, source: Source) -> None:
        self.parser, self.source = parser, source
        self.anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, size)
        self.expanded = 0  # values that aliases stand for, in the whole file

    def document(self) -> Any:
        self.parser.get_event()  # stream start
        if self.parser.check_event(yaml.StreamEndEvent):
            return None
        self.parser.get_event()  # document start
        data = self.node()
        self.parser.get_event()  # document end
        if not self.parser.check_event(yaml.StreamEndEvent):
            mark = self.parser.peek_event().start_mark
            raise YamlSyntaxError(
                mark.line + 1,
                mark.column + 1,
                "a policy file holds one YAML document, but a second one starts here",
                "remove the `---` line, or move the second document into a file of its own",
            )
        return data

    def node(self) -> Any:
        """The next node of the stream, read without recursion."""
        stack: list[_Frame] = []
        while True:
            event = self.parser.get_event()
            size = 1
            if isinstance(event, _END):
                frame = stack.pop()
                value: Any = frame.value
                size = frame.size
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (value, size)
            elif stack and isinstance(stack[-1].value, dict) and stack[-1].key is None and not stack[-1].skip:
                self.key(stack, event)
                continue
            elif stack and stack[-1].skip:
                # The value of a refused key: checked for what it holds, then dropped.
                self.tags(event)
                if isinstance(event, _START):
                    self.skip_collection(len(stack) + 1, event)
                value = None
            else:
                path = self.path_of(stack)
                self.place(stack, path, event)
                if isinstance(event, _START):
                    self.tags(event)
                    _deep(len(stack) + 1, event)
                    container: dict[str, Any] | list[Any] = (
                        {} if isinstance(event, yaml.MappingStartEvent) else []
                    )
                    stack.append(_Frame(container, path, event.anchor))
                    continue
                if isinstance(event, yaml.AliasEvent):
                    value, size = self.alias(event)
                else:
                    value = self.scalar(event)
                    if event.anchor is not None:
                        self.anchors[event.anchor] = (value, 1)
            if not stack:
                return value
            stack[-1].size += size
            self.attach(stack[-1], value)

    def alias(self, event: Any) -> tuple[Any, int]:
        """The value an alias stands for, within the file's budget of `MAX_ALIASED` values."""
        name = event.anchor
        if name not in self.anchors:
            self.source.refuse(
                event.start_mark,
                f"alias `*{name}` names no anchor before it, or the value that holds it",
                "an alias repeats a value written in full earlier in the file",
            )
            return None, 1
        value, size = self.anchors[name]
        self.expanded += size
        if self.expanded > MAX_ALIASED:
            # Fatal: past this alias, every further one of a billion laughs would be reported.
            raise YamlSyntaxError(
                event.start_mark.line + 1,
                event.start_mark.column + 1,
                f"aliases in this file stand for more than {MAX_ALIASED:,} values",
                _ANCHOR_HELP,
            )
        return value, size

    def path_of(self, stack: list[_Frame]) -> PathKey:
        if not stack:
            return ()
        top = stack[-1]
        if isinstance(top.value, list):
            return (*top.path, len(top.value))
        return (*top.path, top.key if top.key is not None else "")

    def place(self, stack: list[_Frame], path: PathKey, event: Any) -> None:
        # A key's own line is where an editor looks: a mapping value keeps its key's place.
        if stack and isinstance(stack[-1].value, dict):
            return
        self.source.positions[path] = (event.start_mark.line + 1, event.start_mark.column + 1)

    @staticmethod
    def attach(frame: _Frame, value: Any) -> None:
        if isinstance(frame.value, list):
            frame.value.append(value)
            return
        if not frame.skip and frame.key is not None:
            frame.value[frame.key] = value
        frame.key, frame.skip = None, False

    def key(self, stack: list[_Frame], event: Any) -> None:
        frame = stack[-1]
        mark = event.start_mark
        where = (mark.line + 1, mark.column + 1)
        if not isinstance(event, yaml.ScalarEvent):
            # Keys are taken as written; a collection (or an alias) as a key is refused.
            self.source.problem(*where, "a mapping key must be a plain word")
            self.tags(event)
            if isinstance(event, _START):
                self.skip_collection(len(stack) + 1, event)
            frame.skip = True
            return
        self.tags(event)
        key = event.value
        bad = _FORBIDDEN.search(key)
        if bad is not None:
            self.source.refuse(mark, _forbidden(bad.group()), "remove it, or retype the key")
            frame.skip = True
            return
        assert isinstance(frame.value, dict)
        if key == "<<" and event.implicit[0]:
            self.source.refuse(mark, "merge keys (`<<`) are not allowed", _ANCHOR_HELP)
            frame.skip = True
            return
        if key in frame.value:
            first = self.source.positions[(*frame.path, key)][0]
            self.source.problem(*where, f"duplicate key `{key}` (first at line {first})")
            frame.skip = True
            return
        frame.key = key
        self.source.positions[(*frame.path, key)] = where

    def skip_collection(self, depth: int, start: Any) -> None:
        """Read past the collection `start` opened, at `depth`, refusing what it holds."""
        _deep(depth, start)
        inside = 1
        while inside:
            event = self.parser.get_event()
            if isinstance(event, _START):
                self.tags(event)
                inside += 1
                _deep(depth + inside - 1, event)
            elif isinstance(event, _END):
                inside -= 1
            else:
                self.tags(event)

    def tags(self, event: Any) -> None:
        """Refuse an explicit tag on `event`."""
        tag = getattr(event, "tag", None)
        if tag is not None:  # quoted text has none: every tag here was written
            message = f"explicit YAML tags (`{_short(tag)}`) are not allowed"
            self.source.refuse(event.start_mark, message, _TAG_HELP)

    def scalar(self, event: Any) -> Any:
        self.tags(event)
        mark = event.start_mark
        bad = _FORBIDDEN.search(event.value)
        if bad is not None:
            self.source.refuse(mark, _forbidden(bad.group()), "remove it, or retype the value")
            return None
        if event.tag is not None or not event.implicit[0]:
            return event.value  # quoted (or refused above): text as written
        tag = self.parser.resolve(yaml.ScalarNode, event.value, (True, False))
        if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            try:
                return read_number(event.value)
            except LiteralError as error:
                self.source.refuse(mark, error.message, error.help)
                return None
        if tag == _TIMESTAMP:
            return self.date(event)
        if tag == "tag:yaml.org,2002:bool":
            return self.parser.construct_yaml_bool(yaml.ScalarNode(tag, event.value, mark, mark))
        if tag == "tag:yaml.org,2002:null":
            return None
        return event.value

    def date(self, event: Any) -> Any:
        node = yaml.ScalarNode(_TIMESTAMP, event.value, event.start_mark, event.end_mark)
        try:
            value: dt.date = self.parser.construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as error:
            self.source.refuse(
                event.start_mark,
                f"`{event.value}` is not a date on the calendar: {error}",
                "write a date as YYYY-MM-DD, as in `2011-12-07`",
            )
            return None
        return value


def _deep(depth: int, event: Any) -> None:
    if depth > MAX_DEPTH:
        raise YamlSyntaxError(
            event.start_mark.line + 1,
            event.start_mark.column + 1,
            _DEPTH_MESSAGE,
            _DEPTH_HELP,
        )


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
