"""The compiled form of a policy: what the loader builds once and the evaluator only reads."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from ..errors import Finding
from ..model.catalogue import Catalogue
from ..model.citation import Cite
from ..model.decision import (
    ApprovalOutcome,
    Citation,
    LawCitation,
    LegalNote,
    Obligation,
    Penalty,
    PolicyRef,
    Text,
    ValueInForce,
    Violation,
)
from ..model.spec import REWARDS
from .approvals import Chain
from .eventkinds import EventKinds
from .expressions import Expression

# A value is a literal fixed in the YAML or an expression over the event, or one of those
# chosen by the event's date (`DatedValue`).
PlainSource = Expression | bool | int | Decimal | None


@dataclass(frozen=True)
class DatedValue:
    """A value that changes on dates: each source is in force from its day to the next one's.

    Compiled once: `starts` ascending and unique, so the choice on a day is one bisection.
    Before the first day no source is in force (the evaluator refers the case: docs/readings.md).
    """

    starts: tuple[dt.date, ...]
    sources: tuple[PlainSource, ...]
    # The decision's entry for each source, built once: decisions share these frozen objects.
    entries: tuple[ValueInForce, ...]

    def index_on(self, day: dt.date) -> int:
        """The index of the source in force on `day` (the last start on or before it), or -1."""
        return bisect_right(self.starts, day) - 1

    @property
    def source(self) -> str:
        """As an editor writes it, `{2011-11-01: 0.50, 2012-07-01: 0.60}`: shown where a value's text is."""
        pairs = zip(self.starts, self.sources, strict=True)
        return "{" + ", ".join(f"{day.isoformat()}: {_written(source)}" for day, source in pairs) + "}"

    @classmethod
    def of(cls, name: str, rule: str, written: list[tuple[dt.date, PlainSource]]) -> DatedValue:
        """From `(day, source)` pairs in ascending order: each in force until the day before the next."""
        starts = tuple(day for day, _ in written)
        ends = (*(day - dt.timedelta(days=1) for day in starts[1:]), None)
        entries = tuple(
            ValueInForce.assemble(name=name, rule=rule, since=start, until=end, row=None)
            for start, end in zip(starts, ends, strict=True)
        )
        return cls(starts, tuple(source for _, source in written), entries)


ValueSource = PlainSource | DatedValue


def _written(source: PlainSource) -> str:
    if isinstance(source, Expression):
        return f'"{source.source}"'
    if source is None:
        return "null"
    if isinstance(source, bool):
        return "true" if source else "false"
    return str(source)


@dataclass(frozen=True)
class CompiledObligation:
    code: str
    message: Text
    cite: Cite
    unless: Expression | None
    # A date (due by the end of that day) or a timestamp (due before it); None: no deadline.
    deadline: Expression | None = None
    # What the duty becomes once its deadline has passed unmet (see the evaluator's `_due`).
    overdue: tuple[CompiledViolation, ...] = ()

    @cached_property
    def open(self) -> Obligation:
        """The decision's entry, built once: decisions share this frozen object."""
        # Made of valid parts: not validated, so that no decision needs the model built (issue 13).
        return Obligation.model_construct(
            code=self.code, message=self.message.zh, message_en=self.message.en, cite=self.cite
        )


@dataclass(frozen=True)
class CompiledViolation:
    code: str
    message: Text
    cite: Cite

    @cached_property
    def found(self) -> Violation:
        """The decision's entry, built once: decisions share this frozen object."""
        # Made of valid parts: not validated (as `CompiledObligation.open`).
        return Violation.model_construct(
            code=self.code, message=self.message.zh, message_en=self.message.en, cite=self.cite
        )


@dataclass(frozen=True)
class CompiledOutcome:
    values: tuple[tuple[str, ValueSource], ...] = ()
    approvals: Chain | None = None
    obligations: tuple[CompiledObligation, ...] = ()
    violations: tuple[CompiledViolation, ...] = ()
    note: Text | None = None

    @cached_property
    def slots(self) -> frozenset[str]:
        names = {name for name, _ in self.values}
        if self.approvals is not None:
            names.add("approvals")
        return frozenset(names)


