"""Counting rules across events (`count:`) as the audit runs them.

The counting test pack (`tests/policies/counting`) counts bundled kinds: repeat incidents
per employee (within 3 months; 3 within 90 days, counted anew), hygiene checks failed
three months in a row, reviews per employee per quarter, and a review every quarter. Its
ledger cases (`tests/policies/counting/tests/`) pin the boundaries; here: the detail an
auditor reads, the report, and the property that the findings are those of a plain
reading of the rules, the same whatever the chunking, the processes or Dask.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note
from hypothesis import strategies as st

from audit_support import findings, run_audit
from salesops_rules import Policy, load_policy
from salesops_rules.audit.counting import months_before
from salesops_rules.audit.ledger_cases import run_ledger_cases
from salesops_rules.cli import main
from salesops_rules.tools.cases import load_suite

PACK = Path(__file__).resolve().parent / "policies" / "counting"
POLICY: Policy = load_policy(PACK)
START = dt.date(2012, 1, 1)


def test_the_packs_ledger_cases_pass() -> None:
    suite = load_suite(PACK / "tests")
    results = run_ledger_cases(POLICY, suite.ledger_cases)
    assert [r.mismatches for r in results if not r.passed] == []
    assert len(results) == 20
    assert set().union(*(r.rules for r in results)) == {r.id for r in POLICY.compiled.ledger_rules}


@pytest.mark.parametrize(
    ("day", "months", "start"),
    [
        ("2012-04-15", 3, "2012-01-15"),
        ("2012-05-31", 3, "2012-02-29"),  # February 2012 has no 31st: its last day
        ("2013-05-31", 3, "2013-02-28"),
        ("2012-01-31", 1, "2011-12-31"),
        ("2012-03-01", 12, "2011-03-01"),
    ],
)
def test_months_before_is_the_same_day_or_the_months_last(day: str, months: int, start: str) -> None:
    assert months_before(dt.date.fromisoformat(day), months).isoformat() == start


def incident(eid: str, day: dt.date, employee: str) -> dict[str, Any]:
    who = {"id": employee, "role": "clerk"}
    event = {"kind": "incident", "id": eid, "date": day.isoformat(), "employee": who}
    return event | {"violation": "other_breach"}


def hygiene(eid: str, day: dt.date, employee: str, passed: bool) -> dict[str, Any]:
    who = {"id": employee, "role": "clerk"}
    return {"kind": "hygiene_check", "id": eid, "date": day.isoformat(), "employee": who, "passed": passed}


def review(eid: str, day: dt.date, employee: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {"kind": "internal_review", "id": eid, "date": day.isoformat()}
    if employee is not None:
        event["employee"] = {"id": employee, "role": "clerk"}
    return event


def quotation(eid: str, day: dt.date, customer: str, amount: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {"kind": "quotation", "id": eid, "date": day.isoformat(), "customer_id": customer}
    return event if amount is None else event | {"amount": amount}


def filing(eid: str, day: dt.date, period: str, catalogue: bool) -> dict[str, Any]:
    event = {"kind": "document_filing", "id": eid, "date": day.isoformat(), "period": period}
    return event | {"catalogue": catalogue}


def result(eid: str, day: dt.date, employee: str, month: str, below: bool) -> dict[str, Any]:
    who = {"id": employee, "role": "clerk"}
    event = {"kind": "sales_result", "id": eid, "date": day.isoformat(), "month": month, "employee": who}
    return event | {"target": "1000.00", "actual": "999.99" if below else "1000.00"}


def write(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def counted(out: Path) -> list[tuple[str, str, str, str, str]]:
    """The counting rules' findings in the report's order: rule, event or month, employee, code, detail."""
    return [
        (row["rule"], row["event_id"] or row["month"], row["employee"], row["code"], row["detail"])
        for row in findings(out)
        if row["rule"]
    ]


def test_a_finding_names_the_group_the_window_and_the_events_counted(tmp_path: Path) -> None:
    events = [
        incident("I-1", dt.date(2012, 1, 10), "E-1"),
        incident("I-2", dt.date(2012, 2, 10), "E-1"),
        hygiene("H-1", dt.date(2012, 1, 10), "E-1", False),
        hygiene("H-2", dt.date(2012, 2, 10), "E-1", False),
        hygiene("H-3", dt.date(2012, 3, 10), "E-1", False),
        review("R-1", dt.date(2012, 3, 1), "E-2"),
        review("R-2", dt.date(2012, 3, 2), "E-2"),
        incident("I-3", dt.date(2012, 5, 1), "E-3"),
    ]
    ledger = write(tmp_path / "ledger.jsonl", events)
    run_audit(ledger, tmp_path / "en", policy=POLICY)
    assert counted(tmp_path / "en") == [
        (
            "incident.repeat-within-3-months",
            "I-2",
            "E-1",
            "other_breach",
            "2 events of incident counted for the employee's id = E-1 within 3 months, "
            "from 2011-11-10 to 2012-02-10: I-1, I-2",
        ),
        (
            "hygiene.three-months-failed",
            "H-3",
            "E-1",
            "warn_employee",
            "2012-01 to 2012-03 (3 months in a row) for the employee's id = E-1, each month with at least 1 "
            "events of hygiene self-check counted: 2012-01: H-1; 2012-02: H-2; 2012-03: H-3",
        ),
        (
            "review.one-per-employee-per-quarter",
            "R-2",
            "E-2",
            "too_many_reviews",
            "2012-Q1 for the employee's id = E-2, each quarter with at least 2 events of internal review "
            "counted: 2012-Q1: R-1, R-2",
        ),
        (
            "review.every-quarter",
            "2012-06",
            "—",
            "hold_review",
            "2012-Q2 in the whole ledger, each quarter with at most 0 events of internal review counted: "
            "2012-Q2: none; the quarter is not over on 2012-05-01, the day the ledger is judged at",
        ),
    ]
    run_audit(ledger, tmp_path / "zh", policy=POLICY, lang="zh")
    details = [row[4] for row in counted(tmp_path / "zh")]
    assert details[0] == "2011-11-10 至 2012-02-10 的 3 个月内（员工编号为 E-1）计入 2 件违规事件：I-1, I-2"


def test_a_window_names_twenty_events_then_how_many_more(tmp_path: Path) -> None:
    events = [incident(f"I-{i}", START, "E-1") for i in range(25)]
    run_audit(write(tmp_path / "ledger.jsonl", events), tmp_path / "out", policy=POLICY)
    last = [row for row in counted(tmp_path / "out") if row[0] == "incident.repeat-within-3-months"][-1]
    assert last[1] == "I-24"
    assert last[4].endswith(": " + ", ".join(f"I-{i}" for i in range(20)) + " and 5 more")


def test_the_report_says_how_each_counting_rule_counts_and_what_it_found(tmp_path: Path) -> None:
    events = [incident("I-1", START, "E-1"), incident("I-2", START + dt.timedelta(days=30), "E-1")]
    ledger = write(tmp_path / "ledger.jsonl", [*events, review("R-1", START, None)])
    out = tmp_path / "out"
    assert main(["audit", "--policy", str(PACK), str(ledger), "--out", str(out), "--format", "md"]) == 1
    lines = (out / "report.md").read_text(encoding="utf-8").splitlines()
    header = "| ledger rule | article | title | groups and orders | missing | late | open | found (counted) |"
    assert header in lines
    assert (
        "| `incident.repeat-within-3-months` | 第一条 | a second offence within three months | each incident "
        "counts, per the employee's id; found when any 3 months holds at least 2 | 0 | 0 | 0 | 1 |"
    ) in lines
    assert (
        "| `hygiene.three-months-failed` | 第二条 | hygiene check failed three months in a row | "
        "each hygiene self-check where not passed counts, per the employee's id; "
        "found when each of 3 months in a row holds at least 1; counted anew after a finding "
        "| 0 | 0 | 0 | 0 |"
    ) in lines


@pytest.mark.parametrize("window", ["within_days: 1000000000", "within_months: 1000000000"])
def test_a_window_longer_than_the_calendar_holds_every_earlier_event(tmp_path: Path, window: str) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack, ignore=shutil.ignore_patterns("tests"))
    rules = (pack / "counting.yaml").read_text(encoding="utf-8")
    (pack / "counting.yaml").write_text(rules.replace("within_months: 3", window, 1), encoding="utf-8")
    events = [incident("I-1", dt.date(1900, 1, 1), "E-1"), incident("I-2", dt.date(2999, 12, 31), "E-1")]
    ledger = write(tmp_path / "ledger.jsonl", events)
    run_audit(ledger, tmp_path / "out", policy=load_policy(pack), explained=0)
    found = [row[:4] for row in counted(tmp_path / "out") if row[0] == "incident.repeat-within-3-months"]
    assert found == [("incident.repeat-within-3-months", "I-2", "E-1", "other_breach")]


# ---- the property: a plain reading of the rules, whatever the chunking ----


def _quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _quarter_end(label: str) -> dt.date:
    year, q = int(label[:4]), int(label[6])
    return dt.date(year, 3 * q, calendar.monthrange(year, 3 * q)[1])


def expected(events: list[dict[str, Any]]) -> Counter[tuple[str, str, str, str]]:
    """What the pack's eight rules find, read plainly: (rule, event or month, employee, code)."""
    found: Counter[tuple[str, str, str, str]] = Counter()
    rows = [(dt.date.fromisoformat(e["date"]), line, e) for line, e in enumerate(events)]
    rows.sort(key=lambda r: (r[0], r[1]))
    staff = sorted({e["employee"]["id"] for e in events if "employee" in e})
    for who in staff:
        mine = [(d, e) for d, _, e in rows if e.get("employee", {}).get("id") == who]
        incidents = [(d, e) for d, e in mine if e["kind"] == "incident"]
        for i, (day, event) in enumerate(incidents):  # a second within 3 months: each one after the first
            if sum(1 for d, _ in incidents[: i + 1] if d >= months_before(day, 3)) >= 2:
                found[("incident.repeat-within-3-months", event["id"], who, "other_breach")] += 1
        fresh: list[dt.date] = []  # three within 90 days, counted anew after each finding
        for day, event in incidents:
            fresh = [d for d in fresh if d >= day - dt.timedelta(days=90)] + [day]
            if len(fresh) >= 3:
                found[("incident.three-in-90-days", event["id"], who, "review_offences")] += 1
                fresh = []
        failed: dict[tuple[int, int], str] = {}  # month -> its first failed check
        for day, event in mine:
            if event["kind"] == "hygiene_check" and not event["passed"]:
                failed.setdefault((day.year, day.month), event["id"])
        run = 0
        for year, month in sorted(failed):
            before = (year, month - 1) if month > 1 else (year - 1, 12)
            run = run + 1 if run and before in failed else 1
            if run == 3:
                found[("hygiene.three-months-failed", failed[(year, month)], who, "warn_employee")] += 1
                run = 0
        below: dict[str, str] = {}  # month a result is for, below target -> its first such result
        for _, event in mine:
            if event["kind"] == "sales_result" and Decimal(event["actual"]) < Decimal(event["target"]):
                below.setdefault(event["month"], event["id"])
        run = 0
        for month in sorted(below):
            year, number = int(month[:4]), int(month[5:])
            before = f"{year:04d}-{number - 1:02d}" if number > 1 else f"{year - 1:04d}-12"
            run = run + 1 if run and before in below else 1
            if run == 3:
                found[("result.three-months-below-target", below[month], who, "warn_below_target")] += 1
                run = 0
        led: dict[str, list[str]] = {}
        for day, event in mine:
            if event["kind"] == "internal_review":
                led.setdefault(_quarter(day), []).append(event["id"])
        for ids in led.values():
            if len(ids) >= 2:
                found[("review.one-per-employee-per-quarter", ids[1], who, "too_many_reviews")] += 1
    first, last = rows[0][0], rows[-1][0]
    filed: dict[str, str] = {}  # month filed without a catalogue -> its first such filing
    for _, _, event in rows:
        if event["kind"] == "document_filing" and not event["catalogue"] and "Q" not in event["period"]:
            filed.setdefault(event["period"], event["id"])
    for month, eid in filed.items():
        year, number = int(month[:4]), int(month[5:])
        before = f"{year:04d}-{number - 1:02d}" if number > 1 else f"{year - 1:04d}-12"
        if before in filed:  # two months in a row, each completing run found (no restart)
            found[("filing.no-catalogue-two-months", eid, "—", "catalogue_filings")] += 1
    quoted: dict[tuple[str, int, int], bool] = {}  # (customer, year, month) -> some quotation has an amount
    for day, _, event in rows:
        if event["kind"] == "quotation":
            key = (event["customer_id"], day.year, day.month)
            quoted[key] = quoted.get(key, False) or "amount" in event
    run, previous = 0, None
    for customer, year, month in sorted(quoted):
        before = (customer, year, month - 1) if month > 1 else (customer, year - 1, 12)
        has_amount = quoted[(customer, year, month)]
        run = 0 if has_amount else (run + 1 if run and previous == before else 1)
        previous = (customer, year, month)
        if run >= 2:  # no restart: every further month of the run finds again
            end = dt.date(year, month, calendar.monthrange(year, month)[1])
            code = "review_quotations" if end < last else "write_the_amount"
            found[("quotation.no-amount-two-months", f"{year:04d}-{month:02d}", "—", code)] += 1
    held = {_quarter(d) for d, _, e in rows if e["kind"] == "internal_review"}
    day = first
    while _quarter(day) <= _quarter(last):
        label = _quarter(day)
        end = _quarter_end(label)
        if label not in held:
            code = "no_review" if end < last else "hold_review"
            found[("review.every-quarter", end.isoformat()[:7], "—", code)] += 1
        day = end + dt.timedelta(days=1)
    return found


