"""Every article of the regulation, and what enforces it (`salesops-rules coverage`, the web page).

Read from the compiled policy, never from a list kept by hand: an article is enforced
when a rule cites it (the rule itself, a table row, an obligation, a violation or a step
of its approval chain), when the penalty table keys a violation code to it, or, for the
clause of the pack's `authority`, by the evaluator, which sends every case the rules do not
settle to that authority. An article the catalogue marks `computable: false` shows its reason; a
computable article that nothing cites is reported as not yet enforced, never as passed.
An article whose items say on their own whether rules can check them (`computable` on an
item) lists each item the same way, by what cites that item.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from ..core.approvals import Chain
from ..core.compiled import CompiledOutcome, CompiledPolicy, CompiledRule
from ..model.catalogue import Item
from ..model.citation import Cite

Status = Literal["enforced", "non_computable", "not_enforced"]

STATUS_TEXT: dict[Status, str] = {
    "enforced": "enforced",
    "non_computable": "non-computable",
    "not_enforced": "NOT YET ENFORCED",
}


@dataclass
class ArticleCoverage:
    article: int
    label: str
    status: Status
    rules: list[str] = field(default_factory=list)
    penalties: list[str] = field(default_factory=list)  # violation codes keyed to the article
    engine: str | None = None
    reason: str | None = None
    item: int | None = None  # set on the row of an item
    items: list[ArticleCoverage] = field(default_factory=list)  # of an itemised article

    def detail(self) -> str:
        if self.status == "non_computable":
            return self.reason or ""
        if self.status == "not_enforced":
            return "computable, but no rule checks it yet"
        parts = []
        if self.rules:
            parts.append("rules: " + ", ".join(self.rules))
        if self.penalties:
            parts.append("penalty table: " + ", ".join(self.penalties))
        if self.engine:
            parts.append(f"engine: {self.engine}")
        return "; ".join(parts)


def _chain_cites(chain: Chain | None) -> Iterator[Cite]:
    if chain is not None:
        yield from (step.cite for step in chain.steps)


def _outcome_cites(outcome: CompiledOutcome | None) -> Iterator[Cite]:
    if outcome is None:
        return
    yield from _chain_cites(outcome.approvals)
    yield from (o.cite for o in outcome.obligations)
    yield from (v.cite for o in outcome.obligations for v in o.overdue)
    yield from (v.cite for v in outcome.violations)


Clause = tuple[int, int | None]  # (article, item); item None for the article itself


def rule_clauses(rule: CompiledRule) -> set[Clause]:
    """Every clause a rule rests on: its own, its rows', its outcomes' and its chain steps'."""
    cites = [rule.cite, *_outcome_cites(rule.then), *_outcome_cites(rule.else_)]
    if rule.table is not None:
        for row in rule.table.rows:
            cites += [row.cite, *_outcome_cites(row.then)]
    return {(c.article, c.item) for c in cites}


def rule_cites(rule: CompiledRule) -> set[int]:
    """Every article a rule rests on (that of each clause of `rule_clauses`)."""
    return {article for article, _ in rule_clauses(rule)}


def coverage(policy: CompiledPolicy) -> list[ArticleCoverage]:
    by_article: dict[int, list[str]] = {}
    by_clause: dict[Clause, list[str]] = {}
    for rule in policy.rules:
        clauses = rule_clauses(rule)
        for article in sorted({a for a, _ in clauses}):
            by_article.setdefault(article, []).append(rule.id)
        for clause in clauses:
            by_clause.setdefault(clause, []).append(rule.id)
    for ledger in policy.ledger_rules:
        cites = [ledger.cite, *(f.cite for f in (*ledger.missing, *ledger.late, *ledger.open, *ledger.found))]
        for article in sorted({c.article for c in cites}):
            by_article.setdefault(article, []).append(ledger.id)
        for clause in {(c.article, c.item) for c in cites}:
            by_clause.setdefault(clause, []).append(ledger.id)
    penalties: dict[int, list[str]] = {}
    for code, penalty in policy.penalties.items():
        penalties.setdefault(penalty.cite.article, []).append(code)
    rows = []
    for art in policy.catalogue.articles:
        entry = ArticleCoverage(art.article, art.label, "not_enforced")
        if not art.computable:
            entry.status, entry.reason = "non_computable", art.reason
        else:
            entry.rules = by_article.get(art.article, [])
            entry.penalties = penalties.get(art.article, [])
            authority = policy.authority
            if authority is not None and art.article == authority.cite.article:
                entry.engine = f"a case the rules do not settle is referred to {authority.who.en}"
            if policy.in_force is not None and art.article == policy.in_force[1].article:
                entry.engine = f"an event dated before {policy.in_force[0].isoformat()} is not judged"
            if entry.rules or entry.penalties or entry.engine:
                entry.status = "enforced"
            if art.itemised:
                entry.items = [_item_row(art.article, item, policy, by_clause) for item in art.items]
        rows.append(entry)
    return rows


def _item_row(
    article: int, item: Item, policy: CompiledPolicy, by_clause: dict[Clause, list[str]]
) -> ArticleCoverage:
    """An item of an itemised article, enforced by what cites that item itself."""
    clause = (article, item.item)
    row = ArticleCoverage(article, policy.catalogue.label(*clause), "not_enforced", item=item.item)
    if item.computable is False:
        row.status, row.reason = "non_computable", item.reason
        return row
    row.rules = by_clause.get(clause, [])
    row.penalties = [code for code, p in policy.penalties.items() if (p.cite.article, p.cite.item) == clause]
    authority = policy.authority
    if authority is not None and (authority.cite.article, authority.cite.item) == clause:
        row.engine = f"a case the rules do not settle is referred to {authority.who.en}"
    if policy.in_force is not None and (policy.in_force[1].article, policy.in_force[1].item) == clause:
        row.engine = f"an event dated before {policy.in_force[0].isoformat()} is not judged"
    if row.rules or row.penalties or row.engine:
        row.status = "enforced"
    return row


def summary(rows: list[ArticleCoverage]) -> str:
    counts = {status: sum(1 for r in rows if r.status == status) for status in STATUS_TEXT}
    text = (
        f"{len(rows)} articles: {counts['enforced']} enforced, {counts['non_computable']} "
        f"non-computable, {counts['not_enforced']} computable but not yet enforced"
    )
    items = [i for r in rows for i in r.items]
    if items:
        of = {status: sum(1 for i in items if i.status == status) for status in STATUS_TEXT}
        text += (
            f"; {len(items)} items of them listed apart: {of['enforced']} enforced, "
            f"{of['non_computable']} non-computable, {of['not_enforced']} computable but not yet enforced"
        )
    return text
