"""One breach, one violation, citing the clause breached (issue 10, items 1 and 2).

Over events of every kind: a decision holds at most one violation per (code, clause); a
violation found by a rule cites that rule's clause, never a penalty item of 第三十七、三十八条
(only an `incident`, a breach a person reports by its penalty item, cites the item); and
each code draws one penalty, citing its item.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_rules import load_policy
from salesops_rules.core.evaluator import outcome

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import event_mix

POLICY = load_policy()
PENALTY_ARTICLES = {37, 38}


def _event(kind: str, seed: int, n: int) -> dict[str, Any]:
    return event_mix.EVERY_GENERATOR[kind](random.Random(seed), n)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(event_mix.EVERY_GENERATOR)), st.integers(0, 2**32), st.integers(0, 999))
def test_an_event_yields_one_violation_per_code_and_clause(kind: str, seed: int, n: int) -> None:
    event = _event(kind, seed, n)
    decision = POLICY.evaluate(event)
    keys = [(v.code, v.cite.article, v.cite.item) for v in decision.violations]
    assert len(keys) == len(set(keys)), keys
    # one penalty per code, citing the penalty item of that code
    assert [p.for_ for p in decision.penalties] == list(dict.fromkeys(v.code for v in decision.violations))
    for penalty in decision.penalties:
        assert penalty.cite == POLICY.compiled.penalties[penalty.for_].cite
        assert penalty.cite.article in PENALTY_ARTICLES
    if kind != "incident":
        assert all(v.cite.article not in PENALTY_ARTICLES for v in decision.violations), keys
    # the audit's shortcut finds the same violations
    assert outcome(POLICY.compiled, event).violations == decision.violations


def _credit(**changes: Any) -> dict[str, Any]:
    event = {
        "kind": "credit_sale",
        "id": "QK-1",
        "date": "2011-12-05",
        "customer": {"id": "K", "type": "existing", "legal_form": "company"},
        "amount": "100.00",
    }
    return {**event, **changes}


def test_a_credit_sale_without_signature_or_assessment_breaks_two_clauses_once_each() -> None:
    decision = POLICY.evaluate(_credit())
    assert [(v.code, v.cite.label) for v in decision.violations] == [
        ("unauthorised_credit", "第二十五条"),
        ("unauthorised_credit", "第二十六条"),
    ]
    assert [(p.for_, p.cite.label) for p in decision.penalties] == [
        ("unauthorised_credit", "第三十七条第（三）项")
    ]


def test_a_credit_sale_without_signature_is_one_violation_of_article_26() -> None:
    decision = POLICY.evaluate(_credit(risk_assessment=True))
    assert [(v.code, v.cite.label) for v in decision.violations] == [("unauthorised_credit", "第二十六条")]


def test_three_breaches_of_article_16_are_one_violation_whose_message_names_each() -> None:
    decision = POLICY.evaluate(
        {
            "kind": "receivable",
            "id": "YS-1",
            "date": "2011-12-20",
            "customer_id": "K",
            "amount": "100.00",
            "due": "2011-12-15",
            "settled_by": "E-05",
            "employee": {"id": "E-05", "role": "clerk"},
        }
    )
    [violation] = decision.violations
    assert (violation.code, violation.cite.label) == ("other_breach", "第十六条")
    assert violation.message_en == (
        "the customer was not told of the payment before its due date; "
        "the overdue payment was not reported in writing to the general manager "
        "within 3 days of its due date; "
        "the receivable was settled without the general manager's decision"
    )
    assert violation.message.count("；") == 2
