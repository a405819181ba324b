"""Judging one chunk of a ledger: the unit of work of every executor (one process, a pool, Dask).

`audit_chunk` is a pure function of the chunk and the settings: it decodes and validates
each record, evaluates it (its `outcome`), turns that into findings, and folds them into the
chunk's counts, its first findings per group, its part of `findings.csv`, and the facts
the rules across events need. Chunks are merged in ledger order, so the result does not
depend on how many processes judged them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..core.compiled import PenaltyRule
from ..core.evaluator import Outcome, outcome, parse_event
from ..core.eventkinds import EventKinds
from ..core.labels import labels_of
from ..errors import EventError
from ..model.audit import (
    DIMENSIONS,
    DISMISSAL,
    DISMISSALS_KEPT,
    NOBODY,
    AuditFinding,
    AuditTotals,
    SkippedRecord,
)
from ..model.citation import Cite
from ..model.decision import Decision
from ..model.events import EventBase
from ..policy import Policy, load_policy
from .across import ChunkFacts, facts_of, readers_by_kind
from .ledger import Batch
from .records import Decoder, RecordError

FINDINGS_COLUMNS = (
    "event_id",
    "kind",
    "date",
    "month",
    "employee",
    "category",
    "code",
    "article",
    "label",
    "message",
    "rule",
    "detail",
    "sanction",
    "deduction_months",
    "amount_min",
    "amount_max",
)

# (dimension, key, category) -> the first findings of that group, in ledger order
Samples = dict[tuple[str, str, str], list[AuditFinding]]


@dataclass(frozen=True)
class Chunk:
    index: int
    batch: Batch  # its records, or the lines they are made of
    mark: int  # how far the ledger had been read after this chunk (bytes or rows), for progress


@dataclass(frozen=True)
class Settings:
    """Everything a process needs to judge chunks; small and picklable."""

    policy_dir: str
    decoder: Decoder
    lang: str = "en"
    examples: int = 5  # findings kept per group for the report
    log: str | None = None  # a decision log (SQLite) to append every decision to
    policy_hash: str = ""
    # `--as-of`: every event is judged as of this time. None: as of the ledger's last event,
    # which no chunk knows; an event with a duty still open at its own time is deferred.
    as_of: dt.datetime | None = None


@dataclass
class ChunkResult:
    index: int
    mark: int
    totals: AuditTotals
    skipped: list[SkippedRecord]
    samples: Samples
    findings_csv: str  # this chunk's rows of findings.csv
    facts: ChunkFacts = field(default_factory=ChunkFacts)
    last: int = 0  # the position (line or row) of its last record; 0 if it has none


# One loaded policy per folder and process: workers load it once, not once per chunk.
_POLICIES: dict[str, Policy] = {}


def policy_key(policy: Policy) -> str:
    """The policy folder as every process names it: an absolute path."""
    return str(Path(policy.compiled.root).resolve())


def remember(policy: Policy) -> None:
    """Use an already loaded policy for its folder in this process (the main one, or a thread worker)."""
    _POLICIES.setdefault(policy_key(policy), policy)


def policy_for(policy_dir: str) -> Policy:
    policy = _POLICIES.get(policy_dir)
    if policy is None:
        policy = _POLICIES[policy_dir] = load_policy(policy_dir)
    return policy


def employee_of(events: EventKinds, event: EventBase) -> str:
    """The person a finding is about: the judged person, else whoever prepared the event."""
    kind: str = event.kind  # type: ignore[attr-defined]
    judged = events.judged.get(kind)
    person = judged(event) if judged is not None else None
    if person is not None:
        return str(person)
    field = events.preparer.get(kind)
    # The field dict, not getattr: a pydantic model answers a missing attribute slowly.
    prepared: str | None = event.__dict__.get(field) if field is not None else None
    return prepared or NOBODY


def audit_chunk(settings: Settings, chunk: Chunk) -> ChunkResult:
    policy = policy_for(settings.policy_dir)
    compiled = policy.compiled
    rules = compiled.ledger_rules
    readers = readers_by_kind(rules)
    totals = AuditTotals()
    skipped: list[SkippedRecord] = []
    samples: Samples = {}
    facts = ChunkFacts()
    out = io.StringIO()
    tally = Tally(samples, settings.examples, out.write, compiled.grave_sanctions)
    add = tally.add
    logged: list[tuple[dict[str, Any], Decision]] = []
    first_day: str | None = None
    last_day: str | None = None
    # A decoder may read an event straight from its payload; the decision log needs the dict.
    straight = getattr(settings.decoder, "event", None) if settings.log is None else None
    events = compiled.events
    as_of, lang, log = settings.as_of, settings.lang, settings.log
    # Counted here, added to the totals once per chunk (in first-seen order, as the totals'
    # counters would have seen them): a counter's update per event costs more than the event.
    records = 0
    kinds: dict[str, int] = {}
    verdicts: dict[str, int] = {}
    position = 0
    for item in chunk.batch.records():
        position = item.position
        records += 1
        if isinstance(item, SkippedRecord):
            skipped.append(item)
            continue
        try:
            event = straight(item.payload, events) if straight is not None else None
            if event is None:
                data = settings.decoder(item.payload)
                event = parse_event(compiled, data)
            if log is None:
                judged = outcome(compiled, event, as_of)  # all a finding shows, no more
            else:
                full = policy.evaluate(event, as_of=as_of)
                judged = Outcome.of(full)
            kind = judged.kind
            day = event.event_date.isoformat()
            seq = position  # findings are in ledger order: a record's line or row orders them
            employee = employee_of(events, event)
            salary = events.salary_of(kind, event)
            replaced: AbstractSet[str] = _NOTHING_REPLACED
            of_kind = readers.get(kind)
            if of_kind:
                replaced = facts_of(
                    rules,
                    of_kind,
                    event,
                    (seq, position, employee, day[:7]),
                    facts,
                    lang,
                    compiled.authority,
                )
            # A duty open until a deadline at the event's own time is judged again at the ledger's end.
            deferred = as_of is None and bool(judged.obligations) and _open_until(judged, replaced)
            found = (
                ()
                if deferred or judged.verdict == "pass"
                else _findings(judged, seq, position, day, employee, replaced, lang, policy, salary)
            )
        except (RecordError, EventError) as error:
            skipped.append(SkippedRecord(position, error.message))
            continue
        except Exception as error:  # one record never aborts the audit (docs/audit.md, "Bad records")
            skipped.append(SkippedRecord(position, unexpected(error)))
            continue
        if log is not None:
            logged.append((data, full))
        kinds[kind] = kinds.get(kind, 0) + 1
        if first_day is None or day < first_day:
            first_day = day
        if last_day is None or day > last_day:
            last_day = day
        if deferred:
            facts.deferred.append((seq, position, employee, item.payload, tuple(sorted(replaced))))
            continue
        verdicts[judged.verdict] = verdicts.get(judged.verdict, 0) + 1
        if judged.notes:  # most events have none
            totals.notes.update(judged.notes)
        for finding in found:
            add(finding)
    totals.records = records
    totals.audited = sum(kinds.values())
    totals.kinds.update(kinds)
    totals.verdicts.update(verdicts)
    for problem in facts.problems:
        add(problem)
    tally.fold(totals)
    totals.skipped = len(skipped)
    totals.see_days(first_day, last_day)
    if logged:
        _log(settings, logged)
    return ChunkResult(chunk.index, chunk.mark, totals, skipped, samples, out.getvalue(), facts, position)


def unexpected(error: Exception) -> str:
    """What a record that failed in an unforeseen way is reported with: a defect, said on one line."""
    text = " ".join(str(error).split())
    text = text if len(text) <= 200 else text[:200] + "…"
    return f"could not be judged: {type(error).__name__}: {text} (a defect of salesops-rules: please report)"


def _open_until(judged: Outcome, replaced: AbstractSet[str]) -> bool:
    """Whether a duty of the event is open until a deadline that no ledger rule judges instead."""
    return any(o.deadline is not None and o.code not in replaced for o in judged.obligations)


def judge_deferred(
    policy: Policy,
    decoder: Decoder,
    deferred: tuple[int, int, str, Any, tuple[str, ...]],
    as_of: dt.datetime,
    totals: AuditTotals,
    lang: str,
) -> list[AuditFinding]:
    """An event whose duty was open at its own time, judged as of the ledger's end."""
    seq, position, employee, payload, replaced = deferred
    event = parse_event(policy.compiled, decoder(payload))  # decoded and valid once already
    judged = outcome(policy.compiled, event, as_of)
    totals.verdicts[judged.verdict] += 1
    totals.notes.update(judged.notes)
    day = event.event_date.isoformat()
    salary = policy.compiled.events.salary_of(judged.kind, event)
    return _findings(judged, seq, position, day, employee, set(replaced), lang, policy, salary)


