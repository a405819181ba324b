"""`Decision.to_json()` is `model_dump(mode="json")`, pydantic's dump the reference.

Over every example and policy test case, the benchmark's streams of every kind, decisions
with penalties capped by a legal note, and events hypothesis draws; the JSON text of both
is compared too, so the order of the keys is the contract's as well.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor_support import deposit_dated
from salesops_rules import load_policy
from salesops_rules.tools.cases import load_cases

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import event_mix

ROOT = Path(__file__).resolve().parents[1]
POLICY = load_policy()
CASES = load_cases(ROOT / "policy" / "tests")
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
KINDS = [kind for kind, plan in POLICY.compiled.plans.items() if plan]


def same_json(decision: Any) -> None:
    made, reference = decision.to_json(), decision.model_dump(mode="json")
    assert made == reference
    assert json.dumps(made, ensure_ascii=False) == json.dumps(reference, ensure_ascii=False)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples(path: Path) -> None:
    same_json(POLICY.evaluate(json.loads(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_policy_cases(case: Any) -> None:
    try:
        decision = POLICY.evaluate(case.event, as_of=case.as_of)
    except ValueError:
        pytest.skip("a case about bad input has no decision")
    same_json(decision)


def test_every_part_of_the_decision_is_reached() -> None:
    """The cases and streams hold every part that has a conversion of its own."""
    decisions = []
    for case in CASES:
        try:
            decisions.append(POLICY.evaluate(case.event, as_of=case.as_of))
        except ValueError:
            continue  # a case about bad input
    decisions += [POLICY.evaluate(e) for e in event_mix.stream(KINDS, 2000, seed=4)]
    for decision in decisions:
        same_json(decision)
    assert any(d.as_of is not None for d in decisions)
    assert any(o.deadline is not None for d in decisions for o in d.obligations)
    assert any(a.note is not None for d in decisions for a in d.approvals)
    assert any(p.deduction_amount is not None for d in decisions for p in d.penalties)
    assert any(p.months_to_recover is not None for d in decisions for p in d.penalties)
    assert any(n.figures for d in decisions for n in d.legal_notes)
    assert any(n.deduction_cap is not None for d in decisions for n in d.legal_notes)
    assert any(v is not None and not isinstance(v, bool | str) for d in decisions for v in d.values.values())


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(KINDS), st.integers(0, 10**6), st.sampled_from([None, "2012-03-01", "2030-01-01T08:00"])
)
def test_drawn_events(kind: str, seed: int, as_of: str | None) -> None:
    event = event_mix.EVERY_GENERATOR[kind](random.Random(seed), 1)
    same_json(POLICY.evaluate(event, as_of=as_of))


def test_dated_values_in_force(tmp_path: Path) -> None:
    policy = load_policy(deposit_dated(tmp_path / "deposit-dated"))
    decisions = [policy.evaluate(e) for e in event_mix.stream(["contract"], 300, seed=8)]
    for decision in decisions:
        same_json(decision)
    assert any(d.values_in_force for d in decisions)
