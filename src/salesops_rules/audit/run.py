"""An audit from start to end: read the ledger in chunks, judge them, merge, run the ledger rules.

Memory is flat in the ledger's size: the reader holds one chunk per worker in flight;
the merge keeps counts (bounded by the policy and the calendar), the first findings of
each group (bounded by `examples`), and the first skipped records; every finding and
every skipped record goes to a CSV file in the output folder as it arrives, and the facts
of the rules across events go to a temporary SQLite file.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.evaluator import parse_event
from ..core.labels import labels_of
from ..errors import EventError
from ..model.audit import DIMENSIONS, DISMISSAL, DISMISSALS_KEPT, AuditFinding, AuditTotals, SkippedRecord
from ..policy import Policy
from ..render import explain as explain_mod
from .across import FactStore
from .chunks import (
    FINDINGS_COLUMNS,
    Chunk,
    ChunkResult,
    Samples,
    Settings,
    Tally,
    judge_deferred,
    policy_key,
    priced,
    remember,
    unexpected,
)
from .executors import run_dask, run_pool, run_serial
from .ledger import Ledger, read_record
from .records import RawRecord, RecordError
from .spill import Spill

FINDINGS_FILE, SKIPPED_FILE = "findings.csv", "skipped.csv"
SKIPPED_SHOWN = 100  # skipped records listed in the report; all of them are in skipped.csv


@dataclass(frozen=True)
class AuditOptions:
    out_dir: Path
    workers: int = 1
    dask: bool = False
    scheduler: str | None = None  # a `distributed` scheduler's address; None: a local cluster
    examples: int = 5  # findings shown per article, employee and month
    explained: int = 200  # at most this many events explained in full in the report
    lang: str = "en"
    chunk_size: int = 2000
    log: Path | None = None
    as_of: dt.datetime | None = None  # `--as-of`; None: as of the ledger's last event


@dataclass
class AuditResult:
    ledger: str
    ledger_format: str
    unit: str  # "line" or "row"
    sheet: str | None
    policy_name: str
    policy_version: str
    totals: AuditTotals
    samples: Samples
    skipped: list[SkippedRecord]  # the first SKIPPED_SHOWN
    rule_counts: Counter[tuple[str, str]]  # (ledger rule id, missing|late|open) -> findings
    explanations: dict[int, list[str]] = field(default_factory=dict)  # position -> explain lines
    files: list[Path] = field(default_factory=list)
    policy_root: str = ""  # the pack's folder: the report names rule files relative to it
    as_of: dt.datetime | None = None  # the time the ledger was judged at (`ledger_end`)
    unchecked: list[str] = field(default_factory=list)  # ledger rules with no records to judge

    def sampled(self, dimension: str, category: str | None = None) -> list[tuple[str, list[AuditFinding]]]:
        """The first findings of each group of `dimension` (of one category, or of all, merged in order)."""
        merged: dict[str, list[AuditFinding]] = {}
        for (dim, key, cat), found in self.samples.items():
            if dim == dimension and category in (None, cat):
                merged.setdefault(key, []).extend(found)
        if category is None:
            for found in merged.values():
                found.sort(key=lambda f: f.seq)
        return list(merged.items())


Progress = Callable[[int, int], None]  # (ledger read so far, events audited so far)


def chunks_of(ledger: Ledger, size: int) -> Iterator[Chunk]:
    for index, batch in enumerate(ledger.batches(size)):
        yield Chunk(index, batch, ledger.done)


class _Merge:
    """Folds chunk results, in ledger order, into the totals, the samples and the two CSV files."""

    def __init__(self, out_dir: Path, unit: str, examples: int, grave: frozenset[str]) -> None:
        self.totals = AuditTotals()
        self.samples: Samples = {}
        self.skipped: list[SkippedRecord] = []
        self.examples = examples
        self.last = 0  # the last position (line or row) judged
        self._findings = (out_dir / FINDINGS_FILE).open("w", encoding="utf-8", newline="")
        self._skipped = (out_dir / SKIPPED_FILE).open("w", encoding="utf-8", newline="")
        # CSV as RFC 4180 writes it, lines ending in \r\n: with \n alone, the csv module would
        # leave a field holding a bare \r unquoted, and the file would not read back.
        csv.writer(self._findings).writerow((unit, *FINDINGS_COLUMNS))
        self.skipped_writer = csv.writer(self._skipped)
        self.skipped_writer.writerow((unit, "problem"))
        self._tally = Tally(self.samples, examples, self._findings.write, grave)

    def add(self, result: ChunkResult) -> None:
        self.totals.add(result.totals)
        self.last = max(self.last, result.last)
        for group, found in result.samples.items():
            kept = self.samples.setdefault(group, [])
            limit = DISMISSALS_KEPT if group[0] == DISMISSAL else self.examples
            kept.extend(found[: max(0, limit - len(kept))])
        for record in result.skipped:
            self.skipped_writer.writerow(record)
            if len(self.skipped) < SKIPPED_SHOWN:
                self.skipped.append(record)
        self._findings.write(result.findings_csv)

    def add_finding(self, finding: AuditFinding) -> None:
        self._tally.add(finding)

    def fold(self) -> None:
        """Count the findings added one by one (the ledger rules') into the totals."""
        self._tally.fold(self.totals)

    def close(self) -> None:
        self._findings.close()
        self._skipped.close()


def audit_ledger(
    policy: Policy,
    ledger: Ledger,
    options: AuditOptions,
    progress: Progress | None = None,
) -> AuditResult:
    """Audit every record of `ledger`; writes findings.csv and skipped.csv into `options.out_dir`."""
    options.out_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        policy_dir=policy_key(policy),
        decoder=ledger.decoder,
        lang=options.lang,
        examples=options.examples,
        log=str(options.log) if options.log is not None else None,
        policy_hash=_hash(policy) if options.log is not None else "",
        as_of=options.as_of,
    )
    remember(policy)
    merge = _Merge(options.out_dir, ledger.unit, options.examples, policy.compiled.grave_sanctions)
    rules = policy.compiled.ledger_rules
    # What the rules across events found about one event, for the explanations; and the
    # events judged again at the ledger's end. Both grow with the ledger: kept on disk.
    across = Spill()
    deferred = Spill()
    with across, deferred, tempfile.TemporaryDirectory(prefix="salesops-audit-") as scratch:
        store = FactStore(
            Path(scratch) / "ledger-facts.sqlite", rules, options.lang, labels_of(policy.compiled)
        )
        try:
            chunks = chunks_of(ledger, options.chunk_size)
            if options.dask:
                results = run_dask(settings, chunks, options.scheduler, options.workers)
            elif options.workers > 1:
                results = run_pool(settings, chunks, options.workers)
            else:
                results = run_serial(settings, chunks)
            for judged in results:
                merge.add(judged)
                store.add(judged.facts)
                if judged.facts.deferred:
                    deferred.add(judged.facts.deferred)
                if progress is not None:
                    progress(judged.mark, merge.totals.audited)
            totals = merge.totals
            as_of = ledger_end(options.as_of, totals.last_day)
            for items in deferred:
                assert as_of is not None  # an event was judged, so the ledger has a last day
                for item in items:
                    for finding in judge_deferred(policy, ledger.decoder, item, as_of, totals, options.lang):
                        merge.add_finding(finding)
            last_day = as_of.date().isoformat() if as_of is not None else None
            penalties = policy.compiled.penalties
            for finding in store.resolve(totals.first_day, last_day, merge.last + 1):
                finding = priced(finding, penalties, None)
                merge.add_finding(finding)
                if finding.position is not None:
                    across.add(finding)
            merge.fold()
        finally:
            store.close()
            merge.close()
        result = AuditResult(
            ledger=str(ledger.path),
            ledger_format=ledger.format,
            unit=ledger.unit,
            sheet=getattr(ledger, "sheet", None),
            policy_name=policy.name,
            policy_version=policy.version,
            totals=merge.totals,
            samples=merge.samples,
            skipped=merge.skipped,
            rule_counts=store.counts,
            unchecked=store.unchecked,
            files=[options.out_dir / FINDINGS_FILE, options.out_dir / SKIPPED_FILE],
            policy_root=policy.compiled.root,
            as_of=as_of,
        )
        wanted = set(explained_positions(result, options.explained))
        found: dict[int, list[AuditFinding]] = {}
        for finding in across:
            if finding.position in wanted:
                found.setdefault(finding.position, []).append(finding)
        result.explanations = explain_samples(
            policy, ledger, result, options.explained, options.lang, found, as_of
        )
    return result


