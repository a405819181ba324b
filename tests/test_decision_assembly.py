"""The evaluator assembles decisions without validation: they must equal validated ones."""

import json
from pathlib import Path

import pytest

from salesops_rules import Decision, load_policy
from salesops_rules.tools.cases import load_cases

ROOT = Path(__file__).resolve().parent.parent
CASES = load_cases(ROOT / "policy" / "tests")
POLICY = load_policy()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_an_assembled_decision_equals_its_validated_twin(case) -> None:  # type: ignore[no-untyped-def]
    try:
        decision = POLICY.evaluate(case.event)
    except ValueError:
        pytest.skip("a case about bad input has no decision")
    twin = Decision.model_validate(decision.model_dump())
    assert twin == decision
    assert twin.model_dump(mode="json") == decision.model_dump(mode="json")
    assert decision.model_fields_set == set(Decision.model_fields)
    for approval in decision.approvals:
        assert approval.model_fields_set == set(type(approval).model_fields)
    # What other systems read: the JSON of the contract, round-tripped through text.
    assert json.loads(decision.model_dump_json()) == decision.model_dump(mode="json")
