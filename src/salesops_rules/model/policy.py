"""The policy file format: what a policy editor writes under `policy/`.

These models describe the YAML only. Whether a rule's expressions name real fields,
whether its approval chain is a valid graph, whether its citation exists: those are
checked by the loader (`core/loader.py`), which knows the event models, the role
graph and the catalogue.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, model_validator

from .spec import REWARDS as REWARDS
from .spec import Bilingual as Bilingual
from .spec import Spec as Spec

RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


class CiteSpec(Spec):
    # Strict: `article: true` or `"14"` is a typing slip, not article 1 or 14.
    article: int = Field(ge=1, strict=True)
    item: int | None = Field(default=None, ge=1, strict=True)


# ---- policy.yaml: the manifest ----


# Strict: a date is written as one (`2011-12-07`), so `0` is not 1970-01-01.
PolicyDate = Annotated[dt.date, Field(strict=True)]


class VersionSpec(Spec):
    version: str = Field(min_length=1)
    effective_from: PolicyDate


class InForceSpec(Spec):
    """The policy's first day and the clause that sets it: an event before it is not judged."""

    first_day: dt.date
    cite: CiteSpec


class PolicyInfo(Spec):
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str | None = None
    in_force: InForceSpec | None = None
    # The editions of the policy, oldest first: a decision names the one in force on the
    # event's date. `version` is the folder's newest edition, so it is the last one here.
    versions: tuple[VersionSpec, ...] = ()

    @model_validator(mode="after")
    def _versions_in_order(self) -> PolicyInfo:
        names = [v.version for v in self.versions]
        for earlier, later in zip(self.versions, self.versions[1:], strict=False):
            if later.effective_from <= earlier.effective_from:
                raise ValueError(
                    f"`versions` must be listed oldest first: `{later.version}` starts "
                    f"{later.effective_from.isoformat()}, not after `{earlier.version}`"
                )
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"version `{name}` is listed twice in `versions`")
        if names and names[-1] != self.version:
            raise ValueError(
                f"`version` `{self.version}` must be the last (newest) of `versions`: `{names[-1]}`"
            )
        return self


class ValueSpec(Spec):
    """A named value a decision may carry; its type fixes how it is checked and printed."""

    type: Literal["bool", "money", "ratio", "int", "str"]
    zh: str
    en: str


class AuthoritySpec(Spec):
    """Who decides the cases the rules leave open, under which clause, and the words for them."""

    # Checked by the loader, which says how to write each (a role of roles.yaml, a code).
    role: str
    cite: CiteSpec
    code: str  # the obligation of a referral, lower_snake_case
    zh: str  # the authority as a sentence names it, in each language
    en: str


class Manifest(Spec):
    policy: PolicyInfo
    # Absent: the pack names no one, and the cases the rules leave open stay undetermined.
    authority: AuthoritySpec | None = None
    values: dict[str, ValueSpec] = Field(default_factory=dict)


# ---- roles.yaml: roles and approval chains ----


class RoleSpec(Spec):
    zh: str
    en: str


class StepSpec(Spec):
    # One role, or a list of roles any one of which may take the step (one or the other
    # approves).
    role: str | Annotated[tuple[str, ...], Field(min_length=1)]
    action: str = Field(min_length=1)  # one of the actions of roles.yaml (or the engine's five)
    cite: CiteSpec | None = None
    # Roles whose step must come before this one; default: the step listed before it.
    after: tuple[str, ...] | None = None
    # A `consent` record (approver away, signature to follow) satisfies this step.
    accepts_consent: bool = False
    # A date or timestamp of the event: a record counts only if made by the end of that
    # day (a permission given before the day's deadline).
    by_end_of: str | None = None
    # Only the event's preparer takes this `sign` step, and their own record counts (who fills
    # in a document signs it); other steps still refuse the preparer.
    by_preparer: bool = False

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,) if isinstance(self.role, str) else self.role


class ChainSpec(Spec):
    steps: tuple[StepSpec, ...] = Field(min_length=1)
    zh: str | None = None
    en: str | None = None


class RolesFile(Spec):
    roles: dict[str, RoleSpec]
    # What a step may ask of its role, with its words; without, the engine's five
    # (`loader.DEFAULT_ACTIONS`), worded by labels.yaml.
    actions: dict[str, RoleSpec] | None = None
    chains: dict[str, ChainSpec] = Field(default_factory=dict)


# ---- rule files ----

