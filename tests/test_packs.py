"""The packs shipped beside the bundled policy (packs/*): each loads, lints with no error,
passes its own cases and ledger cases, and its coverage accounts for every clause."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesops_rules import Policy, load_policy
from salesops_rules.audit.ledger_cases import run_ledger_case
from salesops_rules.tools import lint
from salesops_rules.tools.article_coverage import coverage
from salesops_rules.tools.cases import Case, LedgerCase, load_suite, run_case

PACKS_DIR = Path(__file__).resolve().parent.parent / "packs"
PACKS = sorted(p.name for p in PACKS_DIR.iterdir() if (p / "regulation.yaml").is_file())


def _suite(name: str) -> tuple[list[Case], list[LedgerCase]]:
    suite = load_suite(PACKS_DIR / name / "tests")
    return suite.cases, suite.ledger_cases


CASES = [(name, case) for name in PACKS for case in _suite(name)[0]]
LEDGER_CASES = [(name, case) for name in PACKS for case in _suite(name)[1]]

_LOADED: dict[str, Policy] = {}


def _policy(name: str) -> Policy:
    if name not in _LOADED:
        _LOADED[name] = load_policy(PACKS_DIR / name)
    return _LOADED[name]


def test_the_packs_are_there() -> None:
    assert PACKS == ["sales-office-rewards", "warehouse"]


@pytest.mark.parametrize("name", PACKS)
def test_pack_lints_with_no_error(name: str) -> None:
    findings = lint.lint_policy(PACKS_DIR / name)
    errors = [f.render() for f in findings if f.severity == lint.ERROR]
    assert errors == []


@pytest.mark.parametrize("name", PACKS)
def test_pack_has_cases_for_every_computable_clause(name: str) -> None:
    # At least one case cites each clause the catalogue marks computable.
    policy = _policy(name)
    cited = {case.cite for n, case in CASES if n == name}
    cited |= {case.cite for n, case in LEDGER_CASES if n == name}
    catalogue = policy.compiled.catalogue
    wanted = {a.label for a in catalogue.articles if a.computable}
    # A clause is tested when a case cites it or one of its items (四、2. tests 四、).
    missing = sorted(label for label in wanted if not any(c.startswith(label) for c in cited))
    assert missing == []
    # An itemised article's computable items each have a case of their own.
    items = {
        catalogue.label(a.article, i.item)
        for a in catalogue.articles
        if a.itemised
        for i in a.items
        if i.computable is not False
    }
    assert sorted(items - cited) == []


@pytest.mark.parametrize(("name", "case"), CASES, ids=[f"{n}: {c.name}" for n, c in CASES])
def test_pack_case(name: str, case: Case) -> None:
    result = run_case(_policy(name), case)
    if not result.passed:
        pytest.fail("\n".join(result.mismatches), pytrace=False)


@pytest.mark.parametrize(("name", "case"), LEDGER_CASES, ids=[f"{n}: {c.name}" for n, c in LEDGER_CASES])
def test_pack_ledger_case(name: str, case: LedgerCase) -> None:
    result = run_ledger_case(_policy(name), case)
    if not result.passed:
        pytest.fail("\n".join(result.mismatches), pytrace=False)


@pytest.mark.parametrize("name", PACKS)
def test_pack_coverage_accounts_for_every_clause(name: str) -> None:
    rows = coverage(_policy(name).compiled)
    assert [r.label for r in rows] == [a.label for a in _policy(name).compiled.catalogue.articles]
    clauses = [c for r in rows for c in [r, *r.items]]
    assert [c.label for c in clauses if c.status == "not_enforced"] == []
    assert all(c.reason for c in clauses if c.status == "non_computable")


def test_the_sales_office_coverage_goes_item_by_item() -> None:
    # Its clauses are items (四、2.): each is listed, 二、2. and 五、2. with their reasons.
    rows = coverage(_policy("sales-office-rewards").compiled)
    items = {i.label: i for r in rows for i in r.items}
    assert list(items) == [
        *("二、1.", "二、2.", "二、3.", "三、1.", "三、2.", "三、3."),
        *("四、1.", "四、2.", "五、1.", "五、2."),
    ]
    assert [label for label, i in items.items() if i.status == "non_computable"] == ["二、2.", "五、2."]
    assert items["五、1."].engine == "a case the rules do not settle is referred to human resources"
    assert items["三、1."].rules == ["result.target-met", "result.three-months-below-target"]


def test_an_event_of_a_pack_is_read_by_its_own_kinds() -> None:
    # The pack's kinds, not the bundled ones: a price as a float is refused naming its field,
    # and the company's percentage is a required input of a sales result.
    from salesops_rules.errors import EventError

    warehouse = _policy("warehouse")
    receipt = {
        "kind": "goods_receipt",
        "id": "GR-X",
        "date": "2024-03-04",
        "item_class": "maintenance_item",
        "goods": {"name": "灯管", "spec": "T8-18W", "quantity": 20, "unit_price": 12.5},
    }
    with pytest.raises(EventError, match=r"\$\.goods\.unit_price"):
        warehouse.evaluate(receipt)
    result = {
        "kind": "monthly_sales_result",
        "id": "MR-X",
        "date": "2024-01-31",
        "month": "2024-01",
        "employee": {"id": "S-01", "role": "sales_clerk"},
        "sales_amount": "100.00",
        "sales_target": "50.00",
    }
    with pytest.raises(EventError, match=r"\$\.bonus_rate"):
        _policy("sales-office-rewards").evaluate(result)
    with pytest.raises(EventError, match="contract"):
        warehouse.evaluate({"kind": "contract", "id": "C-1", "date": "2024-01-01"})


def test_the_warehouse_pack_names_no_authority_and_says_so() -> None:
    # 《后勤管理制度》 names no interpreting body: lint says the open cases stay undetermined.
    findings = lint.lint_policy(PACKS_DIR / "warehouse")
    assert any("no `authority`" in f.message for f in findings if f.severity != lint.ERROR)


def test_the_packs_are_shipped_in_the_wheel() -> None:
    import tomllib

    pyproject = tomllib.loads((PACKS_DIR.parent / "pyproject.toml").read_text(encoding="utf-8"))
    included = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert included["packs"] == "salesops_rules/_packs"


def test_explain_quotes_the_item_a_rule_rests_on(capsys: pytest.CaptureFixture[str]) -> None:
    # 三、's own words are only its heading (惩罚机制): a rule resting on 三、2. shows 三、2.
    from salesops_rules.cli import main

    event = PACKS_DIR / "sales-office-rewards" / "examples" / "misconduct.json"
    assert main(["explain", "--policy", str(PACKS_DIR / "sales-office-rewards"), str(event)]) == 0
    out = capsys.readouterr().out.splitlines()
    item = "违反规章制度:对于违反公司规定的行为,根据情节轻重,给予相应的罚款或纪律处分。"
    assert f"    text: 惩罚机制2.{item}" in out
    # The sanctions in the pack's words: alternatives, none of them with an amount.
    penalty = "  三、2.: one of: a fine; disciplinary action (subject to determination)"
    assert any(line.startswith(penalty) for line in out)


@pytest.mark.parametrize("name", PACKS)
def test_pack_events_md_is_up_to_date(name: str) -> None:
    # Each pack's events reference (`events.md` in its folder), as `schema events --markdown` prints it.
    import os

    from salesops_rules.tools import eventdocs

    policy = _policy(name)
    text = eventdocs.markdown(policy, eventdocs.examples(policy))
    doc = PACKS_DIR / name / "events.md"
    if os.environ.get("SALESOPS_REGEN_DOCS") == "1":
        doc.write_text(text, encoding="utf-8")
    assert doc.read_text(encoding="utf-8") == text, "SALESOPS_REGEN_DOCS=1 pytest tests/test_packs.py"
    # Every kind has an example there, taken from the pack's own cases, and it is decided.
    found = eventdocs.examples(policy)
    assert set(found) == set(policy.compiled.events.kinds)
    for kind, event in found.items():
        assert policy.evaluate(event).kind == kind
