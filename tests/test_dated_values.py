"""Dated values (issue 9, item 7): a value or a table cell that changes on a date.

The test policy is the shipped one with the deposit on custom goods written as a dated value
in the table of 第二十四条 (`editor_support.deposit_dated`): the same change that
`deposit_60` writes as an amendment rule.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor_support import MINI, POLICIES, SHIPPED, assemble, contract, deposit_60, deposit_dated
from salesops_rules import Policy, PolicyError, load_policy
from salesops_rules.core.compiled import DatedValue
from salesops_rules.render.explain import lines
from salesops_rules.tools import diff as diff_mod
from salesops_rules.tools import lint
from salesops_rules.tools.cases import load_cases, run_case

CASES = load_cases(POLICIES / "deposit-dated" / "cases.yaml")


@pytest.fixture(scope="module")
def dated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deposit_dated(tmp_path_factory.mktemp("dated") / "policy")


@pytest.fixture(scope="module")
def dated(dated_dir: Path) -> Policy:
    return load_policy(dated_dir)


@pytest.fixture(scope="module")
def late_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deposit stated only from 2011-12-01, after the policy's first day (2011-11-30)."""
    late = "deposit_ratio: {2011-12-01: 0.50, 2012-07-01: 0.60}, payment_on_delivery"
    return deposit_dated(tmp_path_factory.mktemp("late") / "policy", late)


# ---- the data-driven cases ----


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_dated_case(dated: Policy, case: Any) -> None:
    result = run_case(dated, case)
    assert result.passed, "\n".join(result.mismatches)


def test_a_case_expecting_another_day_fails(dated: Policy, tmp_path: Path) -> None:
    path = tmp_path / "wrong.yaml"
    path.write_text(
        "cases:\n"
        "  - name: wrong day\n"
        "    cite: 第二十四条\n"
        "    event: {kind: contract, id: C-1, date: '2012-07-01', amount: '12000.00', prepared_by: E-1,\n"
        "            customer: {id: K-1, type: new, legal_form: company}, product_class: custom}\n"
        "    expect:\n"
        "      values_in_force: {deposit_ratio: 2011-11-01}\n",
        encoding="utf-8",
    )
    [case] = load_cases(path)
    result = run_case(dated, case)
    assert not result.passed
    assert result.mismatches == [
        f"{path}:7: wrong day: values_in_force: expected "
        '{deposit_ratio: "2011-11-01"}, got {deposit_ratio: "2012-07-01"}'
    ]


# ---- the decision ----


def test_the_decision_names_the_value_in_force(dated: Policy) -> None:
    before = dated.evaluate(contract("2012-06-30")).model_dump(mode="json")
    after = dated.evaluate(contract("2012-07-01")).model_dump(mode="json")
    assert before["values_in_force"] == [
        {
            "name": "deposit_ratio",
            "rule": "contract.payment-terms",
            "since": "2011-11-01",
            "until": "2012-06-30",
            "row": None,
        }
    ]
    assert after["values_in_force"] == [
        {
            "name": "deposit_ratio",
            "rule": "contract.payment-terms",
            "since": "2012-07-01",
            "until": None,
            "row": None,
        }
    ]


def test_as_of_does_not_change_the_value_taken(dated: Policy) -> None:
    event = contract("2012-06-30")
    plain = dated.evaluate(event)
    later = dated.evaluate(event, as_of="2013-01-01T09:00:00")
    assert later.values["deposit_ratio"] == plain.values["deposit_ratio"] == Decimal("0.50")
    assert later.values_in_force == plain.values_in_force


def test_a_decision_with_no_dated_value_says_so() -> None:
    decision = load_policy(SHIPPED).evaluate(contract("2012-07-01"))
    assert decision.values_in_force == []
    assert decision.model_dump(mode="json")["values_in_force"] == []


