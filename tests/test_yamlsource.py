"""The YAML reader on its own: what it keeps, where it says things are, what it refuses.

The refusals with their whole messages, inside a policy, are in test_hostile_policies.py;
here are the reader's own rules: plain decimal numbers, dates, aliases within a budget,
the cap on listed problems, keys, and files that are not files.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest

from salesops_rules.core import yamlsource
from salesops_rules.core.literals import MAX_DIGITS, LiteralError, read_number
from salesops_rules.core.yamlsource import YamlSyntaxError, load, loads


def test_plain_data_is_read_with_exact_numbers_and_dates() -> None:
    source = loads(
        "a: 1\nb: 0.30\nc: 2011-12-07\nd: [-12.5, 'x', {e: yes}]\nf: 2011-12-07 17:30:00\ng: ~\nh: 1_000\n",
        "f.yaml",
    )
    assert source.data == {
        "a": 1,
        "b": Decimal("0.30"),
        "c": dt.date(2011, 12, 7),
        "d": [Decimal("-12.5"), "x", {"e": True}],
        "f": dt.datetime(2011, 12, 7, 17, 30),
        "g": None,
        "h": 1000,
    }
    assert type(source.data["a"]) is int and type(source.data["b"]) is Decimal
    assert not source.problems and not source.refused


def test_positions_are_the_keys_and_items_an_editor_sees() -> None:
    source = loads("rules:\n  - id: a\n    when: x\n  - id: b\n", "f.yaml")
    assert source.where(("rules",)) == (1, 1)
    assert source.where(("rules", 0)) == (2, 5)
    assert source.where(("rules", 0, "when")) == (3, 5)
    assert source.where(("rules", 1, "id", "deeper")) == (4, 5)


def test_a_quoted_value_is_text_whatever_it_looks_like() -> None:
    source = loads("a: '010'\nb: \"1.0e-9999999\"\nc: '2011-13-45'\n", "f.yaml")
    assert source.data == {"a": "010", "b": "1.0e-9999999", "c": "2011-13-45"}
    assert not source.refused


def test_small_aliases_share_their_value() -> None:
    # The bundled incidents.yaml repeats one message through an alias on 14 rows.
    source = loads("m: &m {zh: 报告, en: reported}\nrows: [*m, *m]\nn: &n 5\nk: *n\n", "f.yaml")
    assert source.data["rows"] == [{"zh": "报告", "en": "reported"}] * 2
    assert source.data["rows"][0] is source.data["m"]
    assert source.data["k"] == 5
    assert not source.problems


def test_aliases_are_counted_by_the_values_they_stand_for() -> None:
    item = "[" + ", ".join(["x"] * 99) + "]"  # 100 values
    ok = f"a: &a {item}\nb: [{', '.join(['*a'] * (yamlsource.MAX_ALIASED // 100))}]\n"
    assert not loads(ok, "f.yaml").problems
    too_many = f"a: &a {item}\nb: [{', '.join(['*a'] * (yamlsource.MAX_ALIASED // 100 + 1))}]\n"
    with pytest.raises(YamlSyntaxError) as caught:
        loads(too_many, "f.yaml")
    assert (caught.value.line, caught.value.message) == (
        2,
        "aliases in this file stand for more than 10,000 values",
    )


def test_only_the_first_problems_are_listed_and_the_rest_counted() -> None:
    text = "".join(f"k{i}: !t {i}\n" for i in range(yamlsource.MAX_PROBLEMS + 5))
    source = loads(text, "f.yaml")
    listed = source.all_problems()
    assert len(listed) == yamlsource.MAX_PROBLEMS + 1
    assert listed[-1][2:] == (
        "5 more problems are not listed for this file",
        "correct the ones above and load again",
    )


def test_keys_are_plain_words_and_never_repeat() -> None:
    source = loads("? [a, !t b]\n: 1\nc: 1\nc: {d: !t 2}\n", "f.yaml")
    assert source.data == {"c": 1}
    assert [p[:3] for p in source.problems] == [
        (1, 3, "a mapping key must be a plain word"),
        (1, 7, "explicit YAML tags (`!t`) are not allowed"),
        (4, 1, "duplicate key `c` (first at line 3)"),
        (4, 8, "explicit YAML tags (`!t`) are not allowed"),
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10000", 10000),
        ("0.30", Decimal("0.30")),
        ("-12.5", Decimal("-12.5")),
        ("0", 0),
        (".5", Decimal("0.5")),
    ],
)
def test_plain_numbers_read_exactly(text: str, value: int | Decimal) -> None:
    assert read_number(text) == value and type(read_number(text)) is type(value)


@pytest.mark.parametrize(
    "text", ["1e3", "1.0e-9999999", "0x10", "0o7", "0b1", "010", "1:30", ".inf", ".nan", "1" * 31]
)
def test_other_numbers_are_refused(text: str) -> None:
    with pytest.raises(LiteralError):
        read_number(text)


def test_thirty_digits_are_enough_and_allowed() -> None:
    assert read_number("1" * MAX_DIGITS) == int("1" * MAX_DIGITS)


def test_a_directory_named_like_a_policy_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").mkdir()
    with pytest.raises(YamlSyntaxError) as caught:
        load(tmp_path / "x.yaml")
    assert caught.value.message == "the file is a directory, not a regular file"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.yaml")
    with pytest.raises(YamlSyntaxError) as caught:
        load(tmp_path / "x.yaml")  # a blocking open would hang here
    assert caught.value.message == "the file is a FIFO, not a regular file"


def test_a_link_to_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    assert load(tmp_path / "link.yaml").data == {"a": 1}


def test_a_missing_file_is_the_callers_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "absent.yaml")


def test_a_byte_order_mark_at_the_start_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load(tmp_path / "bom.yaml").data == {"a": 1}
