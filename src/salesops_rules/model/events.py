"""The generic strict types events are made of, and the base every event kind builds on.

A pack declares its kinds in `events.yaml`; `core/eventkinds.py` builds a pydantic model
per kind from these types. Unknown fields are rejected rather than ignored: a misspelt
`amout` must not turn into a decision about an event without an amount.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, ClassVar, Protocol

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from .jsonread import MAX_STRING, quoted

# The company's working day is the one on its walls: an aware timestamp is read in
# China Standard Time and kept naive, so "the same day" means the same calendar day.
COMPANY_TZ = dt.timezone(dt.timedelta(hours=8), "CST")

# The days an event may be dated in (docs/contract.md, "Bounds"): wide for any business
# record, and far enough from the calendar's ends that no date arithmetic overflows.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
_IN_RANGE = f"an event's dates are from {EARLIEST.isoformat()} to {LATEST.isoformat()}"


def _local(value: dt.datetime) -> dt.datetime:
    if not EARLIEST <= value.date() <= LATEST:
        raise ValueError(f"`{value.isoformat()}` is out of range: {_IN_RANGE}")
    if value.tzinfo is not None:
        local = value.astimezone(COMPANY_TZ).replace(tzinfo=None)
        if not EARLIEST <= local.date() <= LATEST:
            raise ValueError(
                f"`{value.isoformat()}` is out of range once read in China Standard Time "
                f"(`{local.isoformat()}`): {_IN_RANGE}"
            )
        return local
    return value


def _in_range(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"`{value.isoformat()}` is out of range: {_IN_RANGE}")
    return value


_NUMBER_TEXT = re.compile(r"\s*[-+]?[0-9]+(?:\.[0-9]*)?\s*")


def _not_a_number(value: Any) -> Any:
    # pydantic would read a number, or a string of digits, as seconds since 1970:
    # `"date": 0` or `"date": "0"` must not pass as 1970-01-01.
    if type(value) is str and value[4:5] == "-" and value[:4].isdigit():
        # The usual ISO text, `2011-12-01...`, told at once: a `-` after a digit is never part
        # of a number `_NUMBER_TEXT` matches (its sign comes first).
        return value
    if isinstance(value, int | float | Decimal) or (isinstance(value, str) and _NUMBER_TEXT.fullmatch(value)):
        raise ValueError(
            f"{quoted(value)} is a number, not an ISO 8601 date or timestamp such as `2011-12-01T09:30:00`"
        )
    return value


@cache
def _lax_bool() -> TypeAdapter[bool]:
    return TypeAdapter(bool)  # made on the first value that is not a boolean: rare


def flag_message(value: Any) -> str:
    """What is wrong with `value` given for a boolean field (`Flag`), which refused it.

    pydantic would take "yes", "n", 1 and 0 as booleans: the contract says true or false.
    What pydantic refuses anyway keeps pydantic's message.
    """
    try:
        _lax_bool().validate_python(value)
    except ValidationError as error:
        return str(error.errors(include_url=False)[0]["msg"])
    return f"{quoted(value)} is not a boolean: send JSON `true` or `false`"


def whole_number(value: Any) -> int:
    # pydantic would take true as 1 and "1_000" as 1000: only a JSON integer is one.
    if type(value) is int:
        return value
    raise ValueError(f"{quoted(value)} is not an integer: send a JSON integer such as `1200`")


Timestamp = Annotated[dt.datetime, BeforeValidator(_not_a_number), AfterValidator(_local)]
Day = Annotated[dt.date, BeforeValidator(_not_a_number), AfterValidator(_in_range)]
# JSON `true` or `false`, and nothing else, checked in pydantic's core (no Python call per
# field); its refusal (`bool_type`) is worded by `flag_message` where errors are said.
Flag = StrictBool


class Strict(BaseModel):
    # A string longer than the JSON reader takes is refused here too, for events given as dicts.
    # Built when first used, not at import: a pack's kinds and shapes are built on these where
    # they are made (core/eventkinds.py), so `check`/`explain` build one kind's (issue 13).
    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=MAX_STRING, defer_build=True)


class EventBase(Strict):
    """What every event has, whatever its pack: an `id`, a `kind` and the day it happened.

    A pack's kinds (`events.yaml`) are built on it by `core/eventkinds.py`, which sets the
    class variables: the field that dates the event when `date` is absent, and the checks
    across fields, each a callable raising ValueError with its message.
    """

    id: str = Field(min_length=1)
    date: Day | None = None

    dated_by: ClassVar[str | None] = None
    checks: ClassVar[tuple[Callable[[Any], None], ...]] = ()

    @model_validator(mode="after")
    def _checked(self) -> EventBase:
        if self.date is None and self.dated_by is None:
            raise ValueError("`date` is required for this kind of event")
        for check in self.checks:
            check(self)
        return self

    @property
    def event_date(self) -> dt.date:
        if self.date is not None:
            return self.date
        stamp: dt.datetime | dt.date = getattr(self, self.dated_by or "date")
        return stamp.date() if isinstance(stamp, dt.datetime) else stamp


class ApprovalRecord(Protocol):
    """What the engine reads of an approval record, whatever shape the pack gives it."""

    @property
    def role(self) -> str: ...
    @property
    def by(self) -> str: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def mode(self) -> str: ...
