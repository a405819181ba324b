"""Judged as of a time: `evaluate(event, as_of=...)`, `--as-of`, the service's `as_of`, the audit.

The regulation's cases with their 23:59 / 00:00 boundaries are in policy/tests/cash.yaml;
these tests cover the machinery around them: how a judgement time is read, the error of a
bad one on every surface, the deadline a decision lists, the policy format's checks, and
a ledger judged as of its last event or of `--as-of`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from audit_support import findings, handover, receipt, run_audit, write_jsonl
from salesops_rules import load_policy
from salesops_rules.cli import main
from salesops_rules.core.asof import due_instant, judgement_time
from salesops_rules.service.app import create_app
from salesops_rules.service.holder import PolicyHolder
from serving import call, running
from test_policy_errors import BROKEN, Broken, only

POLICY = load_policy()


def cash(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "kind": "cash_receipt",
        "id": "XJ-1",
        "received_at": "2011-12-05T10:00:00",
        "amount": "800.00",
        "employee": {"id": "E-07", "role": "clerk", "monthly_salary": "3000.00"},
        "payment_slip": True,
    }
    return event | fields


# ---- the judgement time ----


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("2011-12-05T11:00:00", dt.datetime(2011, 12, 5, 11, 0)),
        ("2011-12-05 11:00", dt.datetime(2011, 12, 5, 11, 0)),
        ("2011-12-06", dt.datetime(2011, 12, 6, 0, 0)),
        ("2011-12-05T03:00:00Z", dt.datetime(2011, 12, 5, 11, 0)),  # UTC read in company time
        (dt.date(2011, 12, 6), dt.datetime(2011, 12, 6, 0, 0)),
        (dt.datetime(2011, 12, 5, 11, 0), dt.datetime(2011, 12, 5, 11, 0)),
        (None, None),
    ],
)
def test_a_judgement_time_is_read_in_company_time(given: Any, read: dt.datetime | None) -> None:
    assert judgement_time(given) == read


def test_a_bad_judgement_time_is_a_one_line_error() -> None:
    with pytest.raises(ValueError) as caught:
        POLICY.evaluate(cash(), as_of="tomorrow")
    assert str(caught.value) == (
        "`as_of` `tomorrow` is not an ISO 8601 date or timestamp such as `2011-12-05T11:00:00`"
    )
    with pytest.raises(ValueError, match="is a date or a timestamp, not int"):
        POLICY.evaluate(cash(), as_of=20111205)  # type: ignore[arg-type]


def test_a_date_deadline_falls_at_the_end_of_its_day() -> None:
    assert due_instant(dt.date(2011, 12, 5)) == dt.datetime(2011, 12, 6, 0, 0)
    assert due_instant(dt.datetime(2011, 12, 5, 17, 30)) == dt.datetime(2011, 12, 5, 17, 30)


# ---- decisions ----


def test_the_issues_case_cash_checked_at_11_is_due_not_breached() -> None:
    decision = POLICY.evaluate(cash(handed_to_finance_at=None), as_of="2011-12-05T11:00:00")
    assert decision.verdict == "pending"
    assert decision.violations == [] and decision.penalties == []
    due = [o for o in decision.obligations if o.deadline is not None]
    assert [(o.code, o.cite.label, o.deadline) for o in due] == [
        ("hand_cash_to_finance_today", "第二十九条", dt.datetime(2011, 12, 6, 0, 0))
    ]
    dumped = decision.model_dump(mode="json")
    assert [o["deadline"] for o in dumped["obligations"]] == ["2011-12-06T00:00:00"]
    assert dumped["as_of"] == "2011-12-05T11:00:00"  # the time judged at, as given
    assert POLICY.evaluate(cash()).as_of is None


def test_an_obligation_without_a_deadline_says_so() -> None:
    decision = POLICY.evaluate(cash(payment_slip=False, handed_to_finance_at="2011-12-05T17:00:00"))
    assert [(o.code, o.deadline) for o in decision.obligations] == [("fill_payment_slip", None)]
    assert decision.model_dump(mode="json")["obligations"][0]["deadline"] is None


@pytest.mark.parametrize(
    ("as_of", "verdict"),
    [("2011-12-05T23:59:59", "pending"), ("2011-12-06T00:00:00", "fail"), ("2012-03-01", "fail")],
)
def test_open_before_the_deadline_a_breach_from_it(as_of: str, verdict: str) -> None:
    assert POLICY.evaluate(cash(), as_of=as_of).verdict == verdict


def test_judging_is_deterministic_without_as_of() -> None:
    first = POLICY.evaluate(cash()).model_dump(mode="json")
    assert first == POLICY.evaluate(cash()).model_dump(mode="json")
    assert first["verdict"] == "pending"


def test_the_trace_says_when_the_duty_falls_due() -> None:
    _, trace = POLICY.trace(cash(), as_of="2011-12-05T11:00")
    node = next(n for n in trace if n.rule == "cash.not-handed-over")
    assert node.sets["obligation hand_cash_to_finance_today"] == (
        "open, due before 2011-12-06T00:00:00 (judged as of 2011-12-05T11:00:00)"
    )
    _, trace = POLICY.trace(cash(), as_of="2011-12-06T00:00")
    node = next(n for n in trace if n.rule == "cash.not-handed-over")
    assert node.sets["obligation hand_cash_to_finance_today"] == (
        "overdue since 2011-12-06T00:00:00 (judged as of 2011-12-06T00:00:00)"
    )


# ---- the policy format ----


DUTY = """\
        - code: test_duty
          message: {zh: 测试, en: a test duty}
