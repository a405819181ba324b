"""`lint`: everything that can be wrong with a policy folder before an event is seen.

Two passes, like a compiler's: the loader's own findings first (schema, expressions
type-checked against the event models, approval graphs, citations against the
catalogue); a folder that does not load reports those, all of them, as errors. A folder
that loads is then read as a whole: decision tables for gaps, overlaps and silent
outputs, conditions that can never hold, rules that disagree with no `exception_to`
between them, exceptions that change nothing, values and chains nothing uses, rule dates
that fall between policy versions. Lint reads the compiled structure and the YAML; it
never runs an expression.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from ..core import loader
from ..core.compiled import (
    Cell,
    CompiledOutcome,
    CompiledPolicy,
    CompiledRule,
    CompiledTable,
    DatedValue,
)
from ..core.scope import VALUE_TYPES, Type, event_scope
from ..core.yamlsource import PathKey, Source, YamlSyntaxError, load
from ..errors import Finding, PolicyError
from . import tables

ERROR, WARNING, NOTE = "error", "warning", "note"
MAX_OFFERS = 300  # rules setting one value that lint compares pairwise (the pack: under 10)

# Every check lint runs, with its severity: docs/cli.md lists them for editors.
CHECKS: dict[str, str] = {
    "load": ERROR,
    "table-overlap": ERROR,
    "exception-cycle": ERROR,
    "table-gap": WARNING,
    "table-silent": WARNING,
    "table-overlap-agreeing": WARNING,
    "table-unreachable-row": WARNING,
    "table-not-analysed": WARNING,
    "never-true": WARNING,
    "rule-conflict": WARNING,
    "conflicts-not-analysed": WARNING,
    "exception-no-effect": WARNING,
    "value-never-set": WARNING,
    "chain-unused": WARNING,
    "version-dates": WARNING,
    "no-authority": WARNING,
    "dated-value": WARNING,
}


@dataclass(frozen=True, order=True)
class LintFinding(Finding):
    """A finding with the name of the check that made it (see `CHECKS`)."""

    check: str = "load"

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def lint_policy(path: str | Path | None = None) -> list[LintFinding]:
    """Every finding of the policy folder, errors and warnings, in file and line order."""
    try:
        policy = loader.load_policy(path)
    except PolicyError as error:
        return [_from_loader(f) for f in error.findings]
    return lint_compiled(policy)


def lint_compiled(policy: CompiledPolicy) -> list[LintFinding]:
    return sorted(set(_Linter(policy).run()), key=lambda f: (f.sort_key(), f.check))


def legal_notes(path: str | Path | None = None) -> list[LintFinding]:
    """The pack's notes of national law (`legal_notes:`), for an editor to read beside the rules.

    Not findings about the policy: lint prints them apart, and they never fail it.
    """
    try:
        policy = loader.load_policy(path)
    except PolicyError:
        return []  # the folder's errors are what lint reports then
    found = []
    for note in policy.legal_notes:
        start, end = note.effective_from, note.effective_to
        dates = (f"from {start.isoformat()}" if start else "") + (f" to {end.isoformat()}" if end else "")
        where = f"{note.cite.law}{note.cite.article}" + "".join(f", {a.law}{a.article}" for a in note.also)
        kinds = ", ".join(note.kinds) if note.kinds is not None else "every deduction from pay"
        message = f"{where} ({dates.strip() or 'undated'}; {kinds}): {note.note.en}"
        found.append(LintFinding(note.file, note.line, 1, note.id, message, None, NOTE, "legal-note"))
    return found


def has_errors(findings: list[LintFinding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def _from_loader(finding: Finding) -> LintFinding:
    fields = dataclasses.asdict(finding)
    return LintFinding(**fields, check="load")


@dataclass(frozen=True)
class _Branch:
    """One way a rule can decide: `then`, `else`, or one row of its table."""

    rule: CompiledRule
    cells: tuple[Cell, ...] | None  # None: a condition lint cannot read as a conjunction
    outcome: CompiledOutcome


class _Linter:
    def __init__(self, policy: CompiledPolicy) -> None:
        self.policy = policy
        authority = policy.authority
        # What happens to an event the rules leave open, in the pack's words.
        self.decider = (
            f"referred to {authority.who.en}"
            if authority is not None
            else "left undetermined (the pack declares no `authority`)"
        )
        where = f" ({authority.cite.label})" if authority is not None else ""
        self.referred = f"such an event is {self.decider}{where}"
        self.sources: dict[str, Source | None] = {}
        self.indexes: dict[str, dict[str, int]] = {}
        values = {
            name: dataclasses.replace(VALUE_TYPES[info.type], nullable=True)  # a value may be stated none
            for name, info in policy.values.items()
        }
        self.scopes: dict[str, dict[str, Type]] = {
            kind: event_scope(model, values) for kind, model in policy.events.models.items()
        }

    def run(self) -> Iterator[LintFinding]:
        for notice in self.policy.notices:
            fields = dataclasses.asdict(notice)
            fields["severity"] = CHECKS["no-authority"]
            yield LintFinding(**fields, check="no-authority")
        for rule in self.policy.rules:
            if rule.table is not None:
                yield from self._table(rule, rule.table)
            elif rule.when is not None:
                yield from self._never_true(rule)
        yield from self._conflicts()
        yield from self._exceptions()
        yield from self._unused()
        yield from self._version_dates()
        yield from self._dated_values()

    # ---- locating findings in the YAML ----
    def _source(self, file: str) -> Source | None:
        if file not in self.sources:
            try:
                self.sources[file] = load(Path(file), file)
            except (OSError, UnicodeDecodeError, YamlSyntaxError):
                self.sources[file] = None
        return self.sources[file]

    def _at_rule(
        self, rule: CompiledRule, path: PathKey, check: str, message: str, help: str | None = None
    ) -> LintFinding:
        line, column = rule.line, 1
        source = self._source(rule.file)
        index = self._rule_index(rule.file, source).get(rule.id)
        if source is not None and index is not None:
            line, column = source.where(("rules", index, *path))
        return LintFinding(rule.file, line, column, rule.id, message, help, CHECKS[check], check)

    def _rule_index(self, file: str, source: Source | None) -> dict[str, int]:
        """Each rule id of `file` with its place in `rules:`; built once per file, not per finding."""
        if file not in self.indexes:
            rules = source.data.get("rules") if source is not None and isinstance(source.data, dict) else None
            self.indexes[file] = {
                r["id"]: i
                for i, r in reversed(list(enumerate(rules if isinstance(rules, list) else [])))
                if isinstance(r, dict) and isinstance(r.get("id"), str)
            }
        return self.indexes[file]

    def _at_file(
        self, name: str, path: PathKey, check: str, message: str, help: str | None = None
    ) -> LintFinding:
        file = str(Path(self.policy.root) / name)
        source = self._source(file)
        line, column = source.where(path) if source is not None else (1, 1)
        return LintFinding(file, line, column, None, message, help, CHECKS[check], check)

    # ---- decision tables ----
    def _table(self, rule: CompiledRule, table: CompiledTable) -> Iterator[LintFinding]:
        """A table's gaps and overlaps; a table with dated cells, period by period of its cells."""
        if not table.dated:
            yield from self._table_once(rule, table)
            return
        periods = _table_periods(rule, table, self.policy.in_force[0] if self.policy.in_force else None)
        found: dict[LintFinding, list[str]] = {}
        for label, view in periods:
            for finding in self._table_once(rule, view):
                found.setdefault(finding, []).append(label)
        for finding, labels in found.items():
            if len(labels) < len(periods):  # said of some periods only: which
                finding = dataclasses.replace(finding, message=f"{finding.message} ({'; '.join(labels)})")
            yield finding

    def _table_once(self, rule: CompiledRule, table: CompiledTable) -> Iterator[LintFinding]:
        # Row numbers are the rows' own (`index`): a view of a dated table leaves some out.
        number = [row.index for row in table.rows]
        scope = self.scopes[rule.kinds[0]]
        try:
            report = tables.analyse(table, scope)
        except tables.TableTooLargeError as reason:
            yield self._at_rule(
                rule,
                ("table", "rows"),
                "table-not-analysed",
                f"lint does not check this table for gaps and overlaps: {reason}",
                "split it, for instance into one table per value of its first input",
            )
            return
        if report is None:
            kinds = ", ".join(f"`{n}` ({scope[n].describe()})" for n in table.inputs if n in scope)
            yield self._at_rule(
                rule,
                ("table", "inputs"),
                "table-not-analysed",
                "lint cannot check this table for gaps and overlaps",
                f"it cuts numbers, booleans and strings only; the inputs are {kinds}",
            )
            return
        outputs = ", ".join(f"`{n}`" for n in table.outputs) or "no value"
        for gap in report.gaps:
            yield self._at_rule(
                rule,
                ("table", "rows"),
                "table-gap",
                f"no row matches {gap.text}, e.g. {tables.show_point(gap.example)}",
                f"the rule states no {outputs} there and {self.referred}; "
                "add a row if the regulation settles it",
            )
        for silence in report.silences:
            names = ", ".join(f"`{n}`" for n in silence.outputs)
            yield self._at_rule(
                rule,
                ("table", "rows", number[silence.row]),
                "table-silent",
                f"row {number[silence.row] + 1} states no {names} for {silence.text}, "
                f"e.g. {tables.show_point(silence.example)}",
                f"{self.referred}; write `{silence.outputs[0]}: null` in the row "
                "if the regulation asks for none",
            )
        for overlap in report.overlaps:
            i, j = number[overlap.rows[0]], number[overlap.rows[1]]
            both = f"rows {i + 1} and {j + 1} both match {overlap.text}"
            example = tables.show_point(overlap.example)
            if overlap.agree:
                yield self._at_rule(
                    rule,
                    ("table", "rows", j),
                    "table-overlap-agreeing",
                    f"{both}, e.g. {example}",
                    "they decide the same, but under hit policy `unique` an event two rows match is "
                    f"{self.decider}; merge them",
                )
            else:
                yield self._at_rule(
                    rule,
                    ("table", "rows", j),
                    "table-overlap",
                    f"{both} and decide differently, e.g. {example}",
                    "hit policy `unique` lets one row match an event: narrow a row, "
                    "or say `hit: first` if the earlier row prevails",
                )
        for row in report.unreachable:
            at = number[row.row]
            if row.before:
                takers = ", ".join(str(number[j] + 1) for j in row.before)
                message = f"row {at + 1} is never selected: row(s) {takers} match its events first"
            else:
                message = f"row {at + 1} never matches: no value meets its cells"
            yield self._at_rule(
                rule, ("table", "rows", at), "table-unreachable-row", message, "remove or correct it"
            )

    # ---- conditions ----
    def _never_true(self, rule: CompiledRule) -> Iterator[LintFinding]:
        assert rule.when is not None
        for kind in rule.kinds:
            scope = self.scopes[kind]
            cells = tables.conjunction(rule.when.source, scope)
            if not cells:
                return
            space = tables.Space.of(scope, [cells])
            if space is None:
                return
            region = space.region(cells)
            for i, name in enumerate(space.inputs):
                if not region[i]:
                    parts = " and ".join(f"`{_cell_text(c)}`" for c in cells if c.input == name)
                    yield self._at_rule(
                        rule,
                        ("when",),
                        "never-true",
                        f"`when` can never be true: {parts} exclude each other",
                        "the rule never applies" + (" (its `else` always does)" if rule.else_ else ""),
                    )
                    return

    def _branches(self, rule: CompiledRule, scope: Mapping[str, Type]) -> list[_Branch]:
        if rule.table is not None:
            return [_Branch(rule, row.cells, row.then) for row in rule.table.rows]
        if rule.when is None:
            return [_Branch(rule, (), rule.then)] if rule.then is not None else []
        cells = tables.conjunction(rule.when.source, scope)
        branches = []
        if rule.then is not None:
            branches.append(_Branch(rule, cells, rule.then))
        if rule.else_ is not None:
            branches.append(_Branch(rule, tables.negation(cells) if cells else None, rule.else_))
        return branches

    def _meet(
        self, a: tuple[Cell, ...], b: tuple[Cell, ...], scope: Mapping[str, Type]
    ) -> dict[str, Any] | None:
        """An input combination both conditions allow, or None if there is none (or lint cannot tell)."""
        space = tables.Space.of(scope, [a, b])
        if space is None:
            return None
        both = tables.intersect(space.region(a), space.region(b))
        return None if tables.empty(both) else space.example(both)

    def _offers(self, kind: str) -> dict[str, list[tuple[_Branch, Any]]]:
        """Per slot (a value name or `approvals`), every branch that sets it and what it sets."""
        scope = self.scopes[kind]
        offers: dict[str, list[tuple[_Branch, Any]]] = {}
        for rule in self.policy.plans.get(kind, ()):
            for branch in self._branches(rule, scope):
                for name, source in branch.outcome.values:
                    offers.setdefault(name, []).append((branch, tables.value_key(source)))
                if branch.outcome.approvals is not None:
                    chain = tables.chain_key(branch.outcome.approvals)
                    offers.setdefault("approvals", []).append((branch, chain))
        return offers

    def _conflicts(self) -> Iterator[LintFinding]:
        reported: set[tuple[str, str]] = set()
        for kind in self.policy.plans:
            scope = self.scopes[kind]
            for slot, offers in self._offers(kind).items():
                by_rule: dict[str, list[tuple[_Branch, Any]]] = {}
                for offer in offers:  # a rule's own branches never conflict: pairs of rules only
                    by_rule.setdefault(offer[0].rule.id, []).append(offer)
                if len(by_rule) > MAX_OFFERS:
                    # Pairwise, 5,000 rules setting one value are 12.5 million comparisons.
                    yield self._at_rule(
                        offers[0][0].rule,
                        ("id",),
                        "conflicts-not-analysed",
                        f"lint does not compare the {len(by_rule):,} rules that set `{slot}` on "
                        f"`{kind}` events for disagreements: more than {MAX_OFFERS}",
                        "set the value in fewer rules, for instance in one decision table",
                    )
                    continue
                pairs = (
                    (first, second)
                    for group_a, group_b in itertools.combinations(by_rule.values(), 2)
                    for first in group_a
                    for second in group_b
                )
                for (a, key_a), (b, key_b) in pairs:
                    pair = (a.rule.id, b.rule.id)
                    if (
                        pair in reported
                        or tables.keys_agree(key_a, key_b, _common_period(a.rule, b.rule))
                        or a.rule.id in b.rule.exception_to
                        or b.rule.id in a.rule.exception_to
                        or not _periods_meet(a.rule, b.rule)
                        or a.cells is None
                        or b.cells is None
                    ):
                        continue
                    example = self._meet(a.cells, b.cells, scope)
                    if example is None:
                        continue
                    reported.add(pair)
                    yield self._at_rule(
                        b.rule,
                        ("id",),
                        "rule-conflict",
                        f"rules `{a.rule.id}` and `{b.rule.id}` can both set `{slot}` and disagree"
                        + _from_day(tables.first_disagreement(key_a, key_b, _common_period(a.rule, b.rule)))
                        + f", e.g. {tables.show_point(example) or 'any event'}",
                        f"neither is an `exception_to` of the other, so {self.referred}; "
                        "name the rule that prevails in the other's `exception_to`, or narrow a `when`",
                    )

    # ---- exceptions ----
    def _exceptions(self) -> Iterator[LintFinding]:
        by_id = {r.id: r for r in self.policy.rules}
        graph = nx.DiGraph()
        for rule in self.policy.rules:
            for other in sorted(rule.exception_to):
                graph.add_edge(rule.id, other)
        # One finding per knot of rules (a strongly connected component): linear, where
        # listing every cycle is exponential (20 rules naming each other hold 10^17 cycles).
        knots = [sorted(c) for c in nx.strongly_connected_components(graph)]
        knots = [c for c in knots if len(c) > 1 or graph.has_edge(c[0], c[0])]
        for cycle in sorted(knots):
            first = by_id[cycle[0]]
            shown = [f"`{r}`" for r in cycle[:10]]
            more = f" (and {len(cycle) - 10} more)" if len(cycle) > 10 else ""
            yield self._at_rule(
                first,
                ("exception_to",),
                "exception-cycle",
                "rules are exceptions to each other: " + " -> ".join([*shown, shown[0]]) + more,
                "each gives way to the other, so neither decides; keep `exception_to` on the specific one",
            )
        for rule in self.policy.rules:
            for target_id in sorted(rule.exception_to):
                target = by_id.get(target_id)
                if target is not None:
                    yield from self._exception_effect(rule, target)

    def _exception_effect(self, rule: CompiledRule, target: CompiledRule) -> Iterator[LintFinding]:
        shared = sorted(rule.sets & target.sets)
        where: PathKey = ("exception_to",)
        if not shared:
            mine = ", ".join(f"`{s}`" for s in sorted(rule.sets)) or "nothing"
            theirs = ", ".join(f"`{s}`" for s in sorted(target.sets)) or "nothing"
            yield self._at_rule(
                rule,
                where,
                "exception-no-effect",
                f"this rule is an exception to `{target.id}` but sets nothing it sets: "
                "the exception changes nothing",
                f"`{rule.id}` sets {mine}; `{target.id}` sets {theirs}",
            )
            return
        if not _periods_meet(rule, target):
            yield self._at_rule(
                rule,
                where,
                "exception-no-effect",
                f"this rule and `{target.id}` are never in force on the same day: "
                "the exception changes nothing",
            )
            return
        for kind in set(rule.kinds) & set(target.kinds):
            scope = self.scopes[kind]
            pairs = [
                (a, b)
                for a in self._branches(rule, scope)
                for b in self._branches(target, scope)
                if _sets(a.outcome) & _sets(b.outcome)
            ]
            if any(a.cells is None or b.cells is None for a, b in pairs):
                return
            if any(self._meet(a.cells or (), b.cells or (), scope) is not None for a, b in pairs):
                return
        yield self._at_rule(
            rule,
            where,
            "exception-no-effect",
            f"this rule and `{target.id}` never decide the same event: the exception changes nothing",
            "check both conditions, or drop the `exception_to`",
        )

    # ---- declarations nothing uses ----
    def _unused(self) -> Iterator[LintFinding]:
        set_somewhere = {name for rule in self.policy.rules for name in rule.sets}
        for name in self.policy.values:
            if name not in set_somewhere:
                yield self._at_file(
                    loader.MANIFEST,
                    ("values", name),
                    "value-never-set",
                    f"value `{name}` is declared but no rule sets it",
                    "a decision never carries it; remove it or add the rule that sets it",
                )
        used = {
            outcome.approvals.name
            for rule in self.policy.rules
            for outcome in _outcomes(rule)
            if outcome.approvals is not None
        }
        for name in self.policy.chains:
            if name not in used:
                yield self._at_file(
                    loader.ROLES_FILE,
                    ("chains", name),
                    "chain-unused",
                    f"approval chain `{name}` is used by no rule",
                    "a rule uses a chain with `approvals: " + name + "`",
                )

    # ---- effective dates against the policy versions ----
    def _version_dates(self) -> Iterator[LintFinding]:
        starts = {start for start, _ in self.policy.versions}
        for rule in self.policy.rules:
            changes = []
            if rule.effective_from is not None:
                changes.append(("effective_from", rule.effective_from, "is in force"))
            if rule.effective_to is not None:
                changes.append(("effective_to", rule.effective_to + dt.timedelta(days=1), "is out of force"))
            for key, day, what in changes:
                if day in starts:
                    continue
                if not starts:
                    help = "declare the editions under `policy: versions:` in policy.yaml"
                    message = (
                        f"this rule {what} from {day.isoformat()}, but the policy declares no `versions`: "
                        "decisions before and after name the same version"
                    )
                else:
                    version = self.policy.ref_on(day).version
                    message = (
                        f"this rule {what} from {day.isoformat()}, but no policy version starts then: "
                        f"decisions on both sides name version `{version}`"
                    )
                    entry = f"{{version: ..., effective_from: {day.isoformat()}}}"
                    help = f"add `{entry}` to `versions` in policy.yaml"
                yield self._at_rule(rule, (key,), "version-dates", message, help)

    # ---- dated values against the days their rule is in force ----
    def _dated_values(self) -> Iterator[LintFinding]:
        in_force = self.policy.in_force[0] if self.policy.in_force is not None else None
        versions = {start for start, _ in self.policy.versions}
        for rule in self.policy.rules:
            first = max((d for d in (rule.effective_from, in_force) if d is not None), default=None)
            for where, outcome in _outcome_places(rule):
                for name, source in outcome.values:
                    if isinstance(source, DatedValue):
                        path = (*where, "values", name)
                        yield from self._dated_value(rule, name, source, path, first, versions)

    def _dated_value(
        self,
        rule: CompiledRule,
        name: str,
        value: DatedValue,
        path: PathKey,
        first: dt.date | None,
        versions: set[dt.date],
    ) -> Iterator[LintFinding]:
        start = value.starts[0]
        if first is None or start > first:
            since = f"the rule is in force from {first.isoformat()}" if first else "nothing dates the rule"
            yield self._at_rule(
                rule,
                (*path, start.isoformat()),
                "dated-value",
                f"`{name}` has no value before {start.isoformat()}, but {since}: {self.referred}",
                "start the value on the first day the rule is in force"
                if first
                else "date the policy (`in_force`) or the rule (`effective_from`)",
            )
        for day in value.starts:
            where = (*path, day.isoformat())
            if rule.effective_to is not None and day > rule.effective_to:
                yield self._at_rule(
                    rule,
                    where,
                    "dated-value",
                    f"the value of `{name}` from {day.isoformat()} is never taken: the rule is out of force "
                    f"after {rule.effective_to.isoformat()}",
                    "remove it, or move the rule's `effective_to`",
                )
            elif versions and day != start and day not in versions:
                version = self.policy.ref_on(day).version
                yield self._at_rule(
                    rule,
                    where,
                    "version-dates",
                    f"`{name}` changes on {day.isoformat()}, but no policy version starts then: "
                    f"decisions on both sides name version `{version}`",
                    f"add `{{version: ..., effective_from: {day.isoformat()}}}` to `versions` in policy.yaml",
                )


