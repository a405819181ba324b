"""The benchmark's hand-written baseline makes the same decision as the policy.

`benchmarks/bench_evaluate.py` reports the ratio engine / hand-written; that ratio means
something only if both decide the same thing. These tests compare the two on the
benchmark's own event stream, on the thresholds of 第十一、十四、二十四条, on events drawn
by hypothesis, and on bad input.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import random
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_rules import EventError, Policy, load_policy

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str) -> ModuleType:
    """A module of benchmarks/ (a folder of scripts, not a package), loaded from its file."""
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


handwritten = _module("handwritten")
event_mix = _module("event_mix")


@functools.cache
def _policy() -> Policy:
    return load_policy()


# Wording is the policy's to change; the decision is what the ratio compares.
WORDING = {"message", "message_en", "note", "text", "text_en"}


def _decision(content: dict[str, Any]) -> dict[str, Any]:
    """A decision's JSON content without `rules` (engine-only) and without its wording."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in WORDING}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {k: strip(v) for k, v in content.items() if k != "rules"}


def _assert_same(event: dict[str, Any]) -> None:
    engine = _decision(_policy().evaluate(event).model_dump(mode="json"))
    hand = _decision(handwritten.decide_contract(event))
    assert hand == engine, f"event `{event['id']}` differs in " + ", ".join(
        k for k in engine if engine[k] != hand.get(k)
    )


def test_same_decision_on_the_benchmark_stream() -> None:
    events = list(event_mix.stream(["contract"], 400, seed=2011))
    verdicts = set()
    for event in events:
        _assert_same(event)
        verdicts.add(_policy().evaluate(event).verdict)
    # The stream exercises every verdict, or the agreement would prove little.
    assert verdicts == {"pass", "pending", "fail"}


def _boundary_events() -> list[dict[str, Any]]:
    events = []
    combos = itertools.product(
        ("existing", "new"),
        ("stock", "made_to_order", "custom"),
        ("999.99", "1000", "4999.99", "5000", "10000", "10000.01", "3333.33", "1234.57"),
        ("draft", "signed"),
    )
    for n, (customer_type, product_class, amount, status) in enumerate(combos):
        events.append(
            {
                "kind": "contract",
                "id": f"B-{n}",
                "date": "2011-12-01",
                "customer": {
                    "id": "K-1",
                    "type": customer_type,
                    "legal_form": "company",
                    "documents": ["business_licence", "organisation_code", "tax_registration"],
                    "sealed": True,
                },
                "product_class": product_class,
                "amount": amount,
                "deposit_paid": "600",
                "status": status,
                "prepared_by": "E-07",
                "approvals": [
                    {"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-01T09:00:00"},
                    {"role": "general_manager", "by": "E-01", "at": "2011-12-01T15:00:00"},
                ][: 1 + n % 2],
            }
        )
    return events


@pytest.mark.parametrize("event", _boundary_events(), ids=lambda e: e["id"])
def test_same_decision_at_the_thresholds(event: dict[str, Any]) -> None:
    _assert_same(event)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), n=st.integers(min_value=0, max_value=10**6))
def test_same_decision_on_drawn_events(seed: int, n: int) -> None:
    _assert_same(event_mix.contract_event(random.Random(seed), n))


def test_the_baseline_values_are_those_of_the_contract() -> None:
    """Not only equal to the engine: right. 3333.33 x 20% = 666.67, 第二十四条 for a new customer."""
    event = _boundary_events()[0] | {"amount": "3333.33", "product_class": "stock"}
    event["customer"] = event["customer"] | {"type": "new"}
    values = handwritten.decide_contract(event)["values"]
    assert values == {
        "contract_required": True,
        "deposit_ratio": "0.20",
        "deposit_amount": "666.67",
        "deposit_shortfall": "66.67",
        "payment_on_delivery": False,
        "report_immediately": False,
        "customer_documents_complete": True,
    }


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("amount", 0.1, "$.amount"),
        ("amount", "-5", "$.amount"),
        ("amount", "12.345", "$.amount"),
        ("amount", "lots", "$.amount"),
        ("deposit_paid", 100.0, "$.deposit_paid"),
        ("product_class", "bulk", "$.product_class"),
        ("status", "approved", "$.status"),
        ("amout", "5000", "$.amout"),
        ("customer", {"id": "K", "type": "old", "legal_form": "company"}, "$.customer.type"),
        ("approvals", [{"role": "boss", "by": "E-1", "at": "2011-12-01T09:00:00"}], "$.approvals[0].role"),
        ("approvals", [{"role": "clerk", "by": "E-1", "at": "yesterday"}], "$.approvals[0].at"),
    ],
)
def test_both_refuse_bad_input_naming_the_same_field(field: str, value: Any, path: str) -> None:
    event = _boundary_events()[0] | {field: value}
    with pytest.raises(EventError) as engine:
        _policy().evaluate(event)
    with pytest.raises(ValueError, match=r"^invalid event: ") as hand:
        handwritten.decide_contract(event)
    assert engine.value.path == path
    assert hand.value.path == path  # type: ignore[attr-defined]
