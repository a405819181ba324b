"""Invariants of the evaluator over random contract events (hypothesis).

The expected figures are computed here independently of the engine: the deposit by
integer arithmetic in 分, the ratios and payment terms from the contract's (docs/contract.md) table written
out by hand below.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bundled_events import EVENT_MODELS, ROLES, ApprovalRecord, Contract
from salesops_rules import Decision, load_policy
from salesops_rules.core.compiled import CompiledOutcome
from salesops_rules.core.expressions import Expression, compile_expression
from salesops_rules.core.scope import VALUE_TYPES, Type, event_scope
from salesops_rules.model.citation import Cite, cite_label

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
POLICY = load_policy(POLICY_DIR)

SETTINGS = settings(max_examples=100, deadline=None)

# ---- strategies ----

BOUNDARIES = ["0.01", "999.99", "1000", "1000.00", "4999.99", "5000", "9999.99", "10000", "10000.01", "12000"]
cents = st.integers(min_value=1, max_value=10**9)
amounts = st.one_of(
    st.sampled_from([Decimal(b) for b in BOUNDARIES]),
    cents.map(lambda c: Decimal(c).scaleb(-2)),
)
people = st.sampled_from(["E-01", "E-02", "E-04", "E-05", "E-07"])
moments = st.datetimes(min_value=dt.datetime(2011, 12, 5, 8), max_value=dt.datetime(2011, 12, 6, 18))
records = st.fixed_dictionaries(
    {"role": st.sampled_from(ROLES), "by": people, "at": moments.map(dt.datetime.isoformat)},
    optional={"mode": st.sampled_from(["signed", "consent"])},
)
documents = st.lists(
    st.sampled_from(
        ["business_licence", "organisation_code", "tax_registration", "id_card_front", "id_card_back"]
    ),
    unique=True,
)
customers = st.fixed_dictionaries(
    {
        "id": st.just("K-1"),
        "type": st.sampled_from(["existing", "new"]),
        "legal_form": st.sampled_from(["company", "individual"]),
        "documents": documents,
        "sealed": st.booleans(),
    },
    optional={"address": st.just("合肥"), "phone": st.just("0551"), "contact": st.just("王")},
)
employees = st.fixed_dictionaries(
    {"id": people, "role": st.sampled_from(ROLES)},
    optional={"monthly_salary": cents.map(lambda c: str(Decimal(c).scaleb(-2)))},
)


@st.composite
def contracts(draw: st.DrawFn, amount: Decimal | None = None) -> dict[str, Any]:
    amount = draw(amounts) if amount is None else amount
    event: dict[str, Any] = {
        "kind": "contract",
        "id": "HT-P",
        "date": "2011-12-05",
        "customer": draw(customers),
        "product_class": draw(st.sampled_from(["stock", "made_to_order", "custom"])),
        "amount": str(amount),
        "deposit_paid": str(draw(st.one_of(st.just(Decimal(0)), amounts))),
        "status": draw(st.sampled_from(["draft", "signed"])),
        "prepared_by": draw(people),
        "approvals": draw(st.lists(records, max_size=4)),
    }
    if draw(st.booleans()):
        event["employee"] = draw(employees)
    if draw(st.booleans()):
        event["collection_schedule"] = [{"due": "2012-01-05", "amount": str(amount)}]
    return event


# ---- the contract's (docs/contract.md) table of 第二十四条, written out independently ----


def expected_ratio(customer: str, goods: str, amount: Decimal) -> Decimal | None:
    """The deposit ratio of the table; None where the table states none."""
    if goods == "custom":
        return Decimal("0.50")
    if goods == "made_to_order":
        return Decimal("0.30")
    if customer == "existing":
        return None  # "none stated", on both sides of 10000
    return Decimal("0.20") if amount <= 10000 else Decimal("0.30")


def half_up_deposit(amount: Decimal, ratio: Decimal) -> Decimal:
    """amount x ratio rounded half-up to 1 分, in integers: no Decimal rounding involved."""
    amount_fen = int(amount * 100)
    percent = int(ratio * 100)
    fen = (amount_fen * percent + 50) // 100
    return Decimal(fen).scaleb(-2)


# ---- properties ----


@SETTINGS
@given(contracts())
def test_evaluation_is_deterministic(event: dict[str, Any]) -> None:
    first = POLICY.evaluate(event).model_dump(mode="json")
    assert POLICY.evaluate(event).model_dump(mode="json") == first
    assert POLICY.evaluate(Contract.model_validate(event)).model_dump(mode="json") == first
    traced, _ = POLICY.trace(event)
    assert traced.model_dump(mode="json") == first
    # a second policy loaded from the same folder decides the same
    assert SECOND.evaluate(event).model_dump(mode="json") == first


SECOND = load_policy(POLICY_DIR)


def _cites(decision: Decision) -> list[Cite]:
    return [
        *(a.cite for a in decision.approvals),
        *(o.cite for o in decision.obligations),
        *(v.cite for v in decision.violations),
        *(p.cite for p in decision.penalties),
    ]


@SETTINGS
@given(contracts())
def test_every_part_cites_a_catalogued_clause_and_citations_cover_them(event: dict[str, Any]) -> None:
    decision = POLICY.evaluate(event)
    catalogue = POLICY.compiled.catalogue
    for cite in _cites(decision):
        article = catalogue.article(cite.article)
        assert article is not None, cite
        assert cite.item is None or article.item_of(cite.item) is not None, cite
        assert cite.label == cite_label(cite.article, cite.item)
    cited = {(c.article, c.item) for c in decision.citations}
    assert {(c.article, c.item) for c in _cites(decision)} <= cited
    assert len(cited) == len(decision.citations)  # each clause once
    for citation in decision.citations:
        article = catalogue.article(citation.article)
        assert article is not None and article.zh in citation.text


@SETTINGS
@given(contracts())
def test_deposit_is_amount_times_ratio_rounded_half_up(event: dict[str, Any]) -> None:
    values = POLICY.evaluate(event).values
    amount = Decimal(event["amount"])
    ratio = expected_ratio(event["customer"]["type"], event["product_class"], amount)
    if ratio is None:
        assert "deposit_ratio" not in values and "deposit_amount" not in values
        return
    assert values["deposit_ratio"] == ratio
    assert values["deposit_amount"] == half_up_deposit(amount, ratio)
    paid = Decimal(event["deposit_paid"])
    assert values["deposit_shortfall"] == max(half_up_deposit(amount, ratio) - paid, Decimal(0))


@SETTINGS
@given(contracts())
def test_thresholds_and_payment_terms_follow_the_table(event: dict[str, Any]) -> None:
    values = POLICY.evaluate(event).values
    amount, goods = Decimal(event["amount"]), event["product_class"]
    assert values["contract_required"] is (goods == "custom" or amount >= 1000)
    assert values["report_immediately"] is (amount >= 5000)
    assert values["payment_on_delivery"] is (amount > 10000)


def _roles(decision: Decision) -> list[str]:
    return sorted(a.role for a in decision.approvals)


@SETTINGS
@given(st.data(), amounts, amounts)
def test_raising_the_amount_never_removes_a_required_approval(
    data: st.DataObject, one: Decimal, two: Decimal
) -> None:
    low, high = sorted((one, two))
    event = data.draw(contracts(amount=low))
    event.pop("collection_schedule", None)  # its total may not exceed the lower amount
    required = set(_roles(POLICY.evaluate(event)))
    raised = POLICY.evaluate({**event, "amount": str(high)})
    assert required <= set(_roles(raised)), (low, high)
    assert len(raised.approvals) >= len(required)


@pytest.mark.parametrize("amount", ["10000", "10000.00"])
def test_the_approval_step_up_happens_just_past_10000(amount: str) -> None:
    # the property above would also hold if no amount ever needed the general manager
    base = {
        "kind": "contract",
        "id": "HT-S",
        "date": "2011-12-05",
        "customer": {"id": "K", "type": "existing", "legal_form": "company"},
        "product_class": "stock",
        "prepared_by": "E-07",
    }
    assert _roles(POLICY.evaluate({**base, "amount": amount})) == ["logistics_supervisor"]
    assert _roles(POLICY.evaluate({**base, "amount": "10000.01"})) == [
        "general_manager",
        "logistics_supervisor",
    ]


# ---- the compiled expressions against the simpleeval reference ----

VALUE_SCOPE = {name: VALUE_TYPES[v.type] for name, v in POLICY.compiled.values.items()}


def _expressions_of(outcome: CompiledOutcome | None) -> list[Expression]:
    if outcome is None:
        return []
    found = [source for _, source in outcome.values if isinstance(source, Expression)]
    return found + [ob.unless for ob in outcome.obligations if ob.unless is not None]


def _policy_expressions() -> list[tuple[str, str, Expression]]:
    found: list[tuple[str, str, Expression]] = []
    for rule in POLICY.compiled.rules:
        parts: list[Expression] = [rule.when] if rule.when is not None else []
        parts += _expressions_of(rule.then) + _expressions_of(rule.else_)
        if rule.table is not None:
            for row in rule.table.rows:
                parts += [row.condition, *_expressions_of(row.then)]
        found += [(f"{rule.id}: {e.source}", rule.kinds[0], e) for e in parts]
    return found


HANDWRITTEN = [
    "amount > 10000 and customer.type == 'new' or product_class == 'custom'",
    "round_money(amount * 0.30) - deposit_paid",
    "max(deposit_paid - amount, 0) + min(amount, 10000) / 3",
    "abs(deposit_paid - amount) >= 0.01",
    "'id_card_back' in customer.documents and not customer.sealed",
    "customer.address is None or len(customer.documents) > 2",
    "0.50 if product_class == 'custom' else 0.30 if product_class == 'made_to_order' else 0.20",
    "deposit_ratio is not None and amount * deposit_ratio > deposit_paid",
    "product_class not in ['stock', 'custom'] and -amount < -1000",
    "signed_by(approvals, 'general_manager') or approvals_satisfied",
    "days_between(date_of(approvals_at), event_date) <= 1",
]
CONTRACT_SCOPE = {**event_scope(Contract, VALUE_SCOPE), "approvals_at": Type("datetime")}
EXPRESSIONS = _policy_expressions() + [
    (f"handwritten: {source}", "contract", compile_expression(source, CONTRACT_SCOPE))
    for source in HANDWRITTEN
]
SCOPES = {kind: event_scope(model, VALUE_SCOPE) for kind, model in EVENT_MODELS.items()}
SCOPES["contract"] = CONTRACT_SCOPE

numbers = st.one_of(
    st.sampled_from([Decimal(b) for b in (*BOUNDARIES, "0", "0.30", "0.50")]),
    st.integers(min_value=0, max_value=10**7).map(lambda c: Decimal(c).scaleb(-2)),
)
approval_records = st.builds(
    ApprovalRecord,
    role=st.sampled_from(ROLES),
    by=people,
    at=moments,
    mode=st.sampled_from(["signed", "consent"]),
)


def values_of(typ: Type, may_be_none: bool) -> st.SearchStrategy[Any]:
    kinds: dict[str, st.SearchStrategy[Any]] = {
        "number": numbers,
        "bool": st.booleans(),
        "str": st.sampled_from(typ.enum) if typ.enum else st.sampled_from(["E-01", "E-07", "合肥", ""]),
        "date": st.dates(min_value=dt.date(2011, 11, 1), max_value=dt.date(2012, 2, 1)),
        "datetime": moments,
        "list": st.lists(st.sampled_from(typ.enum), unique=True).map(tuple)
        if typ.enum
        else st.lists(approval_records, max_size=3).map(tuple),
    }
    strategy = kinds.get(typ.kind, st.none())
    return st.one_of(st.none(), strategy) if (typ.nullable or may_be_none) else strategy


@pytest.mark.parametrize(
    ("kind", "expression"), [e[1:] for e in EXPRESSIONS], ids=[e[0] for e in EXPRESSIONS]
)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_compiled_expression_agrees_with_simpleeval(
    data: st.DataObject, kind: str, expression: Expression
) -> None:
    scope = SCOPES[kind]
    ns = {
        name: data.draw(values_of(scope[name], name in VALUE_SCOPE), label=name) for name in expression.names
    }
    try:
        compiled: Any = expression.fn(ns)
    except Exception as error:  # the reference must fail the same way
        with pytest.raises(type(error)):
            expression.interpret(ns)
        return
    reference = expression.interpret(ns)
    assert compiled == reference and type(compiled) is type(reference), (compiled, reference)


def test_the_comparison_covers_every_rule_with_an_expression() -> None:
    covered = {label.split(": ", 1)[0] for label, _, _ in EXPRESSIONS}
    with_expressions = {r.id for r in POLICY.compiled.rules if r.when is not None or r.table is not None}
    assert with_expressions <= covered


def _full_money_check(value: Any) -> Decimal | str:
    """Money as validated without the plain-amount shortcut: the reference."""
    from salesops_rules.model import money

    try:
        result = money._to_decimal(value)
    except ValueError as error:
        return str(error)
    if result.as_tuple().exponent < -2:  # type: ignore[operator]
        return "places"
    if result < 0:
        return "negative"
    return result


@settings(max_examples=500)
@given(
    st.text(alphabet=st.sampled_from("0123456789.-+eE _٣"), max_size=12)
    | st.decimals(allow_nan=False, allow_infinity=False).map(str)
)
def test_the_plain_amount_shortcut_reads_money_as_the_full_check(text: str) -> None:
    from salesops_rules.model import money

    expected = _full_money_check(text)
    try:
        got: Decimal | str = money._money(text)
    except ValueError:
        assert not isinstance(expected, Decimal)
        return
    assert isinstance(expected, Decimal)
    assert got == expected and str(got) == str(expected)
