"""`diff`: what a policy change would have done to a corpus of past events.

Every event is judged under both policies; a decision changes when its verdict, values,
approvals, obligations, violations or penalties differ (the policy version it names and
the wording of its citations are not compared: they change with any edition). Each
changed decision is put down to the rules that were added, removed or edited between the
two policies and came out differently on that event; when no edited rule did (a change
to roles, penalties or the catalogue), to the rules that came out differently.

A corpus is a JSON Lines file (one event per line) or a folder of `*.json` files (one
event each). A line or file that is not a valid event is reported with its place and the
rest goes on.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.eventkinds import EventKinds
from ..core.loader import SPECIAL_FILES
from ..core.trace import RuleTrace
from ..core.yamlsource import YamlSyntaxError, load
from ..errors import EventError
from ..model import jsonread
from ..model.audit import SkippedRecord
from ..model.decision import Decision
from ..policy import Policy

COMPARED = ("verdict", "values", "approvals", "obligations", "violations", "penalties")
OUTSIDE_RULES = "(roles, penalties or catalogue)"


@dataclass(frozen=True)
class Change:
    field: str  # verdict, values.<name>, approvals, obligations, violations, penalties
    old: str
    new: str
    # For a value: the dated values taken on either side, when one is dated and they differ
    # (`dated: RULE from 2011-11-01 -> RULE from 2012-07-01`).
    dated: str = ""


@dataclass(frozen=True)
class DecisionChange:
    where: str  # file:line of the event in the corpus
    event_id: str
    date: str
    changes: tuple[Change, ...]
    rules: tuple[str, ...]  # the rules the change is put down to


@dataclass(frozen=True)
class BadEvent:
    where: str
    message: str


@dataclass
class DiffReport:
    old: str
    new: str
    events: int = 0
    changed: list[DecisionChange] = field(default_factory=list)
    bad: list[BadEvent] = field(default_factory=list)
    rule_status: dict[str, str] = field(default_factory=dict)  # rule id -> added | removed | edited

    def by_rule(self) -> list[tuple[str, list[DecisionChange]]]:
        groups: dict[str, list[DecisionChange]] = {}
        for change in self.changed:
            for rule in change.rules:
                groups.setdefault(rule, []).append(change)
        return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))

    def by_field(self) -> list[tuple[str, int]]:
        counts = Counter(c.field for change in self.changed for c in change.changes)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "events": self.events,
            "changed": len(self.changed),
            "bad": [{"where": b.where, "message": b.message} for b in self.bad],
            "by_rule": [
                {
                    "rule": rule,
                    "status": self.rule_status.get(rule),
                    "count": len(changes),
                    "events": [c.event_id for c in changes],
                }
                for rule, changes in self.by_rule()
            ],
            "by_field": dict(self.by_field()),
            "decisions": [
                {
                    "where": c.where,
                    "event_id": c.event_id,
                    "date": c.date,
                    "rules": list(c.rules),
                    "changes": [
                        {
                            "field": x.field,
                            "old": x.old,
                            "new": x.new,
                            **({"dated": x.dated} if x.dated else {}),
                        }
                        for x in c.changes
                    ],
                }
                for c in self.changed
            ],
        }


def read_corpus(
    path: str | Path, events: EventKinds | None = None
) -> Iterator[tuple[str, dict[str, Any] | BadEvent]]:
    """(place, event) for each event of a ledger file (JSON Lines, CSV, Excel) or a folder of JSON files."""
    # The audit's readers serve here too: a single file is a ledger (JSON Lines, CSV, Excel),
    # each file of a folder one JSON object.
    from ..audit.ledger import JsonLinesDecoder, open_ledger
    from ..audit.records import LedgerError, RecordError

    root = Path(path)
    if root.is_dir():
        decode = JsonLinesDecoder()
        for file in sorted(root.glob("*.json")):
            try:
                with file.open("rb") as opened:  # no more than an event's worth, whatever the file
                    raw = opened.read(jsonread.MAX_BYTES + 1)
                if len(raw) > jsonread.MAX_BYTES:
                    message = f"the file is over the limit of {jsonread.MAX_BYTES} bytes for one event"
                    yield str(file), BadEvent(str(file), message)
                    continue
                yield str(file), decode(raw)
            except OSError as error:
                yield str(file), BadEvent(str(file), f"cannot read the file: {error.strerror}")
            except RecordError as error:
                yield str(file), BadEvent(str(file), error.message)
        return
    try:
        ledger = open_ledger(root, events=events)
    except LedgerError as error:
        yield str(root), BadEvent(str(root), error.message)
        return
    for item in ledger.records():
        where = f"{root}:{item.position}"
        if isinstance(item, SkippedRecord):
            yield where, BadEvent(where, item.message)
            continue
        try:
            yield where, ledger.decoder(item.payload)
        except RecordError as error:
            yield where, BadEvent(where, error.message)


def diff(old: Policy, new: Policy, corpus: Iterable[tuple[str, dict[str, Any] | BadEvent]]) -> DiffReport:
    report = DiffReport(_name(old), _name(new))
    report.rule_status = _edited_rules(Path(old.compiled.root), Path(new.compiled.root))
    order = {rule.id: i for i, rule in enumerate((*new.compiled.rules, *old.compiled.rules))}
    for where, item in corpus:
        if isinstance(item, BadEvent):
            report.bad.append(item)
            continue
        try:
            before, old_trace = old.trace(item)
            after, new_trace = new.trace(item)
        except EventError as error:
            report.bad.append(BadEvent(where, error.message))
            continue
        except Exception as error:  # one event never aborts the diff
            problem = f"could not be judged: {type(error).__name__}: {jsonread.shown(str(error))}"
            report.bad.append(BadEvent(where, problem))
            continue
        report.events += 1
        changes = compare(before, after)
        if not changes:
            continue
        differing = _differing(old_trace, new_trace)
        edited = [r for r in differing if r in report.rule_status]
        rules = sorted(edited or differing, key=lambda r: order.get(r, len(order))) or [OUTSIDE_RULES]
        date = str(item.get("date") or "")
        report.changed.append(DecisionChange(where, before.event_id, date, tuple(changes), tuple(rules)))
    return report


def _name(policy: Policy) -> str:
    return f"{policy.name} {policy.version} ({policy.compiled.root})"


def compare(before: Decision, after: Decision) -> list[Change]:
    """Every difference between two decisions on the same event, field by field."""
    a, b = before.model_dump(mode="json"), after.model_dump(mode="json")
    changes = []
    if a["verdict"] != b["verdict"]:
        changes.append(Change("verdict", a["verdict"], b["verdict"]))
    for name in sorted(set(a["values"]) | set(b["values"])):
        old, new = a["values"].get(name, _NONE), b["values"].get(name, _NONE)
        if old != new or type(old) is not type(new):
            changes.append(Change(f"values.{name}", _show(old), _show(new), _dated(name, a, b)))
    for key, shown in (
        ("approvals", _approval),
        ("obligations", _coded),
        ("violations", _coded),
        ("penalties", _penalty),
    ):
        if _keys(key, a[key]) != _keys(key, b[key]):
            changes.append(Change(key, _listing(a[key], shown), _listing(b[key], shown)))
    return changes


_NONE: Any = object()


def _dated(name: str, a: dict[str, Any], b: dict[str, Any]) -> str:
    """Which dated values of `name` the two decisions took, when that differs: why the value changed."""
    old, new = _in_force(name, a), _in_force(name, b)
    return "" if old == new else f"{old} -> {new}"


def _in_force(name: str, decision: dict[str, Any]) -> str:
    # The value's own dated values, and the dated conditions of the rows that matched: a row
    # chosen by a dated condition may be why the value changed.
    taken = [e for e in decision.get("values_in_force", ()) if e["name"] == name or e.get("row")]
    return ", ".join(_entry(e) for e in taken) or "(not dated)"


def _entry(entry: dict[str, Any]) -> str:
    if entry.get("row"):
        return f"{entry['rule']} row {entry['row']} `{entry['name']}` from {entry['since']}"
    return f"{entry['rule']} from {entry['since']}"


def _keys(kind: str, entries: list[dict[str, Any]]) -> list[Any]:
    keys = [_key(kind, e) for e in entries]
    # Approvals happen in order; obligations, violations and penalties are a set of findings,
    # listed in the order the rules ran, which adding a rule may change.
    return keys if kind == "approvals" else sorted(keys)


def _key(kind: str, entry: dict[str, Any]) -> Any:
    # An obligation's or violation's message carries its reason (which rules disagree, ...).
    if kind in ("obligations", "violations"):
        return (entry["code"], entry["message_en"], entry["cite"]["label"])
    return json.dumps(entry, sort_keys=True)


def _show(value: Any) -> str:
    if value is _NONE:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _listing(entries: list[dict[str, Any]], shown: Any) -> str:
    return ", ".join(shown(e) for e in entries) or "(none)"


def _approval(entry: dict[str, Any]) -> str:
    mark = "satisfied" if entry["satisfied"] else "not satisfied"
    return f"{entry['role']} {entry['action']} ({mark})"


def _coded(entry: dict[str, Any]) -> str:
    return f"{entry['code']} [{entry['cite']['label']}]"


def _penalty(entry: dict[str, Any]) -> str:
    choices = entry.get("alternatives")
    shown = " or ".join(map(_sanction, choices)) if choices else _sanction(entry)
    return f"{shown} for {entry['for']}"


def _sanction(entry: dict[str, Any]) -> str:
    """A sanction and its amounts: `fine 50.00-200.00 yuan`, `NAME 1-3 months`."""
    months = entry.get("deduction_months")
    text = str(entry["sanction"]) + (f" {months['min']}-{months['max']} months" if months else "")
    for key in ("fine_yuan", "bonus_yuan"):
        bounds = entry.get(key)
        if bounds:
            text += f" {bounds['min']}-{bounds['max']} yuan"
    if entry.get("bonus_ratio") is not None:
        text += f" {entry['bonus_ratio']} of {entry['bonus_of']}"
        text += f" = {entry['bonus_amount']}" if entry.get("bonus_amount") is not None else ""
    return text


def _differing(old: list[RuleTrace], new: list[RuleTrace]) -> list[str]:
    # A rule not in force on the event's date is as good as absent from the policy.
    a = {n.rule: _node(n) for n in old if n.status != "not_in_force"}
    b = {n.rule: _node(n) for n in new if n.status != "not_in_force"}
    return [rule for rule in dict.fromkeys([*b, *a]) if a.get(rule) != b.get(rule)]


def _node(node: RuleTrace) -> tuple[Any, ...]:
    return (node.status, node.row, tuple(sorted(node.sets.items())), node.overridden_by)


def _edited_rules(old_root: Path, new_root: Path) -> dict[str, str]:
    """Rule ids added, removed or edited between two policy folders, read from their YAML."""
    old, new = _rule_texts(old_root), _rule_texts(new_root)
    status = dict.fromkeys(new.keys() - old.keys(), "added")
    status.update(dict.fromkeys(old.keys() - new.keys(), "removed"))
    status.update({rule: "edited" for rule in old.keys() & new.keys() if old[rule] != new[rule]})
    return status


def _rule_texts(root: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for file in sorted(root.glob("*.yaml")):
        if file.name in SPECIAL_FILES:
            continue
        try:
            data = load(file).data
        except (OSError, UnicodeDecodeError, YamlSyntaxError):
            continue  # the policy loaded, so this cannot happen short of a race; nothing to compare
        for rule in (data or {}).get("rules", []) if isinstance(data, dict) else []:
            if isinstance(rule, dict) and isinstance(rule.get("id"), str):
                texts[rule["id"]] = json.dumps(rule, sort_keys=True, default=str)
    return texts
