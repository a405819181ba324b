"""The single-event decisions of the ledger's own kinds, 第十四、十九条 (policy/ledger.yaml), by hand."""

from __future__ import annotations

import re
from typing import Any

from . import reading as read
from .deciding import Step, cite, entry, finish, judge, message

REPORT_FIELDS = frozenset(("kind", "id", "date", "employee", "month", "approvals"))
REVIEW_FIELDS = frozenset(
    ("kind", "id", "date", "employee", "month", "reviewers", "reported_to_general_manager")
)
MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
# 第十四条: the clerk signs the customer archive, the supervisor after.
SIGNATURES: tuple[Step, ...] = (
    (("clerk",), "sign", (14, None), False, (), False, False),
    (("logistics_supervisor",), "sign", (14, None), False, (0,), False, False),
)
SEND_REPORT = message("internal-review.report", "send_review_report")


def _month(value: Any) -> None:
    if value is not None and not (isinstance(value, str) and MONTH.match(value)):
        raise read.BadEventError("$.month", f"`{value}` is not a month such as `2011-12`")


def decide_customer_archive_report(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "customer_archive_report", REPORT_FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    read.event_day(event)
    _month(event.get("month"))
    records = read.records(event.get("approvals", ()))
    employee_id, _, salary = read.employee(event.get("employee"), needed=False)
    approvals = judge(SIGNATURES, records, frozenset((employee_id,)))
    return finish(event_id, "customer_archive_report", {}, approvals, [], [], salary, {(14, 0)})


def decide_internal_review(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "internal_review", REVIEW_FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    read.event_day(event)
    _month(event.get("month"))
    reviewers = event.get("reviewers", ())
    if not isinstance(reviewers, list | tuple) or not all(isinstance(r, str) for r in reviewers):
        raise read.BadEventError("$.reviewers", "must be a list of strings")
    reported = read.boolean(event.get("reported_to_general_manager", False), "$.reported_to_general_manager")
    _, _, salary = read.employee(event.get("employee"), needed=False)
    obligations = [] if reported else [entry("send_review_report", SEND_REPORT, cite(19))]
    return finish(event_id, "internal_review", {}, [], obligations, [], salary, {(19, 0)})
