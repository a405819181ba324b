"""The event kinds of a pack: `events.yaml` in, one strict pydantic model per kind out.

Built once at load. Each declared type maps to the generic strict types of `model/events.py`
and `model/money.py` (floats refused, unknown fields refused, Decimal exact), so a model made
here reads an event exactly as a hand-written class of the same fields would, at the same
speed: pydantic's core validates it, and the only Python run per event is the date check
and the kind's declared `checks`, compiled by the one expression compiler.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import pickle
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError, create_model
from pydantic_core import SchemaError

from ..model.decision import Text
from ..model.event_spec import CheckSpec, EventsFile, FieldSpec, KindSpec
from ..model.events import Day, EventBase, Flag, Strict, Timestamp, flag_message, whole_number
from ..model.money import Money, PositiveMoney, Ratio
from .expressions import Expression, ExpressionError, compile_expression
from .extract import make_extractor, make_getter
from .places import PathKey
from .scope import NUMBER, Kind, Type, fields_of
from .suggest import closest

# Types a field may name besides the pack's own enums and shapes.
SCALARS: dict[str, Any] = {
    "str": str,
    "bool": Flag,
    "int": Annotated[int, BeforeValidator(whole_number)],
    "money": Money,
    "positive_money": PositiveMoney,
    "ratio": Ratio,
    "date": Day,
    "timestamp": Timestamp,
}
BUILTIN_TYPES = (*SCALARS, "enum", "role", "list")
# The options each type takes beside type, labels, required and default.
_OPTIONS = {
    "str": ("min_length", "pattern"),
    "int": ("at_least", "less_than"),
    "enum": ("values",),
    "list": ("of",),
}
_ALL_OPTIONS = ("min_length", "pattern", "at_least", "less_than", "values", "of")
# What the engine reads of an approval record (core/approvals.py, the signature functions).
APPROVAL_FIELDS = ("role", "by", "at", "mode")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")

Reporter = Callable[[PathKey, str, str | None], None]


def _pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be a field's pattern, or None. Python's `re` and the Rust regex
    pydantic validates with differ (`a{1e999}` is a literal to one, an error to the other):
    a pattern must be read the same by both, and is tried on both here, at load."""
    try:
        re.compile(pattern)
    except re.error as error:
        return str(error)
    try:
        TypeAdapter(Annotated[str, Field(pattern=pattern)])
    except SchemaError as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip().startswith("error:")]
        return lines[-1].removeprefix("error: ") if lines else "not a regular expression the validator reads"
    return None


def camel(name: str) -> str:
    """`some_kind` as `SomeKind`: the model's name, which the JSON Schemas show."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def shown(value: Any) -> str:
    """A value as a check's message shows it: dates and timestamps in ISO 8601."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Check:
    """One declared check of a kind: where `that` is false, the event is refused with `message`."""

    that: Expression
    message: tuple[str | Expression, ...]  # text, and the expressions of its `{...}`
    names: frozenset[str]  # of the event, as read into the namespace
    each: str | None = None  # a list field: the check holds for each of its records
    item_names: tuple[str, ...] = ()  # the fields of a record it reads
    read_item: Callable[[Any], dict[str, Any]] | None = None  # when one is a record's record

    def text(self, names: Mapping[str, Any]) -> str:
        return "".join(part if isinstance(part, str) else shown(part.fn(names)) for part in self.message)


class KindChecks:
    """The checks of one kind, run in order by the model's validator: one read of the event for all.

    The namespace is the event's own field dict when every name is a field of the event (no
    copy at all), else one extractor reading every name the checks use.
    """

    def __init__(self, checks: tuple[Check, ...], read: Callable[[Any], dict[str, Any]] | None) -> None:
        self.checks, self.read = checks, read

    def __call__(self, event: Any) -> None:
        names: Mapping[str, Any] = event.__dict__ if self.read is None else self.read(event)
        for check in self.checks:
            if check.each is None:
                if not check.that.fn(names):
                    raise ValueError(check.text(names))
                continue
            scope = dict(names)
            prefix = check.each + "."
            for index, item in enumerate(
                names[check.each] if check.each in names else getattr(event, check.each)
            ):
                fields = item.__dict__
                for name in check.item_names:
                    scope[prefix + name] = fields[name]
                scope["index"] = index
                if not check.that.fn(scope):
                    raise ValueError(check.text(scope))


