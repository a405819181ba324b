"""The receivable decision of 第十六条 with 第三十七条第（七）项 (policy/receivables.yaml), by hand."""

from __future__ import annotations

from typing import Any

from . import reading as read
from .deciding import CENT, Step, cite, entry, finish, judge, message

FIELDS = frozenset(
    (
        "kind",
        "id",
        "date",
        "employee",
        "customer_id",
        "amount",
        "due",
        "paid",
        "customer_notified_at",
        "reported_to_general_manager_at",
        "settled_by",
        "approvals",
    )
)
# 无权自行作出处理: the general manager decides how a receivable is settled.
SETTLEMENT: tuple[Step, ...] = ((("general_manager",), "approve", (16, None), False, (), False, False),)
REPORT_WITHIN_DAYS = 3  # 及时: by the end of the 3rd calendar day after the due date

NOTIFY = message("receivable.notify-before-due", "notify_customer_of_payment_due")
NOT_NOTIFIED = message("receivable.not-notified-in-advance", "other_breach")
REPORT = message("receivable.report-overdue", "report_overdue_to_general_manager")
REPORTED_LATE = message("receivable.report-late", "other_breach")
SETTLED_ALONE = message("receivable.settled-without-decision", "other_breach")


def _stamp_by(event: dict[str, Any], name: str, day: Any) -> Any:
    """An optional timestamp that cannot be after the event's day: the event records what happened by then."""
    value = event.get(name)
    if value is None:
        return None
    stamp = read.timestamp(value, f"$.{name}")
    if stamp.date() > day:
        raise read.BadEventError(
            "$",
            f"`{name}` {stamp.isoformat()} is after the event's `date` {day.isoformat()}: "
            "the event records what happened by its date",
        )
    return stamp


def decide_receivable(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "receivable", FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    day = read.event_day(event)
    read.text(read.required(event, "customer_id"), "$.customer_id")
    amount = read.positive_money(read.required(event, "amount"), "$.amount")
    due = read.date(read.required(event, "due"), "$.due")
    paid = read.money(event.get("paid", 0), "$.paid")
    employee_id, _, salary = read.employee(event.get("employee"), needed=False)
    if paid > amount:
        raise read.BadEventError("$", f"`paid` {paid} is more than the `amount` due {amount}")
    notified = _stamp_by(event, "customer_notified_at", day)
    reported = _stamp_by(event, "reported_to_general_manager_at", day)
    settled_by = event.get("settled_by")
    if settled_by is not None:
        read.text(settled_by, "$.settled_by")
        if employee_id is not None and settled_by != employee_id:
            raise read.BadEventError(
                "$",
                f"`settled_by` `{settled_by}` is not the judged `employee` `{employee_id}`: "
                "a settlement is judged as the conduct of who made it",
            )
    records = read.records(event.get("approvals", ()))

    owed = paid < amount
    overdue = day > due and owed
    values: dict[str, Any] = {"amount_outstanding": str((amount - paid).quantize(CENT)), "overdue": overdue}
    obligations = []
    violations = []
    approvals: list[dict[str, Any]] = []
    # 提前告知: the customer is told on a day before the due date.
    if day < due and owed and notified is None:
        obligations.append(entry("notify_customer_of_payment_due", NOTIFY, cite(16)))
    if day >= due and owed and (notified is None or notified.date() >= due):
        violations.append(entry("other_breach", NOT_NOTIFIED, cite(16)))
    # 书面报告总经理: at once, and late after the 3rd day past the due date.
    if overdue:
        values["days_overdue"] = (day - due).days
        if reported is None:
            obligations.append(entry("report_overdue_to_general_manager", REPORT, cite(16)))
        if ((day if reported is None else reported.date()) - due).days > REPORT_WITHIN_DAYS:
            violations.append(entry("other_breach", REPORTED_LATE, cite(16)))
    # 无权自行作出处理
    if settled_by is not None:
        approvals = judge(SETTLEMENT, records, frozenset((employee_id,)))
        if not approvals[0]["satisfied"]:
            violations.append(entry("other_breach", SETTLED_ALONE, cite(16)))
    return finish(event_id, "receivable", values, approvals, obligations, violations, salary, {(16, 0)})