def ledger_end(as_of: dt.datetime | None, last_day: str | None) -> dt.datetime | None:
    """The time a ledger is judged at: `--as-of`, never before its last event's day has come.

    Without `--as-of`, 00:00 of the last event's day: the ledger shows that day has come, not
    that it is over. An `--as-of` before that is raised to it, as an event's own records
    raise the judgement time of one event.
    """
    last = dt.datetime.fromisoformat(last_day) if last_day is not None else None
    if as_of is None or last is None:
        return as_of or last
    return max(as_of, last)


def _hash(policy: Policy) -> str:
    from ..core.fingerprint import policy_hash

    return policy_hash(policy.compiled.root)


def explained_positions(result: AuditResult, limit: int) -> list[int]:
    """The events the report explains in full: those of the sampled findings, first groups first."""
    chosen: dict[int, None] = {}
    for dimension in (DISMISSAL, *DIMENSIONS):
        for _, found in sorted(result.sampled(dimension)):
            for finding in found:
                # A ledger rule's finding about one event: that event is explained too, with
                # what the rule found (the explanation agrees with the ledger).
                if finding.position is not None and len(chosen) < limit:
                    chosen[finding.position] = None
    return sorted(chosen)


def explain_samples(
    policy: Policy,
    ledger: Ledger,
    result: AuditResult,
    limit: int,
    lang: str,
    across: dict[int, list[AuditFinding]] | None = None,
    as_of: dt.datetime | None = None,
) -> dict[int, list[str]]:
    """Re-read the ledger up to the last sampled event and explain each sampled one."""
    wanted = explained_positions(result, limit)
    if not wanted:
        return {}
    remaining = set(wanted)
    found: dict[int, list[str]] = {}
    for item in ledger.records():
        if item.position not in remaining:
            if item.position > wanted[-1]:
                break
            continue
        remaining.discard(item.position)
        found[item.position] = explain_record(policy, ledger, item, lang, across, as_of)
        if not remaining:
            break
    return found


