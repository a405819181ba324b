"""Ledger readers: JSON Lines, CSV and Excel, streamed one record at a time.

Reading is split in two so that several processes can share an audit:
- a `Ledger` (in the main process) yields `RawRecord`s, the position and the raw payload
  (a line's bytes, a row's cells), as fast as the file can be read, and never holds more
  than one record;
- its `decoder` (picklable; it runs wherever the event is judged) turns one payload into
  an event dict, or raises `RecordError` saying what is wrong with that record alone.

A record that is malformed is skipped and reported with its line or row; a ledger that
cannot be read at all (no such file, a workbook that does not open, a wrong sheet name, a
header that breaks the column convention) raises `LedgerError`. The column convention of
CSV and Excel ledgers is in `columns.py` and docs/audit.md.
"""

from __future__ import annotations

import codecs
import csv
import functools
import itertools
import re
import typing
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel

from ..core.eventkinds import EventKinds
from ..model import jsonread
from ..model.audit import SkippedRecord
from ..model.events import EventBase
from .columns import TableDecoder, layout_of
from .records import Decoder, LedgerError, RawRecord, RecordError

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
BOM = codecs.BOM_UTF8
LINES_READ = 2000  # lines read at a time when records are streamed one by one
MAX_LINE = jsonread.MAX_BYTES  # one line is one event: a longer line is skipped unread
# Space after a quote: where a key's closing quote is not followed by its colon at once.
_SPACE_AFTER_QUOTE = re.compile(rb'"\s')


class JsonLinesDecoder:
    """One line of JSON Lines: a JSON object, read by the one JSON reader of events."""

    def __call__(self, payload: bytes) -> dict[str, Any]:
        if len(payload) > MAX_LINE + 2:
            raise RecordError(_too_long(len(payload)))
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RecordError(f"not UTF-8 text (byte {error.start + 1} of the line)") from None
        try:
            # Without the line break, an error past the last character keeps its column.
            data = jsonread.loads(text.rstrip("\r\n"), MAX_LINE)
        except jsonread.JsonInputError as error:
            if error.column is None:
                raise RecordError(f"invalid JSON: {error.message}") from None
            message = f"invalid JSON at column {error.column}: {error.reason}"
            if not payload.endswith(b"\n"):
                message += " (the file ends inside this line: truncated?)"
            raise RecordError(message) from None
        if not isinstance(data, dict):
            raise RecordError(f"an event is a JSON object, not {_json_type(data)}")
        return data

    def event(self, payload: bytes, events: EventKinds) -> EventBase | None:
        """The event read straight from the line's bytes, or None: then the line goes the exact way.

        pydantic parses the JSON itself, without the dict `__call__` builds: that saves a third
        of the cost of a line. It only ever decides what it accepts. A line it refuses goes
        through `__call__` and `parse_event` like any other, and their messages and Decimal
        numbers are the ones reported. A JSON number given as money is such a line: pydantic
        would read it as a float, which money refuses.
        """
        if len(payload) > MAX_LINE or _SPACE_AFTER_QUOTE.search(payload):
            return None
        try:
            event: EventBase = events.read_json(payload)
        except Exception:  # any refusal at all: the exact path judges the line and says why
            return None
        # pydantic lets the last of two equal keys win; the exact path refuses them. With no
        # space after a quote, every key's closing quote is followed by its colon, so `":`
        # occurs once per key, plus once per `\":` inside a string: as often as the event
        # was given fields, or a key came twice (or a string holds `\":`: left to the exact
        # path too).
        if payload.count(b'":') != _fields_given(event):
            return None
        return event


def _fields_given(event: BaseModel) -> int:
    """The keys an event was read from: its fields given, and those of the records it holds;
    -1 (never a count) for a kind whose records hold records: the exact path reads those."""
    count = len(event.__pydantic_fields_set__)
    fields = event.__dict__  # not getattr: this runs once per line of the ledger
    nested = _NESTED.get(type(event))
    if nested is None:
        nested = _nested(type(event))
    if nested is DEEPER:
        return -1
    for name in nested:
        value = fields[name]
        if type(value) is tuple:
            for record in value:
                count += len(record.__pydantic_fields_set__)
        elif value is not None:
            count += len(value.__pydantic_fields_set__)
    return count


def _holds_records(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _holds_records(arg)]


def _index(model: type[BaseModel], nested: dict[type[BaseModel], tuple[str, ...]]) -> None:
    if model in nested:
        return
    inner = {name: _holds_records(info.annotation) for name, info in model.model_fields.items()}
    nested[model] = tuple(name for name, models in inner.items() if models)
    for models in inner.values():
        for each in models:
            _index(each, nested)


# Per event model, its fields that may hold a record; filled on first use (a pack's models
# are made at load). `DEEPER`: a record holds a record, deeper than `_fields_given` counts.
_NESTED: dict[type[BaseModel], tuple[str, ...]] = {}
DEEPER: tuple[str, ...] = ("",)


