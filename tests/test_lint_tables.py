"""Decision-table analysis against brute force.

Lint reads a table's structured cells and never runs a row. The oracle here does the
opposite: it runs each row's compiled condition (the code the evaluator runs) on every
combination of the inputs' boundary values (each enum value, true and false, and for each
threshold t the points t - 0.01, t and t + 0.01) and derives gaps, overlaps, silent rows
and rows never selected from what matched. Both must agree on random small tables.
"""

from __future__ import annotations

import itertools
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundled_events import EVENT_MODELS
from editor_support import MINI, assemble
from salesops_rules.core.compiled import CompiledRule
from salesops_rules.core.loader import load_policy
from salesops_rules.core.scope import VALUE_TYPES, event_scope
from salesops_rules.tools import tables

STEP = Decimal("0.01")
ENUMS = {"customer.type": ["existing", "new"], "product_class": ["stock", "made_to_order", "custom"]}
NUMBERS = ["amount", "deposit_paid"]
BOOLS = ["customer.sealed"]
THRESHOLDS = [Decimal("1000"), Decimal("5000"), Decimal("9999.99"), Decimal("10000"), Decimal("10000.5")]


def _cell(name: str) -> st.SearchStrategy[Any]:
    if name in ENUMS:
        values = ENUMS[name]
        return st.one_of(
            st.just("-"),
            st.sampled_from(values),
            st.lists(st.sampled_from(values), max_size=len(values), unique=True),
        )
    if name in BOOLS:
        return st.sampled_from(["-", True, False])
    return st.one_of(
        st.just("-"),
        st.builds(
            lambda op, t: f"{op} {t}",
            st.sampled_from(["<", "<=", ">", ">=", "=="]),
            st.sampled_from(THRESHOLDS),
        ),
    )


_OUTCOME = st.fixed_dictionaries(
    {},
    optional={
        "deposit_ratio": st.sampled_from([Decimal("0.20"), Decimal("0.30"), None]),
        "payment_on_delivery": st.booleans(),
    },
)


@st.composite
def random_tables(draw: st.DrawFn) -> dict[str, Any]:
    inputs = draw(st.lists(st.sampled_from([*ENUMS, *NUMBERS, *BOOLS]), min_size=1, max_size=3, unique=True))
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        when = {name: draw(_cell(name)) for name in inputs}
        rows.append({"when": when, "then": {"values": draw(_OUTCOME)}})
    return {"hit": draw(st.sampled_from(["unique", "first"])), "inputs": inputs, "rows": rows}


def _policy_with(table: dict[str, Any], folder: Path) -> CompiledRule:
    assemble(folder, MINI)
    rule = {"id": "table", "on": "contract", "cite": {"article": 24}, "table": table}
    text = yaml.safe_dump({"rules": [_plain(rule)]}, allow_unicode=True, sort_keys=False)
    (folder / "rules.yaml").write_text(text, encoding="utf-8")
    (compiled,) = load_policy(folder).rules
    return compiled


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, Decimal):
        return float(data) if data != data.to_integral() else int(data)
    return data


def _points(name: str, table: dict[str, Any]) -> list[Any]:
    if name in ENUMS:
        return list(ENUMS[name])
    if name in BOOLS:
        return [True, False]
    thresholds = {
        Decimal(str(row["when"][name]).split()[1]) for row in table["rows"] if row["when"][name] != "-"
    }
    if not thresholds:
        return [Decimal(1)]
    return sorted({p for t in thresholds for p in (t - STEP, t, t + STEP)})


def _matching(rule: CompiledRule, point: dict[str, Any]) -> list[int]:
    assert rule.table is not None
    return [i for i, row in enumerate(rule.table.rows) if row.condition.fn(point)]


def _selected(hit: str, matches: list[int]) -> int | None:
    if hit == "first":
        return matches[0] if matches else None
    return matches[0] if len(matches) == 1 else None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_tables())
