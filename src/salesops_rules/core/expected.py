"""What a field of an event expects, in words: `an object with id, type, name`.

Read from the event models' JSON Schemas (built once per kind), so an error about a field
that is missing says what to put there without a second list of types to keep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .eventkinds import EventKinds


def expected(events: EventKinds, kind: str, loc: Sequence[str | int]) -> str | None:
    """What the field at `loc` (pydantic's location, without the kind) of a `kind` event takes."""
    if kind not in events.kinds:
        return None
    root = events.json_schema(kind)
    defs = root.get("$defs", {})
    spec: Mapping[str, Any] | None = root
    for step in loc:
        spec = _step(_resolve(spec, defs), step, defs)
        if spec is None:
            return None
    return _describe(_resolve(spec, defs), defs)


def _resolve(spec: Mapping[str, Any] | None, defs: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = spec or {}
    ref = spec.get("$ref")
    if isinstance(ref, str):
        found = defs.get(ref.rsplit("/", 1)[-1])
        return found if isinstance(found, Mapping) else {}
    members = [m for m in spec.get("anyOf", ()) if m.get("type") != "null"]
    if len(members) == 1:
        return _resolve(members[0], defs)
    return spec


def _step(spec: Mapping[str, Any], step: str | int, defs: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if isinstance(step, int):
        items = spec.get("items")
        return items if isinstance(items, Mapping) else None
    properties = spec.get("properties", {})
    found = properties.get(step)
    return found if isinstance(found, Mapping) else None


def _describe(spec: Mapping[str, Any], defs: Mapping[str, Any]) -> str | None:
    members = [m for m in spec.get("anyOf", ()) if m.get("type") != "null"]
    if {m.get("type") for m in members} == {"number", "string"}:
        return "an amount, a decimal string such as `12000.00`"
    if "enum" in spec:
        return "one of " + ", ".join(f"`{v}`" for v in spec["enum"])
    if "const" in spec:
        return f"`{spec['const']}`"
    kind = spec.get("type")
    if kind == "object":
        required = spec.get("required", ())
        return "an object with " + ", ".join(f"`{r}`" for r in required) if required else "an object"
    if kind == "array":
        items = _resolve(spec.get("items"), defs)
        inner = _describe(items, defs)
        return f"a list, each {inner}" if inner else "a list"
    if kind == "boolean":
        return "`true` or `false`"
    if kind == "integer":
        return "a whole number"
    if kind == "string":
        fmt = spec.get("format")
        if fmt == "date":
            return "a date such as `2011-12-01`"
        if fmt == "date-time":
            return "a date and time such as `2011-12-01T09:30:00`"
        if "pattern" in spec:
            return f"a string matching `{spec['pattern']}`"
        return "a non-empty string" if spec.get("minLength") else "a string"
    return None
