"""The sales-document decision of 第十二条 (policy/documents.yaml), by hand."""

from __future__ import annotations

from typing import Any

from . import reading as read
from .deciding import Step, cite, entry, finish, judge, message

FIELDS = frozenset(("kind", "id", "date", "employee", "prepared_by", "customer_request", "approvals"))
# The clerk who filled the document in signs it, then the supervisor.
SIGNATURES: tuple[Step, ...] = (
    (("clerk",), "sign", (12, None), False, (), False, True),
    (("logistics_supervisor",), "sign", (12, None), False, (0,), False, False),
)
CUSTOMER_REQUEST = message("sales-document.customer-request", "obtain_customer_request")


def decide_sales_document(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "sales_document", FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    day = read.event_day(event)
    prepared_by = read.text(read.required(event, "prepared_by"), "$.prepared_by")
    request = read.boolean(event.get("customer_request", False), "$.customer_request")
    records = read.records(event.get("approvals", ()))
    for i, (_, _, at, _) in enumerate(records):
        if at.date() < day:
            raise read.BadEventError(
                "$",
                f"`approvals[{i}].at` {at.isoformat()} is before the document's `date` {day.isoformat()}: "
                "nobody signs a document before it is filled in",
            )
    employee_id, _, salary = read.employee(event.get("employee"), needed=False)

    obligations = [] if request else [entry("obtain_customer_request", CUSTOMER_REQUEST, cite(12))]
    approvals = judge(SIGNATURES, records, frozenset((prepared_by, employee_id)), preparer=prepared_by)
    return finish(event_id, "sales_document", {}, approvals, obligations, [], salary, {(12, 0)})
