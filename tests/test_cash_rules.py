"""Cash, 第二十七至二十九条 and 第三十七条第（四）项, as properties over times and permissions.

The boundary cases (23:59 against 00:01, permission before and after the deadline) are
data in `policy/tests/cash.yaml`; here the same reading holds for any minute of any day,
and the approval-chain features the cash rules need (a step any of several roles may take,
a deadline `by_end_of`) refuse a policy that misuses them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bundled_events import ROLES
from salesops_rules import EventError, Policy, PolicyError, load_policy
from test_penalties_chain import copy_policy

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
RECEIVER = {"id": "E-07", "role": "clerk", "monthly_salary": "3000.00"}
PERMITTERS = ("logistics_supervisor", "general_manager")

# From the policy's first day (第四十条, policy.yaml `in_force`): an earlier receipt is not judged.
moments = st.datetimes(min_value=dt.datetime(2011, 11, 30), max_value=dt.datetime(2012, 12, 31, 23, 59))


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY_DIR)


def _receipt(received: dt.datetime, handed: dt.datetime | None, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "cash_receipt",
        "id": "CR-1",
        "received_at": received.isoformat(),
        "amount": "1280.00",
        "employee": RECEIVER,
        "payment_slip": True,
        "handed_to_finance_at": handed.isoformat() if handed is not None else None,
        **extra,
    }


@settings(max_examples=150, deadline=None)
@given(received=moments, delay=st.integers(min_value=0, max_value=3 * 24 * 60))
def test_late_is_a_later_calendar_day(policy: Policy, received: dt.datetime, delay: int) -> None:
    handed = received + dt.timedelta(minutes=delay)
    decision = policy.evaluate(_receipt(received, handed))
    same_day = handed.date() == received.date()
    assert decision.values["cash_handed_over_same_day"] is same_day
    assert [v.code for v in decision.violations] == ([] if same_day else ["cash_not_handed_over"])
    assert decision.verdict == ("pass" if same_day else "fail")


@settings(max_examples=150, deadline=None)
@given(
    received=moments,
    offset=st.integers(min_value=-2 * 24 * 60, max_value=2 * 24 * 60),
    role=st.sampled_from(ROLES),
    own=st.booleans(),
)
def test_permission_counts_by_role_deadline_and_person(
    policy: Policy, received: dt.datetime, offset: int, role: str, own: bool
) -> None:
    given_at = received + dt.timedelta(minutes=offset)
    permission = {"role": role, "by": RECEIVER["id"] if own else "E-02", "at": given_at.isoformat()}
    handed = dt.datetime.combine(received.date() + dt.timedelta(days=1), dt.time(8, 30))
    decision = policy.evaluate(_receipt(received, handed, permission=permission))
    counts = role in PERMITTERS and given_at.date() <= received.date() and not own
    assert [a.satisfied for a in decision.approvals] == [counts]
    assert [v.code for v in decision.violations] == ([] if counts else ["cash_not_handed_over"])


def test_cash_never_handed_over_with_permission_stays_owed(policy: Policy) -> None:
    received = dt.datetime(2011, 12, 5, 9, 30)
    permission = {"role": "general_manager", "by": "E-01", "at": "2011-12-05T12:00:00"}
    decision = policy.evaluate(_receipt(received, None, permission=permission))
    assert decision.verdict == "pending"
    assert [o.code for o in decision.obligations] == ["hand_cash_to_finance"]


# ---- bad input ----


def test_handed_over_before_received_is_refused(policy: Policy) -> None:
    event = _receipt(dt.datetime(2011, 12, 5, 9, 0), dt.datetime(2011, 12, 5, 8, 59))
    with pytest.raises(EventError) as caught:
        policy.evaluate(event)
    assert caught.value.message == (
        "invalid event: $: `handed_to_finance_at` 2011-12-05T08:59:00 is before "
        "`received_at` 2011-12-05T09:00:00"
    )


def test_a_negative_salary_is_refused(policy: Policy) -> None:
    event = _receipt(
        dt.datetime(2011, 12, 5, 9, 0), None, employee={**RECEIVER, "monthly_salary": "-3000.00"}
    )
    with pytest.raises(EventError) as caught:
        policy.evaluate(event)
    assert caught.value.message == "invalid event: $.employee.monthly_salary: `-3000.00` is negative"
    assert caught.value.path == "$.employee.monthly_salary"


def test_a_float_salary_is_refused(policy: Policy) -> None:
    event = _receipt(dt.datetime(2011, 12, 5, 9, 0), None, employee={**RECEIVER, "monthly_salary": 3000.5})
    with pytest.raises(EventError) as caught:
        policy.evaluate(event)
    assert caught.value.path == "$.employee.monthly_salary"
    assert "not the float `3000.5`" in caught.value.message


# ---- the chain features, misused ----


def _break_chain(tmp_path: Path, old: str, new: str) -> PolicyError:
    folder = copy_policy(tmp_path)
    roles = folder / "roles.yaml"
    text = roles.read_text(encoding="utf-8")
    assert old in text
    roles.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    return caught.value


def test_a_deadline_must_be_a_date_the_event_always_has(tmp_path: Path) -> None:
    error = _break_chain(tmp_path, "by_end_of: received_at", "by_end_of: handed_to_finance_at")
    assert [(Path(f.file).name, f.rule, f.message) for f in error.findings] == [
        (
            "cash.yaml",
            "cash.late-needs-permission",
            "chain `cash_permission`: `by_end_of: handed_to_finance_at` is not a date or timestamp "
            "that every `cash_receipt` event has",
        )
    ]
    assert error.findings[0].help == "name a required date field of the event, or `event_date`"


def test_an_unknown_role_among_several_is_named(tmp_path: Path) -> None:
    error = _break_chain(
        tmp_path,
        "{role: [logistics_supervisor, general_manager], action: permit",
        "{role: [logistics_supervisor, general_manger], action: permit",
    )
    assert [(f.message, f.help) for f in error.findings] == [
        ("unknown role `general_manger` in an approval chain", "did you mean `general_manager`?")
    ]


def test_a_role_listed_twice_in_one_step_is_refused(tmp_path: Path) -> None:
    error = _break_chain(
        tmp_path,
        "{role: [logistics_supervisor, general_manager], action: permit",
        "{role: [logistics_supervisor, logistics_supervisor], action: permit",
    )
    assert [f.message for f in error.findings] == ["role `logistics_supervisor` appears twice in one chain"]