@dataclass(frozen=True)
class KindInfo:
    """One kind as declared: its words, its fields' specs (common ones included) and its model."""

    name: str
    label: Text
    model: type[EventBase]
    fields: Mapping[str, FieldSpec]
    spec: KindSpec


@dataclass(frozen=True, eq=False)  # hashed by identity: tables built from it are cached per pack
class EventKinds:
    """The kinds of a pack, built: the models, one adapter for all, and what the engine reads."""

    kinds: Mapping[str, KindInfo]
    adapter: TypeAdapter[Any] | LazyAdapter
    spec: EventsFile
    roles: tuple[str, ...]
    shapes: Mapping[str, type[Strict]] = field(default_factory=dict)  # the shapes' models, by name
    # The violation codes (the enum `violation_codes` names), or None: penalties.yaml's are the list.
    violation_codes: tuple[str, ...] | None = None
    # Per kind, the fields that name people (docs/policy-format.md, `people`).
    judged: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    preparer: Mapping[str, str] = field(default_factory=dict)  # kind -> its preparer field
    salary: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    # Per kind, its fields of approval records: (lists of records, single records).
    record_fields: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)

    @cached_property
    def models(self) -> dict[str, type[EventBase]]:
        return {name: info.model for name, info in self.kinds.items()}

    @cached_property
    def read(self) -> Callable[[Any], Any]:
        """The adapter's `validate_python`, as fast as it comes: pydantic's core validator
        itself when the adapter is built (`TypeAdapter.validate_python` passes it eight options
        per call, in Python)."""
        adapter = self.adapter
        if isinstance(adapter, TypeAdapter):
            validate: Callable[[Any], Any] = adapter.validator.validate_python
            return validate
        return adapter.validate_python

    @cached_property
    def read_json(self) -> Callable[[str | bytes], Any]:
        """The adapter's `validate_json`, as `read` is its `validate_python` (an audit's every line)."""
        adapter = self.adapter
        if isinstance(adapter, TypeAdapter):
            validate: Callable[[str | bytes], Any] = adapter.validator.validate_json
            return validate
        return adapter.validate_json

    @cached_property
    def model_names(self) -> frozenset[str]:
        return frozenset(self.kinds)

    @cached_property
    def declared(self) -> dict[str, dict[str, FieldSpec]]:
        """Per kind, its fields' specs (common ones included), as `KindInfo.fields`, read from the
        declaration alone: no model is made for them."""
        return {name: _declared(self.spec, kind) for name, kind in self.spec.kinds.items()}

    def json_schema(self, kind: str) -> dict[str, Any]:
        return _schema(self.kinds[kind].model)

    @cached_property
    def union_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = self.adapter.json_schema(ref_template="#/components/schemas/{model}")
        return schema

    def records(self, kind: str, event: Any) -> tuple[Any, ...]:
        """The approval records `event` carries, in every field of the approval record shape."""
        fields = self.record_fields.get(kind)
        if fields is None:
            return ()
        lists, singles = fields
        # A missing attribute on a pydantic model takes a slow path: read the field dict instead.
        values = event.__dict__
        if not singles and len(lists) == 1:
            found: tuple[Any, ...] = values[lists[0]]
            return found
        records = [r for name in lists for r in values[name]]
        records += [values[name] for name in singles if values[name] is not None]
        return tuple(records)

    def salary_of(self, kind: str, event: Any) -> Any:
        read = self.salary.get(kind)
        return read(event) if read is not None else None

    def excluded(self, kind: str, event: Any) -> frozenset[str]:
        """Who may not approve `event`: the judged person and whoever prepared it."""
        field_name = self.preparer.get(kind)
        prepared = event.__dict__.get(field_name) if field_name is not None else None
        judged = self.judged.get(kind)
        person = judged(event) if judged is not None else None
        if prepared and person:
            return frozenset((prepared, person))
        return frozenset((prepared,)) if prepared else frozenset((person,)) if person else _NOBODY


