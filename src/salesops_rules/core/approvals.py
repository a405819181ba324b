"""Approval chains as graphs of roles, and the judgement of approval records against them.

A chain is a small DAG: each step names a role and the steps that must come before it.
The loader builds every chain as a graph, refuses cycles and unknown roles, and also
merges all chains into one precedence graph of roles, so that two chains cannot order
the same two roles in opposite ways. At evaluation the order is precompiled: for each
step, the indices of the steps that must precede it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import NamedTuple

from ..model.citation import Cite
from ..model.events import ApprovalRecord
from .graphs import Graph


@dataclass(frozen=True)
class Step:
    role: str  # the role named first: the one shown while the step is open
    action: str
    cite: Cite
    accepts_consent: bool
    before: tuple[int, ...]  # indices of the steps that must happen first
    roles: tuple[str, ...] = ()  # every role that may take the step; empty: `role` alone
    by_end_of: str | None = None  # a record counts only if made by the end of this event day
    # Only the event's preparer takes the step, in their own name (who fills in a document
    # signs it); every other step still excludes them.
    by_preparer: bool = False

    @cached_property
    def takers(self) -> tuple[str, ...]:
        return self.roles or (self.role,)


@dataclass(frozen=True)
class Chain:
    name: str
    steps: tuple[Step, ...]
    # The steps of a named chain written without `cite`, given the using rule's clause.
    filled: frozenset[int] = frozenset()

    @cached_property
    def timed(self) -> tuple[int, ...]:
        """The indices of the steps with a deadline (`by_end_of`): most chains have none."""
        return tuple(i for i, step in enumerate(self.steps) if step.by_end_of is not None)


# The clause of a step of a named chain written without `cite`: each rule using the chain
# gives it its own (`with_cite`), so no decision ever shows this placeholder.
UNCITED = Cite.model_construct(article=0, item=None, label="")


def with_cite(chain: Chain, cite: Cite) -> Chain:
    """`chain` with `cite` on its uncited steps (the clause of the rule using it); itself if none."""
    if all(s.cite is not UNCITED for s in chain.steps):
        return chain
    steps = tuple(replace(s, cite=cite) if s.cite is UNCITED else s for s in chain.steps)
    return Chain(chain.name, steps, frozenset(i for i, s in enumerate(chain.steps) if s.cite is UNCITED))


def same_steps(a: Chain, b: Chain) -> bool:
    """Two chains ask for the same steps: a step filled with the using rule's clause
    (`with_cite`) is the same step whichever rule offers it."""
    if a.steps == b.steps:
        return True
    if not a.filled or a.filled != b.filled or a.name != b.name or len(a.steps) != len(b.steps):
        return False
    return all(
        x == y or (i in a.filled and replace(x, cite=UNCITED) == replace(y, cite=UNCITED))
        for i, (x, y) in enumerate(zip(a.steps, b.steps, strict=True))
    )


class ChainError(Exception):
    def __init__(self, message: str, help: str | None = None, step: int | None = None) -> None:
        self.message, self.help, self.step = message, help, step
        super().__init__(message)


def build_graph(steps: Sequence[tuple[str | tuple[str, ...], tuple[str, ...] | None]]) -> Graph[int]:
    """A DAG of step indices from (role or roles, after-roles) pairs; raises ChainError on a bad one."""
    graph: Graph[int] = Graph()
    index: dict[str, int] = {}
    for i, (role, _) in enumerate(steps):
        takers = (role,) if isinstance(role, str) else role
        for taker in takers:
            if taker in index:
                raise ChainError(f"role `{taker}` appears twice in one chain", step=i)
            index[taker] = i
        graph.add_node(i, role=takers[0], roles=takers)
    for i, (_, after) in enumerate(steps):
        name = graph.nodes[i]["role"]
        predecessors = (graph.nodes[i - 1]["role"],) if after is None and i > 0 else (after or ())
        for other in predecessors:
            if other not in index:
                raise ChainError(
                    f"step `{name}` comes after `{other}`, which is not a step of this chain",
                    step=i,
                )
            graph.add_edge(index[other], i)
    if not graph.is_acyclic():
        import networkx as nx  # to name the cycle, as ever

        cycle = nx.find_cycle(graph.networkx_copy())
        roles = " -> ".join(graph.nodes[a]["role"] for a, _ in cycle)
        raise ChainError(f"the approval order has a cycle: {roles} -> {graph.nodes[cycle[0][0]]['role']}")
    return graph


MAX_CYCLES = 20  # cycles listed at most


def precedence_conflicts(chains: Iterable[tuple[str, Graph[int]]]) -> list[str]:
    """Pairs of roles that one chain orders one way and another the other way."""
    merged: Graph[str] = Graph()
    for name, graph in chains:
        for a, b in graph.edges:
            # A step any of several roles may take orders each of them.
            for first in graph.nodes[a]["roles"]:
                for then in graph.nodes[b]["roles"]:
                    merged.add_edge(first, then, chain=name)
    if merged.is_acyclic():
        return []
    import networkx as nx  # to list the cycles, as ever

    problems = []
    # A pack may invent roles and order them every way: some 10^8 cycles over 12 roles.
    # The first few say what is wrong; listing them all would never end.
    for cycle in itertools.islice(nx.simple_cycles(merged.networkx_copy()), MAX_CYCLES):
        path = " -> ".join([*cycle, cycle[0]])
        names = sorted(
            {merged.edges[a, b]["chain"] for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=True)}
        )
        problems.append(f"approval chains {', '.join(names)} order roles in a cycle: {path}")
    return sorted(problems)


def make_chain(
    name: str,
    graph: Graph[int],
    specs: Sequence[tuple[tuple[str, ...], str, Cite, bool, str | None, bool]],
) -> Chain:
    steps = tuple(
        Step(
            roles[0],
            action,
            cite,
            consent,
            tuple(sorted(graph.ancestors(i))),
            roles if len(roles) > 1 else (),
            deadline,
            by_preparer,
        )
        for i, (roles, action, cite, consent, deadline, by_preparer) in enumerate(specs)
    )
    return Chain(name, steps)


class StepResult(NamedTuple):
    step: Step
    record: ApprovalRecord | None
    reason: str | None  # why unsatisfied, in English; None when satisfied


def judge(
    chain: Chain,
    records: Sequence[ApprovalRecord],
    excluded: frozenset[str],
    deadlines: Mapping[int, dt.date] | None = None,
    preparer: str | None = None,
) -> list[StepResult]:
    """Match records to steps in order: right role, after every earlier step, not an excluded person.

    A step takes the earliest record that fits, which leaves the most room for the steps
    after it; the steps come in an order where each one's predecessors are settled first.
    `deadlines` gives, per step index, the last day on which a record for it counts. A
    `by_preparer` step takes only a record by `preparer`, who prepared the event (the pack's
    `people.preparer` field).
    """
    chosen: dict[int, ApprovalRecord] = {}
    results: list[StepResult] = []
    for i, step in enumerate(chain.steps):
        earliest: dt.datetime | None = None
        blocked = False
        for j in step.before:
            if j not in chosen:
                blocked = True
            elif earliest is None or chosen[j].at > earliest:
                earliest = chosen[j].at
        deadline = deadlines.get(i) if deadlines else None
        record, reason = _pick(step, records, excluded, earliest, deadline, preparer)
        if blocked and record is not None:
            record, reason = None, "an earlier step of the chain is not satisfied"
        if record is not None:
            chosen[i] = record
        results.append(StepResult(step, record, reason))
    return results


def _pick(
    step: Step,
    records: Sequence[ApprovalRecord],
    excluded: frozenset[str],
    earliest: dt.datetime | None,
    deadline: dt.date | None = None,
    preparer: str | None = None,
) -> tuple[ApprovalRecord | None, str | None]:
    takers = step.takers
    candidates = [r for r in records if r.role in takers]
    if not candidates:
        return None, f"no approval record by a {' or '.join(takers)}"
    if step.by_preparer:
        # The preparer's own record is the one the step asks for, so exclusion does not apply.
        if preparer is None:
            return None, "the event names no preparer to take this step"
        candidates = [r for r in candidates if r.by == preparer]
        if not candidates:
            return None, f"the {' or '.join(takers)} who prepared the event, `{preparer}`, has not signed it"
    elif excluded:
        kept = [r for r in candidates if r.by not in excluded]
        if not kept:  # every candidate is excluded: the first is named
            return None, f"`{candidates[0].by}` may not approve an event they prepared or are judged by"
        candidates = kept
    if not step.accepts_consent:
        signed = [r for r in candidates if r.mode == "signed"]
        if not signed:
            return None, "only a consent is recorded; this step needs a signature"
        candidates = signed
    if deadline is not None:
        timely = [r for r in candidates if r.at.date() <= deadline]
        if not timely:
            late = min(candidates, key=lambda r: r.at)
            return None, (
                f"the {late.role}'s record of {late.at.isoformat(sep=' ')} comes after "
                f"the deadline, the end of {deadline.isoformat()}"
            )
        candidates = timely
    in_order = candidates if earliest is None else [r for r in candidates if r.at >= earliest]
    if not in_order:
        return None, f"the {step.role}'s record comes before an earlier step of the chain"
    if len(in_order) == 1:  # the usual case
        return in_order[0], None
    return min(in_order, key=_made_at), None


def _made_at(record: ApprovalRecord) -> dt.datetime:
    return record.at
