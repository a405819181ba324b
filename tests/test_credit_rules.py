"""Credit sales, 第二十五、二十六条: the general manager signs every one, whatever the amount.

Boundary cases are data in `policy/tests/credit.yaml`; here, properties over amounts and
the consent-then-signature (补签) sequence, and the load-time checks of `signed_by`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_rules import Finding, Policy, PolicyError, load_policy
from test_penalties_chain import copy_policy

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
SIGNED = {"role": "general_manager", "by": "E-01", "at": "2011-12-05T10:00:00"}
CONSENT = {**SIGNED, "mode": "consent"}
LATER = {"role": "general_manager", "by": "E-01", "at": "2011-12-20T09:00:00"}

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY_DIR)


def _credit(amount: Decimal, approvals: list[dict[str, Any]], away: bool = False) -> dict[str, Any]:
    return {
        "kind": "credit_sale",
        "id": "QK-1",
        "date": "2011-12-05",
        "customer": {"id": "KH-1", "type": "new", "legal_form": "individual"},
        "amount": str(amount),
        "risk_assessment": True,
        "approvals": approvals,
        "general_manager_away": away,
        "employee": {"id": "E-07", "role": "clerk", "monthly_salary": "3000.00"},
    }


@settings(max_examples=100, deadline=None)
@given(amount=amounts)
def test_every_amount_needs_the_general_manager(policy: Policy, amount: Decimal) -> None:
    unsigned = policy.evaluate(_credit(amount, []))
    assert [v.code for v in unsigned.violations] == ["unauthorised_credit"]
    assert [(a.role, a.action, a.satisfied) for a in unsigned.approvals] == [
        ("general_manager", "sign", False)
    ]
    signed = policy.evaluate(_credit(amount, [SIGNED]))
    assert signed.verdict == "pass"


@settings(max_examples=100, deadline=None)
@given(amount=amounts, records=st.lists(st.sampled_from([SIGNED, CONSENT, LATER]), max_size=3))
def test_while_away_consent_first_and_the_signature_closes_it(
    policy: Policy, amount: Decimal, records: list[dict[str, Any]]
) -> None:
    decision = policy.evaluate(_credit(amount, records, away=True))
    timely = any(r["at"] == SIGNED["at"] for r in records)  # consent or signature that day
    signed = any(r.get("mode", "signed") == "signed" for r in records)
    assert [v.code for v in decision.violations] == ([] if timely else ["unauthorised_credit"])
    assert [o.code for o in decision.obligations] == ([] if signed else ["general_manager_countersign"])


def test_the_countersign_obligation_cites_article_26(policy: Policy) -> None:
    decision = policy.evaluate(_credit(Decimal("0.01"), [CONSENT], away=True))
    (obligation,) = decision.obligations
    assert (obligation.code, obligation.cite.label) == ("general_manager_countersign", "第二十六条")
    assert (
        obligation.message_en
        == "the general manager consented while away; their signature must follow (补签)"
    )


# ---- signed_by, misused ----


def _with_unless(tmp_path: Path, unless: str) -> list[Finding]:
    folder = copy_policy(tmp_path)
    credit = folder / "credit.yaml"
    old = "unless: \"signed_by(approvals, 'general_manager')\""
    text = credit.read_text(encoding="utf-8")
    assert old in text
    credit.write_text(text.replace(old, f'unless: "{unless}"'), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    # Rules elsewhere that rely on the obligation may report its absence too; these tests
    # are about what credit.yaml itself is told.
    return [f for f in caught.value.findings if f.file.endswith("credit.yaml")]


def test_signed_by_reads_only_the_approval_records(tmp_path: Path) -> None:
    findings = _with_unless(tmp_path, "signed_by(guaranteed_by, 'general_manager')")
    assert [(f.rule, f.message, f.help) for f in findings] == [
        (
            "credit.general-manager-away",
            "in `signed_by(guaranteed_by, 'general_manager')`: "
            "`guaranteed_by`: `signed_by` reads the event's approval records",
            "write `signed_by(approvals, 'ROLE')`",
        )
    ]


def test_signed_by_needs_a_known_role(tmp_path: Path) -> None:
    findings = _with_unless(tmp_path, "signed_by(approvals, 'general_manger')")
    assert [(f.message, f.help) for f in findings] == [
        (
            "in `signed_by(approvals, 'general_manger')`: `'general_manger'` is not a role",
            "did you mean 'general_manager'? roles: `clerk`, `logistics_supervisor`, "
            "`general_manager`, `driver`, `finance`",
        )
    ]
