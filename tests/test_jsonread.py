"""The one JSON reader of events (`model/jsonread.py`): its bounds, exactly at and past each."""

from __future__ import annotations

import codecs
from decimal import Decimal
from typing import Any

import pytest

from salesops_rules.model import jsonread
from salesops_rules.model.jsonread import JsonInputError, load_bytes, loads


def refused(text: str) -> tuple[str | None, str, int | None, int | None]:
    with pytest.raises(JsonInputError) as caught:
        loads(text)
    error = caught.value
    assert "\n" not in error.message
    return error.path, error.reason, error.line, error.column


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": 12000.50, "b": 7, "c": 1E+11}', {"a": Decimal("12000.50"), "b": 7, "c": Decimal("1E+11")}),
        ("9" * 30, int("9" * 30)),
        ("1e30", Decimal("1e30")),
        ("1e-30", Decimal("1e-30")),
        ('"\\ud83d\\ude00"', "\U0001f600"),  # a whole UTF-16 pair is one character
        ('"\\u0000"', "\x00"),
        ('"' + "x" * jsonread.MAX_STRING + '"', "x" * jsonread.MAX_STRING),
    ],
)
def test_what_is_within_the_bounds_is_read_exactly(text: str, value: Any) -> None:
    assert loads(text) == value


def test_nesting_is_read_to_its_bound_and_refused_past_it() -> None:
    assert loads(nested(jsonread.MAX_DEPTH)) == loads(nested(jsonread.MAX_DEPTH))
    assert refused(nested(jsonread.MAX_DEPTH + 1)) == (
        "$" + "[0]" * jsonread.MAX_DEPTH,
        "nested deeper than 32 levels",
        None,
        None,
    )
    assert refused(nested(100_000)) == ("$", "nested deeper than 32 levels", None, None)


@pytest.mark.parametrize(
    ("text", "path", "reason"),
    [
        ('{"a": 1, "a": 2}', "$.a", "duplicate key `a`: each key is given once"),
        ('[{"x": {"k": 1, "j": 2, "k": 3}}]', "$[0].x.k", "duplicate key `k`: each key is given once"),
        ("9" * 31, "$", f"`{'9' * 31}` has more than 30 digits"),
        ("1e31", "$", "`1e31` has an exponent beyond ±30: not a number an event holds"),
        ("1e-31", "$", "`1e-31` has an exponent beyond ±30: not a number an event holds"),
        ('{"a": [1, -Infinity]}', "$.a[1]", "`-Infinity` is not a number JSON allows"),
        ('{"k": "\\udc00"}', "$.k", "a string holding `\\udc00`, half of a UTF-16 pair: not text"),
        ('{"\\ud800": 1}', "$", "a key holding `\\ud800`, half of a UTF-16 pair: not text"),
        ('"' + "x" * 10_001 + '"', "$", "a string of 10001 characters, over the limit of 10000"),
    ],
)
def test_each_refusal_names_its_path(text: str, path: str, reason: str) -> None:
    assert refused(text) == (path, reason, None, None)


def test_a_syntax_error_has_its_line_and_column_even_after_a_refused_number() -> None:
    assert refused('{"a": 1,\n "b": }') == (None, "Expecting value", 2, 7)
    assert refused('{"a": 1e999') == (None, "Expecting ',' delimiter", 1, 12)


def test_the_size_of_the_text_is_bounded() -> None:
    assert refused(" " * (jsonread.MAX_BYTES + 1)) == (
        None,
        "the JSON text is over the limit of 1048576 bytes",
        None,
        None,
    )
    with pytest.raises(JsonInputError) as caught:
        load_bytes(b" " * (jsonread.MAX_BYTES + 1))
    assert caught.value.message == "1048577 bytes, over the limit of 1048576 bytes for one event"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"a": 1}'.encode("utf-16"), "the text is UTF-16, not UTF-8: save it as UTF-8"),
        ('{"a": 1}'.encode("utf-32"), "the text is UTF-32, not UTF-8: save it as UTF-8"),
        (
            '{"a": 1}'.encode("utf-16-le"),
            "not UTF-8 JSON text: it holds NUL bytes (UTF-16 without a byte-order mark?)",
        ),
        (b'{"a": "\xe9"}', "not UTF-8 text: byte 8 is invalid"),
    ],
)
def test_bytes_that_are_not_utf8_are_named(raw: bytes, message: str) -> None:
    with pytest.raises(JsonInputError) as caught:
        load_bytes(raw)
    assert caught.value.message == message


def test_a_utf8_byte_order_mark_is_dropped() -> None:
    assert load_bytes(codecs.BOM_UTF8 + b'{"a": 1}') == {"a": 1}
