"""Record how the bundled pack reads events: the reference for tests/test_event_corpus.py.

Run once before the event models moved from Python into policy/events.yaml (issue 9),
with the hand-written classes; the file it wrote is the reference the pack's models are
held to. Run again (`python tests/data/record_event_corpus.py`) only to record a change of
the contract on purpose, and say it in CHANGELOG.md. It collects the events of examples/ and of the
pack's test cases, makes invalid ones from them (each field left out, null, of a wrong
type, and an unknown field beside it), and writes every event with what parsing it gave
(the event as read, or every error path and message) and, for a valid one, its decision.
The models built from the pack must give exactly the same: the test reads this file.
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from salesops_rules import load_policy
from salesops_rules.core.evaluator import parse_event
from salesops_rules.errors import EventError
from salesops_rules.tools.cases import load_suite

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).with_name("event_corpus.json.gz")

# Wrong values a field may be given; each is tried on every field path.
MUTATIONS: list[Any] = [
    None,
    1.5,
    "",
    "x",
    True,
    12,
    -3,
    [],
    {},
    "2011-12-01",
    "2011-12-01T09:30:00",
    "12.345",
]


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append((*prefix, key))
            found.extend(paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for i, inner in enumerate(value[:2]):
            found.append((*prefix, i))
            found.extend(paths(inner, (*prefix, i)))
    return found


def put(event: dict[str, Any], path: tuple[Any, ...], value: Any, remove: bool = False) -> dict[str, Any]:
    copied = copy.deepcopy(event)
    target = copied
    for step in path[:-1]:
        target = target[step]
    if remove:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copied


def base_events() -> list[dict[str, Any]]:
    events = [json.loads(p.read_text()) for p in sorted((ROOT / "examples").glob("*.json"))]
    suite = load_suite(ROOT / "policy" / "tests")
    events += [plain(case.event) for case in suite.cases]
    events += [plain(e) for case in suite.ledger_cases for e in case.events]
    return [plain(e) for e in events]


def mutants(base: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for event in base:
        by_kind.setdefault(str(event.get("kind")), []).append(event)
    found: list[dict[str, Any]] = []
    for events in by_kind.values():
        # The events of a kind with the most fields first: they reach the most paths.
        for event in sorted(events, key=lambda e: -len(json.dumps(e)))[:3]:
            for path in paths(event):
                if path == ("kind",):
                    continue
                found.append(put(event, path, None, remove=True))
                found.extend(put(event, path, value) for value in MUTATIONS)
            found.append({**event, "surplus": 1})
        found.append({"kind": events[0].get("kind"), "id": "X"})
    return found


def crafted(base: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events that break each check across fields, and events that keep just within it."""
    first = {}
    for event in base:
        first.setdefault(event.get("kind"), event)
    emp = {"id": "E-01", "role": "clerk"}
    found = []
    contract = first["contract"]
    for amounts in (["3000", "2000"], ["3000", "99999999"], ["0.01"]):
        schedule = [{"due": f"2012-01-0{i + 1}", "amount": a} for i, a in enumerate(amounts)]
        found.append({**contract, "amount": "5000", "collection_schedule": schedule})
    receipt = first["cash_receipt"]
    for handed in (
        "2011-12-01T08:00:00",
        "2011-12-01T09:30:00",
        "2011-12-01T09:30:00+09:00",
        "2011-12-02T00:00:00",
    ):
        found.append({**receipt, "received_at": "2011-12-01T09:30:00", "handed_to_finance_at": handed})
    trip = first["vehicle_trip"]
    for start, end in ((100, 50), (100, 100), (100, 150), (None, 50)):
        found.append({**trip, "odometer_start": start, "odometer_end": end})
    service = first["vehicle_service"]
    for done in ("2011-11-01", "2011-12-01", "2011-12-05"):
        found.append({**service, "vehicle_since": "2011-12-01", "done": done})
    doc = first["sales_document"]
    for at in ("2011-12-04T23:59:59", "2011-12-05T00:00:00"):
        records = [
            {"role": "clerk", "by": "E-07", "at": "2011-12-05T10:00:00"},
            {"role": "logistics_supervisor", "by": "E-02", "at": at},
        ]
        found.append({**doc, "date": "2011-12-05", "approvals": records})
    rec = first["receivable"]
    for extra in (
        {"amount": "100", "paid": "100.01"},
        {"amount": "100", "paid": "100"},
        {"date": "2011-12-05", "customer_notified_at": "2011-12-06T00:00:00"},
        {"date": "2011-12-05", "customer_notified_at": "2011-12-05T23:59:59"},
        {"date": "2011-12-05", "reported_to_general_manager_at": "2011-12-06T08:00:00"},
        {"employee": emp, "settled_by": "E-99"},
        {"employee": emp, "settled_by": "E-01"},
        {"settled_by": "E-99"},
        {
            "amount": "100",
            "paid": "200",
            "settled_by": "E-99",
            "employee": emp,
            "customer_notified_at": "2099-01-01T00:00:00",
        },
    ):
        found.append({**rec, **extra})
    hand = first["handover"]
    for extra in (
        {"employee": emp, "successor": "E-01"},
        {"employee": emp, "successor": None, "completed": True},
        {"employee": emp, "successor": "E-01", "completed": True},
        {"employee": emp, "successor": "E-02", "completed": True},
    ):
        found.append({**hand, **extra})
    for event in first.values():
        without = {k: v for k, v in event.items() if k != "date"}
        found.append(without)
        found.append({**event, "date": None})
    return found


def record(event: dict[str, Any], policy: Any) -> dict[str, Any]:
    try:
        parsed = parse_event(policy.compiled, event)
    except EventError as error:
        return {"event": event, "problems": [list(p) for p in error.problems]}
    entry: dict[str, Any] = {"event": event, "read": parsed.model_dump(mode="json")}
    try:
        entry["decision"] = policy.evaluate(event).model_dump(mode="json")
    except ValueError as error:  # judged invalid past parsing (e.g. before the policy's days)
        entry["refused"] = str(error)
    return entry


def main() -> int:
    policy = load_policy()
    base = base_events()
    events = base + crafted(base) + mutants(base)
    seen: set[str] = set()
    entries = []
    for event in events:
        key = json.dumps(event, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        entries.append(record(event, policy))
    events = policy.compiled.events
    schemas = {kind: events.json_schema(kind) for kind in events.kinds}
    union = events.union_schema
    with gzip.open(OUT, "wt", encoding="utf-8") as out:
        json.dump(
            {"entries": entries, "schemas": schemas, "union": union}, out, ensure_ascii=False, sort_keys=True
        )
    valid = sum("read" in e for e in entries)
    sys.stderr.write(f"{len(entries)} events, {valid} valid, written to {OUT}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
