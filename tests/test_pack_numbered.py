"""A pack numbered 四、2., with no authority, a named chain step without `cite`, a fine in
yuan, alternatives and a bonus as a share of sales (tests/packs/numbered): it loads, lints
without an error, decides, and every label, explanation and report line is in its terms."""

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from audit_support import run_audit, write_jsonl
from salesops_rules import load_policy
from salesops_rules.audit.report import build, markdown
from salesops_rules.cli import main
from salesops_rules.core.evaluator import evaluate
from salesops_rules.render.explain import lines
from salesops_rules.tools import lint
from salesops_rules.tools.article_coverage import coverage
from salesops_rules.tools.diff import compare

PACK = Path(__file__).parent / "packs" / "numbered"
POLICY = load_policy(PACK)


def sale(amount: str, order_type: str = "standard", eid: str = "S-1") -> dict[str, Any]:
    return {
        "kind": "sale",
        "id": eid,
        "date": "2011-12-01",
        "order_type": order_type,
        "amount": amount,
        "recorded_by": "E1",
        "employee": {"id": "E1", "role": "sales_clerk", "monthly_salary": "3000"},
    }


def test_the_pack_lints_without_an_error_and_says_it_has_no_authority() -> None:
    findings = lint.lint_policy(PACK)
    assert not lint.has_errors(findings), [f.render() for f in findings]
    # The deposit table leaves special orders open, on purpose: what it is silent on stays undetermined.
    assert [f.check for f in findings] == ["no-authority", "table-gap"]
    assert "left undetermined (the pack declares no `authority`)" in (findings[1].help or "")


def test_labels_follow_the_catalogue_s_numbering() -> None:
    decision = POLICY.evaluate(sale("60000.50"))
    assert [c.label for c in decision.citations] == ["二、1.", "二、2.", "三、1.", "四、1."]
    assert decision.citations[1].text == "奖励机制：2.定金按订单分类确定。"
    assert [a.cite.label for a in decision.approvals] == ["三、1.", "四、1."]  # the first step: the rule's
    rows = {row.label: row.status for row in coverage(POLICY.compiled)}
    assert rows == {"一、": "non_computable", "二、": "enforced", "三、": "enforced", "四、": "enforced"}


def test_a_fine_in_yuan_and_a_bonus_as_a_share_of_sales() -> None:
    decision = POLICY.evaluate(sale("60000.50"))
    assert decision.verdict == "fail"
    dumped = [p.model_dump(mode="json") for p in decision.penalties]
    assert dumped[0] == {
        "sanction": "fine",
        "for": "over_limit",
        "deduction_months": None,
        "deduction_amount": None,
        "cite": {"article": 3, "item": 1, "label": "三、1."},
        "requires_determination": False,
        "deduction_cap_per_month": None,
        "months_to_recover": None,
        "fine_yuan": {"min": "50.00", "max": "200.00"},
    }
    bonus = decision.penalties[1]
    assert (bonus.for_, bonus.sanction, bonus.bonus_ratio, bonus.bonus_of) == (
        "sales_bonus_due",
        "sales_bonus",
        Decimal("0.02"),
        "sales_amount",
    )
    assert bonus.bonus_amount == Decimal("1200.01")  # 1200.010 exactly


def test_a_bonus_share_rounds_half_up_to_the_fen() -> None:
    [bonus] = POLICY.evaluate(sale("100.25")).penalties  # 2% of 100.25 is 2.005
    assert str(bonus.bonus_amount) == "2.01"
    [bonus] = POLICY.evaluate(sale("100.24")).penalties  # 2.0048
    assert str(bonus.bonus_amount) == "2.00"


def test_alternatives_and_a_sanction_set_by_a_person() -> None:
    decision = POLICY.evaluate(sale("120000", "special"))
    by_code = {p.for_: p.model_dump(mode="json") for p in decision.penalties}
    assert by_code["rule_breach"]["sanction"] == "one_of"
    assert by_code["rule_breach"]["alternatives"] == [{"sanction": "fine"}, {"sanction": "discipline"}]
    assert by_code["rule_breach"]["requires_determination"] is True
    assert by_code["disorder_caused"]["alternatives"] == [{"sanction": "demotion"}, {"sanction": "transfer"}]


