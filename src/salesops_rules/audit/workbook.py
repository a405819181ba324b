"""The audit report as an Excel workbook, for the sales office that keeps its ledger in Excel.

It holds what the Markdown and HTML report hold, laid out from the same document
(`report.build`): each of its tables is a sheet, each chart a sheet with its data and a
bar chart, in the report's language. Besides, a sheet of **every finding** read back from
findings.csv (up to the rows a sheet holds). Dates are dates, counts and amounts numbers;
every sheet has its header row frozen, a filter on it and columns as wide as their text.

Written with openpyxl in write-only mode (rows stream to the file).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..core.compiled import CompiledPolicy
from ..core.labels import labels_of
from .report import Cell, Chart, Code, Link, Table, build, cell_text, w
from .run import FINDINGS_FILE, AuditResult

MAX_ROWS = 1_048_575  # rows a sheet holds under its header
MAX_WIDTH = 60
_BAD_SHEET_CHARS = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))

# findings.csv's columns, as the workbook heads them
FINDING_HEADERS = {
    "line": ("line", "行"),
    "row": ("row", "行"),
    "event_id": ("event", "事件"),
    "kind": ("kind", "事件类型"),
    "date": ("date", "日期"),
    "month": ("month", "月份"),
    "employee": ("employee", "员工"),
    "category": ("category", "类别"),
    "code": ("code", "代码"),
    "article": ("article", "条"),
    "label": ("clause", "条款"),
    "message": ("message", "说明"),
    "rule": ("ledger rule", "跨事件规则"),
    "detail": ("detail", "详情"),
    "sanction": ("sanction", "处罚"),
    "deduction_months": ("months' salary", "扣发月薪倍数"),
    "amount_min": ("deduction from (yuan)", "扣发金额下限（元）"),
    "amount_max": ("deduction to (yuan)", "扣发金额上限（元）"),
}


def write_workbook(result: AuditResult, policy: CompiledPolicy, path: Path, lang: str = "en") -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    names: set[str] = set()

    def sheet(
        title: str,
        header: tuple[str, ...],
        rows: Any,
        note: str | None = None,
        bold_rows: frozenset[int] = frozenset(),
    ) -> Any:
        ws = book.create_sheet(_sheet_name(title, names))
        widths = [_width(h) for h in header]
        ws.freeze_panes = "A2"
        cells = []
        for name in header:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            cells.append(cell)
        # Widths are set before rows stream out; the first rows size them. Rows stream from
        # an iterator, so a sheet of a million findings is never held in memory.
        rows = iter(rows)
        first = list(itertools.islice(rows, 500))
        for row in first:
            for i, value in enumerate(row[: len(widths)]):
                widths[i] = max(widths[i], _width(cell_text(value) if not isinstance(value, str) else value))
        for i, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, width + 2)
        ws.append(cells)
        count = 0
        for i, row in enumerate(itertools.chain(first, rows)):
            count += 1
            cells = [_excel(ws, v, WriteOnlyCell) for v in row]
            if i in bold_rows:
                cells = [_bold(ws, c, WriteOnlyCell, bold) for c in cells]
            ws.append(cells)
        ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(header)))}{count + 1}"
        if note:
            ws.append([note])
        return ws

    document = build(result, policy, lang)
    for block in document.blocks:
        if isinstance(block, Table) and block.sheet is not None:
            sheet(block.sheet, block.header, block.rows, bold_rows=block.totals)
        elif isinstance(block, Chart) and block.sheet is not None and block.bars:
            ws = sheet(block.sheet, ("", w("count", lang)), [(label, n) for label, n in block.bars])
            chart = BarChart()
            chart.type = "bar"
            chart.title = block.title
            chart.legend = None
            chart.height = max(6, 0.5 * len(block.bars))
            data = Reference(ws, min_col=2, min_row=1, max_row=len(block.bars) + 1)
            labels = Reference(ws, min_col=1, min_row=2, max_row=len(block.bars) + 1)
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(labels)
            ws.add_chart(chart, "D2")
    _findings_sheet(result, policy, lang, sheet)
    book.save(path)


def _findings_sheet(result: AuditResult, policy: CompiledPolicy, lang: str, sheet: Any) -> None:
    """Every finding of findings.csv, typed (dates as dates, articles and amounts as numbers),
    with the finding's words in the report's language; streamed, never held in memory."""
    source = next((f for f in result.files if f.name == FINDINGS_FILE), None)
    if source is None or not source.is_file():
        return
    zh = lang == "zh"
    labels = labels_of(policy)
    with source.open(encoding="utf-8", newline="") as handle:
        total = sum(1 for _ in csv.reader(handle)) - 1
    cut = total > MAX_ROWS - 1
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        columns = next(reader, [])
        code = columns.index("code") if "code" in columns else None
        header = (
            *(FINDING_HEADERS.get(c, (c, c))[1 if zh else 0] for c in columns),
            w("finding", lang),
        )
        typed = [_column_type(c) for c in columns]

        def rows() -> Any:
            for row in itertools.islice(reader, MAX_ROWS - 1):
                words = labels.code(row[code], lang) if code is not None and code < len(row) else ""
                yield (*(_typed(v, t) for v, t in zip(row, typed, strict=False)), words)

        note = f"{w('cut', lang).format(n=MAX_ROWS - 1)} {FINDINGS_FILE}" if cut else None
        sheet(w("all_findings", lang), header, rows(), note)


def _column_type(column: str) -> str:
    if column in ("line", "row", "article"):
        return "int"
    if column == "date":
        return "date"
    if column in ("amount_min", "amount_max"):
        return "money"
    return "text"


def _typed(value: str, kind: str) -> Cell:
    if not value:
        return None
    try:
        if kind == "int":
            return int(value)
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "money":
            return Decimal(value)
    except (ValueError, InvalidOperation):
        return value
    return value


def _excel(ws: Any, value: Cell, make: Any) -> Any:
    if isinstance(value, Link | Code):
        return value.text
    if isinstance(value, dt.date):
        cell = make(ws, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, Decimal):
        cell = make(ws, value=value)
        cell.number_format = "#,##0.00"
        return cell
    return value


def _bold(ws: Any, value: Any, make: Any, font: Any) -> Any:
    cell = value if hasattr(value, "font") else make(ws, value=value)
    cell.font = font
    return cell


def _width(text: str) -> int:
    """Columns a text takes: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet_name(title: str, taken: set[str]) -> str:
    name = title.translate(_BAD_SHEET_CHARS)[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" {n}"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name
