"""The order-voucher decision of 第十五条 (policy/vouchers.yaml), by hand."""

from __future__ import annotations

from typing import Any

from . import reading as read
from .deciding import cite, entry, finish, message

FIELDS = frozenset(("kind", "id", "date", "employee", "complete", "accurate", "reliable", "papers_complete"))
RULE = "voucher.handling"
REFUSE = message(RULE, "refuse_voucher", row=0)
PAPERS_MISSING = message(RULE, "refuse_voucher", row=1)
INACCURATE = message(RULE, "return_voucher_for_correction", row=2)
INCOMPLETE = message(RULE, "return_voucher_for_correction", row=3)


def decide_order_voucher(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "order_voucher", FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    read.event_day(event)
    complete = read.boolean(read.required(event, "complete"), "$.complete")
    accurate = read.boolean(read.required(event, "accurate"), "$.accurate")
    reliable = read.boolean(read.required(event, "reliable"), "$.reliable")
    papers = event.get("papers_complete")
    papers_complete = None if papers is None else read.boolean(papers, "$.papers_complete")
    _, _, salary = read.employee(event.get("employee"), needed=False)

    # An unreliable voucher, or one with papers missing (不齐全), is refused whatever else is
    # true of it; an inaccurate one, or one not filled in fully (不完整), is returned.
    obligations = []
    if not reliable:
        handling = "refuse"
        obligations.append(entry("refuse_voucher", REFUSE, cite(15)))
    elif papers_complete is False:
        handling = "refuse"
        obligations.append(entry("refuse_voucher", PAPERS_MISSING, cite(15)))
    elif not accurate:
        handling = "return_for_correction"
        obligations.append(entry("return_voucher_for_correction", INACCURATE, cite(15)))
    elif not complete:
        handling = "return_for_correction"
        obligations.append(entry("return_voucher_for_correction", INCOMPLETE, cite(15)))
    else:
        handling = "accept"
    values = {"voucher_handling": handling}
    return finish(event_id, "order_voucher", values, [], obligations, [], salary, {(15, 0)})