def test_what_the_rules_leave_open_stays_undetermined_under_the_silent_clause() -> None:
    decision = POLICY.evaluate(sale("100", "special"))
    [open_case] = [o for o in decision.obligations if o.code == "undetermined"]
    assert open_case.cite.label == "二、2."
    assert "deposit_ratio" not in decision.values


def test_explain_words_an_undetermined_case() -> None:
    trace: list[Any] = []
    decision = evaluate(POLICY.compiled, sale("100", "special"), trace)
    assert any(
        line.startswith("  结论未定（无人受权决定）：二、2.对本事项的 定金比例 未作规定，本规定未指定决定者")
        for line in lines(POLICY.compiled, decision, trace, "zh")
    )
    assert any(
        line.startswith("  undetermined (no one is named to decide): 二、2. states no deposit ratio")
        for line in lines(POLICY.compiled, decision, trace, "en")
    )


def test_explain_words_every_sanction_in_the_pack_s_terms() -> None:
    trace: list[Any] = []
    decision = evaluate(POLICY.compiled, sale("120000.50", "special"), trace)
    zh = lines(POLICY.compiled, decision, trace, "zh")
    en = lines(POLICY.compiled, decision, trace, "en")
    assert any(line.startswith("  三、1.：罚款 50.00 至 200.00 元 — ") for line in zh)
    assert any(line.startswith("  三、2.：以下之一：罚款；纪律处分（须经认定） — ") for line in zh)
    assert any(line.startswith("  三、3.: one of: demotion; a transfer — ") for line in en)
    assert any(line.startswith("  二、1.: a sales bonus of 2% of ") and "(2400.01)" in line for line in en)


def test_the_audit_report_words_the_sanctions_and_has_no_dismissal_grade(tmp_path: Path) -> None:
    ledger = write_jsonl(
        tmp_path / "ledger.jsonl", [sale("60000", eid="S-1"), sale("120000", "special", "S-2")]
    )
    result = run_audit(ledger, tmp_path / "out", POLICY)
    zh = markdown(build(result, POLICY.compiled, "zh"))
    en = markdown(build(result, POLICY.compiled, "en"))
    assert "第三十八条" not in zh + en
    assert "本规定没有含解聘的处罚，此处不列违规。" in zh
    assert "罚款 50.00 至 200.00 元" in zh
    assert "one of: demotion; a transfer" in en


def test_diff_shows_a_changed_fine_and_the_alternatives(tmp_path: Path) -> None:
    changed = tmp_path / "pack"
    shutil.copytree(PACK, changed)
    penalties = changed / "penalties.yaml"
    penalties.write_text(
        penalties.read_text(encoding="utf-8").replace("fine_yuan: [50, 200]", "fine_yuan: [100, 300]"),
        encoding="utf-8",
    )
    event = sale("120000", "special")
    [change] = compare(POLICY.evaluate(event), load_policy(changed).evaluate(event))
    assert change.field == "penalties"
    assert "fine 50.00-200.00 yuan for over_limit" in change.old
    assert "fine 100.00-300.00 yuan for over_limit" in change.new
    assert "fine or discipline for rule_breach" in change.new
    assert "sales_bonus 0.02 of sales_amount = 2400.00 for sales_bonus_due" in change.new


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=10**11))
def test_a_bonus_share_is_the_value_times_the_ratio_rounded_half_up(cents: int) -> None:
    amount = Decimal(cents) / 100
    [bonus] = [p for p in POLICY.evaluate(sale(f"{amount:.2f}", eid="S-9")).penalties if p.bonus_ratio]
    exact = amount * Decimal("0.02")
    assert bonus.bonus_amount == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert abs(bonus.bonus_amount - exact) <= Decimal("0.005")


def test_a_command_on_the_pack_says_on_stderr_that_it_has_no_authority(capsys: Any) -> None:
    assert main(["--policy", str(PACK), "--no-cache", "coverage"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(f"{PACK}/policy.yaml:5:1: warning: no `authority`")
    assert "二、  enforced" in captured.out