"""


def test_a_deadline_must_be_a_date_or_a_timestamp(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, DUTY, DUTY + '          deadline: "amount"\n')
    finding = only(broken.error())
    assert finding.message == "`amount` is a number, but a deadline is a date or a timestamp"
    assert finding.help == "a date means by the end of that day: `date_of(customer_reported_at)`"
    assert finding.rule == "test.large-sale-duty"


def test_overdue_needs_a_deadline(tmp_path: Path) -> None:
    overdue = (
        "          overdue:\n"
        "            violations: [{code: other_breach, message: {zh: 逾期, en: overdue}}]\n"
    )
    finding = only(Broken(tmp_path).edit(BROKEN, DUTY, DUTY + overdue).error())
    assert "`overdue` needs a `deadline`" in finding.message


def test_an_overdue_violation_needs_its_penalty(tmp_path: Path) -> None:
    overdue = (
        '          deadline: "date"\n'
        "          overdue:\n"
        "            violations: [{code: late_duty, message: {zh: 逾期, en: overdue}}]\n"
    )
    finding = only(Broken(tmp_path).edit(BROKEN, DUTY, DUTY + overdue).error())
    assert finding.message == "violation `late_duty` has no penalty in penalties.yaml"


def test_a_dated_duty_of_a_contract_falls_due_at_the_end_of_its_date(tmp_path: Path) -> None:
    overdue = (
        '          deadline: "date"\n'
        "          overdue:\n"
        "            violations: [{code: other_breach, message: {zh: 逾期, en: overdue}}]\n"
    )
    policy = load_policy(Broken(tmp_path).edit(BROKEN, DUTY, DUTY + overdue).root)
    event = {
        "kind": "contract",
        "id": "HT-1",
        "date": "2011-12-05",
        "customer": {"id": "K-1", "type": "existing", "legal_form": "company"},
        "product_class": "stock",
        "amount": "6000",
        "prepared_by": "E-07",
    }
    before = policy.evaluate(event, as_of="2011-12-05T23:59")
    assert ("test_duty", dt.datetime(2011, 12, 6)) in [(o.code, o.deadline) for o in before.obligations]
    after = policy.evaluate(event, as_of="2011-12-06T00:00")
    assert "test_duty" not in [o.code for o in after.obligations]
    assert "other_breach" in [v.code for v in after.violations]


# ---- the command line ----


def _event_file(tmp_path: Path, event: dict[str, Any]) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return str(path)


def test_check_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _event_file(tmp_path, cash())
    assert main(["check", path, "--as-of", "2011-12-05T11:00"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "XJ-1: pending"
    assert "(due before 2011-12-06 00:00)" in out
    assert main(["check", path, "--as-of", "2011-12-06"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "XJ-1: fail"


def test_explain_shows_the_deadline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _event_file(tmp_path, cash())
    assert main(["explain", path, "--lang", "zh", "--as-of", "2011-12-05T11:00"]) == 0
    assert "（期限：2011-12-06 00:00 之前）" in capsys.readouterr().out


def test_a_bad_as_of_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _event_file(tmp_path, cash())
    assert main(["check", path, "--as-of", "noon"]) == 2
    assert capsys.readouterr().err == (
        "salesops-rules: `as_of` `noon` is not an ISO 8601 date or timestamp such as `2011-12-05T11:00:00`\n"
    )


# ---- the service ----


def test_the_service_takes_as_of_and_refuses_a_bad_one() -> None:
    body = json.dumps(cash())
    with running(create_app(PolicyHolder())) as url:
        early = call("POST", url + "/v1/evaluate?as_of=2011-12-05T11:00:00", body).json()
        late = call("POST", url + "/v1/evaluate?as_of=2011-12-06T00:00:00", body).json()
        explained = call("POST", url + "/v1/explain?as_of=2011-12-06", body).json()
        bad = call("POST", url + "/v1/evaluate?as_of=noon", body)
    assert early["verdict"] == "pending"
    assert early["obligations"][0]["deadline"] == "2011-12-06T00:00:00"
    assert late["verdict"] == "fail"
    assert explained["decision"]["verdict"] == "fail"
    assert bad.status == 422
    assert bad.json()["problems"][0]["path"] == "query.as_of"
    assert "`as_of` `noon` is not an ISO 8601 date or timestamp" in bad.json()["error"]


# ---- the audit ----


def _judged_by_self(eid: str, at: str) -> dict[str, Any]:
    """Cash whose only permission is the receiver's own: no ledger rule judges its deadline."""
    return receipt(
        eid,
        at,
        employee={"id": "E-02", "role": "logistics_supervisor", "monthly_salary": "4500.00"},
        permission={"role": "logistics_supervisor", "by": "E-02", "at": at},
    )