def explain_record(
    policy: Policy,
    ledger: Ledger,
    item: RawRecord | SkippedRecord,
    lang: str,
    across: dict[int, list[AuditFinding]] | None = None,
    as_of: dt.datetime | None = None,
) -> list[str]:
    """The `explain` lines of one ledger record, or why it could not be judged.

    With `across` (what the rules across events found, by event), the codes a ledger rule
    decides instead of the event alone are taken out of the event's decision and its
    verdict is drawn again, and a section says what that rule found: the explanation
    agrees with the ledger's findings. With `as_of`, the event is judged as of that time (the
    time the ledger is judged at), as the audit judged it.
    """
    unit = _unit(ledger.unit, lang)
    if isinstance(item, SkippedRecord):
        return [f"{unit.format(n=item.position)}: {item.message}"]
    try:
        event = parse_event(policy.compiled, ledger.decoder(item.payload))
        decision, trace = policy.trace(event, as_of=as_of)
        notes = _ledger_notes(policy, event, None if across is None else across.get(item.position, []))
        lines: list[str] = explain_mod.lines(policy.compiled, decision, trace, _lang(lang), notes)
    except (RecordError, EventError) as error:
        return [f"{unit.format(n=item.position)}: {error.message}"]
    except Exception as error:  # one record never aborts the audit or its report
        return [f"{unit.format(n=item.position)}: {unexpected(error)}"]
    return lines


def _unit(unit: str, lang: str) -> str:
    if lang == "zh":
        return "第 {n} 行"
    return unit + " {n}"


def _lang(lang: str) -> Any:
    return "zh" if lang == "zh" else "en"


def _ledger_notes(
    policy: Policy, event: Any, found: list[AuditFinding] | None
) -> list[explain_mod.LedgerNote]:
    """The ledger rules that decide some of the event's own findings instead (`replaces`)."""
    notes = []
    for rule in policy.compiled.ledger_rules:
        plan = rule.follow_up
        if plan is None or plan.source.kind != event.kind or not plan.replaces:
            continue
        ns = plan.source.read(event)
        ns["event_date"] = event.event_date
        try:
            holds = plan.source.when is None or bool(plan.source.when.fn(ns))
        except (TypeError, ArithmeticError, ValueError):
            continue
        if holds:
            mine = None if found is None else [f for f in found if f.rule == rule.id]
            notes.append(explain_mod.LedgerNote(rule, tuple(sorted(plan.replaces)), mine))
    return notes


def explain_position(
    policy: Policy, ledger: Ledger, position: int, lang: str, as_of: dt.datetime | None = None
) -> list[str] | None:
    """`audit LEDGER --explain N`: the explanation of the record at line or row N."""
    item = read_record(ledger, position)
    if item is None:
        return None
    return explain_record(policy, ledger, item, lang, as_of=as_of)
