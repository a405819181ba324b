"""The web page's event form, built from an event kind's JSON Schema (the pydantic model's).

The schema is read once per kind into a tree of `FormField`s; the same tree lays the
form out, reads a submitted form back into an event (a plain dict the evaluator checks,
so a wrong value is reported by the one event parser, naming the field), and fills the
form from an event (a test case, or the event just decided). Lists of records
(approvals, a collection schedule) are typed as JSON in a small box: a form of rows that
grow is what a script would be needed for, and the page has none.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Literal
from urllib.parse import urlencode

from ..core.eventkinds import EventKinds
from ..errors import EventError

Widget = Literal[
    "text", "money", "integer", "date", "datetime", "select", "bool", "multi", "list", "json", "group"
]
TOO_DEEP = "invalid JSON: nested too deeply to be an event"
PREFIX = "e."  # form names of event fields, apart from the page's own (`lang`, `kind`, `json`, ...)


@dataclass(frozen=True)
class FormField:
    path: str  # dotted, as `customer.type`
    widget: Widget
    required: bool
    options: tuple[str, ...] = ()
    children: tuple[FormField, ...] = ()
    default: str | None = None  # the model's, shown in an empty field: what leaving it empty means

    @property
    def name(self) -> str:
        return PREFIX + self.path

    @property
    def key(self) -> str:
        return self.path.rsplit(".", 1)[-1]


@cache
def form_fields(events: EventKinds, kind: str) -> tuple[FormField, ...]:
    """The fields of an event kind of a pack, in the model's order; `kind` itself is not one."""
    schema = events.json_schema(kind)
    return _fields(schema, schema.get("$defs", {}), "")


def _fields(schema: Mapping[str, Any], defs: Mapping[str, Any], prefix: str) -> tuple[FormField, ...]:
    required = set(schema.get("required", ()))
    out = []
    for key, spec in schema.get("properties", {}).items():
        if "const" in spec:
            continue
        out.append(_field(prefix + key, spec, defs, key in required))
    return tuple(out)


def _field(path: str, spec: Mapping[str, Any], defs: Mapping[str, Any], required: bool) -> FormField:
    found = _widget(path, spec, defs, required)
    default = spec.get("default")
    if default is None or default == [] or found.widget == "group":
        return found
    shown = ("true" if default else "false") if isinstance(default, bool) else str(default)
    return dataclasses.replace(found, default=shown)


def _widget(path: str, spec: Mapping[str, Any], defs: Mapping[str, Any], required: bool) -> FormField:
    spec = _resolve(spec, defs)
    members = [_resolve(m, defs) for m in spec.get("anyOf", ()) if m.get("type") != "null"]
    if members:
        types = {m.get("type") for m in members}
        if types == {"number", "string"}:
            return FormField(path, "money", required)
        spec = members[0]
    kind = spec.get("type")
    if "enum" in spec:
        return FormField(path, "select", required, tuple(str(v) for v in spec["enum"]))
    if kind == "boolean":
        return FormField(path, "bool", required)
    if kind == "integer":
        return FormField(path, "integer", required)
    if kind == "object":
        return FormField(path, "group", required, children=_fields(spec, defs, path + "."))
    if kind == "array":
        items = _resolve(spec.get("items", {}), defs)
        if "enum" in items:
            return FormField(path, "multi", required, tuple(str(v) for v in items["enum"]))
        if items.get("type") == "string":
            return FormField(path, "list", required)
        return FormField(path, "json", required)
    fmt = spec.get("format")
    if fmt == "date":
        return FormField(path, "date", required)
    if fmt == "date-time":
        return FormField(path, "datetime", required)
    return FormField(path, "text", required)


