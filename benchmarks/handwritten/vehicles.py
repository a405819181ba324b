"""The vehicle decisions of 第三十至三十二条, 第三十七条第（五）、（六）项 (policy/vehicles.yaml), by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import reading as read
from .deciding import Step, cite, entry, finish, judge, message

TRIP_FIELDS = frozenset(
    (
        "kind",
        "id",
        "date",
        "employee",
        "vehicle",
        "purpose",
        "approvals",
        "odometer_start",
        "odometer_end",
        "fuel_litres",
    )
)
SERVICE_FIELDS = frozenset(("kind", "id", "date", "employee", "vehicle", "due", "done", "vehicle_since"))
PURPOSES = frozenset(("business", "private"))
# 第三十二条: the supervisor or the general manager approves a private trip by the end of its day.
PRIVATE_USE: tuple[Step, ...] = (
    (("logistics_supervisor", "general_manager"), "approve", (32, None), False, (), True, False),
)

PRIVATE_WITHOUT_APPROVAL = message("vehicle.private-use-without-approval", "private_vehicle_use")
RECORD_MILEAGE = message("vehicle.trip-records", "record_mileage_and_fuel")
SERVICE_LATE = message("vehicle.service-late", "vehicle_not_serviced")
SERVICE_DUE = message("vehicle.service-due", "service_vehicle")
SERVICE_OVERDUE = message("vehicle.service-due", "vehicle_not_serviced")


def decide_vehicle_trip(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "vehicle_trip", TRIP_FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    day = read.event_day(event)
    read.text(read.required(event, "vehicle"), "$.vehicle")
    employee_id, _, salary = read.employee(event.get("employee"), needed=True)
    private = read.choice(read.required(event, "purpose"), PURPOSES, "$.purpose") == "private"
    records = read.records(event.get("approvals", ()))
    start = read.count(event.get("odometer_start"), "$.odometer_start")
    end = read.count(event.get("odometer_end"), "$.odometer_end")
    if start is not None and end is not None and end < start:
        raise read.BadEventError("$", f"`odometer_end` {end} is below `odometer_start` {start}")
    fuel = event.get("fuel_litres")
    if fuel is not None:
        fuel = read.money(fuel, "$.fuel_litres")

    cited = set()
    approvals: list[dict[str, Any]] = []
    obligations = []
    violations = []
    # 第三十二条, 第三十七条第（五）项
    if private:
        cited.add((32, 0))
        approvals = judge(PRIVATE_USE, records, frozenset((employee_id,)), day)
        if not approvals[0]["satisfied"]:
            violations.append(entry("private_vehicle_use", PRIVATE_WITHOUT_APPROVAL, cite(32)))
    # 第三十一条
    if start is None or end is None or fuel is None:
        obligations.append(entry("record_mileage_and_fuel", RECORD_MILEAGE, cite(31)))
    return finish(event_id, "vehicle_trip", {}, approvals, obligations, violations, salary, cited)


def decide_vehicle_service(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "vehicle_service", SERVICE_FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    dated = read.optional_date(event.get("date"), "$.date")
    read.text(read.required(event, "vehicle"), "$.vehicle")
    due = read.date(read.required(event, "due"), "$.due")
    done = read.optional_date(event.get("done"), "$.done")
    _, _, salary = read.employee(event.get("employee"), needed=True)
    since = read.optional_date(event.get("vehicle_since"), "$.vehicle_since")
    if since is not None and done is not None and done < since:
        raise read.BadEventError(
            "$",
            f"`done` {done.isoformat()} is before the vehicle existed (`vehicle_since` {since.isoformat()})",
        )
    day = due if dated is None else dated

    values = {}
    obligations = []
    violations = []
    # 第三十条: late when done after the due date; not done, due by the end of the due date.
    if done is not None:
        if done > due:
            values["service_days_late"] = (done - due).days
            violations.append(entry("vehicle_not_serviced", SERVICE_LATE, cite(30)))
    elif day > due:  # the record's own date shows the due day is over: the duty is overdue
        violations.append(entry("vehicle_not_serviced", SERVICE_OVERDUE, cite(30)))
    else:
        deadline = dt.datetime.combine(due + dt.timedelta(days=1), dt.time.min).isoformat()
        obligations.append({**entry("service_vehicle", SERVICE_DUE, cite(30)), "deadline": deadline})
    cited = {(30, 0)} if values or violations or obligations else set()
    return finish(event_id, "vehicle_service", values, [], obligations, violations, salary, cited)
