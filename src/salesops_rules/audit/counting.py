"""Counting rules across events (`count:`): one group's counted events, in date order, to findings.

The fact store (`across.py`) streams each group's counted events from its SQLite file in
(date, ledger order) and hands them here; this module keeps only what the window needs:
the events of a sliding window, or the tallies of the last `in_a_row` periods (each with
at most `SHOWN` ids). Both orders are fixed by the events, not by how the ledger was cut
into chunks, so the findings are the same for one process, a pool or Dask.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

from ..core import periods
from ..core.compiled import CountPlan

SHOWN = 20  # ids of counted events a finding names per window (or period); then "and N more"


class Counted(NamedTuple):
    """One counted event of a group, as the fact store keeps it (a tuple: made per row read)."""

    period: str  # the period it counts in ("" in a sliding window)
    day: dt.date
    seq: int
    position: int
    event_id: str
    kind: str
    employee: str
    month: str


@dataclass
class Tally:
    """One calendar period of a group: how many events it counted, the first ones, and the Nth."""

    period: str
    count: int = 0
    ids: list[str] = field(default_factory=list)
    anchor: Counted | None = None  # the event that reached `at_least`

    def add(self, event: Counted, at_least: int | None) -> None:
        self.count += 1
        if len(self.ids) < SHOWN:
            self.ids.append(event.event_id)
        if at_least is not None and self.count == at_least:
            self.anchor = event


@dataclass(frozen=True)
class Found:
    """One finding of a counting rule, before it is worded."""

    state: str  # "found", or "open" (a period of `at_most` not over when the ledger is judged)
    anchor: Counted | None  # the event that reached the threshold; None for too few events
    month: str  # the month the finding counts under
    start: str  # the window's first day, or its first period
    end: str  # its last day (the anchor's), or its last period
    events: tuple[tuple[str, int, tuple[str, ...]], ...]  # per period (or "" for a sliding one): count, ids


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier; that month's last day when it has no such day."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def window_start(plan: CountPlan, day: dt.date) -> dt.date:
    """The first day of the sliding window ending on `day` (both days inclusive)."""
    try:
        if plan.within_months is not None:
            return months_before(day, plan.within_months)
        assert plan.within_days is not None
        return day - dt.timedelta(days=plan.within_days)
    except (OverflowError, ValueError):
        return dt.date.min  # a window longer than the calendar holds every earlier event


def sliding(plan: CountPlan, events: Iterable[Counted]) -> Iterator[Found]:
    """A finding at every counted event whose window (ending on its day) holds `at_least` events."""
    assert plan.at_least is not None
    window: deque[Counted] = deque()
    for event in events:
        start = window_start(plan, event.day)
        while window and window[0].day < start:
            window.popleft()
        window.append(event)
        if len(window) >= plan.at_least:
            shown = tuple(e.event_id for e in islice(window, SHOWN))
            yield Found(
                "found",
                event,
                event.month,
                start.isoformat(),
                event.day.isoformat(),
                (("", len(window), shown),),
            )
            if plan.restart:
                window.clear()


def by_period(
    plan: CountPlan, events: Iterable[Counted], due: Iterable[str] | None, end: dt.date
) -> Iterator[Found]:
    """Findings over calendar periods: `in_a_row` consecutive periods each meeting the threshold.

    `due` lists the periods judged in order (every period, or those the group had events
    in); None: the periods holding counted events, all a rule of `at_least` can meet.
    """
    per = plan.per
    assert per is not None
    run: deque[Tally] = deque(maxlen=plan.in_a_row)
    for tally in _tallies(plan, events, due):
        meets = (
            tally.count >= plan.at_least if plan.at_least is not None else tally.count <= (plan.at_most or 0)
        )
        if not meets:
            run.clear()
            continue
        if run and _previous(tally.period, per) != run[-1].period:
            run.clear()  # a period between them is missing from the ledger, or out of scope
        run.append(tally)
        if len(run) < plan.in_a_row:
            continue
        last = run[-1]
        over = periods.last_day(last.period, per) < end  # judged as of 00:00 of `end`
        state = "found" if plan.at_least is not None or over else "open"
        month = (
            last.anchor.month
            if last.anchor is not None
            else periods.last_day(last.period, per).isoformat()[:7]
        )
        yield Found(
            state,
            last.anchor,
            month,
            run[0].period,
            last.period,
            tuple((t.period, t.count, tuple(t.ids)) for t in run),
        )
        if plan.restart:
            run.clear()


def _tallies(plan: CountPlan, events: Iterable[Counted], due: Iterable[str] | None) -> Iterator[Tally]:
    per = plan.per
    assert per is not None
    stream = iter(events)
    pending = next(stream, None)
    if due is None:
        while pending is not None:
            tally = Tally(pending.period)
            while pending is not None and pending.period == tally.period:
                tally.add(pending, plan.at_least)
                pending = next(stream, None)
            yield tally
        return
    for period in due:
        tally = Tally(period)
        # Events come in period order, periods too: those before `period` are out of scope.
        while pending is not None and pending.period <= period:
            if pending.period == period:
                tally.add(pending, plan.at_least)
            pending = next(stream, None)
        yield tally


def _previous(period: str, per: str) -> str:
    try:
        return periods.label(periods.first_day(period, per) - dt.timedelta(days=1), per)
    except OverflowError:
        return ""  # the calendar's first period has none before it
