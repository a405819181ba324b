"""Effective dates: rules in force by the event's date, and the policy version the decision names.

The test policy is the shipped one amended from 2012-07-01 (custom goods: a 60% deposit
instead of 50%), with two editions declared in policy.yaml (tests/policies/deposit-60).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from editor_support import MINI, SHIPPED, assemble, contract, deposit_60
from salesops_rules import PolicyError, load_policy
from salesops_rules.tools import lint


@pytest.fixture(scope="module")
def amended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deposit_60(tmp_path_factory.mktemp("deposit-60") / "policy")


@pytest.mark.parametrize(
    ("date", "version", "ratio", "amount"),
    [
        # in force (policy.yaml `in_force`: 2011-11-30) but before the first edition: judged by the first
        ("2011-11-30", "2011-11", "0.50", "6000.00"),
        ("2012-06-30", "2011-11", "0.50", "6000.00"),
        ("2012-07-01", "2012-07", "0.60", "7200.00"),
        ("2013-01-15", "2012-07", "0.60", "7200.00"),
    ],
)
def test_custom_deposit_on_both_sides_of_the_change(
    amended: Path, date: str, version: str, ratio: str, amount: str
) -> None:
    decision = load_policy(amended).evaluate(contract(date)).model_dump(mode="json")
    assert decision["policy"] == {"name": "puguang-sales-logistics", "version": version}
    assert (decision["values"]["deposit_ratio"], decision["values"]["deposit_amount"]) == (ratio, amount)


def test_other_goods_keep_their_deposit_after_the_change(amended: Path) -> None:
    policy = load_policy(amended)
    for product_class, ratio in (("stock", "0.30"), ("made_to_order", "0.30")):
        decision = policy.evaluate(contract("2012-08-01", product_class)).model_dump(mode="json")
        assert decision["values"]["deposit_ratio"] == ratio
        assert decision["policy"]["version"] == "2012-07"


def test_the_trace_says_the_amendment_was_not_in_force(amended: Path) -> None:
    _, before = load_policy(amended).trace(contract("2012-06-30"))
    _, after = load_policy(amended).trace(contract("2012-07-01"))
    status = {n.rule: (n.status, n.overridden_by) for n in before}
    assert status["contract.custom-deposit-2012"] == ("not_in_force", None)
    status = {n.rule: (n.status, n.overridden_by) for n in after}
    assert status["contract.custom-deposit-2012"] == ("applied", None)
    assert status["contract.payment-terms"] == ("applied", "contract.custom-deposit-2012")


def test_without_versions_every_decision_names_the_one_version() -> None:
    policy = load_policy(SHIPPED)
    for date in ("2011-01-01", "2030-01-01"):
        assert policy.evaluate(contract(date)).policy.version == policy.version


def test_the_amended_policy_lints_clean_of_date_warnings(amended: Path) -> None:
    findings = lint.lint_policy(amended)
    assert not lint.has_errors(findings)
    assert [f.check for f in findings if f.check == "version-dates"] == []


def _manifest(tmp_path: Path, policy_section: str) -> Path:
    root = assemble(tmp_path / "p", MINI)
    values = "values:\n  deposit_ratio: {type: ratio, zh: 定金比例, en: deposit ratio}\n"
    (root / "policy.yaml").write_text(f"policy:\n{policy_section}{values}", encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            '  name: p\n  version: "b"\n  versions:\n'
            '    - {version: "a", effective_from: 2012-07-01}\n'
            '    - {version: "b", effective_from: 2012-01-01}\n',
            "`policy`: `versions` must be listed oldest first: `b` starts 2012-01-01, not after `a`",
        ),
        (
            '  name: p\n  version: "a"\n  versions:\n'
            '    - {version: "a", effective_from: 2012-01-01}\n'
            '    - {version: "b", effective_from: 2012-07-01}\n',
            "`policy`: `version` `a` must be the last (newest) of `versions`: `b`",
        ),
        (
            '  name: p\n  version: "a"\n  versions:\n'
            '    - {version: "a", effective_from: 2012-01-01}\n'
            '    - {version: "a", effective_from: 2012-07-01}\n',
            "`policy`: version `a` is listed twice in `versions`",
        ),
        (
            '  name: p\n  version: "a"\n  versions:\n    - {version: "a", effective_from: July}\n',
            "`policy.versions.0.effective_from`: `July` is not a date",
        ),
    ],
)
def test_bad_versions_are_refused_naming_the_file_and_line(
    tmp_path: Path, section: str, message: str
) -> None:
    root = _manifest(tmp_path, section)
    with pytest.raises(PolicyError) as caught:
        load_policy(root)
    (finding,) = caught.value.findings
    assert (Path(finding.file).name, finding.message) == ("policy.yaml", message)


def test_before_the_first_day_in_force_nothing_is_judged(amended: Path) -> None:
    decision = load_policy(amended).evaluate(contract("2011-11-29"))
    assert decision.values == {}
    assert [(o.code, o.cite.label) for o in decision.obligations] == [("policy_not_in_force", "第四十条")]
