"""Rules across events, run as a streaming aggregation.

Two halves, so that any number of processes can read the ledger:
- `facts_of` (wherever an event is judged) reads from one event the few facts the ledger
  rules need: "an expected event covers month M for group G", "month M of group G is in
  scope", "a first event with key K on day D", "a follow-up with key K on day D";
- a `FactStore` (in the main process) keeps them in a temporary SQLite file, so memory
  stays flat however long the ledger, and at the end `resolve` matches them, in an order
  that does not depend on how the ledger was split, and yields the findings.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..core import periods
from ..core.compiled import (
    UNDETERMINED_CODE,
    Authority,
    CompiledLedgerRule,
    CountPlan,
    EventSide,
    LedgerFinding,
    undecided,
)
from ..core.labels import Labels
from ..model.audit import NOBODY, AuditFinding
from ..model.decision import Text
from ..model.events import EventBase
from . import counting

# A fact's key and group are text, so that SQLite compares them the same way in every run.
Key = str


@dataclass
class ChunkFacts:
    """What one chunk of the ledger contributes to the ledger rules."""

    have: set[tuple[int, str, str]] = field(default_factory=set)  # (rule, group, month) with its event
    scope: set[tuple[int, str, str]] = field(default_factory=set)  # (rule, group, month) that needs one
    # one per first event of a follow-up: rule, key, day, seq, position, event id, kind, employee, month
    sources: list[tuple[int, str, str, int, int, str, str, str, str]] = field(default_factory=list)
    targets: list[tuple[int, str, str, int, str]] = field(
        default_factory=list
    )  # (rule, key, day, seq, event_id)
    # one per event a counting rule counts: rule, group, period ("" for a sliding window), day, seq,
    # position, event id, kind, employee, month
    counted: list[tuple[int, str, str, str, int, int, str, str, str, str]] = field(default_factory=list)
    problems: list[AuditFinding] = field(default_factory=list)
    # Events with a duty still open at their own time: judged again, as of the ledger's end
    # (seq, position, employee, raw payload, codes a ledger rule decides instead).
    deferred: list[tuple[int, int, str, Any, tuple[str, ...]]] = field(default_factory=list)


def key_text(value: Any) -> str | None:
    """A field value as a matching key: equal values give equal text (100 and 100.00 alike)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def period_of(value: Any, fallback: str, per: str = "month") -> str:
    """The period a record covers: a date's period, a label as written, else `fallback`."""
    if isinstance(value, dt.date):
        return periods.label(value, per)
    if isinstance(value, str):
        return value
    return fallback


@dataclass(frozen=True)
class Reader:
    """What one ledger rule wants from events of one kind."""

    rule: int
    role: str  # "expected", "scope", "source", "target", "counted"
    side: EventSide


def readers_by_kind(rules: tuple[CompiledLedgerRule, ...]) -> dict[str, list[Reader]]:
    found: dict[str, list[Reader]] = {}
    for index, rule in enumerate(rules):
        sides: list[tuple[str, EventSide]] = []
        if rule.expect is not None:
            sides.append(("expected", rule.expect.expected))
            sides += [("scope", s) for s in rule.expect.scope or ()]
        if rule.follow_up is not None:
            sides += [("source", rule.follow_up.source), ("target", rule.follow_up.target)]
        if rule.count is not None:
            sides.append(("counted", rule.count.counted))
        for role, side in sides:
            found.setdefault(side.kind, []).append(Reader(index, role, side))
    return found