def test_before_the_first_day_the_case_is_referred(late_dir: Path) -> None:
    policy = load_policy(late_dir)
    decision, trace = policy.trace(contract("2011-11-30"))
    assert "deposit_ratio" not in decision.values
    assert "deposit_amount" not in decision.values
    assert decision.values_in_force == []
    refer = [o for o in decision.obligations if o.code == "refer_to_general_manager"]
    assert [o.message_en for o in refer] == [
        "rule contract.payment-terms states `deposit_ratio` only from 2011-12-01, and the event is "
        "dated 2011-11-30; the general manager decides"
    ]
    assert refer[0].cite.label == "第三十九条"
    node = next(n for n in trace if n.rule == "contract.payment-terms")
    assert node.detail is not None
    assert (
        node.detail.en
        == "`deposit_ratio` is stated only from 2011-12-01; the event is dated 2011-11-30, before it"
    )
    # ...and on its first day the value is taken.
    first = policy.evaluate(contract("2011-12-01"))
    assert first.values["deposit_ratio"] == Decimal("0.50")
    assert not [o for o in first.obligations if o.code == "refer_to_general_manager"]


def test_the_trace_names_the_dated_value(dated: Policy) -> None:
    _, trace = dated.trace(contract("2012-07-01"))
    node = next(n for n in trace if n.rule == "contract.payment-terms")
    assert {name: (e.since, e.until) for name, e in node.dated.items()} == {
        "deposit_ratio": (dt.date(2012, 7, 1), None)
    }
    assert node.sets["deposit_ratio"] == "0.60"


def test_two_agreeing_dated_rules_both_are_named(tmp_path: Path) -> None:
    """Two rules give the same dated value: both are named, each with its own days."""
    root = assemble(tmp_path / "policy", MINI)
    (root / "rules.yaml").write_text(
        "rules:\n"
        "  - id: a\n    on: contract\n    cite: {article: 24}\n"
        "    then: {values: {deposit_ratio: {2011-01-01: 0.50, 2012-01-01: 0.60}}}\n"
        "  - id: b\n    on: contract\n    cite: {article: 24}\n"
        "    then: {values: {deposit_ratio: {2011-06-01: 0.60}}}\n",
        encoding="utf-8",
    )
    policy = load_policy(root)
    decision = policy.evaluate(contract("2012-03-01"))
    assert decision.values["deposit_ratio"] == Decimal("0.60")
    assert [(e.rule, e.since.isoformat()) for e in decision.values_in_force] == [
        ("a", "2012-01-01"),
        ("b", "2011-06-01"),
    ]
    # Where they disagree, neither is taken and the case is referred: nothing is named.
    decision = policy.evaluate(contract("2011-07-01"))
    assert "deposit_ratio" not in decision.values
    assert decision.values_in_force == []
    assert [o.code for o in decision.obligations] == ["refer_to_general_manager"]


def test_an_exception_displaces_a_dated_value(tmp_path: Path) -> None:
    root = assemble(tmp_path / "policy", MINI)
    (root / "rules.yaml").write_text(
        "rules:\n"
        "  - id: general\n    on: contract\n    cite: {article: 24}\n"
        "    then: {values: {deposit_ratio: {2011-01-01: 0.50}}}\n"
        "  - id: special\n    on: contract\n    cite: {article: 24}\n    exception_to: [general]\n"
        '    when: "amount > 10000"\n'
        "    then: {values: {deposit_ratio: 0.30}}\n",
        encoding="utf-8",
    )
    policy = load_policy(root)
    big = policy.evaluate(contract("2012-03-01"))
    assert big.values["deposit_ratio"] == Decimal("0.30")
    assert big.values_in_force == []
    small = policy.evaluate({**contract("2012-03-01"), "amount": "5000"})
    assert [(e.rule, e.since.isoformat()) for e in small.values_in_force] == [("general", "2011-01-01")]


def test_a_dated_expression_is_computed_on_the_event(tmp_path: Path) -> None:
    root = assemble(tmp_path / "policy", MINI)
    (root / "rules.yaml").write_text(
        "rules:\n"
        "  - id: terms\n    on: contract\n    cite: {article: 24}\n"
        '    then: {values: {payment_on_delivery: {2011-01-01: false, 2012-01-01: "amount > 10000"}}}\n',
        encoding="utf-8",
    )
    policy = load_policy(root)
    assert policy.evaluate(contract("2011-12-31")).values["payment_on_delivery"] is False
    assert policy.evaluate(contract("2012-01-01")).values["payment_on_delivery"] is True
    assert policy.evaluate({**contract("2012-01-01"), "amount": "100"}).values["payment_on_delivery"] is False