def _resolve(spec: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = spec.get("$ref")
    return defs[ref.rsplit("/", 1)[-1]] if isinstance(ref, str) else spec


# ---- a submitted form to an event ----


class Params:
    """The query of a request as `get` (first value) and `all` (every value)."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in pairs:
            self._values.setdefault(name, []).append(value)

    def get(self, name: str, default: str = "") -> str:
        values = self._values.get(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        return self._values.get(name, [])

    def has(self, name: str) -> bool:
        return name in self._values

    def names(self) -> list[str]:
        return list(self._values)

    def query(self, without: str) -> str:
        """The query again, less one parameter: the same page in another language."""
        return urlencode([(k, v) for k, values in self._values.items() if k != without for v in values])


def event_from_form(events: EventKinds, kind: str, params: Params) -> dict[str, Any]:
    """The event a form describes: empty fields are left out, so the model's defaults apply."""
    problems: list[tuple[str, str]] = []
    event: dict[str, Any] = {"kind": kind, **_read(form_fields(events, kind), params, problems)}
    if problems:
        raise EventError(problems)
    return event


def _read(fields: Sequence[FormField], params: Params, problems: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        if f.widget == "group":
            inner = _read(f.children, params, problems)
            if inner or f.required:
                # A required record left empty still goes in: the event parser then names its fields.
                out[f.key] = inner
            continue
        if f.widget == "multi":
            chosen = [v for v in params.all(f.name) if v]
            if chosen:
                out[f.key] = chosen
            continue
        text = params.get(f.name).strip()
        if not text:
            continue
        if f.widget == "bool":
            out[f.key] = {"true": True, "false": False}.get(text, text)
        elif f.widget == "integer":
            out[f.key] = int(text) if text.lstrip("-").isdigit() else text
        elif f.widget == "list":
            out[f.key] = [part.strip() for part in text.split(",") if part.strip()]
        elif f.widget == "json":
            try:
                out[f.key] = json.loads(text, parse_float=Decimal)
            except json.JSONDecodeError as error:
                problems.append((f"$.{f.path}", f"invalid JSON at column {error.colno}: {error.msg}"))
            except RecursionError:
                problems.append((f"$.{f.path}", TOO_DEEP))
        else:
            out[f.key] = text
    return out


def event_from_json(text: str) -> dict[str, Any]:
    """A pasted event; money written as a JSON number stays exact."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise EventError(
            [("$", f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}")]
        ) from None
    except RecursionError:
        raise EventError([("$", TOO_DEEP)]) from None
    if not isinstance(data, dict):
        raise EventError([("$", "an event is a JSON object")])
    return data


# ---- an event to the values that fill the form ----


def form_values(events: EventKinds, kind: str, event: Mapping[str, Any]) -> dict[str, list[str]]:
    """Form name -> the values that show `event` in the form of its kind."""
    out: dict[str, list[str]] = {}
    _fill(form_fields(events, kind), event, out)
    return out


def _fill(fields: Sequence[FormField], data: Mapping[str, Any], out: dict[str, list[str]]) -> None:
    for f in fields:
        if f.key not in data or data[f.key] is None:
            continue
        value = data[f.key]
        if f.widget == "group":
            if isinstance(value, Mapping):
                _fill(f.children, value, out)
        elif f.widget == "multi" and isinstance(value, list | tuple):
            out[f.name] = [str(v) for v in value]
        elif f.widget == "list" and isinstance(value, list | tuple):
            out[f.name] = [", ".join(str(v) for v in value)]
        elif f.widget == "json":
            out[f.name] = [json.dumps(value, ensure_ascii=False, default=_plain)]
        elif isinstance(value, bool):
            out[f.name] = ["true" if value else "false"]
        else:
            out[f.name] = [str(value)]


def dumps(event: Mapping[str, Any]) -> str:
    """An event as the JSON an editor pastes back (decimals as strings, which the models accept)."""
    return json.dumps(event, ensure_ascii=False, indent=2, default=_plain)


def _plain(value: Any) -> str:
    # Dates and times as ISO 8601 (a YAML case may hold them unquoted), decimals as their text.
    iso = getattr(value, "isoformat", None)
    return str(iso()) if callable(iso) else str(value)
