"""The penalty chain: every breach a rule finds leads to its sanction under 第三十七、三十八条.

Properties checked on the compiled bundled policy: every violation any rule can emit has
exactly one penalty; every code of the penalty table is reached by some event; deduction
amounts are the monthly salary x the months, exactly. A violation with no penalty (or two)
is a load-time error. `explain` shows the amounts with the salary they come from.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bundled_events import VIOLATION_CODES
from salesops_rules import Policy, PolicyError, load_policy
from salesops_rules.core.compiled import CompiledOutcome, CompiledRule
from salesops_rules.render import explain

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
CLERK = {"id": "E-07", "role": "clerk", "monthly_salary": "3000.00"}
CUSTOMER = {"id": "KH-1", "type": "existing", "legal_form": "company"}

# One event per code a rule (not an incident report) finds, each breaching nothing else.
FOUND_BY_RULES: dict[str, dict[str, Any]] = {
    "contract_limit_exceeded": {
        "kind": "contract",
        "id": "C-1",
        "date": "2011-12-01",
        "customer": {
            **CUSTOMER,
            "documents": ["business_licence", "organisation_code", "tax_registration"],
            "sealed": True,
        },
        "product_class": "stock",
        "amount": "12000.00",
        "status": "signed",
        "prepared_by": "E-07",
    },
    "unauthorised_credit": {
        "kind": "credit_sale",
        "id": "Q-1",
        "date": "2011-12-05",
        "customer": CUSTOMER,
        "amount": "0.01",
        "risk_assessment": True,
        "employee": CLERK,
    },
    "cash_not_handed_over": {
        "kind": "cash_receipt",
        "id": "CR-1",
        "received_at": "2011-12-05T09:00:00",
        "amount": "800.00",
        "employee": CLERK,
        "payment_slip": True,
        "handed_to_finance_at": "2011-12-06T00:01:00",
    },
    "private_vehicle_use": {
        "kind": "vehicle_trip",
        "id": "VT-1",
        "date": "2011-12-10",
        "vehicle": "V-1",
        "employee": {"id": "E-11", "role": "driver", "monthly_salary": "3000.00"},
        "purpose": "private",
        "odometer_start": 1,
        "odometer_end": 2,
        "fuel_litres": "1.00",
    },
    "vehicle_not_serviced": {
        "kind": "vehicle_service",
        "id": "VS-1",
        "vehicle": "V-1",
        "due": "2011-12-15",
        "done": "2011-12-16",
        "employee": {"id": "E-11", "role": "driver", "monthly_salary": "3000.00"},
    },
    "other_breach": {
        "kind": "archive_access",
        "id": "DA-1",
        "date": "2011-12-12",
        "employee": CLERK,
        "action": "take_out",
    },
}


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY_DIR)


def _outcomes(rule: CompiledRule) -> Iterator[CompiledOutcome]:
    for outcome in (rule.then, rule.else_):
        if outcome is not None:
            yield outcome
    if rule.table is not None:
        yield from (row.then for row in rule.table.rows)


def _emitted(policy: Policy, kinds: set[str] | None = None) -> dict[str, list[str]]:
    """Violation code -> ids of the rules that can emit it (of the given kinds)."""
    found: dict[str, list[str]] = {}
    for rule in policy.compiled.rules:
        if kinds is not None and not set(rule.kinds) & kinds:
            continue
        for outcome in _outcomes(rule):
            for violation in outcome.violations:
                found.setdefault(violation.code, []).append(rule.id)
            for obligation in outcome.obligations:  # a duty breached once its deadline has passed
                for violation in obligation.overdue:
                    found.setdefault(violation.code, []).append(rule.id)
    return found


def test_every_violation_a_rule_can_emit_has_exactly_one_penalty(policy: Policy) -> None:
    emitted = _emitted(policy)
    assert emitted, "the policy emits no violation at all"
    for ledger in policy.compiled.ledger_rules:  # rules across events emit them too
        for finding in (*ledger.missing, *ledger.late, *ledger.open, *ledger.found):
            if finding.category == "violation":
                emitted.setdefault(finding.code, []).append(ledger.id)
    for code, rules in emitted.items():
        assert code in policy.compiled.penalties, f"{code} (emitted by {rules}) has no penalty"
    # The table itself holds each code once (the loader refuses a second entry, see below).
    raw = yaml.safe_load((POLICY_DIR / "penalties.yaml").read_text(encoding="utf-8"))
    codes = [entry["code"] for entry in raw["penalties"]]
    assert sorted(codes) == sorted(set(codes))
    assert set(codes) == set(VIOLATION_CODES)


def test_the_incident_table_has_one_row_per_code(policy: Policy) -> None:
    (rule,) = [r for r in policy.compiled.rules if r.kinds == ("incident",)]
    assert rule.table is not None
    rows = [
        (cell.value, row.then.violations[0].code, row.cite) for row in rule.table.rows for cell in row.cells
    ]
    assert [value for value, _, _ in rows] == list(VIOLATION_CODES)
    for value, code, cite in rows:
        assert code == value
        assert cite == policy.compiled.penalties[code].cite


@pytest.mark.parametrize("code", VIOLATION_CODES)
def test_every_code_is_reached_by_an_incident(policy: Policy, code: str) -> None:
    decision = policy.evaluate(
        {"kind": "incident", "id": "I-1", "date": "2011-12-20", "employee": CLERK, "violation": code}
    )
    penalty = policy.compiled.penalties[code]
    assert decision.verdict == "fail"
    assert [(v.code, v.cite) for v in decision.violations] == [(code, penalty.cite)]
    assert [(p.for_, p.sanction, p.cite) for p in decision.penalties] == [
        (code, penalty.sanction, penalty.cite)
    ]


def test_every_code_a_rule_finds_has_an_event_here(policy: Policy) -> None:
    # A new rule emitting a new code must bring its example above.
    assert set(_emitted(policy, kinds={k for k in policy.compiled.plans if k != "incident"})) == set(
        FOUND_BY_RULES
    )


@pytest.mark.parametrize("code", sorted(FOUND_BY_RULES))
def test_every_code_a_rule_finds_is_reached_by_its_event(policy: Policy, code: str) -> None:
    decision = policy.evaluate(FOUND_BY_RULES[code])
    assert {v.code for v in decision.violations} == {code}
    assert [p.for_ for p in decision.penalties] == [code]
    assert decision.penalties[0].cite == policy.compiled.penalties[code].cite


@settings(max_examples=100, deadline=None)
@given(
    salary=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
    code=st.sampled_from(VIOLATION_CODES),
)
def test_deductions_are_salary_times_months_exactly(policy: Policy, salary: Decimal, code: str) -> None:
    employee = {**CLERK, "monthly_salary": str(salary)}
    decision = policy.evaluate(
        {"kind": "incident", "id": "I-1", "date": "2011-12-20", "employee": employee, "violation": code}
    )
    (penalty,) = decision.penalties
    months = policy.compiled.penalties[code].months
    if months is None:
        assert penalty.sanction == "dismissal"
        assert penalty.deduction_amount is None
        return
    assert penalty.deduction_months is not None and penalty.deduction_amount is not None
    assert (penalty.deduction_months.min, penalty.deduction_months.max) == months
    assert penalty.deduction_amount.min == salary * months[0]
    assert penalty.deduction_amount.max == salary * months[1]
    dumped = decision.model_dump(mode="json")["penalties"][0]["deduction_amount"]
    assert dumped == {"min": f"{salary * months[0]:.2f}", "max": f"{salary * months[1]:.2f}"}


# ---- load-time errors ----


def copy_policy(tmp_path: Path) -> Path:
    """The bundled policy (without its test cases) copied to `tmp_path`, to be broken on purpose."""
    target = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, target, ignore=shutil.ignore_patterns("tests"))
    return target


def _drop_penalty(folder: Path, code: str) -> None:
    path = folder / "penalties.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- code: {code}")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("- code:")), len(lines)
    )
    path.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")


def test_a_violation_without_penalty_does_not_load(tmp_path: Path) -> None:
    folder = copy_policy(tmp_path)
    _drop_penalty(folder, "vehicle_not_serviced")
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    found = [(Path(f.file).name, f.rule, f.message) for f in caught.value.findings]
    message = "violation `vehicle_not_serviced` has no penalty in penalties.yaml"
    assert found == [
        ("incidents.yaml", "incident.reported-violation", message),
        ("vehicles.yaml", "vehicle.service-late", message),
        ("vehicles.yaml", "vehicle.service-due", message),  # what its duty becomes once overdue
    ]
    vehicles = next(f for f in caught.value.findings if f.file.endswith("vehicles.yaml"))
    line = (folder / "vehicles.yaml").read_text(encoding="utf-8").splitlines()[vehicles.line - 1]
    assert line.strip() == "- code: vehicle_not_serviced"


def test_a_code_with_two_penalties_does_not_load(tmp_path: Path) -> None:
    folder = copy_policy(tmp_path)
    path = folder / "penalties.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text
        + "  - code: other_breach\n    cite: {article: 37, item: 7}\n    sanction: dismissal\n"
        + "    message: {zh: 重复, en: twice}\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    assert [f.message for f in caught.value.findings] == ["violation `other_breach` has two penalties"]


# ---- explain ----


def _cash_late(salary: str | None) -> dict[str, Any]:
    event = dict(FOUND_BY_RULES["cash_not_handed_over"])
    event["employee"] = {**CLERK, "monthly_salary": salary}
    return event


def _penalty_lines(policy: Policy, event: dict[str, Any], lang: explain.Lang) -> list[str]:
    decision, trace = policy.trace(event)
    lines = explain.lines(policy.compiled, decision, trace, lang)
    start = lines.index("处罚：" if lang == "zh" else "Penalties:")
    return lines[start + 1 : lines.index("", start)]


def test_explain_shows_the_deduction_with_the_salary_in_english(policy: Policy) -> None:
    assert _penalty_lines(policy, _cash_late("3000.00"), "en") == [
        "  第三十七条第（四）项: warning and a deduction of 3000.00 to 9000.00 "
        "(1-3 x monthly salary 3000.00) — cash not handed to finance the same day without permission"
    ]


def test_explain_shows_the_deduction_with_the_salary_in_chinese(policy: Policy) -> None:
    assert _penalty_lines(policy, _cash_late("3000.00"), "zh") == [
        "  第三十七条第（四）项：警告并扣发月薪 3000.00 至 9000.00（1-3 倍月薪 3000.00）"
        " — 未经允许当日现金没有上交财务"
    ]


def test_explain_without_a_salary_gives_the_months(policy: Policy) -> None:
    assert _penalty_lines(policy, _cash_late(None), "en") == [
        "  第三十七条第（四）项: warning and a deduction of 1-3 x monthly salary "
        "(monthly salary not known) — cash not handed to finance the same day without permission"
    ]


def test_explain_marks_a_penalty_that_needs_determination(policy: Policy) -> None:
    assert _penalty_lines(policy, FOUND_BY_RULES["other_breach"], "en") == [
        "  第三十七条第（七）项: warning and a deduction of 3000.00 to 9000.00 "
        "(1-3 x monthly salary 3000.00) (subject to determination) — another breach of this regulation "
        "found to deserve a penalty"
    ]


def test_explain_shows_a_dismissal(policy: Policy) -> None:
    event = {
        "kind": "incident",
        "id": "I-1",
        "date": "2011-12-20",
        "employee": CLERK,
        "violation": "major_traffic_accident",
    }
    assert _penalty_lines(policy, event, "en") == [
        "  第三十八条第（七）项: dismissal — a driver caused a major traffic accident"
    ]
    assert _penalty_lines(policy, event, "zh") == [
        "  第三十八条第（七）项：解聘 — 驾驶员开车出现重大交通事故"
    ]
