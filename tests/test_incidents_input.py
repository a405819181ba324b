"""Incidents name a violation code directly: an unknown code is bad input, never a silent pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesops_rules import EventError, load_policy

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"


def test_an_incident_naming_an_unknown_code_is_refused() -> None:
    with pytest.raises(EventError) as caught:
        load_policy(POLICY_DIR).evaluate(
            {
                "kind": "incident",
                "id": "SJ-1",
                "date": "2011-12-20",
                "employee": {"id": "E-11", "role": "driver"},
                "violation": "drunk_driving",
            }
        )
    assert caught.value.path == "$.violation"
    assert caught.value.message.startswith(
        "invalid event: $.violation: `drunk_driving` is not allowed: input should be "
        "'contract_limit_exceeded', 'improper_voucher_for_payment',"
    )
    assert caught.value.message.endswith("'major_traffic_accident' or 'other_serious_misconduct'")


def test_an_incident_needs_the_person_it_judges() -> None:
    with pytest.raises(EventError) as caught:
        load_policy(POLICY_DIR).evaluate(
            {"kind": "incident", "id": "SJ-1", "date": "2011-12-20", "violation": "other_breach"}
        )
    assert (
        caught.value.message
        == "invalid event: $.employee: missing field: expected an object with `id`, `role`"
    )