# What the totals count a finding under: (category, code, article, label, employee, month,
# and its penalty: sanction, months, amounts).
_COUNTED_AS = itemgetter(7, 8, 9, 11, 6, 5, 15, 16, 17, 18)
# What no rule across events replaced (most events): shared, never changed.
_NOTHING_REPLACED: frozenset[str] = frozenset()
# (article, employee, month, category): the finding's three sample groups
_PLACE = itemgetter(9, 6, 5, 7)
# The end of a finding's CSV row (category, code, article, label, message, rule, detail), kept
# as text per distinct end: they repeat across a ledger. Kept per process, not per chunk (the
# text is a function of the end alone); bounded whatever the ledger.
_ENDS_KEPT = 2_000
_ENDS: dict[tuple[Any, ...], str] = {}
_QUOTED = re.compile(r'[",\r\n]')  # what makes the csv module quote a field


class Tally:
    """Findings as a process collects them: counted, the first of each group kept, written to CSV.

    This is the audit's innermost step, run for each of a ledger's millions of findings. So a
    finding is counted once under its whole key, and the counts are folded into the totals'
    three groupings once per distinct key (`fold`); once the three sample groups of a place
    (article, employee, month) are full, its later findings skip them; and a row is written
    as the csv module would write it, but with its repeating end formatted once.
    """

    def __init__(
        self, samples: Samples, examples: int, write: Callable[[str], Any], grave: frozenset[str]
    ) -> None:
        self.samples = samples
        self.grave = grave  # the sanctions whose breaches lead the report (a `dismissal` measure)
        self.examples = examples
        self.write = write
        self._counts: dict[tuple[Any, ...], list[Any]] = {}  # key -> [a finding of it, how many]
        self._full: set[tuple[Any, ...]] = set()
        self._scratch = io.StringIO()
        self._csv = csv.writer(self._scratch)  # RFC 4180 line ends: a field with \r is quoted too

    def add(self, finding: AuditFinding) -> None:
        key = _COUNTED_AS(finding)
        entry = self._counts.get(key)
        if entry is None:
            self._counts[key] = [finding, 1]
        else:
            entry[1] += 1
        if finding.sanction in self.grave:
            kept = self.samples.setdefault((DISMISSAL, finding.employee, finding.category), [])
            if len(kept) < DISMISSALS_KEPT:
                kept.append(finding)
        place = _PLACE(finding)
        if place not in self._full:
            full = True
            for dimension in DIMENSIONS:
                kept = self.samples.setdefault((dimension, finding.key(dimension), finding.category), [])
                if len(kept) < self.examples:
                    kept.append(finding)
                full = full and len(kept) >= self.examples
            if full:
                self._full.add(place)
        self.write(self.row(finding))

    def row(self, finding: AuditFinding) -> str:
        """The finding's line of findings.csv: every field but `seq` and `item`."""
        end_key = finding[7:]
        end = _ENDS.get(end_key)
        if end is None:
            c = finding
            end = self._csv_line(
                (c.category, c.code, c.article, c.label, c.message, c.rule, c.detail, *finding[15:])
            )
            if len(_ENDS) < _ENDS_KEPT:
                _ENDS[end_key] = end
        position, event_id, kind, day, month, employee = finding[1:7]
        if _QUOTED.search(f"{event_id}{employee}{kind}"):  # one search: most rows need no quotes
            return self._csv_line(finding[1:7]).removesuffix("\r\n") + "," + end
        return f"{'' if position is None else position},{event_id},{kind},{day},{month},{employee},{end}"

    def _csv_line(self, fields: tuple[Any, ...]) -> str:
        self._scratch.seek(0)
        self._scratch.truncate()
        self._csv.writerow(fields)
        return self._scratch.getvalue()

    def fold(self, totals: AuditTotals) -> None:
        """Add the counts so far to `totals`, and start counting afresh."""
        for finding, n in self._counts.values():
            totals.count(finding, n)
        self._counts.clear()


