"""`ledger_rules:` through the one loader: every broken ledger rule is a finding with file:line.

Each test copies the shipped policy, writes `zz-ledger.yaml` with one ledger rule that
loads cleanly as written below, breaks exactly one thing in it, and checks the finding.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from salesops_rules import PolicyError, load_policy

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
FILE = "zz-ledger.yaml"
RULE = """\
ledger_rules:
  - id: test.shipment-notice
    cite: {article: 17}
    follow_up:
      from: {kind: contract, when: "status == 'signed'"}
      to: {kind: shipment}
      match_on: {from: id, to: consignee}
      within_days: 30
      replaces: [collection_schedule]
    late:
      obligations:
        - code: test_late
          message: {zh: 测试, en: a test finding}
    missing:
      violations:
        - code: other_breach
          message: {zh: 测试, en: a test finding}
"""


def policy_with(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, root, ignore=shutil.ignore_patterns("tests"))
    (root / FILE).write_text(text, encoding="utf-8")
    return root


def broken(tmp_path: Path, old: str, new: str) -> list[str]:
    assert RULE.count(old) == 1
    with pytest.raises(PolicyError) as caught:
        load_policy(policy_with(tmp_path, RULE.replace(old, new)))
    root = tmp_path / "policy"
    return [f.render().replace(f"{root}/", "") for f in caught.value.findings]


def test_the_rule_as_written_loads(tmp_path: Path) -> None:
    policy = load_policy(policy_with(tmp_path, RULE))
    rule = next(r for r in policy.compiled.ledger_rules if r.id == "test.shipment-notice")
    assert rule.follow_up is not None
    assert (rule.follow_up.source.kind, rule.follow_up.target.kind, rule.follow_up.within_days) == (
        "contract",
        "shipment",
        30,
    )
    assert [(f.category, f.code, f.cite.label) for f in rule.missing] == [
        ("violation", "other_breach", "第十七条")
    ]
    assert (rule.file.endswith(FILE), rule.line) == (True, 2)


def test_an_unknown_kind_is_named_with_a_suggestion(tmp_path: Path) -> None:
    assert broken(tmp_path, "to: {kind: shipment}", "to: {kind: shipments}") == [
        f"{FILE}:6:12: error [test.shipment-notice]: unknown event kind `shipments`\n"
        "  help: did you mean `shipment`?"
    ]


def test_a_match_field_the_kind_lacks_is_named(tmp_path: Path) -> None:
    assert broken(tmp_path, "to: consignee}", "to: consigne}") == [
        f"{FILE}:7:28: error [test.shipment-notice]: `shipment` has no field `consigne`\n"
        "  help: did you mean `consignee`?"
    ]


def test_match_fields_of_different_types_are_refused(tmp_path: Path) -> None:
    assert broken(tmp_path, "to: consignee}", "to: shipped_at}") == [
        f"{FILE}:7:7: error [test.shipment-notice]: `match_on` compares `id` (a string) with `shipped_at` "
        "(a datetime)\n"
        "  help: match two fields that hold the same thing, such as an event id and the field naming it"
    ]


def test_replaces_must_name_a_code_the_first_event_can_have(tmp_path: Path) -> None:
    found = broken(tmp_path, "replaces: [collection_schedule]", "replaces: [collection_schedul]")
    assert found == [
        f"{FILE}:9:18: error [test.shipment-notice]: `replaces` names `collection_schedul`, which no rule on "
        "`contract` emits\n  help: did you mean `collection_schedule`?"
    ]


def test_a_when_reading_a_decision_value_is_refused_with_why(tmp_path: Path) -> None:
    found = broken(tmp_path, "when: \"status == 'signed'\"", 'when: "approvals_satisfied"')
    assert found == [
        f"{FILE}:5:30: error [test.shipment-notice]: unknown name `approvals_satisfied`\n"
        "  help: a ledger rule reads the events' own fields; decision values belong to one event"
    ]


def test_late_needs_a_deadline(tmp_path: Path) -> None:
    assert broken(tmp_path, "      within_days: 30\n", "") == [
        f"{FILE}:2:5: error [test.shipment-notice]: `ledger_rules.0`: `late` needs a `follow_up` "
        "with `within_days`"
    ]


def test_a_violation_needs_a_penalty(tmp_path: Path) -> None:
    assert broken(tmp_path, "code: other_breach", "code: other_breech") == [
        f"{FILE}:16:11: error [test.shipment-notice]: violation `other_breech` has no penalty "
        "in penalties.yaml\n"
        "  help: did you mean `other_breach`?"
    ]


def test_an_article_marked_not_computable_cannot_be_cited(tmp_path: Path) -> None:
    found = broken(tmp_path, "cite: {article: 17}", "cite: {article: 8}")
    assert found == [
        f"{FILE}:3:5: error [test.shipment-notice]: 第八条 is marked `computable: false` in the catalogue\n"
        "  help: the catalogue says: general duty of confidentiality; no event of this system records a "
        "disclosure (a leak is reported as an incident under 第三十八条)"
    ]


def test_a_ledger_rule_id_shares_the_namespace_of_rules(tmp_path: Path) -> None:
    found = broken(tmp_path, "id: test.shipment-notice", "id: contract.general-approval")
    assert len(found) == 1
    assert found[0].startswith(f"{FILE}:2:5: error [contract.general-approval]: duplicate rule id ")


def test_an_unknown_key_is_a_finding(tmp_path: Path) -> None:
    found = broken(tmp_path, "      within_days: 30\n", "      within_day: 30\n")
    assert (
        found[0] == f"{FILE}:8:7: error [test.shipment-notice]: unknown key `within_day` at "
        "`ledger_rules.0.follow_up.within_day`"
    )


def test_group_by_needs_a_scope(tmp_path: Path) -> None:
    text = """\
ledger_rules:
  - id: test.per-clerk
    cite: {article: 14}
    expect: {kind: customer_archive_report, group_by: [employee.id]}
    missing:
      obligations: [{code: test_duty, message: {zh: 测试, en: a test duty}}]
"""
    with pytest.raises(PolicyError) as caught:
        load_policy(policy_with(tmp_path, text))
    assert [f.message for f in caught.value.findings] == [
        "`ledger_rules.0.expect`: `group_by` needs `scope`: the kinds whose events say which groups are due"
    ]
