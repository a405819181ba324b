"""The policy test case format: YAML files of events and what their decisions must say.

A case file (under `policy/tests/`) holds `cases:`, each `{name, cite, event, expect}`,
and optionally `event_defaults:`, merged under every case's event so that a case states
only what it is about. Every key of `expect` is optional; a key that is given is checked
(`tools/cases.py` says how). Unknown keys are errors, as everywhere in a policy.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator


def _single(value: Any) -> Any:
    if not isinstance(value, bool | int | Decimal | str | dt.date):
        raise ValueError(f"expected a single value, not {type(value).__name__}")
    return value


# A decision value as the YAML writes it: `true`, `3`, `"3600.00"` (money and ratios are
# compared as the decision's JSON strings, so quote them or write both decimal places).
Scalar = Annotated[Any, AfterValidator(_single)]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class CodeExpect(Spec):
    """An obligation or violation: its code, and optionally the clause it must cite."""

    code: str = Field(min_length=1)
    cite: str | None = None
    # An open obligation's deadline, as the decision's JSON writes it (`2011-12-06T00:00:00`).
    deadline: dt.datetime | None = None


class ApprovalExpect(Spec):
    role: str | None = None
    action: str | None = None
    satisfied: bool | None = None
    by: str | None = None
    cite: str | None = None


class RangeExpect(Spec):
    min: Scalar
    max: Scalar


class PenaltyExpect(Spec):
    # `for` is a Python keyword: `for_` here, `for` in the YAML.
    for_: str | None = Field(default=None, alias="for")
    sanction: str | None = None  # a sanction of penalties.yaml `sanctions:`, or `one_of`
    deduction_months: RangeExpect | None = None
    deduction_amount: RangeExpect | None = None
    fine_yuan: RangeExpect | None = None
    bonus_yuan: RangeExpect | None = None
    bonus_ratio: Scalar | None = None
    bonus_of: str | None = None
    bonus_amount: Scalar | None = None
    # With `sanction: one_of`: each alternative as the decision shows it (`{sanction, fine_yuan}`).
    alternatives: tuple[dict[str, Any], ...] | None = None
    requires_determination: bool | None = None
    cite: str | None = None
    # With a legal note's deduction cap and a known salary.
    deduction_cap_per_month: Scalar | None = None
    months_to_recover: RangeExpect | None = None


class NoteExpect(Spec):
    """A legal note of the decision: its id, and optionally its figures (money as strings)."""

    id: str = Field(min_length=1)
    figures: dict[str, Scalar] | None = None


class Expect(Spec):
    """What the decision must say; a key left out is not checked."""

    verdict: Literal["pass", "pending", "fail"] | None = None
    values: dict[str, Scalar] | None = None
    absent: tuple[str, ...] | None = None
    approvals: tuple[ApprovalExpect, ...] | None = None
    obligations: tuple[CodeExpect, ...] | None = None
    violations: tuple[CodeExpect, ...] | None = None
    penalties: tuple[PenaltyExpect, ...] | None = None
    rules: tuple[str, ...] | None = None
    # The legal notes beside the decision, in any order: exactly these ids.
    legal_notes: tuple[NoteExpect, ...] | None = None
    # The dated values the decision took, by name: the first day of the value in force.
    values_in_force: dict[str, dt.date] | None = None

    @field_validator("values", mode="before")
    @classmethod
    def _no_nulls(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            for name, value in raw.items():
                if value is None:
                    raise ValueError(f"`{name}: null` is not a value; list `{name}` under `absent` instead")
        return raw

    @field_validator("obligations", "violations", mode="before")
    @classmethod
    def _bare_codes(cls, raw: Any) -> Any:
        """A bare code is short for `{code}`: `[some_code, {code: ..., cite: LABEL}]`."""
        if isinstance(raw, list):
            return [{"code": item} if isinstance(item, str) else item for item in raw]
        return raw


class CaseSpec(Spec):
    name: str = Field(min_length=1)
    # The clause the case tests, as its label by the catalogue's numbering.
    cite: str = Field(min_length=1)
    event: dict[str, Any]
    # The time the event is judged at (`evaluate(event, as_of=...)`); absent: none is given.
    as_of: dt.datetime | dt.date | None = None
    expect: Expect = Field(default_factory=Expect)


class FindingExpect(Spec):
    """One finding of a rule across events: of an event (`event`: its id) or of a period (`month`)."""

    rule: str = Field(min_length=1)
    event: str | None = Field(default=None, min_length=1)
    # A finding of no event (a month without its report) counts under the month it is of.
    month: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    category: Literal["violation", "obligation"]
    code: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_place(self) -> FindingExpect:
        if (self.event is None) == (self.month is None):
            raise ValueError("a finding names either its `event` or its `month`, not both nor neither")
        return self


class LedgerExpect(Spec):
    # Required, and compared whole: `findings: []` says the rules across events find nothing.
    findings: tuple[FindingExpect, ...]


class LedgerCaseSpec(Spec):
    """A ledger case: several events judged together by the rules across events (`ledger_rules:`)."""

    name: str = Field(min_length=1)
    cite: str = Field(min_length=1)
    events: list[dict[str, Any]] = Field(min_length=1)
    # The time the ledger is judged at (`audit --as-of`); absent: 00:00 of its last event's day.
    as_of: dt.datetime | dt.date | None = None
    expect: LedgerExpect