_NOBODY: frozenset[str] = frozenset()
_SCHEMAS: dict[type[BaseModel], dict[str, Any]] = {}


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    found = _SCHEMAS.get(model)
    if found is None:
        found = _SCHEMAS[model] = model.model_json_schema()
    return found


def _accessor(
    path: str | None, scope: Mapping[str, Type], model: type[BaseModel]
) -> Callable[[Any], Any] | None:
    if path is None or path not in scope:
        return None
    return make_getter(model, path, dict(scope))


class EventKindsBuilder:
    """Builds the models of `events.yaml`, reporting every error at its place in the file."""

    def __init__(self, spec: EventsFile, report: Reporter, roles: tuple[str, ...]) -> None:
        self.spec, self.report, self.roles = spec, report, roles
        self.ok = True
        self.count = 0  # errors reported so far
        self.shapes: dict[str, type[Strict]] = {}
        self.building: set[str] = set()

    def error(self, path: PathKey, message: str, help: str | None = None) -> None:
        self.ok = False
        self.count += 1
        self.report(path, message, help)

    def build(self) -> EventKinds | None:
        spec = self.spec
        for name, enum in spec.enums.items():
            if not enum.values:
                self.error(
                    ("enums", name, "values"),
                    f"enum `{name}` has no values",
                    "list its values, each with `zh` and `en`",
                )
            if name in BUILTIN_TYPES:
                self.error(("enums", name), f"enum `{name}` is named like a built-in type", _builtins_help())
        for name in spec.shapes:
            if name in BUILTIN_TYPES or name in spec.enums:
                self.error(
                    ("shapes", name),
                    f"shape `{name}` is named like a built-in type or an enum",
                    _builtins_help(),
                )
        for name in spec.shapes:
            self.shape(name)
        self.approval_shape()
        codes = spec.violation_codes
        if codes is not None and codes not in spec.enums:
            close = closest(codes, list(spec.enums))
            self.error(
                ("violation_codes",),
                f"unknown enum `{codes}`",
                f"did you mean `{close}`?" if close else "declare the violation codes under `enums:`",
            )
        kinds: dict[str, KindInfo] = {}
        for name, kind in spec.kinds.items():
            info = self.kind(name, kind)
            if info is not None:
                kinds[name] = info
        if not self.ok or not kinds:
            if not spec.kinds:
                self.error(
                    ("kinds",), "the pack declares no event kind", "declare at least one under `kinds:`"
                )
            return None
        built = EventKinds(
            kinds=kinds,
            adapter=_adapter([info.model for info in kinds.values()]),
            spec=spec,
            roles=self.roles,
            shapes=dict(self.shapes),
            violation_codes=tuple(spec.enums[spec.violation_codes].values) if spec.violation_codes else None,
            record_fields={k: f for k, info in kinds.items() if (f := self.record_fields(info))[0] or f[1]},
        )
        self.people(built)
        return None if not self.ok else built

    def record_fields(self, info: KindInfo) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return _record_fields(self.spec.approval_record, info.fields)

    # ---- types ----
    def shape(self, name: str) -> type[Strict] | None:
        if name in self.shapes:
            return self.shapes[name]
        if name in self.building:
            self.error(
                ("shapes", name),
                f"shape `{name}` contains itself",
                "a shape may hold other shapes, not itself",
            )
            return None
        self.building.add(name)
        start = self.count
        fields: dict[str, Any] = {}
        for field_name, spec in self.spec.shapes[name].fields.items():
            built = self.field(spec, ("shapes", name, "fields", field_name), field_name)
            if built is not None:
                fields[field_name] = built
        self.building.discard(name)
        if self.count > start:
            return None
        shape = self.spec.shapes[name]
        model: type[Strict] = create_model(
            camel(name), __base__=Strict, __doc__=f"{shape.en} ({shape.zh})", **fields
        )
        model.model_rebuild()  # built now, as it is made (its base defers: model/events.py)
        self.shapes[name] = model
        return model

    def annotation(self, type_name: str, spec: FieldSpec, path: PathKey, in_list: bool = False) -> Any:
        """The annotation of `type_name`, with `spec`'s options; None (reported) if it is wrong."""
        if type_name in SCALARS:
            base = SCALARS[type_name]
            constraints: dict[str, Any] = {}
            if type_name == "str":
                constraints = {"min_length": spec.min_length, "pattern": spec.pattern}
                if spec.pattern is not None:
                    problem = _pattern_problem(spec.pattern)
                    if problem is not None:
                        self.error(
                            (*path, "pattern"), f"`{spec.pattern}` is not a regular expression: {problem}"
                        )
                        return None
            elif type_name == "int":
                constraints = {"ge": spec.at_least, "lt": spec.less_than}
            constraints = {k: v for k, v in constraints.items() if v is not None}
            return Annotated[base, Field(**constraints)] if constraints else base
        if type_name == "enum":
            if not spec.values:
                self.error(path, "an `enum` field needs `values`", "list its values, each with `zh` and `en`")
                return None
            return Literal[tuple(spec.values)]
        if type_name == "role":
            return Literal[self.roles] if self.roles else str
        if type_name == "list":
            if in_list:
                self.error(
                    (*path, "of"),
                    "a list of lists is not a type here",
                    "make the items a shape with a list field",
                )
                return None
            if spec.of is None:
                self.error(
                    path,
                    "a `list` field needs `of`, the type of its items",
                    "as in `of: str` or `of: approval_record`",
                )
                return None
            inner = self.annotation(spec.of, spec, path, in_list=True)
            return None if inner is None else tuple[inner, ...]  # type: ignore[valid-type]
        if type_name in self.spec.enums:
            return Literal[tuple(self.spec.enums[type_name].values)] or None
        if type_name in self.spec.shapes:
            return self.shape(type_name)
        known = [*BUILTIN_TYPES, *self.spec.enums, *self.spec.shapes]
        close = closest(type_name, known)
        self.error(
            (*path, "of") if in_list else (*path, "type"),
            f"unknown type `{type_name}`",
            f"did you mean `{close}`?" if close else "types: " + ", ".join(f"`{t}`" for t in known),
        )
        return None

    def field(self, spec: FieldSpec, path: PathKey, name: str) -> tuple[Any, Any] | None:
        """(annotation, default) of one declared field, as `create_model` takes it."""
        if not name.isidentifier() or name.startswith("_") or hasattr(EventBase, name):
            self.error(
                path,
                f"`{name}` cannot name a field",
                "a field name is a lowercase identifier such as `amount`, not a name of the model's own",
            )
            return None
        allowed = _OPTIONS.get(spec.type, ())
        if spec.type == "list" and spec.of == "enum":
            allowed = (*allowed, "values")
        if spec.type == "list" and spec.of in _OPTIONS:
            allowed = (*allowed, *_OPTIONS[spec.of])
        for option in _ALL_OPTIONS:
            if getattr(spec, option) is not None and option not in allowed:
                self.error((*path, option), f"`{option}` does not apply to a field of type `{spec.type}`")
        annotation = self.annotation(spec.type, spec, path)
        if annotation is None:
            return None
        written = "default" in spec.model_fields_set
        words = f"{spec.en} ({spec.zh})"
        if spec.required:
            if written:
                self.error(
                    (*path, "default"),
                    "a required field has no default",
                    "drop `default`, or `required: true`",
                )
            return (annotation, Field(description=words))
        if spec.type == "list":
            if written:
                self.error((*path, "default"), "a list's default is empty", "drop `default`")
            return (annotation, Field(default=(), description=words))
        if not written:
            return (annotation | None, Field(default=None, description=words))
        if spec.default is None:
            self.error(
                (*path, "default"), "`default: null` is what an optional field has anyway", "drop `default`"
            )
            return None
        try:
            default = TypeAdapter(annotation).validate_python(spec.default)
        except ValidationError as error:
            problem = error.errors(include_url=False)[0]
            reason = problem["msg"].removeprefix("Value error, ")
            if problem["type"] == "bool_type":  # a `Flag`: worded as for an event
                reason = flag_message(spec.default)
            self.error(
                (*path, "default"),
                f"the default `{spec.default}` is not a `{spec.type}`: {reason[:1].lower()}{reason[1:]}",
            )
            return None
        return (annotation, Field(default=default, description=words))

    def approval_shape(self) -> None:
        name = self.spec.approval_record
        if name is None:
            return
        shape = self.spec.shapes.get(name)
        if shape is None:
            close = closest(name, list(self.spec.shapes))
            self.error(
                ("approval_record",),
                f"unknown shape `{name}`",
                f"did you mean `{close}`?" if close else "declare it under `shapes:`",
            )
            return
        missing = [f for f in APPROVAL_FIELDS if f not in shape.fields]
        if missing:
            self.error(
                ("approval_record",),
                f"shape `{name}` has no " + ", ".join(f"`{f}`" for f in missing),
                "an approval record has `role`, `by`, `at` and `mode`, which the engine reads",
            )

    # ---- kinds ----
    def kind(self, name: str, spec: KindSpec) -> KindInfo | None:
        path: PathKey = ("kinds", name)
        start = self.count
        declared: dict[str, FieldSpec] = dict(self.spec.common)
        fields: dict[str, Any] = {}
        for field_name, field_spec in self.spec.common.items():
            built = self.field(field_spec, ("common", field_name), field_name)
            if built is not None:
                fields[field_name] = built
        own: dict[str, Any] = {}
        for field_name, field_spec in spec.fields.items():
            where: PathKey = (*path, "fields", field_name)
            if field_name in ("id", "date", "kind"):
                self.error(
                    where,
                    f"`{field_name}` is a field of every event",
                    "leave it out: `id`, `date` and `kind` are built in",
                )
                continue
            built = self.field(field_spec, where, field_name)
            if built is None:
                continue
            declared[field_name] = field_spec
            if field_name in fields:
                fields[field_name] = built  # a common field redeclared keeps its place
            else:
                own[field_name] = built
        if self.count > start:
            return None
        tag: Any = Literal[name]
        model: type[EventBase] = create_model(
            camel(name),
            __base__=EventBase,
            __doc__=f"{spec.en} ({spec.zh})",
            **fields,
            kind=(tag, ...),
            **own,
        )
        model.model_rebuild()  # as a shape's (above)
        scope = fields_of(model)
        if spec.dated_by is not None:
            typ = scope.get(spec.dated_by)
            if typ is None or typ.kind not in ("date", "datetime") or typ.nullable:
                close = closest(
                    spec.dated_by, [f for f, t in scope.items() if t.kind in ("date", "datetime")]
                )
                self.error(
                    (*path, "dated_by"),
                    f"`dated_by: {spec.dated_by}` is not a required date or timestamp field of `{name}`",
                    f"did you mean `{close}`?"
                    if close
                    else "name a required field of type `date` or `timestamp`",
                )
            model.dated_by = spec.dated_by
        checks = [self.check(model, scope, c, (*path, "checks", i)) for i, c in enumerate(spec.checks)]
        kept = tuple(c for c in checks if c is not None)
        if kept:
            read_all = set().union(*(c.names for c in kept)) | {c.each for c in kept if c.each}
            plain = all("." not in n and n in model.model_fields for n in read_all)
            model.checks = (KindChecks(kept, None if plain else make_extractor(model, read_all, scope)),)
        if self.count > start:
            return None
        return KindInfo(name, Text.assemble(zh=spec.zh, en=spec.en), model, declared, spec)  # checked texts

    def check(
        self, model: type[EventBase], scope: dict[str, Type], spec: CheckSpec, path: PathKey
    ) -> Check | None:
        start = self.count
        item_model: type[BaseModel] | None = None
        scope = dict(scope)
        if spec.each is not None:
            item_model = _item_model(model, spec.each)
            if item_model is None:
                lists = [n for n, t in scope.items() if t.kind == "list" and "." not in n]
                close = closest(spec.each, lists)
                self.error(
                    (*path, "each"),
                    f"`each: {spec.each}` is not a list of records of this kind",
                    f"did you mean `{close}`?"
                    if close
                    else "name a field of type `list` whose items are a shape",
                )
                return None
            scope.update(fields_of(item_model, spec.each + "."))
            scope["index"] = NUMBER
        that = self.expression(spec.that, scope, (*path, "that"))
        if that is not None and that.type.kind not in ("bool", "any"):
            self.error(
                (*path, "that"), f"`{that.source}` is {that.type.describe()}, but a check needs a boolean"
            )
            return None
        parts: list[str | Expression] = []
        for lang in ("zh", "en"):
            text = getattr(spec.message, lang)
            pieces: list[str | Expression] = []
            at = 0
            for match in _PLACEHOLDER.finditer(text):
                pieces.append(text[at : match.start()])
                compiled = self.expression(match.group(1), scope, (*path, "message", lang))
                if compiled is not None:
                    pieces.append(compiled)
                at = match.end()
            pieces.append(text[at:])
            if lang == "en":
                parts = [p for p in pieces if p != ""]
        if that is None or self.count > start:
            return None
        names = set(that.names) | {n for p in parts if not isinstance(p, str) for n in p.names}
        prefix = (spec.each or "") + "."
        item_names = {n[len(prefix) :] for n in names if spec.each and n.startswith(prefix)}
        event_names = {n for n in names if n != "index" and not (spec.each and n.startswith(prefix))}
        read_item = None
        if item_model is not None and any("." in n for n in item_names):
            read_item = make_extractor(item_model, item_names, fields_of(item_model))
        return Check(
            that, tuple(parts), frozenset(event_names), spec.each, tuple(sorted(item_names)), read_item
        )

    def expression(self, text: str, scope: Mapping[str, Type], path: PathKey) -> Expression | None:
        try:
            return compile_expression(text, scope)
        except ExpressionError as error:
            prefix = f"in `{text}`: " if error.message.find(text) < 0 else ""
            self.error(path, prefix + error.message, error.help)
            return None

    def people(self, built: EventKinds) -> None:
        spec = self.spec.people
        judged: dict[str, Callable[[Any], Any]] = {}
        salary: dict[str, Callable[[Any], Any]] = {}
        preparer: dict[str, str] = {}
        wanted: tuple[tuple[str, Kind], ...] = (("judged", "str"), ("preparer", "str"), ("salary", "number"))
        for key, want in wanted:
            path = getattr(spec, key)
            if path is None:
                continue
            found = False
            for kind, info in built.kinds.items():
                scope = fields_of(info.model)
                typ = scope.get(path)
                if typ is None:
                    continue
                found = True
                if typ.kind != want:
                    self.error(
                        ("people", key),
                        f"`{path}` of `{kind}` is {typ.describe()}, not {Type(want).describe()}",
                    )
                    return
                if key == "preparer":
                    if "." in path:
                        self.error(
                            ("people", key),
                            f"the preparer `{path}` is a field of the event itself, not of a record in it",
                        )
                        return
                    preparer[kind] = path
                else:
                    read = _accessor(path, scope, info.model)
                    assert read is not None
                    (judged if key == "judged" else salary)[kind] = read
            if not found:
                self.error(
                    ("people", key),
                    f"`{path}` is a field of no kind",
                    "name a field path such as `employee.id`",
                )
        object.__setattr__(built, "judged", judged)
        object.__setattr__(built, "salary", salary)
        object.__setattr__(built, "preparer", preparer)


