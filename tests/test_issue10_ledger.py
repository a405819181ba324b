"""Issue 10 across a ledger: the policy's first day (第四十条), the payment slip of every
receipt (第二十八条), the immediate report of a large sale (第十四条), and the audit's tables
by article counting each breach once, under the clause breached."""

from __future__ import annotations

from pathlib import Path

from audit_support import (
    contract,
    findings,
    ledger_findings,
    monthly_paperwork,
    receipt,
    run_audit,
    write_jsonl,
)

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