def _table_periods(
    rule: CompiledRule, table: CompiledTable, in_force: dt.date | None
) -> list[tuple[str, CompiledTable]]:
    """A table with dated cells as it reads in each period its cells make: (label, the rows then).

    A dated row is in a period with its cells then, or left out while a cell states nothing
    yet. The periods before the rule's first day (its `effective_from`, the policy's
    `in_force`) or after its last are of no event.
    """
    first = max((d for d in (rule.effective_from, in_force) if d is not None), default=None)
    days = sorted({p.start for row in table.rows for p in row.periods})
    bounds: list[tuple[dt.date | None, dt.date | None]] = [(None, days[0] - dt.timedelta(days=1))]
    bounds += [(d, nxt - dt.timedelta(days=1)) for d, nxt in itertools.pairwise(days)]
    bounds.append((days[-1], None))
    views = []
    for start, end in bounds:
        if (end is not None and first is not None and end < first) or (
            start is not None and rule.effective_to is not None and start > rule.effective_to
        ):
            continue
        rows = []
        for row in table.rows:
            period = row.period_on(start) if row.periods and start is not None else None
            if not row.periods:
                rows.append(row)
            elif period is not None and period.condition is not None:
                rows.append(dataclasses.replace(row, cells=period.cells, condition=period.condition))
        if start is None:
            label = f"before {days[0].isoformat()}"
        elif end is None:
            label = f"from {start.isoformat()}"
        else:
            label = f"from {start.isoformat()} to {end.isoformat()}"
        views.append((label, dataclasses.replace(table, rows=tuple(rows))))
    return views


