"""Seeded streams of realistic events for the benchmark and for the baseline's agreement test.

One generator per event kind; `stream` draws a mix of the kinds asked for. A generator
takes a `random.Random` and a sequence number and returns the event as a JSON-like dict
(money as decimal strings, timestamps as ISO text), the shape other systems send.

`GENERATORS` holds the kinds of docs/contract.md §2, each decided on its own: the mix
of an office's ledger. `ADDED_GENERATORS` holds the kinds added to the contract since
(docs/contract.md: sales documents, receivables, handovers), also decided on their own;
they are kept apart so that the mix `bench_audit.py` draws from `GENERATORS` stays the
one its figures were taken on. `RECORD_GENERATORS` holds the kinds a ledger records apart
and that refer to other events (a cash handover to its receipt, a monthly report); drawn
here at random they serve to time their own rules, while `bench_audit.py` builds them in
step with the events they follow.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Generator = Callable[[random.Random, int], dict[str, Any]]

# The thresholds of 第十一、十四、二十四条 and the cent on each side of them.
BOUNDARIES = ("999.99", "1000", "1000.00", "4999.99", "5000", "5000.01", "9999.99", "10000", "10000.01")
STAFF = tuple(f"E-{n:02d}" for n in range(1, 13))
SUPERVISORS = ("E-02", "E-03")
MANAGER = "E-01"
COMPANY_DOCUMENTS = ("business_licence", "organisation_code", "tax_registration")
INDIVIDUAL_DOCUMENTS = ("id_card_front", "id_card_back")


def _amount(rng: random.Random) -> Decimal:
    if rng.random() < 0.3:
        return Decimal(rng.choice(BOUNDARIES))
    # Log-uniform from 100 to 200000 yuan: many small orders, a few large ones.
    value = Decimal(str(10 ** rng.uniform(2, 5.3)))
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _customer(rng: random.Random) -> dict[str, Any]:
    customer: dict[str, Any] = {
        "id": f"KH-{rng.randrange(1, 2000):04d}",
        "type": rng.choice(("existing", "existing", "new")),
        "legal_form": rng.choice(("company", "company", "individual")),
    }
    complete = rng.random() < 0.75
    if customer["legal_form"] == "company":
        documents = list(COMPANY_DOCUMENTS) if complete else rng.sample(COMPANY_DOCUMENTS, rng.randrange(3))
        customer["documents"] = documents
        customer["sealed"] = complete or rng.random() < 0.5
    else:
        documents = (
            list(INDIVIDUAL_DOCUMENTS) if complete else rng.sample(INDIVIDUAL_DOCUMENTS, rng.randrange(2))
        )
        customer["documents"] = documents
    for name, value in (
        ("address", "合肥市蜀山区长江西路 88 号"),
        ("phone", "0551-65551234"),
        ("contact", "王经理"),
    ):
        if complete or rng.random() < 0.7:
            customer[name] = value
    return customer


def _approvals(rng: random.Random, day: dt.date, prepared_by: str) -> list[dict[str, Any]]:
    """None, the supervisor alone, or supervisor then manager; now and then out of order,
    by the preparer, a consent in place of a signature, or a clerk."""
    start = dt.datetime.combine(day, dt.time(9, 0))
    shape = rng.random()
    if shape < 0.2:
        return []
    supervisor = {"role": "logistics_supervisor", "by": rng.choice(SUPERVISORS), "at": start}
    manager = {
        "role": "general_manager",
        "by": MANAGER,
        "at": start + dt.timedelta(hours=rng.randrange(1, 30)),
    }
    records = [supervisor] if shape < 0.45 else [supervisor, manager]
    twist = rng.random()
    if twist < 0.06 and len(records) == 2:
        supervisor["at"] = manager["at"] + dt.timedelta(hours=1)  # manager signed first
    elif twist < 0.1:
        supervisor["by"] = prepared_by  # the preparer approves their own contract
    elif twist < 0.13:
        records[-1]["mode"] = "consent"
    elif twist < 0.16:
        records.append({"role": "clerk", "by": rng.choice(STAFF), "at": start})
    for record in records:
        stamp: dt.datetime = record["at"]
        # Most systems send local time; some send UTC or an explicit offset.
        record["at"] = rng.choice(
            (stamp.isoformat(), stamp.isoformat(), (stamp - dt.timedelta(hours=8)).isoformat() + "Z")
        )
    rng.shuffle(records)
    return records


# The policy is in force from 2011-11-30 (policy.yaml `in_force`, 第四十条): the events are
# drawn from its first day on, so that every one is judged.
FIRST_DAY = dt.date(2011, 11, 30)


def contract_event(rng: random.Random, n: int) -> dict[str, Any]:
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(0, 400))
    amount = _amount(rng)
    product_class = rng.choice(("stock", "stock", "made_to_order", "custom"))
    prepared_by = rng.choice(STAFF[3:])
    event: dict[str, Any] = {
        "kind": "contract",
        "id": f"HT-{day.year}-{n:06d}",
        "date": day.isoformat(),
        "customer": _customer(rng),
        "product_class": product_class,
        "amount": str(amount),
        "prepared_by": prepared_by,
    }
    ratio = Decimal(rng.choice(("0", "0.2", "0.3", "0.5")))
    if ratio or rng.random() < 0.3:
        paid = (amount * ratio * Decimal(rng.choice(("1", "1", "0.5", "1.2")))).quantize(Decimal("0.01"))
        event["deposit_paid"] = str(paid)
    if rng.random() < 0.4:
        event["status"] = "signed"
    approvals = _approvals(rng, day, prepared_by)
    if approvals:
        event["approvals"] = approvals
    if rng.random() < 0.6:
        half = (amount / 2).quantize(Decimal("0.01"))
        due = day + dt.timedelta(days=30)
        event["collection_schedule"] = [
            {"due": due.isoformat(), "amount": str(half)},
            {"due": (due + dt.timedelta(days=30)).isoformat(), "amount": str(amount - half)},
        ][: rng.choice((1, 2))]
    if rng.random() < 0.3:
        salary = Decimal(rng.randrange(2500, 8000, 100))
        event["employee"] = {"id": prepared_by, "role": "clerk", "monthly_salary": str(salary)}
    return event


# ---- the other kinds of docs/contract.md §2: timed by the engine, baselines to come ----

VIOLATIONS = (
    "contract_limit_exceeded",
    "improper_voucher_for_payment",
    "unauthorised_credit",
    "cash_not_handed_over",
    "private_vehicle_use",
    "vehicle_not_serviced",
    "other_breach",
    "serious_disorder",
    "false_or_withheld_records",
    "major_traffic_accident",
)


def _moment(rng: random.Random) -> dt.datetime:
    """A moment of a working day: 08:00 to 18:59."""
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(0, 400))
    return dt.datetime.combine(day, dt.time(rng.randrange(8, 19), rng.randrange(60)))


def _employee(rng: random.Random, role: str = "clerk") -> dict[str, Any]:
    employee: dict[str, Any] = {"id": rng.choice(STAFF[3:]), "role": role}
    if rng.random() < 0.5:
        employee["monthly_salary"] = str(rng.randrange(2500, 8000, 100))
    return employee


def _signature(rng: random.Random, role: str, at: dt.datetime) -> dict[str, Any]:
    by = MANAGER if role == "general_manager" else rng.choice(SUPERVISORS)
    return {"role": role, "by": by, "at": at.isoformat()}


def credit_sale_event(rng: random.Random, n: int) -> dict[str, Any]:
    at = _moment(rng)
    away = rng.random() < 0.2
    event: dict[str, Any] = {
        "kind": "credit_sale",
        "id": f"QK-{n:06d}",
        "date": at.date().isoformat(),
        "customer": _customer(rng),
        "amount": str(_amount(rng)),
        "risk_assessment": rng.random() < 0.8,
        "general_manager_away": away,
    }
    if rng.random() < 0.1:
        event["guaranteed_by"] = rng.choice(STAFF)
    if rng.random() < 0.8:
        # Mostly signed the same day; now and then the next day, past the deadline.
        late = dt.timedelta(days=1) if rng.random() < 0.1 else dt.timedelta(0)
        record = _signature(rng, "general_manager", at + late + dt.timedelta(minutes=rng.randrange(0, 240)))
        if away and rng.random() < 0.6:
            record["mode"] = "consent"
        event["approvals"] = [record]
    return event


def cash_receipt_event(rng: random.Random, n: int) -> dict[str, Any]:
    received = _moment(rng)
    event: dict[str, Any] = {
        "kind": "cash_receipt",
        "id": f"XJ-{n:06d}",
        "received_at": received.isoformat(),
        "amount": str(_amount(rng)),
        "employee": _employee(rng),
        "payment_slip": rng.random() < 0.85,
    }
    delay = rng.random()
    if delay < 0.75:
        event["handed_to_finance_at"] = (received + dt.timedelta(minutes=rng.randrange(0, 200))).isoformat()
    elif delay < 0.95:
        event["handed_to_finance_at"] = (received + dt.timedelta(days=1, hours=1)).isoformat()
    if delay >= 0.75 and rng.random() < 0.5:
        event["permission"] = _signature(rng, "logistics_supervisor", received + dt.timedelta(hours=1))
    return event


def shipment_event(rng: random.Random, n: int) -> dict[str, Any]:
    event: dict[str, Any] = {"kind": "shipment", "id": f"FH-{n:06d}", "shipped_at": _moment(rng).isoformat()}
    for name, value in (
        ("logistics_mode", "物流专线"),
        ("consignee", "李先生"),
        ("destination", "合肥市包河区"),
    ):
        if rng.random() < 0.9:
            event[name] = value
    event["customer_notified"] = rng.random() < 0.8
    return event


def vehicle_trip_event(rng: random.Random, n: int) -> dict[str, Any]:
    at = _moment(rng)
    start = rng.randrange(10_000, 90_000)
    event: dict[str, Any] = {
        "kind": "vehicle_trip",
        "id": f"CL-{n:06d}",
        "date": at.date().isoformat(),
        "vehicle": rng.choice(("皖A-12345", "皖A-67890")),
        "employee": _employee(rng, "driver"),
        "purpose": "private" if rng.random() < 0.15 else "business",
    }
    if rng.random() < 0.9:
        event |= {
            "odometer_start": start,
            "odometer_end": start + rng.randrange(5, 300),
            "fuel_litres": "12.50",
        }
    if event["purpose"] == "private" and rng.random() < 0.6:
        event["approvals"] = [_signature(rng, "logistics_supervisor", at - dt.timedelta(hours=1))]
    return event


def vehicle_service_event(rng: random.Random, n: int) -> dict[str, Any]:
    due = _moment(rng).date()
    event: dict[str, Any] = {
        "kind": "vehicle_service",
        "id": f"BY-{n:06d}",
        "date": max(due + dt.timedelta(days=rng.randrange(-20, 20)), FIRST_DAY).isoformat(),
        "vehicle": rng.choice(("皖A-12345", "皖A-67890")),
        "due": due.isoformat(),
        "employee": _employee(rng, "driver"),
    }
    if rng.random() < 0.8:
        event["done"] = (due + dt.timedelta(days=rng.randrange(-10, 6))).isoformat()
    return event


def archive_access_event(rng: random.Random, n: int) -> dict[str, Any]:
    at = _moment(rng)
    event: dict[str, Any] = {
        "kind": "archive_access",
        "id": f"DA-{n:06d}",
        "date": at.date().isoformat(),
        "employee": _employee(rng, rng.choice(("clerk", "clerk", "logistics_supervisor", "general_manager"))),
        "action": rng.choice(("read", "read", "copy", "excerpt", "take_out")),
    }
    if rng.random() < 0.7:
        event["approvals"] = [_signature(rng, "general_manager", at)]
    return event


def order_voucher_event(rng: random.Random, n: int) -> dict[str, Any]:
    return {
        "kind": "order_voucher",
        "id": f"PZ-{n:06d}",
        "date": _moment(rng).date().isoformat(),
        "complete": rng.random() < 0.85,
        "accurate": rng.random() < 0.9,
        "reliable": rng.random() < 0.95,
    }


def incident_event(rng: random.Random, n: int) -> dict[str, Any]:
    return {
        "kind": "incident",
        "id": f"SJ-{n:06d}",
        "date": _moment(rng).date().isoformat(),
        "employee": _employee(rng),
        "violation": rng.choice(VIOLATIONS),
    }


def _month(rng: random.Random) -> dt.date:
    return dt.date(2012 + rng.randrange(2), rng.randrange(1, 13), 1)


def cash_handover_event(rng: random.Random, n: int) -> dict[str, Any]:
    received = _moment(rng)
    return {
        "kind": "cash_handover",
        "id": f"JK-{n:06d}",
        "receipt": f"XJ-{rng.randrange(n + 1):06d}",
        "handed_at": (received + dt.timedelta(minutes=rng.randrange(0, 1500))).isoformat(),
        "amount": str(_amount(rng)),
        "payment_slip": rng.random() < 0.9,
        "received_by": "E-20",
    }


def credit_signature_event(rng: random.Random, n: int) -> dict[str, Any]:
    return {
        "kind": "credit_signature",
        "id": f"BQ-{n:06d}",
        "credit_sale": f"QK-{rng.randrange(n + 1):06d}",
        "signed_by": MANAGER,
        "role": "general_manager",
        "signed_at": _moment(rng).isoformat(),
    }


def customer_archive_report_event(rng: random.Random, n: int) -> dict[str, Any]:
    month = _month(rng)
    filed = dt.datetime.combine(month + dt.timedelta(days=27), dt.time(10))
    event: dict[str, Any] = {
        "kind": "customer_archive_report",
        "id": f"DABG-{n:06d}",
        "date": filed.date().isoformat(),
        "month": month.strftime("%Y-%m"),
    }
    signatures = [
        {"role": "clerk", "by": rng.choice(STAFF[3:]), "at": filed.isoformat()},
        _signature(rng, "logistics_supervisor", filed + dt.timedelta(hours=2)),
    ]
    event["approvals"] = signatures[: rng.choice((0, 1, 2, 2, 2))]
    return event


def internal_review_event(rng: random.Random, n: int) -> dict[str, Any]:
    month = _month(rng)
    return {
        "kind": "internal_review",
        "id": f"PS-{n:06d}",
        "date": (month + dt.timedelta(days=27)).isoformat(),
        "month": month.strftime("%Y-%m"),
        "reviewers": list(SUPERVISORS),
        "reported_to_general_manager": rng.random() < 0.8,
    }


GENERATORS: dict[str, Generator] = {
    "contract": contract_event,
    "credit_sale": credit_sale_event,
    "cash_receipt": cash_receipt_event,
    "shipment": shipment_event,
    "vehicle_trip": vehicle_trip_event,
    "vehicle_service": vehicle_service_event,
    "archive_access": archive_access_event,
    "order_voucher": order_voucher_event,
    "incident": incident_event,
}


def sales_document_event(rng: random.Random, n: int) -> dict[str, Any]:
    """Mostly signed by the clerk who filled it in, then the supervisor; now and then not, or
    by another clerk, out of order, or a consent."""
    day = _moment(rng).date()
    start = dt.datetime.combine(day, dt.time(rng.randrange(8, 16)))
    prepared_by = rng.choice(STAFF[3:])
    signer = prepared_by if rng.random() < 0.9 else rng.choice(STAFF[3:])
    late = dt.timedelta(hours=rng.randrange(0, 3)) if rng.random() < 0.95 else dt.timedelta(minutes=-30)
    records = [
        {"role": "clerk", "by": signer, "at": start.isoformat()},
        _signature(rng, "logistics_supervisor", start + late),
    ][: rng.choice((0, 1, 2, 2, 2, 2, 2))]
    if records and rng.random() < 0.03:
        records[-1]["mode"] = "consent"
    return {
        "kind": "sales_document",
        "id": f"XS-{n:06d}",
        "date": day.isoformat(),
        "prepared_by": prepared_by,
        "customer_request": rng.random() < 0.85,
        "approvals": records,
    }


def receivable_event(rng: random.Random, n: int) -> dict[str, Any]:
    """A payment judged from ten days before its due date to twelve days after: paid in full,
    in part or not at all; the customer told in advance or not; an overdue one reported, or
    settled by the clerk with or without the general manager's decision."""
    due = _moment(rng).date()
    day = max(due + dt.timedelta(days=rng.randrange(-10, 13)), FIRST_DAY)
    amount = _amount(rng)
    employee = _employee(rng)
    shape = rng.random()
    paid = amount if shape < 0.4 else Decimal(0) if shape < 0.75 else (amount / 2).quantize(Decimal("0.01"))
    event: dict[str, Any] = {
        "kind": "receivable",
        "id": f"YS-{n:06d}",
        "date": day.isoformat(),
        "customer_id": f"KH-{rng.randrange(1, 2000):04d}",
        "amount": str(amount),
        "due": due.isoformat(),
        "paid": str(paid),
        "employee": employee,
    }
    notified = dt.datetime.combine(due - dt.timedelta(days=rng.randrange(0, 5)), dt.time(9, 30))
    if rng.random() < 0.75 and notified.date() <= day:
        event["customer_notified_at"] = notified.isoformat()
    reported = dt.datetime.combine(due + dt.timedelta(days=rng.randrange(1, 6)), dt.time(10))
    if rng.random() < 0.6 and reported.date() <= day:
        event["reported_to_general_manager_at"] = reported.isoformat()
    if rng.random() < 0.1:
        event["settled_by"] = employee["id"]
        if rng.random() < 0.5:
            event["approvals"] = [_signature(rng, "general_manager", reported)]
    return event