def test_a_value_dated_none_is_stated_as_none(tmp_path: Path) -> None:
    """`null` from a day: from then the regulation asks for none, and the decision says since when."""
    root = assemble(tmp_path / "policy", MINI)
    (root / "rules.yaml").write_text(
        "rules:\n"
        "  - id: terms\n    on: contract\n    cite: {article: 24}\n"
        "    then: {values: {deposit_ratio: {2011-01-01: 0.30, 2013-01-01: null}}}\n",
        encoding="utf-8",
    )
    decision = load_policy(root).evaluate(contract("2013-01-01"))
    assert "deposit_ratio" not in decision.values
    assert [o.code for o in decision.obligations] == []
    assert [(e.name, e.since.isoformat()) for e in decision.values_in_force] == [
        ("deposit_ratio", "2013-01-01")
    ]


# ---- compiled once: the choice is a bisection ----


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    days=st.sets(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)), min_size=1, max_size=8),
    day=st.dates(dt.date(1999, 1, 1), dt.date(2031, 12, 31)),
)
def test_the_value_chosen_is_the_last_day_on_or_before(days: set[dt.date], day: dt.date) -> None:
    starts = sorted(days)
    value = DatedValue.of("x", "r", [(d, Decimal(i)) for i, d in enumerate(starts)])
    index = value.index_on(day)
    earlier = [d for d in starts if d <= day]
    if not earlier:
        assert index == -1
    else:
        assert value.starts[index] == max(earlier)
        assert value.sources[index] == Decimal(starts.index(max(earlier)))
        entry = value.entries[index]
        assert entry.since <= day
        assert entry.until is None or day <= entry.until


@settings(deadline=None, max_examples=40)
@given(day=st.dates(dt.date(2011, 11, 30), dt.date(2014, 12, 31)))
def test_any_event_date_takes_the_ratio_in_force(day: dt.date) -> None:
    decision = _DATED_POLICY().evaluate(contract(day.isoformat()))
    expected = Decimal("0.60") if day >= dt.date(2012, 7, 1) else Decimal("0.50")
    assert decision.values["deposit_ratio"] == expected
    assert [e.since for e in decision.values_in_force] == [
        dt.date(2012, 7, 1) if day >= dt.date(2012, 7, 1) else dt.date(2011, 11, 1)
    ]


_CACHE: dict[str, Policy] = {}


def _DATED_POLICY() -> Policy:  # noqa: N802 - read as a constant, built once for the property test
    if "policy" not in _CACHE:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="dated-")) / "policy"
        _CACHE["policy"] = load_policy(deposit_dated(folder))
    return _CACHE["policy"]


# ---- explain ----


def test_explain_says_the_value_in_force_in_both_languages(dated: Policy) -> None:
    decision, trace = dated.trace(contract("2012-06-30"))
    zh = lines(dated.compiled, decision, trace, "zh")
    en = lines(dated.compiled, decision, trace, "en")
    assert "  定金比例：0.50（2011-11-01 至 2012-06-30 适用的值）" in zh
    assert "  deposit ratio: 0.50 (the value in force from 2011-11-01 to 2012-06-30)" in en
    assert "    分期规定的值：定金比例（2011-11-01 至 2012-06-30 适用的值）" in zh
    assert "    dated values taken: deposit ratio (the value in force from 2011-11-01 to 2012-06-30)" in en
    decision, trace = dated.trace(contract("2012-07-01"))
    en = lines(dated.compiled, decision, trace, "en")
    assert "  deposit ratio: 0.60 (the value in force from 2012-07-01)" in en


# ---- diff ----


