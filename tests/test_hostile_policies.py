"""Issue 12's hostile policies: each refused at load with its whole message, never a traceback.

The corpus is `tests/hostile_policies.py` (one case per failure mode); `lint` must report
the same findings as the loader, since it is the reload gate editors run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from hostile_policies import CASES, POLICY_DIR, Hostile, make_policy
from salesops_rules import PolicyError, load_policy
from salesops_rules.core.approvals import MAX_CYCLES
from salesops_rules.tools.lint import lint_policy

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


def test_invented_roles_ordered_every_way_are_refused_listing_a_few_cycles(tmp_path: Path) -> None:
    # 12 roles, each pair ordered both ways by two chains: some 10^8 cycles, once listed one
    # by one. The pack declares its roles (issue 9), so these are roles; the cycles are the
    # error, and only the first few are listed.
    root = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, root, ignore=shutil.ignore_patterns("tests"))
    roles = [f"r{i:02d}" for i in range(12)]
    text = (root / "roles.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "roles:\n", "roles:\n" + "".join(f"  {r}: {{zh: 角色, en: a role}}\n" for r in roles), 1
    )
    chains = "".join(
        f"  c_{a}_{b}:\n    steps:\n"
        f"      - {{role: {a}, action: review}}\n      - {{role: {b}, action: approve}}\n"
        for a in roles
        for b in roles
        if a != b
    )
    (root / "roles.yaml").write_text(text.replace("chains:\n", "chains:\n" + chains, 1), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(root)
    messages = [f.message for f in caught.value.findings]
    assert len(messages) == MAX_CYCLES
    assert all(m.startswith("approval chains c_r") and " order roles in a cycle: r" in m for m in messages)


def test_did_you_mean_stops_past_its_budget(tmp_path: Path) -> None:
    # Each unknown `exception_to` compared with every rule id: 0.2 s a finding at 20,000
    # rules. Past a budget per load, findings come without the suggestion.
    root = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, root, ignore=shutil.ignore_patterns("tests"))
    rules = "".join(
        f"  - {{id: test.r-{i:04d}, on: contract, cite: {{article: 14}}, exception_to: [test.r-{i:04d}x],"
        f" when: 'amount > {i}', then: {{obligations: [{{code: t, message: {{zh: 测试, en: x}}}}]}}}}\n"
        for i in range(1000)
    )
    (root / "zz-many.yaml").write_text("rules:\n" + rules, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(root)
    findings = caught.value.findings
    assert len(findings) == 1000
    assert findings[0].message == "`exception_to` names unknown rule `test.r-0000x`"
    assert findings[0].help == "did you mean `test.r-0000`?"
    assert findings[-1].message == "`exception_to` names unknown rule `test.r-0999x`"
    assert findings[-1].help is None
