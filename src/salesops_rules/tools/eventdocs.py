"""The reference of a pack's events, made from its `events.yaml`: JSON Schemas and docs/events.md.

Everything here is read from the loaded pack (its kinds, shapes, enums, checks and words) and
from its own test cases (one valid example per kind), so the reference cannot drift from
what the loader accepts: tests/test_events_doc.py keeps docs/events.md equal to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..core.eventkinds import EventKinds
from ..model.event_spec import FieldSpec
from ..policy import Policy
from .schema import DIALECT

_SCALAR_WORDS = {
    "str": "text",
    "bool": "`true` or `false`",
    "int": "whole number",
    "money": "money (decimal string, at most 2 places, ≥ 0)",
    "positive_money": "money (decimal string, at most 2 places, > 0)",
    "ratio": "ratio (decimal string, 0 to 1)",
    "date": "date `YYYY-MM-DD`",
    "timestamp": "timestamp `YYYY-MM-DDThh:mm:ss`",
    "role": "role",
}


def events_schema(events: EventKinds, title: str) -> dict[str, Any]:
    """One JSON Schema for an event of any kind of the pack: one of the kinds, told by `kind`."""
    schema = events.adapter.json_schema()
    return {"$schema": DIALECT, "title": title, **{k: v for k, v in schema.items() if k != "title"}}


def kind_schema(events: EventKinds, kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind, standing alone."""
    return {"$schema": DIALECT, **events.json_schema(kind)}


def examples(policy: Policy, cases_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Per kind, the first event of the pack's own test cases that is valid: an example to copy."""
    from .cases import CaseFileError, load_suite  # the case runner, only to find examples

    root = cases_dir if cases_dir is not None else Path(policy.compiled.root) / "tests"
    found: dict[str, dict[str, Any]] = {}
    if not root.is_dir():
        return found
    try:
        suite = load_suite(root)
    except CaseFileError:
        return found
    candidates: list[dict[str, Any]] = [case.event for case in suite.cases]
    candidates += [event for case in suite.ledger_cases for event in case.events]
    for event in candidates:
        kind = event.get("kind")
        if not isinstance(kind, str) or kind in found or kind not in policy.compiled.events.kinds:
            continue
        plain = _plain(event)
        try:
            policy.compiled.events.adapter.validate_python(plain)
        except ValueError:
            continue
        found[kind] = plain
    return found


def _plain(value: Any) -> Any:
    """A test case's event as JSON gives it: dates as ISO strings, numbers as decimal strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # a Decimal
        return str(value)
    return value


def markdown(policy: Policy, found_examples: Mapping[str, dict[str, Any]]) -> str:
    events = policy.compiled.events
    spec = events.spec
    name = policy.compiled.name
    out = [
        f"# The events of `{name}`",
        "",
        "<!-- Generated from the pack's events.yaml by `salesops-rules schema events --markdown`;",
        "     a test keeps it up to date (SALESOPS_REGEN_DOCS=1 rewrites it). -->",
        "",
        "Every event is a JSON object with `kind` (one of the kinds below), `id` (a non-empty",
        "string) and `date` (a day, `YYYY-MM-DD`; it may be left out where a kind is dated by",
        'another field). Unknown fields are refused; money is a decimal string (`"12000.50"`)',
        "or an integer, never a float; a timestamp with a UTC offset is read in China Standard",
        "Time. `salesops-rules schema events` prints the JSON Schema of every kind.",
        "",
        "A field marked *required* must be sent; one with a default may be left out and takes",
        "it; any other may be left out or `null`. A list may be left out: it is then empty.",
        "",
        "## Kinds",
        "",
        "| kind | 中文 | English |",
        "|---|---|---|",
    ]
    out += [f"| [`{k}`](#{k}) | {info.label.zh} | {info.label.en} |" for k, info in events.kinds.items()]
    for kind, info in events.kinds.items():
        out += ["", f"## {kind}", "", f"{info.label.zh} · {info.label.en}", ""]
        dated = info.spec.dated_by
        out.append(f"Dated by `{dated}` when `date` is left out." if dated else "`date` is required.")
        out += ["", *_table(info.fields.items(), events)]
        if info.spec.checks:
            out += ["", "Checks across fields (an event that breaks one is refused with its message):", ""]
            for check in info.spec.checks:
                each = f" (for each of `{check.each}`)" if check.each else ""
                out.append(f"- `{check.that}`{each}: {check.message.en} · {check.message.zh}")
        example = found_examples.get(kind)
        if example is not None:
            text = json.dumps(example, ensure_ascii=False, indent=2)
            out += ["", "Example (from the pack's test cases):", "", "```json", text, "```"]
    if spec.shapes:
        out += ["", "## Shapes", "", "Objects that several kinds hold, declared once."]
        for shape_name, shape in spec.shapes.items():
            out += ["", f"### {shape_name}", "", f"{shape.zh} · {shape.en}", ""]
            out += _table(shape.fields.items(), events)
    if spec.enums:
        out += ["", "## Closed lists", "", "The values a field of such a type takes, in order."]
        for enum_name, enum in spec.enums.items():
            out += ["", f"### {enum_name}", "", f"{enum.zh} · {enum.en}", "", "| value | 中文 | English |"]
            out.append("|---|---|---|")
            out += [f"| `{v}` | {w.zh} | {_cell(w.en)} |" for v, w in enum.values.items()]
    if events.roles:
        out += ["", "## Roles", "", "The values of a field of type `role` (from roles.yaml)."]
        out += ["", "| role | 中文 | English |", "|---|---|---|"]
        out += [f"| `{r}` | {t.zh} | {t.en} |" for r, t in policy.compiled.roles.items()]
    return "\n".join(out) + "\n"


def _table(fields: Iterable[tuple[str, FieldSpec]], events: EventKinds) -> list[str]:
    rows = ["| field | type | | 中文 | English |", "|---|---|---|---|---|"]
    for name, spec in fields:
        rows.append(
            f"| `{name}` | {_type(spec, events)} | {_presence(spec)} | {spec.zh} | {_cell(spec.en)} |"
        )
    return rows


def _type(spec: FieldSpec, events: EventKinds) -> str:
    if spec.type == "list":
        inner = FieldSpec(type=spec.of or "str", zh="-", en="-", values=spec.values)
        return "list of " + _type(inner, events)
    if spec.type == "enum":
        return "one of " + ", ".join(f"`{v}`" for v in spec.values or {})
    if spec.type in events.spec.enums:
        return f"[{spec.type}](#{spec.type})"
    if spec.type in events.spec.shapes:
        return f"[{spec.type}](#{spec.type})"
    words = _SCALAR_WORDS.get(spec.type, spec.type)
    if spec.type == "role":
        words = "[role](#roles)"
    limits = []
    if spec.min_length:
        limits.append(f"at least {spec.min_length} character{'s' if spec.min_length != 1 else ''}")
    if spec.pattern:
        limits.append(f"matching `{spec.pattern}`")
    if spec.at_least is not None:
        limits.append(f"≥ {spec.at_least}")
    if spec.less_than is not None:
        limits.append(f"< {spec.less_than}")
    return words + (f" ({', '.join(limits)})" if limits else "")


def _presence(spec: FieldSpec) -> str:
    if spec.required:
        return "required"
    if "default" in spec.model_fields_set:
        value = spec.default
        shown = "true" if value is True else "false" if value is False else str(value)
        return f"default `{shown}`"
    return ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