def facts_of(
    rules: tuple[CompiledLedgerRule, ...],
    readers: list[Reader],
    event: EventBase,
    where: tuple[int, int, str, str],
    facts: ChunkFacts,
    lang: str = "en",
    authority: Authority | None = None,
) -> set[str]:
    """Record the event's facts; return the codes of its own decision that a ledger rule replaces."""
    seq, position, employee, month = where
    day = event.event_date
    replaced: set[str] = set()
    for reader in readers:
        rule = rules[reader.rule]
        if rule.in_force_from is not None and day < rule.in_force_from:
            continue  # policy.yaml `in_force`: an event before the policy's first day is not judged under it
        ns = reader.side.read(event)
        ns["event_date"] = day
        try:
            holds = reader.side.when is None or bool(reader.side.when.fn(ns))
        except (TypeError, ArithmeticError, ValueError) as error:
            facts.problems.append(_cannot_evaluate(rule, event, where, error, lang, authority))
            continue
        if reader.role == "counted":
            _count(reader.rule, rule, ns, holds, event, where, facts)
            continue
        if not holds:
            continue
        if reader.role in ("expected", "scope"):
            plan = rule.expect
            assert plan is not None
            group = _group(plan.group_by, ns)
            own = month if plan.per == "month" else periods.label(day, plan.per)
            if reader.role == "expected":
                covered = period_of(ns.get(plan.covers), own, plan.per) if plan.covers else own
                facts.have.add((reader.rule, group, covered))
            else:
                facts.scope.add((reader.rule, group, own))
            continue
        follow = rule.follow_up
        assert follow is not None
        key = key_text(ns.get(follow.match_from if reader.role == "source" else follow.match_to))
        if key is None:
            continue  # nothing to match on: a first event without it is judged by its own rules alone
        if reader.role == "source":
            facts.sources.append(
                (reader.rule, key, day.isoformat(), seq, position, event.id, _kind(event), employee, month)
            )
            replaced |= follow.replaces
        else:
            facts.targets.append((reader.rule, key, day.isoformat(), seq, event.id))
    return replaced


def _group(names: tuple[str, ...], ns: dict[str, Any]) -> str:
    return json.dumps([key_text(ns.get(name)) for name in names], ensure_ascii=False)


def _count(
    index: int,
    rule: CompiledLedgerRule,
    ns: dict[str, Any],
    holds: bool,
    event: EventBase,
    where: tuple[int, int, str, str],
    facts: ChunkFacts,
) -> None:
    plan = rule.count
    assert plan is not None
    seq, position, employee, month = where
    day = event.event_date
    if any(ns.get(name) is None for name in plan.group_by):
        return  # no group to count it for: an incident naming no employee is nobody's repeat
    group = _group(plan.group_by, ns)
    period = ""
    if plan.per is not None:
        own = periods.label(day, plan.per)
        period = period_of(ns.get(plan.covers), own, plan.per) if plan.covers is not None else own
        if not periods.is_label(period, plan.per):
            return  # a record of another period (a quarter's filing) is not one of these, as for `expect`
        if plan.at_most is not None and plan.group_by:
            # A group is judged in the periods it has events of the kind in, counted or not.
            facts.scope.add((index, group, period))
    if holds:
        facts.counted.append(
            (index, group, period, day.isoformat(), seq, position, event.id, _kind(event), employee, month)
        )


def _kind(event: EventBase) -> str:
    kind: str = event.kind  # type: ignore[attr-defined]
    return kind


def _cannot_evaluate(
    rule: CompiledLedgerRule,
    event: EventBase,
    where: tuple[int, int, str, str],
    error: Exception,
    lang: str,
    authority: Authority | None,
) -> AuditFinding:
    """A case left open: referred to the pack's authority, or, with none, undetermined under
    the rule's own clause."""
    seq, position, employee, month = where
    problem = Text(
        zh=f"账本规则 {rule.id} 无法对本事件求值（{error}）",
        en=f"ledger rule {rule.id} cannot be evaluated on this event ({error})",
    )
    text = authority.decides(problem) if authority is not None else undecided(problem)
    cite = authority.cite if authority is not None else rule.cite
    return AuditFinding(
        seq=seq,
        position=position,
        event_id=event.id,
        kind=_kind(event),
        date=event.event_date.isoformat(),
        month=month,
        employee=employee,
        category="obligation",
        code=authority.code if authority is not None else UNDETERMINED_CODE,
        article=cite.article,
        item=cite.item,
        label=cite.label,
        message=text.zh if lang == "zh" else text.en,
        rule=rule.id,
        detail=str(error),
    )


