"""Generated plans (core/codegen.py) decide as the interpreter does, the reference.

The same events go to a policy whose kinds run as generated code and to the same policy
run by the interpreter (`load_policy(interpret=True)`); the whole decisions must be equal:
every example, every policy test case (with its `as_of`), the benchmark's streams of every
kind, events hypothesis bends (approval records dropped, moved, given to another role;
amounts at the thresholds; dates moved), and small packs made to reach the rare paths
(tables with no or several matching rows, rules in conflict, dated rules, editions).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor_support import MINI, POLICIES, assemble, deposit_60, deposit_dated
from salesops_rules import EventError, Policy, load_policy
from salesops_rules.core import codegen, evaluator, loader
from salesops_rules.tools.cases import load_cases

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import event_mix

ROOT = Path(__file__).resolve().parents[1]
GENERATED = load_policy()
INTERPRETED = load_policy(interpret=True)
CASES = load_cases(ROOT / "policy" / "tests")
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
KINDS = [kind for kind, plan in GENERATED.compiled.plans.items() if plan]


def same_decision(generated: Any, interpreted: Any, event: Any, as_of: Any = None) -> None:
    """Both policies decide `event` alike, or both refuse it with the same message."""
    try:
        expected = interpreted.evaluate(event, as_of=as_of)
    except EventError as error:
        with pytest.raises(EventError) as refused:
            generated.evaluate(event, as_of=as_of)
        assert refused.value.message == error.message
        return
    decision = generated.evaluate(event, as_of=as_of)
    assert decision == expected
    assert decision.model_dump(mode="json") == expected.model_dump(mode="json")


def test_the_two_policies_run_their_plans_differently() -> None:
    """Not the same code twice: one policy has a generated plan per kind, the other none."""
    assert not GENERATED.compiled.interpreted
    assert set(GENERATED.compiled.runners) == set(GENERATED.compiled.plans)
    INTERPRETED.evaluate(json.loads(EXAMPLES[0].read_text(encoding="utf-8")))
    assert INTERPRETED.compiled.interpreted
    assert INTERPRETED.compiled.runners == {}


def test_every_kind_with_rules_has_an_event_generator_here() -> None:
    assert [k for k in KINDS if k not in event_mix.EVERY_GENERATOR] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples(path: Path) -> None:
    same_decision(GENERATED, INTERPRETED, json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_policy_cases(case: Any) -> None:
    same_decision(GENERATED, INTERPRETED, case.event, case.as_of)


@pytest.mark.parametrize("kind", KINDS)
def test_the_benchmark_stream_of_each_kind(kind: str) -> None:
    for event in event_mix.stream([kind], 300, seed=13):
        same_decision(GENERATED, INTERPRETED, event)


def test_a_trace_is_made_by_the_interpreter_and_decides_alike() -> None:
    for event in event_mix.stream(KINDS, 200, seed=5):
        traced, nodes = GENERATED.trace(event)
        assert traced == GENERATED.evaluate(event)
        assert nodes or not GENERATED.compiled.plans[event["kind"]]


def test_outcome_of_the_audit_agrees() -> None:
    for event in event_mix.stream(KINDS, 300, seed=9):
        assert evaluator.outcome(GENERATED.compiled, event) == evaluator.outcome(INTERPRETED.compiled, event)


# ---- events hypothesis bends ----

BOUNDARY_AMOUNTS = [*event_mix.BOUNDARIES, "0.01", "200000.00"]
ROLES = ["logistics_supervisor", "general_manager", "sales_manager", "finance", "clerk", "warehouse"]


@st.composite
def bent_events(draw: st.DrawFn) -> tuple[dict[str, Any], str | None]:
    kind = draw(st.sampled_from(KINDS))
    event = copy.deepcopy(event_mix.EVERY_GENERATOR[kind](random.Random(draw(st.integers(0, 10**6))), 1))
    if "amount" in event and draw(st.booleans()):
        event["amount"] = draw(st.sampled_from(BOUNDARY_AMOUNTS))
    records = event.get("approvals")
    if isinstance(records, list) and records:
        how = draw(st.sampled_from(["keep", "drop", "late", "role", "by", "consent"]))
        i = draw(st.integers(0, len(records) - 1))
        record = records[i]
        if how == "drop":
            del records[i]
        elif how == "late" and isinstance(record.get("at"), str):
            at = dt.datetime.fromisoformat(record["at"]) + dt.timedelta(days=draw(st.integers(1, 40)))
            record["at"] = at.isoformat()
        elif how == "role":
            record["role"] = draw(st.sampled_from(ROLES))
        elif how == "by":
            record["by"] = event.get("prepared_by", record.get("by"))
        elif how == "consent" and "mode" in record:
            record["mode"] = "consent"
    if draw(st.booleans()) and isinstance(event.get("date"), str):
        day = dt.date.fromisoformat(event["date"]) + dt.timedelta(days=draw(st.integers(-4000, 400)))
        event["date"] = day.isoformat()
    as_of = draw(st.sampled_from([None, "2011-12-31T23:59:59", "2013-06-01", "2030-01-01"]))
    return event, as_of


@settings(max_examples=400, deadline=None)
@given(bent_events())
def test_bent_events_of_every_kind(drawn: tuple[dict[str, Any], str | None]) -> None:
    event, as_of = drawn
    same_decision(GENERATED, INTERPRETED, event, as_of)


# ---- the rare paths, on small packs ----

LINT_PACKS = [
    "table-overlap",
    "table-overlap-agreeing",
    "table-gap",
    "table-silent",
    "rule-conflict",
    "never-true",
]


@pytest.mark.parametrize("name", LINT_PACKS)
def test_small_packs_reach_the_rare_paths(tmp_path: Path, name: str) -> None:
    folder = assemble(tmp_path / name, MINI, POLICIES / "lint" / name)
    generated, interpreted = load_policy(folder), load_policy(folder, interpret=True)
    events = list(event_mix.stream(["contract"], 150, seed=3))
    for amount in ("9999.99", "10000", "10000.00", "10000.01"):
        events.append({**events[0], "amount": amount})
    for event in events:
        same_decision(generated, interpreted, event)


def test_a_pack_with_editions_and_dated_rules(tmp_path: Path) -> None:
    folder = deposit_60(tmp_path / "deposit-60")
    generated, interpreted = load_policy(folder), load_policy(folder, interpret=True)
    for event in event_mix.stream(["contract", "credit_sale"], 300, seed=21):
        for day in ("2012-06-30", "2012-07-01", event["date"]):
            same_decision(generated, interpreted, {**event, "date": day})


def test_a_pack_with_dated_values(tmp_path: Path) -> None:
    """Dated values are applied by the interpreter's `_apply` from generated plans: alike."""
    folder = deposit_dated(tmp_path / "deposit-dated")
    generated, interpreted = load_policy(folder), load_policy(folder, interpret=True)
    assert any("apply(state, " in (r.__doc__ or "") for r in generated.compiled.runners.values())
    for case in load_cases(POLICIES / "deposit-dated" / "cases.yaml"):
        same_decision(generated, interpreted, case.event, case.as_of)
    for event in event_mix.stream(["contract"], 200, seed=23):
        for day in ("2011-10-31", "2012-06-30", "2012-07-01", event["date"]):
            same_decision(generated, interpreted, {**event, "date": day})


