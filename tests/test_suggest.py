"""One "did you mean" for every name: a slip of the keyboard, never a name that shares a word."""

from __future__ import annotations

import pytest

from salesops_rules.core.suggest import closest

KINDS = ["contract", "credit_sale", "cash_receipt", "shipment", "cash_handover", "receivable"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("contarct", "contract"),
        ("cash_reciept", "cash_receipt"),
        ("shipmnet", "shipment"),
        ("recievable", "receivable"),
        ("credit_sales", "credit_sale"),
    ],
)
def test_a_slip_of_the_keyboard_is_named(typed: str, meant: str) -> None:
    assert closest(typed, KINDS) == meant


@pytest.mark.parametrize("typed", ["goods_receipt", "cash", "handover", "sale", "receipt"])
def test_a_name_sharing_only_a_word_is_not_suggested(typed: str) -> None:
    assert closest(typed, KINDS) is None


def test_nothing_to_choose_from_suggests_nothing() -> None:
    assert closest("contract", []) is None
