"""Legal notes (`legal_notes:`, policy/law.yaml): the format's errors, the decision, explain, lint, audit.

The regulation's cases (19.99% / 20% / 20.01% on both sides of 2021-01-01, the wage cap) are
in policy/tests/law.yaml and law-wages.yaml.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from audit_support import run_audit, write_jsonl
from salesops_rules import PolicyError, load_policy
from salesops_rules.audit.report import build, markdown
from salesops_rules.cli import main
from salesops_rules.render import explain

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
POLICY = load_policy()
FILE = "zz-law.yaml"
NOTE = """\
legal_notes:
  - id: test.big-contract-note
    on: contract
    effective_from: 2011-01-01
    law: {law: 《测试法》, article: 第一条, zh: 测试条文, en: a test article}
    when: "amount > 100000"
    figures:
      a_fifth: "round_money(amount * 0.20)"
    note: {zh: 测试提示, en: a test note}
"""


def policy_with(tmp_path: Path, old: str = "", new: str = "") -> Path:
    root = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, root, ignore=shutil.ignore_patterns("tests"))
    assert not old or NOTE.count(old) == 1
    (root / FILE).write_text(NOTE.replace(old, new), encoding="utf-8")
    return root


def broken(tmp_path: Path, old: str, new: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy(policy_with(tmp_path, old, new))
    return [f.render().replace(str(tmp_path / "policy") + "/", "") for f in caught.value.findings]


def contract(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "kind": "contract",
        "id": "HT-1",
        "date": "2021-03-01",
        "customer": {"id": "KH-1", "type": "new", "legal_form": "company"},
        "product_class": "custom",
        "amount": "10000.00",
        "prepared_by": "E-07",
    }
    return event | fields


def late_cash(salary: str | None = "3000.00") -> dict[str, Any]:
    return {
        "kind": "cash_receipt",
        "id": "XJ-1",
        "received_at": "2011-12-05T10:00:00",
        "amount": "800.00",
        "employee": {"id": "E-07", "role": "clerk", "monthly_salary": salary},
        "payment_slip": True,
        "handed_to_finance_at": "2011-12-06T09:00:00",
    }


# ---- the format ----


def test_the_note_as_written_loads_and_applies(tmp_path: Path) -> None:
    policy = load_policy(policy_with(tmp_path))
    decision = policy.evaluate(contract(amount="200000.00", deposit_paid="40000.00"))
    ours = [n for n in decision.legal_notes if n.id == "test.big-contract-note"]
    assert [(n.cite.law, n.cite.article, n.figures) for n in ours] == [
        ("《测试法》", "第一条", {"a_fifth": Decimal("40000.00")})
    ]
    assert [n.id for n in policy.evaluate(contract()).legal_notes if n.id.startswith("test.")] == []
    before = policy.evaluate(contract(amount="200000.00", date="2010-12-31")).legal_notes
    assert "test.big-contract-note" not in [n.id for n in before]  # not in force yet


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "on: contract",
            "on: contracts",
            "zz-law.yaml:3:5: error [test.big-contract-note]: unknown event kind `contracts`\n"
            "  help: did you mean `contract`?",
        ),
        (
            '    when: "amount > 100000"\n',
            '    when: "amout > 100000"\n',
            "zz-law.yaml:6:5: error [test.big-contract-note]: in `amout > 100000`: unknown name `amout`\n"
            "  help: did you mean `amount`?",
        ),
        (
            'a_fifth: "round_money(amount * 0.20)"',
            'a_fifth: "amount > 5"',
            "zz-law.yaml:8:7: error [test.big-contract-note]: "
            "`amount > 5` is a boolean, but number is needed here",
        ),
        (
            "    on: contract\n",
            "",
            "zz-law.yaml:2:5: error [test.big-contract-note]: "
            "a note with `when` or `figures` reads an event: name its kinds in `on`",
        ),
    ],
)
def test_a_broken_note_is_a_finding_with_its_place(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert broken(tmp_path, old, new) == [message]


def test_a_note_must_say_when_it_applies(tmp_path: Path) -> None:
    text = NOTE.split("    when:")[0] + "    note: {zh: 测试提示, en: a test note}\n"
    found = broken(tmp_path, NOTE, text)
    assert len(found) == 1
    assert "a legal note needs `when`, `figures` or `deduction_cap`" in found[0]


@pytest.mark.parametrize("cap", ["0", "1.5"])
def test_a_deduction_cap_is_a_share_of_the_pay(tmp_path: Path, cap: str) -> None:
    found = broken(tmp_path, '    when: "amount > 100000"\n', f"    deduction_cap: {cap}\n")
    assert len(found) == 1 and "deduction_cap" in found[0]


def test_a_note_id_shares_the_namespace_of_rules(tmp_path: Path) -> None:
    found = broken(tmp_path, "id: test.big-contract-note", "id: cash.same-day")
    assert len(found) == 1 and "duplicate rule id `cash.same-day`" in found[0]


# ---- decisions: notes, never changes of figures ----


def test_the_company_figures_stand_beside_the_note() -> None:
    decision = POLICY.evaluate(contract())
    assert decision.values["deposit_ratio"] == Decimal("0.50")
    assert decision.values["deposit_amount"] == Decimal("5000.00")
    dumped = decision.model_dump(mode="json")["legal_notes"]
    assert [(n["id"], n["cite"]["article"], n["figures"]) for n in dumped] == [
        (
            "law.deposit-cap-civil-code",
            "第五百八十六条",
            {"earnest_money": "2000.00", "above_earnest_cap": "3000.00"},
        )
    ]
    assert "超过部分不产生定金的效力" in dumped[0]["cite"]["text"]


def test_before_2021_the_guarantee_law_with_its_interpretation() -> None:
    notes = POLICY.evaluate(contract(date="2011-12-01")).legal_notes
    assert [(n.cite.article, [a.article for a in n.also]) for n in notes] == [
        ("第九十一条", ["第一百二十一条"])
    ]


def test_the_penalty_shows_the_monthly_cap_and_the_months_to_recover() -> None:
    decision = POLICY.evaluate(late_cash("3333.33"))
    (penalty,) = decision.penalties
    assert penalty.deduction_amount is not None
    assert (penalty.deduction_amount.min, penalty.deduction_amount.max) == (
        Decimal("3333.33"),
        Decimal("9999.99"),
    )
    assert penalty.deduction_cap_per_month == Decimal("666.67")  # 3333.33 × 20% half-up
    assert penalty.months_to_recover is not None
    assert (penalty.months_to_recover.min, penalty.months_to_recover.max) == (5, 15)
    assert [n.id for n in decision.legal_notes] == ["law.wage-deduction-cap"]
    assert decision.legal_notes[0].deduction_cap == Decimal("0.20")


# ---- explain, lint, the audit ----


def test_explain_shows_the_notes_in_both_languages() -> None:
    decision, trace = POLICY.trace(late_cash())
    zh = explain.lines(POLICY.compiled, decision, trace, "zh")
    start = zh.index("法律提示（国家法律，不改变本制度的数字）：")
    assert zh[start + 1].startswith("  《工资支付暂行规定》（劳部发〔1994〕489号）第十六条：从工资中扣款")
    assert "    未经允许当日现金没有上交财务：从工资中每月至多扣 600.00，扣完需 5-15 个月" in zh
    en = explain.lines(POLICY.compiled, *POLICY.trace(contract()), "en")
    start = en.index("Legal notes (national law; the figures above stand):")
    assert en[start + 1].endswith(
        "(the part that is earnest money = 2000.00, the part above the earnest-money cap = 3000.00)"
    )


def test_explain_leaves_the_section_out_without_notes() -> None:
    lines = explain.lines(POLICY.compiled, *POLICY.trace(contract(product_class="stock", amount="500")), "en")
    assert not any(line.startswith("Legal notes") for line in lines)


def test_lint_lists_the_notes_apart(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint"]) == 0
    out = capsys.readouterr().out.splitlines()
    notes = [line for line in out if ": note [law." in line]
    assert len(notes) == 3
    assert "law.yaml:" in notes[0] and "《中华人民共和国担保法》第九十一条" in notes[0]
    assert out[-1].endswith("0 errors, 1 warning; 3 legal notes")
    assert main(["lint", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [n["rule"] for n in data["legal_notes"]] == [
        "law.deposit-cap-guarantee-law",
        "law.deposit-cap-civil-code",
        "law.wage-deduction-cap",
    ]
    assert data["warnings"] == 1  # notes are not warnings


def test_the_audit_report_lists_the_notes_with_their_events(tmp_path: Path) -> None:
    events = [contract(id="HT-1", date="2011-12-01"), contract(id="HT-2", date="2011-12-02"), late_cash()]
    result = run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    assert result.totals.notes == {"law.deposit-cap-guarantee-law": 2, "law.wage-deduction-cap": 1}
    text = markdown(build(result, POLICY.compiled))
    assert "Legal notes: national law beside the regulation" in text
    assert "| `law.deposit-cap-guarantee-law` |" in text
    row = next(line for line in text.splitlines() if line.startswith("| `law.deposit-cap-guarantee-law`"))
    assert row.rstrip().endswith("| 2 |")


def test_an_assembled_entry_equals_a_validated_one() -> None:
    for decision in (POLICY.evaluate(contract()), POLICY.evaluate(late_cash())):
        for note in decision.legal_notes:
            assert note == type(note).model_validate(note.model_dump())
        for penalty in decision.penalties:
            assert penalty == type(penalty).model_validate(penalty.model_dump(by_alias=True))