def _findings(
    judged: Outcome,
    seq: int,
    position: int,
    day: str,
    employee: str,
    replaced: AbstractSet[str],
    lang: str,
    policy: Policy,
    salary: Decimal | None = None,
) -> list[AuditFinding]:
    if judged.verdict == "pass":
        return []  # no violation, no open obligation, every approval satisfied
    month = day[:7]
    event_id, kind = judged.event_id, judged.kind

    def finding(category: str, code: str, cite: Cite, message: str, detail: str = "") -> AuditFinding:
        return AuditFinding(
            seq, position, event_id, kind, day, month, employee, category, code,
            cite.article, cite.item, cite.label, message, "", detail,
        )  # fmt: skip

    found = []
    zh = lang == "zh"
    penalties = policy.compiled.penalties
    for v in judged.violations:
        if v.code not in replaced:
            found.append(
                priced(
                    finding("violation", v.code, v.cite, v.message if zh else v.message_en), penalties, salary
                )
            )
    for o in judged.obligations:
        if o.code not in replaced:
            found.append(finding("obligation", o.code, o.cite, o.message if zh else o.message_en))
    for a in judged.approvals:
        if a.satisfied or f"{a.role}.{a.action}" in replaced:
            continue
        note = (a.note.zh if zh else a.note.en) if a.note is not None else ""
        message = _step_missing(policy, a.role, a.action, lang)
        found.append(finding("approval", f"{a.role}.{a.action}", a.cite, message, note))
    return found