# ---- the switch, and what the generated code is made of ----


def test_the_environment_variable_switches_to_the_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESOPS_RULES_INTERPRET", "1")
    assert load_policy().compiled.interpreted
    monkeypatch.setenv("SALESOPS_RULES_INTERPRET", "0")
    assert not load_policy().compiled.interpreted
    assert load_policy(interpret=True).compiled.interpreted
    # A policy made from a compiled pack, as the command line makes it from its cache.
    monkeypatch.setenv("SALESOPS_RULES_INTERPRET", "1")
    assert Policy(loader.load_policy()).compiled.interpreted
    monkeypatch.delenv("SALESOPS_RULES_INTERPRET")
    lazy = Policy(loader.load_policy())
    assert not lazy.compiled.interpreted and lazy.compiled.runners == {}
    lazy.evaluate(json.loads(EXAMPLES[0].read_text(encoding="utf-8")))
    assert list(lazy.compiled.runners) == ["contract"]  # made on the kind's first event


def test_no_string_an_editor_wrote_is_in_the_generated_source() -> None:
    """Rule ids, value names, messages and expressions reach the code as bound constants only."""
    compiled = GENERATED.compiled
    written = {rule.id for rule in compiled.rules} | set(compiled.values)
    written |= {rule.when.source for rule in compiled.rules if rule.when is not None}
    for kind, runner in compiled.runners.items():
        source = runner.__doc__ or ""
        assert source.startswith("def run(")
        found = sorted(w for w in written if f"'{w}'" in source or f'"{w}"' in source or f" {w}(" in source)
        assert found == [], kind


def test_an_outcome_left_to_the_interpreter_decides_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value of a kind the generator does not write out (none today) is applied by `_apply`."""
    monkeypatch.setattr(codegen, "_plain", lambda source: False)
    policy = load_policy()
    sources = [runner.__doc__ or "" for runner in policy.compiled.runners.values()]
    assert sum("apply(state, " in s for s in sources) >= 5  # every kind that sets a value
    for event in event_mix.stream(KINDS, 400, seed=17):
        same_decision(policy, INTERPRETED, event)