def _item_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    info = model.model_fields.get(name)
    if info is None:
        return None
    args = getattr(info.annotation, "__args__", ())
    item = args[0] if args else None
    return (
        item
        if isinstance(item, type)
        and issubclass(item, BaseModel)
        and getattr(info.annotation, "__origin__", None) is tuple
        else None
    )


def _declared(spec: EventsFile, kind: KindSpec) -> dict[str, FieldSpec]:
    """The fields of `kind` in a good declaration: the common ones, then its own (`kind` builds the same)."""
    return {**spec.common, **{f: s for f, s in kind.fields.items() if f not in ("id", "date", "kind")}}


def _record_fields(
    shape: str | None, fields: Mapping[str, FieldSpec]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A kind's fields holding approval records (of the shape `shape`): (lists of them, single ones)."""
    if shape is None:
        return (), ()
    lists = tuple(n for n, f in fields.items() if f.type == "list" and f.of == shape)
    singles = tuple(n for n, f in fields.items() if f.type == shape)
    return lists, singles


def _adapter(models: list[type[EventBase]]) -> TypeAdapter[Any]:
    """The one adapter reading an event of any of `models`, chosen by its `kind`."""
    union: Any = models[0] if len(models) == 1 else Annotated[_union(models), Field(discriminator="kind")]
    return TypeAdapter(union)


def _union(models: list[type[EventBase]]) -> Any:
    union: Any = models[0]
    for model in models[1:]:
        union = union | model
    return union


def _builtins_help() -> str:
    return "built-in types: " + ", ".join(f"`{t}`" for t in BUILTIN_TYPES)


def build_event_kinds(spec: EventsFile, report: Reporter, roles: tuple[str, ...]) -> EventKinds | None:
    """The kinds of `spec`, `roles` (roles.yaml) the values of the type `role`; None when
    anything is wrong, each error reported.

    Kinds built are kept for the next load of the same declaration (the service's reloads,
    a pack loaded again): making the models is most of their cost, and they never change.
    """
    key = _key(spec, roles)
    built = _BUILT.get(key)
    if built is None:
        built = EventKindsBuilder(spec, report, roles).build()
        if built is not None:
            if len(_BUILT) >= _KEPT:
                _BUILT.pop(next(iter(_BUILT)))
            _BUILT[key] = built
    return built


_BUILT: dict[tuple[bytes, tuple[str, ...]], EventKinds] = {}
_KEPT = 8  # declarations kept


def _key(spec: EventsFile, roles: tuple[str, ...]) -> tuple[bytes, tuple[str, ...]]:
    # The declaration's every value, as pickle writes it: unlike `model_dump_json`, it needs
    # no serializer of the declaration's models built (some 10 ms of a cached `explain`). Two
    # equal declarations that pickle differently (fields set in another order) only miss.
    return pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL), roles