def handover_event(rng: random.Random, n: int) -> dict[str, Any]:
    """A transfer or departure, before or after the last day; completed or not; supervised by
    the supervisor, or by the general manager when the supervisor leaves."""
    day = _moment(rng).date()
    employee = _employee(rng, rng.choice(("clerk", "clerk", "driver", "logistics_supervisor")))
    if employee["role"] == "logistics_supervisor":
        employee["id"] = rng.choice(SUPERVISORS)
    event: dict[str, Any] = {
        "kind": "handover",
        "id": f"JJ-{n:06d}",
        "date": day.isoformat(),
        "employee": employee,
        "reason": rng.choice(("transfer", "departure")),
    }
    if rng.random() < 0.85:
        event["successor"] = rng.choice([s for s in STAFF if s != employee["id"]])
        event["completed"] = rng.random() < 0.7
    if rng.random() < 0.8:
        event["last_day"] = (day + dt.timedelta(days=rng.randrange(-5, 10))).isoformat()
    if rng.random() < 0.75:
        role = rng.choice(("logistics_supervisor", "general_manager"))
        event["approvals"] = [_signature(rng, role, dt.datetime.combine(day, dt.time(15)))]
    return event


ADDED_GENERATORS: dict[str, Generator] = {
    "sales_document": sales_document_event,
    "receivable": receivable_event,
    "handover": handover_event,
}
RECORD_GENERATORS: dict[str, Generator] = {
    "cash_handover": cash_handover_event,
    "credit_signature": credit_signature_event,
    "customer_archive_report": customer_archive_report_event,
    "internal_review": internal_review_event,
}
EVERY_GENERATOR: dict[str, Generator] = GENERATORS | ADDED_GENERATORS | RECORD_GENERATORS


