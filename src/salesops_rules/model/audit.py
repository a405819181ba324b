"""What an audit of a ledger finds: one row per finding, one per skipped record, and the totals.

Findings are plain named tuples, not pydantic models: an audit of a year's ledger makes
millions of them, and they travel between processes in chunks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

# The three ways the report groups findings.
DIMENSIONS: tuple[str, ...] = ("article", "employee", "month")
CATEGORIES: tuple[str, ...] = ("violation", "obligation", "approval")
NOBODY = "—"  # the employee of a finding no person is named for
# The samples of breaches whose sanction has a `dismissal` measure: they lead the report.
DISMISSAL = "dismissal"
DISMISSALS_KEPT = 100  # dismissal-grade findings kept per employee for the report (all are in the CSV)


class AuditFinding(NamedTuple):
    """One thing the audit found: a violation, an open obligation or an unsatisfied approval."""

    seq: int  # order of the report: the record's line or row; ledger-rule findings after the last
    position: int | None  # line (JSON Lines) or row (CSV, Excel) of the event; None: no single event
    event_id: str
    kind: str
    date: str  # the event's date, ISO; empty for a finding about a whole month
    month: str  # YYYY-MM
    employee: str  # the person judged (`employee.id`, else whoever prepared the event), or NOBODY
    category: str  # one of CATEGORIES
    code: str  # violation or obligation code; `role.action` for an approval
    article: int
    item: int | None
    label: str  # the citation's label, by the catalogue's numbering
    message: str
    rule: str  # the ledger rule that found it; empty for a finding of one event's decision
    detail: str  # what the ledger rule saw, or why an approval is unsatisfied
    # The penalty of a violation (penalties.yaml); empty for other findings.
    sanction: str = ""  # the name of a sanction penalties.yaml declares
    months: str = ""  # the deduction in monthly salaries, `1-3`
    amount_min: str = ""  # the deduction in yuan, when the salary is known
    amount_max: str = ""

    def key(self, dimension: str) -> str:
        if dimension == "article":
            return str(self.article)
        if dimension == "employee":
            return self.employee
        return self.month or NOBODY


class SkippedRecord(NamedTuple):
    """A ledger record that could not be audited: malformed, truncated, or not a valid event."""

    position: int
    message: str


@dataclass
class AuditTotals:
    """Counts over the whole ledger; their size depends on the policy and the calendar, not the ledger."""

    records: int = 0  # records read, skipped ones included
    audited: int = 0
    skipped: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)  # legal note id -> events it was shown on
    # (dimension, key, category) -> number of findings
    groups: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    # (category, code, article, label) -> number of findings
    codes: Counter[tuple[str, str, int, str]] = field(default_factory=Counter)
    # (employee, code, article, label, sanction, months) -> breaches, and the sums of their
    # deductions where the salary is known (`priced` of them)
    penalties: Counter[tuple[str, str, int, str, str, str]] = field(default_factory=Counter)
    priced: Counter[tuple[str, str, int, str, str, str]] = field(default_factory=Counter)
    amount_min: dict[tuple[str, str, int, str, str, str], Decimal] = field(default_factory=dict)
    amount_max: dict[tuple[str, str, int, str, str, str], Decimal] = field(default_factory=dict)
    first_day: str | None = None  # ISO dates of the earliest and latest audited event
    last_day: str | None = None

    def findings(self, category: str | None = None) -> int:
        return sum(
            n for (dim, _, cat), n in self.groups.items() if dim == "article" and cat == (category or cat)
        )

    def add(self, other: AuditTotals) -> None:
        self.records += other.records
        self.audited += other.audited
        self.skipped += other.skipped
        self.verdicts.update(other.verdicts)
        self.kinds.update(other.kinds)
        self.notes.update(other.notes)
        self.groups.update(other.groups)
        self.codes.update(other.codes)
        self.penalties.update(other.penalties)
        self.priced.update(other.priced)
        for key, value in other.amount_min.items():
            self.amount_min[key] = self.amount_min.get(key, Decimal(0)) + value
        for key, value in other.amount_max.items():
            self.amount_max[key] = self.amount_max.get(key, Decimal(0)) + value
        self.see_days(other.first_day, other.last_day)

    def see_days(self, first: str | None, last: str | None) -> None:
        if first is not None and (self.first_day is None or first < self.first_day):
            self.first_day = first
        if last is not None and (self.last_day is None or last > self.last_day):
            self.last_day = last

    def count(self, finding: AuditFinding, times: int = 1) -> None:
        """Count `finding` (or `times` findings alike in category, code, clause, employee, month)."""
        for dimension in DIMENSIONS:
            self.groups[(dimension, finding.key(dimension), finding.category)] += times
        self.codes[(finding.category, finding.code, finding.article, finding.label)] += times
        if finding.sanction:
            key = (
                finding.employee,
                finding.code,
                finding.article,
                finding.label,
                finding.sanction,
                finding.months,
            )
            self.penalties[key] += times
            if finding.amount_min:
                self.priced[key] += times
                low, high = Decimal(finding.amount_min) * times, Decimal(finding.amount_max) * times
                self.amount_min[key] = self.amount_min.get(key, Decimal(0)) + low
                self.amount_max[key] = self.amount_max.get(key, Decimal(0)) + high
