"""A boolean field takes JSON `true` or `false` only, checked in pydantic's core (`Flag`).

Its refusals are worded as before the check moved there (`flag_message`): a value pydantic
would have taken as a boolean ("yes", 1, "true") is said not to be one; anything else keeps
pydantic's own message. The same through every door: `evaluate`, an audit's JSON line (whose
fast reader leaves it to the exact one), and a default declared in events.yaml.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from salesops_rules import EventError, PolicyError, load_policy
from salesops_rules.audit.ledger import JsonLinesDecoder

POLICY = load_policy()
POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
VOUCHER = {"kind": "order_voucher", "id": "PZ-1", "date": "2012-01-01", "accurate": True, "reliable": True}
NOT_A_BOOLEAN = "is not a boolean: send JSON `true` or `false`"
UNREADABLE = "input should be a valid boolean, unable to interpret input"
NOT_BOOLEAN_TYPE = "input should be a valid boolean"
SAID = [
    ("yes", f"`yes` {NOT_A_BOOLEAN}"),
    ("no", f"`no` {NOT_A_BOOLEAN}"),
    ("true", f"`true` {NOT_A_BOOLEAN}"),
    ("1", f"`1` {NOT_A_BOOLEAN}"),
    (1, f"`1` {NOT_A_BOOLEAN}"),
    (0, f"`0` {NOT_A_BOOLEAN}"),
    (1.0, f"`1.0` {NOT_A_BOOLEAN}"),
    (Decimal("1"), f"`1` {NOT_A_BOOLEAN}"),
    ("maybe", UNREADABLE),
    ("", UNREADABLE),
    (2, UNREADABLE),
    (None, NOT_BOOLEAN_TYPE),
    ([True], NOT_BOOLEAN_TYPE),
    ({}, NOT_BOOLEAN_TYPE),
]


@pytest.mark.parametrize(("value", "message"), SAID, ids=[repr(v) for v, _ in SAID])
def test_evaluate_says_what_is_wrong(value: Any, message: str) -> None:
    with pytest.raises(EventError) as caught:
        POLICY.evaluate({**VOUCHER, "complete": value})
    assert caught.value.message == f"invalid event: $.complete: {message}"


@pytest.mark.parametrize("value", [True, False])
def test_true_and_false_are_taken_optional_fields_too(value: bool) -> None:
    decision = POLICY.evaluate({**VOUCHER, "complete": value, "papers_complete": value})
    assert decision.kind == "order_voucher"
    with pytest.raises(EventError) as caught:
        POLICY.evaluate({**VOUCHER, "complete": value, "papers_complete": "yes"})
    assert caught.value.message == f"invalid event: $.papers_complete: `yes` {NOT_A_BOOLEAN}"


@pytest.mark.parametrize(
    ("raw", "message"),
    [("1", f"`1` {NOT_A_BOOLEAN}"), ('"yes"', f"`yes` {NOT_A_BOOLEAN}"), ("null", NOT_BOOLEAN_TYPE)],
)
def test_an_audit_line_goes_the_exact_way_and_says_the_same(raw: str, message: str) -> None:
    template = (
        '{"kind": "order_voucher", "id": "PZ-A", "date": "2012-01-01", "complete": RAW, '
        '"accurate": true, "reliable": true}\n'
    )
    line = template.replace("RAW", raw).encode()
    decoder = JsonLinesDecoder()
    assert decoder.event(line, POLICY.compiled.events) is None
    with pytest.raises(EventError) as caught:
        POLICY.evaluate(decoder(line))
    assert caught.value.message == f"invalid event: $.complete: {message}"
    good = template.replace("RAW", "true").encode()
    assert decoder.event(good, POLICY.compiled.events) is not None


def test_a_default_that_is_not_a_boolean_is_refused_in_the_same_words(tmp_path: Path) -> None:
    root = tmp_path / "pack"
    shutil.copytree(POLICY_DIR, root, ignore=shutil.ignore_patterns("tests"))
    events = root / "events.yaml"
    old = "sealed: {type: bool, default: false,"
    text = events.read_text(encoding="utf-8")
    assert old in text
    events.write_text(text.replace(old, "sealed: {type: bool, default: yes_please,", 1), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(root)
    messages = {f.message for f in caught.value.findings}
    assert messages == {f"the default `yes_please` is not a `bool`: {UNREADABLE}"}
