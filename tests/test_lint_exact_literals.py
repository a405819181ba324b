"""Lint reads number literals as written: no float between the policy text and the analysis.

Issue 12: lint called `amount > 12345678901234567.89 and amount < 12345678901234567.91`
never true (both literals rounded through float to 1.2345678901234568e+16), yet the rule
fires on 12345678901234567.90.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from bundled_events import Contract
from salesops_rules import load_policy
from salesops_rules.core.scope import NUMBER, event_scope
from salesops_rules.tools.lint import lint_policy
from salesops_rules.tools.tables import conjunction

ROOT = Path(__file__).resolve().parent.parent
NARROW = "amount > 12345678901234567.89 and amount < 12345678901234567.91"
RULE = """\
rules:
  - id: test.narrow
    on: contract
    cite: {{article: 14}}
    when: "{when}"
    then:
      obligations:
        - code: test_duty
          message: {{zh: 测试, en: a test duty}}
"""


def _policy(tmp_path: Path, when: str) -> Path:
    root = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", root, ignore=shutil.ignore_patterns("tests"))
    (root / "zz-narrow.yaml").write_text(RULE.format(when=when), encoding="utf-8")
    return root


def _never_true(root: Path) -> list[str]:
    return [f.message for f in lint_policy(root) if f.check == "never-true" and f.rule == "test.narrow"]


def test_a_narrow_range_is_not_called_never_true_and_does_fire(tmp_path: Path) -> None:
    root = _policy(tmp_path, NARROW)
    assert _never_true(root) == []
    rule = next(r for r in load_policy(root).compiled.rules if r.id == "test.narrow")
    assert rule.when is not None
    assert rule.when({"amount": Decimal("12345678901234567.90")}) is True


def test_a_range_that_is_empty_exactly_is_still_found(tmp_path: Path) -> None:
    root = _policy(tmp_path, "amount > 12345678901234567.91 and amount < 12345678901234567.90")
    assert _never_true(root) == [
        "`when` can never be true: `amount > 12345678901234567.91` and `amount < 12345678901234567.90` "
        "exclude each other"
    ]


def test_conjunction_keeps_every_digit_written() -> None:
    cells = conjunction(NARROW, event_scope(Contract, {"deposit_ratio": NUMBER}))
    assert cells is not None
    assert [c.value for c in cells] == [Decimal("12345678901234567.89"), Decimal("12345678901234567.91")]
    assert all(type(c.value) is Decimal for c in cells)