def _nested(model: type[BaseModel]) -> tuple[str, ...]:
    found: dict[type[BaseModel], tuple[str, ...]] = {}
    _index(model, found)
    names = found[model]
    if any(fields for inner, fields in found.items() if inner is not model):
        names = DEEPER
    _NESTED[model] = names
    return names


def _too_long(length: int) -> str:
    return f"the line is {length} bytes, over the limit of {MAX_LINE} for one event"


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


Item = RawRecord | SkippedRecord


class Records(NamedTuple):
    """A batch of records already read (CSV, Excel: their rows are cut where they are parsed)."""

    items: Sequence[Item]

    def records(self) -> Iterable[Item]:
        return self.items


class Lines(NamedTuple):
    """A batch of JSON Lines, sent as read: the process that judges them makes their records.

    The reading process only cuts the file into lists of lines; numbering them, dropping blank
    ones and the byte-order mark happen where the batch is judged, so with several workers
    the reader does almost nothing per event.
    """

    first_line: int
    lines: list[bytes | int]  # an int: the length of a line too long to be an event, not kept

    def records(self) -> Iterator[Item]:
        for number, line in enumerate(self.lines, self.first_line):
            if isinstance(line, int):
                yield SkippedRecord(number, _too_long(line))
                continue
            if number == 1 and line.startswith(BOM):
                line = line[len(BOM) :]
            if line and not line.isspace():  # what `line.strip()` says, without copying the line
                yield RawRecord(number, line)


Batch = Records | Lines


class Ledger:
    """A ledger file: its records in order, the decoder of their payloads, and how far reading is."""

    format: str = ""
    unit: str = "line"  # what a position counts: "line" or "row"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done = 0  # bytes (or rows) read so far, for the progress bar
        self.total: int | None = None

    @property
    def decoder(self) -> Decoder:
        raise NotImplementedError

    def records(self) -> Iterator[Item]:
        raise NotImplementedError

    def batches(self, size: int) -> Iterator[Batch]:
        """The ledger in batches of `size` records (or lines), in order; `done` after each."""
        records = self.records()
        while items := list(itertools.islice(records, size)):
            yield Records(items)


class JsonLinesLedger(Ledger):
    format, unit = "jsonl", "line"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.total = path.stat().st_size
        self._decoder = JsonLinesDecoder()

    @property
    def decoder(self) -> Decoder:
        return self._decoder

    def records(self) -> Iterator[Item]:
        for batch in self.batches(LINES_READ):
            yield from batch.records()

    def batches(self, size: int) -> Iterator[Batch]:
        self.done = 0
        first = 1
        with _open_binary(self.path) as file:
            while lines := list(_read_lines(file, size)):
                self.done = file.tell()
                yield Lines(first, lines)
                first += len(lines)


def _read_lines(file: Any, size: int | None) -> Iterator[bytes | int]:
    """Up to `size` lines (None: all); a line longer than an event can be is read through, and
    only its length is given in its place."""
    limit = MAX_LINE + 3  # the line, its BOM and its line break
    for count, line in enumerate(iter(lambda: file.readline(limit), b""), 1):
        if len(line) == limit and not line.endswith(b"\n"):
            length = len(line)
            for rest in iter(lambda: file.readline(1 << 20), b""):
                length += len(rest)
                if rest.endswith(b"\n"):
                    break
            yield length
        else:
            yield line
        if count == size:
            return


class CsvLedger(Ledger):
    format, unit = "csv", "row"

    def __init__(self, path: Path, events: EventKinds) -> None:
        super().__init__(path)
        self.total = path.stat().st_size
        self._bad_text = False
        self._long_line = 0  # the length of the line read last, if it was too long to keep
        with _open_binary(path) as file:
            first = file.readline(MAX_LINE)
        header = next(csv.reader([first.removeprefix(BOM).decode("utf-8", "replace")]), [])
        self._decoder = TableDecoder(layout_of(header, f"`{path}`", events), "csv")

    @property
    def decoder(self) -> Decoder:
        return self._decoder

    def _lines(self, file: Any) -> Iterator[str]:
        for number, line in enumerate(_read_lines(file, None), 1):
            if isinstance(line, int):  # a line longer than a row can be: read through, not kept
                self.done += line
                self._long_line = line
                yield "\n"  # an empty row in its place, reported with the flag
                continue
            self.done += len(line)
            if number == 1:
                line = line.removeprefix(BOM)
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                # csv pulls the lines of one row at a time: the flag belongs to the row it yields next.
                self._bad_text = True
                yield line.decode("utf-8", "replace")

    def records(self) -> Iterator[Item]:
        self.done = 0
        with _open_binary(self.path) as file:
            reader = csv.reader(self._lines(file), strict=True)
            next(reader, None)  # the header, checked when the ledger was opened
            row = 1
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    row += 1
                    yield SkippedRecord(row, f"malformed CSV: {error}")
                    self._bad_text = False
                    continue
                row += 1
                if self._long_line:
                    yield SkippedRecord(row, _too_long(self._long_line))
                    self._long_line, self._bad_text = 0, False
                elif self._bad_text:
                    self._bad_text = False
                    yield SkippedRecord(row, "not UTF-8 text")
                elif any(cell.strip() for cell in cells):
                    yield RawRecord(row, cells)


