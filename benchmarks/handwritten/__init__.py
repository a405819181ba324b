"""Every decision of the bundled policy written by hand in plain Python: the benchmark's baseline.

What a programmer would write without a rule engine: for each event kind the policy has
rules for, a function that makes the same decision as the policy and returns the same
JSON content as `policy.evaluate(event).model_dump(mode="json")`, all fields except
`rules` (the ids of the policy's rules, which a hand-written function does not have).

Each function reads its event as the engine does (`reading.py`: exact decimals, floats
refused, enums, timestamps in company time, unknown fields refused) and raises a
`ValueError` naming the field. The policy's texts (clauses, role names, penalties,
messages) are read from `policy/` once, at import (`deciding.py`); the rules are the code
of the modules named after the policy files. `tests/test_benchmark_baseline.py` checks
that every function makes the engine's decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from .archives import decide_archive_access
from .cash import decide_cash_receipt
from .contract import decide_contract
from .credit import decide_credit_sale
from .deciding import FIRST_DAY, not_in_force
from .documents import decide_sales_document
from .handover import decide_handover
from .incidents import decide_incident
from .law import add_legal_notes
from .ledger import decide_customer_archive_report, decide_internal_review
from .reading import BadEventError, date, timestamp
from .receivables import decide_receivable
from .records import decide_document_filing, decide_voucher_binding
from .shipments import decide_shipment
from .vehicles import decide_vehicle_service, decide_vehicle_trip
from .vouchers import decide_order_voucher

Decide = Callable[[dict[str, Any]], dict[str, Any]]

# Hand-written deciders by event kind, before the legal notes (policy/law.yaml) are added.
_OWN: dict[str, Decide] = {
    "contract": decide_contract,
    "credit_sale": decide_credit_sale,
    "cash_receipt": decide_cash_receipt,
    "shipment": decide_shipment,
    "vehicle_trip": decide_vehicle_trip,
    "vehicle_service": decide_vehicle_service,
    "archive_access": decide_archive_access,
    "order_voucher": decide_order_voucher,
    "incident": decide_incident,
    "customer_archive_report": decide_customer_archive_report,
    "internal_review": decide_internal_review,
    "sales_document": decide_sales_document,
    "receivable": decide_receivable,
    "handover": decide_handover,
    "voucher_binding": decide_voucher_binding,
    "document_filing": decide_document_filing,
}


def _with_legal_notes(own: Decide) -> Decide:
    def decide(event: dict[str, Any]) -> dict[str, Any]:
        return add_legal_notes(event, own(event))

    return decide


# Hand-written deciders by event kind: the whole decision, legal notes included.
DECIDERS: dict[str, Decide] = {kind: _with_legal_notes(own) for kind, own in _OWN.items()}


def decide(event: dict[str, Any]) -> dict[str, Any]:
    """The decision on an event of any kind: the hand-written counterpart of `policy.evaluate`."""
    if not isinstance(event, dict):
        raise BadEventError("$", f"an event is a JSON object, not {type(event).__name__}")
    try:
        decider = DECIDERS[event["kind"]]
    except KeyError:
        raise BadEventError("$.kind", f"unknown kind `{event.get('kind')}`") from None
    except TypeError:  # an unhashable kind
        raise BadEventError("$.kind", f"unknown kind `{event.get('kind')}`") from None
    content = decider(event)
    # 第四十条: the decider has read the event (bad input is refused first); one dated before
    # the policy's first day is not judged.
    stamp = next(event[f] for f in ("date", "received_at", "shipped_at", "due") if event.get(f) is not None)
    stamped = isinstance(stamp, dt.datetime) or (isinstance(stamp, str) and len(stamp) > len("2011-12-01"))
    day = timestamp(stamp, "$").date() if stamped else date(stamp, "$")
    if FIRST_DAY is not None and day < FIRST_DAY:
        return not_in_force(content["event_id"], content["kind"], day)
    return content