# ---- kinds built on first use ----
# A pack read from the cache (core/cache.py) was built whole once already, so its declaration
# is known good: there, each kind's model is made when the kind is first used, and a command
# deciding one event makes one model instead of all of them (most of the read's time). Whatever
# needs every kind (the union's schema, lint, audit, iterating `kinds`) builds them all.


def _built_already(_path: PathKey, message: str, _help: str | None) -> None:
    raise RuntimeError(f"a cached pack's event kinds did not build: {message}")  # cannot happen: see above


class _Lazy:
    """The builder of a known-good declaration, making each kind (and the union) once, on demand."""

    def __init__(self, spec: EventsFile, roles: tuple[str, ...]) -> None:
        self.spec = spec
        self.builder = EventKindsBuilder(spec, _built_already, roles)
        self.lock = threading.RLock()  # the service decides on threads: one model per kind, ever
        self.infos: dict[str, KindInfo] = {}
        self.whole: TypeAdapter[Any] | None = None

    def info(self, name: str) -> KindInfo:
        found = self.infos.get(name)
        if found is None:
            with self.lock:
                found = self.infos.get(name)
                if found is None:
                    made = self.builder.kind(name, self.spec.kinds[name])
                    if made is None:
                        raise RuntimeError(f"a cached pack's kind `{name}` did not build")
                    found = self.infos[name] = made
        return found

    def union(self) -> TypeAdapter[Any]:
        if self.whole is None:
            with self.lock:
                if self.whole is None:
                    self.whole = _adapter([self.info(name).model for name in self.spec.kinds])
        return self.whole

    def shapes(self) -> dict[str, type[Strict]]:
        with self.lock:
            for name in self.spec.shapes:
                self.builder.shape(name)
            return {name: self.builder.shapes[name] for name in self.spec.shapes}


