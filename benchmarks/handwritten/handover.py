"""The handover decision of 第二十条 with 第三十七条第（七）项 (policy/handover.yaml), by hand."""

from __future__ import annotations

from typing import Any

from . import reading as read
from .deciding import Step, cite, entry, finish, judge, message

FIELDS = frozenset(
    ("kind", "id", "date", "employee", "reason", "successor", "completed", "last_day", "approvals")
)
REASONS = frozenset(("transfer", "departure"))
# 部门主管监交; the supervisor's own handover is supervised by the general manager (第三十九条).
SUPERVISOR: tuple[Step, ...] = (
    (("logistics_supervisor",), "supervise", (20, None), False, (), False, False),
)
GENERAL_MANAGER: tuple[Step, ...] = (
    (("general_manager",), "supervise", (39, None), False, (), False, False),
)

COMPLETE = message("handover.complete", "complete_handover")
NOT_DONE = message("handover.not-done-by-last-day", "other_breach")


def decide_handover(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "handover", FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    day = read.event_day(event)
    employee_id, role, salary = read.employee(event.get("employee"), needed=True)
    read.choice(read.required(event, "reason"), REASONS, "$.reason")
    successor = event.get("successor")
    if successor is not None:
        read.text(successor, "$.successor")
    completed = read.boolean(event.get("completed", False), "$.completed")
    last_day = read.optional_date(event.get("last_day"), "$.last_day")
    records = read.records(event.get("approvals", ()))
    if successor is not None and successor == employee_id:
        raise read.BadEventError(
            "$", f"`successor` `{successor}` is the `employee` who hands over: a handover needs two people"
        )
    if completed and successor is None:
        raise read.BadEventError(
            "$", "`completed` is true but no `successor` is named: a handover is made to someone"
        )

    obligations = [] if completed else [entry("complete_handover", COMPLETE, cite(20))]
    chain = GENERAL_MANAGER if role == "logistics_supervisor" else SUPERVISOR
    approvals = judge(chain, records, frozenset((employee_id,)))
    violations = []
    if last_day is not None and day > last_day and not (completed and approvals[0]["satisfied"]):
        violations.append(entry("other_breach", NOT_DONE, cite(20)))
    return finish(event_id, "handover", {}, approvals, obligations, violations, salary, {(20, 0)})
