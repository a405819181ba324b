"""The credit-sale decision of 第二十五、二十六条 with 第三十七条第（三）项 (policy/credit.yaml), by hand."""

from __future__ import annotations

from typing import Any

from . import reading as read
from .deciding import Step, cite, entry, finish, judge, message

FIELDS = frozenset(
    (
        "kind",
        "id",
        "date",
        "employee",
        "customer",
        "amount",
        "risk_assessment",
        "guaranteed_by",
        "approvals",
        "general_manager_away",
        "credit_given_at",
    )
)
# The general manager signs by the end of the sale's day; while away, a consent that day will do.
SIGNATURE: tuple[Step, ...] = ((("general_manager",), "sign", (26, None), False, (), True, False),)
CONSENT: tuple[Step, ...] = ((("general_manager",), "sign", (26, None), True, (), True, False),)

NO_ASSESSMENT = message("credit.risk-assessment", "unauthorised_credit")
COUNTERSIGN = message("credit.general-manager-away", "general_manager_countersign")
WITHOUT_APPROVAL = message("credit.without-approval", "unauthorised_credit")
BEFORE_APPROVAL = message("credit.approval-before-credit", "unauthorised_credit")


def decide_credit_sale(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "credit_sale", FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    day = read.event_day(event)
    read.customer(read.required(event, "customer"))
    read.positive_money(read.required(event, "amount"), "$.amount")
    assessed = read.boolean(event.get("risk_assessment", False), "$.risk_assessment")
    guarantor = read.optional_text(event.get("guaranteed_by"), "$.guaranteed_by")
    records = read.records(event.get("approvals", ()))
    away = read.boolean(event.get("general_manager_away", False), "$.general_manager_away")
    employee_id, _, salary = read.employee(event.get("employee"), needed=False)
    given = event.get("credit_given_at")
    given_at = None if given is None else read.timestamp(given, "$.credit_given_at")

    cited = {(26, 0)}
    values: dict[str, Any] = {}
    obligations: list[dict[str, Any]] = []
    violations: list[dict[str, Any]] = []
    # 第二十五条: the assessment is a condition of credit; a private guarantee puts the risk on the guarantor.
    if not assessed:
        cited.add((25, 0))
        violations.append(entry("unauthorised_credit", NO_ASSESSMENT, cite(25)))
    if guarantor is not None:
        cited.add((25, 0))
        values["risk_borne_by"] = guarantor
    # 第二十六条: every credit sale is signed by the general manager, or consented to while away (补签 after).
    approvals = judge(CONSENT if away else SIGNATURE, records, frozenset((employee_id,)), day)
    if away and not any(r[0] == "general_manager" and r[3] == "signed" for r in records):
        obligations.append(entry("general_manager_countersign", COUNTERSIGN, cite(26)))
    if not approvals[0]["satisfied"]:
        violations.append(entry("unauthorised_credit", WITHOUT_APPROVAL, cite(26)))
    elif given_at is not None and not any(r[0] == "general_manager" and r[2] <= given_at for r in records):
        # 同意后方可欠账: an approval recorded after the credit was given came too late.
        violations.append(entry("unauthorised_credit", BEFORE_APPROVAL, cite(26)))
    return finish(event_id, "credit_sale", values, approvals, obligations, violations, salary, cited)