def _outcome_places(rule: CompiledRule) -> list[tuple[PathKey, CompiledOutcome]]:
    """Each outcome of a rule with its path in the rule's YAML."""
    found: list[tuple[PathKey, CompiledOutcome]] = [
        (key, o) for key, o in ((("then",), rule.then), (("else",), rule.else_)) if o is not None
    ]
    if rule.table is not None:
        found += [(("table", "rows", row.index, "then"), row.then) for row in rule.table.rows]
    return found


def _outcomes(rule: CompiledRule) -> list[CompiledOutcome]:
    found = [o for o in (rule.then, rule.else_) if o is not None]
    if rule.table is not None:
        found += [row.then for row in rule.table.rows]
    return found


def _sets(outcome: CompiledOutcome) -> frozenset[str]:
    return outcome.slots


def _common_period(a: CompiledRule, b: CompiledRule) -> tuple[dt.date | None, dt.date | None]:
    """The days both rules are in force, first and last (None: open)."""
    start = max((d for d in (a.effective_from, b.effective_from) if d is not None), default=None)
    end = min((d for d in (a.effective_to, b.effective_to) if d is not None), default=None)
    return start, end


def _from_day(day: dt.date | None) -> str:
    return f" from {day.isoformat()}" if day is not None and day != dt.date.min else ""


def _periods_meet(a: CompiledRule, b: CompiledRule) -> bool:
    start = max((d for d in (a.effective_from, b.effective_from) if d is not None), default=None)
    end = min((d for d in (a.effective_to, b.effective_to) if d is not None), default=None)
    return start is None or end is None or start <= end


def _cell_text(cell: Cell) -> str:
    if cell.op == "==" and isinstance(cell.value, bool):
        return cell.input if cell.value else f"not {cell.input}"
    if cell.value is None:
        return f"{cell.input} {'is' if cell.op == '==' else 'is not'} None"
    value = repr(cell.value) if isinstance(cell.value, str) else tables.show(cell.value)
    return f"{cell.input} {cell.op} {value}"
