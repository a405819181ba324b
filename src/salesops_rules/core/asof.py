"""Judged as of a time: the judgement time of a decision, and the deadlines it is compared with.

An obligation with a deadline is open before the deadline and overdue from it on. The
judgement time is the `as_of` the caller gives, and never earlier than the latest time the
event itself records: what the event records has happened. Without `as_of`, the event is
judged as of that latest time alone, so nothing is a breach that depends on a time the
event does not show has come (docs/readings.md, "Judged as of a time").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from ..model.events import COMPANY_TZ

DAY = dt.timedelta(days=1)


def judgement_time(value: str | dt.date | dt.datetime | None) -> dt.datetime | None:
    """`as_of` as a company-local timestamp: a date is 00:00 of that day; an aware time is read in CST."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = (
                dt.datetime.fromisoformat(text) if "T" in text or " " in text else dt.date.fromisoformat(text)
            )
        except ValueError:
            raise ValueError(
                f"`as_of` `{text}` is not an ISO 8601 date or timestamp such as `2011-12-05T11:00:00`"
            ) from None
    if isinstance(value, dt.datetime):
        return value.astimezone(COMPANY_TZ).replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.min)
    raise ValueError(f"`as_of` is a date or a timestamp, not {type(value).__name__}")


def due_instant(deadline: dt.date | dt.datetime) -> dt.datetime:
    """The instant a deadline falls: a date means by the end of that day (00:00 of the next)."""
    if isinstance(deadline, dt.datetime):
        return deadline
    if isinstance(deadline, dt.date):
        return dt.datetime.combine(deadline + DAY, dt.time.min)
    raise TypeError(f"a deadline is a date or a timestamp, not `{deadline!r}`")


def recorded_until(event: BaseModel, day: dt.date) -> dt.datetime:
    """The latest time the event records as having happened: its day's start, or a later timestamp.

    Only timestamps count: they record what happened (received, handed over, approved); a
    date may be a plan (`due`). Called only when a deadline is compared, so never on the hot path.
    """
    latest = dt.datetime.combine(day, dt.time.min)
    for stamp in _stamps(event):
        latest = max(latest, stamp)
    return latest


def _stamps(value: Any) -> list[dt.datetime]:
    found: list[dt.datetime] = []
    items = value.__dict__.values() if isinstance(value, BaseModel) else value
    for item in items:
        if isinstance(item, dt.datetime):
            found.append(item)
        elif isinstance(item, BaseModel | tuple | list):
            found += _stamps(item)
    return found
