"""Function signatures checked at load, division only by a non-zero literal, and failures named.

The refusals inside a policy, with their whole messages, are in the hostile corpus
(tests/hostile_policies.py). Here: what the signatures still allow, and how an expression
that fails on one event is reported (named, in words, never `[<class '...'>]`).
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from bundled_events import CashReceipt, Contract, VehicleService
from salesops_rules import load_policy
from salesops_rules.core.expressions import EvaluationError, ExpressionError, compile_expression
from salesops_rules.core.scope import NUMBER, Type, event_scope

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = event_scope(Contract, {"deposit_ratio": NUMBER})


@pytest.mark.parametrize(
    ("model", "source"),
    [
        (Contract, "min(amount, deposit_paid, 0) >= 0"),
        (Contract, "max(amount, 1) > 0"),
        (Contract, "abs(-amount) == amount"),
        (Contract, "round_money(amount * 0.3) > 0"),
        (Contract, "amount / 2 > 1 and amount / -0.5 < 0"),
        (Contract, "len(customer.documents) > 0"),
        (VehicleService, "days_between(due, done) > 0"),
        (CashReceipt, "days_between(received_at, handed_to_finance_at) > 0"),
        (CashReceipt, "days_between(date_of(received_at), event_date) > 0"),
    ],
)
def test_calls_that_fit_their_signature_compile(model: type, source: str) -> None:
    expression = compile_expression(source, event_scope(model, {"deposit_ratio": NUMBER}))
    assert expression.type.kind == "bool"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("max(amount, 'x') > 0", "argument 2 of `max`, `'x'`, is a string, but it needs a number"),
        ("abs(amount, amount) > 0", "`abs` takes 1 argument, not 2"),
        ("round_money(amount=1) > 0", "`round_money` takes plain arguments only"),
        ("len(*customer.documents) > 0", "`len` takes plain arguments only"),
        ("signed_by(approvals) is None", "`signed_by` takes 2 arguments, not 1"),
        ("amount / (1 - 1) > 0", "the divisor `1 - 1` may be 0 on some event"),
        ("amount / deposit_paid > 0", "the divisor `deposit_paid` may be 0 on some event"),
        ("amount / -0 > 0", "`amount / -0` divides by zero"),
    ],
)
def test_calls_that_do_not_fit_are_refused(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source, CONTRACT)
    assert message in caught.value.message


def test_a_failure_on_one_event_names_the_expression_in_words() -> None:
    expression = compile_expression("round_money(amount * 1000000000000000000000000) > 0", CONTRACT)
    ns = {"amount": Decimal(10000)}
    with pytest.raises(EvaluationError) as compiled:
        expression(ns)
    with pytest.raises(EvaluationError) as reference:
        expression.interpret(ns)
    expected = (
        "`round_money(amount * 1000000000000000000000000) > 0`: the numbers are too large to compute exactly"
    )
    assert str(compiled.value) == str(reference.value) == expected


def test_an_empty_field_is_said_to_be_empty() -> None:
    expression = compile_expression("abs(x) > 1", {"x": Type("number", nullable=True)})
    with pytest.raises(EvaluationError) as caught:
        expression({"x": None})
    assert str(caught.value) == "`abs(x) > 1`: a field it reads is empty"


def test_the_decision_refers_naming_rule_and_expression(tmp_path: Path) -> None:
    root = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", root, ignore=shutil.ignore_patterns("tests"))
    (root / "zz-huge.yaml").write_text(
        "rules:\n"
        "  - id: test.huge\n"
        "    on: contract\n"
        "    cite: {article: 14}\n"
        '    when: "round_money(amount * 1000000000000000000000000) > 0"\n'
        "    then:\n"
        "      obligations:\n"
        "        - code: test_duty\n"
        "          message: {zh: 测试, en: a test duty}\n",
        encoding="utf-8",
    )
    event = json.loads((ROOT / "examples" / "new-customer-custom-order.json").read_text(encoding="utf-8"))
    decision = load_policy(root).evaluate(event)
    referrals = [o.message_en for o in decision.obligations if o.code == "refer_to_general_manager"]
    assert referrals == [
        "rule test.huge cannot be evaluated on this event "
        "(`round_money(amount * 1000000000000000000000000) > 0`: the numbers are too large to compute "
        "exactly); the general manager decides"
    ]
    assert "<class" not in json.dumps(decision.model_dump(mode="json"), ensure_ascii=False)