ValueExpr = bool | int | Decimal | str  # a string is an expression
_PLAIN_VALUE_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "boolean"}, {"type": "number"}, {"type": "string"}, {"type": "null"}]
}
# A value as written: a literal, an expression string, null, or a value that changes on dates,
# the OpenFisca way: `{2011-11-01: 0.50, 2012-07-01: 0.60}`, each key the first day its value
# is in force. Checked by the loader against the value's declared type (one clear message for
# each wrong value, where a union here would give one per branch), the keys as dates in
# ascending order (YAML keys are read as written, as text).
WrittenValue = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [
                *_PLAIN_VALUE_SCHEMA["anyOf"],
                {
                    "type": "object",
                    "propertyNames": {"pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                    "additionalProperties": _PLAIN_VALUE_SCHEMA,
                    "minProperties": 1,
                },
            ]
        }
    ),
]


class ViolationSpec(Spec):
    code: str = Field(pattern=CODE_PATTERN)
    message: Bilingual
    cite: CiteSpec | None = None


class OverdueSpec(Spec):
    """What an obligation not met by its deadline becomes once the deadline has passed."""

    violations: tuple[ViolationSpec, ...] = Field(min_length=1)


class ObligationSpec(Spec):
    code: str = Field(pattern=CODE_PATTERN)
    message: Bilingual
    # When this expression holds, the duty is shown as met and the obligation is not open.
    unless: str | None = None
    cite: CiteSpec | None = None
    # An expression giving a date (the duty is due by the end of that day) or a timestamp
    # (due before that instant). Before it the obligation is open and lists its deadline;
    # from it on, judged as of a time (`evaluate(event, as_of=...)`), it is `overdue`.
    deadline: str | None = None
    overdue: OverdueSpec | None = None

    @model_validator(mode="after")
    def _overdue_needs_deadline(self) -> ObligationSpec:
        if self.overdue is not None and self.deadline is None:
            raise ValueError("`overdue` needs a `deadline`: the time after which the duty is breached")
        return self


class Outcome(Spec):
    # null states that the regulation requires none here (as opposed to saying nothing).
    # A value may be dated (`DatedValueExpr`): the one in force on the event's date is used.
    values: dict[str, WrittenValue] = Field(default_factory=dict)
    # A chain name from roles.yaml, or the steps written out.
    approvals: str | tuple[StepSpec, ...] | None = None
    obligations: tuple[ObligationSpec, ...] = ()
    violations: tuple[ViolationSpec, ...] = ()
    note: Bilingual | None = None


# A table cell: a value (equality), a list of values (any of them), a comparison
# such as "<= 10000" or "> 10000", or "-" for any value.
# A mapping is a cell that changes on dates, `{2011-11-01: "<= 10000", 2012-07-01: "<= 20000"}`,
# each key the first day its cell is in force (checked by the loader, as dated values are).
Cell = bool | int | Decimal | str | tuple[str, ...] | dict[str, Any]


class Row(Spec):
    when: dict[str, Cell]
    then: Outcome
    cite: CiteSpec | None = None


class TableSpec(Spec):
    # unique: two matching rows are a conflict; first: the first matching row wins.
    hit: Literal["unique", "first"] = "unique"
    inputs: tuple[str, ...] = Field(min_length=1)
    rows: tuple[Row, ...] = Field(min_length=1)


def _in_order(effective_from: dt.date | None, effective_to: dt.date | None) -> None:
    """A rule's or a note's days in force: the last not before the first."""
    if effective_from is not None and effective_to is not None and effective_to < effective_from:
        raise ValueError("`effective_to` is before `effective_from`")


class RuleSpec(Spec):
    id: str = Field(pattern=RULE_ID_PATTERN)
    on: str | tuple[str, ...]
    cite: CiteSpec
    title: Bilingual | None = None
    when: str | None = None
    then: Outcome | None = None
    else_: Outcome | None = Field(default=None, alias="else")
    table: TableSpec | None = None
    exception_to: tuple[str, ...] = ()
    effective_from: PolicyDate | None = None
    effective_to: PolicyDate | None = None

    @model_validator(mode="after")
    def _one_body(self) -> RuleSpec:
        if self.table is not None and (self.then or self.else_ or self.when):
            raise ValueError("a rule has either a `table` or `when`/`then`/`else`, not both")
        if self.table is None and self.then is None:
            raise ValueError("a rule needs `then` (or a `table`)")
        _in_order(self.effective_from, self.effective_to)
        return self

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.on,) if isinstance(self.on, str) else self.on


# ---- rules across events (`ledger_rules:`, judged by `salesops-rules audit`) ----


class EventPattern(Spec):
    """The events of one kind a ledger rule looks at, optionally only those where `when` holds."""

    kind: str
    # An expression over the event's own fields and `event_date` (no decision values).
    when: str | None = None


