"""Rules across events (`ledger_rules:` of policy/ledger.yaml), each on a small ledger of its own."""

from __future__ import annotations

from pathlib import Path

from audit_support import (
    contract,
    credit_on_consent,
    findings,
    handover,
    ledger_findings,
    monthly_paperwork,
    receipt,
    review,
    run_audit,
    signature,
    write_jsonl,
)

# ---- 第十四条 and 第十九条: one archive report and one internal review per month ----


def test_every_month_of_the_ledger_needs_its_archive_report_and_review(tmp_path: Path) -> None:
    events = [
        contract("C-1", "2011-11-03"),
        *monthly_paperwork("2011-11"),
        # December has no paperwork at all; January has its review only.
        review("IR-2012-01", "2012-01-30", "2012-01"),
        contract("C-2", "2012-01-31"),
    ]
    run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    assert sorted(ledger_findings(tmp_path / "out")) == [
        ("2011-12", "archive-report.monthly", "violation", "other_breach"),
        ("2011-12", "internal-review.monthly", "violation", "other_breach"),
        # judged as of 00:00 of its last day, 2012-01-31: January is not over yet
        ("2012-01", "archive-report.monthly", "obligation", "report_customer_archive"),
    ]
    row = next(r for r in findings(tmp_path / "out") if r["rule"] == "archive-report.monthly")
    assert row["label"] == "第十四条"
    assert row["detail"] == (
        "no customer archive report covers 2011-12; the month was over before 2012-01-31, "
        "the day the ledger is judged at"
    )


def test_a_month_not_over_when_the_ledger_ends_is_still_open(tmp_path: Path) -> None:
    events = [*monthly_paperwork("2011-11"), contract("C-1", "2011-12-15")]
    run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    assert sorted(ledger_findings(tmp_path / "out")) == [
        ("2011-12", "archive-report.monthly", "obligation", "report_customer_archive"),
        ("2011-12", "internal-review.monthly", "obligation", "hold_internal_review"),
    ]


def test_a_report_covers_the_month_it_names_not_the_day_it_was_filed(tmp_path: Path) -> None:
    events = [
        contract("C-1", "2011-11-03"),
        # November's paperwork, filed on the first days of December.
        *[{**e, "date": "2011-12-02"} for e in monthly_paperwork("2011-11")],
        contract("C-2", "2011-11-30"),
    ]
    run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    assert ledger_findings(tmp_path / "out") == [
        ("2011-12", "archive-report.monthly", "obligation", "report_customer_archive"),
        ("2011-12", "internal-review.monthly", "obligation", "hold_internal_review"),
    ]


# ---- 第二十七至二十九条: a cash receipt and its handover, recorded as two events ----


def _cash(tmp_path: Path, *events: dict[str, object]) -> list[tuple[str, str, str, str]]:
    # The ledger runs to the end of December, with its monthly paperwork, so only cash is found.
    ledger = [*events, *monthly_paperwork("2011-12"), contract("C-END", "2011-12-31")]
    run_audit(write_jsonl(tmp_path / "l.jsonl", ledger), tmp_path / "out")
    return [f for f in ledger_findings(tmp_path / "out") if f[1].startswith("cash.")]


def test_cash_handed_over_the_same_day_is_no_finding_and_replaces_the_receipts_own(tmp_path: Path) -> None:
    assert (
        _cash(tmp_path, receipt("R-1", "2011-12-02T10:00:00"), handover("H-1", "R-1", "2011-12-02T23:59:00"))
        == []
    )
    codes = {(r["event_id"], r["code"]) for r in findings(tmp_path / "out")}
    # Alone, the receipt reads as cash never handed over; the ledger shows it was.
    assert ("R-1", "cash_not_handed_over") not in codes
    assert ("R-1", "logistics_supervisor.permit") not in codes


def test_cash_handed_over_the_next_day_is_late(tmp_path: Path) -> None:
    found = _cash(
        tmp_path, receipt("R-1", "2011-12-02T10:00:00"), handover("H-1", "R-1", "2011-12-03T00:01:00")
    )
    assert found == [("R-1", "cash.handover-recorded-apart", "violation", "cash_not_handed_over")]
    row = next(r for r in findings(tmp_path / "out") if r["rule"])
    assert (row["line"], row["employee"], row["label"]) == ("1", "E-05", "第二十七条")
    assert row["detail"] == (
        "cash handover with the receipt handed over R-1 (H-1) is dated 2011-12-03, "
        "1 day after the deadline 2011-12-02"
    )