class _LazyKinds(Mapping[str, KindInfo]):
    def __init__(self, lazy: _Lazy) -> None:
        self.lazy = lazy

    def __getitem__(self, name: str) -> KindInfo:
        if name not in self.lazy.spec.kinds:
            raise KeyError(name)
        return self.lazy.info(name)

    def __contains__(self, name: object) -> bool:
        return name in self.lazy.spec.kinds

    def __iter__(self) -> Iterator[str]:
        return iter(self.lazy.spec.kinds)

    def __len__(self) -> int:
        return len(self.lazy.spec.kinds)


class _LazyShapes(Mapping[str, "type[Strict]"]):
    def __init__(self, lazy: _Lazy) -> None:
        self.lazy = lazy

    def __getitem__(self, name: str) -> type[Strict]:
        return self.lazy.shapes()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.lazy.shapes())

    def __len__(self) -> int:
        return len(self.lazy.shapes())


class _LazyPeople(Mapping[str, Any]):
    """Per kind, what `people.<key>` reads (an accessor; the path itself for the preparer), as
    `EventKindsBuilder.people` makes it, for the kinds that have the field."""

    def __init__(self, lazy: _Lazy, key: str) -> None:
        self.lazy, self.key = lazy, key
        self.path: str | None = getattr(lazy.spec.people, key)
        self.made: dict[str, Any] = {}

    def __getitem__(self, kind: str) -> Any:
        if kind in self.made:
            return self.made[kind]
        if self.path is None or kind not in self.lazy.spec.kinds:
            raise KeyError(kind)
        model = self.lazy.info(kind).model
        scope = fields_of(model)
        if self.path not in scope:
            raise KeyError(kind)
        found = self.path if self.key == "preparer" else _accessor(self.path, scope, model)
        self.made[kind] = found
        return found

    def __iter__(self) -> Iterator[str]:
        return iter([k for k in self.lazy.spec.kinds if k in self])

    def __len__(self) -> int:
        return sum(1 for _ in self)


