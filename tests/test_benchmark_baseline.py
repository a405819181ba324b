"""The benchmark's baselines make the same decisions as the policy.

`benchmarks/bench_evaluate.py` reports, per event kind, the ratio engine / hand-written;
that ratio means something only if both decide the same thing. These tests compare the
two, on the whole JSON content but `rules`, for every kind the policy has rules for: on
the benchmark's own event streams, on the thresholds and deadlines of the articles, on
events whose approval records are bent by hypothesis, and on bad input. The same holds
for the other comparison of the benchmark: the table of 第二十四条 as a GoRules JDM graph
(`benchmarks/article24.jdm.json`, on zen-engine) and as a policy of that table alone.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import importlib.util
import itertools
import json
import random
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_rules import EventError, Policy, load_policy

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str) -> ModuleType:
    """A module or package of benchmarks/ (a folder of scripts, not a package), loaded from its file."""
    path = BENCHMARKS / name
    package = path.is_dir()
    spec = importlib.util.spec_from_file_location(
        f"benchmarks_{name}",
        path / "__init__.py" if package else path.with_suffix(".py"),
        submodule_search_locations=[str(path)] if package else None,
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


handwritten = _module("handwritten")
event_mix = _module("event_mix")
gorules = _module("gorules")


@functools.cache
def _policy() -> Policy:
    return load_policy()


def _kinds_with_rules() -> list[str]:
    return [kind for kind, plan in _policy().compiled.plans.items() if plan]


def _engine(event: dict[str, Any]) -> dict[str, Any]:
    """The engine's JSON content without `rules`, the ids of policy rules a hand-written function lacks."""
    content = _policy().evaluate(event).model_dump(mode="json")
    del content["rules"]
    return content


def _assert_same(event: dict[str, Any]) -> dict[str, Any]:
    engine, hand = _engine(event), handwritten.decide(event)
    assert hand == engine, f"event `{event['id']}` differs in " + ", ".join(
        k for k in engine if engine[k] != hand.get(k)
    )
    return engine


def test_every_kind_with_rules_has_a_baseline() -> None:
    assert sorted(handwritten.DECIDERS) == sorted(_kinds_with_rules())


# The verdicts each kind's stream shows: every one its rules can reach. An archive access
# cannot be `pending` (an access without approval is a breach), an incident is always a
# breach, and the other kinds with obligations only cannot `fail`.
VERDICTS = {
    "contract": {"pass", "pending", "fail"},
    "credit_sale": {"pass", "pending", "fail"},
    "cash_receipt": {"pass", "pending", "fail"},
    "shipment": {"pass", "pending"},
    "vehicle_trip": {"pass", "pending", "fail"},
    "vehicle_service": {"pass", "pending", "fail"},
    "archive_access": {"pass", "fail"},
    "order_voucher": {"pass", "pending"},
    "incident": {"fail"},
    "customer_archive_report": {"pass", "pending"},
    "internal_review": {"pass", "pending"},
    "sales_document": {"pass", "pending"},
    "receivable": {"pass", "pending", "fail"},
    "handover": {"pass", "pending", "fail"},
}


@pytest.mark.parametrize("kind", sorted(VERDICTS))
def test_same_decision_on_the_benchmark_stream(kind: str) -> None:
    verdicts = {_assert_same(event)["verdict"] for event in event_mix.stream([kind], 300, seed=2011)}
    # The stream exercises every verdict of the kind, or the agreement would prove little.
    assert verdicts == VERDICTS[kind]


def test_the_dispatcher_decides_a_mixed_stream() -> None:
    kinds = [kind for kind in _kinds_with_rules() if kind in event_mix.EVERY_GENERATOR]
    for event in event_mix.stream(kinds, 300, seed=7):
        _assert_same(event)


# ---- thresholds and deadlines ----