def _corpus(tmp_path: Path) -> Path:
    """Contracts of every class and customer on both sides of 2012-07-01."""
    path = tmp_path / "corpus.jsonl"
    events = [
        contract(day, product_class, customer, amount=amount)
        for day in ("2011-11-30", "2012-06-30", "2012-07-01", "2013-03-01")
        for product_class in ("stock", "made_to_order", "custom")
        for customer in ("new", "existing")
        for amount in ("5000.00", "10000.00", "10000.01")
    ]
    for i, event in enumerate(events):
        event["id"] = f"C-{i}"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def test_the_dated_cell_decides_as_the_amendment_rule(tmp_path: Path, dated_dir: Path) -> None:
    """The change written as a dated value, diffed against it written as an exception rule: 0 changes."""
    amendment = load_policy(deposit_60(tmp_path / "amendment"))
    report = diff_mod.diff(amendment, load_policy(dated_dir), diff_mod.read_corpus(_corpus(tmp_path)))
    assert report.events == 72
    assert report.bad == []
    assert report.changed == []


def test_diff_says_a_dated_value_changed(tmp_path: Path, dated_dir: Path) -> None:
    earlier = "deposit_ratio: {2011-11-01: 0.50, 2012-04-01: 0.60}, payment_on_delivery"
    moved = load_policy(deposit_dated(tmp_path / "moved", earlier))
    report = diff_mod.diff(load_policy(dated_dir), moved, diff_mod.read_corpus(_corpus(tmp_path)))
    # Custom goods of 2012-06-30 (two customers, three amounts) now take 60%.
    assert len(report.changed) == 6
    assert {c.date for c in report.changed} == {"2012-06-30"}
    change = report.changed[0]
    assert change.rules == ("contract.payment-terms",)
    ratio = next(c for c in change.changes if c.field == "values.deposit_ratio")
    assert (ratio.old, ratio.new) == ("0.50", "0.60")
    assert ratio.dated == "contract.payment-terms from 2011-11-01 -> contract.payment-terms from 2012-04-01"
    amount = next(c for c in change.changes if c.field == "values.deposit_amount")
    assert amount.dated == ""  # computed from the ratio, not dated itself
    assert report.to_json()["decisions"][0]["changes"][0] == {
        "field": "values.deposit_amount",
        "old": amount.old,
        "new": amount.new,
    }
    assert {
        "field": "values.deposit_ratio",
        "old": "0.50",
        "new": "0.60",
        "dated": ratio.dated,
    } in report.to_json()["decisions"][0]["changes"]


def test_diff_of_two_days_of_one_event_names_the_change(dated: Policy) -> None:
    """The web page's `compare` puts one event on two days; the change says which dated value did it."""
    changes = diff_mod.compare(dated.evaluate(contract("2012-06-30")), dated.evaluate(contract("2012-07-01")))
    ratio = next(c for c in changes if c.field == "values.deposit_ratio")
    assert ratio.dated == "contract.payment-terms from 2011-11-01 -> contract.payment-terms from 2012-07-01"


# ---- lint and the table analysis ----


def test_the_dated_table_lints_as_the_shipped_one(dated_dir: Path, late_dir: Path) -> None:
    shipped = {(f.check, f.message) for f in lint.lint_policy(SHIPPED)}
    findings = lint.lint_policy(dated_dir)
    assert not lint.has_errors(findings)
    # The editions start on the day the value changes: nothing new to say.
    assert {(f.check, f.message) for f in findings} - shipped == set()
    late = {(f.check, f.message) for f in lint.lint_policy(late_dir)} - shipped
    message = (
        "`deposit_ratio` has no value before 2011-12-01, but the rule is in force from 2011-11-30: "
        "such an event is referred to the general manager (第三十九条)"
    )
    assert late == {("dated-value", message)}


# ---- load errors ----

