"""Events that do not fit their kind: an EventError (a ValueError) naming the field, never a decision."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from bundled_events import EVENT_MODELS
from salesops_rules import EventError, Policy, load_policy

CONTRACT: dict[str, Any] = {
    "kind": "contract",
    "id": "HT-1",
    "date": "2011-12-05",
    "customer": {"id": "K1", "type": "new", "legal_form": "company"},
    "product_class": "stock",
    "amount": "100.00",
    "prepared_by": "E-07",
}
CASH: dict[str, Any] = {
    "kind": "cash_receipt",
    "id": "R-1",
    "received_at": "2011-12-05T10:00:00",
    "amount": "500.00",
    "employee": {"id": "E-07", "role": "clerk"},
}

FLOAT_HELP = '(floats cannot carry exact money; send "12000.50")'


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(base)
    for key, value in changes.items():
        if value is _DROP:
            del event[key]
        else:
            event[key] = value
    return event


_DROP = object()

BAD_EVENTS = [
    ("negative amount", with_(CONTRACT, amount="-1"), "$.amount", "`-1` is negative"),
    ("zero amount", with_(CONTRACT, amount="0"), "$.amount", "must be greater than 0"),
    (
        "unknown product_class",
        with_(CONTRACT, product_class="bulbs"),
        "$.product_class",
        "`bulbs` is not allowed: input should be 'stock', 'made_to_order' or 'custom'",
    ),
    (
        "unknown customer type",
        with_(CONTRACT, customer={"id": "K1", "type": "old", "legal_form": "company"}),
        "$.customer.type",
        "`old` is not allowed: input should be 'existing' or 'new'",
    ),
    (
        "unknown kind",
        with_(CONTRACT, kind="invoice"),
        "$.kind",
        "unknown kind `invoice`; kinds: " + ", ".join(f"`{kind}`" for kind in EVENT_MODELS),
    ),
    ("missing kind", with_(CONTRACT, kind=_DROP), "$.kind", "missing `kind`"),
    ("missing date", with_(CONTRACT, date=_DROP), "$", "`date` is required for this kind of event"),
    (
        "float noise in money",
        with_(CONTRACT, amount=0.1 + 0.2),
        "$.amount",
        f"must be a decimal string or an integer, not the float `0.30000000000000004` {FLOAT_HELP}",
    ),
    (
        "a float even when it looks whole",
        with_(CONTRACT, deposit_paid=12000.0),
        "$.deposit_paid",
        f"must be a decimal string or an integer, not the float `12000.0` {FLOAT_HELP}",
    ),
    (
        "a float in a nested record",
        with_(CONTRACT, employee={"id": "E-07", "role": "clerk", "monthly_salary": 3000.5}),
        "$.employee.monthly_salary",
        f"must be a decimal string or an integer, not the float `3000.5` {FLOAT_HELP}",
    ),
    (
        "more than 2 decimals (string)",
        with_(CONTRACT, amount="100.005"),
        "$.amount",
        "`100.005` has more than 2 decimal places (money is counted in 分)",
    ),
    (
        "more than 2 decimals (Decimal)",
        with_(CONTRACT, amount=Decimal("1.234")),
        "$.amount",
        "`1.234` has more than 2 decimal places (money is counted in 分)",
    ),
    (
        "a boolean as money",
        with_(CONTRACT, amount=True),
        "$.amount",
        "must be a decimal string or an integer, not a boolean",
    ),
    ("not a number", with_(CONTRACT, amount="12,000"), "$.amount", "`12,000` is not a decimal number"),
    ("not finite", with_(CONTRACT, amount="Infinity"), "$.amount", "`Infinity` is not a finite number"),
    (
        "timestamp: month 13",
        with_(CONTRACT, approvals=[{"role": "general_manager", "by": "E-01", "at": "2011-13-01T10:00:00"}]),
        "$.approvals[0].at",
        "input should be a valid datetime or date, month value is outside expected range of 1-12",
    ),
    (
        "timestamp: hour 25",
        with_(CONTRACT, approvals=[{"role": "general_manager", "by": "E-01", "at": "2011-12-01T25:00"}]),
        "$.approvals[0].at",
        "input should be a valid datetime or date, unexpected extra characters at the end of the input",
    ),
    (
        "timestamp: words",
        with_(CASH, received_at="yesterday"),
        "$.received_at",
        "input should be a valid datetime or date, input is too short",
    ),
    (
        "timestamp: not ISO 8601",
        with_(CASH, received_at="12/05/2011 10:00"),
        "$.received_at",
        "input should be a valid datetime or date, invalid character in year",
    ),
    (
        "timestamp: a number is not read as seconds since 1970",
        with_(CONTRACT, approvals=[{"role": "general_manager", "by": "E-01", "at": 1323050400}]),
        "$.approvals[0].at",
        "`1323050400` is a number, not an ISO 8601 date or timestamp such as `2011-12-01T09:30:00`",
    ),
    (
        "date: a number is not a day",
        with_(CONTRACT, date=0),
        "$.date",
        "`0` is a number, not an ISO 8601 date or timestamp such as `2011-12-01T09:30:00`",
    ),
    (
        "date: 30 February",
        with_(CONTRACT, date="2011-02-30"),
        "$.date",
        "input should be a valid date or datetime, day value is outside expected range",
    ),
    (
        "timestamps out of order",
        with_(CASH, handed_to_finance_at="2011-12-05T09:00:00"),
        "$",
        "`handed_to_finance_at` 2011-12-05T09:00:00 is before `received_at` 2011-12-05T10:00:00",
    ),
    (
        "unknown approval role",
        with_(CONTRACT, approvals=[{"role": "ceo", "by": "E-01", "at": "2011-12-05T10:00:00"}]),
        "$.approvals[0].role",
        "`ceo` is not allowed: input should be 'clerk', 'logistics_supervisor', 'general_manager', "
        "'driver' or 'finance'",
    ),
    (
        "collection schedule over the amount",
        with_(CONTRACT, collection_schedule=[{"due": "2012-01-05", "amount": "100.01"}]),
        "$",
        "`collection_schedule` totals 100.01, more than the contract `amount` 100.00",
    ),
]


@pytest.mark.parametrize(
    ("event", "path", "message"), [b[1:] for b in BAD_EVENTS], ids=[b[0] for b in BAD_EVENTS]
)
def test_bad_event_names_the_field(policy: Policy, event: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(EventError) as caught:
        policy.evaluate(event)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.path == path
    assert error.problems == [(path, message)]
    assert str(error) == error.message == f"invalid event: {path}: {message}"


def test_unknown_field_is_refused_not_ignored(policy: Policy) -> None:
    event = with_(CONTRACT, amount=_DROP, amout="100.00")
    with pytest.raises(EventError) as caught:
        policy.evaluate(event)
    error = caught.value
    missing = "missing field: expected an amount, a decimal string such as `12000.00`"
    assert error.problems == [("$.amount", missing), ("$.amout", "unknown field")]
    assert error.message == f"invalid event: $.amount: {missing}; $.amout: unknown field"
    assert error.details() == [f"$.amount: {missing}", "$.amout: unknown field"]


def test_every_problem_is_listed(policy: Policy) -> None:
    event = with_(CONTRACT, amount="-5", product_class="bulbs", deposit_paid=0.5)
    with pytest.raises(EventError) as caught:
        policy.evaluate(event)
    assert caught.value.problems == [
        ("$.product_class", "`bulbs` is not allowed: input should be 'stock', 'made_to_order' or 'custom'"),
        ("$.amount", "`-5` is negative"),
        ("$.deposit_paid", f"must be a decimal string or an integer, not the float `0.5` {FLOAT_HELP}"),
    ]
    assert str(caught.value) == "invalid event: " + "; ".join(f"{p}: {m}" for p, m in caught.value.problems)


@pytest.mark.parametrize("event", [[CONTRACT], "contract", None, 42], ids=["list", "str", "None", "int"])
def test_an_event_is_an_object(policy: Policy, event: Any) -> None:
    with pytest.raises(EventError) as caught:
        policy.evaluate(event)
    assert caught.value.message == f"invalid event: $: an event is a JSON object, not {type(event).__name__}"


def test_exact_money_is_accepted_in_every_exact_form(policy: Policy) -> None:
    # the counterpart of the refusals: strings, integers and Decimals all mean the same amount
    decisions = [
        policy.evaluate(with_(CONTRACT, amount=a)) for a in ("12000", "12000.00", 12000, Decimal("12000.0"))
    ]
    assert {d.values["deposit_amount"] for d in decisions} == {Decimal("3600.00")}
