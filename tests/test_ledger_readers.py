"""Ledger readers: JSON Lines, CSV and Excel, every malformed record reported with its place."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from audit_support import contract, receipt, write_csv, write_jsonl, write_xlsx
from salesops_rules.audit import LedgerError, open_ledger
from salesops_rules.audit.ledger import decode_all
from salesops_rules.model.audit import SkippedRecord


def read(path: Path, sheet: str | None = None) -> list[object]:
    ledger = open_ledger(path, sheet)
    return decode_all(ledger, list(ledger.records()))


# ---- JSON Lines ----


def test_jsonl_reads_each_line_as_an_event_with_exact_decimals(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_text(
        json.dumps(contract("C-1", "2011-12-01")) + "\n\n" + '{"kind": "x", "id": "y", "amount": 12000.50}\n',
        encoding="utf-8",
    )
    ledger = open_ledger(path)
    items = list(ledger.records())
    assert [i.position for i in items] == [1, 3]  # the blank line 2 is no record
    events = decode_all(ledger, items)
    assert events[0] == contract("C-1", "2011-12-01")
    assert events[1] == {"kind": "x", "id": "y", "amount": Decimal("12000.50")}


def test_jsonl_malformed_lines_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "l.jsonl",
        [contract("C-1", "2011-12-01"), "{not json", "[1, 2]", '"text"', contract("C-2", "2011-12-02")],
    )
    assert read(path) == [
        contract("C-1", "2011-12-01"),
        SkippedRecord(2, "invalid JSON at column 2: Expecting property name enclosed in double quotes"),
        SkippedRecord(3, "an event is a JSON object, not an array"),
        SkippedRecord(4, "an event is a JSON object, not a string"),
        contract("C-2", "2011-12-02"),
    ]


def test_jsonl_a_truncated_last_line_says_so(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    whole = json.dumps(contract("C-1", "2011-12-01"))
    path.write_text(whole + "\n" + whole[:40], encoding="utf-8")
    assert read(path) == [
        contract("C-1", "2011-12-01"),
        SkippedRecord(
            2,
            "invalid JSON at column 41: Expecting ':' delimiter (the file ends inside this line: truncated?)",
        ),
    ]


def test_jsonl_bytes_that_are_not_utf8_are_one_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_bytes(
        b'{"kind": "contract", "id": "\xff"}\n' + json.dumps(contract("C-2", "2011-12-02")).encode() + b"\n"
    )
    assert read(path) == [
        SkippedRecord(1, "not UTF-8 text (byte 29 of the line)"),
        contract("C-2", "2011-12-02"),
    ]


def test_jsonl_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(contract("C-1", "2011-12-01")).encode() + b"\n")
    assert read(path) == [contract("C-1", "2011-12-01")]


# ---- CSV ----

HEADER = [
    "kind",
    "id",
    "date",
    "customer.id",
    "customer.type",
    "customer.legal_form",
    "customer.documents",
    "product_class",
    "amount",
    "prepared_by",
    "approvals",
    "received_at",
    "employee.id",
    "employee.role",
]


def test_csv_dotted_columns_nest_json_cells_parse_and_empty_cells_are_absent(tmp_path: Path) -> None:
    approvals = '[{"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-01T09:00:00"}]'
    path = write_csv(
        tmp_path / "l.csv",
        HEADER,
        [
            [
                "contract",
                "C-1",
                "2011-12-01",
                "K-1",
                "new",
                "company",
                '["business_licence"]',
                "stock",
                "12000.50",
                "E-07",
                approvals,
                "",
                "",
                "",
            ],
            [
                "cash_receipt",
                "R-1",
                "",
                "",
                "",
                "",
                "",
                "",
                "500",
                "",
                "",
                "2011-12-02T10:00:00",
                "E-05",
                "clerk",
            ],
        ],
    )
    assert read(path) == [
        {
            "kind": "contract",
            "id": "C-1",
            "date": "2011-12-01",
            "customer": {
                "id": "K-1",
                "type": "new",
                "legal_form": "company",
                "documents": ["business_licence"],
            },
            "product_class": "stock",
            "amount": "12000.50",
            "prepared_by": "E-07",
            "approvals": [{"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-01T09:00:00"}],
        },
        {
            "kind": "cash_receipt",
            "id": "R-1",
            "amount": "500",
            "received_at": "2011-12-02T10:00:00",
            "employee": {"id": "E-05", "role": "clerk"},
        },
    ]


def test_csv_bad_rows_are_reported_with_their_row_and_the_rest_is_read(tmp_path: Path) -> None:
    good = [
        "contract",
        "C-9",
        "2011-12-01",
        "K-1",
        "new",
        "company",
        "",
        "stock",
        "800",
        "E-07",
        "",
        "",
        "",
        "",
    ]
    path = write_csv(
        tmp_path / "l.csv",
        HEADER,
        [
            [
                "contract",
                "C-1",
                "2011-12-01",
                "K-1",
                "new",
                "company",
                "",
                "stock",
                "800",
                "E-07",
                "[{oops",
                "",
                "",
                "",
            ],
            [
                "contract",
                "C-2",
                "2011-12-01",
                "K-1",
                "new",
                "company",
                "business_licence",
                "stock",
                "800",
                "E-07",
                "",
                "",
                "",
                "",
            ],
            ["contract", "C-3", "2011-12-01"],
            good,
        ],
    )
    assert read(path)[:3] == [
        SkippedRecord(
            2,
            "column `approvals`: invalid JSON at character 3: Expecting property name enclosed in "
            "double quotes",
        ),
        SkippedRecord(3, "column `customer.documents` holds a JSON array, not `business_licence`"),
        SkippedRecord(4, "the row has 3 cells, the header names 14 columns (a truncated row?)"),
    ]
    assert read(path)[3]["id"] == "C-9"  # type: ignore[index]


def test_csv_truncated_inside_a_quoted_cell_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text('kind,id,date\ncontract,C-1,2011-12-01\ncontract,"C-2', encoding="utf-8")
    assert read(path) == [
        {"kind": "contract", "id": "C-1", "date": "2011-12-01"},
        SkippedRecord(3, "malformed CSV: unexpected end of data"),
    ]


@pytest.mark.parametrize(
    ("header", "message", "help"),
    [
        (
            ["kind", "id", "amout"],
            "column `amout` is not a field of any event kind",
            "did you mean `amount`?",
        ),
        (["kind", "id", "id"], "column `id` appears twice (columns 2 and 3)", None),
        (
            ["kind", "customer", "customer.id"],
            "columns `customer` and `customer.id` both give `customer.id`",
            "keep `customer` as JSON text, or its fields as columns, not both",
        ),
        (["id", "date"], "the header has no `kind` column", "every row names its event's kind"),
        (["kind", "", "id"], "column 2 of the header has no name", None),
    ],
)
def test_csv_a_header_that_breaks_the_convention_is_refused(
    tmp_path: Path, header: list[str], message: str, help: str | None
) -> None:
    path = write_csv(tmp_path / "l.csv", header, [])
    with pytest.raises(LedgerError) as caught:
        open_ledger(path)
    assert caught.value.message == f"`{path}`: {message}"
    assert caught.value.help == help


# ---- Excel ----


def test_xlsx_reads_typed_cells_as_the_models_want_them(tmp_path: Path) -> None:
    header = ["kind", "id", "received_at", "amount", "employee.id", "employee.role", "payment_slip"]
    row = ["cash_receipt", 1001, dt.datetime(2011, 12, 2, 10, 0), 12000.5, "E-05", "clerk", True]
    path = write_xlsx(tmp_path / "l.xlsx", {"Ledger": [header, row, [None] * 7]})
    assert read(path) == [
        {
            "kind": "cash_receipt",
            "id": "1001",  # a number typed into a text field is its text
            "received_at": dt.datetime(2011, 12, 2, 10, 0),
            "amount": Decimal("12000.5"),
            "employee": {"id": "E-05", "role": "clerk"},
            "payment_slip": True,
        }
    ]


def test_xlsx_sheet_is_chosen_by_name_and_a_wrong_name_lists_the_sheets(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "l.xlsx",
        {
            "Notes": [["not a ledger"]],
            "Events": [["kind", "id", "date"], ["order_voucher", "V-1", "2011-12-01"]],
        },
    )
    assert read(path, "Events") == [{"kind": "order_voucher", "id": "V-1", "date": "2011-12-01"}]
    with pytest.raises(LedgerError) as caught:
        open_ledger(path, "Ledger")
    assert (caught.value.message, caught.value.help) == (
        f"`{path}` has no sheet `Ledger`",
        "its sheets: `Notes`, `Events`",
    )


def test_xlsx_the_first_sheet_is_read_by_default_and_its_header_checked(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "l.xlsx", {"Notes": [["not a ledger"]], "Events": [["kind"]]})
    with pytest.raises(LedgerError) as caught:
        open_ledger(path)
    assert (
        caught.value.message
        == f"`{path}`, sheet `Notes`: column `not a ledger` is not a field of any event kind"
    )


def test_xlsx_a_bad_row_is_reported_with_its_row(tmp_path: Path) -> None:
    header = ["kind", "id", "date", "approvals"]
    path = write_xlsx(
        tmp_path / "l.xlsx",
        {
            "L": [
                header,
                ["order_voucher", "V-1", "2011-12-01", None],
                ["contract", "C-1", "2011-12-01", 42],
                ["order_voucher", "V-2", "2011-12-01", None, "extra"],
            ]
        },
    )
    assert read(path) == [
        {"kind": "order_voucher", "id": "V-1", "date": "2011-12-01"},
        SkippedRecord(3, "column `approvals` holds JSON text, not `42`"),
        SkippedRecord(4, "the row has 5 cells, the header names 4 columns"),
    ]


def test_a_truncated_workbook_is_a_clear_error(tmp_path: Path) -> None:
    whole = write_xlsx(tmp_path / "whole.xlsx", {"L": [["kind", "id"], ["order_voucher", "V-1"]]})
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    with pytest.raises(LedgerError) as caught:
        open_ledger(cut)
    assert caught.value.message.startswith(f"cannot read `{cut}` as an Excel workbook: ")
    assert caught.value.help == (
        "save the ledger as .xlsx (Excel 2007 or later); a damaged or truncated file does not open"
    )


# ---- choosing a reader ----


def test_the_format_comes_from_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "ledger.txt"
    path.write_text("", encoding="utf-8")
    with pytest.raises(LedgerError) as caught:
        open_ledger(path)
    assert (caught.value.message, caught.value.help) == (
        f"cannot tell the format of `{path}` from its suffix",
        "ledgers are JSON Lines (.jsonl, .ndjson), CSV (.csv) or Excel (.xlsx)",
    )


def test_a_missing_ledger_and_a_sheet_of_a_csv_are_errors(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match=r"^cannot read `.*nope\.jsonl`: no such file$"):
        open_ledger(tmp_path / "nope.jsonl")
    path = write_csv(tmp_path / "l.csv", ["kind", "id"], [])
    with pytest.raises(LedgerError) as caught:
        open_ledger(path, "Events")
    assert caught.value.message == f"`--sheet` is for Excel ledgers; `{path}` is CSV"


def test_receipt_helper_round_trips_through_every_format(tmp_path: Path) -> None:
    """One event written as a JSON line, a CSV row and an Excel row reads back the same."""
    event = receipt("R-1", "2011-12-02T10:00:00")
    header = ["kind", "id", "received_at", "amount", "employee.id", "employee.role", "payment_slip"]
    cells = ["cash_receipt", "R-1", "2011-12-02T10:00:00", "500.00", "E-05", "clerk", "true"]
    from_jsonl = read(write_jsonl(tmp_path / "l.jsonl", [event]))
    from_csv = read(write_csv(tmp_path / "l.csv", header, [cells]))
    from_xlsx = read(write_xlsx(tmp_path / "l.xlsx", {"L": [header, cells]}))
    assert from_jsonl == [event]
    assert from_csv == from_xlsx == [{**event, "payment_slip": True}]
