"""The evaluator: one event and a compiled policy in, a Decision (and optionally a trace) out.

Hot path. Nothing is parsed or looked up by name here that the loader could have done:
rules come in dependency order per kind, conditions are compiled functions, the event's
fields are read by a generated extractor.

How slots resolve: a value (or the approval chain) may be set by several rules. Every
rule that applies offers its candidate; a candidate whose rule is named in the
`exception_to` of another applying candidate gives way (lex specialis: the specific rule
over the general one). One candidate left, or several that agree: that is the value. Several
that disagree, or an expression that cannot be computed on this event: the value stays
undetermined and the decision refers the case to the pack's authority (policy.yaml
`authority`), never guessing; a pack without one leaves the case undetermined.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from pydantic import ValidationError

from ..errors import EventError
from ..model.citation import Cite
from ..model.decision import (
    Alternative,
    ApprovalOutcome,
    Citation,
    Decision,
    LegalNote,
    Obligation,
    Penalty,
    Range,
    Text,
    ValueInForce,
    Violation,
)
from ..model.events import ApprovalRecord, EventBase, flag_message
from ..model.jsonread import shown
from ..model.money import CENT, round_money
from .approvals import Chain, Step, judge, same_steps
from .asof import due_instant, judgement_time, recorded_until
from .codegen import generate
from .compiled import (
    UNDETERMINED_CODE,
    Amounts,
    Authority,
    CompiledObligation,
    CompiledOutcome,
    CompiledPolicy,
    CompiledRow,
    CompiledRule,
    CompiledTable,
    DatedValue,
    PenaltyRule,
    ValueSource,
    undecided,
)
from .eventkinds import EventKinds
from .expected import expected
from .expressions import Expression
from .legal_notes import capped, notes_for
from .trace import Fact, RuleTrace

NOT_IN_FORCE = "policy_not_in_force"
# What a rule's code may raise on one event: the rule cannot be evaluated, the event is referred.
RULE_FAILURES = (TypeError, ArithmeticError, ValueError)
UNDETERMINED = object()
_NO_NAMES: frozenset[str] = frozenset()
NO_ROW = Text.assemble(zh="表中没有适用的行", en="no row of the table matches")  # not validated at import
# The sets of clauses decisions cite are few (bounded by the policy); a cap keeps a
# long-running service's cache bounded whatever the events.
CITATION_SETS_KEPT = 4096
# Approval step outcomes by (step, role, person) or (step, why open): as many as people and
# reasons; bounded like the others all the same.
APPROVALS_KEPT = 4096
PENALTIES_KEPT = 4096  # penalties by (breach, salary): as many as a company has salary levels


@dataclass(slots=True)
class _Candidate:
    rule: CompiledRule
    value: Any
    dated: ValueInForce | None = None  # the dated value it took, if the rule's value is dated


class _State:
    """What one evaluation has found so far; a plain slotted class, made once per event."""

    __slots__ = (
        "acted",
        "applied",
        "approvals",
        "as_of",
        "authority",
        "by_rule",
        "candidates",
        "chain",
        "cites",
        "direct",
        "displaced",
        "event",
        "in_force",
        "ns",
        "obligations",
        "prevailed",
        "settled",
        "silences",
        "trace",
        "violations",
    )  # fmt: skip

    def __init__(
        self,
        ns: dict[str, Any],
        trace: list[RuleTrace] | None = None,
        event: EventBase | None = None,
        direct: frozenset[str] = frozenset(),
        as_of: dt.datetime | None = None,
        authority: Authority | None = None,
    ) -> None:
        self.ns = ns
        self.authority = authority  # who decides what the rules leave open; None: nobody
        # The judgement time as given; deadlines are compared with it, raised to what the event
        # itself records (`_due`).
        self.as_of = as_of
        self.candidates: dict[str, list[_Candidate]] = {}
        self.settled: set[str] = set()
        self.chain: Chain | None = None
        self.applied: list[str] = []
        # Rules whose offered values all gave way to an exception, and that did nothing else:
        # they were considered, not applied, and `decision.rules` leaves them out.
        self.displaced: set[str] = set()
        self.prevailed: set[str] = set()
        self.acted: set[str] = set()
        # Keyed by (article, item): hashing two ints beats hashing a pydantic model on this path.
        self.cites: dict[tuple[int, int | None], Cite] = {}
        # Values only one rule of the kind can set: nothing to resolve, written straight in.
        self.direct = direct
        self.obligations: list[Obligation] = []
        self.violations: list[Violation] = []
        self.approvals: list[ApprovalOutcome] = []
        self.trace = trace
        # Cases the regulation is silent on: open until the authority has approved the event.
        self.silences: list[Obligation] = []
        self.by_rule: dict[str, RuleTrace] = {}
        self.event = event  # read by approval steps with a deadline (`by_end_of`)
        self.in_force: list[ValueInForce] = []  # the dated values taken, for the decision


def parse_event(policy: CompiledPolicy, event: dict[str, Any] | EventBase) -> EventBase:
    """`event` read as one of the policy's kinds; raises EventError naming every bad field."""
    # A plain dict, the usual case, told first: `isinstance` of a model class is an ABC's check.
    if type(event) is not dict:
        if isinstance(event, EventBase):
            return event
        if not isinstance(event, dict):
            raise EventError([("$", f"an event is a JSON object, not {type(event).__name__}")])
    try:
        parsed: EventBase = policy.events.read(event)
    except Exception as error:  # pydantic's ValidationError, re-said with field paths
        raise event_error(policy.events, error, event) from None
    return parsed


