"""Hostile ledgers (issue 12): no record lost without a word, no abort, no unbounded read.

Excel files are written with openpyxl, then edited in the zip (a wrong `<dimension>`, an
inline text far beyond any cell) as a hostile producer would write them.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from audit_support import contract, findings, run_audit, write_xlsx
from salesops_rules.audit import open_ledger
from salesops_rules.audit.ledger import MAX_CELL, MAX_LINE, _check_workbook_size
from salesops_rules.audit.records import LedgerError
from salesops_rules.cli import main

HEADER = ["kind", "id", "date", "customer", "product_class", "amount", "prepared_by"]
CUSTOMER = '{"id": "K-1", "type": "existing", "legal_form": "company"}'


def rows(n: int) -> list[list[Any]]:
    return [["contract", f"C-{i}", "2011-12-05", CUSTOMER, "stock", "800", "E-07"] for i in range(n)]


def edit_sheet(path: Path, edit: Any, added: dict[str, str] | None = None) -> Path:
    """Rewrite the sheet's XML in the workbook's zip with `edit(text) -> text`; add parts `added`."""
    out = path.with_name("edited-" + path.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)
        for name, text in (added or {}).items():
            target.writestr(name, text)
    return out


def with_text(path: Path, text: str) -> Path:
    """The workbook with its cell `PLACEHOLDER` holding `text`: openpyxl itself cuts a cell at 32767."""
    return edit_sheet(path, lambda xml: xml.replace("PLACEHOLDER", text, 1))


def with_dimension(path: Path, ref: str) -> Path:
    def edit(text: str) -> str:
        text, count = re.subn(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', text)
        assert count == 1
        return text

    return edit_sheet(path, edit)


def skipped(out: Path) -> list[list[str]]:
    with (out / "skipped.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))[1:]


@pytest.mark.parametrize("ref", ["A1:BA10", "A1", "A1:G3"])
def test_every_row_is_read_whatever_the_dimension_says(tmp_path: Path, ref: str) -> None:
    book = write_xlsx(tmp_path / "l.xlsx", {"L": [HEADER, *rows(499)]})
    hostile = with_dimension(book, ref)
    result = run_audit(hostile, tmp_path / "out")
    assert (result.totals.records, result.totals.audited, result.totals.skipped) == (499, 499, 0)
    # each of these contracts has a finding: the last row's as much as the first's
    assert {f"C-{i}" for i in range(499)} <= {row["event_id"] for row in findings(tmp_path / "out")}


def test_columns_past_the_dimension_are_read_too(tmp_path: Path) -> None:
    # `A1:B3` would cut every row after its second cell: the kind and id only.
    book = write_xlsx(tmp_path / "l.xlsx", {"L": [HEADER, *rows(2)]})
    ledger = open_ledger(with_dimension(book, "A1:B3"))
    read = [ledger.decoder(item.payload) for item in ledger.records()]  # type: ignore[union-attr]
    assert [event["amount"] for event in read] == ["800", "800"]


def test_a_cell_over_excels_limit_skips_its_row_only(tmp_path: Path) -> None:
    table = [
        HEADER,
        *rows(2),
        ["contract", "C-long", "2011-12-05", CUSTOMER, "stock", "800", "PLACEHOLDER"],
        *rows(1),
    ]
    book = with_text(write_xlsx(tmp_path / "l.xlsx", {"L": table}), "x" * (MAX_CELL + 1))
    result = run_audit(book, tmp_path / "out")
    assert (result.totals.records, result.totals.audited, result.totals.skipped) == (4, 3, 1)
    assert skipped(tmp_path / "out") == [
        ["4", f"a cell of {MAX_CELL + 1} characters, over Excel's own limit of {MAX_CELL}"]
    ]


def test_a_shared_string_of_megabytes_is_refused_before_it_is_read(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "l.xlsx", {"L": [HEADER, *rows(1)]})
    strings = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    hostile = edit_sheet(
        book, lambda xml: xml, {"xl/sharedStrings.xml": strings + "y" * (2 << 20) + "</t></si></sst>"}
    )
    with pytest.raises(LedgerError) as caught:
        open_ledger(hostile)
    assert caught.value.message == (
        f"`{hostile}`, its shared strings: a text of more than 1048576 bytes, far beyond Excel's limit of "
        "32767 characters a cell"
    )


def test_an_inline_text_of_megabytes_stops_the_sheet_with_a_skipped_record(tmp_path: Path) -> None:
    table = [
        HEADER,
        *rows(1),
        ["contract", "C-huge", "2011-12-05", CUSTOMER, "stock", "800", "PLACEHOLDER"],
        *rows(1),
    ]
    hostile = with_text(write_xlsx(tmp_path / "l.xlsx", {"L": table}), "z" * (2 << 20))
    result = run_audit(hostile, tmp_path / "out")
    assert (result.totals.records, result.totals.audited, result.totals.skipped) == (2, 1, 1)
    ((position, message),) = skipped(tmp_path / "out")
    assert position == "3"
    assert message.startswith("the sheet cannot be read from here on (")
    assert "a text of more than 1048576 bytes" in message
    assert main(["audit", str(hostile), "--out", str(tmp_path / "cli")]) == 1  # never "clean"


def test_a_workbook_unzipping_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    book = write_xlsx(tmp_path / "l.xlsx", {"L": [HEADER, *rows(50)]})
    with zipfile.ZipFile(book) as archive:
        size = sum(info.file_size for info in archive.infolist())
    _check_workbook_size(book, size)  # at the limit: read
    with pytest.raises(LedgerError) as caught:
        _check_workbook_size(book, size - 1)
    assert (
        caught.value.message
        == f"`{book}` unzips to {size} bytes, over the limit of {size - 1} for a ledger workbook"
    )


# ---- JSON Lines: one line never aborts the audit; read + skipped = lines ----

GOOD = json.dumps(contract("C-ok", "2011-12-05"))
HOSTILE_LINES = [
    ("calendar end, west", GOOD.replace('"date": "2011-12-05"', '"date": "9999-12-31"')),
    ("deep nesting", "[" * 100_000 + "]" * 100_000),
    ("a 5000-digit integer", GOOD.replace('"800"', "9" * 5000)),
    ("a huge exponent", GOOD.replace('"800"', "1e9999999")),
    ("a duplicate kind", GOOD.replace('{"kind": "contract"', '{"kind": "contract", "kind": "cash_receipt"')),
    ("NaN", GOOD.replace('"800"', "NaN")),
    ("a lone surrogate", GOOD.replace('"C-ok"', '"\\ud800"')),
    ("not UTF-8", '{"kind": "\udcff"}'),
    ("too long a line", GOOD.replace('"E-07"', '"' + "e" * (MAX_LINE + 10) + '"')),
]


def test_hostile_lines_are_skipped_with_their_line_and_the_rest_is_audited(tmp_path: Path) -> None:
    lines = []
    for _, line in HOSTILE_LINES:
        lines += [GOOD, line]
    lines.append(GOOD)
    path = tmp_path / "l.jsonl"
    path.write_bytes(b"".join(line.encode("utf-8", "surrogateescape") + b"\n" for line in lines))
    result = run_audit(path, tmp_path / "out")
    assert (result.totals.records, result.totals.audited) == (len(lines), len(HOSTILE_LINES) + 1)
    assert result.totals.skipped == len(HOSTILE_LINES)
    assert [int(position) for position, _ in skipped(tmp_path / "out")] == list(range(2, len(lines), 2))


def test_a_csv_line_too_long_for_a_row_is_skipped_unread(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    good = ",".join(
        ["contract", "C-1", "2011-12-05", '"' + CUSTOMER.replace('"', '""') + '"', "stock", "800", "E-07"]
    )
    long = good.replace("E-07", "e" * (MAX_LINE + 10))
    path.write_text(
        "\n".join([",".join(HEADER), good, long, good.replace("C-1", "C-3")]) + "\n", encoding="utf-8"
    )
    result = run_audit(path, tmp_path / "out")
    assert (result.totals.records, result.totals.audited, result.totals.skipped) == (3, 2, 1)
    assert skipped(tmp_path / "out") == [
        ["3", f"the line is {len(long) + 1} bytes, over the limit of {MAX_LINE} for one event"]
    ]


def test_a_utf16_ledger_is_named_not_skipped_line_by_line(tmp_path: Path) -> None:
    for name in ("l.jsonl", "l.csv"):
        path = tmp_path / name
        for encoding, named in (
            ("utf-16", "UTF-16"),
            ("utf-16-le", "UTF-16 (or UTF-32) without a byte-order mark"),
        ):
            path.write_bytes((GOOD + "\n").encode(encoding))
            with pytest.raises(LedgerError) as caught:
                open_ledger(path)
            assert (caught.value.message, caught.value.help) == (
                f"`{path}` is {named} text, not UTF-8",
                "save the ledger as UTF-8",
            )
