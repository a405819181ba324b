"""`recorded_by(approvals, role, timestamp)`: what it finds and the errors it gives at load."""

from __future__ import annotations

import datetime as dt

import pytest

from bundled_events import ApprovalRecord, CreditSale
from salesops_rules.core.expressions import ExpressionError, compile_expression
from salesops_rules.core.scope import event_scope

SCOPE = event_scope(CreditSale, {})
TEN = dt.datetime(2011, 12, 5, 10, 0)


def _record(at: dt.datetime, mode: str = "consent", role: str = "general_manager") -> ApprovalRecord:
    return ApprovalRecord.model_validate({"role": role, "by": "E-01", "at": at.isoformat(), "mode": mode})


@pytest.mark.parametrize(
    ("minutes", "found"),
    [(-1, True), (0, True), (1, False), (830, False)],
)
def test_a_record_counts_only_at_or_before_the_moment(minutes: int, found: bool) -> None:
    expression = compile_expression("recorded_by(approvals, 'general_manager', credit_given_at)", SCOPE)
    records = (_record(TEN + dt.timedelta(minutes=minutes)),)
    assert expression.fn({"approvals": records, "credit_given_at": TEN}) is found
    assert expression.interpret({"approvals": records, "credit_given_at": TEN}) is found


def test_another_role_does_not_count() -> None:
    expression = compile_expression("recorded_by(approvals, 'general_manager', credit_given_at)", SCOPE)
    records = (_record(TEN - dt.timedelta(hours=1), role="logistics_supervisor"),)
    assert expression.fn({"approvals": records, "credit_given_at": TEN}) is False


def test_the_records_must_be_the_events_approvals() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("recorded_by(customer.documents, 'general_manager', credit_given_at)", SCOPE)
    assert caught.value.message == "`customer.documents`: `recorded_by` reads the event's approval records"
    assert caught.value.help == "write `recorded_by(approvals, 'ROLE', A_TIMESTAMP)`"


def test_the_moment_must_be_a_timestamp() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("recorded_by(approvals, 'general_manager', amount)", SCOPE)
    assert caught.value.message == (
        "`recorded_by(approvals, 'general_manager', amount)`: argument 3 of `recorded_by`, `amount`, "
        "is a number, but it needs a datetime"
    )
    assert caught.value.help == "`recorded_by` takes the approval records, a role name and a datetime"


def test_the_role_must_be_a_role() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("recorded_by(approvals, 'general_manger', credit_given_at)", SCOPE)
    assert caught.value.message == "`'general_manger'` is not a role"
