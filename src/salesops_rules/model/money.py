"""Exact money and ratios: ``Decimal`` in, ``Decimal`` out, floats refused.

A float such as ``0.1 + 0.2`` cannot say which decimal the sender meant, so it is
rejected with a message naming the field; senders pass a decimal string or an integer
(the CLI parses JSON numbers straight to ``Decimal``, so JSON ``12000.50`` is exact).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from .jsonread import quoted

CENT = Decimal("0.01")
# Money an event may hold: less than 10^12 in size (a trillion yuan), counted in 分.
MONEY_LIMIT = Decimal(10) ** 12
# An amount as ledgers write it: digits, and at most two after the point; within the limit.
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
# Money written as text: ASCII digits, an optional leading `-` and one `.`; nothing else
# (`Decimal` alone would take "１２", "١٢", " 12 ", "+12", "1_000" and "1e3").
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_WRITTEN = "money is written with ASCII digits, an optional leading `-` and one `.`, as `12000.50`"


def round_money(value: Decimal) -> Decimal:
    """Round to 分 half-up; used only where a ratio is applied to an amount."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _out_of_range(value: Any) -> ValueError:
    return ValueError(f"{quoted(value)} is out of range: money is less than 10^12 in size")


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("must be a decimal string or an integer, not a boolean")
    if isinstance(value, float):
        raise ValueError(
            f"must be a decimal string or an integer, not the float `{value!r}` "
            '(floats cannot carry exact money; send "12000.50")'
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if not -MONEY_LIMIT < value < MONEY_LIMIT:
            raise _out_of_range(value)
        result = Decimal(value)
    elif isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            raise _not_decimal_text(value)
        result = Decimal(value)
    else:
        raise ValueError(f"must be a decimal string or an integer, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"`{value}` is not a finite number")
    if not -MONEY_LIMIT < result < MONEY_LIMIT:
        raise _out_of_range(value)
    return result


def _not_decimal_text(value: str) -> ValueError:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return ValueError(f"{quoted(value)} is not a decimal number")
    if not number.is_finite():
        return ValueError(f"{quoted(value)} is not a finite number")
    return ValueError(f"{quoted(value)} is not a decimal number: {_WRITTEN}")


def _money(value: Any) -> Decimal:
    if type(value) is str and _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value)  # the common case, read once: nothing below can refuse it
    result = _to_decimal(value)
    if result.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"{quoted(value)} has more than 2 decimal places (money is counted in 分)")
    if result < 0:
        raise ValueError(f"{quoted(value)} is negative")
    return result


def _positive_money(value: Any) -> Decimal:
    result = _money(value)
    if result == 0:
        raise ValueError("must be greater than 0")
    return result


def _money_text(value: Decimal) -> str:
    return str(value.quantize(CENT))


# Serialised as a string with two places, as the contract's JSON shows.
Money = Annotated[Decimal, BeforeValidator(_money), PlainSerializer(_money_text, when_used="json")]
PositiveMoney = Annotated[
    Decimal, BeforeValidator(_positive_money), PlainSerializer(_money_text, when_used="json")
]


def percent(ratio: Decimal) -> str:
    """A ratio as a percentage, as exact as written: 0.02 is `2%`, 0.125 is `12.5%`."""
    return f"{(ratio * 100).normalize():f}%"


def _ratio(value: Any) -> Decimal:
    result = _to_decimal(value)
    if not 0 <= result <= 1:
        raise ValueError(f"{quoted(value)} is not a ratio from 0 to 1 (write 30% as `0.30`)")
    return result


# A share, from 0 to 1, exact: floats are refused as for money.
Ratio = Annotated[Decimal, BeforeValidator(_ratio), PlainSerializer(str, when_used="json")]