def event_error(events: EventKinds, error: Any, event: dict[str, Any]) -> EventError:
    """pydantic's `error` about `event` as an EventError: each problem's path and message."""
    if not isinstance(error, ValidationError):  # a defect of a validator: said, never a traceback
        return EventError([("$", f"cannot be read: {type(error).__name__}: {shown(str(error))}")])
    problems: list[tuple[str, str]] = []
    for problem in error.errors(include_url=False):
        loc = _field_loc(problem["loc"], events.model_names)
        path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
        kind = problem["type"]
        if kind == "union_tag_invalid":
            given = shown(str(event.get("kind")))
            message = f"unknown kind `{given}`; kinds: " + ", ".join(f"`{k}`" for k in events.kinds)
            path = "$.kind"
        elif kind == "union_tag_not_found":
            message, path = "missing `kind`", "$.kind"
        elif kind == "extra_forbidden":
            message = "unknown field"
        elif kind == "bool_type":  # a `Flag` (a boolean field) refused something else
            text = flag_message(problem["input"])
            message = text[:1].lower() + text[1:]
        elif kind == "missing":
            wanted = expected(events, str(event.get("kind")), loc)
            message = f"missing field: expected {wanted}" if wanted else "missing field"
        else:
            text = str(problem["msg"]).removeprefix("Value error, ")
            message = text[:1].lower() + text[1:]
            if kind == "literal_error" and "input" in problem:
                message = f"`{shown(str(problem['input']))}` is not allowed: {message}"
        problems.append((path, message))
    return EventError(problems or [("$", str(error))])


def _field_loc(loc: tuple[Any, ...], kinds: frozenset[str]) -> tuple[Any, ...]:
    """A problem's place without the union's tag in front: only the first step names the kind
    (a field may be named like a kind)."""
    return loc[1:] if loc and loc[0] in kinds else loc


def evaluate(
    policy: CompiledPolicy,
    event: dict[str, Any] | EventBase,
    trace: list[RuleTrace] | None = None,
    as_of: str | dt.date | dt.datetime | None = None,
) -> Decision:
    parsed, kind, day, state = _run_plan(policy, event, trace, as_of)
    values, verdict = _conclude(policy, kind, state)
    return _decision(policy, parsed, kind, day, state, values, verdict)


class Outcome(NamedTuple):
    """A decision's verdict and the parts an audit's findings are made of, and nothing else.

    `outcome` runs the very evaluation `evaluate` runs, and skips only what no finding shows:
    the penalties, the citations with their text, the values and the list of rules.
    """

    event_id: str
    kind: str
    verdict: str
    approvals: list[ApprovalOutcome]
    obligations: list[Obligation]
    violations: list[Violation]
    notes: tuple[str, ...] = ()  # the ids of the legal notes shown beside the decision

    @classmethod
    def of(cls, decision: Decision) -> Outcome:
        return cls(
            decision.event_id,
            decision.kind,
            decision.verdict,
            decision.approvals,
            decision.obligations,
            decision.violations,
            tuple(n.id for n in decision.legal_notes),
        )


def outcome(
    policy: CompiledPolicy,
    event: dict[str, Any] | EventBase,
    as_of: str | dt.date | dt.datetime | None = None,
) -> Outcome:
    """The verdict, approvals, obligations and violations `evaluate` would decide for `event`."""
    parsed, kind, day, state = _run_plan(policy, event, None, as_of)
    _, verdict = _conclude(policy, kind, state)
    notes: tuple[str, ...] = ()
    deductions = bool(state.violations) and any(
        policy.penalties[v.code].months is not None for v in state.violations
    )
    if deductions or kind in policy.event_notes:
        found = notes_for(policy.notes_by_kind.get(kind, ()), day, state.ns, deductions)
        notes = tuple(note.id for note, _ in found)
    return Outcome(parsed.id, kind, verdict, state.approvals, state.obligations, state.violations, notes)


