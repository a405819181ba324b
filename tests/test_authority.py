"""Who decides what the rules leave open (policy.yaml `authority`), and the two crashes of
issue 9: a referral in a pack with no 第三十九条, a step with no `cite` in a pack with no
第二十一条. Both now load and decide."""

import shutil
from pathlib import Path

import pytest
import yaml

from editor_support import MINI, MINI_CONTRACT
from salesops_rules import PolicyError, load_policy
from salesops_rules.tools import lint

EVENT = MINI_CONTRACT

# A table with no row for an amount over 10000: the rule is silent on the event above.
GAP = """
rules:
  - id: deposit
    on: contract
    cite: {article: 24}
    table:
      inputs: [amount]
      rows:
        - when: {amount: "<= 10000"}
          then: {values: {deposit_ratio: 0.30}}
"""

AUTHORITY = {
    "role": "general_manager",
    "cite": {"article": 39},
    "code": "refer_to_general_manager",
    "zh": "总经理",
    "en": "the general manager",
}


def _pack(
    tmp_path: Path,
    rules: str = GAP,
    authority: dict[str, object] | None = None,
    drop_articles: tuple[int, ...] = (),
    roles: str | None = None,
) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(MINI, folder)
    manifest = yaml.safe_load((folder / "policy.yaml").read_text(encoding="utf-8"))
    manifest.pop("authority", None)
    if authority is not None:
        manifest["authority"] = authority
    (folder / "policy.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    catalogue = yaml.safe_load((folder / "regulation.yaml").read_text(encoding="utf-8"))
    catalogue["articles"] = [a for a in catalogue["articles"] if a["article"] not in drop_articles]
    (folder / "regulation.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    (folder / "rules.yaml").write_text(rules, encoding="utf-8")
    if roles is not None:
        (folder / "roles.yaml").write_text(roles, encoding="utf-8")
    return folder


def test_a_silence_in_a_pack_without_article_39_and_authority_stays_undetermined(tmp_path: Path) -> None:
    # Once an AssertionError in the evaluator: the referral cited 第三十九条, which is not there.
    policy = load_policy(_pack(tmp_path, drop_articles=(39,)))
    assert policy.compiled.authority is None
    decision = policy.evaluate(EVENT)
    assert decision.verdict == "pending"
    assert [(o.code, o.cite.label) for o in decision.obligations] == [("undetermined", "第二十四条")]
    assert decision.obligations[0].message_en == (
        "第二十四条 states no `deposit_ratio` for this case; the policy names no one to decide it, "
        "so it stays undetermined"
    )
    assert (
        decision.obligations[0].message
        == "第二十四条对本事项的 `deposit_ratio` 未作规定，本规定未指定决定者，结论未定"
    )
    assert [c.label for c in decision.citations] == ["第二十四条"]


def test_a_pack_without_authority_says_so_at_load_and_in_lint(tmp_path: Path) -> None:
    folder = _pack(tmp_path, drop_articles=(39,))
    policy = load_policy(folder)
    assert [(Path(n.file).name, n.severity) for n in policy.compiled.notices] == [("policy.yaml", "warning")]
    found = [f for f in lint.lint_policy(folder) if f.check == "no-authority"]
    assert len(found) == 1 and found[0].help is not None
    assert not lint.has_errors(lint.lint_policy(folder))


def test_conflicting_rules_without_authority_are_undetermined_under_the_rule(tmp_path: Path) -> None:
    rules = """
rules:
  - id: one
    on: contract
    cite: {article: 24}
    then: {values: {deposit_ratio: 0.20}}
  - id: two
    on: contract
    cite: {article: 21}
    then: {values: {deposit_ratio: 0.30}}
"""
    decision = load_policy(_pack(tmp_path, rules, drop_articles=(39,))).evaluate(EVENT)
    assert [(o.code, o.cite.label, o.message_en) for o in decision.obligations] == [
        (
            "undetermined",
            "第二十四条",
            "rules one, two disagree on `deposit_ratio`; the policy names no one to decide it, "
            "so it stays undetermined",
        )
    ]
    assert "deposit_ratio" not in decision.values


def test_a_declared_authority_refers_in_its_own_words(tmp_path: Path) -> None:
    authority = {**AUTHORITY, "role": "logistics_supervisor", "code": "ask_the_supervisor"}
    authority.update(zh="后勤主管", en="the logistics supervisor", cite={"article": 21})
    decision = load_policy(_pack(tmp_path, authority=authority)).evaluate(EVENT)
    assert [(o.code, o.cite.label, o.message, o.message_en) for o in decision.obligations] == [
        (
            "ask_the_supervisor",
            "第二十一条",
            "第二十四条对本事项的 `deposit_ratio` 未作规定，由后勤主管决定（第二十一条）",
            "第二十四条 states no `deposit_ratio` for this case; the logistics supervisor decides",
        )
    ]


def test_the_authority_s_approval_settles_what_the_article_is_silent_on(tmp_path: Path) -> None:
    rules = (
        GAP
        + """
  - id: sign-off
    on: contract
    cite: {article: 21}
    then:
      approvals:
        - {role: general_manager, action: approve}
"""
    )
    policy = load_policy(_pack(tmp_path, rules, authority=AUTHORITY))
    record = {"role": "general_manager", "by": "M1", "at": "2011-12-01T10:00:00"}
    approved = policy.evaluate({**EVENT, "approvals": [record]})
    assert (approved.verdict, approved.obligations) == ("pass", [])
    assert [o.code for o in policy.evaluate(EVENT).obligations] == ["refer_to_general_manager"]
    # Without an authority nobody's approval settles it.
    bare = load_policy(_pack(tmp_path / "bare", rules, drop_articles=(39,)))
    assert [o.code for o in bare.evaluate({**EVENT, "approvals": [record]}).obligations] == ["undetermined"]


@pytest.mark.parametrize(
    ("change", "message", "help"),
    [
        (
            {"role": "general_manger"},
            "authority role `general_manger` is not declared in roles.yaml",
            "did you mean `general_manager`?",
        ),
        (
            {"cite": {"article": 40}},
            "article `40` is not in the catalogue",
            "the regulation has articles 1 to 39",
        ),
        (
            {"code": "Refer"},
            "authority code `Refer` is not lower_snake_case",
            "an obligation code is lowercase letters, digits and `_`, as `refer_to_authority`",
        ),
        (
            {"zh": " "},
            "`authority.zh` is empty",
            "write the authority as a sentence names it, in Chinese (`zh`) and in English (`en`)",
        ),
    ],
)
def test_a_bad_authority_is_refused_at_its_line(
    tmp_path: Path, change: dict[str, object], message: str, help: str
) -> None:
    folder = _pack(tmp_path, authority={**AUTHORITY, **change})
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    [finding] = [f for f in caught.value.findings if f.file.endswith("policy.yaml")]
    assert (Path(finding.file).name, finding.message, finding.help) == ("policy.yaml", message, help)
    text = (folder / "policy.yaml").read_text(encoding="utf-8").splitlines()
    key = next(iter(change))
    assert key in text[finding.line - 1]


NAMED_CHAIN_ROLES = """
roles:
  clerk: {zh: 文员, en: clerk}
  logistics_supervisor: {zh: 销售后勤主管, en: logistics supervisor}
  general_manager: {zh: 总经理, en: general manager}
chains:
  sign_off:
    steps:
      - {role: logistics_supervisor, action: review}
      - {role: general_manager, action: approve, cite: {article: 39}}
"""

CHAIN_RULES = """
rules:
  - id: sign-off
    on: contract
    cite: {article: 24}
    then:
      approvals: sign_off
      values: {deposit_ratio: 0.30}
"""


def test_a_named_chain_step_without_cite_takes_the_clause_of_the_rule_using_it(tmp_path: Path) -> None:
    # Once 第二十一条 by default, and an AssertionError in a pack without that article.
    folder = _pack(tmp_path, CHAIN_RULES, authority=AUTHORITY, drop_articles=(21,), roles=NAMED_CHAIN_ROLES)
    decision = load_policy(folder).evaluate(EVENT)
    assert [(a.role, a.cite.label) for a in decision.approvals] == [
        ("logistics_supervisor", "第二十四条"),
        ("general_manager", "第三十九条"),
    ]
    assert not lint.has_errors(lint.lint_policy(folder))


def test_two_rules_sharing_a_chain_with_an_uncited_step_agree(tmp_path: Path) -> None:
    rules = (
        CHAIN_RULES
        + """
  - id: sign-off-too
    on: contract
    cite: {article: 37, item: 1}
    then:
      approvals: sign_off
"""
    )
    folder = _pack(tmp_path, rules, authority=AUTHORITY, roles=NAMED_CHAIN_ROLES)
    decision = load_policy(folder).evaluate(EVENT)
    assert [o.code for o in decision.obligations] == []
    assert len(decision.approvals) == 2


def test_an_inline_step_without_cite_takes_its_rule_clause(tmp_path: Path) -> None:
    rules = """
rules:
  - id: inline
    on: contract
    cite: {article: 24}
    then:
      approvals:
        - {role: general_manager, action: approve}
      values: {deposit_ratio: 0.30}
"""
    decision = load_policy(_pack(tmp_path, rules, authority=AUTHORITY, drop_articles=(21,))).evaluate(EVENT)
    assert [(a.role, a.cite.label) for a in decision.approvals] == [("general_manager", "第二十四条")]
