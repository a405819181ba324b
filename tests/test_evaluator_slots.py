"""How the evaluator settles a value several rules set: lex specialis, agreement, conflict."""

import shutil
from pathlib import Path

import pytest

from editor_support import MINI, MINI_CONTRACT
from salesops_rules import load_policy

EVENT = MINI_CONTRACT


def _policy(tmp_path: Path, rules: str):  # type: ignore[no-untyped-def]
    folder = tmp_path / "policy"
    shutil.copytree(MINI, folder)
    (folder / "rules.yaml").write_text(rules, encoding="utf-8")
    return load_policy(folder)


def _rule(rule_id: str, ratio: str, exception_to: str = "") -> str:
    extra = f"\n    exception_to: [{exception_to}]" if exception_to else ""
    return f"""
  - id: {rule_id}
    on: contract
    cite: {{article: 24}}{extra}
    then:
      values: {{deposit_ratio: {ratio}}}
"""


def test_the_specific_rule_prevails(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "rules:" + _rule("general", "0.20") + _rule("specific", "0.30", "general"))
    decision = policy.evaluate(EVENT)
    assert str(decision.values["deposit_ratio"]) == "0.30"
    assert [o.code for o in decision.obligations] == []


def test_rules_that_agree_give_the_value(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "rules:" + _rule("one", "0.30") + _rule("two", "0.30"))
    assert str(policy.evaluate(EVENT).values["deposit_ratio"]) == "0.30"


@pytest.mark.parametrize(
    ("rules", "reason"),
    [
        (_rule("one", "0.20") + _rule("two", "0.30"), "rules one, two disagree on `deposit_ratio`"),
        (
            _rule("one", "0.20", "two") + _rule("two", "0.30", "one"),
            "rules one, two are exceptions to each other on `deposit_ratio`",
        ),
    ],
    ids=["disagree", "mutual-exceptions"],
)
def test_a_conflict_is_referred_never_guessed(tmp_path: Path, rules: str, reason: str) -> None:
    decision = _policy(tmp_path, "rules:" + rules).evaluate(EVENT)
    assert "deposit_ratio" not in decision.values
    referrals = [o for o in decision.obligations if o.code == "refer_to_general_manager"]
    assert [o.message_en for o in referrals] == [f"{reason}; the general manager decides"]
    assert referrals[0].cite.label == "第三十九条"
    assert decision.verdict == "pending"