@st.composite
def ledgers(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A few employees' incidents, checks and reviews over about a year, in any line order."""
    events: list[dict[str, Any]] = []
    span = draw(st.sampled_from([40, 100, 420]))  # a short ledger is dense: runs and repeats
    for i in range(draw(st.integers(min_value=1, max_value=40))):
        day = START + dt.timedelta(days=draw(st.integers(min_value=0, max_value=span)))
        who = draw(st.sampled_from(["E-1", "E-2"]))
        kinds = ["incident", "hygiene_check", "internal_review", "quotation", "filing", "result"]
        kind = draw(st.sampled_from(kinds))
        if kind == "result":
            month = draw(st.sampled_from([f"2012-{m:02d}" for m in range(1, 5)]))
            events.append(result(f"X-{i}", day, who, month, draw(st.booleans())))
        elif kind == "filing":
            # the month (or quarter) it files may be before or after the month it is made in
            period = draw(st.sampled_from([f"2012-{m:02d}" for m in range(1, 13)] + ["2012-Q1"]))
            events.append(filing(f"X-{i}", day, period, draw(st.booleans())))
        elif kind == "quotation":
            amount = draw(st.sampled_from([None, None, "800.00"]))
            events.append(quotation(f"X-{i}", day, draw(st.sampled_from(["KH-1", "KH-2"])), amount))
        elif kind == "incident":
            events.append(incident(f"X-{i}", day, who))
        elif kind == "hygiene_check":
            events.append(hygiene(f"X-{i}", day, who, draw(st.booleans())))
        else:
            events.append(review(f"X-{i}", day, draw(st.sampled_from([who, None]))))
    return events


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=ledgers(), chunk=st.integers(min_value=1, max_value=8))
def test_the_findings_are_the_rules_read_plainly_whatever_the_chunks(
    tmp_path: Path, events: list[dict[str, Any]], chunk: int
) -> None:
    ledger = write(tmp_path / "ledger.jsonl", events)
    run_audit(ledger, tmp_path / "one", policy=POLICY, explained=0)
    run_audit(ledger, tmp_path / "cut", policy=POLICY, explained=0, chunk_size=chunk)
    whole = counted(tmp_path / "one")
    assert counted(tmp_path / "cut") == whole  # finding for finding, in the same order
    assert Counter(row[:4] for row in whole) == expected(events)
    note(f"findings: {min(len(whole), 5)}+" if len(whole) >= 5 else f"findings: {len(whole)}")
    rules = {row[0] for row in whole}
    for rule in sorted(rules):
        note(f"finds: {rule}")


