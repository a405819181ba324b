"""The policy file format: what a policy editor writes under `policy/`.

These models describe the YAML only. Whether a rule's expressions name real fields,
whether its approval chain is a valid graph, whether its citation exists: those are
checked by the loader (`engine/loader.py`), which knows the event models, the role
graph and the catalogue.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


class Spec(BaseModel):
    """Every policy model rejects unknown keys: a misspelt key is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(Spec):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class CiteSpec(Spec):
    article: int = Field(ge=1)
    item: int | None = Field(default=None, ge=1)


# ---- policy.yaml: the manifest ----


class PolicyInfo(Spec):
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str | None = None


class ValueSpec(Spec):
    """A named value a decision may carry; its type fixes how it is checked and printed."""

    type: Literal["bool", "money", "ratio", "int", "str"]
    zh: str
    en: str


class Manifest(Spec):
    policy: PolicyInfo
    values: dict[str, ValueSpec] = Field(default_factory=dict)


# ---- roles.yaml: roles and approval chains ----


class RoleSpec(Spec):
    zh: str
    en: str


class StepSpec(Spec):
    role: str
    action: Literal["review", "approve", "sign", "supervise", "permit"]
    cite: CiteSpec | None = None
    # Roles whose step must come before this one; default: the step listed before it.
    after: tuple[str, ...] | None = None
    # A `consent` record (approver away, signature to follow) satisfies this step.
    accepts_consent: bool = False


class ChainSpec(Spec):
    steps: tuple[StepSpec, ...] = Field(min_length=1)
    zh: str | None = None
    en: str | None = None


class RolesFile(Spec):
    roles: dict[str, RoleSpec]
    chains: dict[str, ChainSpec] = Field(default_factory=dict)


# ---- rule files ----

ValueExpr = bool | int | Decimal | str  # a string is an expression


class ObligationSpec(Spec):
    code: str = Field(pattern=CODE_PATTERN)
    message: Bilingual
    # When this expression holds, the duty is shown as met and the obligation is not open.
    unless: str | None = None
    cite: CiteSpec | None = None


class ViolationSpec(Spec):
    code: str = Field(pattern=CODE_PATTERN)
    message: Bilingual
    cite: CiteSpec | None = None


class Outcome(Spec):
    # null states that the regulation requires none here (as opposed to saying nothing).
    values: dict[str, ValueExpr | None] = Field(default_factory=dict)
    # A chain name from roles.yaml, or the steps written out.
    approvals: str | tuple[StepSpec, ...] | None = None
    obligations: tuple[ObligationSpec, ...] = ()
    violations: tuple[ViolationSpec, ...] = ()
    note: Bilingual | None = None


# A table cell: a value (equality), a list of values (any of them), a comparison
# such as "<= 10000" or "> 10000", or "-" for any value.
Cell = bool | int | Decimal | str | tuple[str, ...]


class Row(Spec):
    when: dict[str, Cell]
    then: Outcome
    cite: CiteSpec | None = None


class TableSpec(Spec):
    # unique: two matching rows are a conflict; first: the first matching row wins.
    hit: Literal["unique", "first"] = "unique"
    inputs: tuple[str, ...] = Field(min_length=1)
    rows: tuple[Row, ...] = Field(min_length=1)
    # What happens when no row matches (a gap in the regulation); absent: nothing.
    default: Outcome | None = None


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
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None

    @model_validator(mode="after")
    def _one_body(self) -> RuleSpec:
        if self.table is not None and (self.then or self.else_ or self.when):
            raise ValueError("a rule has either a `table` or `when`/`then`/`else`, not both")
        if self.table is None and self.then is None:
            raise ValueError("a rule needs `then` (or a `table`)")
        if (
            self.effective_from is not None
            and self.effective_to is not None
            and self.effective_to < self.effective_from
        ):
            raise ValueError("`effective_to` is before `effective_from`")
        return self

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.on,) if isinstance(self.on, str) else self.on


class RulesFile(Spec):
    rules: tuple[RuleSpec, ...]


# ---- penalties.yaml ----


class PenaltySpec(Spec):
    code: str = Field(pattern=CODE_PATTERN)
    cite: CiteSpec
    sanction: Literal["warning_and_deduction", "dismissal"]
    deduction_months: tuple[int, int] | None = None
    requires_determination: bool = False
    message: Bilingual

    @model_validator(mode="after")
    def _months_fit_sanction(self) -> PenaltySpec:
        if self.sanction == "warning_and_deduction" and self.deduction_months is None:
            raise ValueError("a `warning_and_deduction` needs `deduction_months: [min, max]`")
        if self.deduction_months is not None:
            low, high = self.deduction_months
            if not 0 < low <= high:
                raise ValueError("`deduction_months` must be [min, max] with 0 < min <= max")
        return self


class PenaltiesFile(Spec):
    penalties: tuple[PenaltySpec, ...]