# ---- Kinds added by issue 10 (第十、十八、三十四、三十五条): records a ledger keeps ----


def quotation_event(rng: random.Random, n: int) -> dict[str, Any]:
    event: dict[str, Any] = {
        "kind": "quotation",
        "id": f"BJ-{n:06d}",
        "date": _moment(rng).date().isoformat(),
        "customer_id": f"KH-{rng.randrange(1, 2000):04d}",
        "employee": _employee(rng),
    }
    if rng.random() < 0.7:
        event["amount"] = str(_amount(rng))
    return event


def quotation_outcome_event(rng: random.Random, n: int) -> dict[str, Any]:
    return {
        "kind": "quotation_outcome",
        "id": f"JG-{n:06d}",
        "date": _moment(rng).date().isoformat(),
        "quotation": f"BJ-{rng.randrange(0, max(n, 1)):06d}",
        "outcome": rng.choice(("accepted", "declined", "withdrawn")),
    }


def hygiene_check_event(rng: random.Random, n: int) -> dict[str, Any]:
    return {
        "kind": "hygiene_check",
        "id": f"WS-{n:06d}",
        "date": _moment(rng).date().isoformat(),
        "passed": rng.random() < 0.9,
    }


def voucher_binding_event(rng: random.Random, n: int) -> dict[str, Any]:
    month = _month(rng)
    bound = dt.datetime.combine(month + dt.timedelta(days=32), dt.time(16))
    event: dict[str, Any] = {
        "kind": "voucher_binding",
        "id": f"ZD-{n:06d}",
        "date": bound.date().isoformat(),
        "month": month.strftime("%Y-%m"),
        "approvals": [{"role": "clerk", "by": rng.choice(STAFF[3:]), "at": bound.isoformat()}],
    }
    if rng.random() < 0.85:
        first = rng.randrange(1, 5000)
        event |= {"first_number": f"PZ-{first:05d}", "last_number": f"PZ-{first + 40:05d}", "slips": 41}
    return event