def test_processes_and_dask_find_the_same_as_one_process(tmp_path: Path) -> None:
    events: list[dict[str, Any]] = []
    for i in range(240):
        day = START + dt.timedelta(days=(i * 37) % 400)
        who = f"E-{i % 4}"
        if i % 4 == 3:
            events.append(quotation(f"Q-{i}", day, f"KH-{i % 3}", "800.00" if i % 7 == 0 else None))
        elif i % 3 == 0:
            events.append(incident(f"I-{i}", day, who))
        elif i % 3 == 1:
            events.append(hygiene(f"H-{i}", day, who, i % 5 != 0))
        else:
            events.append(review(f"R-{i}", day, who))
    for m in (5, 6, 7):  # a tail in 2013 with no review: every rule finds something
        day = dt.date(2013, m, 10)
        events += [
            hygiene(f"HT-{m}", day, "E-9", False),
            result(f"ST-{m}", day, "E-9", f"2013-{m:02d}", True),
            filing(f"FT-{m}", day, f"2013-{m:02d}", False),
            quotation(f"QT-{m}", day, "KH-9", None),
        ]
    ledger = write(tmp_path / "ledger.jsonl", events)
    run_audit(ledger, tmp_path / "one", policy=POLICY, explained=0)
    whole = counted(tmp_path / "one")
    assert Counter(row[:4] for row in whole) == expected(events)
    assert len(whole) > 20
    assert {row[0] for row in whole} == {rule.id for rule in POLICY.compiled.ledger_rules}
    run_audit(ledger, tmp_path / "pool", policy=POLICY, explained=0, chunk_size=17, workers=2)
    assert counted(tmp_path / "pool") == whole
    run_audit(ledger, tmp_path / "dask", policy=POLICY, explained=0, chunk_size=23, dask=True, workers=2)
    assert counted(tmp_path / "dask") == whole