def test_gaps_and_overlaps_agree_with_brute_force(table: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rule = _policy_with(table, Path(tmp) / "policy")
    assert rule.table is not None
    scope = event_scope(EVENT_MODELS["contract"], {"deposit_ratio": VALUE_TYPES["ratio"]})
    report = tables.analyse(rule.table, scope)
    assert report is not None
    inputs = list(table["inputs"])
    points = [
        dict(zip(inputs, combo, strict=True))
        for combo in itertools.product(*(_points(n, table) for n in inputs))
    ]
    matches = {i: _matching(rule, p) for i, p in enumerate(points)}

    # Gaps: lint's examples are uncovered; every uncovered point, and no other, lies in a gap.
    for gap in report.gaps:
        assert _matching(rule, gap.example) == []
    for i, point in enumerate(points):
        in_gap = any(report.space.contains(gap.region, point) for gap in report.gaps)
        assert in_gap == (matches[i] == []), point

    # Overlaps (hit policy `unique`): the same pairs of rows, agreeing or not as their outcomes do.
    brute_pairs = {pair for m in matches.values() for pair in itertools.combinations(m, 2)}
    if table["hit"] == "unique":
        assert {o.rows for o in report.overlaps} == brute_pairs
        for overlap in report.overlaps:
            i, j = overlap.rows
            assert set(overlap.rows) <= set(_matching(rule, overlap.example))
            assert overlap.agree == (table["rows"][i]["then"] == table["rows"][j]["then"])
    else:
        assert report.overlaps == ()

    # Silent outputs: a row selected for some event that leaves a declared output unset.
    outputs = {name for row in table["rows"] for name in row["then"]["values"]}
    selected = {_selected(table["hit"], m) for m in matches.values()} - {None}
    expected = {
        r: tuple(sorted(outputs - set(table["rows"][r]["then"]["values"])))
        for r in selected
        if outputs - set(table["rows"][r]["then"]["values"])
    }
    assert {s.row: tuple(sorted(s.outputs)) for s in report.silences} == expected
    for silence in report.silences:
        assert _selected(table["hit"], _matching(rule, silence.example)) == silence.row

    # Rows never selected: under `first`, every row no point selects; under `unique`, rows matching nothing.
    never = {
        r
        for r in range(len(table["rows"]))
        if (r not in selected if table["hit"] == "first" else all(r not in m for m in matches.values()))
    }
    assert {u.row for u in report.unreachable} == never


def test_the_shipped_table_has_exactly_the_gap_of_article_24(tmp_path: Path) -> None:
    from editor_support import SHIPPED

    policy = load_policy(SHIPPED)
    (rule,) = [r for r in policy.rules if r.id == "contract.payment-terms"]
    assert rule.table is not None
    scope = event_scope(EVENT_MODELS["contract"], {n: VALUE_TYPES[v.type] for n, v in policy.values.items()})
    report = tables.analyse(rule.table, scope)
    assert report is not None
    assert (report.gaps, report.overlaps, report.unreachable) == ((), (), ())
    (silence,) = report.silences
    assert silence.row == 1
    assert silence.outputs == ("deposit_ratio",)
    assert silence.text == "customer.type=existing, product_class=stock, amount > 10000"
    assert (
        tables.show_point(silence.example) == "customer.type=existing, product_class=stock, amount=10000.01"
    )


def test_regions_read_as_intervals() -> None:
    from salesops_rules.core.compiled import Cell
    from salesops_rules.core.scope import NUMBER, Type

    scope = {"amount": NUMBER, "customer.type": Type("str", ("existing", "new"), nullable=True)}
    cells = (Cell("amount", ">", Decimal(1000)), Cell("amount", "<=", Decimal(10000)))
    space = tables.Space.of(scope, [cells, (Cell("customer.type", "==", "new"),)])
    assert space is not None
    assert space.describe(space.region(cells)) == "1000 < amount <= 10000"
    assert space.describe(space.region([Cell("customer.type", "!=", "new")])) == (
        "customer.type is null or customer.type=existing"
    )
    assert space.describe(space.everything) == "any event"


def test_conjunctions_are_read_without_running_them() -> None:
    scope = event_scope(EVENT_MODELS["contract"], {"deposit_ratio": VALUE_TYPES["ratio"]})
    cells = tables.conjunction("10000 < amount and customer.type == 'new' and not customer.sealed", scope)
    assert cells is not None
    assert [(c.input, c.op, c.value) for c in cells] == [
        ("amount", ">", 10000),
        ("customer.type", "==", "new"),
        ("customer.sealed", "==", False),
    ]
    assert tables.conjunction("deposit_ratio is not None", scope) is not None
    # Anything but a conjunction of comparisons with literals is left alone.
    assert tables.conjunction("amount > 10000 or customer.type == 'new'", scope) is None
    assert tables.conjunction("amount > deposit_paid", scope) is None
    assert tables.conjunction("round_money(amount) > 1", scope) is None
