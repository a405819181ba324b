"""The format of a pack's `events.yaml`: the event kinds, their fields, shapes and checks.

These models describe the YAML only; whether a type names a declared shape, whether a check
compiles, whether `dated_by` names a date: those the builder (`core/eventkinds.py`) checks.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .spec import Bilingual, Spec

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


class FieldSpec(Spec):
    type: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    required: bool = False
    # Written or not: `default: null` is refused by the builder, absence means "optional".
    default: Any = None
    of: str | None = None  # the type of a list's items
    values: dict[str, Bilingual] | None = None  # an inline enum's values, in order
    min_length: int | None = Field(default=None, ge=0, strict=True)
    pattern: str | None = None
    at_least: int | None = Field(default=None, strict=True)
    less_than: int | None = Field(default=None, strict=True)


class EnumSpec(Spec):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    values: dict[str, Bilingual]


class ShapeSpec(Spec):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    fields: dict[str, FieldSpec]


class CheckSpec(Spec):
    that: str = Field(min_length=1)
    message: Bilingual
    each: str | None = None  # a list field: the check runs once per item


class KindSpec(Spec):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    dated_by: str | None = None
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    checks: tuple[CheckSpec, ...] = ()


class PeopleSpec(Spec):
    """Field paths that name people (and the judged person's pay), read by the engine."""

    judged: str | None = None  # who the event judges: never approves it; a finding is about them
    preparer: str | None = None  # who prepared it: takes `by_preparer` steps, approves nothing else
    salary: str | None = None  # the judged person's monthly pay, that deductions in months count in


class EventsFile(Spec):
    enums: dict[str, EnumSpec] = Field(default_factory=dict)
    shapes: dict[str, ShapeSpec] = Field(default_factory=dict)
    approval_record: str | None = None  # the shape of approval records
    violation_codes: str | None = None  # the enum whose values are the violation codes
    common: dict[str, FieldSpec] = Field(default_factory=dict)
    people: PeopleSpec = PeopleSpec.model_construct()  # the defaults; not validated at import
    kinds: dict[str, KindSpec]
