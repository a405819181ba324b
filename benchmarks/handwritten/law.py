"""The legal notes of policy/law.yaml, by hand: 定金 above 20% of a contract, the wage-deduction cap."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import reading as read
from .deciding import CENT, POLICY_DIR, _load

NOTES = {note["id"]: note for note in _load(POLICY_DIR / "law.yaml")["legal_notes"]}
GUARANTEE_LAW, CIVIL_CODE, WAGES = (
    "law.deposit-cap-guarantee-law",
    "law.deposit-cap-civil-code",
    "law.wage-deduction-cap",
)
DATED_BY = {"cash_receipt": "received_at", "shipment": "shipped_at", "vehicle_service": "due"}
DEPOSIT_CAP = Decimal("0.20")  # 担保法第九十一条, 民法典第五百八十六条
WAGE_CAP = Decimal(str(NOTES[WAGES]["deduction_cap"])).quantize(CENT)  # 第十六条, written 0.20


def _law(spec: dict[str, Any]) -> dict[str, Any]:
    return {"law": spec["law"], "article": spec["article"], "text": spec["zh"], "text_en": spec["en"]}


def _note(note_id: str, figures: dict[str, str], cap: Decimal | None = None) -> dict[str, Any]:
    spec = NOTES[note_id]
    return {
        "id": note_id,
        "cite": _law(spec["law"]),
        "also": [_law(a) for a in spec.get("also", ())],
        "message": spec["note"]["zh"],
        "message_en": spec["note"]["en"],
        "figures": figures,
        "deduction_cap": None if cap is None else str(cap),
    }


def _in_force(note_id: str, day: dt.date) -> bool:
    spec = NOTES[note_id]
    start, end = spec.get("effective_from"), spec.get("effective_to")
    return (start is None or day >= start) and (end is None or day <= end)


def _day(event: dict[str, Any]) -> dt.date:
    if event.get("date") is not None:
        return read.date(event["date"], "$.date")
    field = DATED_BY[event["kind"]]
    stamp = event[field]
    return read.timestamp(stamp, f"$.{field}").date() if field != "due" else read.date(stamp, "$.due")


def add_legal_notes(event: dict[str, Any], decision: dict[str, Any]) -> dict[str, Any]:
    """The decision with its legal notes, and each penalty's monthly cap when the salary is known."""
    day = _day(event)
    notes = []
    if event["kind"] == "contract":
        amount = read.positive_money(event["amount"], "$.amount")
        paid = read.money(event.get("deposit_paid", 0), "$.deposit_paid")
        required = decision["values"].get("deposit_amount")
        deposit = paid if paid > 0 else (Decimal(required) if required is not None else None)
        cap = (amount * DEPOSIT_CAP).quantize(CENT, rounding=ROUND_HALF_UP)
        if deposit is not None and deposit > cap:
            figures = {"earnest_money": str(min(deposit, cap)), "above_earnest_cap": str(deposit - cap)}
            notes += [_note(n, figures) for n in (GUARANTEE_LAW, CIVIL_CODE) if _in_force(n, day)]
    penalties = decision["penalties"]
    if any(p["deduction_months"] is not None for p in penalties) and _in_force(WAGES, day):
        notes.append(_note(WAGES, {}, WAGE_CAP))
        salary = (event.get("employee") or {}).get("monthly_salary")
        if salary is not None:
            per_month = (read.money(salary, "$.employee.monthly_salary") * WAGE_CAP).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
            for p in penalties:
                amount_range = p["deduction_amount"]
                if amount_range is not None and per_month > 0:
                    p["deduction_cap_per_month"] = str(per_month)
                    p["months_to_recover"] = {
                        "min": math.ceil(Decimal(amount_range["min"]) / per_month),
                        "max": math.ceil(Decimal(amount_range["max"]) / per_month),
                    }
    decision["legal_notes"] = notes
    decision["as_of"] = None  # the baselines judge as of the event's own records
    decision["values_in_force"] = []  # the bundled pack dates no value
    return decision
