"""The single-event decisions of 第三十四、三十五条 (policy/records.yaml), by hand."""

from __future__ import annotations

import re
from typing import Any

from . import reading as read
from .deciding import Step, cite, entry, finish, judge, message

BINDING_FIELDS = frozenset(
    ("kind", "id", "date", "employee", "month", "first_number", "last_number", "slips", "approvals")
)
FILING_FIELDS = frozenset(("kind", "id", "date", "employee", "period", "catalogue"))
MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
PERIOD = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")
# 第三十四条: the clerk signs the month's binding.
CLERK_SIGNS: tuple[Step, ...] = ((("clerk",), "sign", (34, None), False, (), False, False),)
LABEL = message("voucher-binding.labels", "label_voucher_binding")
CATALOGUE = message("document-filing.catalogue", "fill_filing_catalogue")


def decide_voucher_binding(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "voucher_binding", BINDING_FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    read.event_day(event)
    month = event.get("month")
    if month is not None and not (isinstance(month, str) and MONTH.match(month)):
        raise read.BadEventError("$.month", f"`{month}` is not a month such as `2011-12`")
    first = read.optional_text(event.get("first_number"), "$.first_number")
    last = read.optional_text(event.get("last_number"), "$.last_number")
    slips = read.count(event.get("slips"), "$.slips")
    records = read.records(event.get("approvals", ()))
    employee_id, _, salary = read.employee(event.get("employee"), needed=False)
    approvals = judge(CLERK_SIGNS, records, frozenset((employee_id,)))
    labelled = first is not None and last is not None and slips is not None
    obligations = [] if labelled else [entry("label_voucher_binding", LABEL, cite(34))]
    return finish(event_id, "voucher_binding", {}, approvals, obligations, [], salary, {(34, 0)})


def decide_document_filing(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "document_filing", FILING_FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    read.event_day(event)
    period = read.text(event.get("period"), "$.period")
    if not PERIOD.match(period):
        raise read.BadEventError("$.period", f"`{period}` is not a month, quarter or year")
    catalogue = read.boolean(event.get("catalogue", False), "$.catalogue")
    _, _, salary = read.employee(event.get("employee"), needed=False)
    obligations = [] if catalogue else [entry("fill_filing_catalogue", CATALOGUE, cite(35))]
    return finish(event_id, "document_filing", {}, [], obligations, [], salary, {(35, 0)})
