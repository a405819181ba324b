"""Per event kind, a generated Python function that runs the kind's rules in plan order.

The interpreter (`evaluator._run_plan`) walks a kind's plan rule by rule and asks of each,
on every event, what the loader already knows: is it dated, is it a table, which values
does it set alone, which obligations has it, which cite goes with it. Here those answers
are taken once, when the kind is first decided, and written out as straight-line code, as
fastjsonschema does for a schema: one `if` per rule on its compiled condition, then the
rule's own effects, each a plain statement.

Safety: the source is built only from the compiled policy's structure. Every object of
the policy (rule, condition function, value name, cite, violation) enters the generated
module as a constant bound under a generated name (`_k12`); no string an editor wrote is
ever written into the source. Conditions and values are the functions the one expression
compiler made from the checked trees (core/expressions.py): nothing is parsed here.

No second copy of semantics: what is rare or intricate (resolving several candidates of a
value, exceptions, the approval chain, deadlines, a table with no or several matching
rows, a rule that cannot be computed) calls the very functions the interpreter uses,
handed in as `helpers` by the evaluator (this module imports nothing of it). The generated
code is never used for a trace: `explain` runs the interpreter, which stays the reference;
tests/test_codegen.py checks that both make the same decision on every kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .compiled import CompiledOutcome, CompiledPolicy, CompiledRule
from .expressions import Expression

Runner = Callable[..., None]
# The state's parts a generated body may read as locals.
_STATE_LOCALS = (
    "ns",
    "settled",
    "applied",
    "cites",
    "candidates",
    "prevailed",
    "acted",
    "violations",
    "obligations",
)


class _Module:
    """The source being written and the constants it names."""

    def __init__(self, helpers: Mapping[str, Any]) -> None:
        self.lines: list[str] = []
        # No builtins but the few the generated code itself calls.
        self.bound: dict[str, Any] = {"__builtins__": {}, "bool": bool, "list": list, "map": map, "sum": sum}
        self.bound.update(helpers)
        self._names: dict[int, str] = {}
        self.excepted: frozenset[str] = frozenset()

    def const(self, value: Any) -> str:
        """A generated name bound to `value` (the same object always gets the same name)."""
        name = self._names.get(id(value))
        if name is None or self.bound[name] is not value:
            name = f"_k{len(self._names)}"
            self._names[id(value)] = name
            self.bound[name] = value
        return name

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)


def generate(policy: CompiledPolicy, kind: str, helpers: Mapping[str, Any]) -> Runner:
    """`run(state, day)`: the plan of `kind` run on one event's state.

    `helpers` holds the interpreter's functions the generated code calls by name: `settle`,
    `offer`, `due`, `add_violation`, `silent`, `run_table`, `cannot_evaluate`, `apply`,
    and `UNDETERMINED` and `FAILURES` (what a rule's code may raise on one event).
    """
    m = _Module(helpers)
    direct = policy.direct_values.get(kind, frozenset())
    # Only a rule some exception names can be displaced; whether such a rule prevailed or
    # acted is all `prevailed` and `acted` are read for (`evaluator._rules`).
    m.excepted = frozenset().union(*(rule.exception_to for rule in policy.rules))
    for rule, dated, reads in policy.steps.get(kind, ()):
        _step(m, rule, dated, reads, direct)
    m.line(1, "if candidates:")
    m.line(2, "for name in list(candidates):")
    m.line(3, "settle(policy, state, name)")
    body = "\n".join(m.lines)
    # The parts of the state the body uses, read once into locals; no other is read.
    used = set(re.findall(r"\b[a-z]+\b", body))
    head = ["def run(state, day):"]
    head += [f"    {local} = state.{local}" for local in _STATE_LOCALS if local in used]
    if "policy" in used:
        head.append(f"    policy = {m.const(policy)}")
    source = "\n".join(head) + "\n" + body + "\n"
    exec(compile(source, f"<plan of {kind!r}>", "exec"), m.bound)  # noqa: S102 -- see the module docstring
    run: Runner = m.bound["run"]
    run.__doc__ = source  # what was generated, for whoever debugs it
    return run


def _step(
    m: _Module, rule: CompiledRule, dated: bool, reads: tuple[str, ...], direct: frozenset[str]
) -> None:
    depth = 1
    if dated:
        # Not in force on the event's day: the rule is passed over, nothing settled for it.
        m.line(depth, f"if {m.const(rule.in_force)}(day):")
        depth += 1
    for name in reads:
        n = m.const(name)
        m.line(depth, f"if {n} not in settled:")
        m.line(depth + 1, f"settle(policy, state, {n})")
    if reads:
        # A value it reads is undetermined: the rule is skipped (the trace says so; nothing else).
        known = " and ".join(f"ns.get({m.const(n)}) is not UNDETERMINED" for n in reads)
        m.line(depth, f"if {known}:")
        depth += 1
    m.line(depth, "try:")
    if rule.table is not None and rule.table.dated:
        # Rows whose conditions change on dates: the interpreter's own table, whole.
        m.line(depth + 1, f"run_table(state, {m.const(rule)})")
    elif rule.table is not None:
        _table(m, rule, depth + 1, direct)
    else:
        _conditional(m, rule, depth + 1, direct)
    m.line(depth, "except FAILURES as error:")
    m.line(depth + 1, f"cannot_evaluate(state, {m.const(rule)}, error)")


def _conditional(m: _Module, rule: CompiledRule, depth: int, direct: frozenset[str]) -> None:
    if rule.when is None:
        if rule.then is not None:
            _apply(m, rule, rule.then, depth, direct, rule.cite)
        else:
            m.line(depth, "pass")
        return
    m.line(depth, f"if {m.const(rule.when.fn)}(ns):")
    if rule.then is not None:
        _apply(m, rule, rule.then, depth + 1, direct, rule.cite)
    else:
        m.line(depth + 1, "pass")
    if rule.else_ is not None:
        m.line(depth, "else:")
        _apply(m, rule, rule.else_, depth + 1, direct, rule.cite)


def _table(m: _Module, rule: CompiledRule, depth: int, direct: frozenset[str]) -> None:
    table = rule.table
    assert table is not None
    # Every row's condition is computed, as the interpreter does: a row that cannot be
    # computed on this event makes the rule fail even when an earlier row matches.
    m.line(depth, "hits = (" + "".join(f"{m.const(row.condition.fn)}(ns), " for row in table.rows) + ")")
    if table.hit == "first":
        m.line(depth, "if False:")
    else:
        m.line(depth, "if sum(map(bool, hits)) != 1:")
    # No row or (unique) several: the interpreter says so, computing the same rows again.
    m.line(depth + 1, f"run_table(state, {m.const(rule)})")
    for i, row in enumerate(table.rows):
        m.line(depth, f"elif hits[{i}]:")
        _apply(m, rule, row.then, depth + 1, direct, row.cite)
        unset = tuple(name for name in table.outputs if name not in row.then.slots)
        if unset:
            m.line(depth + 1, f"silent(state, {m.const(rule)}, {m.const(unset)}, None)")
    if table.hit == "first":
        m.line(depth, "else:")
        m.line(depth + 1, f"run_table(state, {m.const(rule)})")


def _apply(
    m: _Module, rule: CompiledRule, outcome: CompiledOutcome, depth: int, direct: frozenset[str], cite: Any
) -> None:
    """The effects of `outcome`, in the order `evaluator._apply` makes them.

    An outcome with a value of a kind not written out here (anything but an expression or a
    literal) is applied by the interpreter's own `apply`, whole.
    """
    if not all(_plain(source) for _, source in outcome.values):
        m.line(depth, f"apply(state, {m.const(rule)}, {m.const(outcome)}, None, {m.const(cite)})")
        return
    rid = m.const(rule.id)
    marked = rule.id in m.excepted
    m.line(depth, f"applied.append({rid})")
    m.line(depth, f"cites[{m.const((cite.article, cite.item))}] = {m.const(cite)}")
    for name, source in outcome.values:
        value = _value(m, source)
        n = m.const(name)
        if name in direct:
            m.line(depth, f"ns[{n}] = {value}")
            m.line(depth, f"settled.add({n})")
            if marked:
                m.line(depth, f"prevailed.add({rid})")
        else:
            m.line(depth, f"offer(state, {m.const(rule)}, {n}, {value})")
    if outcome.approvals is not None:
        m.line(depth, f"offer(state, {m.const(rule)}, 'approvals', {m.const(outcome.approvals)})")
    if marked and (outcome.obligations or outcome.violations or not (outcome.values or outcome.approvals)):
        m.line(depth, f"acted.add({rid})")
    for ob in outcome.obligations:
        inner = depth
        if ob.unless is not None:
            m.line(depth, f"if not {m.const(ob.unless.fn)}(ns):")
            inner += 1
        if ob.deadline is not None:
            m.line(inner, f"due(state, {m.const(ob)}, None)")
        else:
            m.line(inner, f"cites[{m.const((ob.cite.article, ob.cite.item))}] = {m.const(ob.cite)}")
            m.line(inner, f"obligations.append({m.const(ob.open)})")
    for v in outcome.violations:
        m.line(depth, f"cites[{m.const((v.cite.article, v.cite.item))}] = {m.const(v.cite)}")
        m.line(depth, f"add_violation(violations, {m.const(v.found)})")


def _plain(source: Any) -> bool:
    return isinstance(source, Expression) or source is None or isinstance(source, bool | int | Decimal)


def _value(m: _Module, source: Any) -> str:
    """The code of a plain value: its compiled expression called, a literal as a constant."""
    if isinstance(source, Expression):
        return f"{m.const(source.fn)}(ns)"
    return m.const(source)