# What findings repeat, made once per process: an unsatisfied step's message by (role,
# action, language); a penalty's four columns by (code, salary as written). Each entry keeps
# the policy part it was made from and is used only for that very object.
_STEPS: dict[tuple[str, str, str], tuple[object, str]] = {}
_PRICES: dict[tuple[str, str | None], tuple[object, tuple[str, str, str, str]]] = {}
_PRICES_KEPT = 4096  # as many as a company has salary levels times breaches
_PRICE_AT = AuditFinding._fields.index("sanction")  # the first of the four penalty columns


def _step_missing(policy: Policy, role: str, action: str, lang: str) -> str:
    compiled = policy.compiled
    entry = _STEPS.get((role, action, lang))
    if entry is None or entry[0] is not compiled:
        step = labels_of(compiled).step(role, action, lang)
        entry = _STEPS[(role, action, lang)] = (
            compiled,
            f"{step}未满足" if lang == "zh" else f"{step} is missing",
        )
    return entry[1]


def priced(finding: AuditFinding, penalties: dict[str, PenaltyRule], salary: Decimal | None) -> AuditFinding:
    """A violation with its penalty (penalties.yaml): sanction, months, and amounts for a known salary."""
    if finding.category != "violation":
        return finding
    key = (finding.code, None if salary is None else str(salary))
    entry = _PRICES.get(key)
    if entry is None or entry[0] is not penalties:
        rule = penalties.get(finding.code)
        if rule is None:
            return finding
        if rule.months is None:
            columns = (rule.sanction, "", "", "")
        else:
            low, high = rule.months
            amounts = ("", "") if salary is None else (f"{salary * low:.2f}", f"{salary * high:.2f}")
            columns = (rule.sanction, f"{low}-{high}", *amounts)
        entry = (penalties, columns)
        if len(_PRICES) < _PRICES_KEPT or key in _PRICES:
            _PRICES[key] = entry
    # The four penalty columns are the finding's last: made in one step (`_replace` walks
    # every field in Python).
    return AuditFinding._make(finding[:_PRICE_AT] + entry[1])


def _log(settings: Settings, entries: list[tuple[dict[str, Any], Decision]]) -> None:
    from .decision_log import DecisionLog

    with DecisionLog(settings.log or "") as log:
        log.append_many(entries, policy_hash=settings.policy_hash, source="audit")