class ExpectSpec(EventPattern):
    """An event of `kind` must exist for every period (and group) in scope."""

    # The period each event covers: an ISO week (`2011-W49`), a month (`2011-12`), a quarter
    # (`2011-Q4`) or a year (`2011`).
    per: Literal["week", "month", "quarter", "year"] = "month"
    # A field of the expected event naming the period it covers (its label, or a date);
    # when absent or null, the period of the event's date.
    covers: str | None = None
    # The kinds whose events put their (group, month) in scope; absent: every month from the
    # ledger's first event to its last, for the whole company.
    scope: tuple[str, ...] | None = None
    # Fields read from the scope events and from the expected event: one expected event per group.
    group_by: tuple[str, ...] = ()
    # Judge only a ledger that records at least one event of `kind`: a ledger without any does
    # not keep these records, and the report says the rule was not checked on it.
    if_recorded: bool = False

    @model_validator(mode="after")
    def _groups_need_scope(self) -> ExpectSpec:
        if self.group_by and self.scope is None:
            raise ValueError("`group_by` needs `scope`: the kinds whose events say which groups are due")
        return self


class MatchOn(Spec):
    """The field of the first event and the field of the follow-up that hold the same value."""

    from_: str = Field(alias="from")
    to: str


class FollowUpSpec(Spec):
    """Every `from` event is followed by a `to` event with the same `match_on` value."""

    from_: EventPattern = Field(alias="from")
    to: EventPattern
    match_on: MatchOn
    # Calendar days after the first event's date by which the follow-up is due (0: the same
    # day); absent: any time, as long as it is in the ledger.
    within_days: int | None = Field(default=None, ge=0)
    # Codes the first event's own decision emits that this rule decides instead, from the ledger.
    replaces: tuple[str, ...] = ()


class FoundWhen(Spec):
    """When a counting rule finds something: its window holds at least, or at most, N counted events."""

    # Checked by the loader (core/ledger_rules.py), which says why with a help line.
    at_least: int | None = Field(default=None, strict=True)
    at_most: int | None = Field(default=None, strict=True)


class CountSpec(EventPattern):
    """Events of `kind` where `when` holds are counted, per group, over a window (docs/policy-format.md)."""

    group_by: tuple[str, ...] = ()
    # The window, one of: calendar periods (`in_a_row` of them), or a sliding window ending
    # on each counted event. Bounds are checked by the loader, with a help line.
    per: Literal["week", "month", "quarter", "year"] | None = None
    # With `per`: a field naming the period an event counts in (its label, or a date), as
    # `expect`'s `covers`; absent or null: the period of the event's date.
    covers: str | None = None
    in_a_row: int | None = Field(default=None, strict=True)
    within_days: int | None = Field(default=None, strict=True)
    within_months: int | None = Field(default=None, strict=True)
    found_when: FoundWhen
    # After a finding, its events (its periods) are not counted again.
    restart: bool = False


class LedgerFindingSpec(Spec):
    code: str = Field(pattern=CODE_PATTERN)
    message: Bilingual
    cite: CiteSpec | None = None


class LedgerOutcome(Spec):
    violations: tuple[LedgerFindingSpec, ...] = ()
    obligations: tuple[LedgerFindingSpec, ...] = ()


class LedgerRuleSpec(Spec):
    """A rule no single event can show: how it groups and orders the ledger's events, and what it finds."""

    id: str = Field(pattern=RULE_ID_PATTERN)
    cite: CiteSpec
    title: Bilingual | None = None
    expect: ExpectSpec | None = None
    follow_up: FollowUpSpec | None = None
    count: CountSpec | None = None
    # missing: nothing came and the deadline (or the period) had passed when the ledger ends;
    # late: the follow-up came after its deadline; open: nothing yet, but the ledger ends first.
    missing: LedgerOutcome | None = None
    late: LedgerOutcome | None = None
    open: LedgerOutcome | None = None
    # found: what a counting rule (`count`) finds when its threshold is met.
    found: LedgerOutcome | None = None

    @model_validator(mode="after")
    def _one_form(self) -> LedgerRuleSpec:
        forms = [f for f in (self.expect, self.follow_up, self.count) if f is not None]
        if len(forms) != 1:
            raise ValueError("a ledger rule has one of `expect`, `follow_up` or `count`")
        if self.count is not None:
            # what a counting rule finds, and when, is checked by the loader with a help line
            return self
        if self.found is not None:
            raise ValueError(
                "`found` belongs to a counting rule (`count`); this rule finds `missing`, `late` or `open`"
            )
        if self.late is not None and (self.follow_up is None or self.follow_up.within_days is None):
            raise ValueError("`late` needs a `follow_up` with `within_days`")
        if self.missing is None and self.late is None and self.open is None:
            raise ValueError("a ledger rule needs `missing`, `late` or `open`: what it finds")
        return self