def _contract(n: int, customer_type: str, product_class: str, amount: str, status: str) -> dict[str, Any]:
    return {
        "kind": "contract",
        "id": f"B-{n}",
        "date": "2011-12-01",
        "customer": {
            "id": "K-1",
            "type": customer_type,
            "legal_form": "company",
            "documents": ["business_licence", "organisation_code", "tax_registration"],
            "sealed": True,
        },
        "product_class": product_class,
        "amount": amount,
        "deposit_paid": "600",
        "status": status,
        "prepared_by": "E-07",
        "approvals": [
            {"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-01T09:00:00"},
            {"role": "general_manager", "by": "E-01", "at": "2011-12-01T15:00:00"},
        ][: 1 + n % 2],
    }


def _contract_thresholds() -> list[dict[str, Any]]:
    combos = itertools.product(
        ("existing", "new"),
        ("stock", "made_to_order", "custom"),
        ("999.99", "1000", "4999.99", "5000", "10000", "10000.01", "3333.33", "1234.57"),
        ("draft", "signed"),
    )
    events = [_contract(n, *combo) for n, combo in enumerate(combos)]
    # 第十四条 立时上报: reported the same day (23:59), the next (00:00), or not at all
    for n, reported in enumerate(("2011-12-01T23:59:00", "2011-12-02T00:00:00")):
        events.append(
            {**_contract(1000 + n, "new", "stock", "5000", "signed"), "customer_reported_at": reported}
        )
    return events


CLERK = {"id": "E-05", "role": "clerk", "monthly_salary": "4000"}
DRIVER = {"id": "E-09", "role": "driver"}


def _cash_receipts() -> list[dict[str, Any]]:
    """The same day ends at 23:59:59 company time; a permission counts until then, never the receiver's."""
    events = []
    handovers = (
        None,
        "2011-12-01T23:59:59",
        "2011-12-02T00:00:00",
        "2011-12-01T15:59:59Z",
        "2011-12-01T16:00:00Z",
    )
    permissions = (
        None,
        {"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-01T23:59:00"},
        {"role": "general_manager", "by": "E-01", "at": "2011-12-02T00:00:00"},
        {"role": "general_manager", "by": "E-01", "at": "2011-11-30T18:00:00"},
        {"role": "logistics_supervisor", "by": "E-05", "at": "2011-12-01T11:00:00"},
        {"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-01T11:00:00", "mode": "consent"},
        {"role": "finance", "by": "E-20", "at": "2011-12-01T11:00:00"},
    )
    for n, (handed, permission, slip) in enumerate(itertools.product(handovers, permissions, (True, False))):
        events.append(
            {
                "kind": "cash_receipt",
                "id": f"XJ-{n}",
                "received_at": "2011-12-01T10:00:00",
                "amount": "880.00",
                "employee": CLERK,
                "payment_slip": slip,
                "handed_to_finance_at": handed,
                "permission": permission,
            }
        )
    # 第二十八条: a payment in another form needs its slip with finance the same day
    for n, (handed, slip, form) in enumerate(
        itertools.product(handovers, (True, False), ("bank_transfer", "cheque", "bill", "other"))
    ):
        events.append(
            {
                "kind": "cash_receipt",
                "id": f"ZZ-{n}",
                "received_at": "2011-12-01T10:00:00",
                "amount": "880.00",
                "employee": CLERK,
                "payment_slip": slip,
                "handed_to_finance_at": handed,
                "payment_form": form,
            }
        )
    return events


