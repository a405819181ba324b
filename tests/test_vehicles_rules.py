"""Vehicles, 第三十至三十二条: services against their due dates, trips against approvals.

Boundary cases are data in `policy/tests/vehicles.yaml` and `vehicle-services.yaml`; here,
the reading of "late" as a property over dates, and the bad input the issue names.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_rules import EventError, Policy, load_policy

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
DRIVER = {"id": "E-11", "role": "driver", "monthly_salary": "2800.00"}
DUE = dt.date(2011, 12, 15)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY_DIR)


def _service(**fields: Any) -> dict[str, Any]:
    return {
        "kind": "vehicle_service",
        "id": "VS-1",
        "vehicle": "V-1",
        "due": DUE.isoformat(),
        "employee": DRIVER,
        **fields,
    }


@settings(max_examples=100, deadline=None)
@given(days=st.integers(min_value=-60, max_value=60))
def test_a_service_done_after_its_due_date_is_late(policy: Policy, days: int) -> None:
    done = DUE + dt.timedelta(days=days)
    decision = policy.evaluate(_service(done=done.isoformat()))
    late = days > 0
    assert [v.code for v in decision.violations] == (["vehicle_not_serviced"] if late else [])
    assert decision.values.get("service_days_late") == (days if late else None)
    assert decision.obligations == []


@settings(max_examples=100, deadline=None)
# from the policy's first day, 2011-11-30 (第四十条): an earlier record is not judged
@given(days=st.integers(min_value=-15, max_value=60))
def test_a_service_not_done_is_late_once_its_due_date_has_passed(policy: Policy, days: int) -> None:
    decision = policy.evaluate(_service(date=(DUE + dt.timedelta(days=days)).isoformat(), done=None))
    if days > 0:
        assert [v.code for v in decision.violations] == ["vehicle_not_serviced"]
        assert decision.obligations == []
    else:
        assert decision.violations == []
        assert [o.code for o in decision.obligations] == ["service_vehicle"]


@settings(max_examples=50, deadline=None)
@given(
    role=st.sampled_from(["clerk", "logistics_supervisor", "general_manager", "driver", "finance"]),
    day_offset=st.integers(min_value=-3, max_value=3),
)
def test_a_private_trip_needs_the_supervisor_or_the_general_manager(
    policy: Policy, role: str, day_offset: int
) -> None:
    trip_day = dt.date(2011, 12, 10)
    at = dt.datetime.combine(trip_day + dt.timedelta(days=day_offset), dt.time(12, 0))
    decision = policy.evaluate(
        {
            "kind": "vehicle_trip",
            "id": "VT-1",
            "date": trip_day.isoformat(),
            "vehicle": "V-1",
            "employee": DRIVER,
            "purpose": "private",
            "approvals": [{"role": role, "by": "E-02", "at": at.isoformat()}],
            "odometer_start": 1,
            "odometer_end": 9,
            "fuel_litres": "1.20",
        }
    )
    approved = role in ("logistics_supervisor", "general_manager") and day_offset <= 0
    assert [v.code for v in decision.violations] == ([] if approved else ["private_vehicle_use"])


def test_a_service_done_before_the_vehicle_existed_is_refused(policy: Policy) -> None:
    with pytest.raises(EventError) as caught:
        policy.evaluate(_service(done="2011-01-01", vehicle_since="2011-06-01"))
    assert caught.value.message == (
        "invalid event: $: `done` 2011-01-01 is before the vehicle existed (`vehicle_since` 2011-06-01)"
    )


def test_an_odometer_running_backwards_is_refused(policy: Policy) -> None:
    with pytest.raises(EventError) as caught:
        policy.evaluate(
            {
                "kind": "vehicle_trip",
                "id": "VT-1",
                "date": "2011-12-10",
                "vehicle": "V-1",
                "employee": DRIVER,
                "purpose": "business",
                "odometer_start": 500,
                "odometer_end": 499,
            }
        )
    assert caught.value.message == "invalid event: $: `odometer_end` 499 is below `odometer_start` 500"