def _run_plan(
    policy: CompiledPolicy,
    event: dict[str, Any] | EventBase,
    trace: list[RuleTrace] | None,
    as_of: str | dt.date | dt.datetime | None = None,
) -> tuple[EventBase, str, dt.date, _State]:
    """Every rule of the event's kind in plan order, every offered value settled."""
    when = judgement_time(as_of) if as_of is not None else None
    parsed = parse_event(policy, event)
    kind: str = parsed.kind  # type: ignore[attr-defined]
    extract = policy.extractors.get(kind)
    ns = extract(parsed) if extract is not None else {}
    day = parsed.date if parsed.date is not None else parsed.event_date
    ns["event_date"] = day
    # Positional: keywords cost more than the rest of the call on this path.
    state = _State(ns, trace, parsed, policy.direct_values.get(kind, _NO_NAMES), when, policy.authority)
    if policy.in_force is not None and day < policy.in_force[0]:
        _before_in_force(state, day, *policy.in_force)
        return parsed, kind, day, state
    if trace is None and not policy.interpreted:
        runner = policy.runners.get(kind) or _generated(policy, kind)
        runner(state, day)
    else:
        settled = state.settled
        for rule, dated, reads in policy.steps.get(kind, ()):
            if dated and not rule.in_force(day):
                _note(state, rule, "not_in_force")
                continue
            for name in reads:
                if name not in settled:
                    _settle(policy, state, name)
            _run(state, rule, reads)
        for name in list(state.candidates):
            _settle(policy, state, name)
    if state.in_force:  # a value a later failure of its rule made undetermined was not taken
        state.in_force = [
            e
            for e in state.in_force
            if e.row is not None or state.ns.get(e.name, UNDETERMINED) is not UNDETERMINED
        ]
    return parsed, kind, day, state


def generate_plans(policy: CompiledPolicy) -> None:
    """Every kind's plan as generated code, made now rather than on the kind's first event."""
    for kind in policy.plans:
        if kind not in policy.runners:
            _generated(policy, kind)


def _generated(policy: CompiledPolicy, kind: str) -> Callable[..., None]:
    """The kind's plan as generated code, made once (two threads at once make it twice, alike)."""
    runner = policy.runners[kind] = generate(policy, kind, _HELPERS)
    return runner


def _before_in_force(state: _State, day: dt.date, first_day: dt.date, cite: Cite) -> None:
    """An event dated before the policy's first day is not judged under it: no rule runs."""
    _cite(state, cite)
    state.obligations.append(
        Obligation.assemble(
            code=NOT_IN_FORCE,
            message=f"事件日期 {day.isoformat()} 早于本规定生效之日 {first_day.isoformat()}"
            f"（{cite.label}），不按本规定评判",
            message_en=f"the event is dated {day.isoformat()}, before this policy took effect on "
            f"{first_day.isoformat()} ({cite.label}); it is not judged under this policy",
            cite=cite,
        )
    )


def _deadlines(chain: Chain, event: EventBase | None) -> dict[int, dt.date]:
    found: dict[int, dt.date] = {}
    if event is None:
        return found
    for i in chain.timed:
        stamp = getattr(event, chain.steps[i].by_end_of)  # type: ignore[arg-type]
        found[i] = stamp.date() if isinstance(stamp, dt.datetime) else stamp
    return found


def _note(state: _State, rule: CompiledRule, status: str, **extra: Any) -> RuleTrace | None:
    if state.trace is None:
        return None
    node = RuleTrace(rule.id, rule.cite, rule.title, status, **extra)
    state.trace.append(node)
    state.by_rule[rule.id] = node
    return node


def _run(state: _State, rule: CompiledRule, reads: tuple[str, ...]) -> None:
    ns = state.ns
    missing = [n for n in reads if ns.get(n) is UNDETERMINED] if reads else None
    if missing:
        _note(
            state,
            rule,
            "skipped",
            detail=Text(
                zh="所需的值未能确定：" + "、".join(sorted(missing)),
                en="needs values that are not determined: " + ", ".join(sorted(missing)),
            ),
        )
        return
    try:
        if rule.table is not None:
            _run_table(state, rule)
            return
        holds = True if rule.when is None else bool(rule.when.fn(ns))
        chosen = rule.then if holds else rule.else_
        node = None
        if state.trace is not None:
            node = _note(
                state,
                rule,
                "applied" if holds else "not_applied",
                facts=_facts(rule.when, ns) if rule.when is not None else [],
            )
        if chosen is not None:
            _apply(state, rule, chosen, node)
    except RULE_FAILURES as error:
        _cannot_evaluate(state, rule, error)


def _run_table(state: _State, rule: CompiledRule) -> None:
    table = rule.table
    assert table is not None
    ns = state.ns
    if table.dated:
        matches = _dated_matches(table, ns)
    else:
        matches = [row for row in table.rows if row.condition.fn(ns)]
    if table.hit == "first":
        matches = matches[:1]
    facts = _facts_of_inputs(table.inputs, ns) if state.trace is not None else []
    if len(matches) > 1:
        rows = ", ".join(str(m.index + 1) for m in matches)
        _note(
            state,
            rule,
            "error",
            facts=facts,
            detail=Text(zh=f"表中第 {rows} 行同时适用，结论不唯一", en=f"rows {rows} of the table all match"),
        )
        _refer(
            state,
            rule,
            Text(
                zh=f"规则 {rule.id} 的第 {rows} 行同时适用",
                en=f"rows {rows} of rule {rule.id} all match this event",
            ),
        )
        for name in table.outputs:
            _offer(state, rule, name, UNDETERMINED)
        return
    if not matches:
        node = _note(
            state,
            rule,
            "not_applied",
            facts=facts,
            detail=NO_ROW,
        )
        _silent(state, rule, table.outputs, node)
        return
    row = matches[0]
    node = _note(state, rule, "applied", facts=facts, row=row.index + 1)
    if row.periods:
        _dated_row(state, row, node)
    _cite(state, row.cite)
    _apply(state, rule, row.then, node, cite=row.cite)
    unset = [name for name in table.outputs if name not in row.then.slots]
    if unset:
        _silent(state, rule, tuple(unset), node)