def _credit_sales() -> list[dict[str, Any]]:
    """Signed by the end of the sale's day; a consent only while the general manager is away."""
    events = []
    records = (
        [],
        [{"role": "general_manager", "by": "E-01", "at": "2011-12-01T23:59:59"}],
        [{"role": "general_manager", "by": "E-01", "at": "2011-12-02T00:00:00"}],
        [{"role": "general_manager", "by": "E-01", "at": "2011-12-01T10:00:00", "mode": "consent"}],
        [
            {"role": "general_manager", "by": "E-01", "at": "2011-12-01T10:00:00", "mode": "consent"},
            {"role": "general_manager", "by": "E-01", "at": "2011-12-05T10:00:00"},
        ],
        [{"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-01T10:00:00"}],
    )
    # 同意后方可欠账: credit given at 10:00 (the consent of 10:00 is in time, the signature of 23:59:59 not)
    given = (None, "2011-12-01T10:00:00", "2011-12-01T09:59:00")
    combos = itertools.product(records, (True, False), (True, False), (None, "E-06"), given)
    for n, (approvals, away, assessed, guarantor, given_at) in enumerate(combos):
        events.append(
            {
                "kind": "credit_sale",
                "id": f"QK-{n}",
                "date": "2011-12-01",
                "customer": {"id": "K-1", "type": "new", "legal_form": "individual"},
                "amount": "0.01",
                "employee": CLERK,
                "risk_assessment": assessed,
                "guaranteed_by": guarantor,
                "approvals": approvals,
                "general_manager_away": away,
                **({"credit_given_at": given_at} if given_at is not None else {}),
            }
        )
    return events


def _vehicle_events() -> list[dict[str, Any]]:
    """A service on, before and after its due date, done or not; a private trip approved in time or not."""
    events: list[dict[str, Any]] = []
    for n, (done, dated) in enumerate(
        itertools.product(
            (None, "2011-11-30", "2011-12-01", "2011-12-02", "2012-01-15"), (None, "2011-12-01", "2011-12-02")
        )
    ):
        events.append(
            {
                "kind": "vehicle_service",
                "id": f"BY-{n}",
                "date": dated,
                "vehicle": "皖A-12345",
                "due": "2011-12-01",
                "done": done,
                "employee": DRIVER | {"monthly_salary": "3000.50"},
            }
        )
    approvals = (
        [],
        [{"role": "general_manager", "by": "E-01", "at": "2011-12-01T23:59:59"}],
        [{"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-02T08:00:00"}],
        [{"role": "logistics_supervisor", "by": "E-09", "at": "2011-12-01T08:00:00"}],
        [{"role": "clerk", "by": "E-05", "at": "2011-12-01T08:00:00"}],
    )
    for n, (purpose, records, fuel) in enumerate(
        itertools.product(("private", "business"), approvals, ("12.50", None))
    ):
        events.append(
            {
                "kind": "vehicle_trip",
                "id": f"CL-{n}",
                "date": "2011-12-01",
                "vehicle": "皖A-12345",
                "employee": DRIVER,
                "purpose": purpose,
                "approvals": records,
                "odometer_start": 100,
                "odometer_end": 180,
                "fuel_litres": fuel,
            }
        )
    return events


def _archive_and_reports() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    approvals = (
        [],
        [{"role": "general_manager", "by": "E-01", "at": "2011-12-01T23:59:59"}],
        [{"role": "general_manager", "by": "E-01", "at": "2011-12-02T00:00:00"}],
    )
    roles = ("clerk", "general_manager")
    actions = ("read", "copy", "excerpt", "take_out")
    for n, (role, action, records) in enumerate(itertools.product(roles, actions, approvals)):
        events.append(
            {
                "kind": "archive_access",
                "id": f"DA-{n}",
                "date": "2011-12-01",
                "employee": {"id": "E-01" if role == "general_manager" else "E-05", "role": role},
                "action": action,
                "approvals": records,
            }
        )
    clerk = {"role": "clerk", "by": "E-05", "at": "2011-12-28T10:00:00"}
    supervisor = {"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-28T12:00:00"}
    early = supervisor | {"at": "2011-12-28T09:00:00"}
    for n, records in enumerate(
        ([clerk, supervisor], [supervisor, clerk], [clerk, early], [supervisor], [clerk])
    ):
        events.append(
            {"kind": "customer_archive_report", "id": f"DABG-{n}", "date": "2011-12-28", "approvals": records}
        )
    return events


