"""The decision of the public contract (docs/contract.md §3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, WithJsonSchema

from .citation import Cite
from .money import CENT, Money

# A time of the company's day, as events give it: ISO 8601 in China Standard Time, without an
# offset. JSON Schema's `date-time` requires an offset, so the schema says what is written.
CompanyTime = Annotated[
    dt.datetime,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$",
            "description": "company time (China Standard Time), ISO 8601 without an offset",
        }
    ),
]


_new = object.__new__
# The setters of BaseModel's four slots, called directly: `object.__setattr__` looks each name
# up on the class first, which costs as much again on the evaluator's path.
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def _assembled(cls: type[Any], fields: dict[str, Any]) -> Any:
    model = _new(cls)  # a BaseModel has no __new__ of its own
    _set_dict(model, fields)
    _set_fields_set(model, set(fields))
    _set_extra(model, None)
    _set_private(model, None)
    return model


class Frozen(BaseModel):
    # The models of a decision are built (their validator and serializer made by pydantic) on
    # first validation or dump, not at import: the engine assembles decisions without either
    # (`assemble`, and `to_json` below), so `check` and `explain` never pay for them (issue 13).
    model_config = ConfigDict(frozen=True, populate_by_name=True, defer_build=True)

    # `assemble` of a dict holding every field, kept as the model's own (no defaults filled);
    # `_assembled` itself, not a call of it: this is once per decision.
    assemble_from: ClassVar[Callable[[dict[str, Any]], Self]] = classmethod(_assembled)  # type: ignore[assignment]

    @classmethod
    def assemble(cls, **fields: Any) -> Self:
        """Build from the engine's own, already valid data: every field given, nothing checked.

        The evaluator's hot path. `model_construct` does the same but also fills defaults and
        walks aliases in Python, which costs more than the decision itself;
        tests/test_decision_assembly.py checks that both give equal models.
        """
        return _assembled(cls, fields)  # type: ignore[no-any-return]


class Text(Frozen):
    """A message in both languages the auditors read."""

    zh: str
    en: str


class PolicyRef(Frozen):
    name: str
    version: str


class ApprovalOutcome(Frozen):
    role: str
    action: str
    satisfied: bool
    cite: Cite
    by: str | None = None
    note: Text | None = None


class Obligation(Frozen):
    code: str
    message: str
    message_en: str
    cite: Cite
    # The instant from which the duty is breached (it must be met before it): the end of a
    # day is 00:00 of the next. None: the duty has no deadline.
    deadline: CompanyTime | None = None

    @classmethod
    def assemble(cls, **fields: Any) -> Self:
        fields.setdefault("deadline", None)
        return _assembled(cls, fields)  # type: ignore[no-any-return]


class Violation(Frozen):
    code: str
    message: str
    message_en: str
    cite: Cite


class Range(Frozen):
    min: int | Money
    max: int | Money


def _absent(value: object) -> bool:
    return value is None


# A field added to penalties after decisions were first published: left out of a dump when it
# has no value, so that a penalty of the first forms dumps exactly as it always has.
def _later(description: str) -> Any:
    return Field(default=None, exclude_if=_absent, description=description)


class Alternative(Frozen):
    """One of the sanctions a person picks from (`sanction: one_of`), with its amounts."""

    sanction: str
    deduction_months: Range | None = _later("months of pay deducted, [min, max]")
    deduction_amount: Range | None = _later("the deduction in yuan, for a known salary")
    fine_yuan: Range | None = _later("a fine in yuan, [min, max]")
    bonus_yuan: Range | None = _later("a bonus in yuan, [min, max]")
    bonus_ratio: Decimal | None = _later("a bonus as a share of the value `bonus_of`")
    bonus_of: str | None = _later("the money value the bonus is a share of")
    bonus_amount: Money | None = _later("the bonus in yuan: the value x the ratio, to 0.01 half-up")


class Penalty(Frozen):
    # `for` is a Python keyword: the field is `for_` in Python and `for` in every dump.
    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True, defer_build=True)

    # The name of a form of sanction the pack declares (penalties.yaml `sanctions:`), or
    # `one_of` with `alternatives`.
    sanction: str
    for_: str = Field(alias="for", serialization_alias="for")
    deduction_months: Range | None = None
    deduction_amount: Range | None = None
    cite: Cite
    requires_determination: bool = False
    # With a legal note's `deduction_cap` and a known salary: the most a month's pay may lose
    # to it (the national wage rule the note cites), and the whole months recovering the deduction
    # would take.
    deduction_cap_per_month: Money | None = None
    months_to_recover: Range | None = None
    fine_yuan: Range | None = _later("a fine in yuan, [min, max]")
    bonus_yuan: Range | None = _later("a bonus in yuan, [min, max]")
    bonus_ratio: Decimal | None = _later("a bonus as a share of the value `bonus_of`")
    bonus_of: str | None = _later("the money value the bonus is a share of")
    bonus_amount: Money | None = _later("the bonus in yuan: the value x the ratio, to 0.01 half-up")
    alternatives: list[Alternative] | None = _later("with `sanction: one_of`: the sanctions to pick from")

    @classmethod
    def assemble(cls, **fields: Any) -> Self:
        fields.setdefault("deduction_cap_per_month", None)
        fields.setdefault("months_to_recover", None)
        for name in LATER_FIELDS:
            fields.setdefault(name, None)
        return _assembled(cls, fields)  # type: ignore[no-any-return]


LATER_FIELDS = ("fine_yuan", "bonus_yuan", "bonus_ratio", "bonus_of", "bonus_amount", "alternatives")


class LawCitation(Frozen):
    """An article of national law, with its text: not a clause of the regulation."""

    law: str
    article: str
    text: str
    text_en: str


class LegalNote(Frozen):
    """Where the regulation meets national law, for this event: a note, never a change of figures."""

    id: str
    cite: LawCitation
    also: list[LawCitation]
    message: str
    message_en: str
    figures: dict[str, Money]  # money the law's reading gives (e.g. the part that is 定金)
    # The share of a month's pay a deduction may take (0.20), shown on each penalty; or None.
    deduction_cap: Decimal | None = None


class Citation(Frozen):
    article: int
    item: int | None
    label: str
    text: str
    text_en: str


Value = bool | Decimal | str | int | None


class ValueInForce(Frozen):
    """A dated value a decision took: which rule gave it, and the days its value is in force."""

    name: str
    rule: str
    since: dt.date  # the first day of the value taken: the last day written on or before the event's
    until: dt.date | None = None  # its last day (the day before the next one written); None: open
    # For a dated condition of a table row: the row (from 1), and `name` is the input it tests.
    row: int | None = None


class Decision(Frozen):
    event_id: str
    kind: str
    policy: PolicyRef
    verdict: Literal["pass", "pending", "fail"]
    values: dict[str, Value]
    approvals: list[ApprovalOutcome]
    obligations: list[Obligation]
    violations: list[Violation]
    penalties: list[Penalty]
    citations: list[Citation]
    rules: list[str] = Field(default_factory=list, description="ids of the rules that applied")
    legal_notes: list[LegalNote] = Field(
        default_factory=list, description="where national law meets the regulation on this event"
    )
    as_of: CompanyTime | None = Field(
        default=None,
        description="the judgement time given (company time); null: judged as of the latest time "
        "the event records",
    )
    values_in_force: list[ValueInForce] = Field(
        default_factory=list,
        description="the dated values the decision took, each with the days it is in force "
        "(empty when no value given is dated)",
    )

    def to_json(self) -> dict[str, Any]:
        """`model_dump(mode="json")`, made by hand in a fraction of its time (`decision_json`)."""
        return decision_json(self)

    @classmethod
    def assemble(cls, **fields: Any) -> Self:
        fields.setdefault("legal_notes", [])
        fields.setdefault("as_of", None)
        fields.setdefault("values_in_force", [])
        return _assembled(cls, fields)  # type: ignore[no-any-return]


# ---- the JSON content, written by hand ----
#
# `Decision.to_json()` gives what `model_dump(mode="json")` gives, in less time: the service,
# the CLI and the audit read a decision as JSON content. A model's `__dict__` holds exactly its
# fields, in their order (`Frozen.assemble` and validation alike), so a part whose fields are
# all JSON already (a citation, a cite, a text) is copied in one call; only money, decimals,
# times and nested parts are converted. tests/test_decision_json.py checks both are equal
# over every example and policy test case, and over decisions hypothesis makes; pydantic's
# dump stays the reference.


def _approval_json(a: ApprovalOutcome) -> dict[str, Any]:
    fields = a.__dict__
    note = fields["note"]
    return {
        **fields,
        "cite": dict(fields["cite"].__dict__),
        "note": None if note is None else dict(note.__dict__),
    }


def _obligation_json(o: Obligation) -> dict[str, Any]:
    fields = o.__dict__
    deadline = fields["deadline"]
    return {
        **fields,
        "cite": dict(fields["cite"].__dict__),
        "deadline": None if deadline is None else deadline.isoformat(),
    }


def _violation_json(v: Violation) -> dict[str, Any]:
    fields = v.__dict__
    return {**fields, "cite": dict(fields["cite"].__dict__)}


def _note_json(n: LegalNote) -> dict[str, Any]:
    fields = n.__dict__
    cap = fields["deduction_cap"]
    return {
        **fields,
        "cite": dict(fields["cite"].__dict__),
        "also": [dict(c.__dict__) for c in fields["also"]],
        "figures": {k: str(v.quantize(CENT)) for k, v in fields["figures"].items()},
        "deduction_cap": None if cap is None else str(cap),
    }


def _in_force_json(v: ValueInForce) -> dict[str, Any]:
    fields = v.__dict__
    until = fields["until"]
    return {
        **fields,
        "since": fields["since"].isoformat(),
        "until": None if until is None else until.isoformat(),
    }


def decision_json(d: Decision) -> dict[str, Any]:
    fields = d.__dict__
    as_of = fields["as_of"]
    values = fields["values"]
    # Most lists of a decision are empty or short: a comprehension (a function call on 3.11)
    # only where there is something in them.
    approvals, obligations, violations = fields["approvals"], fields["obligations"], fields["violations"]
    penalties, notes, in_force = fields["penalties"], fields["legal_notes"], fields["values_in_force"]
    return {
        **fields,
        "policy": dict(fields["policy"].__dict__),
        # bool | Decimal | str | int | None: only a Decimal changes (its text as written).
        "values": {k: str(v) if type(v) is Decimal else v for k, v in values.items()} if values else {},
        "approvals": [_approval_json(a) for a in approvals] if approvals else [],
        "obligations": [_obligation_json(o) for o in obligations] if obligations else [],
        "violations": [_violation_json(v) for v in violations] if violations else [],
        "penalties": _penalties().dump_python(penalties, mode="json") if penalties else [],
        "citations": [dict(c.__dict__) for c in fields["citations"]],
        "rules": list(fields["rules"]),
        "legal_notes": [_note_json(n) for n in notes] if notes else [],
        "as_of": None if as_of is None else as_of.isoformat(),
        "values_in_force": [_in_force_json(v) for v in in_force] if in_force else [],
        **(d.model_dump(mode="json", include=_OTHERS) if _OTHERS else {}),
    }


# Penalties (rare, and the part whose shape grows most) are dumped by pydantic's own serializer,
# made on the first decision with a penalty; so is any field of a decision not written out above.
@cache
def _penalties() -> TypeAdapter[list[Penalty]]:
    return TypeAdapter(list[Penalty])


_BY_HAND = frozenset(
    (
        *("event_id", "kind", "policy", "verdict", "values", "approvals", "obligations"),
        *("violations", "penalties", "citations", "rules", "legal_notes", "as_of", "values_in_force"),
    )
)
_OTHERS = set(Decision.model_fields) - _BY_HAND