def _dated_matches(table: CompiledTable, ns: dict[str, Any]) -> list[CompiledRow]:
    """The rows matching the event when some rows' conditions change on dates: each row's
    condition in force on the event's date (none before a dated cell's first day)."""
    day = ns["event_date"]
    matches = []
    for row in table.rows:
        if row.periods:
            period = row.period_on(day)
            condition = period.condition if period is not None else None
        else:
            condition = row.condition
        if condition is not None and condition.fn(ns):
            matches.append(row)
    return matches


def _dated_row(state: _State, row: CompiledRow, node: RuleTrace | None) -> None:
    """The dated cells of the row that matched, named in the decision and the trace."""
    period = row.period_on(state.ns["event_date"])
    assert period is not None  # it matched
    state.in_force += period.entries
    if node is not None:
        for entry in period.entries:
            node.dated[f"when {entry.name}"] = entry


def _silent(
    state: _State, rule: CompiledRule, names: tuple[str, ...] | list[str], node: RuleTrace | None
) -> None:
    """The regulation says nothing here: say so, and send it to the authority (if any)."""
    authority = state.authority
    label = authority.cite.label if authority is not None else None
    found = _silence(authority, label, rule.cite, rule.cite.label, tuple(names))
    state.silences.append(found)
    _cite(state, found.cite)
    if node is not None:
        listed = ", ".join(f"`{n}`" for n in names)
        node.detail = Text(zh=f"本条未规定 {listed}", en=f"the article is silent on {listed}")


@functools.lru_cache(maxsize=1024)
def _silence(
    authority: Authority | None, _label: str | None, cite: Cite, label: str, names: tuple[str, ...]
) -> Obligation:
    """What a silence says, by authority, clause and values: the same few entries, made once each.

    A cite compares by its numbers only; the labels are in the key too, since packs number
    their clauses differently.
    """
    del label
    listed = ", ".join(f"`{n}`" for n in names)
    problem = Text(
        zh=f"{cite.label}对本事项的 {listed} 未作规定", en=f"{cite.label} states no {listed} for this case"
    )
    return _open_case(authority, problem, cite, must=False, cited=True)


def _open_case(
    authority: Authority | None, problem: Text, cite: Cite, must: bool = True, cited: bool = False
) -> Obligation:
    """A case the rules leave open: referred to the authority, or, with none, left undetermined
    under the clause of the rule concerned (`cite`)."""
    if authority is None:
        text = undecided(problem)
        return Obligation.assemble(code=UNDETERMINED_CODE, message=text.zh, message_en=text.en, cite=cite)
    text = authority.decides(problem, must, cited)
    return Obligation.assemble(code=authority.code, message=text.zh, message_en=text.en, cite=authority.cite)


def _refer(state: _State, rule: CompiledRule, problem: Text) -> None:
    found = _open_case(state.authority, problem, rule.cite)
    _cite(state, found.cite)
    state.obligations.append(found)
    if rule.id not in state.applied:
        state.applied.append(rule.id)


def _cannot_evaluate(state: _State, rule: CompiledRule, error: Exception) -> None:
    _note(state, rule, "error", detail=Text(zh=f"无法计算：{error}", en=f"cannot be evaluated: {error}"))
    for name in rule.sets:
        if name in state.direct:
            state.ns[name] = UNDETERMINED  # may have been written before the error
            state.settled.add(name)
        else:
            _offer(state, rule, name, UNDETERMINED)
    _refer(
        state,
        rule,
        Text(
            zh=f"规则 {rule.id} 无法对本事件求值（{error}）",
            en=f"rule {rule.id} cannot be evaluated on this event ({error})",
        ),
    )


def _apply(
    state: _State,
    rule: CompiledRule,
    outcome: CompiledOutcome,
    node: RuleTrace | None,
    cite: Cite | None = None,
) -> None:
    ns = state.ns
    state.applied.append(rule.id)
    cite = cite or rule.cite
    state.cites[cite.article, cite.item] = cite
    for name, source in outcome.values:
        dated = None
        if isinstance(source, Expression):
            value = source.fn(ns)
        elif isinstance(source, DatedValue):
            i = source.index_on(ns["event_date"])
            if i < 0:
                value = _before_dated(state, rule, name, source, node)
            else:
                dated = source.entries[i]
                value = _value(source.sources[i], ns)
                if node is not None:
                    node.dated[name] = dated
        else:
            value = source
        if name in state.direct:
            ns[name] = value
            state.settled.add(name)
            state.prevailed.add(rule.id)
            if dated is not None:
                state.in_force.append(dated)
        else:
            _offer(state, rule, name, value, dated)
        if node is not None:
            node.sets[name] = _show(value)
    if outcome.approvals is not None:
        _offer(state, rule, "approvals", outcome.approvals)
        if node is not None:
            node.sets["approvals"] = _show(outcome.approvals)
    if outcome.obligations or outcome.violations or not (outcome.values or outcome.approvals):
        state.acted.add(rule.id)
    for ob in outcome.obligations:
        met = bool(ob.unless.fn(ns)) if ob.unless is not None else False
        if met:
            if node is not None:
                node.sets[f"obligation {ob.code}"] = "met"
        elif ob.deadline is not None:
            _due(state, ob, node)
        else:
            _open(state, ob, node)
    for v in outcome.violations:
        _cite(state, v.cite)
        _add_violation(state.violations, v.found)
        if node is not None:
            node.sets[f"violation {v.code}"] = "yes"