def _sales_documents() -> list[dict[str, Any]]:
    """Signed by the clerk who filled it in (no one else), then the supervisor, who is not the preparer."""
    clerk = {"role": "clerk", "by": "E-05", "at": "2011-12-05T10:00:00"}
    supervisor = {"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-05T11:00:00"}
    records = (
        [clerk, supervisor],
        [supervisor, clerk | {"at": "2011-12-05T11:00:00"}],
        [clerk | {"at": "2011-12-05T12:00:00"}, supervisor],
        [clerk | {"by": "E-06"}, supervisor],
        [clerk, supervisor | {"by": "E-05"}],
        [clerk | {"mode": "consent"}, supervisor],
        [supervisor],
        [],
    )
    return [
        {
            "kind": "sales_document",
            "id": f"XS-{n}",
            "date": "2011-12-05",
            "prepared_by": "E-05",
            "customer_request": request,
            "approvals": approvals,
        }
        for n, (approvals, request) in enumerate(itertools.product(records, (True, False)))
    ]


def _receivables() -> list[dict[str, Any]]:
    """Due on 12-15: told on a day before it, overdue from the 16th, reported by the end of the 18th."""
    events = []
    days = ("2011-12-14", "2011-12-15", "2011-12-16", "2011-12-18", "2011-12-19")
    notices = (None, "2011-12-14T17:00:00", "2011-12-15T09:00:00")
    reports = (None, "2011-12-16T09:00:00", "2011-12-18T23:59:59", "2011-12-19T00:00:00")
    combos = itertools.product(days, ("0", "4999.99", "5000.00"), notices, reports)
    for n, (day, paid, notified, reported) in enumerate(combos):
        if max(notified or "", reported or "")[:10] > day:
            continue  # a record of what happened by its date holds nothing later
        events.append(
            {
                "kind": "receivable",
                "id": f"YS-{n}",
                "date": day,
                "customer_id": "KH-0009",
                "amount": "5000.00",
                "due": "2011-12-15",
                "paid": paid,
                "customer_notified_at": notified,
                "reported_to_general_manager_at": reported,
                "employee": CLERK,
            }
        )
    settled = events[-1] | {"settled_by": "E-05"}
    decided = {"role": "general_manager", "by": "E-01", "at": "2011-12-19T09:00:00"}
    return [*events, settled | {"id": "YS-settled"}, settled | {"id": "YS-decided", "approvals": [decided]}]


def _handovers() -> list[dict[str, Any]]:
    """Done and supervised by the last day, or a breach the day after; the supervisor's own by the manager."""
    events = []
    supervised = (
        [],
        [{"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-20T15:00:00"}],
        [{"role": "general_manager", "by": "E-01", "at": "2011-12-20T15:00:00"}],
    )
    employees = ({"id": "E-05", "role": "clerk"}, {"id": "E-02", "role": "logistics_supervisor"})
    combos = itertools.product(employees, supervised, (True, False), (None, "2011-12-19", "2011-12-20"))
    for n, (employee, approvals, completed, last_day) in enumerate(combos):
        events.append(
            {
                "kind": "handover",
                "id": f"JJ-{n}",
                "date": "2011-12-20",
                "employee": employee,
                "reason": "departure",
                "successor": "E-06",
                "completed": completed,
                "last_day": last_day,
                "approvals": approvals,
            }
        )
    return events


def _incidents() -> list[dict[str, Any]]:
    codes = sorted(handwritten.incidents.KNOWN)
    return [
        {
            "kind": "incident",
            "id": f"SJ-{n}",
            "date": "2011-12-01",
            "employee": CLERK if n % 2 else DRIVER,
            "violation": code,
        }
        for n, code in enumerate(codes)
    ]


def _vouchers() -> list[dict[str, Any]]:
    return [
        {
            "kind": "order_voucher",
            "id": f"PZ-{n}",
            "date": "2011-12-01",
            "complete": c,
            "accurate": a,
            "reliable": r,
            **({"papers_complete": p} if p is not None else {}),
        }
        for n, (c, a, r, p) in enumerate(
            itertools.product((True, False), (True, False), (True, False), (None, True, False))
        )
    ]


