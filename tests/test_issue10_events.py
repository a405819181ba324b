"""The fields issue 10 adds to the events: bad input is refused with one line naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from salesops_rules import EventError, load_policy

POLICY = load_policy()
CUSTOMER = {"id": "K", "type": "new", "legal_form": "company"}
RECEIPT = {
    "kind": "cash_receipt",
    "id": "X",
    "received_at": "2011-12-05T10:00:00",
    "amount": "1",
    "employee": {"id": "E", "role": "clerk"},
}
CREDIT = {"kind": "credit_sale", "id": "Q", "date": "2011-12-05", "customer": CUSTOMER, "amount": "1"}
VOUCHER = {
    "kind": "order_voucher",
    "id": "V",
    "date": "2011-12-05",
    "complete": True,
    "accurate": True,
    "reliable": True,
}
REPORT = {"kind": "customer_archive_report", "id": "A", "date": "2011-12-05"}
CONTRACT = {
    "kind": "contract",
    "id": "C",
    "date": "2011-12-05",
    "customer": CUSTOMER,
    "product_class": "stock",
    "amount": "1",
    "prepared_by": "E",
}


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (
            {**RECEIPT, "payment_form": "crypto"},
            "invalid event: $.payment_form: `crypto` is not allowed: "
            "input should be 'cash', 'bank_transfer', 'cheque', 'bill' or 'other'",
        ),
        (
            {**CREDIT, "credit_given_at": 5},
            "invalid event: $.credit_given_at: `5` is a number, not an ISO 8601 date or timestamp "
            "such as `2011-12-01T09:30:00`",
        ),
        (
            {**VOUCHER, "papers_complete": "maybe"},
            "invalid event: $.papers_complete: input should be a valid boolean, unable to interpret input",
        ),
        (
            {**REPORT, "contract_id": ""},
            "invalid event: $.contract_id: string should have at least 1 character",
        ),
        (
            {**CONTRACT, "customer_reported_at": "tomorrow"},
            "invalid event: $.customer_reported_at: "
            "input should be a valid datetime or date, input is too short",
        ),
    ],
    ids=["payment_form", "credit_given_at", "papers_complete", "contract_id", "customer_reported_at"],
)
def test_a_bad_new_field_is_refused_naming_it(event: dict[str, Any], message: str) -> None:
    with pytest.raises(EventError) as caught:
        POLICY.evaluate(event)
    assert str(caught.value) == message


def test_the_new_fields_are_optional_and_old_events_mean_what_they_meant() -> None:
    assert POLICY.evaluate(RECEIPT).values == {"cash_handed_over_same_day": False}
    assert POLICY.evaluate(VOUCHER).values == {"voucher_handling": "accept"}
    assert POLICY.evaluate({**VOUCHER, "papers_complete": None}).values == {"voucher_handling": "accept"}


def test_a_field_named_like_a_kind_keeps_its_path() -> None:
    signature = {
        "kind": "credit_signature",
        "id": "BQ-1",
        "credit_sale": "",
        "signed_by": "E-01",
        "role": "general_manager",
        "signed_at": "2011-12-09T09:30:00",
    }
    with pytest.raises(EventError) as caught:
        POLICY.evaluate(signature)
    assert str(caught.value) == "invalid event: $.credit_sale: string should have at least 1 character"