def _add_violation(found: list[Violation], violation: Violation) -> None:
    """One breach, one violation: a second finding of the same code under the same clause
    joins its message to the first rather than counting the breach twice."""
    for i, held in enumerate(found):
        if held.code == violation.code and held.cite == violation.cite:
            if violation.message_en not in held.message_en:
                found[i] = Violation.assemble(
                    code=held.code,
                    message=f"{held.message}；{violation.message}",
                    message_en=f"{held.message_en}; {violation.message_en}",
                    cite=held.cite,
                )
            return
    found.append(violation)


def _due(state: _State, ob: CompiledObligation, node: RuleTrace | None) -> None:
    """A duty with a deadline, not met: open before the deadline, overdue from it on."""
    when = ob.deadline.fn(state.ns)  # type: ignore[union-attr]
    if when is None:  # a date the event leaves out: the duty has no deadline on this event
        _open(state, ob, node)
        return
    due = due_instant(when)
    event = state.event
    assert event is not None
    now = recorded_until(event, event.event_date)  # what the event records has happened
    if state.as_of is not None and state.as_of > now:
        now = state.as_of
    if now >= due and ob.overdue:
        if node is not None:
            node.sets[f"obligation {ob.code}"] = (
                f"overdue since {due.isoformat()} (judged as of {now.isoformat()})"
            )
        for v in ob.overdue:
            _cite(state, v.cite)
            _add_violation(state.violations, v.found)
            if node is not None:
                node.sets[f"violation {v.code}"] = "yes"
        return
    shown = f"open, due before {due.isoformat()} (judged as of {now.isoformat()})"
    entry = Obligation.assemble(
        code=ob.code, message=ob.open.message, message_en=ob.open.message_en, cite=ob.cite, deadline=due
    )
    _open(state, ob, node, entry, shown)


def _open(
    state: _State,
    ob: CompiledObligation,
    node: RuleTrace | None,
    entry: Obligation | None = None,
    shown: str = "open",
) -> None:
    """An obligation not met: listed as open (with its deadline, when `entry` carries one)."""
    if node is not None:
        node.sets[f"obligation {ob.code}"] = shown
    _cite(state, ob.cite)
    state.obligations.append(entry if entry is not None else ob.open)


def _value(source: ValueSource, ns: dict[str, Any]) -> Any:
    if isinstance(source, Expression):
        return source.fn(ns)
    return source


def _offer(
    state: _State, rule: CompiledRule, name: str, value: Any, dated: ValueInForce | None = None
) -> None:
    state.candidates.setdefault(name, []).append(_Candidate(rule, value, dated))


def _before_dated(
    state: _State, rule: CompiledRule, name: str, source: DatedValue, node: RuleTrace | None
) -> Any:
    """An event dated before a dated value's first day: no value of it is in force, so none is
    guessed; the case is referred (docs/readings.md, "Dated values")."""
    first, day = source.starts[0].isoformat(), state.ns["event_date"].isoformat()
    if node is not None:
        node.detail = Text(
            zh=f"{name} 自 {first} 起才有规定，事件日期 {day} 在此之前",
            en=f"`{name}` is stated only from {first}; the event is dated {day}, before it",
        )
    _refer(
        state,
        rule,
        Text(
            zh=f"规则 {rule.id} 的 {name} 自 {first} 起才有规定，事件日期 {day} 在此之前",
            en=f"rule {rule.id} states `{name}` only from {first}, and the event is dated {day}",
        ),
    )
    return UNDETERMINED


def _settle(policy: CompiledPolicy, state: _State, name: str) -> None:
    if name == "approvals_satisfied":
        _settle(policy, state, "approvals")
        state.ns[name] = all(a.satisfied for a in state.approvals)
        # The chain is judged once, when `approvals` settles: from now on this holds too.
        state.settled.add(name)
        return
    if name in state.settled:
        return
    state.settled.add(name)
    offered = state.candidates.get(name)
    if offered is None:
        result: Any = UNDETERMINED  # no rule offered a value: none is given
    elif len(offered) == 1:
        # One candidate: nothing can beat it or disagree with it (the usual case).
        state.prevailed.add(offered[0].rule.id)
        result = offered[0].value
        if offered[0].dated is not None and result is not UNDETERMINED:
            state.in_force.append(offered[0].dated)
    else:
        result = _resolve(state, name, offered)
    if name == "approvals":
        state.chain = result if isinstance(result, Chain) else None
        if state.chain is not None:
            _judge(policy, state)
        return
    state.ns[name] = result


