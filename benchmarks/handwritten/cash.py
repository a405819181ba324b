"""The cash-receipt decision of 第二十七至二十九条 with 第三十七条第（四）项 (policy/cash.yaml), by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import reading as read
from .deciding import Step, cite, entry, finish, judge, message

FIELDS = frozenset(
    (
        "kind",
        "id",
        "date",
        "employee",
        "received_at",
        "amount",
        "payment_slip",
        "handed_to_finance_at",
        "permission",
        "payment_form",
    )
)
FORMS = frozenset(("cash", "bank_transfer", "cheque", "bill", "other"))
# 未经允许: the supervisor or the general manager permits a later handover, by the end of the day of receipt.
PERMISSION: tuple[Step, ...] = (
    (("logistics_supervisor", "general_manager"), "permit", (37, 4), False, (), True, False),
)

FILL_SLIP = message("cash.payment-slip", "fill_payment_slip")
NOT_HANDED_OVER = message("cash.not-handed-over", "cash_not_handed_over")
DUE_TODAY = message("cash.not-handed-over", "hand_cash_to_finance_today")
STILL_HELD = message("cash.still-held", "hand_cash_to_finance")
SLIP_TO_FINANCE = message("cash.slip-to-finance", "hand_slip_to_finance")
SLIP_LATE = message("cash.slip-late", "other_breach")


def decide_cash_receipt(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "cash_receipt", FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    day = read.optional_date(event.get("date"), "$.date")
    received = read.timestamp(read.required(event, "received_at"), "$.received_at")
    read.positive_money(read.required(event, "amount"), "$.amount")
    employee_id, _, salary = read.employee(event.get("employee"), needed=True)
    slip = read.boolean(event.get("payment_slip", False), "$.payment_slip")
    handed = event.get("handed_to_finance_at")
    if handed is not None:
        handed = read.timestamp(handed, "$.handed_to_finance_at")
        if handed < received:
            raise read.BadEventError(
                "$",
                f"`handed_to_finance_at` {handed.isoformat()} is before `received_at` {received.isoformat()}",
            )
    permission = event.get("permission")
    records = () if permission is None else (read.record(permission, "$.permission"),)
    form = read.choice(event.get("payment_form", "cash"), FORMS, "$.payment_form")

    cited = {(27, 0), (28, 0)}
    obligations: list[dict[str, Any]] = []
    violations: list[dict[str, Any]] = []
    approvals: list[dict[str, Any]] = []
    # 第二十八条: a slip for every payment received, whatever its form.
    if not slip:
        obligations.append(entry("fill_payment_slip", FILL_SLIP, cite(28)))
    if form != "cash":
        # 第二十七、二十九条 speak of cash: the slip (with the instrument) reaches finance that day.
        if handed is None:
            obligations.append(entry("hand_slip_to_finance", SLIP_TO_FINANCE, cite(28)))
        elif slip and handed.date() > received.date():
            violations.append(entry("other_breach", SLIP_LATE, cite(28)))
        return finish(event_id, "cash_receipt", {}, approvals, obligations, violations, salary, cited)
    # 第二十七条: the same calendar day, in company time.
    same_day = handed is not None and handed.date() == received.date()
    # 第二十九条: late cash needs permission given in time; with it, the cash is still owed.
    if not same_day:
        cited.add((29, 0))
        approvals = judge(PERMISSION, records, frozenset((employee_id,)), received.date())
        if approvals[0]["satisfied"]:
            if handed is None:
                obligations.append(entry("hand_cash_to_finance", STILL_HELD, cite(29)))
        else:
            # Due by the end of the day of receipt; overdue once the event records a later time.
            deadline = dt.datetime.combine(received.date() + dt.timedelta(days=1), dt.time.min)
            # (an event's own `date`, when given, counts from its start)
            start = dt.datetime.combine(day, dt.time.min) if day is not None else received
            latest = max(
                [start, received, *(r[2] for r in records), *([handed] if handed is not None else [])]
            )
            if latest >= deadline:
                violations.append(entry("cash_not_handed_over", NOT_HANDED_OVER, cite(29)))
            else:
                due = entry("hand_cash_to_finance_today", DUE_TODAY, cite(29))
                obligations.append({**due, "deadline": deadline.isoformat()})
    values = {"cash_handed_over_same_day": same_day}
    return finish(event_id, "cash_receipt", values, approvals, obligations, violations, salary, cited)
