"""What a missing field expects, read from the event models' schemas (`core/expected.py`)."""

from __future__ import annotations

import pytest

from bundled_events import EVENTS
from salesops_rules.core.expected import expected


@pytest.mark.parametrize(
    ("kind", "loc", "words"),
    [
        ("contract", ["amount"], "an amount, a decimal string such as `12000.00`"),
        ("contract", ["product_class"], "one of `stock`, `made_to_order`, `custom`"),
        ("contract", ["customer"], "an object with `id`, `type`, `legal_form`"),
        (
            "contract",
            ["customer", "documents"],
            "a list, each one of `business_licence`, `organisation_code`, "
            "`tax_registration`, `id_card_front`, `id_card_back`",
        ),
        ("contract", ["approvals", 0, "at"], "a date and time such as `2011-12-01T09:30:00`"),
        ("contract", ["collection_schedule", 1, "due"], "a date such as `2011-12-01`"),
        ("order_voucher", ["complete"], "`true` or `false`"),
        ("vehicle_trip", ["odometer_start"], "a whole number"),
        ("internal_review", ["month"], "a string matching `^[0-9]{4}-(0[1-9]|1[0-2])$`"),
        ("shipment", ["consignee"], "a string"),
    ],
)
def test_a_field_is_described_by_its_type(kind: str, loc: list[str | int], words: str) -> None:
    assert expected(EVENTS, kind, loc) == words


def test_an_unknown_kind_or_field_has_no_description() -> None:
    assert expected(EVENTS, "parcel", ["amount"]) is None
    assert expected(EVENTS, "contract", ["amout"]) is None
    assert expected(EVENTS, "contract", ["amount", "cents"]) is None