def test_cash_never_handed_over_is_missing_and_on_the_last_day_still_open(tmp_path: Path) -> None:
    assert _cash(tmp_path, receipt("R-1", "2011-12-02T10:00:00"), receipt("R-2", "2011-12-31T17:00:00")) == [
        ("R-1", "cash.handover-recorded-apart", "violation", "cash_not_handed_over"),
        ("R-2", "cash.handover-recorded-apart", "obligation", "hand_cash_to_finance"),
    ]


def test_a_handover_written_before_its_receipt_in_the_file_still_matches(tmp_path: Path) -> None:
    assert (
        _cash(tmp_path, handover("H-1", "R-1", "2011-12-02T16:00:00"), receipt("R-1", "2011-12-02T10:00:00"))
        == []
    )


def test_a_handover_dated_before_its_receipt_does_not_count(tmp_path: Path) -> None:
    found = _cash(
        tmp_path, receipt("R-1", "2011-12-02T10:00:00"), handover("H-1", "R-1", "2011-12-01T16:00:00")
    )
    assert found == [("R-1", "cash.handover-recorded-apart", "violation", "cash_not_handed_over")]


def test_cash_with_permission_to_wait_is_still_owed_until_handed_over(tmp_path: Path) -> None:
    permission = {"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-02T11:00:00"}
    found = _cash(
        tmp_path,
        receipt("R-1", "2011-12-02T10:00:00", permission=permission),
        handover("H-1", "R-1", "2011-12-05T09:00:00"),
        receipt("R-2", "2011-12-02T10:00:00", permission=permission),
    )
    assert found == [("R-2", "cash.handover-after-permission", "obligation", "hand_cash_to_finance")]
    codes = {(r["event_id"], r["code"]) for r in findings(tmp_path / "out")}
    assert ("R-1", "hand_cash_to_finance") not in codes  # its own obligation is met by H-1


def test_a_receipt_that_records_its_handover_is_judged_alone(tmp_path: Path) -> None:
    late = receipt("R-1", "2011-12-02T10:00:00", handed_to_finance_at="2011-12-03T09:00:00")
    assert _cash(tmp_path, late) == []
    codes = {(r["event_id"], r["code"], r["rule"]) for r in findings(tmp_path / "out")}
    assert ("R-1", "cash_not_handed_over", "") in codes  # the single-event rule's finding stands


# ---- 第二十六条: a consent, then the general manager's signature within 7 days ----


def _credit(
    tmp_path: Path, *events: dict[str, object], end: str = "2012-01-31"
) -> list[tuple[str, str, str, str]]:
    ledger = [*events, *monthly_paperwork("2012-01"), contract("C-END", end)]
    run_audit(write_jsonl(tmp_path / "l.jsonl", ledger), tmp_path / "out")
    return [f for f in ledger_findings(tmp_path / "out") if f[1].startswith("credit.")]


def test_a_signature_within_7_days_settles_the_consent(tmp_path: Path) -> None:
    found = _credit(
        tmp_path, credit_on_consent("CS-1", "2012-01-05"), signature("S-1", "CS-1", "2012-01-12T17:00:00")
    )
    assert found == []
    codes = {(r["event_id"], r["code"]) for r in findings(tmp_path / "out")}
    assert ("CS-1", "general_manager_countersign") not in codes


def test_a_signature_on_the_8th_day_is_late(tmp_path: Path) -> None:
    found = _credit(
        tmp_path, credit_on_consent("CS-1", "2012-01-05"), signature("S-1", "CS-1", "2012-01-13T09:00:00")
    )
    assert found == [("CS-1", "credit.countersign-within-deadline", "violation", "other_breach")]


def test_no_signature_is_missing_after_the_deadline_and_open_before_it(tmp_path: Path) -> None:
    found = _credit(
        tmp_path,
        credit_on_consent("CS-1", "2012-01-05"),
        credit_on_consent("CS-2", "2012-01-28"),
        # a clerk's signature is no 补签 by the general manager
        signature("S-2", "CS-2", "2012-01-29T09:00:00", role="clerk"),
    )
    assert found == [
        ("CS-1", "credit.countersign-within-deadline", "violation", "other_breach"),
        ("CS-2", "credit.countersign-within-deadline", "obligation", "general_manager_countersign"),
    ]


def test_the_report_counts_the_findings_of_each_ledger_rule(tmp_path: Path) -> None:
    result = run_audit(
        write_jsonl(
            tmp_path / "l.jsonl",
            [
                receipt("R-1", "2011-12-02T10:00:00"),
                handover("H-1", "R-1", "2011-12-04T10:00:00"),
                *monthly_paperwork("2011-12"),
                contract("C-END", "2011-12-31"),
            ],
        ),
        tmp_path / "out",
    )
    assert result.rule_counts == {("cash.handover-recorded-apart", "late"): 1}
