"""Issue 10's two halves together: the policy's first day (第四十条) with the periodic duties of
the period walk (week, month, quarter, year), the overdue duties with one violation per clause,
and `explain` showing deadlines and legal notes in both languages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from audit_support import ledger_findings, run_audit, write_jsonl
from salesops_rules import load_policy
from salesops_rules.audit.across import _governed_from
from salesops_rules.cli import main

POLICY = load_policy(Path(__file__).parent.parent / "policy")
FIRST = dt.date(2011, 11, 30)  # policy.yaml in_force


@pytest.mark.parametrize(
    ("per", "start"),
    [("week", "2011-12-05"), ("month", "2011-12-01"), ("quarter", "2012-01-01"), ("year", "2012-01-01")],
)
def test_a_period_the_policy_governed_only_in_part_is_not_asked(per: str, start: str) -> None:
    assert _governed_from("2011-11-01", FIRST, per) == start
    assert _governed_from("2012-03-01", FIRST, per) == "2012-03-01"  # a later ledger starts itself
    assert _governed_from("2011-11-01", None, per) == "2011-11-01"


def test_a_period_starting_on_the_first_day_is_asked() -> None:
    assert _governed_from("2011-11-01", dt.date(2011, 12, 1), "month") == "2011-12-01"
    assert _governed_from("2011-11-01", dt.date(2011, 12, 5), "week") == "2011-12-05"  # a Monday


def hygiene(eid: str, day: str) -> dict[str, Any]:
    return {"kind": "hygiene_check", "id": eid, "date": day}


def test_the_weekly_check_counts_from_the_first_whole_governed_week(tmp_path: Path) -> None:
    # The ledger opens on 2011-11-28 (week 48, which the policy governs only from Wednesday 30th):
    # week 48 asks for nothing; weeks 49 to 51 have their checks.
    # Its check of 11-28 precedes the first day, so the ledger rules do not see it.
    events = [hygiene("W-48", "2011-11-28"), hygiene("W-49", "2011-12-07"), hygiene("W-50", "2011-12-14")]
    events.append(hygiene("W-51", "2011-12-19"))
    run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    assert ledger_findings(tmp_path / "out", "hygiene.weekly") == []


def test_a_ledger_wholly_before_the_first_day_owes_no_period(tmp_path: Path) -> None:
    # The first governed week starts after the ledger's last day: no period is walked at all.
    events = [hygiene("W-1", "2011-11-07"), hygiene("W-2", "2011-11-21")]
    run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    for rule in (
        "hygiene.weekly",
        "archive-report.monthly",
        "internal-review.monthly",
        "document-filing.yearly",
    ):
        assert ledger_findings(tmp_path / "out", rule) == []


CASH = {
    "kind": "cash_receipt",
    "id": "XJ-E1",
    "received_at": "2011-12-05T10:00:00",
    "amount": "800.00",
    "employee": {"id": "E-07", "role": "clerk", "monthly_salary": "3000.00"},
    "payment_slip": True,
    "handed_to_finance_at": None,
}


def test_an_overdue_duty_is_one_violation_of_the_clause_breached() -> None:
    decision = POLICY.evaluate(CASH, as_of="2011-12-06T00:00:00")
    assert [(v.code, v.cite.label) for v in decision.violations] == [("cash_not_handed_over", "第二十九条")]
    assert [(p.for_, p.cite.label) for p in decision.penalties] == [
        ("cash_not_handed_over", "第三十七条第（四）项")
    ]
    assert decision.obligations == []


def _explain(tmp_path: Path, capsys: pytest.CaptureFixture[str], event: dict[str, Any], *args: str) -> str:
    path = tmp_path / "e.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    assert main(["explain", str(path), "--policy", "policy", *args]) == 0
    return capsys.readouterr().out


def test_explain_shows_the_deadline_while_the_duty_is_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _explain(tmp_path, capsys, CASH, "--as-of", "2011-12-05T11:00:00")
    # the open duty by its label, with its deadline; the breach it becomes is not found yet
    assert "hand the cash to finance the same day" in out
    assert "(due before 2011-12-06 00:00)" in out
    assert (
        "cash not handed to finance the same day without permission" not in out.split("Open obligations")[1]
    )


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("zh", "未经允许当日现金没有上交财务：从工资中每月至多扣 600.00"),
        ("en", "cash not handed to finance the same day without permission: at most 600.00 a month from pay"),
    ],
)
def test_explain_shows_the_breach_and_the_wage_note_in_each_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, note: str
) -> None:
    out = _explain(tmp_path, capsys, CASH, "--as-of", "2011-12-06T00:00:00", "--lang", lang)
    assert "第二十九条" in out
    assert "第三十七条第（四）项" in out
    assert "工资支付暂行规定" in out
    assert note in out


def test_explain_of_an_event_before_the_first_day_names_article_40(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    early = {**CASH, "id": "XJ-E0", "received_at": "2011-11-29T10:00:00"}
    for lang in ("zh", "en"):
        out = _explain(tmp_path, capsys, early, "--as-of", "2011-12-10", "--lang", lang)
        assert "第四十条" in out
        assert "cash_not_handed_over" not in out
        assert "2011-11-30" in out
        heading = out.splitlines()[0]
        assert heading.endswith(
            "（评判时点：2011-12-10 00:00）" if lang == "zh" else " (judged as of 2011-12-10 00:00)"
        )


def test_explain_without_as_of_names_no_judgement_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _explain(tmp_path, capsys, CASH)
    assert "judged as of" not in out.splitlines()[0]