class ExcelLedger(Ledger):
    format, unit = "xlsx", "row"

    def __init__(self, path: Path, sheet: str | None, events: EventKinds) -> None:
        super().__init__(path)
        self.sheet = sheet
        self.declared_rows: int | None = None
        workbook, _, header = self._open()
        workbook.close()
        self.total = self.declared_rows  # for the progress bar only: an estimate
        self._decoder = TableDecoder(layout_of(header, f"`{path}`, sheet `{self.sheet}`", events), "xlsx")

    def _open(self) -> tuple[Any, Iterator[tuple[Any, ...]], list[str]]:
        """The workbook (read-only: rows stream from the file), its row iterator, the header row."""
        import openpyxl  # imported here: a JSON Lines audit need not pay for it

        path = self.path
        try:
            _check_workbook_size(path)
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except LedgerError:
            raise
        except Exception as error:  # BadZipFile, InvalidFileException, KeyError of a damaged archive...
            raise LedgerError(
                f"cannot read `{path}` as an Excel workbook: {_reason(error)}",
                "save the ledger as .xlsx (Excel 2007 or later); a damaged or truncated file does not open",
            ) from None
        names = workbook.sheetnames
        if self.sheet is not None and self.sheet not in names:
            workbook.close()
            raise LedgerError(
                f"`{path}` has no sheet `{self.sheet}`",
                "its sheets: " + ", ".join(f"`{n}`" for n in names),
            )
        self.sheet = self.sheet if self.sheet is not None else names[0]
        sheet: Any = workbook[self.sheet]
        self.declared_rows = sheet.max_row  # from the sheet's `<dimension>`, which may be wrong
        # read-only openpyxl stops at the rows and columns the sheet's `<dimension>` declares;
        # the file's own rows are the ledger, so every row is read whatever it says.
        sheet.reset_dimensions()
        source = sheet._get_source  # openpyxl has no public hook on a sheet's XML stream
        sheet._get_source = lambda: _GuardedXml(source(), f"`{path}`, sheet `{self.sheet}`")
        rows = sheet.iter_rows(values_only=True)
        try:
            first = next(rows, None)
        except Exception as error:
            workbook.close()
            raise LedgerError(
                f"`{path}`, sheet `{self.sheet}`: cannot read the header row: {_reason(error)}"
            ) from None
        if first is None:
            workbook.close()
            raise LedgerError(f"`{path}`: sheet `{self.sheet}` is empty", "the first row names the columns")
        header = [("" if cell is None else str(cell)) for cell in first]
        while header and not header[-1].strip():
            header.pop()
        return workbook, rows, header

    @property
    def decoder(self) -> Decoder:
        return self._decoder

    def records(self) -> Iterator[Item]:
        workbook, rows, _ = self._open()
        row = 1
        try:
            while True:
                try:
                    cells = next(rows)
                except StopIteration:
                    return
                except Exception as error:  # a damaged sheet: what was read stands, the rest is lost
                    yield SkippedRecord(
                        row + 1,
                        f"the sheet cannot be read from here on ({_reason(error)}); "
                        "the rows after it are not audited",
                    )
                    return
                row += 1
                self.done = row
                if any(_filled(cell) for cell in cells):
                    long = next((c for c in cells if isinstance(c, str) and len(c) > MAX_CELL), None)
                    if long is not None:
                        yield SkippedRecord(
                            row, f"a cell of {len(long)} characters, over Excel's own limit of {MAX_CELL}"
                        )
                    else:
                        yield RawRecord(row, tuple(cells))
        finally:
            workbook.close()


MAX_CELL = 32_767  # characters in one cell: Excel's own limit
MAX_WORKBOOK = 2 << 30  # bytes of a workbook's parts once unzipped, together
MAX_SHARED_STRINGS = 256 << 20  # bytes of its shared strings once unzipped: openpyxl holds them all
MAX_TEXT_RUN = 1 << 20  # bytes of XML between two tags: any cell of MAX_CELL characters is shorter