SCHEMA = """
CREATE TABLE have (rule INTEGER, grp TEXT, period TEXT, PRIMARY KEY (rule, grp, period)) WITHOUT ROWID;
CREATE TABLE scope (rule INTEGER, grp TEXT, period TEXT, PRIMARY KEY (rule, grp, period)) WITHOUT ROWID;
CREATE TABLE source (rule INTEGER, key TEXT, day TEXT, seq INTEGER, position INTEGER, event_id TEXT,
                     kind TEXT, employee TEXT, month TEXT);
CREATE TABLE target (rule INTEGER, key TEXT, day TEXT, seq INTEGER, event_id TEXT);
CREATE TABLE counted (rule INTEGER, grp TEXT, period TEXT, day TEXT, seq INTEGER, position INTEGER,
                      event_id TEXT, kind TEXT, employee TEXT, month TEXT);
"""


# What a ledger rule saw, as its finding's detail says it, in each language.
DETAILS = {
    "en": {
        "none_covers": "no {kind} covers {period}",
        "for": " for {shown}",
        "over": "; the {per} was over before {end}, the day the ledger is judged at",
        "not_over": "; the {per} is not over on {end}, the day the ledger is judged at",
        "week": "week",
        "month": "month",
        "quarter": "quarter",
        "year": "year",
        "wanted": "{kind} with {field} {key}",
        "late": "{wanted} ({id}) is dated {day}, {n} {days} after the deadline {deadline}",
        "missing": (
            "no {wanted} dated on or after {day}; "
            "the deadline {deadline} passed before {end}, the day the ledger is judged at"
        ),
        "open": "no {wanted} dated on or after {day} yet ({until}; the ledger is judged at {end})",
        "due": "due by {deadline}",
        "no_deadline": "no deadline",
        "is": "{a} = {b}",
        "whole": " in the whole ledger",
        "none": "none",
        "more": " and {n} more",
        "day": "day",
        "days": "days",
        "n_day": "{n} day",
        "n_days": "{n} days",
        "n_month": "{n} month",
        "n_months": "{n} months",
        "sliding": "{n} events of {kind} counted{group} within {window}, from {start} to {end}: {events}",
        "span": "{a} to {b}",
        "in_a_row": " ({n} {per}s in a row)",
        "at_least": "at least {n} events of {kind} counted",
        "at_most": "at most {n} events of {kind} counted",
        "periods": "{span}{run}{group}, each {per} with {threshold}: {events}",
        "sep": "; ",
        "colon": ": ",
    },
    "zh": {
        "none_covers": "没有覆盖 {period} 的{kind}",
        "for": "（{shown}）",
        "over": "；该{per}在账本判定日 {end} 之前已结束",
        "not_over": "；该{per}到账本判定日 {end} 尚未结束",
        "week": "周",
        "month": "月",
        "quarter": "季度",
        "year": "年",
        "wanted": "{field}为 {key} 的{kind}",
        "late": "{wanted}（{id}）日期为 {day}，比期限 {deadline} 晚 {n} 天",
        "missing": "{day} 当日或之后没有{wanted}；期限 {deadline} 在账本判定日 {end} 之前已过",
        "open": "{day} 当日或之后尚无{wanted}（{until}；账本判定日为 {end}）",
        "due": "期限 {deadline}",
        "no_deadline": "无期限",
        "is": "{a}为 {b}",
        "whole": "（全账本）",
        "none": "无",
        "more": " 等，另有 {n} 件",
        "day": "天",
        "days": "天",
        "n_day": "{n} 天",
        "n_days": "{n} 天",
        "n_month": "{n} 个月",
        "n_months": "{n} 个月",
        "sliding": "{start} 至 {end} 的 {window}内{group}计入 {n} 件{kind}：{events}",
        "span": "{a} 至 {b}",
        "in_a_row": "（连续 {n} 个{per}）",
        "at_least": "至少 {n} 件{kind}",
        "at_most": "至多 {n} 件{kind}",
        "periods": "{span}{run}{group}，每{per}计入{threshold}：{events}",
        "sep": "；",
        "colon": "：",
    },
}


