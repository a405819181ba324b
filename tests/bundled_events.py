"""The bundled pack's event kinds, for tests that name a kind's model.

Until issue 9 these were Python classes in `model/events.py`; the pack now declares them
(policy/events.yaml) and the loader builds them, so tests take them from the loaded policy.
"""

from __future__ import annotations

from typing import Any

from salesops_rules import load_policy

EVENTS = load_policy().compiled.events
EVENT_MODELS = EVENTS.models
ROLES = EVENTS.roles
ApprovalRecord: Any = EVENTS.shapes["approval_record"]
Contract: Any = EVENT_MODELS["contract"]
CreditSale: Any = EVENT_MODELS["credit_sale"]
CashReceipt: Any = EVENT_MODELS["cash_receipt"]
VehicleService: Any = EVENT_MODELS["vehicle_service"]
# The codes an incident may name (the type `violation`: the codes of penalties.yaml).
VIOLATION_CODES: tuple[str, ...] = tuple(EVENTS.json_schema("incident")["properties"]["violation"]["enum"])
