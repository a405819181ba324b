"""Conditions as regions of the input space: gaps, overlaps and silences of decision tables.

This is lint's view of a rule, and it never runs one. A table row is read from the cells
the loader kept structured (`CompiledRow.cells`); a rule's `when` from its source text,
when that is a plain conjunction of comparisons (`conjunction()`).

Each input is cut into a partition of pieces: the values of an enumerated field (from the
event model), true/false for a boolean, null when the field is optional, and for a number
the thresholds its cells name, each giving the piece of the threshold itself, the open
piece above it and the one below it (represented by the points t, t+0.01 and t-0.01: the
step is one 分, or finer when a threshold has more places). Every cell is true on the
whole of a piece or on none of it, so what is found on the pieces holds for every event,
and an input combination no row covers is found if one exists.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..core.approvals import Chain
from ..core.compiled import Cell, CompiledOutcome, CompiledTable, DatedValue, ValueSource
from ..core.expressions import COMPARE_TEXT, Expression
from ..core.scope import Type

CENT = Decimal("0.01")
# Beyond these a table is not analysed (lint says so): the analysis grows with rows times
# rows times pieces, and lint is the service's reload gate. 200 rows take about half a
# second; the bundled tables have at most 15.
MAX_ROWS = 200
MAX_POINTS = 20_000  # input combinations the pieces make


class TableTooLargeError(Exception):
    """A table lint will not analyse, and why, in words."""


class _Other:
    """A value of a free-text field that no cell names."""

    def __repr__(self) -> str:
        return "(any other value)"


OTHER: Any = _Other()

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda value, options: value in options,
    "not in": lambda value, options: value not in options,
}
_ORDERED = ("<", "<=", ">", ">=")


def holds(cell: Cell, value: Any) -> bool:
    """Whether `cell` is true of `value`, as the compiled row condition would say.

    A comparison the evaluator could not make (an order on a null) does not match: the
    evaluator refers such an event to the pack's authority, the same as no row matching.
    """
    if cell.op == "any":
        return True
    if value is OTHER:
        return cell.op in ("!=", "not in")
    try:
        return bool(_OPS[cell.op](value, cell.value))
    except TypeError:
        return False


@dataclass(frozen=True)
class Piece:
    """One piece of an input's partition, and the point that stands for it.

    `shape` is `value` (a single value: an enum value, a boolean, null, a threshold),
    `between` (the open interval `low < x < high` of a number, either bound may be
    None for no bound) or `other` (a free-text value no cell names).
    """

    input: str
    shape: str
    point: Any
    low: Decimal | None = None
    high: Decimal | None = None
    named: tuple[Any, ...] = ()

    def contains(self, value: Any) -> bool:
        if self.shape == "value":
            return value is self.point if value is None or self.point is None else _same(value, self.point)
        if self.shape == "other":
            return value is not None and not isinstance(value, bool) and value not in self.named
        if not isinstance(value, int | Decimal) or isinstance(value, bool):
            return False
        return (self.low is None or value > self.low) and (self.high is None or value < self.high)


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, bool) == isinstance(b, bool) and bool(a == b)


Partition = tuple[Piece, ...]


def partition(name: str, typ: Type, cells: Iterable[Cell], nullable: bool = False) -> Partition | None:
    """The pieces of input `name` for the given cells; None for a type lint cannot cut."""
    named: list[Any] = []
    for cell in cells:
        if cell.op == "any":
            continue
        if isinstance(cell.value, tuple | list):
            named.extend(cell.value)
        else:
            named.append(cell.value)
    pieces: list[Piece] = []
    if nullable or typ.nullable or None in named:
        pieces.append(Piece(name, "value", None))
    named = [v for v in named if v is not None]
    if typ.kind == "number":
        if any(isinstance(v, bool) or not isinstance(v, int | Decimal) for v in named):
            return None
        pieces.extend(_number_pieces(name, sorted({Decimal(v) for v in named})))
    elif typ.kind == "bool":
        pieces.extend(Piece(name, "value", v) for v in (True, False))
    elif typ.kind == "str":
        known = list(typ.enum or ())
        known += sorted({str(v) for v in named if str(v) not in known})
        pieces.extend(Piece(name, "value", v) for v in known)
        if typ.enum is None:
            pieces.append(Piece(name, "other", OTHER, named=tuple(known)))
    else:
        return None
    return tuple(pieces)


def _number_pieces(name: str, thresholds: list[Decimal]) -> list[Piece]:
    if not thresholds:
        return [Piece(name, "between", Decimal(1))]
    finest = min(int(t.as_tuple().exponent) for t in thresholds)
    step = min(CENT, Decimal(1).scaleb(finest))
    pieces = [Piece(name, "between", thresholds[0] - step, None, thresholds[0])]
    for i, t in enumerate(thresholds):
        pieces.append(Piece(name, "value", t))
        high = thresholds[i + 1] if i + 1 < len(thresholds) else None
        # No value of the step fits between two thresholds one step apart: no piece there.
        if high is None or t + step < high:
            pieces.append(Piece(name, "between", t + step, t, high))
    return pieces


# ---- regions: per input, the set of pieces (by index) a condition allows ----

Region = tuple[frozenset[int], ...]


@dataclass(frozen=True)
class Space:
    """The inputs of an analysis and their partitions."""

    inputs: tuple[str, ...]
    parts: tuple[Partition, ...]

    @classmethod
    def of(cls, scope: Mapping[str, Type], conditions: Iterable[Sequence[Cell]]) -> Space | None:
        """The space spanned by every input the conditions name; None if one cannot be cut."""
        by_input: dict[str, list[Cell]] = {}
        for cells in conditions:
            for cell in cells:
                by_input.setdefault(cell.input, []).append(cell)
        return cls.over(tuple(by_input), scope, by_input)

    @classmethod
    def over(
        cls, inputs: tuple[str, ...], scope: Mapping[str, Type], by_input: Mapping[str, list[Cell]]
    ) -> Space | None:
        parts = []
        for name in inputs:
            typ = scope.get(name)
            if typ is None:
                return None
            part = partition(name, typ, by_input.get(name, ()))
            if part is None:
                return None
            parts.append(part)
        return cls(inputs, tuple(parts))

    @property
    def everything(self) -> Region:
        return tuple(frozenset(range(len(p))) for p in self.parts)

    def region(self, cells: Iterable[Cell]) -> Region:
        """The pieces a conjunction of cells allows (an input it does not name: all of them)."""
        allowed = [set(range(len(p))) for p in self.parts]
        for cell in cells:
            i = self.inputs.index(cell.input)
            allowed[i] &= {k for k, piece in enumerate(self.parts[i]) if holds(cell, piece.point)}
        return tuple(frozenset(a) for a in allowed)

    def example(self, region: Region) -> dict[str, Any]:
        """One point of a non-empty region: the first piece of each input."""
        return {name: self.parts[i][min(region[i])].point for i, name in enumerate(self.inputs)}

    def contains(self, region: Region, point: Mapping[str, Any]) -> bool:
        return all(
            any(self.parts[i][k].contains(point[name]) for k in region[i])
            for i, name in enumerate(self.inputs)
        )

    def describe(self, region: Region) -> str:
        """The region as an editor reads it; an input that may take any value is left out."""
        parts = [
            _describe(name, self.parts[i], region[i])
            for i, name in enumerate(self.inputs)
            if len(region[i]) < len(self.parts[i])
        ]
        return ", ".join(parts) or "any event"


def empty(region: Region) -> bool:
    return any(not r for r in region)


def intersect(a: Region, b: Region) -> Region:
    return tuple(x & y for x, y in zip(a, b, strict=True))


def uncovered(space: Space, region: Region, rows: Sequence[Region]) -> Iterator[Region]:
    """The parts of `region` no row covers, as few regions as an input-by-input split gives.

    Splits on one input at a time, keeping only the rows that still apply; where none do,
    the rest of the inputs may take any value of the region, so that is one gap.
    """

    def walk(i: int, prefix: tuple[frozenset[int], ...], live: list[Region]) -> Iterator[Region]:
        if not live:
            yield (*prefix, *region[i:])
            return
        if i == len(space.inputs):
            return
        pending: list[int] = []
        number = all(p.shape != "other" and not isinstance(p.point, str | bool) for p in space.parts[i])
        for k in sorted(region[i]):
            keep = [r for r in live if k in r[i]]
            if keep:
                # A number's gaps are merged only while they touch, so each reads as an interval.
                if number and pending:
                    yield (*prefix, frozenset(pending), *region[i + 1 :])
                    pending = []
                yield from walk(i + 1, (*prefix, frozenset({k})), keep)
            else:
                pending.append(k)
        if pending:
            yield (*prefix, frozenset(pending), *region[i + 1 :])

    if empty(region):
        return
    yield from walk(0, (), [r for r in rows if not empty(intersect(r, region))])


def _describe(name: str, pieces: Partition, chosen: frozenset[int]) -> str:
    texts = []
    if any(pieces[k].point is None and pieces[k].shape == "value" for k in chosen):
        texts.append(f"{name} is null")
    numbers = sorted(k for k in chosen if _is_number_piece(pieces[k]))
    runs: list[list[int]] = []
    for k in numbers:
        if runs and runs[-1][-1] == k - 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    texts += [_run_text(name, [pieces[k] for k in run]) for run in runs]
    others = [
        pieces[k] for k in sorted(chosen) if pieces[k].point is not None and not _is_number_piece(pieces[k])
    ]
    if len(others) == 1:
        texts.append(f"{name}={show(others[0].point)}")
    elif others:
        texts.append(f"{name} in [" + ", ".join(show(p.point) for p in others) + "]")
    return " or ".join(texts)


def _is_number_piece(piece: Piece) -> bool:
    return piece.shape == "between" or (
        isinstance(piece.point, int | Decimal) and not isinstance(piece.point, bool)
    )


def _run_text(name: str, run: list[Piece]) -> str:
    first, last = run[0], run[-1]
    if len(run) == 1 and first.shape == "value":
        return f"{name}={show(first.point)}"
    low = first.point if first.shape == "value" else first.low
    high = last.point if last.shape == "value" else last.high
    low_op = ">=" if first.shape == "value" else ">"
    high_op = "<=" if last.shape == "value" else "<"
    if low is None and high is None:
        return f"{name} any"
    if low is None:
        return f"{name} {high_op} {show(high)}"
    if high is None:
        return f"{name} {low_op} {show(low)}"
    flip = {">": "<", ">=": "<="}
    return f"{show(low)} {flip[low_op]} {name} {high_op} {show(high)}"


def show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def show_point(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={show(value)}" for name, value in point.items())


# ---- the findings of one table ----


@dataclass(frozen=True)
class Gap:
    """Input combinations no row matches: the rule says nothing on them."""

    region: Region
    example: dict[str, Any]
    text: str


@dataclass(frozen=True)
class Overlap:
    """Two rows that can match the same event (a conflict under hit policy `unique`)."""

    rows: tuple[int, int]  # 0-based row indices
    agree: bool
    region: Region
    example: dict[str, Any]
    text: str


@dataclass(frozen=True)
class Silence:
    """A row that is selected for some event but leaves declared outputs unset."""

    row: int
    outputs: tuple[str, ...]
    example: dict[str, Any]
    text: str


@dataclass(frozen=True)
class Unreachable:
    """A row never selected: its cells exclude each other, or earlier rows match first."""

    row: int
    before: tuple[int, ...]  # the rows that take its events; empty when it matches nothing


@dataclass(frozen=True)
class TableReport:
    space: Space
    gaps: tuple[Gap, ...]
    overlaps: tuple[Overlap, ...]
    silences: tuple[Silence, ...]
    unreachable: tuple[Unreachable, ...]


def analyse(table: CompiledTable, scope: Mapping[str, Type]) -> TableReport | None:
    """Gaps, overlaps, silent outputs and unreachable rows of `table`; None if an input cannot be cut."""
    by_input: dict[str, list[Cell]] = {name: [] for name in table.inputs}
    for row in table.rows:
        for cell in row.cells:
            by_input[cell.input].append(cell)
    space = Space.over(table.inputs, scope, by_input)
    if space is None:
        return None
    if len(table.rows) > MAX_ROWS:
        raise TableTooLargeError(f"it has {len(table.rows)} rows, more than {MAX_ROWS}")
    points = math.prod(len(p) for p in space.parts)
    if points > MAX_POINTS:
        raise TableTooLargeError(
            f"its cells cut the inputs into {points:,} combinations, more than {MAX_POINTS:,}"
        )
    regions = [space.region(row.cells) for row in table.rows]
    gaps = tuple(
        Gap(g, space.example(g), space.describe(g)) for g in uncovered(space, space.everything, regions)
    )
    overlaps: list[Overlap] = []
    if table.hit == "unique":
        for i, j in itertools.combinations(range(len(regions)), 2):
            both = intersect(regions[i], regions[j])
            if not empty(both):
                agree = outcome_key(table.rows[i].then) == outcome_key(table.rows[j].then)
                overlaps.append(Overlap((i, j), agree, both, space.example(both), space.describe(both)))
    silences: list[Silence] = []
    unreachable: list[Unreachable] = []
    for i, row in enumerate(table.rows):
        rivals = [r for j, r in enumerate(regions) if (j < i if table.hit == "first" else j != i)]
        alone = next(uncovered(space, regions[i], rivals), None)
        if alone is None:
            if empty(regions[i]):
                unreachable.append(Unreachable(i, ()))
            elif table.hit == "first":
                takers = tuple(j for j in range(i) if not empty(intersect(regions[i], regions[j])))
                unreachable.append(Unreachable(i, takers))
            continue  # under `unique`, a row never alone is reported by its overlaps
        unset = tuple(name for name in table.outputs if name not in row.then.slots)
        if unset:
            silences.append(Silence(i, unset, space.example(alone), space.describe(regions[i])))
    return TableReport(space, gaps, tuple(overlaps), tuple(silences), tuple(unreachable))


def outcome_key(outcome: CompiledOutcome) -> tuple[Any, ...]:
    """What an outcome decides, comparable without evaluating anything."""
    values = tuple(sorted((name, value_key(source)) for name, source in outcome.values))
    obligations = tuple(
        (
            o.code,
            o.unless.source if o.unless else None,
            o.deadline.source if o.deadline else None,
            tuple(v.code for v in o.overdue),
        )
        for o in outcome.obligations
    )
    violations = tuple(v.code for v in outcome.violations)
    return (values, chain_key(outcome.approvals), obligations, violations)


def value_key(source: ValueSource) -> tuple[Any, ...]:
    """Two values agree when they are equal literals or the same expression text.

    A dated value's key lists its days with the key of each value (`keys_agree` compares
    such keys period by period).
    """
    if isinstance(source, DatedValue):
        return ("dated", tuple(zip(source.starts, map(value_key, source.sources), strict=True)))
    if isinstance(source, Expression):
        return ("expression", source.source)
    if source is None:
        return ("none",)
    return ("bool" if isinstance(source, bool) else "number", source)


def keys_agree(a: Any, b: Any, window: tuple[dt.date | None, dt.date | None] = (None, None)) -> bool:
    """Two keys of `value_key` (or `chain_key`) decide the same on every day both give a value."""
    return first_disagreement(a, b, window) is None and (_is_dated(a) or _is_dated(b) or a == b)


def first_disagreement(
    a: Any, b: Any, window: tuple[dt.date | None, dt.date | None] = (None, None)
) -> dt.date | None:
    """The first day within `window` (inclusive; None: open) that two dated keys give different values.

    A dated value gives none before its first day; a plain one the same on every day. None
    when they never disagree, or when neither is dated (compare those with `==`).
    """
    if not (_is_dated(a) or _is_dated(b)):
        return None
    low, high = window[0] or dt.date.min, window[1] or dt.date.max
    periods_a, periods_b = _periods(a), _periods(b)
    # Both are constant between their days: the days, and the window's first, are all to check.
    days = {day for day, _ in periods_a} | {day for day, _ in periods_b} | {low}
    for day in sorted(d for d in days if low <= d <= high):
        on_a, on_b = _key_on(periods_a, day), _key_on(periods_b, day)
        if on_a is not None and on_b is not None and on_a != on_b:
            return day
    return None


def _is_dated(key: Any) -> bool:
    return isinstance(key, tuple) and len(key) == 2 and key[0] == "dated"


def _periods(key: Any) -> tuple[tuple[dt.date, Any], ...]:
    return key[1] if _is_dated(key) else ((dt.date.min, key),)


def _key_on(periods: tuple[tuple[dt.date, Any], ...], day: dt.date) -> Any:
    found = None
    for start, key in periods:
        if start > day:
            break
        found = key
    return found


def chain_key(chain: Chain | None) -> tuple[Any, ...] | None:
    if chain is None:
        return None
    return tuple(
        (s.role, s.roles, s.action, s.before, s.by_end_of, s.accepts_consent, s.by_preparer)
        for s in chain.steps
    )


# ---- conditions written as expressions ----


def conjunction(source: str, scope: Mapping[str, Type]) -> tuple[Cell, ...] | None:
    """The cells of a `when` that is a plain conjunction of comparisons with literals.

    `amount > 10000 and customer.type == 'new'` gives two cells. Anything else (`or`,
    arithmetic, a function call, two fields compared) gives None: lint then does not
    reason about the rule's condition. The text is parsed, never run.
    """
    text = source.replace("\n", " ").strip()
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    cells: list[Cell] = []
    for node in _conjuncts(tree.body):
        cell = _cell_of(node, scope, text)
        if cell is None:
            return None
        cells.append(cell)
    return tuple(cells)


def negation(cells: tuple[Cell, ...]) -> tuple[Cell, ...] | None:
    """The cells of `not (cell)` for a single cell (an `else` branch); None for more than one."""
    if len(cells) != 1:
        return None
    (cell,) = cells
    flipped = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">", "in": "not in"}
    flipped["not in"] = "in"
    if cell.op not in flipped:
        return None
    return (Cell(cell.input, flipped[cell.op], cell.value),)


def _conjuncts(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        return [leaf for value in node.values for leaf in _conjuncts(value)]
    return [node]


# A table cell reads `x is None` as equality with None.
_AST_OPS = {**COMPARE_TEXT, ast.Is: "==", ast.IsNot: "!="}
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _cell_of(node: ast.expr, scope: Mapping[str, Type], text: str) -> Cell | None:
    negated = False
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        node, negated = node.operand, True
    name = _name(node)
    if name is not None:
        typ = scope.get(name)
        return Cell(name, "==", not negated) if typ is not None and typ.kind == "bool" else None
    if negated or not isinstance(node, ast.Compare) or len(node.ops) != 1:
        return None
    op = _AST_OPS.get(type(node.ops[0]))
    left, right = node.left, node.comparators[0]
    if op is None:
        return None
    field, literal = _name(left), _literal(right, text)
    if field is None or literal is _NOT_LITERAL:
        if op in ("in", "not in"):
            return None
        field, literal = _name(right), _literal(left, text)
        op = _MIRROR.get(op, op)
    if field is None or literal is _NOT_LITERAL or field not in scope:
        return None
    if (op in ("in", "not in")) != isinstance(literal, tuple):
        return None
    return Cell(field, op, literal)


_NOT_LITERAL: Any = object()


def _name(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id in ("True", "False", "None"):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _literal(node: ast.expr, text: str) -> Any:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, float):
            # As written, never through the float: 12345678901234567.90 is not 1.2345678901234568e+16.
            written = ast.get_source_segment(text, node)
            return Decimal(written.replace("_", "")) if written else _NOT_LITERAL
        return value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _literal(node.operand, text)
        if isinstance(inner, int | Decimal) and not isinstance(inner, bool):
            return -inner
        return _NOT_LITERAL
    if isinstance(node, ast.Tuple | ast.List):
        values = tuple(_literal(e, text) for e in node.elts)
        return _NOT_LITERAL if any(v is _NOT_LITERAL for v in values) else values
    return _NOT_LITERAL
