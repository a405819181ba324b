"""Ledger cases: events of a case file judged together, by the audit's own rules across events.

A ledger case (`ledger_cases:` of a file under `policy/tests/`, loaded by `tools/cases.py`)
is written out as a JSON Lines ledger and audited by `audit_ledger`, one worker, so the
findings are those an audit of the same events gives, by the same code. Its `findings`
are compared whole with the findings of the rules across events (those with a `rule`):
each expected one must be found, and nothing else, so a case cannot pass by asserting
nothing. An event that does not validate fails the case with the audit's message.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..core.yamlsource import PathKey
from ..policy import Policy
from ..tools.cases import LedgerCase, clause_labels, show_value
from .ledger import open_ledger
from .run import AuditOptions, audit_ledger

# A finding as a case writes it: rule, `event` or `month`, the event id or month, category, code.
Key = tuple[str, str, str, str, str]


@dataclass
class LedgerCaseResult:
    case: LedgerCase
    passed: bool
    mismatches: list[str]
    rules: set[str] = field(default_factory=set)  # ids of the rules across events that found something


def run_ledger_cases(policy: Policy, cases: list[LedgerCase]) -> list[LedgerCaseResult]:
    return [run_ledger_case(policy, case) for case in cases]


def run_ledger_case(policy: Policy, case: LedgerCase) -> LedgerCaseResult:
    """Audit the case's events and compare the findings of the rules across events with `expect`."""
    problems: list[tuple[PathKey, str]] = []
    if case.cite not in clause_labels(policy):
        problems.append((("cite",), f"cite: `{case.cite}` is not a clause of the catalogue"))
    known = {rule.id for rule in policy.compiled.ledger_rules}
    for i, want in enumerate(case.findings):
        if want.rule not in known:
            problems.append(
                (("expect", "findings", i, "rule"), f"findings: `{want.rule}` is not a rule across events")
            )
    rows, skipped = _audit(policy, case)
    for position, message in skipped:
        problems.append((("events", position - 1), message))  # the audit's, `invalid event: ...`
    got = Counter(_key(row) for row in rows if row["rule"] in known)
    left = got.copy()  # found, and not yet paired with an expected finding
    for i, want in enumerate(case.findings):
        key = _wanted(want)
        if want.rule not in known:
            continue  # said above
        if left[key] > 0:
            left[key] -= 1
        else:
            problems.append((("expect", "findings", i), f"findings: missing {_shown(key)}"))
    for key, count in sorted(left.items()):
        problems += [(("expect", "findings"), f"findings: unexpected {_shown(key)}")] * count
    where = [f"{case.file}:{case.line(*path)}: {case.name}: {message}" for path, message in problems]
    return LedgerCaseResult(case, not problems, where, {key[0] for key in got})


def _audit(policy: Policy, case: LedgerCase) -> tuple[list[dict[str, str]], list[tuple[int, str]]]:
    with tempfile.TemporaryDirectory(prefix="salesops-ledger-case-") as scratch:
        ledger = Path(scratch) / "ledger.jsonl"
        lines = [json.dumps(event, default=_json, ensure_ascii=False) + "\n" for event in case.events]
        ledger.write_text("".join(lines), encoding="utf-8")
        as_of = case.as_of
        if as_of is not None and not isinstance(as_of, dt.datetime):
            as_of = dt.datetime.combine(as_of, dt.time())
        options = AuditOptions(out_dir=Path(scratch) / "out", explained=0, as_of=as_of)
        result = audit_ledger(policy, open_ledger(ledger, events=policy.compiled.events), options)
        with result.files[0].open(encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
    return rows, [(s.position, s.message) for s in result.skipped]


def _json(value: Any) -> str:
    """YAML's dates and numbers as the JSON of a ledger line writes them."""
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"`{type(value).__name__}` is not a value of an event")


def _key(row: dict[str, str]) -> Key:
    place = ("event", row["event_id"]) if row["event_id"] else ("month", row["month"])
    return (row["rule"], *place, row["category"], row["code"])


def _wanted(want: Any) -> Key:
    place = ("event", want.event) if want.event is not None else ("month", want.month)
    return (want.rule, *place, want.category, want.code)


def _shown(key: Key) -> str:
    rule, place, where, category, code = key
    return show_value({"rule": rule, place: where, "category": category, "code": code})