@dataclass(frozen=True)
class Cell:
    """One condition of a table row, kept structured for lint's gap and overlap analysis."""

    input: str
    op: str  # "any", "==", "in", "<", "<=", ">", ">="
    value: Any


@dataclass(frozen=True)
class RowPeriod:
    """A row with dated cells, from one day on: its cells then, and the condition they make.

    `condition` is None while a dated cell states nothing yet (before its first day): the row
    then matches no event. `entries` name the dated cells in force, for the decision.
    """

    start: dt.date
    cells: tuple[Cell, ...]
    condition: Expression | None
    entries: tuple[ValueInForce, ...]


@dataclass(frozen=True)
class CompiledRow:
    index: int
    condition: Expression  # for a dated row: that of its last period (what the row says now)
    cells: tuple[Cell, ...]
    then: CompiledOutcome
    cite: Cite
    # A row whose conditions change on dates: its periods, oldest first; () for an undated row.
    periods: tuple[RowPeriod, ...] = ()
    # Each dated cell as written, `{2011-11-01: "<= 10000", 2012-07-01: "<= 20000"}`, for display.
    written: tuple[tuple[str, str], ...] = ()

    @cached_property
    def starts(self) -> tuple[dt.date, ...]:
        return tuple(p.start for p in self.periods)

    def period_on(self, day: dt.date) -> RowPeriod | None:
        """The period in force on `day` (the last one starting on or before it), or None before the first."""
        i = bisect_right(self.starts, day) - 1
        return self.periods[i] if i >= 0 else None


@dataclass(frozen=True)
class CompiledTable:
    hit: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    rows: tuple[CompiledRow, ...]

    @cached_property
    def dated(self) -> bool:
        """Some row's conditions change on dates: the rows are read by the event's date."""
        return any(row.periods for row in self.rows)