def _check_workbook_size(path: Path, limit: int = MAX_WORKBOOK) -> None:
    """Refuse, before openpyxl reads it, a workbook that unzips to more than a ledger can be."""
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl says why it does not open
    with archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        if total > limit:
            raise LedgerError(
                f"`{path}` unzips to {total} bytes, over the limit of {limit} for a ledger workbook",
                "split the ledger into several workbooks, or save it as CSV or JSON Lines",
            )
        for member in members:
            if member.filename.lower().endswith("sharedstrings.xml"):
                if member.file_size > MAX_SHARED_STRINGS:
                    raise LedgerError(
                        f"`{path}`: its shared strings unzip to {member.file_size} bytes, over the limit of "
                        f"{MAX_SHARED_STRINGS}",
                        "split the ledger into several workbooks, or save it as CSV or JSON Lines",
                    )
                with archive.open(member) as stream:
                    guarded = _GuardedXml(stream, f"`{path}`, its shared strings")
                    while guarded.read(1 << 16):
                        pass


class _GuardedXml:
    """A sheet's XML as openpyxl reads it, refused at the first text longer than any cell holds.

    The XML parser would build a text of any length in memory (1 GB from a 1 MB file); text
    runs from one `<` to the next, so the run across reads is all that is counted.
    """

    def __init__(self, stream: Any, where: str) -> None:
        self.stream, self.where, self.run = stream, where, 0

    def read(self, size: int = -1) -> bytes:
        chunk: bytes = self.stream.read(min(size, 1 << 16) if size >= 0 else 1 << 16)
        first = chunk.find(b"<")
        if first == -1:
            self.run += len(chunk)
        else:
            self.run += first
            if self.run <= MAX_TEXT_RUN:
                self.run = len(chunk) - chunk.rfind(b"<") - 1
        if self.run > MAX_TEXT_RUN:
            raise LedgerError(
                f"{self.where}: a text of more than {MAX_TEXT_RUN} bytes, far beyond Excel's limit of "
                f"{MAX_CELL} characters a cell",
            )
        return chunk

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> _GuardedXml:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _reason(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _open_binary(path: Path) -> Any:
    try:
        return path.open("rb")
    except OSError as error:
        raise LedgerError(f"cannot read `{path}`: {error.strerror}") from None


def open_ledger(
    path: str | Path, sheet: str | None = None, format: str | None = None, events: EventKinds | None = None
) -> Ledger:
    """The ledger at `path`, its format told by the suffix (or `format`); raises LedgerError.

    The columns of a CSV or Excel ledger are checked against `events`, the kinds of the
    policy that will judge it (by default the bundled policy's).
    """
    file = Path(path)
    kind = format or FORMATS.get(file.suffix.lower())
    if kind is None:
        raise LedgerError(
            f"cannot tell the format of `{path}` from its suffix",
            "ledgers are JSON Lines (.jsonl, .ndjson), CSV (.csv) or Excel (.xlsx)",
        )
    if not file.is_file():
        raise LedgerError(f"cannot read `{path}`: no such file")
    if sheet is not None and kind != "xlsx":
        raise LedgerError(f"`--sheet` is for Excel ledgers; `{path}` is {kind.upper()}")
    try:
        if kind in ("jsonl", "csv"):
            _check_utf8(file)
        if kind == "jsonl":
            return JsonLinesLedger(file)
        if kind == "csv":
            return CsvLedger(file, events or bundled_events())
    except OSError as error:
        raise LedgerError(f"cannot read `{path}`: {error.strerror}") from None
    return ExcelLedger(file, sheet, events or bundled_events())


@functools.cache
def bundled_events() -> EventKinds:
    from ..core.loader import load_policy  # the bundled policy, loaded only when no other is given

    return load_policy().events


def _check_utf8(path: Path) -> None:
    """A text ledger in UTF-16 or UTF-32 is named at once, not skipped line by line."""
    with path.open("rb") as file:
        start = file.read(4)
    encoding = jsonread.unicode_bom(start)
    if encoding is None and b"\x00" in start:  # no UTF-8 text starts with NUL
        encoding = "UTF-16 (or UTF-32) without a byte-order mark"
    if encoding is not None:
        raise LedgerError(f"`{path}` is {encoding} text, not UTF-8", "save the ledger as UTF-8")


def read_record(ledger: Ledger, position: int) -> RawRecord | SkippedRecord | None:
    """The record at `position` (line or row), read by streaming up to it; None if there is none."""
    for item in ledger.records():
        if item.position == position:
            return item
        if item.position > position:
            return None
    return None


def decode_all(ledger: Ledger, items: Sequence[Item]) -> list[dict[str, Any] | SkippedRecord]:
    """Decode raw records (for tests and small tools): a dict per event, a SkippedRecord per problem."""
    out: list[dict[str, Any] | SkippedRecord] = []
    for item in items:
        if isinstance(item, SkippedRecord):
            out.append(item)
            continue
        try:
            out.append(ledger.decoder(item.payload))
        except RecordError as error:
            out.append(SkippedRecord(item.position, error.message))
    return out
