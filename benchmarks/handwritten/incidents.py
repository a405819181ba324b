"""The incident decision of 第三十七、三十八条 (policy/incidents.yaml), by hand."""

from __future__ import annotations

from typing import Any

from . import reading as read
from .deciding import MESSAGES, PENALTIES, cite, entry, finish

FIELDS = frozenset(("kind", "id", "date", "employee", "violation"))
# Every violation code of the penalty table, with the item it cites.
CODES = {code: (p["cite"]["article"], p["cite"].get("item")) for code, p in PENALTIES.items()}
KNOWN = frozenset(CODES)
# The message of each code's row of the policy's table.
REPORTED = {key[-1]: text for key, text in MESSAGES.items() if key[0] == "incident.reported-violation"}


def decide_incident(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "incident", FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    read.event_day(event)
    _, _, salary = read.employee(event.get("employee"), needed=True)
    code = read.choice(read.required(event, "violation"), KNOWN, "$.violation")
    violations = [entry(code, REPORTED[code], cite(*CODES[code]))]
    return finish(event_id, "incident", {}, [], [], violations, salary, set())
