"""Issue 12's hostile policies: each refused at load with its whole message, never a traceback.

The corpus is `tests/hostile_policies.py` (one case per failure mode); `lint` must report
the same findings as the loader, since it is the reload gate editors run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hostile_policies import CASES, Hostile, make_policy
from salesops_rules import PolicyError, load_policy
from salesops_rules.engine.lint import lint_policy

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="positions of flow nesting are libyaml's")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_policy_is_refused_with_its_place(tmp_path: Path, case: Hostile) -> None:
    path = make_policy(tmp_path / "policy", case)
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "policy")
    count = len(case.expected)
    head = f"policy does not load: {count} error{'s' if count != 1 else ''}"
    assert caught.value.message == "\n".join([head, *(f"{path}:{line}" for line in case.expected)])


@pytest.mark.parametrize(
    "name", ["binary-tag-hides-an-expression", "billion-laughs", "days-between-numbers", "fifo"]
)
def test_lint_reports_what_the_loader_reports(tmp_path: Path, name: str) -> None:
    case = next(c for c in CASES if c.name == name)
    path = make_policy(tmp_path / "policy", case)
    findings = lint_policy(tmp_path / "policy")
    assert [f"{f.render()}" for f in findings] == [f"{path}:{line}" for line in case.expected]
    assert {f.check for f in findings} == {"load"}