BOUNDARIES = [
    *_contract_thresholds(),
    *_cash_receipts(),
    *_credit_sales(),
    *_vehicle_events(),
    *_archive_and_reports(),
    *_incidents(),
    *_vouchers(),
    *_sales_documents(),
    *_receivables(),
    *_handovers(),
]


@pytest.mark.parametrize("event", BOUNDARIES, ids=lambda e: e["id"])
def test_same_decision_at_the_thresholds_and_deadlines(event: dict[str, Any]) -> None:
    _assert_same(event)


def test_the_boundaries_reach_every_code() -> None:
    """The boundary events show every obligation and violation code the policy has for one event."""
    codes = set()
    for event in BOUNDARIES:
        content = handwritten.decide(event)
        codes |= {entry["code"] for entry in content["obligations"] + content["violations"]}
    assert codes >= {
        "collect_deposit",
        "refer_to_general_manager",
        "contract_limit_exceeded",
        "fill_payment_slip",
        "hand_slip_to_finance",
        "report_customer_at_once",
        "cash_not_handed_over",
        "hand_cash_to_finance",
        "unauthorised_credit",
        "general_manager_countersign",
        "private_vehicle_use",
        "record_mileage_and_fuel",
        "vehicle_not_serviced",
        "service_vehicle",
        "other_breach",
        "refuse_voucher",
        "return_voucher_for_correction",
        "obtain_customer_request",
        "notify_customer_of_payment_due",
        "report_overdue_to_general_manager",
        "complete_handover",
        *handwritten.incidents.KNOWN,
    }


# ---- approval records bent by hypothesis ----

KINDS_WITH_RECORDS = (
    "contract",
    "credit_sale",
    "cash_receipt",
    "vehicle_trip",
    "archive_access",
    "customer_archive_report",
    "sales_document",
    "receivable",
    "handover",
)
ROLES = ("clerk", "logistics_supervisor", "general_manager", "driver", "finance")