def _resolve(state: _State, name: str, offered: list[_Candidate]) -> Any:
    """Several rules offered `name`: exceptions beat the rules they except; the rest must agree."""
    beaten = {c.rule.id for winner in offered for c in offered if c.rule.id in winner.rule.exception_to}
    standing = [c for c in offered if c.rule.id not in beaten]
    state.displaced.update(beaten)
    state.prevailed.update(c.rule.id for c in standing)
    if state.trace is not None:
        for c in offered:
            if c.rule.id in beaten:
                winner = next(w for w in offered if c.rule.id in w.rule.exception_to)
                node = state.by_rule.get(c.rule.id)
                if node is not None:
                    node.overridden_by = winner.rule.id
                    node.sets[name] = f"{node.sets.get(name, '…')} (overridden by {winner.rule.id})"
    values = [c.value for c in standing]
    if offered and not standing:
        # Rules that are each other's exception: neither is the specific one.
        rules = ", ".join(sorted(c.rule.id for c in offered))
        _refer(
            state,
            offered[0].rule,
            Text(
                zh=f"规则 {rules} 互为例外，对 {name} 无法确定",
                en=f"rules {rules} are exceptions to each other on `{name}`",
            ),
        )
    result: Any
    if any(v is UNDETERMINED for v in values) or not values:
        result = UNDETERMINED
    elif all(_same(v, values[0]) for v in values[1:]):
        result = values[0]
        state.in_force += [c.dated for c in standing if c.dated is not None]
    else:
        result = UNDETERMINED
        rules = ", ".join(c.rule.id for c in standing)
        _refer(
            state,
            standing[0].rule,
            Text(zh=f"规则 {rules} 对 {name} 的结论不一致", en=f"rules {rules} disagree on `{name}`"),
        )
    return result


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Chain) and isinstance(b, Chain):
        return same_steps(a, b)
    return bool(a == b) and type(a) is type(b)


def _judge(policy: CompiledPolicy, state: _State) -> None:
    assert state.chain is not None and state.event is not None
    # The records and who may not approve, read only for a kind with an approval chain.
    event = state.event
    kind: str = event.kind  # type: ignore[attr-defined]
    records, excluded = policy.events.records(kind, event), policy.events.excluded(kind, event)
    # Who prepared the event, by the pack's `people.preparer` field of its kind.
    field = policy.events.preparer.get(kind)
    preparer = event.__dict__.get(field) if field is not None else None
    for result in judge(state.chain, records, excluded, _deadlines(state.chain, event), preparer):
        _cite(state, result.step.cite)
        state.approvals.append(_approval(policy, result.step, result.record, result.reason))


def _approval(
    policy: CompiledPolicy, step: Step, record: ApprovalRecord | None, reason: str | None
) -> ApprovalOutcome:
    """A step's outcome, by step, who took it and why not: the same few, made once each (bounded)."""
    # Steps live as long as the policy that holds them and this cache: their ids are stable.
    key = (id(step), record.role, record.by, None) if record is not None else (id(step), None, None, reason)
    found = policy.approval_cache.get(key)
    if found is None:
        note = None
        if reason is not None:
            note = Text.assemble(zh=_reason_zh(reason, step, policy), en=reason)
        found = ApprovalOutcome.assemble(
            # A step any of several roles may take shows the role that took it.
            role=record.role if record is not None else step.role,
            action=step.action,
            satisfied=record is not None,
            cite=step.cite,
            by=record.by if record is not None else None,
            note=note,
        )
        # A step with a deadline says when a late record was made: that outcome is the event's own.
        if (record is not None or step.by_end_of is None) and len(policy.approval_cache) < APPROVALS_KEPT:
            policy.approval_cache[key] = found
    return found


def _reason_zh(reason: str, step: Step, policy: CompiledPolicy) -> str:
    names = [policy.roles[r].zh if r in policy.roles else r for r in step.takers]
    name = names[0]
    if reason.startswith("no approval record"):
        return f"没有{'或'.join(names)}的审批记录"
    if "after the deadline" in reason:
        return f"审批记录晚于期限（{reason.rsplit(' ', 1)[-1]} 当日结束前）"
    if reason.startswith("only a consent"):
        return "只有口头同意记录，此步须签字"
    if "may not approve" in reason:
        return "经办人或被评判人不得审批本人的事项"
    if "who prepared the event" in reason:
        return f"须由填制人本人（{reason.split('`')[1]}）以{'或'.join(names)}身份签字"
    if "names no preparer" in reason:
        return "事项未写明填制人，此步无人可签"
    if reason.startswith("an earlier step"):
        return "前一审批步骤尚未完成"
    return f"{name}的审批早于前一审批步骤"


Verdict = Literal["pass", "pending", "fail"]


def _conclude(policy: CompiledPolicy, kind: str, state: _State) -> tuple[dict[str, Any], Verdict]:
    """The values given (a value not in whole 分 is referred instead) and the verdict."""
    values: dict[str, Any] = {}
    ns, settled = state.ns, state.settled
    for name, info in policy.kind_values.get(kind, ()):
        value = ns.get(name, UNDETERMINED)
        if value is UNDETERMINED or value is None or name not in settled:
            continue  # undetermined (referred) or stated as none: no figure is given
        if info.type in ("money", "ratio"):
            exact = (value if isinstance(value, Decimal) else Decimal(value)).quantize(CENT)
            if exact != value:
                _refer_inexact(policy, kind, state, name, value)
                continue
            value = exact
        values[name] = value
    if state.silences:
        authority = state.authority
        if authority is None or not any(a.satisfied and a.role == authority.role for a in state.approvals):
            state.obligations.extend(state.silences)
    if state.violations:
        return values, "fail"
    if state.obligations:
        return values, "pending"
    for a in state.approvals:
        if not a.satisfied:
            return values, "pending"
    return values, "pass"


