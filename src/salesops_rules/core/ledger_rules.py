"""Compiling `ledger_rules:`, the rules across events, as part of the one loader.

A ledger rule says how it groups and orders a ledger's events (`expect` one event per
month and group; a `follow_up` matched on a field within a number of days) and what it
finds. Everything is checked at load like a single-event rule, and reported through the
loader's findings with file:line: kinds, fields and their types against the event
models, expressions through the one expression compiler, citations against the
catalogue, violation codes against the penalty table, `replaces` against the codes the
first event's own rules can emit. The audit (`salesops_rules.audit`) then only runs the
compiled plan, as a streaming aggregation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pydantic import BaseModel

from ..model.citation import Cite
from ..model.decision import Text
from ..model.policy import EventPattern, LedgerOutcome, LedgerRuleSpec
from .compiled import (
    CompiledLedgerRule,
    CompiledOutcome,
    CompiledRule,
    CountPlan,
    EventSide,
    ExpectPlan,
    FollowUpPlan,
    LedgerFinding,
)
from .expressions import ExpressionError, compile_expression
from .extract import make_extractor
from .loading import BuildContext, validate_rule
from .scope import DATE, Type, fields_of
from .suggest import closest
from .yamlsource import PathKey, Source

# What a ledger expression may name: the event's own fields and its date. Decision values
# and `approvals_satisfied` belong to one event's decision, which a ledger rule does not see.
LEDGER_BUILTINS: dict[str, Type] = {"event_date": DATE}
SCALAR_KINDS = ("str", "number", "date", "datetime", "bool")


def ledger_scope(model: type[BaseModel]) -> dict[str, Type]:
    scope = fields_of(model)
    scope.update(LEDGER_BUILTINS)
    return scope


def emitted_codes(rules: Iterable[CompiledRule], kind: str) -> set[str]:
    """Every code a single-event rule on `kind` can emit: violations, obligations, and the
    approval steps it may require, as `role.action` (how the audit names an unsatisfied step)."""
    codes: set[str] = set()
    for rule in rules:
        if kind not in rule.kinds:
            continue
        outcomes: list[CompiledOutcome | None] = [rule.then, rule.else_]
        if rule.table is not None:
            outcomes += [row.then for row in rule.table.rows]
        for outcome in outcomes:
            if outcome is not None:
                codes.update(v.code for v in outcome.violations)
                codes.update(o.code for o in outcome.obligations)
                codes.update(v.code for o in outcome.obligations for v in o.overdue)
                if outcome.approvals is not None:
                    codes.update(f"{s.role}.{s.action}" for s in outcome.approvals.steps)
    return codes


class LedgerRuleCompiler:
    """Turns one valid LedgerRuleSpec into a CompiledLedgerRule, reporting what does not make sense."""

    def __init__(
        self,
        builder: BuildContext,
        spec: LedgerRuleSpec,
        source: Source,
        path: PathKey,
        rules: list[CompiledRule],
        broken_kinds: frozenset[str] = frozenset(),
    ) -> None:
        self.b, self.spec, self.source, self.path, self.rules = builder, spec, source, path, rules
        self.broken_kinds = broken_kinds
        self.ok = True

    def error(self, path: PathKey, message: str, help: str | None = None) -> None:
        self.ok = False
        self.b.report.at(self.source, (*self.path, *path), message, self.spec.id, help)

    def compile(self) -> CompiledLedgerRule | None:
        spec = self.spec
        cite = self.b.cite(spec.cite, self.source, (*self.path, "cite"), spec.id)
        expect = self.expect() if spec.expect is not None else None
        follow_up = self.follow_up() if spec.follow_up is not None else None
        count = self.count() if spec.count is not None else None
        missing = self.outcome(spec.missing, "missing", cite)
        late = self.outcome(spec.late, "late", cite)
        open_ = self.outcome(spec.open, "open", cite)
        found = self.outcome(spec.found, "found", cite)
        if not self.ok:
            return None
        return CompiledLedgerRule(
            id=spec.id,
            cite=cite,
            title=Text(zh=spec.title.zh, en=spec.title.en) if spec.title else None,
            expect=expect,
            follow_up=follow_up,
            missing=missing,
            late=late,
            open=open_,
            file=self.source.file,
            line=self.source.where(self.path)[0],
            in_force_from=self.in_force_from(),
            count=count,
            found=found,
        )

    def in_force_from(self) -> dt.date | None:
        manifest = self.b.manifest
        if manifest is None or manifest.policy.in_force is None:
            return None
        return manifest.policy.in_force.first_day

    # ---- the two forms ----

    def expect(self) -> ExpectPlan | None:
        spec = self.spec.expect
        assert spec is not None
        base: PathKey = ("expect",)
        fields = list(spec.group_by)
        if spec.covers is not None:
            fields.append(spec.covers)
        expected = self.side(spec, base, fields)
        if expected is None:
            return None
        if spec.covers is not None:
            self.field(spec.kind, spec.covers, (*base, "covers"), ("str", "date", "datetime"))
        for i, name in enumerate(spec.group_by):
            self.field(spec.kind, name, (*base, "group_by", i), SCALAR_KINDS)
        scope: tuple[EventSide, ...] | None = None
        if spec.scope is not None:
            sides = []
            for j, kind in enumerate(spec.scope):
                where: PathKey = (*base, "scope", j)
                side = self.side(EventPattern(kind=kind), where, list(spec.group_by), kind_path=where)
                if side is None:
                    continue
                for name in spec.group_by:
                    self.field(kind, name, where, SCALAR_KINDS, owner=f"`{kind}` (in `scope`)")
                sides.append(side)
            scope = tuple(sides)
        if not self.ok:
            return None
        return ExpectPlan(expected, spec.covers, scope, spec.group_by, spec.per, spec.if_recorded)

    def follow_up(self) -> FollowUpPlan | None:
        spec = self.spec.follow_up
        assert spec is not None
        base: PathKey = ("follow_up",)
        source = self.side(spec.from_, (*base, "from"), [spec.match_on.from_])
        target = self.side(spec.to, (*base, "to"), [spec.match_on.to])
        if source is None or target is None:
            return None
        left = self.field(source.kind, spec.match_on.from_, (*base, "match_on", "from"), SCALAR_KINDS)
        right = self.field(target.kind, spec.match_on.to, (*base, "match_on", "to"), SCALAR_KINDS)
        if left is not None and right is not None and left.kind != right.kind:
            self.error(
                (*base, "match_on"),
                f"`match_on` compares `{spec.match_on.from_}` ({left.describe()}) with "
                f"`{spec.match_on.to}` ({right.describe()})",
                "match two fields that hold the same thing, such as an event id and the field naming it",
            )
        known = emitted_codes(self.rules, source.kind)
        # A rule of that kind that did not compile has its own finding; its codes are unknown here.
        unsure = source.kind in self.broken_kinds
        for i, code in enumerate(spec.replaces):
            if code not in known and not unsure:
                close = closest(code, sorted(known))
                self.error(
                    (*base, "replaces", i),
                    f"`replaces` names `{code}`, which no rule on `{source.kind}` emits",
                    f"did you mean `{close}`?"
                    if close
                    else "codes of that kind: " + (", ".join(f"`{c}`" for c in sorted(known)) or "none"),
                )
        if not self.ok:
            return None
        return FollowUpPlan(
            source, target, spec.match_on.from_, spec.match_on.to, spec.within_days, frozenset(spec.replaces)
        )

    def count(self) -> CountPlan | None:
        spec = self.spec.count
        assert spec is not None
        base: PathKey = ("count",)
        read = [*spec.group_by, *([spec.covers] if spec.covers is not None else [])]
        counted = self.side(spec, base, read)
        if counted is not None:
            for i, name in enumerate(spec.group_by):
                self.field(spec.kind, name, (*base, "group_by", i), SCALAR_KINDS)
            if spec.covers is not None:
                self.field(spec.kind, spec.covers, (*base, "covers"), ("str", "date", "datetime"))
        if spec.covers is not None and spec.per is None:
            self.error(
                (*base, "covers"),
                "`covers` names the period an event counts in: it needs `per`",
                "a sliding window (`within_days`, `within_months`) counts by the events' dates",
            )
        windows = [k for k in ("per", "within_days", "within_months") if getattr(spec, k) is not None]
        sliding = spec.per is None
        if len(windows) != 1:
            self.error(
                base,
                "a counting rule needs a window"
                if not windows
                else "a counting rule has one window, this one has "
                + " and ".join(f"`{k}`" for k in windows),
                "`per: month` (calendar periods, with `in_a_row: N`), `within_days: N` or `within_months: N`",
            )
        for key in ("within_days", "within_months", "in_a_row"):
            value = getattr(spec, key)
            if value is not None and value < 1:
                self.error(
                    (*base, key),
                    f"`{key}` is `{value}`: a window holds at least 1 "
                    + ("period" if key == "in_a_row" else key.removeprefix("within_")[:-1]),
                    "`in_a_row: 1` is one period"
                    if key == "in_a_row"
                    else f"`{key}: 1` holds a counted event and those of the "
                    f"{key.removeprefix('within_')[:-1]} before",
                )
        if spec.in_a_row is not None and spec.per is None:
            self.error(
                (*base, "in_a_row"),
                "`in_a_row` counts calendar periods: it needs `per`",
                "add `per: month` (or week, quarter, year)",
            )
        found = spec.found_when
        where: PathKey = (*base, "found_when")
        if (found.at_least is None) == (found.at_most is None):
            self.error(
                where, "`found_when` needs one of `at_least` and `at_most`", "`found_when: {at_least: 2}`"
            )
        elif found.at_least is not None and found.at_least < 1:
            self.error(
                (*where, "at_least"),
                f"`at_least` is `{found.at_least}`: every window holds at least 0 events, "
                "so the rule would always find",
                "write `at_least: 1` or more; for a window with no event use `at_most: 0`",
            )
        elif found.at_most is not None and found.at_most < 0:
            self.error(
                (*where, "at_most"),
                f"`at_most` is `{found.at_most}`: no window holds fewer than 0 events",
                "write `at_most: 0` for a period with no counted event",
            )
        elif found.at_most is not None and sliding and windows:
            self.error(
                (*where, "at_most"),
                "`at_most` needs calendar periods (`per`): "
                "a sliding window ends on a counted event, so it is never empty",
                "count per period, as `per: quarter`",
            )
        for name in ("missing", "late"):
            if getattr(self.spec, name) is not None:
                self.error(
                    (name,),
                    f"a counting rule finds `found` (and `open`), not `{name}`",
                    "write what the rule finds under `found:`",
                )
        if self.spec.found is None:
            self.error(base, "a counting rule needs `found`: what it finds", "`found: {violations: [...]}`")
        if self.spec.open is not None and found.at_most is None:
            self.error(
                ("open",),
                "`open` needs `found_when: {at_most: N}`: "
                "a count reached is found, whether its period is over or not",
                "remove `open`",
            )
        if counted is None or not self.ok:
            return None
        return CountPlan(
            counted=counted,
            group_by=spec.group_by,
            per=spec.per,
            covers=spec.covers,
            in_a_row=spec.in_a_row or 1,
            within_days=spec.within_days,
            within_months=spec.within_months,
            at_least=found.at_least,
            at_most=found.at_most,
            restart=spec.restart,
        )

    # ---- pieces ----

    def side(
        self, pattern: EventPattern, path: PathKey, fields: list[str], kind_path: PathKey | None = None
    ) -> EventSide | None:
        kind = pattern.kind
        models = self.b.events.models if self.b.events is not None else {}
        if kind not in models:
            close = closest(kind, models)
            self.error(
                kind_path or (*path, "kind"),
                f"unknown event kind `{kind}`",
                f"did you mean `{close}`?" if close else "kinds: " + ", ".join(f"`{k}`" for k in models),
            )
            return None
        scope = ledger_scope(models[kind])
        when = None
        names = {f for f in fields if f in scope}
        if pattern.when is not None:
            try:
                when = compile_expression(pattern.when, scope)
            except ExpressionError as error:
                hint = error.help
                if any(n in error.message for n in ("approvals_satisfied", *self.b.value_types)):
                    hint = "a ledger rule reads the events' own fields; decision values belong to one event"
                prefix = f"in `{pattern.when}`: " if pattern.when not in error.message else ""
                self.error((*path, "when"), prefix + error.message, hint)
                return None
            if when.type.kind not in ("bool", "any"):
                self.error(
                    (*path, "when"), f"`{pattern.when}` is {when.type.describe()}, but bool is needed here"
                )
                return None
            names |= set(when.names)
        read = make_extractor(models[kind], names, scope)
        return EventSide(kind, when, read)

    def field(
        self, kind: str, name: str, path: PathKey, allowed: tuple[str, ...], owner: str | None = None
    ) -> Type | None:
        models = self.b.events.models if self.b.events is not None else {}
        if kind not in models:
            return None  # reported where the kind is named
        scope = ledger_scope(models[kind])
        typ = scope.get(name)
        if typ is None or name in LEDGER_BUILTINS:
            fields = [f for f in scope if f not in LEDGER_BUILTINS]
            close = closest(name, fields)
            self.error(
                path,
                f"{owner or f'`{kind}`'} has no field `{name}`",
                f"did you mean `{close}`?" if close else None,
            )
            return None
        if typ.kind not in allowed:
            self.error(
                path,
                f"`{name}` of `{kind}` is {typ.describe()}; here a field must be "
                + " or ".join(_KIND_WORDS[k] for k in allowed),
            )
            return None
        return typ

    def outcome(self, spec: LedgerOutcome | None, name: str, cite: Cite) -> tuple[LedgerFinding, ...]:
        if spec is None:
            return ()
        found: list[LedgerFinding] = []
        for category, items in (("violation", spec.violations), ("obligation", spec.obligations)):
            for i, item in enumerate(items):
                path: PathKey = (name, f"{category}s", i)
                if category == "violation" and self.b.penalties_loaded and item.code not in self.b.penalties:
                    close = closest(item.code, list(self.b.penalties))
                    self.error(
                        (*path, "code"),
                        f"violation `{item.code}` has no penalty in penalties.yaml",
                        f"did you mean `{close}`?"
                        if close
                        else "every violation a rule emits needs its sanction in penalties.yaml",
                    )
                item_cite = (
                    self.b.cite(item.cite, self.source, (*self.path, *path, "cite"), self.spec.id)
                    if item.cite
                    else cite
                )
                found.append(
                    LedgerFinding(
                        category, item.code, Text(zh=item.message.zh, en=item.message.en), item_cite
                    )
                )
        if not found:
            self.error((name,), f"`{name}` lists no violation and no obligation")
        return tuple(found)


_KIND_WORDS = {
    "str": "a string",
    "number": "a number",
    "date": "a date",
    "datetime": "a timestamp",
    "bool": "a boolean",
}


def compile_file(
    builder: BuildContext,
    source: Source,
    seen: dict[str, tuple[Source, PathKey]],
    rules: list[CompiledRule],
) -> list[CompiledLedgerRule]:
    """The `ledger_rules:` of one rule file; ids share one namespace with the single-event rules."""
    raw_rules = source.data["ledger_rules"]
    if not isinstance(raw_rules, list):
        builder.report.at(source, ("ledger_rules",), "`ledger_rules` must be a list")
        return []
    compiled: list[CompiledLedgerRule] = []
    broken = _broken_kinds(seen, rules)
    for i, raw in enumerate(raw_rules):
        path: PathKey = ("ledger_rules", i)
        spec = validate_rule(LedgerRuleSpec, raw, source, builder.report, path, seen)
        if spec is None:
            continue
        rule = LedgerRuleCompiler(builder, spec, source, path, rules, broken).compile()
        if rule is not None:
            compiled.append(rule)
    return compiled


def _broken_kinds(seen: dict[str, tuple[Source, PathKey]], rules: list[CompiledRule]) -> frozenset[str]:
    """The event kinds of single-event rules that passed the schema but did not compile."""
    done = {r.id for r in rules}
    kinds: set[str] = set()
    for rule_id, (source, path) in seen.items():
        if rule_id in done or path[0] != "rules":
            continue
        raw = source.data["rules"][path[1]]
        on = raw.get("on") if isinstance(raw, dict) else None
        kinds.update([on] if isinstance(on, str) else on if isinstance(on, list) else [])
    return frozenset(kinds)
