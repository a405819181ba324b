"""What an expression may name: the fields of an event kind, the policy's values, builtins.

The scope is derived from the pydantic event models, so an expression is checked
against the same definition that validates the events it will run on.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel

from ..model.events import EventBase

Kind = Literal["number", "bool", "str", "date", "datetime", "list", "none", "any"]


@dataclass(frozen=True)
class Type:
    """The static type of a name or sub-expression, as far as the checker needs it."""

    kind: Kind
    enum: tuple[str, ...] | None = None  # allowed strings of a str (or of a list's items)
    nullable: bool = False
    # The fields of a list's records and their types (`sum_of`, `signed_by` read them).
    items: tuple[tuple[str, Type], ...] | None = field(default=None, compare=False, hash=False)

    def item(self, name: str) -> Type | None:
        return dict(self.items or ()).get(name)

    def describe(self) -> str:
        return _DESCRIPTIONS.get(self.kind, self.kind)


_DESCRIPTIONS = {
    "number": "a number",
    "bool": "a boolean",
    "str": "a string",
    "date": "a date",
    "datetime": "a datetime",
    "list": "a list",
    "none": "None",
}

NUMBER = Type("number")
BOOL = Type("bool")
STR = Type("str")
DATE = Type("date")
ANY = Type("any")

# Names every rule may use whatever the kind. `approvals_satisfied` is known only once
# the approval chain of the decision is settled; the evaluator orders rules accordingly.
BUILTINS: dict[str, Type] = {
    "event_date": DATE,
    "approvals_satisfied": BOOL,
}
VALUE_TYPES: dict[str, Type] = {
    "bool": BOOL,
    "money": NUMBER,
    "ratio": NUMBER,
    "int": NUMBER,
    "str": STR,
}


def _type_of(annotation: Any, nullable: bool = False) -> Type | type[BaseModel] | None:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_of(typing.get_args(annotation)[0], nullable)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        has_none = len(args) < len(typing.get_args(annotation))
        if len(args) == 1:
            return _type_of(args[0], nullable or has_none)
        return None
    if origin is Literal:
        return Type("str", tuple(str(a) for a in typing.get_args(annotation)), nullable)
    if origin is tuple:
        inner = _type_of(typing.get_args(annotation)[0])
        if isinstance(inner, Type) and inner.kind == "str":
            return Type("list", inner.enum, nullable)
        if isinstance(inner, type):  # records: `len()`, `sum_of` and the signature functions read them
            return Type("list", None, nullable, tuple(fields_of(inner).items()))
        return Type("list", None, nullable)
    if annotation is bool:
        return Type("bool", None, nullable)
    if annotation in (int, Decimal):
        return Type("number", None, nullable)
    if annotation is str:
        return Type("str", None, nullable)
    if annotation is dt.datetime:
        return Type("datetime", None, nullable)
    if annotation is dt.date:
        return Type("date", None, nullable)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def fields_of(model: type[BaseModel], prefix: str = "", nullable: bool = False) -> dict[str, Type]:
    """Every dotted field path of `model` an expression may name, with its type."""
    found: dict[str, Type] = {}
    for name, info in model.model_fields.items():
        if name == "kind":
            continue
        path = f"{prefix}{name}"
        typ = _type_of(info.annotation, nullable)
        if isinstance(typ, Type):
            found[path] = typ
        elif isinstance(typ, type):
            optional = nullable or _is_optional(info.annotation)
            # A nested record (customer, employee, permission) is reached field by field.
            found[path] = Type("any", None, optional)
            found.update(fields_of(typ, f"{path}.", optional))
    return found


def _is_optional(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


def event_scope(model: type[EventBase], values: dict[str, Type]) -> dict[str, Type]:
    scope = fields_of(model)
    scope.update(values)
    scope.update(BUILTINS)
    return scope