def test_the_audit_judges_as_of_its_last_event(tmp_path: Path) -> None:
    events = [_judged_by_self("R-1", "2011-12-02T10:00:00"), receipt("R-9", "2011-12-05T09:00:00")]
    events.append(handover("H-9", "R-9", "2011-12-05T10:00:00"))
    result = run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    assert result.as_of == dt.datetime(2011, 12, 5, 0, 0)
    codes = {(r["event_id"], r["category"], r["code"]) for r in findings(tmp_path / "out")}
    assert ("R-1", "violation", "cash_not_handed_over") in codes
    assert result.totals.verdicts["fail"] == 1


def test_on_the_ledgers_last_day_the_cash_is_still_due(tmp_path: Path) -> None:
    events = [_judged_by_self("R-1", "2011-12-02T10:00:00")]
    result = run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    rows = [r for r in findings(tmp_path / "out") if r["event_id"] == "R-1"]
    assert {(r["category"], r["code"], r["rule"]) for r in rows} == {
        ("obligation", "hand_cash_to_finance_today", ""),
        ("approval", "logistics_supervisor.permit", ""),
        # the ledger rule of cash allowed to wait: no handover in the ledger yet
        ("obligation", "hand_cash_to_finance", "cash.handover-after-permission"),
    }
    assert result.totals.verdicts["pending"] == 1


def test_the_audit_as_of_a_later_time(tmp_path: Path) -> None:
    events = [_judged_by_self("R-1", "2011-12-02T10:00:00")]
    ledger = write_jsonl(tmp_path / "l.jsonl", events)
    result = run_audit(ledger, tmp_path / "out", as_of=dt.datetime(2011, 12, 3, 0, 0))
    assert result.as_of == dt.datetime(2011, 12, 3, 0, 0)
    codes = {(r["category"], r["code"]) for r in findings(tmp_path / "out")}
    assert ("violation", "cash_not_handed_over") in codes
    # An --as-of before the ledger's last day is raised to it, as one event's records raise its own.
    early = run_audit(ledger, tmp_path / "early", as_of=dt.datetime(2011, 11, 1))
    assert early.as_of == dt.datetime(2011, 12, 2, 0, 0)


def test_audit_as_of_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = write_jsonl(tmp_path / "l.jsonl", [_judged_by_self("R-1", "2011-12-02T10:00:00")])
    out = tmp_path / "out"
    args = ["audit", str(ledger), "--out", str(out), "--no-progress", "--as-of", "2011-12-03"]
    assert main(args) == 1
    assert "| Judged as of (deadlines compared with) | 2011-12-03 00:00 |" in (out / "report.md").read_text()
    assert main(["audit", str(ledger), "--out", str(out), "--as-of", "x"]) == 2
    assert "`as_of` `x` is not an ISO 8601" in capsys.readouterr().err


def test_a_deadline_the_event_leaves_out_means_none(tmp_path: Path) -> None:
    rule = (
        "rules:\n"
        "  - id: test.hand-over-by-last-day\n"
        "    on: handover\n"
        "    cite: {article: 20}\n"
        "    then:\n"
        "      obligations:\n"
        "        - code: test_duty\n"
        "          deadline: last_day\n"
        "          message: {zh: 测试, en: a test duty}\n"
        "          overdue:\n"
        "            violations: [{code: other_breach, message: {zh: 逾期, en: overdue}}]\n"
    )
    broken = Broken(tmp_path)
    (broken.root / BROKEN).write_text(rule, encoding="utf-8")
    policy = load_policy(broken.root)
    event = {
        "kind": "handover",
        "id": "JJ-1",
        "date": "2011-12-20",
        "employee": {"id": "E-05", "role": "clerk"},
        "reason": "departure",
    }
    undated = policy.evaluate(event, as_of="2012-06-01")
    assert [(o.code, o.deadline) for o in undated.obligations if o.code == "test_duty"] == [
        ("test_duty", None)
    ]
    dated = policy.evaluate({**event, "last_day": "2011-12-21"}, as_of="2011-12-22")
    assert "test_duty" not in [o.code for o in dated.obligations]
    assert "other_breach" in [v.code for v in dated.violations]