def _day_of(event: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(event.get("date") or event["received_at"][:10])


def _bent(event: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The event with its approval records bent the ways the judgement must tell apart: a
    record added, moved to the edge of the day or past it, sent in UTC, made by the person
    judged or the preparer, a consent, another role."""
    event = copy.deepcopy(event)
    cash = event["kind"] == "cash_receipt"
    records = [event["permission"]] if cash and event.get("permission") else list(event.get("approvals", ()))
    judged = [i for i in (event.get("prepared_by"), (event.get("employee") or {}).get("id")) if i]
    day = _day_of(event)
    if not records or rng.random() < 0.4:
        moment = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)))
        records.append(
            {"role": rng.choice(ROLES), "by": rng.choice(("E-01", "E-02", *judged)), "at": moment.isoformat()}
        )
    for record in records:
        twist = rng.random()
        if twist < 0.15:
            record["at"] = f"{day.isoformat()}T23:59:59"
        elif twist < 0.3:
            record["at"] = (day + dt.timedelta(days=rng.choice((-1, 1)))).isoformat() + "T00:00:00"
        elif twist < 0.4:
            record["at"] = f"{day.isoformat()}T{rng.choice(('15:59:59', '16:00:00'))}Z"
        elif twist < 0.5 and judged:
            record["by"] = rng.choice(judged)
        elif twist < 0.6:
            record["mode"] = "consent"
        elif twist < 0.7:
            record["role"] = rng.choice(ROLES)
    rng.shuffle(records)
    if cash:
        event["permission"] = records[0]
        if rng.random() < 0.5:
            event["handed_to_finance_at"] = None
    else:
        event["approvals"] = records
    if event["kind"] == "credit_sale" and rng.random() < 0.5:
        event["general_manager_away"] = not event["general_manager_away"]
    if event["kind"] == "receivable" and rng.random() < 0.5:
        event["settled_by"] = event["employee"]["id"]
    if event["kind"] == "handover" and rng.random() < 0.3:
        event["employee"] = {"id": "E-02", "role": "logistics_supervisor"}
    return event


def _assert_same_or_refused(event: dict[str, Any]) -> None:
    """The same decision, or both refuse the event naming the same field (a bent record may
    fall before a sales document's date)."""
    try:
        _policy().evaluate(event)
    except EventError as error:
        with pytest.raises(ValueError, match=r"^invalid event: ") as hand:
            handwritten.decide(event)
        assert hand.value.path == error.path  # type: ignore[attr-defined]
        return
    _assert_same(event)


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(KINDS_WITH_RECORDS),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    n=st.integers(min_value=0, max_value=10**6),
)
def test_same_decision_on_bent_approval_records(kind: str, seed: int, n: int) -> None:
    rng = random.Random(seed)
    _assert_same_or_refused(_bent(event_mix.EVERY_GENERATOR[kind](rng, n), rng))


@settings(max_examples=100, deadline=None)
@given(kind=st.sampled_from(sorted(VERDICTS)), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_same_decision_on_drawn_events(kind: str, seed: int) -> None:
    _assert_same(event_mix.EVERY_GENERATOR[kind](random.Random(seed), seed % 10**6))


def test_the_baseline_values_are_those_of_the_contract() -> None:
    """Not only equal to the engine: right. 3333.33 x 20% = 666.67, 第二十四条 for a new customer."""
    event = _contract(0, "new", "stock", "3333.33", "draft")
    values = handwritten.decide_contract(event)["values"]
    assert values == {
        "contract_required": True,
        "deposit_ratio": "0.20",
        "deposit_amount": "666.67",
        "deposit_shortfall": "66.67",
        "payment_on_delivery": False,
        "report_immediately": False,
        "customer_documents_complete": True,
    }


# ---- bad input ----

CONTRACT = _contract(0, "existing", "stock", "5000", "draft")
CASH = _cash_receipts()[0]
TRIP = _vehicle_events()[-1]
SERVICE = _vehicle_events()[0]


@pytest.mark.parametrize(
    ("event", "field", "value", "path"),
    [
        (CONTRACT, "amount", 0.1, "$.amount"),
        (CONTRACT, "amount", "-5", "$.amount"),
        (CONTRACT, "amount", "12.345", "$.amount"),
        (CONTRACT, "amount", "lots", "$.amount"),
        (CONTRACT, "deposit_paid", 100.0, "$.deposit_paid"),
        (CONTRACT, "product_class", "bulk", "$.product_class"),
        (CONTRACT, "status", "approved", "$.status"),
        (CONTRACT, "amout", "5000", "$.amout"),
        (CONTRACT, "customer", {"id": "K", "type": "old", "legal_form": "company"}, "$.customer.type"),
        (
            CONTRACT,
            "approvals",
            [{"role": "boss", "by": "E-1", "at": "2011-12-01T09:00:00"}],
            "$.approvals[0].role",
        ),
        (CONTRACT, "approvals", [{"role": "clerk", "by": "E-1", "at": "yesterday"}], "$.approvals[0].at"),
        (CONTRACT, "date", None, "$"),
        (CASH, "amount", "0", "$.amount"),
        (CASH, "handed_to_finance_at", "2011-12-01T09:59:59", "$"),
        (CASH, "received_at", "noon", "$.received_at"),
        (CASH, "employee", {"id": "E-05", "role": "cashier"}, "$.employee.role"),
        (
            CASH,
            "employee",
            {"id": "E-05", "role": "clerk", "monthly_salary": 4000.5},
            "$.employee.monthly_salary",
        ),
        (CASH, "permission", {"role": "general_manager", "by": "E-01"}, "$.permission.at"),
        (CASH, "payment_slip", "perhaps", "$.payment_slip"),
        (TRIP, "purpose", "holiday", "$.purpose"),
        (TRIP, "odometer_end", 99, "$"),
        (TRIP, "fuel_litres", 12.5, "$.fuel_litres"),
        (SERVICE, "due", "soon", "$.due"),
        (SERVICE, "vehicle", "", "$.vehicle"),
        (_incidents()[0], "violation", "speeding", "$.violation"),
        (_vouchers()[0], "reliable", "maybe", "$.reliable"),
        (_archive_and_reports()[0], "action", "burn", "$.action"),
        (_sales_documents()[0], "date", "2011-12-06", "$"),
        (_sales_documents()[0], "prepared_by", "", "$.prepared_by"),
        (_receivables()[0], "paid", "5000.01", "$"),
        (_receivables()[0], "customer_notified_at", "2011-12-15T09:00:00", "$"),
        (_receivables()[0], "due", None, "$.due"),
        (_receivables()[-1], "employee", {"id": "E-06", "role": "clerk"}, "$"),
        (_handovers()[0], "successor", "E-05", "$"),
        (_handovers()[0], "successor", None, "$"),
        (_handovers()[0], "reason", "retirement", "$.reason"),
    ],
)
def test_both_refuse_bad_input_naming_the_same_field(
    event: dict[str, Any], field: str, value: Any, path: str
) -> None:
    event = event | {field: value}
    with pytest.raises(EventError) as engine:
        _policy().evaluate(event)
    with pytest.raises(ValueError, match=r"^invalid event: ") as hand:
        handwritten.decide(event)
    assert engine.value.path == path
    assert hand.value.path == path  # type: ignore[attr-defined]


# ---- the table of 第二十四条 on zen-engine, and as a policy of its own ----


def _terms_events() -> list[dict[str, Any]]:
    """The benchmark's contract stream and every threshold of the table, amounts as numbers too."""
    events = [*event_mix.stream(["contract"], 300, seed=2011), *_contract_thresholds()]
    return [*events, *(e | {"amount": int(Decimal(e["amount"]))} for e in _contract_thresholds()[:16])]


@functools.cache
def _table_only_policy() -> Policy:
    with tempfile.TemporaryDirectory() as folder:
        return gorules.table_only_policy(Path(folder))


def test_the_table_only_policy_holds_the_one_table_and_gives_the_same_terms() -> None:
    table = _table_only_policy()
    assert {kind: [r.id for r in plan] for kind, plan in table.compiled.plans.items() if plan} == {
        "contract": ["contract.payment-terms"]
    }
    for event in _terms_events():
        assert gorules.engine_terms(table, event) == gorules.engine_terms(_policy(), event), event["id"]


def test_the_terms_are_those_of_the_contract() -> None:
    """Both sides of the zen comparison read the engine's decision the same way: a row with no
    deposit (none asked, or none stated) compares as None."""
    expected = {
        ("existing", "stock", "10000"): (None, False),
        ("existing", "stock", "10000.01"): (None, True),
        ("existing", "made_to_order", "10000"): ("0.30", False),
        ("existing", "custom", "10000.01"): ("0.50", True),
        ("new", "stock", "10000"): ("0.20", False),
        ("new", "stock", "10000.01"): ("0.30", True),
        ("new", "made_to_order", "10000.01"): ("0.30", True),
        ("new", "custom", "10000"): ("0.50", False),
    }
    for (customer_type, product_class, amount), terms in expected.items():
        event = _contract(0, customer_type, product_class, amount, "draft")
        assert gorules.engine_terms(_policy(), event) == terms


@pytest.mark.parametrize("evaluator", ["zen_decision_evaluate", "zen_engine_evaluate"])
def test_zen_engine_decides_the_table_as_the_policy_does(evaluator: str) -> None:
    pytest.importorskip("zen", reason="zen-engine is not installed")
    evaluators = gorules.zen_evaluators()
    assert not isinstance(evaluators, str)
    events = _terms_events()
    assert gorules.disagreement(_policy(), _table_only_policy(), evaluators[evaluator], events) is None
    # The JDM has the 8 rows of the contract's (docs/contract.md) table, first hit.
    table = json.loads(gorules.JDM.read_text(encoding="utf-8"))["nodes"][1]["content"]
    assert (table["hitPolicy"], len(table["rules"])) == ("first", 8)