def _decision(
    policy: CompiledPolicy,
    event: EventBase,
    kind: str,
    day: dt.date,
    state: _State,
    values: dict[str, Any],
    verdict: Verdict,
) -> Decision:
    penalties: list[Penalty] = []
    if state.violations or policy.reward_codes:
        # One sanction per kind of breach: two rules finding the same breach do not double it.
        codes = dict.fromkeys(v.code for v in state.violations)
        if policy.reward_codes:  # a reward the pack grants while its obligation is open
            codes.update(dict.fromkeys(o.code for o in state.obligations if o.code in policy.reward_codes))
        if codes:
            penalties = [_penalty(policy, code, event, values) for code in codes]
            for p in penalties:
                _cite(state, p.cite)
    legal: list[LegalNote] = []
    if penalties or kind in policy.event_notes:
        penalties, legal = _legal_notes(policy, kind, day, state, event, penalties)
    # Every field, in the model's order (a dump follows this order).
    return Decision.assemble_from(
        {
            "event_id": event.id,
            "kind": kind,
            "policy": policy.ref_on(day) if policy.versions else policy.ref,
            "verdict": verdict,
            "values": values,
            "approvals": state.approvals,
            "obligations": state.obligations,
            "violations": state.violations,
            "penalties": penalties,
            "citations": _citations(policy, state.cites),
            "rules": list(state.applied) if not state.displaced else _rules(state),
            "legal_notes": legal,
            "as_of": state.as_of,
            "values_in_force": state.in_force,
        }
    )


def _rules(state: _State) -> list[str]:
    """The rules that applied, less those displaced by an exception that did nothing else."""
    displaced = state.displaced
    return [r for r in state.applied if r not in displaced or r in state.prevailed or r in state.acted]


def _legal_notes(
    policy: CompiledPolicy, kind: str, day: dt.date, state: _State, event: EventBase, penalties: list[Penalty]
) -> tuple[list[Penalty], list[LegalNote]]:
    """The notes of national law beside the decision; a deduction cap shown on each penalty."""
    deductions = any(p.deduction_months is not None for p in penalties)
    if not deductions and kind not in policy.event_notes:
        return penalties, []
    found = notes_for(policy.notes_by_kind.get(kind, ()), day, state.ns, deductions)
    caps = [note.deduction_cap for note, _ in found if note.deduction_cap is not None]
    salary = policy.events.salary_of(kind, event)
    if caps and salary is not None:
        penalties = [_capped(policy, p, salary, min(caps)) for p in penalties]
    return penalties, [note.entry(figures) for note, figures in found]


def _capped(policy: CompiledPolicy, penalty: Penalty, salary: Decimal, cap: Decimal) -> Penalty:
    """The penalty with its monthly cap: made once per breach, salary as written and cap."""
    key = (penalty.for_, str(salary), cap)
    found = policy.capped_cache.get(key)
    if found is None:
        found = capped(penalty, salary, cap)
        if len(policy.capped_cache) < PENALTIES_KEPT:
            policy.capped_cache[key] = found
    return found


def _refer_inexact(policy: CompiledPolicy, kind: str, state: _State, name: str, value: Any) -> None:
    # Without an authority, the clause of the rule that set the value (found only on this rare path).
    setter = next((r for r in policy.plans.get(kind, ()) if name in r.sets and r.id in state.applied), None)
    found = _open_case(
        state.authority,
        Text(
            zh=f"{name} = {value} 不是整分数，政策须用 round_money 取整",
            en=f"`{name}` = {value} is not a whole number of 分 (the policy must use round_money)",
        ),
        (setter or next(r for r in policy.plans[kind] if name in r.sets)).cite,
        must=False,
    )
    _cite(state, found.cite)
    state.obligations.append(found)


def _cite(state: _State, cite: Cite) -> None:
    state.cites[cite.article, cite.item] = cite


def _cite_key(cite: Cite) -> tuple[int, int]:
    return (cite.article, cite.item or 0)


def _citations(policy: CompiledPolicy, cites: dict[tuple[int, int | None], Cite]) -> list[Citation]:
    """The decision's citations in article order; the same set of clauses is sorted once per policy."""
    key = frozenset(cites)
    cached = policy.citation_lists.get(key)
    if cached is None:
        cached = tuple(_citation(policy, c) for c in sorted(cites.values(), key=_cite_key))
        if len(policy.citation_lists) < CITATION_SETS_KEPT:
            policy.citation_lists[key] = cached
    return list(cached)  # a list of its own: a caller may append to one decision's list


def _citation(policy: CompiledPolicy, cite: Cite) -> Citation:
    cached = policy.citation_cache.get(cite)
    if cached is None:
        cached = policy.citation_cache[cite] = _build_citation(policy, cite)
    return cached


