"""Issue 10 across a ledger: the policy's first day (第四十条), the payment slip of every
receipt (第二十八条), the immediate report of a large sale (第十四条), and the audit's tables
by article counting each breach once, under the clause breached."""

from __future__ import annotations

import sys
from pathlib import Path

from audit_support import (
    archive_report,
    contract,
    findings,
    handover,
    ledger_findings,
    monthly_paperwork,
    receipt,
    review,
    run_audit,
    write_jsonl,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import event_mix

# ---- 第四十条: events before 2011-11-30 are not judged ----


def test_an_event_before_the_first_day_gives_no_ledger_facts_and_one_finding_citing_article_40(
    tmp_path: Path,
) -> None:
    events = [
        receipt("R-2010", "2010-05-01T10:00:00"),  # cash never handed over, in 2010
        contract("C-2010", "2010-05-01", status="signed"),  # signed without approval, in 2010
        *monthly_paperwork("2011-12"),
        contract("C-END", "2011-12-31"),
    ]
    run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    assert ledger_findings(tmp_path / "out") == []  # no month of 2010 or 2011 before December is asked for
    rows = [(r["event_id"], r["category"], r["code"], r["label"]) for r in findings(tmp_path / "out")]
    assert ("R-2010", "obligation", "policy_not_in_force", "第四十条") in rows
    assert ("C-2010", "obligation", "policy_not_in_force", "第四十条") in rows
    assert not [r for r in rows if r[0].endswith("2010") and r[2] != "policy_not_in_force"]


def test_a_policy_in_force_from_november_30_asks_for_no_november_paperwork(tmp_path: Path) -> None:
    events = [contract("C-1", "2011-11-30"), *monthly_paperwork("2011-12"), contract("C-2", "2011-12-31")]
    run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    assert ledger_findings(tmp_path / "out", "archive-report.monthly") == []
    assert ledger_findings(tmp_path / "out", "internal-review.monthly") == []


# ---- 第二十八条: the slip of every receipt, filled in and handed to finance that day ----


def _slip(tmp_path: Path, *events: dict[str, object]) -> list[tuple[str, str, str, str]]:
    ledger = [*events, *monthly_paperwork("2011-12"), contract("C-END", "2011-12-31")]
    run_audit(write_jsonl(tmp_path / "l.jsonl", ledger), tmp_path / "out")
    return [f for f in ledger_findings(tmp_path / "out") if f[1].startswith("cash.")]


def _codes(tmp_path: Path, event_id: str) -> set[str]:
    return {r["code"] for r in findings(tmp_path / "out") if r["event_id"] == event_id}


def test_a_handover_with_its_slip_the_same_day_meets_the_receipts_slip(tmp_path: Path) -> None:
    found = _slip(
        tmp_path,
        receipt("R-1", "2011-12-02T10:00:00", payment_slip=False),
        handover("H-1", "R-1", "2011-12-02T23:59:00"),  # carries `payment_slip: true`
    )
    assert found == []
    assert "fill_payment_slip" not in _codes(tmp_path, "R-1")


def test_a_slip_handed_over_at_midnight_is_late(tmp_path: Path) -> None:
    found = _slip(
        tmp_path,
        receipt("R-1", "2011-12-02T10:00:00", payment_slip=False),
        handover("H-1", "R-1", "2011-12-03T00:00:00"),
    )
    # the cash is late too (第二十七条); the slip is a second clause, each counted once
    assert sorted(found) == [
        ("R-1", "cash.handover-recorded-apart", "violation", "cash_not_handed_over"),
        ("R-1", "cash.payment-slip-same-day", "violation", "other_breach"),
    ]
    row = next(r for r in findings(tmp_path / "out") if r["rule"] == "cash.payment-slip-same-day")
    assert (row["label"], row["detail"]) == (
        "第二十八条",
        "cash handover with the receipt handed over R-1 (H-1) is dated 2011-12-03, "
        "1 day after the deadline 2011-12-02",
    )


def test_a_handover_without_a_slip_does_not_meet_it_and_after_the_day_it_is_missing(tmp_path: Path) -> None:
    no_slip = {**handover("H-1", "R-1", "2011-12-02T16:00:00"), "payment_slip": False}
    found = _slip(tmp_path, receipt("R-1", "2011-12-02T10:00:00", payment_slip=False), no_slip)
    assert found == [("R-1", "cash.payment-slip-same-day", "violation", "other_breach")]


def test_a_slip_missing_on_the_last_day_of_the_ledger_is_still_open(tmp_path: Path) -> None:
    found = _slip(
        tmp_path, receipt("R-1", "2011-12-31T10:00:00", payment_slip=False, handed_to_finance_at=None)
    )
    assert ("R-1", "cash.payment-slip-same-day", "obligation", "fill_payment_slip") in found


def test_a_bank_transfer_needs_its_slip_with_finance_that_day_and_no_cash_handover(tmp_path: Path) -> None:
    transfer = receipt("T-1", "2011-12-02T10:00:00", payment_form="bank_transfer")
    late = receipt("T-2", "2011-12-02T10:00:00", payment_form="cheque")
    found = _slip(tmp_path, transfer, handover("H-1", "T-1", "2011-12-02T15:00:00"), late)
    # T-1's slip reached finance that day; T-2's never did. Neither is a cash finding.
    assert found == [("T-2", "cash.payment-slip-same-day", "violation", "other_breach")]
    assert "hand_slip_to_finance" not in _codes(tmp_path, "T-1") | _codes(tmp_path, "T-2")
    assert "cash_not_handed_over" not in _codes(tmp_path, "T-1") | _codes(tmp_path, "T-2")


def test_a_non_cash_slip_late_on_the_receipt_and_in_the_ledger_is_one_breach(tmp_path: Path) -> None:
    late_with_slip = receipt(
        "T-1", "2011-12-02T10:00:00", payment_form="cheque", handed_to_finance_at="2011-12-03T09:00:00"
    )
    late_without = receipt(
        "T-2",
        "2011-12-02T10:00:00",
        payment_form="cheque",
        payment_slip=False,
        handed_to_finance_at="2011-12-03T09:00:00",
    )
    _slip(tmp_path, late_with_slip, late_without)
    breaches = [
        (r["event_id"], r["label"], r["rule"])
        for r in findings(tmp_path / "out")
        if r["category"] == "violation" and r["event_id"] in ("T-1", "T-2")
    ]
    # T-1 shows its own late slip; T-2 has no slip, and the ledger finds it missing: once each
    assert sorted(breaches) == [
        ("T-1", "第二十八条", ""),
        ("T-2", "第二十八条", "cash.payment-slip-same-day"),
    ]


# ---- 第十四条 立时上报: a signed sale of 5000 or more, reported the same day ----


def _sale(eid: str, day: str, amount: str = "5000.00") -> dict[str, object]:
    return contract(eid, day, amount=amount, status="signed")


def _report_of(eid: str, contract_id: str, day: str) -> dict[str, object]:
    return {**archive_report(eid, day), "contract_id": contract_id}


def _at_once(tmp_path: Path, *events: dict[str, object]) -> list[tuple[str, str, str, str]]:
    ledger = [*events, *monthly_paperwork("2011-12"), contract("C-END", "2011-12-31")]
    run_audit(write_jsonl(tmp_path / "l.jsonl", ledger), tmp_path / "out")
    return ledger_findings(tmp_path / "out", "archive-report.at-once")


def test_a_report_the_same_day_meets_the_contracts_report(tmp_path: Path) -> None:
    assert _at_once(tmp_path, _sale("C-1", "2011-12-05"), _report_of("DA-C-1", "C-1", "2011-12-05")) == []
    assert "report_customer_at_once" not in _codes(tmp_path, "C-1")


def test_a_report_the_next_day_is_late_and_none_is_missing(tmp_path: Path) -> None:
    found = _at_once(
        tmp_path,
        _sale("C-1", "2011-12-05"),
        _report_of("DA-C-1", "C-1", "2011-12-06"),
        _sale("C-2", "2011-12-05"),
        _sale("C-3", "2011-12-05", amount="4999.99"),  # below 5000: nothing to report at once
    )
    assert found == [
        ("C-1", "archive-report.at-once", "violation", "other_breach"),
        ("C-2", "archive-report.at-once", "violation", "other_breach"),
    ]
    rows = {r["event_id"]: r for r in findings(tmp_path / "out") if r["rule"] == "archive-report.at-once"}
    assert rows["C-1"]["label"] == "第十四条"
    assert rows["C-1"]["detail"] == (
        "customer archive report with the contract reported C-1 (DA-C-1) is dated 2011-12-06, "
        "1 day after the deadline 2011-12-05"
    )


def test_on_the_ledgers_last_day_the_report_is_still_open(tmp_path: Path) -> None:
    ledger = [*monthly_paperwork("2011-12"), _sale("C-1", "2011-12-31")]
    run_audit(write_jsonl(tmp_path / "l.jsonl", ledger), tmp_path / "out")
    assert ledger_findings(tmp_path / "out", "archive-report.at-once") == [
        ("C-1", "archive-report.at-once", "obligation", "report_customer_at_once")
    ]


def test_a_report_made_at_once_is_not_the_months_archive(tmp_path: Path) -> None:
    ledger = [
        _sale("C-1", "2011-12-05"),
        _report_of("DA-C-1", "C-1", "2011-12-05"),
        review("IR-2011-12", "2011-12-28", "2011-12"),
        contract("C-END", "2012-01-02"),
    ]
    run_audit(write_jsonl(tmp_path / "l.jsonl", ledger), tmp_path / "out")
    assert ledger_findings(tmp_path / "out", "archive-report.monthly") == [
        ("2011-12", "archive-report.monthly", "violation", "other_breach"),
        ("2012-01", "archive-report.monthly", "obligation", "report_customer_archive"),
    ]


# ---- the tables by article: each breach once, under the clause breached ----


def test_the_tables_by_article_count_each_breach_once_under_its_clause(tmp_path: Path) -> None:
    credit = {
        "kind": "credit_sale",
        "date": "2011-12-05",
        "customer": {"id": "K-2", "type": "existing", "legal_form": "company"},
        "amount": "3000",
        "risk_assessment": True,
    }
    receivable = {
        "kind": "receivable",
        "id": "YS-1",
        "date": "2011-12-20",
        "customer_id": "K-3",
        "amount": "100.00",
        "due": "2011-12-15",
        "settled_by": "E-05",
        "employee": {"id": "E-05", "role": "clerk"},
    }
    ledger = [
        {**credit, "id": "QK-1"},
        {**credit, "id": "QK-2"},
        receivable,
        *monthly_paperwork("2011-12"),
        contract("C-END", "2011-12-31"),
    ]
    result = run_audit(write_jsonl(tmp_path / "l.jsonl", ledger), tmp_path / "out")
    groups = result.totals.groups
    # two credit sales without the signature: 2 under 第二十六条, none under the penalty item
    assert groups.get(("article", "26", "violation")) == 2
    assert groups.get(("article", "37", "violation"), 0) == 0
    # the receivable breaks 第十六条 three ways: one violation
    assert groups.get(("article", "16", "violation")) == 1
    violations = [
        (r["event_id"], r["code"], r["label"])
        for r in findings(tmp_path / "out")
        if r["category"] == "violation"
    ]
    assert sorted(violations) == [
        ("QK-1", "unauthorised_credit", "第二十六条"),
        ("QK-2", "unauthorised_credit", "第二十六条"),
        ("YS-1", "other_breach", "第十六条"),
    ]


def test_no_event_of_a_mixed_ledger_counts_a_breach_twice(tmp_path: Path) -> None:
    events = list(event_mix.stream(list(event_mix.EVERY_GENERATOR), 3000, seed=10))
    run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    keys = [
        (r["event_id"], r["code"], r["article"], r["label"])
        for r in findings(tmp_path / "out")
        if r["category"] == "violation" and r["event_id"]
    ]
    assert keys, "the mixed ledger has breaches to count"
    assert len(keys) == len(set(keys))
    # and none is counted under a penalty item except a reported incident's
    incidents = {e["id"] for e in events if e["kind"] == "incident"}
    assert {k for k in keys if k[2] in ("37", "38")} == {k for k in keys if k[0] in incidents}
