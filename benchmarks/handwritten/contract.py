"""The contract decision of 第十一、十四、二十一至二十四条 (policy/contracts.yaml), by hand."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import reading as read
from .deciding import CENT, Step, cite, entry, finish, judge, message

ZERO = Decimal(0)
THOUSAND, FIVE_THOUSAND, TEN_THOUSAND = Decimal(1000), Decimal(5000), Decimal(10000)
TWENTY, THIRTY, FIFTY = Decimal("0.20"), Decimal("0.30"), Decimal("0.50")

FIELDS = frozenset(
    (
        "kind",
        "id",
        "date",
        "employee",
        "customer",
        "product_class",
        "amount",
        "deposit_paid",
        "status",
        "prepared_by",
        "approvals",
        "collection_schedule",
        "customer_reported_at",
    )
)
INSTALMENT_FIELDS = frozenset(("due", "amount"))
PRODUCT_CLASSES = frozenset(("stock", "made_to_order", "custom"))
STATUSES = frozenset(("draft", "signed"))

# 第二十四条 where it speaks, else 第二十一条.
EXISTING_SMALL_STOCK: tuple[Step, ...] = (
    (("logistics_supervisor",), "approve", (24, None), False, (), False, False),
)
ABOVE_10000: tuple[Step, ...] = (
    (("logistics_supervisor",), "review", (21, None), False, (), False, False),
    (("general_manager",), "approve", (24, None), False, (0,), False, False),
)
GENERAL: tuple[Step, ...] = (
    (("logistics_supervisor",), "review", (21, None), False, (), False, False),
    (("general_manager",), "approve", (21, None), False, (0,), False, False),
)

COLLECT_DEPOSIT = message("contract.deposit-shortfall", "collect_deposit")
ATTACH_DOCUMENTS = message("contract.documents-missing", "attach_customer_documents")
COLLECTION_SCHEDULE = message("contract.collection-schedule", "collection_schedule")
SIGNED_WITHOUT_DOCUMENTS = message("contract.signed-without-documents", "other_breach")
SIGNED_WITHOUT_APPROVAL = message("contract.signed-without-approval", "contract_limit_exceeded")
SIGNED_WITHOUT_REVIEW = message("contract.signed-without-review", "other_breach")
REPORT_AT_ONCE = message("contract.report-at-once", "report_customer_at_once")
REPORTED_LATE = message("contract.reported-late", "other_breach")
# Worded by the engine when a table row leaves a value unstated (第三十九条).
NO_DEPOSIT_STATED = (
    "第二十四条对本事项的 `deposit_ratio` 未作规定，由总经理决定（第三十九条）",
    "第二十四条 states no `deposit_ratio` for this case; the general manager decides",
)


def _schedule_length(raw: Any, amount: Decimal) -> int:
    if not isinstance(raw, list | tuple):
        raise read.BadEventError("$.collection_schedule", "must be a list")
    total = ZERO
    for i, instalment in enumerate(raw):
        path = f"$.collection_schedule[{i}]"
        instalment = read.fields(instalment, INSTALMENT_FIELDS, path)
        read.date(instalment.get("due"), f"{path}.due")
        total += read.positive_money(instalment.get("amount"), f"{path}.amount")
    if total > amount:
        raise read.BadEventError(
            "$.collection_schedule", f"totals {total}, more than the contract amount {amount}"
        )
    return len(raw)


def decide_contract(event: dict[str, Any]) -> dict[str, Any]:
    """The decision on one contract event, as JSON content; raises ValueError naming the field."""
    event = read.event_fields(event, "contract", FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    day = read.event_day(event)
    customer_type, legal_form, documents, sealed, customer = read.customer(read.required(event, "customer"))
    product_class = read.choice(event.get("product_class"), PRODUCT_CLASSES, "$.product_class")
    amount = read.positive_money(read.required(event, "amount"), "$.amount")
    deposit_paid = read.money(event.get("deposit_paid", 0), "$.deposit_paid")
    signed = read.choice(event.get("status", "draft"), STATUSES, "$.status") == "signed"
    prepared_by = read.text(event.get("prepared_by"), "$.prepared_by")
    records = read.records(event.get("approvals", ()))
    scheduled = _schedule_length(event.get("collection_schedule", ()), amount)
    employee_id, _, salary = read.employee(event.get("employee"), needed=False)
    reported = event.get("customer_reported_at")
    reported_at = None if reported is None else read.timestamp(reported, "$.customer_reported_at")

    cited = {(11, 0), (14, 0), (21, 0), (22, 0), (23, 0), (24, 0)}
    obligations: list[dict[str, Any]] = []
    violations: list[dict[str, Any]] = []

    # 第十一条
    values: dict[str, Any] = {"contract_required": product_class == "custom" or amount >= THOUSAND}
    # 第二十四条: deposit and payment on delivery, by customer, goods and amount.
    over = amount > TEN_THOUSAND
    ratio: Decimal | None
    deposit_stated = True
    if product_class == "custom":
        ratio = FIFTY
    elif product_class == "made_to_order":
        ratio = THIRTY
    elif customer_type == "new":
        ratio = THIRTY if over else TWENTY
    else:
        ratio, deposit_stated = None, not over  # existing, stock: none asked up to 10000, unstated above
    if ratio is not None:
        deposit = (amount * ratio).quantize(CENT, rounding=ROUND_HALF_UP)
        values["deposit_ratio"] = str(ratio)
        values["deposit_amount"] = str(deposit)
        values["deposit_shortfall"] = str(max(deposit - deposit_paid, ZERO).quantize(CENT))
        if deposit_paid < deposit:
            obligations.append(entry("collect_deposit", COLLECT_DEPOSIT, cite(24)))
    values["payment_on_delivery"] = over
    # 第十四条: a signed sale of 5000 or more is reported the same day (立时上报); its rules come
    # first in the policy's plan, so its obligation and violation lead the lists.
    values["report_immediately"] = amount >= FIVE_THOUSAND
    if signed and amount >= FIVE_THOUSAND:
        if reported_at is None:
            obligations.insert(0, entry("report_customer_at_once", REPORT_AT_ONCE, cite(14)))
        elif reported_at.date() > day:
            violations.insert(0, entry("other_breach", REPORTED_LATE, cite(14)))

    # 第二十二条
    if legal_form == "company":
        complete = (
            "business_licence" in documents
            and "organisation_code" in documents
            and "tax_registration" in documents
            and sealed
        )
    else:
        complete = (
            "id_card_front" in documents
            and "id_card_back" in documents
            and customer.get("address") is not None
            and customer.get("phone") is not None
            and customer.get("contact") is not None
        )
    values["customer_documents_complete"] = complete
    if not complete:
        obligations.append(entry("attach_customer_documents", ATTACH_DOCUMENTS, cite(22)))
        if signed:
            violations.append(entry("other_breach", SIGNED_WITHOUT_DOCUMENTS, cite(22)))
    # 第二十三条
    if scheduled == 0:
        obligations.append(entry("collection_schedule", COLLECTION_SCHEDULE, cite(23)))

    # 第二十一条 and 第二十四条: who approves, and whether the records show it.
    if customer_type == "existing" and product_class == "stock" and not over:
        chain = EXISTING_SMALL_STOCK
    else:
        chain = ABOVE_10000 if over else GENERAL
    approvals = judge(chain, records, frozenset((prepared_by, employee_id)))
    if signed and not all(a["satisfied"] for a in approvals):
        # With the general manager's signed approval, a missing review is a procedural breach.
        if any(r[0] == "general_manager" and r[3] == "signed" for r in records):
            violations.append(entry("other_breach", SIGNED_WITHOUT_REVIEW, cite(21)))
        else:
            violations.append(entry("contract_limit_exceeded", SIGNED_WITHOUT_APPROVAL, cite(21)))
    # 第三十九条: the article states no deposit; the general manager's approval decides it.
    if not deposit_stated:
        cited.add((39, 0))
        if not any(a["satisfied"] and a["role"] == "general_manager" for a in approvals):
            obligations.append(entry("refer_to_general_manager", NO_DEPOSIT_STATED, cite(39)))
    return finish(event_id, "contract", values, approvals, obligations, violations, salary, cited)