def _build_citation(policy: CompiledPolicy, cite: Cite) -> Citation:
    article = policy.catalogue.article(cite.article)
    assert article is not None  # the loader checked every citation against the catalogue
    text, text_en = article.zh, article.en
    if cite.item is not None:
        item = article.item_of(cite.item)
        assert item is not None
        text, text_en = f"{article.zh}{item.label}{item.zh}", f"{article.en} ({cite.item}) {item.en}"
    return Citation.model_construct(
        article=cite.article, item=cite.item, label=cite.label, text=text, text_en=text_en
    )


def _penalty(policy: CompiledPolicy, code: str, event: EventBase, values: dict[str, Any]) -> Penalty:
    salary = policy.events.salary_of(event.kind, event)  # type: ignore[attr-defined]
    rule = policy.penalties[code]
    # The same breach by people of the same salary draws the same (frozen) penalty: made once.
    # The salary as written is part of the key: 3200 and 3200.00 are equal, but their amounts
    # are written differently (6400 vs 6400.00). A bonus that is a share of a value adds it.
    key: tuple[str, ...] = (code, "" if salary is None else str(salary))
    if rule.shares:
        key += tuple(str(values.get(name)) for name in rule.shares)
    penalty = policy.penalty_cache.get(key)
    if penalty is None:
        penalty = _new_penalty(rule, salary, values)
        if len(policy.penalty_cache) < PENALTIES_KEPT:
            policy.penalty_cache[key] = penalty
    return penalty


def _new_penalty(rule: PenaltyRule, salary: Decimal | None, values: dict[str, Any]) -> Penalty:
    alternatives = None
    if rule.alternatives:
        alternatives = [Alternative.assemble(**_amounts(a, salary, values)) for a in rule.alternatives]
    own = _amounts(
        Amounts(rule.sanction, rule.months, rule.fine, rule.bonus, rule.bonus_ratio, rule.bonus_of),
        salary,
        values,
    )
    # In the order of the model's fields: a dump lists them in the order they are given here.
    return Penalty.assemble(
        sanction=own.pop("sanction"),
        for_=rule.code,
        deduction_months=own.pop("deduction_months"),
        deduction_amount=own.pop("deduction_amount"),
        cite=rule.cite,
        requires_determination=rule.requires_determination,
        deduction_cap_per_month=None,
        months_to_recover=None,
        **own,
        alternatives=alternatives,
    )


def _amounts(amounts: Amounts, salary: Decimal | None, values: dict[str, Any]) -> dict[str, Any]:
    """A sanction's amounts as a decision shows them: exact, a ratio rounded to 0.01 half-up."""
    months = deduction = bonus_amount = None
    if amounts.months is not None:
        low, high = amounts.months
        months = Range.assemble(min=low, max=high)
        if salary is not None:
            deduction = Range.assemble(min=salary * low, max=salary * high)
    if amounts.bonus_of is not None and amounts.bonus_ratio is not None:
        base = values.get(amounts.bonus_of)
        if isinstance(base, Decimal):
            bonus_amount = round_money(base * amounts.bonus_ratio)
    return {
        "sanction": amounts.sanction,
        "deduction_months": months,
        "deduction_amount": deduction,
        "fine_yuan": _range(amounts.fine),
        "bonus_yuan": _range(amounts.bonus),
        "bonus_ratio": amounts.bonus_ratio,
        "bonus_of": amounts.bonus_of,
        "bonus_amount": bonus_amount,
    }


def _range(bounds: tuple[Decimal, Decimal] | None) -> Range | None:
    return None if bounds is None else Range.assemble(min=bounds[0], max=bounds[1])


def _facts(expression: Expression, ns: dict[str, Any]) -> list[Fact]:
    facts = []
    for atom in expression.atoms:
        try:
            result = bool(atom.fn(ns))
            operands = tuple((label, _show(fn(ns))) for label, fn in atom.operands)
        except (TypeError, ArithmeticError, ValueError):
            result, operands = None, ()
        facts.append(Fact(atom.text, operands, result))
    return facts


def _facts_of_inputs(inputs: tuple[str, ...], ns: dict[str, Any]) -> list[Fact]:
    return [Fact(name, ((name, _show(ns.get(name))),), None) for name in inputs]


def _show(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value.quantize(CENT)) if value.as_tuple().exponent >= -2 else str(value)  # type: ignore[operator]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is UNDETERMINED:
        return "undetermined"
    if value is None:
        return "none"
    if isinstance(value, Chain):
        return " → ".join(f"{s.role} ({s.action})" for s in value.steps)
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


# The interpreter's functions the generated plans call (core/codegen.py): one copy of each rule
# of resolution, judgement and wording, whichever way a plan runs.
_HELPERS: dict[str, Any] = {
    "settle": _settle,
    "offer": _offer,
    "due": _due,
    "add_violation": _add_violation,
    "silent": _silent,
    "run_table": _run_table,
    "cannot_evaluate": _cannot_evaluate,
    "apply": _apply,
    "UNDETERMINED": UNDETERMINED,
    "FAILURES": RULE_FAILURES,
}
