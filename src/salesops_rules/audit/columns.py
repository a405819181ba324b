"""The column convention of CSV and Excel ledgers (docs/audit.md, "CSV and Excel").

One row is one event. Columns are flat, named by the event's field paths with dots
(`customer.type`, `employee.id`); a mixed ledger has the columns of every kind it holds
and leaves the others empty. An empty cell is an absent field. A list field (`approvals`,
`customer.documents`) or a record given whole (`customer`) holds JSON text. Every other cell is
text (or, in Excel, the cell's own number, date or boolean) that the event model reads
as it reads JSON: decimal text for money, ISO dates, `true`/`false`.

The convention is derived from the pack's event models, so a field added to a kind is a
column at once; the header is checked against them when the ledger is opened.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..core.eventkinds import EventKinds
from ..core.scope import fields_of
from ..core.suggest import closest
from ..model import jsonread
from .records import LedgerError, RecordError

# path -> kind -> how a cell of that column is read: json-list, json-record, text, flag, integer, value
ReadAs = Mapping[str, Mapping[str, str]]


def _how(kind: str, annotation: Any) -> str:
    if kind == "number":
        return "integer" if _plain(annotation) is int else "value"
    return {"list": "json-list", "any": "json-record", "str": "text", "bool": "flag"}.get(kind, "value")


def _plain(annotation: Any) -> Any:
    """The type inside `X | None` and `Annotated[X, ...]`."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Annotated or (args and len(args) == 1):
        return _plain(args[0])
    return annotation


def _annotation(model: Any, path: str) -> Any:
    annotation: Any = None
    for part in path.split("."):
        annotation = model.model_fields[part].annotation
        model = _plain(annotation)
    return annotation


@functools.lru_cache(maxsize=8)
def read_as(events: EventKinds) -> ReadAs:
    """How each column is read, per kind: built once per pack's kinds."""
    found: dict[str, dict[str, str]] = {}
    for kind, model in events.models.items():
        for path, typ in fields_of(model).items():
            found.setdefault(path, {})[kind] = _how(typ.kind, _annotation(model, path))
    found["kind"] = dict.fromkeys(events.models, "text")
    return found


@dataclass(frozen=True)
class Layout:
    """The columns of a table ledger, each as its field path split at the dots."""

    paths: tuple[tuple[str, ...], ...]
    names: tuple[str, ...]
    kind_column: int
    read_as: ReadAs = field(default_factory=dict, compare=False)


def layout_of(header: Sequence[str], where: str, events: EventKinds) -> Layout:
    """Check a header row against the event models; raises LedgerError naming the column."""
    columns = read_as(events)

    names = [name.strip() for name in header]
    if not any(names):
        raise LedgerError(f"{where}: the first row names no columns", "the first row is the header")
    seen: dict[str, int] = {}
    for number, name in enumerate(names, 1):
        if not name:
            raise LedgerError(f"{where}: column {number} of the header has no name")
        if name in seen:
            raise LedgerError(f"{where}: column `{name}` appears twice (columns {seen[name]} and {number})")
        seen[name] = number
        if name not in columns:
            close = closest(name, list(columns))
            raise LedgerError(
                f"{where}: column `{name}` is not a field of any event kind",
                f"did you mean `{close}`?"
                if close
                else "columns are field paths such as `amount`, `customer.type`, `employee.id`",
            )
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent in seen:
                raise LedgerError(
                    f"{where}: columns `{parent}` and `{name}` both give `{name}`",
                    f"keep `{parent}` as JSON text, or its fields as columns, not both",
                )
    if "kind" not in seen:
        raise LedgerError(f"{where}: the header has no `kind` column", "every row names its event's kind")
    return Layout(tuple(tuple(n.split(".")) for n in names), tuple(names), seen["kind"] - 1, columns)


class TableDecoder:
    """One row of cells to an event dict, following the column convention."""

    def __init__(self, layout: Layout, flavour: str) -> None:
        self.layout = layout
        self.flavour = flavour  # "csv": every cell is text; "xlsx": cells carry Excel's own types

    def __call__(self, cells: Sequence[Any]) -> dict[str, Any]:
        layout = self.layout
        width = len(layout.names)
        if len(cells) > width and any(_filled(c) for c in cells[width:]):
            raise RecordError(f"the row has {len(cells)} cells, the header names {width} columns")
        if len(cells) < width and self.flavour == "csv":
            raise RecordError(
                f"the row has {len(cells)} cells, the header names {width} columns (a truncated row?)"
            )
        kind = cells[layout.kind_column] if layout.kind_column < len(cells) else None
        kind = kind.strip() if isinstance(kind, str) else kind
        event: dict[str, Any] = {}
        for index, path in enumerate(layout.paths):
            if index >= len(cells):
                break
            cell = cells[index]
            if not _filled(cell):
                continue
            name = layout.names[index]
            how = layout.read_as[name].get(kind, "value") if isinstance(kind, str) else "value"
            value = self._read(cell, how, name)
            target = event
            for part in path[:-1]:
                target = target.setdefault(part, {})
            target[path[-1]] = value
        return event

    def _read(self, cell: Any, how: str, name: str) -> Any:
        if how.startswith("json"):
            want, word, opening = (list, "array", "[") if how == "json-list" else (dict, "object", "{")
            if not isinstance(cell, str):
                raise RecordError(f"column `{name}` holds JSON text, not `{cell}`")
            if not cell.lstrip().startswith(opening):
                raise RecordError(f"column `{name}` holds a JSON {word}, not `{cell.strip()}`")
            try:
                value = jsonread.loads(cell)
            except jsonread.JsonInputError as error:
                if error.line is None:
                    raise RecordError(f"column `{name}`: invalid JSON: {error.message}") from None
                where = f"character {error.column}"
                if error.line != 1:
                    where = f"line {error.line} column {error.column}"
                raise RecordError(f"column `{name}`: invalid JSON at {where}: {error.reason}") from None
            if not isinstance(value, want):
                raise RecordError(f"column `{name}` holds a JSON {word}, not `{cell.strip()}`")
            return value
        if self.flavour == "csv":
            return _text_value(cell, how)
        return _excel_value(cell, how)


def _filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


_INTEGER_TEXT = re.compile(r"-?[0-9]{1,30}")


def _text_value(cell: str, how: str) -> Any:
    """A text cell as the event model reads JSON: `true`/`false` a boolean, digits an integer."""
    if how == "flag":
        return {"true": True, "false": False}.get(cell.strip().lower(), cell)
    if how == "integer" and _INTEGER_TEXT.fullmatch(cell.strip()):
        return int(cell)
    return cell


def _excel_value(cell: Any, how: str) -> Any:
    """An Excel cell as the event model reads it; numbers keep the decimal the sheet shows."""
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, float):
        # A sheet stores a binary double; the shortest decimal that round-trips is the one it
        # shows (12000.5 -> 12000.5). A computed 0.30000000000000004 stays as it is and is refused.
        number: int | Decimal = int(cell) if cell.is_integer() else Decimal(repr(cell))
        return str(number) if how == "text" else number
    if isinstance(cell, int):
        return str(cell) if how == "text" else cell
    if isinstance(cell, dt.time):
        return cell.isoformat()
    if isinstance(cell, str):
        return _text_value(cell, how)
    return cell
