"""Rule coverage of policy test cases: which rules no case exercised, which table rows no case hit.

Read from the results of `tools/cases.py` (the rules each case's decision applied and the
table rows that matched), never by running the cases again. A rule counts as exercised
when some case's decision applied it (its `then`, its `else`, or a row of its table); a
row of a table counts when some case matched it, so a row never matched is an outcome of
the table no case has shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..core.compiled import CompiledLedgerRule, CompiledPolicy, CompiledRule
from .cases import CaseResult


@dataclass(frozen=True)
class UnseenRow:
    rule: CompiledRule
    row: int  # 1-based, as `explain` and lint number rows


@dataclass(frozen=True)
class RuleCoverage:
    rules: int  # rules in the policy
    exercised: int
    unexercised: tuple[CompiledRule, ...]
    rows: int  # rows of all tables
    rows_seen: int
    unseen_rows: tuple[UnseenRow, ...]
    # Rules across events: exercised when some ledger case made them find something.
    ledger_rules: int = 0
    ledger_exercised: int = 0
    ledger_unexercised: tuple[CompiledLedgerRule, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "rules": self.rules,
            "exercised": self.exercised,
            "unexercised": [
                {"rule": r.id, "cite": r.cite.label, "file": r.file, "line": r.line} for r in self.unexercised
            ],
            "table_rows": self.rows,
            "table_rows_seen": self.rows_seen,
            "unseen_rows": [{"rule": u.rule.id, "row": u.row} for u in self.unseen_rows],
            "ledger_rules": self.ledger_rules,
            "ledger_rules_exercised": self.ledger_exercised,
            "unexercised_ledger_rules": [
                {"rule": r.id, "cite": r.cite.label, "file": r.file, "line": r.line}
                for r in self.ledger_unexercised
            ],
        }


def rule_coverage(
    policy: CompiledPolicy, results: Iterable[CaseResult], ledger_found: Iterable[str] = ()
) -> RuleCoverage:
    """`ledger_found`: the ids of the rules across events that found something in a ledger case."""
    applied: set[str] = set()
    matched: set[tuple[str, int]] = set()
    for result in results:
        applied.update(result.rules)
        matched.update(result.rows)
    unexercised = tuple(rule for rule in policy.rules if rule.id not in applied)
    rows = [
        (rule, row.index + 1) for rule in policy.rules if rule.table is not None for row in rule.table.rows
    ]
    unseen = tuple(UnseenRow(rule, n) for rule, n in rows if (rule.id, n) not in matched)
    found = set(ledger_found)
    ledger_unexercised = tuple(rule for rule in policy.ledger_rules if rule.id not in found)
    return RuleCoverage(
        rules=len(policy.rules),
        exercised=len(policy.rules) - len(unexercised),
        unexercised=unexercised,
        rows=len(rows),
        rows_seen=len(rows) - len(unseen),
        unseen_rows=unseen,
        ledger_rules=len(policy.ledger_rules),
        ledger_exercised=len(policy.ledger_rules) - len(ledger_unexercised),
        ledger_unexercised=ledger_unexercised,
    )