# ---- legal notes (`legal_notes:`, e.g. policy/law.yaml): where the regulation meets national law ----


class LawSpec(Spec):
    """An article of a national law or judicial interpretation, cited with its own text."""

    law: str = Field(min_length=1)  # 《中华人民共和国民法典》
    article: str = Field(min_length=1)  # as the law numbers it
    zh: str = Field(min_length=1)  # the article's text
    en: str = Field(min_length=1)


class LegalNoteSpec(Spec):
    """A note shown beside a decision: it never changes the company's figures."""

    id: str = Field(pattern=RULE_ID_PATTERN)
    # The event kinds it may apply to; absent: every kind (for a note on penalties).
    on: str | tuple[str, ...] | None = None
    law: LawSpec
    also: tuple[LawSpec, ...] = ()  # further texts read with it (a judicial interpretation)
    effective_from: dt.date | None = None  # the law's own dates, inclusive, by the event's date
    effective_to: dt.date | None = None
    when: str | None = None  # an expression over the event and the decision's values
    # Money the note computes (an expression each), shown with it: the law's view of a figure.
    figures: dict[str, str] = Field(default_factory=dict)
    # A ratio of the monthly salary: the most a deduction from pay may take in a month. The
    # note applies to a decision with a deduction; each such penalty shows the cap per month and
    # the months recovering it would take, when the salary is known.
    deduction_cap: Decimal | None = Field(default=None, gt=0, le=1)
    note: Bilingual

    @model_validator(mode="after")
    def _something_to_say(self) -> LegalNoteSpec:
        if self.when is None and not self.figures and self.deduction_cap is None:
            raise ValueError("a legal note needs `when`, `figures` or `deduction_cap`: when it applies")
        _in_order(self.effective_from, self.effective_to)
        return self

    @property
    def kinds(self) -> tuple[str, ...] | None:
        return (self.on,) if isinstance(self.on, str) else self.on


class RulesFile(Spec):
    rules: tuple[RuleSpec, ...] = ()
    ledger_rules: tuple[LedgerRuleSpec, ...] = ()
    legal_notes: tuple[LegalNoteSpec, ...] = ()


# ---- penalties.yaml ----

# What a sanction (or reward) may consist of: the engine's vocabulary, which the pack's named
# sanctions combine and word in the regulation's own terms (docs/policy-format.md).
MEASURES = (
    "warning",
    "deduction",
    "fine",
    "bonus",
    "certificate",
    "demotion",
    "transfer",
    "dismissal",
    "other",
)
ONE_OF = "one_of"  # the sanction of a penalty that lists alternatives


class SanctionSpec(Spec):
    """A form of sanction the regulation names: its measures and its words."""

    measures: tuple[str, ...] = Field(min_length=1)  # of MEASURES, checked by the loader
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class BonusRatioSpec(Spec):
    """A bonus of a share of a money value the decision carries (a percentage of sales)."""

    ratio: Decimal = Field(gt=0, le=1)
    of: str = Field(min_length=1)


class AmountsSpec(Spec):
    """A named sanction and the amounts its measures take (checked against its measures at load)."""

    sanction: str | None = Field(default=None, min_length=1)
    # Whole months of pay: [min, max], 0 allowed.
    deduction_months: tuple[Annotated[int, Field(strict=True)], Annotated[int, Field(strict=True)]] | None = (
        None
    )
    fine_yuan: tuple[Decimal, Decimal] | None = None
    bonus_yuan: tuple[Decimal, Decimal] | None = None
    bonus_ratio: BonusRatioSpec | None = None


class PenaltySpec(AmountsSpec):
    code: str = Field(pattern=CODE_PATTERN)
    cite: CiteSpec
    # Alternatives, one of which a person picks (降级或调岗), instead of `sanction`.
    one_of: tuple[AmountsSpec, ...] | None = None
    # 认定, 视情节轻重: a person determines the sanction; a fine or bonus may then leave out its amounts.
    requires_determination: bool = False
    message: Bilingual


class PenaltiesFile(Spec):
    # The forms of sanction and reward, by the names penalties use.
    sanctions: dict[str, SanctionSpec] = Field(default_factory=dict)
    penalties: tuple[PenaltySpec, ...]
