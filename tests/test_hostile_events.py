"""The hostile events of issue 12, each at every door: the library, `check`, `audit`, `diff`, the service.

Each input gives one clear error naming its field (or, for a bound of the JSON text itself,
what was refused), or an exact decision; never a traceback. How long each takes is measured
by benchmarks/hostile_budget.py, not asserted here.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from salesops_rules import EventError, Policy, load_policy
from salesops_rules.cli import common as cli_common
from salesops_rules.cli import main
from salesops_rules.model import jsonread
from salesops_rules.render import explain as explain_mod
from salesops_rules.service.app import create_app
from salesops_rules.service.holder import PolicyHolder
from salesops_rules.tools.diff import diff, read_corpus
from serving import call, running

CONTRACT = {
    "kind": "contract",
    "id": "HT-1",
    "date": "2011-12-05",
    "customer": {"id": "K1", "type": "new", "legal_form": "company", "sealed": True},
    "product_class": "custom",
    "amount": "100.00",
    "prepared_by": "E-07",
}
CASH = {
    "kind": "cash_receipt",
    "id": "R-1",
    "received_at": "2011-12-05T10:00:00",
    "amount": "500.00",
    "employee": {"id": "E-07", "role": "clerk"},
}
TRIP = {
    "kind": "vehicle_trip",
    "id": "T-1",
    "date": "2011-12-05",
    "vehicle": "V-1",
    "employee": {"id": "E-09", "role": "driver"},
    "purpose": "business",
    "odometer_start": 100,
}
BINDING = {
    "kind": "voucher_binding",
    "id": "ZD-1",
    "date": "2012-01-03",
    "month": "2011-12",
    "slips": 40,
}
VOUCHER = {"kind": "order_voucher", "id": "PZ-1", "date": "2011-12-05", "complete": True, "accurate": True,
           "reliable": True, "papers_complete": True}  # fmt: skip
CREDIT = {
    "kind": "credit_sale",
    "id": "QK-1",
    "date": "2011-12-05",
    "customer": {"id": "K1", "type": "existing", "legal_form": "company"},
    "amount": "500.00",
    "credit_given_at": "2011-12-05T10:00:00",
}
MARK = '"__MARK__"'


def raw(base: dict[str, Any], field: str, value: str) -> str:
    """`base` as JSON text with `field` (dotted) holding the JSON text `value`, written as is."""
    event = json.loads(json.dumps(base))
    target = event
    *parents, last = field.split(".")
    for part in parents:
        target = target[part]
    target[last] = "__MARK__"
    return json.dumps(event).replace(MARK, value)


WHEN = "is out of range: an event's dates are from 1900-01-01 to 2999-12-31"
NOT_BOOL = "is not a boolean: send JSON `true` or `false`"
NOT_INT = "is not an integer: send a JSON integer such as `1200`"
WRITTEN = (
    "is not a decimal number: money is written with ASCII digits, an optional leading `-` and one `.`, "
    "as `12000.50`"
)
NUMBER = "is a number, not an ISO 8601 date or timestamp such as `2011-12-01T09:30:00`"

# (name, JSON text, the path named, the message)
CASES: list[tuple[str, str, str, str]] = [
    (
        "timestamp at the calendar's end, west",
        raw(CASH, "received_at", '"9999-12-31T23:59:59-12:00"'),
        "$.received_at",
        f"`9999-12-31T23:59:59-12:00` {WHEN}",
    ),
    (
        "timestamp at the calendar's start, east",
        raw(CASH, "received_at", '"0001-01-01T00:00:00+14:00"'),
        "$.received_at",
        f"`0001-01-01T00:00:00+14:00` {WHEN}",
    ),
    (
        "timestamp that leaves the range once read in company time",
        raw(CASH, "received_at", '"1900-01-01T00:00:00+14:00"'),
        "$.received_at",
        "`1900-01-01T00:00:00+14:00` is out of range once read in China Standard Time "
        "(`1899-12-31T18:00:00`): an event's dates are from 1900-01-01 to 2999-12-31",
    ),
    ("date at the calendar's end", raw(CONTRACT, "date", '"9999-12-31"'), "$.date", f"`9999-12-31` {WHEN}"),
    ("nested 100000 deep", "[" * 100_000 + "]" * 100_000, "$", "nested deeper than 32 levels"),
    (
        "nested 40 deep inside an event",
        raw(CONTRACT, "id", "[" * 40 + "]" * 40),
        "$.id" + "[0]" * 31,
        "nested deeper than 32 levels",
    ),
    (
        "a 5000-digit integer",
        raw(TRIP, "odometer_start", "9" * 5000),
        "$.odometer_start",
        f"`{'9' * 40}… (5000 characters)` is too long a number (at most 30 digits)",
    ),
    (
        "1e9999999 as an odometer",
        raw(TRIP, "odometer_start", "1e9999999"),
        "$.odometer_start",
        "`1e9999999` has an exponent beyond ±30: not a number an event holds",
    ),
    (
        "1e32000000 as an odometer",
        raw(TRIP, "odometer_start", "1e32000000"),
        "$.odometer_start",
        "`1e32000000` has an exponent beyond ±30: not a number an event holds",
    ),
    (
        "odometer past its bound",
        raw(TRIP, "odometer_start", "1000000000"),
        "$.odometer_start",
        "input should be less than 1000000000",
    ),
    ("odometer true", raw(TRIP, "odometer_start", "true"), "$.odometer_start", f"`true` {NOT_INT}"),
    ("odometer 1_000", raw(TRIP, "odometer_start", '"1_000"'), "$.odometer_start", f"`1_000` {NOT_INT}"),
    ("odometer 1.0", raw(TRIP, "odometer_start", "1.0"), "$.odometer_start", f"`1.0` {NOT_INT}"),
    ("sealed n", raw(CONTRACT, "customer.sealed", '"n"'), "$.customer.sealed", f"`n` {NOT_BOOL}"),
    ("sealed yes", raw(CONTRACT, "customer.sealed", '"yes"'), "$.customer.sealed", f"`yes` {NOT_BOOL}"),
    ("sealed 1", raw(CONTRACT, "customer.sealed", "1"), "$.customer.sealed", f"`1` {NOT_BOOL}"),
    # the fields and kinds issue 10 added take the same strict types as their siblings
    ("slips true", raw(BINDING, "slips", "true"), "$.slips", f"`true` {NOT_INT}"),
    ("slips 40.0", raw(BINDING, "slips", "40.0"), "$.slips", f"`40.0` {NOT_INT}"),
    (
        "slips past its bound",
        raw(BINDING, "slips", "1000000000"),
        "$.slips",
        "input should be less than 1000000000",
    ),
    (
        "papers_complete yes",
        raw(VOUCHER, "papers_complete", '"yes"'),
        "$.papers_complete",
        f"`yes` {NOT_BOOL}",
    ),
    ("papers_complete 0", raw(VOUCHER, "papers_complete", "0"), "$.papers_complete", f"`0` {NOT_BOOL}"),
    (
        "credit given at as seconds",
        raw(CREDIT, "credit_given_at", '"1323250200"'),
        "$.credit_given_at",
        f"`1323250200` {NUMBER}",
    ),
    (
        "customer reported at the calendar's end",
        raw(CONTRACT, "customer_reported_at", '"9999-12-31T10:00:00"'),
        "$.customer_reported_at",
        f"`9999-12-31T10:00:00` {WHEN}",
    ),
    ("money in fullwidth digits", raw(CONTRACT, "amount", '"１２"'), "$.amount", f"`１２` {WRITTEN}"),
    ("money in Arabic-Indic digits", raw(CONTRACT, "amount", '"١٢"'), "$.amount", f"`١٢` {WRITTEN}"),
    ("money with spaces", raw(CONTRACT, "amount", '" 12.00 "'), "$.amount", f"` 12.00 ` {WRITTEN}"),
    ("money with a plus", raw(CONTRACT, "amount", '"+12"'), "$.amount", f"`+12` {WRITTEN}"),
    ("money with an underscore", raw(CONTRACT, "amount", '"1_000"'), "$.amount", f"`1_000` {WRITTEN}"),
    ("money 1e999 as text", raw(CONTRACT, "amount", '"1e999"'), "$.amount", f"`1e999` {WRITTEN}"),
    (
        "money 1e999 as a number",
        raw(CONTRACT, "amount", "1e999"),
        "$.amount",
        "`1e999` has an exponent beyond ±30: not a number an event holds",
    ),
    (
        "money 1E+27",
        raw(CONTRACT, "amount", "1E+27"),
        "$.amount",
        "`1E+27` is out of range: money is less than 10^12 in size",
    ),
    (
        "money 10^12",
        raw(CONTRACT, "amount", '"1000000000000"'),
        "$.amount",
        "`1000000000000` is out of range: money is less than 10^12 in size",
    ),
    ("date 0 as text", raw(CONTRACT, "date", '"0"'), "$.date", f"`0` {NUMBER}"),
    (
        "timestamp as seconds",
        raw(CASH, "received_at", '"1323250200"'),
        "$.received_at",
        f"`1323250200` {NUMBER}",
    ),
    (
        "kind given twice",
        json.dumps(CASH).replace('{"kind": "cash_receipt"', '{"kind": "contract", "kind": "cash_receipt"'),
        "$.kind",
        "duplicate key `kind`: each key is given once",
    ),
    (
        "a key given twice in a record",
        raw(CASH, "employee", '{"id": "E-07", "role": "clerk", "role": "finance"}'),
        "$.employee.role",
        "duplicate key `role`: each key is given once",
    ),
    ("NaN", raw(CONTRACT, "amount", "NaN"), "$.amount", "`NaN` is not a number JSON allows"),
    (
        "a string of 20000 characters",
        raw(CONTRACT, "prepared_by", json.dumps("p" * 20_000)),
        "$.prepared_by",
        "a string of 20000 characters, over the limit of 10000",
    ),
    (
        "half a UTF-16 pair",
        raw(CONTRACT, "prepared_by", '"\\ud800"'),
        "$.prepared_by",
        "a string holding `\\ud800`, half of a UTF-16 pair: not text",
    ),
]
IDS = [case[0] for case in CASES]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def refusal(policy: Policy, text: str) -> tuple[str, str]:
    """(path, message) of the refusal of `text` by the library: the JSON reader, then the event models."""
    try:
        event = jsonread.loads(text)
    except jsonread.JsonInputError as error:
        return error.path or "", error.reason
    with pytest.raises(EventError) as caught:
        policy.evaluate(event)
    ((path, message),) = caught.value.problems
    return path, message


@pytest.mark.parametrize(("text", "path", "message"), [c[1:] for c in CASES], ids=IDS)
def test_the_library_names_the_field(policy: Policy, text: str, path: str, message: str) -> None:
    assert refusal(policy, text) == (path, message)


@pytest.mark.parametrize(("text", "path", "message"), [c[1:] for c in CASES], ids=IDS)
def test_check_names_the_field(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    policy: Policy,
    tmp_path: Path,
    text: str,
    path: str,
    message: str,
) -> None:
    # The policy loaded once: what is tested is how `check` reads and reports the event.
    monkeypatch.setattr(cli_common, "load_policy", lambda _folder: policy)
    file = tmp_path / "event.json"
    file.write_text(text, encoding="utf-8")
    assert main(["check", str(file)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    located = f"{path}: {message}" if path else message
    assert line in (
        f"salesops-rules: invalid event: {located}",
        f"salesops-rules: {file}: invalid JSON: {located}",
    )


def ledger_lines() -> list[str]:
    good = json.dumps(CONTRACT)
    lines = []
    for _, text, _, _ in CASES:
        lines += [good, text]
    return [*lines, good]


def test_audit_skips_each_with_its_line_and_audits_the_rest(tmp_path: Path) -> None:
    ledger = tmp_path / "l.jsonl"
    lines = ledger_lines()
    ledger.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    assert main(["audit", str(ledger), "--out", str(tmp_path / "out"), "--no-progress"]) == 1
    with (tmp_path / "out" / "skipped.csv").open(encoding="utf-8", newline="") as file:
        skipped = list(csv.reader(file))[1:]
    assert [int(line) for line, _ in skipped] == list(range(2, len(lines), 2))
    for (_, problem), (_, _, path, message) in zip(skipped, CASES, strict=True):
        assert problem.endswith(f"{path}: {message}" if path else message)


def test_diff_reports_each_with_its_line_and_judges_the_rest(policy: Policy, tmp_path: Path) -> None:
    ledger = tmp_path / "l.jsonl"
    lines = ledger_lines()
    ledger.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    report = diff(policy, policy, read_corpus(ledger))
    assert report.events == len(CASES) + 1
    assert [b.where for b in report.bad] == [f"{ledger}:{n}" for n in range(2, len(lines), 2)]


def test_audit_explain_of_a_hostile_line_says_why(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ledger = tmp_path / "l.jsonl"
    ledger.write_text("".join(line + "\n" for line in ledger_lines()), encoding="utf-8")
    assert main(["audit", str(ledger), "--explain", "2"]) in (0, 1, 2)
    out, err = capsys.readouterr()
    assert f"$.received_at: `9999-12-31T23:59:59-12:00` {WHEN}" in out + err


@pytest.fixture(scope="module")
def service_url() -> Iterator[str]:
    with running(create_app(PolicyHolder())) as url:
        yield url


@pytest.mark.parametrize(("text", "path", "message"), [c[1:] for c in CASES], ids=IDS)
def test_the_service_answers_400_or_422_naming_the_field(
    service_url: str, text: str, path: str, message: str
) -> None:
    reply = call("POST", service_url + "/v1/evaluate", text)
    located = f"{path}: {message}" if path else message
    assert (reply.status, reply.json()["error"]) in (
        (400, f"invalid JSON: {located}"),
        (422, f"invalid event: {located}"),
    )


def test_a_utf16_or_non_utf8_file_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    utf16, latin = tmp_path / "utf16.json", tmp_path / "latin.json"
    utf16.write_bytes(json.dumps(CONTRACT).encode("utf-16"))
    latin.write_bytes(json.dumps({**CONTRACT, "prepared_by": "José"}, ensure_ascii=False).encode("latin-1"))
    assert main(["check", str(utf16)]) == 2
    assert main(["check", str(latin)]) == 2
    _, err = capsys.readouterr()
    assert err.splitlines() == [
        f"salesops-rules: {utf16}: the text is UTF-16, not UTF-8: save it as UTF-8",
        f"salesops-rules: {latin}: not UTF-8 text: byte {json.dumps(CONTRACT).index('E-07') + 4} is invalid",
    ]


def test_a_utf8_bom_is_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    file = tmp_path / "bom.json"
    file.write_bytes(b"\xef\xbb\xbf" + json.dumps(CONTRACT).encode())
    assert main(["check", str(file)]) == 0


# ---- exact decisions at the bounds, and explain agreeing with evaluate ----

AT_THE_BOUNDS = [
    raw(CONTRACT, "amount", '"999999999999.99"'),
    raw(CONTRACT, "amount", "999999999999"),
    raw(CONTRACT, "amount", "1E+11"),
    raw(CONTRACT, "amount", "99999999999.99"),
    raw(CASH, "received_at", '"2999-12-31T23:59:59+08:00"'),
    raw(CASH, "received_at", '"1900-01-01T00:00:00-12:00"'),
    raw(TRIP, "odometer_start", "999999999"),
]


@pytest.mark.parametrize("text", AT_THE_BOUNDS)
def test_events_at_the_bounds_are_decided_exactly_and_explained_alike(policy: Policy, text: str) -> None:
    event = jsonread.loads(text)
    decision = policy.evaluate(event)
    traced, trace = policy.trace(event)
    assert traced == decision
    lines = explain_mod.lines(policy.compiled, traced, trace, "en")
    assert lines
    if event["kind"] == "contract":  # a new customer's custom order (第二十四条): half down, paid on delivery
        amount = Decimal(event["amount"])
        assert decision.values["deposit_ratio"] == Decimal("0.50")
        assert decision.values["payment_on_delivery"] is True
        assert decision.values["deposit_amount"] == (amount * Decimal("0.5")).quantize(Decimal("0.01"))
        # explain showed neither value from 1E+27 on (issue 12): it shows both at the bound,
        # each under its label in the pack (policy.yaml `values:`)
        text = "\n".join(lines)
        for name in ("deposit_ratio", "payment_on_delivery"):
            assert policy.compiled.values[name].label.en in text


def test_explain_refuses_a_huge_amount_as_evaluate_does(policy: Policy) -> None:
    # From 1E+27, explain dropped deposit_ratio and payment_on_delivery that evaluate set (issue 12):
    # such an amount is out of range now, for both alike.
    event = jsonread.loads(raw(CONTRACT, "amount", "1E+27"))
    with pytest.raises(EventError) as evaluated:
        policy.evaluate(event)
    with pytest.raises(EventError) as explained:
        policy.trace(event)
    assert (
        evaluated.value.message
        == explained.value.message
        == ("invalid event: $.amount: `1E+27` is out of range: money is less than 10^12 in size")
    )
