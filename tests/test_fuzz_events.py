"""Fuzzing events and ledgers (issue 12): hostile inputs built from the event models.

Strategies: a realistic event of any kind (benchmarks/event_mix.py) with one field, chosen
among the event model's own fields and the records it holds, replaced by hostile JSON text
(bounds of numbers, strings, dates, nesting; look-alike digits; booleans and numbers as
text), a key given twice, or space before a colon. Properties:
- reading and judging raise nothing but the documented errors (`JsonInputError` at the JSON
  reader, `EventError` at the event models), and never anything else;
- on every event that is valid, `explain` (the trace) decides as `evaluate` does, and shows
  every value it decided;
- the audit's straight path (pydantic on the raw line) reads a line as the exact path does,
  or leaves it to the exact path;
- an audit of a hostile ledger counts audited + skipped = records in the file, and skips
  exactly the lines the exact path refuses.

CI runs a few hundred examples (about 20 s here); `HYPOTHESIS_PROFILE=long` runs the long
search documented in benchmarks/README.md.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops_rules import EventError, load_policy
from salesops_rules.audit import AuditOptions, audit_ledger, open_ledger
from salesops_rules.audit.ledger import JsonLinesDecoder
from salesops_rules.audit.records import RecordError
from salesops_rules.core.evaluator import parse_event
from salesops_rules.model import jsonread
from salesops_rules.render import explain as explain_mod

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import event_mix

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "long", deadline=None, max_examples=200_000, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
LONG = PROFILE == "long"

POLICY = load_policy()
DECODER = JsonLinesDecoder()
EVENTS_POLICY = load_policy().compiled  # whose kinds the lines are read as


def _with_issue10_fields(event: dict[str, Any]) -> dict[str, Any]:
    """The fields issue 10 added to the older kinds, so that they are fuzzed as well."""
    kind = event["kind"]
    if kind == "contract":
        event["customer_reported_at"] = f"{event['date']}T16:00:00"
    elif kind == "credit_sale":
        event["credit_given_at"] = f"{event['date']}T10:00:00"
    elif kind == "cash_receipt":
        event["payment_form"] = "bank_transfer" if event["id"][-1] in "02468" else "cash"
    elif kind == "order_voucher":
        event["papers_complete"] = event["id"][-1] not in "05"
    elif kind == "customer_archive_report":
        event["contract_id"] = "HT-000001"
    return event


# Every kind, the issue 10 kinds and fields among them.
MIX = [
    _with_issue10_fields(json.loads(json.dumps(e, ensure_ascii=False, default=str)))
    for e in event_mix.stream(list(event_mix.GENERATORS), 400, seed=12)
] + [
    _with_issue10_fields(json.loads(json.dumps(e, ensure_ascii=False, default=str)))
    for e in event_mix.stream(
        [*event_mix.ADDED_GENERATORS, *event_mix.RECORD_GENERATORS, *event_mix.ISSUE10_GENERATORS],
        200,
        seed=10,
    )
]

# JSON text an attacker (or a careless export) puts where a field's value goes.
HOSTILE_JSON = [
    "1e9999999", "1e32000000", "9" * 5000, "9" * 31, "1E+27", "1E+11", "1e-40", "-0", "0.001",
    "999999999999.99", "1000000000000", "-1", "12000.50", "1.0", "NaN", "Infinity", "-Infinity",
    "true", "false", "null", "0", "1", "1323250200", "[]", "{}", "[" * 40 + "]" * 40,
    '"１２"', '"١٢"', '" 12.00 "', '"+12"', '"1_000"', '"1e3"', '"12,000"', '"0"', '"1323250200"',
    '"yes"', '"n"', '"true"', '""', '"\\ud800"', '"\\udc00"', '"\\u0000"', '"' + "x" * 10_001 + '"',
    '"9999-12-31T23:59:59-12:00"', '"0001-01-01T00:00:00+14:00"', '"1900-01-01T00:00:00+14:00"',
    '"2999-12-31T23:59:59+08:00"', '"9999-12-31"', '"0001-01-01"', '"2011-02-30"', '"2011-12-05T25:00"',
    '"2011-12-05"', '"2011-12-05T10:00:00Z"', '"clerk"', '"contract"', '"general_manager"',
    json.dumps('x":'), json.dumps('" :'), json.dumps('", "kind": "'),  # what the straight path counts
]  # fmt: skip
HOSTILE = (
    st.sampled_from(HOSTILE_JSON)
    | st.integers(-(10**40), 10**40).map(str)
    | st.text(max_size=6).map(json.dumps)
)


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in an event a value sits: its fields, and those of the records it holds."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths_of(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths_of(item, (*prefix, index))
    return found


MARK = "__HOSTILE__"


@st.composite
def hostile_lines(draw: st.DrawFn) -> str:
    """A realistic event as JSON text with one hostile change."""
    event = json.loads(json.dumps(draw(st.sampled_from(MIX))))
    how = draw(st.sampled_from(["value", "value", "value", "new field", "duplicate", "spaced", "nested"]))
    if how == "new field":  # a field of another kind, or a made-up one
        name = draw(
            st.sampled_from(["amount", "odometer_start", "sealed", "at", "kind", "amout", "__class__"])
        )
        event[name] = MARK
    else:
        path = draw(st.sampled_from(paths_of(event)))
        target = event
        for part in path[:-1]:
            target = target[part]
        if how in ("value", "nested"):
            target[path[-1]] = MARK
    text = json.dumps(event, ensure_ascii=draw(st.booleans()))
    hostile = draw(HOSTILE)
    if how == "duplicate":
        key = json.dumps(str(path[-1]) if not isinstance(path[-1], int) else "kind")
        return text.replace("{", "{" + key + ": " + hostile + ", ", 1)
    if how == "spaced":
        return text.replace('": ', '" : ')
    if how == "nested":
        return text.replace(json.dumps(MARK), "[" * 5 + hostile + "]" * 5)
    return text.replace(json.dumps(MARK), hostile)


def judged(text: str) -> Any:
    """The decision on `text`, or the documented error that refuses it; anything else fails the test."""
    try:
        data = jsonread.loads(text)
    except jsonread.JsonInputError as error:
        assert error.message and "\n" not in error.message
        return error
    try:
        decision = POLICY.evaluate(data)
    except EventError as error:
        assert error.message.startswith("invalid event: $")
        return error
    traced, trace = POLICY.trace(data)
    assert traced == decision  # explain decides as evaluate does
    shown = "\n".join(explain_mod.lines(POLICY.compiled, traced, trace, "en"))
    for name in decision.values:
        assert f"{POLICY.compiled.values[name].label.en}:" in shown  # and shows every value decided
    return decision


def exact(line: bytes) -> Any:
    try:
        return parse_event(EVENTS_POLICY, DECODER(line))
    except (RecordError, EventError) as error:
        return error.message


@settings(settings.get_profile(PROFILE), max_examples=200_000 if LONG else 1_000)
@given(hostile_lines())
def test_a_hostile_event_is_decided_or_refused_with_a_documented_error(text: str) -> None:
    judged(text)


@settings(settings.get_profile(PROFILE), max_examples=200_000 if LONG else 1_000)
@given(hostile_lines())
def test_the_straight_path_reads_a_hostile_line_as_the_exact_path_or_leaves_it(text: str) -> None:
    line = text.encode("utf-8", "surrogatepass")
    event = DECODER.event(line, EVENTS_POLICY.events)
    assert event is None or event == exact(line)


@settings(settings.get_profile(PROFILE), max_examples=2_000 if LONG else 20)
@given(st.lists(hostile_lines(), min_size=1, max_size=12), st.data())
def test_an_audit_of_a_hostile_ledger_counts_every_line(
    tmp_path_factory: Any, texts: list[str], data: Any
) -> None:
    good = [json.dumps(e) for e in data.draw(st.lists(st.sampled_from(MIX), max_size=6))]
    lines = [*texts, *good]
    order = data.draw(st.permutations(range(len(lines))))
    lines = [lines[i] for i in order]
    folder = tmp_path_factory.mktemp("audit")
    path = folder / "l.jsonl"
    path.write_bytes(b"".join(line.encode("utf-8", "surrogatepass") + b"\n" for line in lines))
    refused = [
        n for n, line in enumerate(lines, 1) if isinstance(exact(line.encode("utf-8", "surrogatepass")), str)
    ]
    result = audit_ledger(POLICY, open_ledger(path), AuditOptions(out_dir=folder / "out", explained=5))
    totals = result.totals
    assert totals.records == len(lines)
    assert totals.audited + totals.skipped == totals.records
    assert [s.position for s in result.skipped] == refused


CSV_HEADER = [
    "kind",
    "id",
    "date",
    "received_at",
    "amount",
    "employee.id",
    "employee.role",
    "payment_slip",
    "approvals",
]
CELLS = (
    st.sampled_from([json.loads(t) if t.startswith('"') and "\\u" not in t else t for t in HOSTILE_JSON])
    | st.text(max_size=8)
    | st.sampled_from(["cash_receipt", "contract", "2011-12-05T10:00:00", "500.00", "E-05", "clerk", "true"])
)


@settings(settings.get_profile(PROFILE), max_examples=2_000 if LONG else 20)
@given(st.lists(st.lists(CELLS, min_size=0, max_size=len(CSV_HEADER) + 1), min_size=1, max_size=8))
def test_an_audit_of_a_hostile_csv_counts_every_row(tmp_path_factory: Any, rows: list[list[str]]) -> None:
    folder = tmp_path_factory.mktemp("csv")
    path = folder / "l.csv"
    with path.open("w", encoding="utf-8", errors="surrogatepass", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_HEADER)
        writer.writerows(rows)
    written = sum(1 for row in rows if any(cell.strip() for cell in row))
    totals = audit_ledger(POLICY, open_ledger(path), AuditOptions(out_dir=folder / "out", explained=5)).totals
    assert totals.audited + totals.skipped == totals.records
    assert totals.records == written