ERRORS = [
    (
        "{2011-13-01: 0.50}",
        "`2011-13-01` is not a date on the calendar: month must be in 1..12",
    ),
    ("{2011-1-1: 0.50}", "`2011-1-1` is not a date: a dated value's keys are days written YYYY-MM-DD"),
    ("{first: 0.50}", "`first` is not a date: a dated value's keys are days written YYYY-MM-DD"),
    (
        "{2012-07-01: 0.60, 2011-11-01: 0.50}",
        "`2011-11-01` comes after `2012-07-01`: a dated value's days must ascend",
    ),
    ("{2011-11-01: 1.50}", "ratio `1.50` is outside 0 to 1"),
    ("{2011-11-01: true}", "`True` is not a ratio"),
    ("{}", "a dated value needs at least one `date: value`"),
    ("{2011-11-01: [0.5]}", "a list is not a ratio"),
    ("{2011-11-01: {2012-01-01: 0.5}}", "a mapping is not a ratio"),
    ("{2011-11-01: 2012-01-01}", "`2012-01-01` is not a ratio"),
    ('{2011-11-01: "amount > 5"}', "`amount > 5` is a boolean, but ratio is needed here"),
]


@pytest.mark.parametrize(("written", "message"), ERRORS, ids=[w for w, _ in ERRORS])
def test_a_bad_dated_value_is_a_load_error_with_its_place(tmp_path: Path, written: str, message: str) -> None:
    root = assemble(tmp_path / "policy", MINI)
    (root / "rules.yaml").write_text(
        "rules:\n  - id: terms\n    on: contract\n    cite: {article: 24}\n    then:\n"
        f"      values:\n        deposit_ratio: {written}\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(root)
    [finding] = caught.value.findings
    assert (Path(finding.file).name, finding.line, finding.rule, finding.message) == (
        "rules.yaml",
        7,
        "terms",
        message,
    )


def test_a_dated_key_written_twice_is_refused_by_the_yaml_reader(tmp_path: Path) -> None:
    root = assemble(tmp_path / "policy", MINI)
    (root / "rules.yaml").write_text(
        "rules:\n  - id: terms\n    on: contract\n    cite: {article: 24}\n    then:\n"
        "      values:\n        deposit_ratio: {2011-11-01: 0.50, 2011-11-01: 0.60}\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(root)
    assert [(f.line, f.message) for f in caught.value.findings] == [
        (7, "duplicate key `2011-11-01` (first at line 7)")
    ]


def test_the_help_shows_how_to_write_a_dated_value(tmp_path: Path) -> None:
    root = assemble(tmp_path / "policy", MINI)
    (root / "rules.yaml").write_text(
        "rules:\n  - id: terms\n    on: contract\n    cite: {article: 24}\n"
        "    then: {values: {deposit_ratio: {someday: 0.50}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(root)
    [finding] = caught.value.findings
    assert finding.help == (
        "a dated value maps the first day of each value to it, oldest first: "
        "`{2011-11-01: 0.50, 2012-07-01: 0.60}`"
    )


def test_the_web_page_compare_says_the_dated_value(dated: Policy) -> None:
    from salesops_rules.service.web_html import changes_list

    changes = diff_mod.compare(dated.evaluate(contract("2012-06-30")), dated.evaluate(contract("2012-07-01")))
    html = changes_list(dated.compiled, changes, "en")
    assert (
        '<tr class="dated"><td colspan="4">dated value in force: contract.payment-terms from 2011-11-01 '
        "-&gt; contract.payment-terms from 2012-07-01</td></tr>"
    ) in html
    assert "适用的分期规定值：contract.payment-terms from 2011-11-01" in changes_list(
        dated.compiled, changes, "zh"
    )


def test_a_dated_value_of_a_rule_that_then_fails_is_not_named(tmp_path: Path) -> None:
    """The rule's next value cannot be computed: the rule's values are all undetermined, none taken."""
    root = assemble(tmp_path / "policy", MINI)
    (root / "rules.yaml").write_text(
        "rules:\n"
        "  - id: terms\n    on: contract\n    cite: {article: 24}\n"
        "    then: {values: {deposit_ratio: {2011-01-01: 0.50},\n"
        '                    payment_on_delivery: "round_money(amount * 1000000000000000000000000) > 0"}}\n',
        encoding="utf-8",
    )
    decision = load_policy(root).evaluate(contract("2012-01-01"))
    assert "deposit_ratio" not in decision.values
    assert decision.values_in_force == []
    assert [o.code for o in decision.obligations] == ["refer_to_general_manager"]


def test_the_pack_page_shows_a_dated_cell_as_written(dated: Policy) -> None:
    from salesops_rules.service.web_html import _rows

    rule = next(r for r in dated.compiled.rules if r.id == "contract.payment-terms")
    assert rule.table is not None
    html = _rows(rule, rule.table.rows, "en")
    assert html.count("<td>{2011-11-01: 0.50, 2012-07-01: 0.60}</td>") == 2
    assert "DatedValue" not in html


# ---- dated condition cells ----

CELLS = POLICIES / "dated-cells"
CELL_CASES = load_cases(CELLS / "tests" / "cases.yaml")


@pytest.fixture(scope="module")
def cells_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return assemble(tmp_path_factory.mktemp("cells") / "policy", MINI, CELLS)


@pytest.fixture(scope="module")
def cells(cells_dir: Path) -> Policy:
    return load_policy(cells_dir)


@pytest.mark.parametrize("case", CELL_CASES, ids=[c.name for c in CELL_CASES])
def test_dated_cell_case(cells: Policy, case: Any) -> None:
    result = run_case(cells, case)
    assert result.passed, "\n".join(result.mismatches)


def test_the_decision_names_the_dated_condition_of_the_row(cells: Policy) -> None:
    decision = cells.evaluate(contract("2012-07-01", "stock", amount="15000"))
    assert decision.model_dump(mode="json")["values_in_force"] == [
        {"name": "amount", "rule": "terms", "since": "2012-07-01", "until": None, "row": 1}
    ]


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.dates(dt.date(2011, 11, 1), dt.date(2013, 12, 31)),
    cents=st.integers(min_value=1, max_value=3_000_000),
)
def test_any_day_and_amount_take_the_threshold_in_force(cells: Policy, day: dt.date, cents: int) -> None:
    amount = Decimal(cents) / 100
    decision = cells.evaluate(contract(day.isoformat(), "stock", amount=str(amount)))
    threshold = Decimal(20000) if day >= dt.date(2012, 7, 1) else Decimal(10000)
    assert decision.values["deposit_ratio"] == (Decimal("0.20") if amount <= threshold else Decimal("0.30"))
    [entry] = decision.values_in_force
    assert entry.since == (dt.date(2012, 7, 1) if day >= dt.date(2012, 7, 1) else dt.date(2011, 11, 1))


def test_explain_says_the_dated_condition(cells: Policy) -> None:
    decision, trace = cells.trace(contract("2012-07-01", "stock", amount="15000"))
    en = lines(cells.compiled, decision, trace, "en")
    zh = lines(cells.compiled, decision, trace, "zh")
    assert "    dated values taken: row 1's condition on the amount (in force from 2012-07-01)" in en
    assert "    分期规定的值：第 1 行对金额的条件（2012-07-01 起适用）" in zh
    # ...and not among the values: it is a condition, not a figure.
    assert "  deposit ratio: 0.20" in en
    decision, trace = cells.trace(contract("2012-06-30", "stock", amount="15000"))
    en = lines(cells.compiled, decision, trace, "en")
    assert (
        "    dated values taken: row 2's condition on the amount (in force from 2011-11-01 to 2012-06-30)"
        in en
    )


def test_lint_analyses_a_dated_table_period_by_period(tmp_path: Path, cells_dir: Path) -> None:
    assert [f.check for f in lint.lint_policy(cells_dir)] == ["table-gap"]  # before 2011-11-01
    [before] = lint.lint_policy(cells_dir)
    assert before.message.endswith("(before 2011-11-01)")
    gap = assemble(tmp_path / "gap", MINI, CELLS)
    rules = (gap / "rules.yaml").read_text(encoding="utf-8")
    (gap / "rules.yaml").write_text(rules.replace('"> 20000"', '"> 25000"'), encoding="utf-8")
    messages = [f.message for f in lint.lint_policy(gap) if f.check == "table-gap"]
    assert messages == [
        "no row matches customer.type=new, 20000 < amount <= 25000, e.g. customer.type=new, "
        "amount=20000.01 (from 2012-07-01)",
        "no row matches customer.type=new, e.g. customer.type=new, amount=1 (before 2011-11-01)",
    ]


def test_lint_says_an_overlap_of_one_period_with_its_rows(tmp_path: Path) -> None:
    root = assemble(tmp_path / "overlap", MINI, CELLS)
    rules = (root / "rules.yaml").read_text(encoding="utf-8")
    (root / "rules.yaml").write_text(rules.replace('"> 20000"', '"> 15000"'), encoding="utf-8")
    found = [(f.check, f.message) for f in lint.lint_policy(root) if f.check.startswith("table-overlap")]
    assert found == [
        (
            "table-overlap",
            "rows 1 and 2 both match customer.type=new, 15000 < amount <= 20000 and decide differently, "
            "e.g. customer.type=new, amount=15000.01 (from 2012-07-01)",
        )
    ]


def test_the_policy_in_force_leaves_out_the_periods_before_it(tmp_path: Path) -> None:
    root = assemble(tmp_path / "policy", MINI, CELLS)
    manifest = (root / "policy.yaml").read_text(encoding="utf-8")
    manifest = manifest.replace(
        '  version: "1"\n', '  version: "1"\n  in_force: {first_day: 2011-11-01, cite: {article: 24}}\n'
    )
    (root / "policy.yaml").write_text(manifest, encoding="utf-8")
    assert [f.check for f in lint.lint_policy(root)] == []


def test_the_pack_page_shows_a_dated_condition_as_written(cells: Policy) -> None:
    from salesops_rules.service.web_html import _rows

    rule = cells.compiled.rules[0]
    assert rule.table is not None
    html = _rows(rule, rule.table.rows, "en")
    assert "<td>{2011-11-01: &lt;= 10000, 2012-07-01: &lt;= 20000}</td>" in html


def test_diff_names_the_dated_condition_that_chose_another_row(tmp_path: Path, cells_dir: Path) -> None:
    moved = assemble(tmp_path / "moved", MINI, CELLS)
    rules = (moved / "rules.yaml").read_text(encoding="utf-8")
    (moved / "rules.yaml").write_text(rules.replace("2012-07-01", "2012-06-01"), encoding="utf-8")
    changes = diff_mod.compare(
        load_policy(cells_dir).evaluate(contract("2012-06-15", "stock", amount="15000")),
        load_policy(moved).evaluate(contract("2012-06-15", "stock", amount="15000")),
    )
    ratio = next(c for c in changes if c.field == "values.deposit_ratio")
    assert (ratio.old, ratio.new) == ("0.30", "0.20")
    assert ratio.dated == "terms row 2 `amount` from 2011-11-01 -> terms row 1 `amount` from 2012-06-01"


CELL_ERRORS = [
    ('{2011-13-01: "<= 1"}', 8, "`2011-13-01` is not a date on the calendar: month must be in 1..12"),
    (
        '{2012-07-01: "<= 2", 2011-11-01: "<= 1"}',
        8,
        "`2011-11-01` comes after `2012-07-01`: a dated cell's days must ascend",
    ),
    (
        '{2011-11-01: "<= many"}',
        8,
        "`<= many`: `many` is not a plain decimal number; write a comparison cell as in `<= 10000`",
    ),
    ("{2011-11-01: null}", 8, "a dated cell holds cells, not null"),
    ("{2011-11-01: {a: 1}}", 8, "a dated cell holds cells, not a mapping"),
    ("{}", 8, "a dated cell needs at least one `date: cell`"),
]


@pytest.mark.parametrize(("written", "line", "message"), CELL_ERRORS, ids=[w for w, _, _ in CELL_ERRORS])
def test_a_bad_dated_cell_is_a_load_error_with_its_place(
    tmp_path: Path, written: str, line: int, message: str
) -> None:
    root = assemble(tmp_path / "policy", MINI)
    (root / "rules.yaml").write_text(
        "rules:\n  - id: terms\n    on: contract\n    cite: {article: 24}\n    table:\n"
        "      inputs: [amount]\n      rows:\n"
        f"        - when: {{amount: {written}}}\n"
        "          then: {values: {deposit_ratio: 0.30}}\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(root)
    [finding] = caught.value.findings
    assert (finding.line, finding.rule, finding.message) == (line, "terms", message)
    assert finding.help