@dataclass(frozen=True)
class CompiledRule:
    id: str
    kinds: tuple[str, ...]
    cite: Cite
    title: Text | None
    when: Expression | None
    then: CompiledOutcome | None
    else_: CompiledOutcome | None
    table: CompiledTable | None
    exception_to: frozenset[str]
    effective_from: dt.date | None
    effective_to: dt.date | None
    file: str
    line: int
    sets: frozenset[str]  # the slots (value names, "approvals") it may set
    uses: frozenset[str]  # every name its expressions read

    def in_force(self, day: dt.date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to


@dataclass(frozen=True)
class SanctionForm:
    """A form of sanction or reward the pack declares (penalties.yaml `sanctions:`)."""

    name: str
    measures: frozenset[str]  # of `model.policy.MEASURES`
    words: Text  # the regulation's words for it: 解聘, dismissal


@dataclass(frozen=True)
class Amounts:
    """One sanction of a penalty and its amounts (a penalty's own, or one of its alternatives)."""

    sanction: str
    months: tuple[int, int] | None = None  # months of pay deducted
    fine: tuple[Decimal, Decimal] | None = None  # yuan
    bonus: tuple[Decimal, Decimal] | None = None  # yuan
    bonus_ratio: Decimal | None = None  # a share of the money value `bonus_of`
    bonus_of: str | None = None


@dataclass(frozen=True)
class PenaltyRule:
    code: str
    cite: Cite
    sanction: str  # a declared sanction's name, or `one_of`
    months: tuple[int, int] | None
    requires_determination: bool
    message: Text
    fine: tuple[Decimal, Decimal] | None = None
    bonus: tuple[Decimal, Decimal] | None = None
    bonus_ratio: Decimal | None = None
    bonus_of: str | None = None
    alternatives: tuple[Amounts, ...] = ()  # with `sanction` `one_of`: the choices
    # The measures of its sanction (of every alternative): `dismissal` marks the gravest
    # breaches, which the audit report lists first; all rewards may follow an obligation.
    measures: frozenset[str] = frozenset()

    @property
    def reward(self) -> bool:
        return bool(self.measures) and self.measures <= REWARDS

    @cached_property
    def shares(self) -> tuple[str, ...]:
        """The values a bonus is a share of: the penalty differs with them."""
        found = [self.bonus_of, *(a.bonus_of for a in self.alternatives)]
        return tuple(dict.fromkeys(name for name in found if name is not None))


@dataclass(frozen=True)
class Authority:
    """Who decides what the rules leave open (policy.yaml `authority`), and the clause saying so."""

    role: str
    cite: Cite
    code: str  # the obligation code of a referral
    who: Text  # the words naming the authority in a sentence (policy.yaml `authority.zh`, `.en`)

    def decides(self, problem: Text, must: bool = True, cited: bool = False) -> Text:
        """`problem`, and that the authority decides it: …，须由 X 决定 / …; X decides."""
        zh = f"{problem.zh}，{'须' if must else ''}由{self.who.zh}决定" + (
            f"（{self.cite.label}）" if cited else ""
        )
        return Text(zh=zh, en=f"{problem.en}; {self.who.en} decides")


# The obligation of a case the rules leave open in a pack that declares no authority.
UNDETERMINED_CODE = "undetermined"


def undecided(problem: Text) -> Text:
    """`problem`, and that no one is declared to decide it: the case stays undetermined."""
    return Text(
        zh=f"{problem.zh}，本规定未指定决定者，结论未定",
        en=f"{problem.en}; the policy names no one to decide it, so it stays undetermined",
    )


@dataclass(frozen=True)
class ValueInfo:
    name: str
    type: str
    label: Text


@dataclass(frozen=True)
class LedgerFinding:
    """What a ledger rule reports for one case: a violation (with its penalty) or an open obligation."""

    category: str  # "violation" | "obligation"
    code: str
    message: Text
    cite: Cite


@dataclass(frozen=True)
class EventSide:
    """The events of one kind a ledger rule reads; `read` extracts the fields it needs."""

    kind: str
    when: Expression | None
    read: Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class ExpectPlan:
    expected: EventSide
    covers: str | None
    scope: tuple[EventSide, ...] | None  # None: every period of the ledger's span
    group_by: tuple[str, ...]
    per: str = "month"  # week, month, quarter or year (core/periods.py)
    if_recorded: bool = False  # judged only on a ledger holding an event of the expected kind


@dataclass(frozen=True)
class FollowUpPlan:
    source: EventSide
    target: EventSide
    match_from: str
    match_to: str
    within_days: int | None
    replaces: frozenset[str]


@dataclass(frozen=True)
class CountPlan:
    """A counting rule: the events of `counted` where its `when` holds, per group, over a window."""

    counted: EventSide
    group_by: tuple[str, ...]
    # The window: calendar periods (`per`, `in_a_row` of them), or a sliding one of days or months.
    per: str | None
    covers: str | None  # a field naming the period an event counts in; None: its date's
    in_a_row: int
    within_days: int | None
    within_months: int | None
    at_least: int | None  # found when the window (each period) holds at least this many ...
    at_most: int | None  # ... or at most this many (calendar periods only)
    restart: bool  # a finding's events (periods) are not counted again


@dataclass(frozen=True)
class CompiledLedgerRule:
    id: str
    cite: Cite
    title: Text | None
    expect: ExpectPlan | None
    follow_up: FollowUpPlan | None
    missing: tuple[LedgerFinding, ...]
    late: tuple[LedgerFinding, ...]
    open: tuple[LedgerFinding, ...]
    file: str
    line: int
    # The policy's first day (policy.yaml `in_force`): events before it give the rule no facts.
    in_force_from: dt.date | None = None
    count: CountPlan | None = None
    found: tuple[LedgerFinding, ...] = ()  # what a counting rule finds


@dataclass(frozen=True)
class CompiledLegalNote:
    """A note of national law (`legal_notes:`), compiled: shown beside decisions, never changing them."""

    id: str
    kinds: tuple[str, ...] | None  # None: every kind
    cite: LawCitation
    also: tuple[LawCitation, ...]
    effective_from: dt.date | None
    effective_to: dt.date | None
    when: Expression | None
    figures: tuple[tuple[str, Expression], ...]
    deduction_cap: Decimal | None
    note: Text
    file: str
    line: int

    def in_force(self, day: dt.date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to

    def entry(self, figures: dict[str, Decimal]) -> LegalNote:
        """The decision's entry, from the note's own valid parts: nothing validated again."""
        return self._assemble(figures) if figures else self.bare

    @cached_property
    def bare(self) -> LegalNote:
        """The entry of a note without figures (a deduction cap): the same on every decision, made once."""
        return self._assemble({})

    def _assemble(self, figures: dict[str, Decimal]) -> LegalNote:
        return LegalNote.assemble(
            id=self.id,
            cite=self.cite,
            also=list(self.also),
            message=self.note.zh,
            message_en=self.note.en,
            figures=figures,
            deduction_cap=self.deduction_cap,
        )


@dataclass
class CompiledPolicy:
    name: str
    version: str
    root: str
    catalogue: Catalogue
    values: dict[str, ValueInfo]
    roles: dict[str, Text]
    actions: dict[str, Text]  # roles.yaml `actions`: what a step asks, with its words (may be empty)
    chains: dict[str, Chain]
    rules: tuple[CompiledRule, ...]
    plans: dict[str, tuple[CompiledRule, ...]]  # per event kind, in dependency order
    extractors: dict[str, Callable[[Any], dict[str, Any]]]
    penalties: dict[str, PenaltyRule]
    events: EventKinds  # the pack's event kinds (events.yaml): models, adapter, people
    warnings: list[str] = field(default_factory=list)
    # Filled on first use by the evaluator: each cited clause's text, built once.
    citation_cache: dict[Cite, Citation] = field(default_factory=dict)
    # ...and each set of cited clauses (by (article, item)) as a decision lists them, sorted once.
    citation_lists: dict[frozenset[tuple[int, int | None]], tuple[Citation, ...]] = field(
        default_factory=dict
    )
    # Filled by the evaluator: penalties by (violation code, salary as written), built once.
    # (With a bonus that is a share of a value, the value as written too.)
    penalty_cache: dict[tuple[str, ...], Penalty] = field(default_factory=dict)
    # ...approval steps' outcomes, by (id of the step, role and person, or why it is open).
    approval_cache: dict[tuple[Any, ...], ApprovalOutcome] = field(default_factory=dict)
    # ...and with a legal note's deduction cap, by (violation code, salary as written, cap).
    capped_cache: dict[tuple[str, str, Decimal], Penalty] = field(default_factory=dict)
    # The editions of policy.yaml `versions`, oldest first: (effective_from, version).
    versions: tuple[tuple[dt.date, str], ...] = ()
    # Rules across events (`ledger_rules:`), judged by `audit` over a whole ledger.
    ledger_rules: tuple[CompiledLedgerRule, ...] = ()
    # policy.yaml `in_force`: the first day and its clause; an event dated before is not judged.
    in_force: tuple[dt.date, Cite] | None = None
    # Notes of national law (`legal_notes:`), shown beside decisions.
    legal_notes: tuple[CompiledLegalNote, ...] = ()
    # policy.yaml `authority`: who decides the cases the rules leave open; None: nobody, and
    # such cases stay undetermined (`UNDETERMINED_CODE`).
    authority: Authority | None = None
    # What load has to say about a folder that loads (severity "warning"): lint prints them.
    notices: tuple[Finding, ...] = ()
    # penalties.yaml `sanctions:`: the forms of sanction and reward, by name, with their words.
    sanctions: dict[str, SanctionForm] = field(default_factory=dict)
    # The codes of obligations whose entry in penalties.yaml is a reward (granted while open).
    reward_codes: frozenset[str] = frozenset()
    # Per kind, the plan as generated code (core/codegen.py), made on the kind's first event.
    # `interpreted`: every event goes through the interpreter instead (the reference; for
    # debugging, `load_policy(..., interpret=True)` or SALESOPS_RULES_INTERPRET=1).
    runners: dict[str, Callable[..., None]] = field(default_factory=dict, repr=False, compare=False)
    interpreted: bool = False

    @cached_property
    def grave_sanctions(self) -> frozenset[str]:
        """The sanctions with a `dismissal` measure: the audit report lists their breaches first."""
        return frozenset(name for name, form in self.sanctions.items() if "dismissal" in form.measures)

    @cached_property
    def grave_articles(self) -> tuple[str, ...]:
        """The labels of the articles whose penalties are grave, in article order."""
        grave = self.grave_sanctions
        numbers = sorted({p.cite.article for p in self.penalties.values() if p.sanction in grave})
        articles = (self.catalogue.article(n) for n in numbers)
        return tuple(a.label for a in articles if a is not None)

    @cached_property
    def notes_by_kind(self) -> dict[str, tuple[CompiledLegalNote, ...]]:
        """Per kind, the legal notes that may apply to its events (none for most kinds)."""
        found: dict[str, tuple[CompiledLegalNote, ...]] = {}
        for kind in self.plans:
            notes = tuple(n for n in self.legal_notes if n.kinds is None or kind in n.kinds)
            if notes:
                found[kind] = notes
        return found

    @cached_property
    def event_notes(self) -> frozenset[str]:
        """The kinds some note reads the event of (`when`, `figures`): checked on every event.

        A note with only a deduction cap is looked at only when a decision has a deduction.
        """
        return frozenset(
            kind for kind, notes in self.notes_by_kind.items() if any(n.deduction_cap is None for n in notes)
        )

    @cached_property
    def direct_values(self) -> dict[str, frozenset[str]]:
        """Per kind, the values exactly one rule sets: no exception or conflict can touch them."""
        direct: dict[str, frozenset[str]] = {}
        for kind, plan in self.plans.items():
            counts: dict[str, int] = {}
            for rule in plan:
                for name in rule.sets:
                    counts[name] = counts.get(name, 0) + 1
            direct[kind] = frozenset(n for n, c in counts.items() if c == 1 and n != "approvals")
        return direct

    @cached_property
    def kind_values(self) -> dict[str, list[tuple[str, ValueInfo]]]:
        """Per kind, the declared values its rules can set, in declaration order."""
        found: dict[str, list[tuple[str, ValueInfo]]] = {}
        for kind, plan in self.plans.items():
            sets = set().union(*(rule.sets for rule in plan))
            found[kind] = [(name, info) for name, info in self.values.items() if name in sets]
        return found

    @cached_property
    def value_reads(self) -> dict[str, tuple[str, ...]]:
        """Per rule, the policy values it reads: they must be settled before it runs."""
        wanted = set(self.values) | {"approvals_satisfied"}
        return {rule.id: tuple(sorted(rule.uses & wanted)) for rule in self.rules}

    @cached_property
    def steps(self) -> dict[str, tuple[tuple[CompiledRule, bool, tuple[str, ...]], ...]]:
        """Per kind, the plan as the evaluator walks it: each rule, whether it is dated, what it reads."""
        reads = self.value_reads
        return {
            kind: tuple(
                (rule, rule.effective_from is not None or rule.effective_to is not None, reads[rule.id])
                for rule in plan
            )
            for kind, plan in self.plans.items()
        }

    @cached_property
    def ref(self) -> PolicyRef:
        return PolicyRef.model_construct(name=self.name, version=self.version)  # as `open` above

    @cached_property
    def _version_refs(self) -> tuple[tuple[dt.date, PolicyRef], ...]:
        ref = PolicyRef.model_construct
        return tuple((start, ref(name=self.name, version=v)) for start, v in self.versions)

    def ref_on(self, day: dt.date) -> PolicyRef:
        """The edition in force on `day`; before the first edition, the first one."""
        if not self.versions:
            return self.ref
        refs = self._version_refs
        chosen = refs[0][1]
        for start, ref in refs:
            if start > day:
                break
            chosen = ref
        return chosen