def document_filing_event(rng: random.Random, n: int) -> dict[str, Any]:
    day = _moment(rng).date()
    period = rng.choice(
        (day.strftime("%Y-%m"), f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}", f"{day.year:04d}")
    )
    return {
        "kind": "document_filing",
        "id": f"GD-{n:06d}",
        "date": day.isoformat(),
        "period": period,
        "catalogue": rng.random() < 0.9,
    }


# Kept apart from the mixes above, so the figures taken on those stay comparable.
ISSUE10_GENERATORS: dict[str, Generator] = {
    "quotation": quotation_event,
    "quotation_outcome": quotation_outcome_event,
    "hygiene_check": hygiene_check_event,
    "voucher_binding": voucher_binding_event,
    "document_filing": document_filing_event,
}
EVERY_GENERATOR |= ISSUE10_GENERATORS


def stream(kinds: Sequence[str], count: int, seed: int = 2011) -> Iterator[dict[str, Any]]:
    """`count` events drawn from the generators of `kinds`, evenly mixed, reproducible from `seed`."""
    unknown = [k for k in kinds if k not in EVERY_GENERATOR]
    if unknown:
        raise ValueError(
            f"no event generator for kind `{unknown[0]}`; generators: "
            + ", ".join(f"`{k}`" for k in EVERY_GENERATOR)
        )
    rng = random.Random(seed)  # noqa: S311  (a reproducible stream, not a secret)
    for n in range(count):
        yield EVERY_GENERATOR[rng.choice(kinds)](rng, n)