class LazyAdapter:
    """The union adapter of a cached pack, made on first need. An event naming a known kind is
    read by that kind's model alone; if it fails there, the union reads it again, so that the
    error (and everything else) is exactly the union's."""

    def __init__(self, lazy: _Lazy) -> None:
        self.lazy = lazy

    def validate_python(self, value: Any, /, **options: Any) -> Any:
        if not options and type(value) is dict:
            kind = value.get("kind")
            if type(kind) is str and kind in self.lazy.spec.kinds:
                with contextlib.suppress(Exception):  # said by the union below, word for word
                    return self.lazy.info(kind).model.__pydantic_validator__.validate_python(value)
        return self.lazy.union().validate_python(value, **options)

    def validate_json(self, data: str | bytes, /, **options: Any) -> Any:
        return self.lazy.union().validate_json(data, **options)

    def json_schema(self, **options: Any) -> dict[str, Any]:
        return self.lazy.union().json_schema(**options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.lazy.union(), name)


def lazy_event_kinds(spec: EventsFile, roles: tuple[str, ...]) -> EventKinds:
    """The kinds of `spec`, a declaration known to build (a cached pack's), each made on first use."""
    key = _key(spec, roles)
    built = _BUILT.get(key)
    if built is not None:
        return built
    lazy = _Lazy(spec, roles)
    record_fields = {
        name: f
        for name, kind in spec.kinds.items()
        if (f := _record_fields(spec.approval_record, _declared(spec, kind)))[0] or f[1]
    }
    built = EventKinds(
        kinds=_LazyKinds(lazy),
        adapter=LazyAdapter(lazy),
        spec=spec,
        roles=roles,
        shapes=_LazyShapes(lazy),
        violation_codes=tuple(spec.enums[spec.violation_codes].values) if spec.violation_codes else None,
        judged=_LazyPeople(lazy, "judged"),
        preparer=_LazyPeople(lazy, "preparer"),
        salary=_LazyPeople(lazy, "salary"),
        record_fields=record_fields,
    )
    if len(_BUILT) >= _KEPT:
        _BUILT.pop(next(iter(_BUILT)))
    _BUILT[key] = built
    return built
