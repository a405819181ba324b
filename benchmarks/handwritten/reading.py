"""Reading an event by hand: each field checked as the engine's event models check it.

The baseline must do the engine's input work, or the ratio flatters it: money is parsed
as an exact decimal (floats, more than two places, negatives, look-alike digits and
10^12 or more refused), enums and booleans (true/false only) are checked, timestamps are
parsed and read in company time (+08:00), dates bounded (1900 to 2999), unknown fields are
refused (issue 12's bounds, docs/contract.md). A bad field raises `BadEventError` naming it as the engine does
(`$.approvals[0].at`).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

# The company's day: an aware timestamp is read in China Standard Time and kept naive.
CST = dt.timezone(dt.timedelta(hours=8), "CST")
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)  # the days an event may hold

ROLES = frozenset(("clerk", "logistics_supervisor", "general_manager", "driver", "finance"))
EMPLOYEE_FIELDS = frozenset(("id", "role", "monthly_salary"))
CUSTOMER_FIELDS = frozenset(
    ("id", "type", "legal_form", "documents", "sealed", "address", "phone", "contact")
)
CUSTOMER_TYPES = frozenset(("existing", "new"))
LEGAL_FORMS = frozenset(("company", "individual"))
DOCUMENTS = frozenset(
    ("business_licence", "organisation_code", "tax_registration", "id_card_front", "id_card_back")
)
RECORD_FIELDS = frozenset(("role", "by", "at", "mode"))
MODES = frozenset(("signed", "consent"))

# An approval record as read: (role, by, at in company time, mode).
Record = tuple[str, str, dt.datetime, str]


class BadEventError(ValueError):
    """An event the function cannot decide on; `path` names the field as the engine does (`$.amount`)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"invalid event: {path}: {message}")


def fields(record: Any, allowed: frozenset[str], path: str) -> dict[str, Any]:
    """`record` as an object with no field outside `allowed`."""
    if not isinstance(record, dict):
        raise BadEventError(path, "must be an object")
    if not allowed.issuperset(record):
        raise BadEventError(f"{path}.{min(record.keys() - allowed)}", "unknown field")
    return record


def event_fields(event: Any, kind: str, allowed: frozenset[str]) -> dict[str, Any]:
    """The event as an object of `kind` with only the fields of that kind."""
    event = fields(event, allowed, "$")
    if event.get("kind") != kind:
        raise BadEventError("$.kind", f"`{event.get('kind')}` is not `{kind}`")
    return event


def required(event: dict[str, Any], name: str, path: str = "$") -> Any:
    try:
        return event[name]
    except KeyError:
        raise BadEventError(f"{path}.{name}", "missing field") from None


def event_day(event: dict[str, Any]) -> dt.date:
    """The `date` of a kind that has no timestamp of its own to date it."""
    value = event.get("date")
    if value is None:
        raise BadEventError("$", "`date` is required for this kind of event")
    return date(value, "$.date")


# Money as text: ASCII digits, an optional leading `-` and one `.`; less than 10^12 in size.
DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
MONEY_LIMIT = Decimal(10) ** 12


def decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, bool | float):
        raise BadEventError(path, f"must be a decimal string or an integer, not `{value!r}`")
    if isinstance(value, int):
        result = Decimal(value) if -MONEY_LIMIT < value < MONEY_LIMIT else Decimal("Infinity")
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        if not DECIMAL_TEXT.fullmatch(value):
            raise BadEventError(path, f"`{value}` is not a decimal number")
        result = Decimal(value)
    else:
        raise BadEventError(path, f"must be a decimal string or an integer, not {type(value).__name__}")
    if not result.is_finite() or not -MONEY_LIMIT < result < MONEY_LIMIT:
        raise BadEventError(path, f"`{value}` is out of range")
    return result


def money(value: Any, path: str) -> Decimal:
    result = decimal(value, path)
    if result.as_tuple().exponent < -2:  # type: ignore[operator]
        raise BadEventError(path, f"`{value}` has more than 2 decimal places")
    if result < 0:
        raise BadEventError(path, f"`{value}` is negative")
    return result


