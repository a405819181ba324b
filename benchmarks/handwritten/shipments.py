"""The shipment decision of 第十七条 (policy/shipments.yaml), by hand."""

from __future__ import annotations

from typing import Any

from . import reading as read
from .deciding import cite, entry, finish, message

FIELDS = frozenset(
    (
        "kind",
        "id",
        "date",
        "employee",
        "shipped_at",
        "logistics_mode",
        "consignee",
        "destination",
        "customer_notified",
    )
)
TRACKING_PLAN = message("shipment.tracking-plan", "complete_tracking_plan")
NOTIFY = message("shipment.notify-customer", "notify_customer")


def decide_shipment(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "shipment", FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    read.optional_date(event.get("date"), "$.date")
    read.timestamp(read.required(event, "shipped_at"), "$.shipped_at")
    mode = read.optional_text(event.get("logistics_mode"), "$.logistics_mode")
    consignee = read.optional_text(event.get("consignee"), "$.consignee")
    destination = read.optional_text(event.get("destination"), "$.destination")
    notified = read.boolean(event.get("customer_notified", False), "$.customer_notified")
    _, _, salary = read.employee(event.get("employee"), needed=False)

    obligations = []
    if mode is None or consignee is None or destination is None:
        obligations.append(entry("complete_tracking_plan", TRACKING_PLAN, cite(17)))
    if not notified:
        obligations.append(entry("notify_customer", NOTIFY, cite(17)))
    return finish(event_id, "shipment", {}, [], obligations, [], salary, {(17, 0)})
