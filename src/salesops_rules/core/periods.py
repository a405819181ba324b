"""Calendar periods of the rules across events: ISO weeks, months, quarters and years.

A period has a label (`2011-W49`, `2011-12`, `2011-Q4`, `2011`), the label a record that
covers it writes in its field (`covers:`), and a last day, after which it is over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

PERIODS = ("week", "month", "quarter", "year")


def label(day: dt.date, per: str) -> str:
    """The label of the period of `per` that `day` falls in."""
    if per == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if per == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if per == "year":
        return f"{day.year:04d}"
    return f"{day.year:04d}-{day.month:02d}"


def first_day(period: str, per: str) -> dt.date:
    if per == "week":
        return dt.date.fromisocalendar(int(period[:4]), int(period[6:]), 1)
    if per == "quarter":
        return dt.date(int(period[:4]), 3 * int(period[6]) - 2, 1)
    if per == "year":
        return dt.date(int(period[:4]), 1, 1)
    return dt.date(int(period[:4]), int(period[5:7]), 1)


def last_day(period: str, per: str) -> dt.date:
    """The period's last day: once it has passed, the period is over."""
    start = first_day(period, per)
    if per == "week":
        return start + dt.timedelta(days=6)
    months = {"quarter": 3, "year": 12}.get(per, 1)
    year, month = divmod(start.month - 1 + months, 12)
    return dt.date(start.year + year, month + 1, 1) - dt.timedelta(days=1)


def is_label(text: str, per: str) -> bool:
    """Whether `text` is written as the label of a period of `per` (`2011-12` for a month)."""
    try:
        return label(first_day(text, per), per) == text
    except (ValueError, IndexError):
        return False


def between(first: dt.date, last: dt.date, per: str) -> Iterator[str]:
    """Every period of `per` from the one holding `first` to the one holding `last`."""
    period = label(first, per)
    end = label(last, per)
    while True:
        yield period
        if period == end:
            return
        period = label(last_day(period, per) + dt.timedelta(days=1), per)