class FactStore:
    """The ledger rules' facts of a whole ledger, on disk; `resolve` yields what they find."""

    def __init__(
        self,
        path: Path,
        rules: tuple[CompiledLedgerRule, ...],
        lang: str = "en",
        labels: Labels | None = None,
    ) -> None:
        self.rules, self.lang = rules, lang
        self.labels = labels
        self.words = DETAILS["zh" if lang == "zh" else "en"]
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        # A scratch file: no journal, no fsync; it is thrown away after the audit.
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.executescript(SCHEMA)
        self.db.execute("BEGIN")
        self.counts: Counter[tuple[str, str]] = Counter()  # (rule id, missing|late|open) -> findings
        self.unchecked: list[str] = []  # `if_recorded` rules the ledger gave nothing to judge

    def add(self, facts: ChunkFacts) -> None:
        db = self.db
        db.executemany("INSERT OR IGNORE INTO have VALUES (?, ?, ?)", sorted(facts.have))
        db.executemany("INSERT OR IGNORE INTO scope VALUES (?, ?, ?)", sorted(facts.scope))
        db.executemany("INSERT INTO source VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", facts.sources)
        db.executemany("INSERT INTO target VALUES (?, ?, ?, ?, ?)", facts.targets)
        db.executemany("INSERT INTO counted VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", facts.counted)

    def close(self) -> None:
        self.db.close()

    def resolve(self, first_day: str | None, last_day: str | None, seq: int) -> Iterator[AuditFinding]:
        """Every finding of every ledger rule, rule by rule, each in ledger order (a counting rule's
        group by group, each in date order); `seq` numbers them."""
        self.db.execute("COMMIT")
        self.db.execute("CREATE INDEX target_key ON target (rule, key, day, seq)")
        self.db.execute("CREATE INDEX counted_group ON counted (rule, grp, period, day, seq)")
        if first_day is None or last_day is None:
            return
        end = dt.date.fromisoformat(last_day)
        for index, rule in enumerate(self.rules):
            if rule.expect is not None:
                assert rule.expect is not None
                start = _governed_from(first_day, rule.in_force_from, rule.expect.per)
                cases = self._expect(index, rule, start, end)
            elif rule.count is not None:
                cases = self._count(index, rule, first_day, end)
            else:
                cases = self._follow_up(index, rule, end)
            for state, finding in cases:
                self.counts[(rule.id, state)] += 1
                yield finding._replace(seq=seq)
                seq += 1

    def _expect(
        self, index: int, rule: CompiledLedgerRule, first_day: str, end: dt.date
    ) -> Iterator[tuple[str, AuditFinding]]:
        plan = rule.expect
        assert plan is not None
        if (
            plan.if_recorded
            and self.db.execute("SELECT 1 FROM have WHERE rule = ?", (index,)).fetchone() is None
        ):
            self.unchecked.append(rule.id)  # the ledger keeps no such records
            return
        due: Iterable[tuple[str, str]]
        if plan.scope is None:
            start = dt.date.fromisoformat(first_day)
            # A ledger that ends before the first governed period owes no period at all.
            walk = periods.between(start, end, plan.per) if start <= end else iter(())
            due = [("[]", p) for p in walk]
        else:
            due = self.db.execute(
                "SELECT grp, period FROM scope WHERE rule = ? ORDER BY period, grp", (index,)
            )
        for group, period in due:
            found = self.db.execute(
                "SELECT 1 FROM have WHERE rule = ? AND grp = ? AND period = ?", (index, group, period)
            ).fetchone()
            if found is not None:
                continue
            # Judged as of 00:00 of `end`: a period ending that very day is not over yet.
            over = periods.last_day(period, plan.per) < end
            state, outcome = ("missing", rule.missing) if over else ("open", rule.open)
            values = json.loads(group)
            words = self.words
            shown = ", ".join(
                words["is"].format(a=self._field(n), b=v) for n, v in zip(plan.group_by, values, strict=True)
            )
            employee = values[plan.group_by.index("employee.id")] if "employee.id" in plan.group_by else None
            detail = (
                words["none_covers"].format(kind=self._kind(plan.expected.kind), period=period)
                + (words["for"].format(shown=shown) if shown else "")
                + words["over" if over else "not_over"].format(per=words[plan.per], end=end.isoformat())
            )
            # A finding of a week, quarter or year counts under the month the period ends in.
            month = period if plan.per == "month" else periods.last_day(period, plan.per).isoformat()[:7]
            for item in outcome:
                yield (
                    state,
                    self._finding(rule, item, (None, "", plan.expected.kind, "", month, employee), detail),
                )

    def _follow_up(
        self, index: int, rule: CompiledLedgerRule, end: dt.date
    ) -> Iterator[tuple[str, AuditFinding]]:
        plan = rule.follow_up
        assert plan is not None
        rows = self.db.execute(
            "SELECT s.position, s.event_id, s.kind, s.day, s.employee, s.month, s.key, "
            "(SELECT t.day || ' ' || t.event_id FROM target t WHERE t.rule = s.rule AND t.key = s.key "
            " AND t.day >= s.day ORDER BY t.day, t.seq LIMIT 1) "
            "FROM source s WHERE s.rule = ? ORDER BY s.seq",
            (index,),
        )
        for position, event_id, kind, day, employee, month, key, follow in rows:
            start = dt.date.fromisoformat(day)
            deadline = start + dt.timedelta(days=plan.within_days) if plan.within_days is not None else None
            words = self.words
            wanted = words["wanted"].format(
                kind=self._kind(plan.target.kind), field=self._field(plan.match_to), key=key
            )
            if follow is not None:
                done_day, done_id = follow.split(" ", 1)
                if deadline is None or dt.date.fromisoformat(done_day) <= deadline:
                    continue
                late_by = (dt.date.fromisoformat(done_day) - deadline).days
                state, outcome = "late", rule.late
                detail = words["late"].format(
                    wanted=wanted,
                    id=done_id,
                    day=done_day,
                    n=late_by,
                    days=words["day" if late_by == 1 else "days"],
                    deadline=deadline.isoformat(),
                )
            elif deadline is not None and deadline < end:
                state, outcome = "missing", rule.missing
                detail = words["missing"].format(
                    wanted=wanted, day=day, deadline=deadline.isoformat(), end=end.isoformat()
                )
            else:
                state, outcome = "open", rule.open
                until = (
                    words["due"].format(deadline=deadline.isoformat())
                    if deadline is not None
                    else words["no_deadline"]
                )
                detail = words["open"].format(wanted=wanted, day=day, until=until, end=end.isoformat())
            for item in outcome:
                yield (
                    state,
                    self._finding(rule, item, (position, event_id, kind, day, month, employee), detail),
                )

    def _count(
        self, index: int, rule: CompiledLedgerRule, first_day: str, end: dt.date
    ) -> Iterator[tuple[str, AuditFinding]]:
        """Each group's counted events, streamed in date and ledger order, through the window."""
        plan = rule.count
        assert plan is not None
        groups = self.db.execute(
            "SELECT grp FROM counted WHERE rule = ? UNION SELECT grp FROM scope WHERE rule = ? ORDER BY grp",
            (index, index),
        ).fetchall()
        if plan.at_most is not None and not plan.group_by and not groups:
            groups = [("[]",)]  # the whole company is judged in every period, counted events or not
        for (group,) in groups:
            # In period order (an event may count in a period other than its date's: `covers`),
            # then by date and place in the ledger; a sliding window's period is "".
            events = (
                counting.Counted(period, dt.date.fromisoformat(day), *rest)
                for period, day, *rest in self.db.execute(
                    "SELECT period, day, seq, position, event_id, kind, employee, month FROM counted "
                    "WHERE rule = ? AND grp = ? ORDER BY period, day, seq",
                    (index, group),
                )
            )
            if plan.per is None:
                found = counting.sliding(plan, events)
            else:
                due: Iterable[str] | None = None
                if plan.at_most is not None and plan.group_by:
                    due = (
                        p
                        for (p,) in self.db.execute(
                            "SELECT period FROM scope WHERE rule = ? AND grp = ? ORDER BY period",
                            (index, group),
                        )
                    )
                elif plan.at_most is not None:
                    start = dt.date.fromisoformat(_governed_from(first_day, rule.in_force_from, plan.per))
                    due = periods.between(start, end, plan.per) if start <= end else iter(())
                found = counting.by_period(plan, events, due, end)
            values = json.loads(group)
            for item in found:
                detail = self._count_detail(plan, values, item, end)
                anchor = item.anchor
                employee = (
                    values[plan.group_by.index("employee.id")]
                    if "employee.id" in plan.group_by
                    else anchor.employee
                    if anchor is not None
                    else None
                )
                where = (
                    (
                        anchor.position,
                        anchor.event_id,
                        anchor.kind,
                        anchor.day.isoformat(),
                        item.month,
                        employee,
                    )
                    if anchor is not None
                    else (None, "", plan.counted.kind, "", item.month, employee)
                )
                for finding in rule.found if item.state == "found" else rule.open:
                    yield item.state, self._finding(rule, finding, where, detail)

    def _count_detail(self, plan: CountPlan, values: list[Any], item: counting.Found, end: dt.date) -> str:
        """The group, the window and the events counted, so that an auditor sees why."""
        words = self.words
        shown = ", ".join(
            words["is"].format(a=self._field(n), b=v) for n, v in zip(plan.group_by, values, strict=True)
        )
        kind = self._kind(plan.counted.kind)
        group_words = words["for"].format(shown=shown) if shown else words["whole"]

        def ids(count: int, listed: tuple[str, ...]) -> str:
            text = ", ".join(listed) if listed else words["none"]
            return text + (words["more"].format(n=count - len(listed)) if count > len(listed) else "")

        if plan.per is None:
            _, count, listed = item.events[0]
            n = plan.within_days if plan.within_days is not None else plan.within_months
            unit = "n_day" if plan.within_days is not None else "n_month"
            return words["sliding"].format(
                n=count,
                kind=kind,
                group=group_words,
                window=words[unit if n == 1 else unit + "s"].format(n=n),
                start=item.start,
                end=item.end,
                events=ids(count, listed),
            )
        per = words[plan.per]
        span = item.start if item.start == item.end else words["span"].format(a=item.start, b=item.end)
        run = words["in_a_row"].format(n=plan.in_a_row, per=per) if plan.in_a_row > 1 else ""
        threshold = (
            words["at_least"].format(n=plan.at_least, kind=kind)
            if plan.at_least is not None
            else words["at_most"].format(n=plan.at_most, kind=kind)
        )
        listing = words["sep"].join(f"{p}{words['colon']}{ids(c, listed)}" for p, c, listed in item.events)
        detail = words["periods"].format(
            span=span, run=run, group=group_words, per=per, threshold=threshold, events=listing
        )
        if plan.at_most is not None:
            assert plan.per is not None
            over = item.state == "found"
            detail += words["over" if over else "not_over"].format(per=per, end=end.isoformat())
        return detail

    def _kind(self, kind: str) -> str:
        return self.labels.kind(kind, self.lang) if self.labels is not None else kind

    def _field(self, name: str) -> str:
        return self.labels.field(name, self.lang) if self.labels is not None else name

    def _finding(
        self,
        rule: CompiledLedgerRule,
        item: LedgerFinding,
        where: tuple[int | None, str, str, str, str, str | None],
        detail: str,
    ) -> AuditFinding:
        position, event_id, kind, day, month, employee = where
        return AuditFinding(
            seq=0,
            position=position,
            event_id=event_id,
            kind=kind,
            date=day,
            month=month,
            employee=employee or NOBODY,
            category=item.category,
            code=item.code,
            article=item.cite.article,
            item=item.cite.item,
            label=item.cite.label,
            message=item.message.zh if self.lang == "zh" else item.message.en,
            rule=rule.id,
            detail=detail,
        )


def _governed_from(first_day: str, in_force_from: dt.date | None, per: str) -> str:
    """The first day a periodic duty is counted from: the ledger's first, but never in a period
    the policy did not govern from its first day (in force from 2011-11-30, it asks nothing of
    November 2011, of the ISO week 2011-W48, nor of 2011-Q4 or 2011; months count from
    2011-12-01, weeks from 2011-12-05, quarters and years from 2012-01-01)."""
    if in_force_from is None:
        return first_day
    start = in_force_from
    period = periods.label(start, per)
    if periods.first_day(period, per) != start:
        start = periods.last_day(period, per) + dt.timedelta(days=1)  # the next period's first day
    return max(first_day, start.isoformat())