def positive_money(value: Any, path: str) -> Decimal:
    result = money(value, path)
    if result == 0:
        raise BadEventError(path, "must be greater than 0")
    return result


def text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise BadEventError(path, "must be a non-empty string")
    return value


def optional_text(value: Any, path: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BadEventError(path, "must be a string")
    return value


def boolean(value: Any, path: str) -> bool:
    if value is True or value is False:  # JSON true and false only, as the engine's models
        return value
    raise BadEventError(path, "must be a boolean")


def count(value: Any, path: str) -> int | None:
    """A whole number from 0 to 10^9 - 1, or None (an odometer reading); a JSON integer only."""
    if value is None:
        return None
    if type(value) is not int:
        raise BadEventError(path, "must be a whole number")
    if not 0 <= value < 10**9:
        raise BadEventError(path, f"`{value}` is out of range")
    return value


def choice(value: Any, allowed: frozenset[str], path: str) -> str:
    if value not in allowed:
        raise BadEventError(path, f"`{value}` is not allowed")
    return str(value)


def timestamp(value: Any, path: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = dt.datetime.fromisoformat(value)
        except ValueError:
            raise BadEventError(path, f"`{value}` is not a timestamp") from None
    else:
        raise BadEventError(path, "must be a timestamp")
    if not FIRST_DAY <= stamp.date() <= LAST_DAY:
        raise BadEventError(path, f"`{value}` is out of range")
    local = stamp.astimezone(CST).replace(tzinfo=None) if stamp.tzinfo is not None else stamp
    if not FIRST_DAY <= local.date() <= LAST_DAY:
        raise BadEventError(path, f"`{value}` is out of range")
    return local


def date(value: Any, path: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if FIRST_DAY <= day <= LAST_DAY:
                return day
    raise BadEventError(path, f"`{value}` is not a date")


def optional_date(value: Any, path: str) -> dt.date | None:
    return None if value is None else date(value, path)


def record(raw: Any, path: str) -> Record:
    raw = fields(raw, RECORD_FIELDS, path)
    return (
        choice(required(raw, "role", path), ROLES, f"{path}.role"),
        text(required(raw, "by", path), f"{path}.by"),
        timestamp(required(raw, "at", path), f"{path}.at"),
        choice(raw.get("mode", "signed"), MODES, f"{path}.mode"),
    )


def records(raw: Any) -> tuple[Record, ...]:
    """The event's `approvals`."""
    if not isinstance(raw, list | tuple):
        raise BadEventError("$.approvals", "must be a list")
    return tuple(record(r, f"$.approvals[{i}]") for i, r in enumerate(raw))


def employee(raw: Any, needed: bool) -> tuple[str | None, str | None, Decimal | None]:
    """The judged employee's id, role and monthly salary; all None when no employee is given."""
    if raw is None:
        if needed:
            raise BadEventError("$.employee", "missing field")
        return None, None, None
    raw = fields(raw, EMPLOYEE_FIELDS, "$.employee")
    salary = raw.get("monthly_salary")
    return (
        text(raw.get("id"), "$.employee.id"),
        choice(raw.get("role"), ROLES, "$.employee.role"),
        None if salary is None else money(salary, "$.employee.monthly_salary"),
    )


def customer(raw: Any) -> tuple[str, str, Any, bool, dict[str, Any]]:
    """A customer record: its type, legal form, documents, whether sealed, and the record itself."""
    record = fields(raw, CUSTOMER_FIELDS, "$.customer")
    text(record.get("id"), "$.customer.id")
    documents = record.get("documents", ())
    for i, code in enumerate(documents):
        choice(code, DOCUMENTS, f"$.customer.documents[{i}]")
    for name in ("address", "phone", "contact"):
        optional_text(record.get(name), f"$.customer.{name}")
    return (
        choice(record.get("type"), CUSTOMER_TYPES, "$.customer.type"),
        choice(record.get("legal_form"), LEGAL_FORMS, "$.customer.legal_form"),
        documents,
        boolean(record.get("sealed", False), "$.customer.sealed"),
        record,
    )
