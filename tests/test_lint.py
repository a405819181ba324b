"""`lint`: one small broken policy per finding, each asserted as printed, and the shipped policy."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from editor_support import MINI, POLICIES, SHIPPED, assemble, lint_case
from salesops_rules.core.expressions import Expression
from salesops_rules.core.loader import load_policy
from salesops_rules.tools import lint

# Each folder under tests/policies/lint/ is laid over tests/policies/mini: (finding, help) as printed.
CASES: list[tuple[str, list[tuple[str, str | None]]]] = [
    (
        "approval-cycle",
        [
            (
                (
                    "roles.yaml:8:5: error: the approval order has a cycle: logistics_supervisor "
                    "-> general_manager -> logistics_supervisor"
                ),
                None,
            ),
        ],
    ),
    (
        "chain-unused",
        [
            (
                "roles.yaml:11:3: warning: approval chain `credit_sale` is used by no rule",
                "a rule uses a chain with `approvals: credit_sale`",
            ),
        ],
    ),
    (
        "conflicts-not-analysed",
        [
            (
                (
                    "rules.yaml:3:6: warning [r000]: lint does not compare the 301 rules that set "
                    "`deposit_ratio` on `contract` events for disagreements: more than 300"
                ),
                "set the value in fewer rules, for instance in one decision table",
            ),
        ],
    ),
    (
        "exception-cycle",
        [
            (
                (
                    "rules.yaml:6:5: error [deposit-a]: rules are exceptions to each other: "
                    "`deposit-a` -> `deposit-b` -> `deposit-a`"
                ),
                ("each gives way to the other, so neither decides; keep `exception_to` on the specific one"),
            ),
        ],
    ),
    (
        "exception-no-effect",
        [
            (
                (
                    "rules.yaml:12:5: warning [delivery]: this rule is an exception to `deposit` "
                    "but sets nothing it sets: the exception changes nothing"
                ),
                "`delivery` sets `payment_on_delivery`; `deposit` sets `deposit_ratio`",
            ),
            (
                (
                    "rules.yaml:25:5: warning [new-only]: this rule and `existing-only` never "
                    "decide the same event: the exception changes nothing"
                ),
                "check both conditions, or drop the `exception_to`",
            ),
        ],
    ),
    (
        "load-errors",
        [
            (
                ("rules.yaml:11:5: error [unknown-field]: in `amout > 10000`: unknown name `amout`"),
                "did you mean `amount`?",
            ),
            (
                ("rules.yaml:17:5: error [date-with-money]: `date > amount` compares a date with a number"),
                None,
            ),
            (
                "rules.yaml:22:5: error [missing-article]: article `99` is not in the catalogue",
                "the regulation has articles 1 to 39",
            ),
            (
                (
                    "rules.yaml:30:12: error [unknown-role]: unknown role `sales_director` in an "
                    "approval chain"
                ),
                "declare it under `roles:` in roles.yaml",
            ),
        ],
    ),
    (
        "never-true",
        [
            (
                (
                    "rules.yaml:6:5: warning [deposit]: `when` can never be true: `amount > 10000` "
                    "and `amount <= 5000` exclude each other"
                ),
                "the rule never applies (its `else` always does)",
            ),
        ],
    ),
    (
        "rule-conflict",
        [
            (
                (
                    "rules.yaml:9:5: warning [deposit-large]: rules `deposit-new` and "
                    "`deposit-large` can both set `deposit_ratio` and disagree, e.g. "
                    "customer.type=new, amount=10000.01"
                ),
                (
                    "neither is an `exception_to` of the other, so such an event is referred to "
                    "the general manager (第三十九条); name the rule that prevails in the other's "
                    "`exception_to`, or narrow a `when`"
                ),
            ),
        ],
    ),
    (
        "table-gap",
        [
            (
                (
                    "rules.yaml:8:7: warning [deposit]: no row matches customer.type=new, "
                    "product_class=stock, amount > 10000, e.g. customer.type=new, "
                    "product_class=stock, amount=10000.01"
                ),
                (
                    "the rule states no `deposit_ratio`, `payment_on_delivery` there and such an "
                    "event is referred to the general manager (第三十九条); add a row if the regulation "
                    "settles it"
                ),
            ),
        ],
    ),
    (
        "table-not-analysed",
        [
            (
                ("rules.yaml:7:7: warning [deposit]: lint cannot check this table for gaps and overlaps"),
                (
                    "it cuts numbers, booleans and strings only; the inputs are `date` (a date), "
                    "`amount` (a number)"
                ),
            ),
        ],
    ),
    (
        "table-overlap",
        [
            (
                (
                    "rules.yaml:11:11: error [deposit]: rows 1 and 2 both match customer.type=new, "
                    "amount=10000 and decide differently, e.g. customer.type=new, amount=10000"
                ),
                (
                    "hit policy `unique` lets one row match an event: narrow a row, or say `hit: "
                    "first` if the earlier row prevails"
                ),
            ),
        ],
    ),
    (
        "table-overlap-agreeing",
        [
            (
                (
                    "rules.yaml:11:11: warning [deposit]: rows 1 and 2 both match "
                    "customer.type=new, product_class=custom, e.g. customer.type=new, "
                    "product_class=custom"
                ),
                (
                    "they decide the same, but under hit policy `unique` an event two rows match "
                    "is referred to the general manager; merge them"
                ),
            ),
        ],
    ),
    (
        "table-silent",
        [
            (
                (
                    "rules.yaml:11:11: warning [deposit]: row 2 states no `deposit_ratio` for "
                    "amount > 10000, e.g. amount=10000.01"
                ),
                (
                    "such an event is referred to the general manager (第三十九条); write "
                    "`deposit_ratio: null` in the row if the regulation asks for none"
                ),
            ),
        ],
    ),
    (
        "table-unreachable-row",
        [
            (
                (
                    "rules.yaml:14:11: warning [deposit]: row 3 is never selected: row(s) 1, 2 "
                    "match its events first"
                ),
                "remove or correct it",
            ),
            (
                ("rules.yaml:16:11: warning [deposit]: row 4 never matches: no value meets its cells"),
                "remove or correct it",
            ),
        ],
    ),
    (
        "no-authority",
        [
            (
                "policy.yaml:2:1: warning: no `authority`: the cases the rules leave open stay "
                "undetermined (obligation `undetermined`), referred to no one",
                "declare who decides them: `authority: {role, cite, code, zh, en}` (docs/policy-format.md)",
            ),
            (
                "rules.yaml:8:7: warning [deposit]: no row matches amount > 10000, e.g. amount=10000.01",
                "the rule states no `deposit_ratio`, `payment_on_delivery` there and such an event is "
                "left undetermined (the pack declares no `authority`); "
                "add a row if the regulation settles it",
            ),
        ],
    ),
    (
        "value-never-set",
        [
            (
                ("policy.yaml:8:3: warning: value `payment_on_delivery` is declared but no rule sets it"),
                "a decision never carries it; remove it or add the rule that sets it",
            ),
        ],
    ),
    (
        "version-dates",
        [
            (
                (
                    "rules.yaml:7:5: warning [deposit-2011]: this rule is out of force from "
                    "2012-07-01, but no policy version starts then: decisions on both sides name "
                    "version `2011-11`"
                ),
                "add `{version: ..., effective_from: 2012-07-01}` to `versions` in policy.yaml",
            ),
            (
                (
                    "rules.yaml:13:5: warning [deposit-2012]: this rule is in force from "
                    "2012-07-01, but no policy version starts then: decisions on both sides name "
                    "version `2011-11`"
                ),
                "add `{version: ..., effective_from: 2012-07-01}` to `versions` in policy.yaml",
            ),
        ],
    ),
]


REFERRED = "such an event is referred to the general manager (第三十九条)"
CONFLICT_HELP = (
    f"neither is an `exception_to` of the other, so {REFERRED}; name the rule that prevails in the "
    "other's `exception_to`, or narrow a `when`"
)
CASES.append(
    (
        "dated-value",
        [
            (
                "rules.yaml:12:32: warning [deposit-dated]: `deposit_ratio` has no value before 2011-12-01, "
                f"but the rule is in force from 2011-11-01: {REFERRED}",
                "start the value on the first day the rule is in force",
            ),
            (
                "rules.yaml:12:50: warning [deposit-dated]: `deposit_ratio` changes on 2012-07-01, but no "
                "policy version starts then: decisions on both sides name version `2011-11`",
                "add `{version: ..., effective_from: 2012-07-01}` to `versions` in policy.yaml",
            ),
            (
                "rules.yaml:24:57: warning [payment-dated]: the value of `payment_on_delivery` from "
                "2012-08-01 is never taken: the rule is out of force after 2012-07-31",
                "remove it, or move the rule's `effective_to`",
            ),
            (
                "rules.yaml:25:5: warning [deposit-high]: rules `deposit-dated` and `deposit-high` can "
                "both set `deposit_ratio` and disagree from 2012-07-01, e.g. any event",
                CONFLICT_HELP,
            ),
            (
                "rules.yaml:25:5: warning [deposit-high]: rules `deposit-same` and `deposit-high` can "
                "both set `deposit_ratio` and disagree from 2012-08-01, e.g. any event",
                CONFLICT_HELP,
            ),
            (
                "rules.yaml:29:50: warning [deposit-high]: `deposit_ratio` changes on 2013-01-01, but no "
                "policy version starts then: decisions on both sides name version `2012-08`",
                "add `{version: ..., effective_from: 2013-01-01}` to `versions` in policy.yaml",
            ),
        ],
    )
)


@pytest.mark.parametrize(("case", "expected"), CASES, ids=[c for c, _ in CASES])
def test_each_finding_on_its_broken_policy(
    tmp_path: Path, case: str, expected: list[tuple[str, str | None]]
) -> None:
    root = lint_case(tmp_path, case)
    findings = lint.lint_policy(root)
    assert [(f.render().split("\n")[0], f.help) for f in findings] == [
        (f"{root}/{where}", help) for where, help in expected
    ]


def test_every_check_has_a_broken_policy_and_a_severity() -> None:
    folders = {p.name for p in (POLICIES / "lint").iterdir()}
    own_checks = set(lint.CHECKS) - {"load"}
    assert own_checks <= folders
    assert set(lint.CHECKS.values()) == {lint.ERROR, lint.WARNING}


def test_findings_name_their_check_and_severity(tmp_path: Path) -> None:
    findings = lint.lint_policy(lint_case(tmp_path, "table-overlap"))
    assert [(f.check, f.severity) for f in findings] == [("table-overlap", "error")]
    assert lint.has_errors(findings)
    warnings = lint.lint_policy(lint_case(tmp_path, "table-silent"))
    assert [(f.check, f.severity) for f in warnings] == [("table-silent", "warning")]
    assert not lint.has_errors(warnings)


def test_the_shipped_policy_has_the_real_gap_of_article_24_as_a_warning() -> None:
    findings = lint.lint_policy(SHIPPED)
    assert not lint.has_errors(findings), [f.render() for f in findings]
    gap = [f for f in findings if f.rule == "contract.payment-terms"]
    # The row of the table for an existing customer's stock order over 10000.
    text = (SHIPPED / "contracts.yaml").read_text(encoding="utf-8").splitlines()
    line = next(
        n
        for n, t in enumerate(text, 1)
        if 'customer.type: existing, product_class: stock, amount: "> 10000"' in t
    )
    assert [f.render() for f in gap] == [
        f"{SHIPPED}/contracts.yaml:{line}:11: warning [contract.payment-terms]: row 2 states no "
        "`deposit_ratio` for customer.type=existing, product_class=stock, amount > 10000, "
        "e.g. customer.type=existing, product_class=stock, amount=10000.01\n"
        "  help: such an event is referred to the general manager (第三十九条); "
        "write `deposit_ratio: null` in the row if the regulation asks for none"
    ]


def test_a_hundred_rules_with_two_broken_report_exactly_those(tmp_path: Path) -> None:
    root = assemble(tmp_path / "many", MINI)
    rules = []
    for i in range(100):
        when = f"amount > {i * 100}"
        if i == 17:
            when = "amount > 'ten thousand'"
        if i == 83:
            when = "customer.tipe == 'new'"
        rules.append(
            f"  - id: r{i:03}\n    on: contract\n    cite: {{article: 24}}\n"
            f'    when: "{when}"\n    then: {{values: {{payment_on_delivery: true}}}}\n'
        )
    rules.append(
        "  - id: ratio\n    on: contract\n    cite: {article: 24}\n    then: {values: {deposit_ratio: 0.3}}\n"
    )
    (root / "rules.yaml").write_text("rules:\n" + "".join(rules), encoding="utf-8")
    findings = lint.lint_policy(root)
    assert [(f.rule, f.line, f.severity, f.message) for f in findings] == [
        ("r017", 90, "error", "`amount > 'ten thousand'` compares a number with a string"),
        ("r083", 420, "error", "in `customer.tipe == 'new'`: unknown name `customer.tipe`"),
    ]


def test_lint_never_runs_an_expression(tmp_path: Path) -> None:
    policy = load_policy(SHIPPED)

    def refuse(_: object) -> object:
        raise AssertionError("lint ran an expression")

    def disarm(expression: Expression) -> None:
        object.__setattr__(expression, "fn", refuse)
        for atom in expression.atoms:
            object.__setattr__(atom, "fn", refuse)

    for rule in policy.rules:
        for value in dataclasses.astuple(rule):
            _walk(value, disarm)
    findings = lint.lint_compiled(policy)
    assert not lint.has_errors(findings)


def _walk(value: object, visit: object) -> None:
    if isinstance(value, Expression):
        visit(value)  # type: ignore[operator]
    elif isinstance(value, tuple | list):
        for item in value:
            _walk(item, visit)


def test_a_policy_folder_that_does_not_exist(tmp_path: Path) -> None:
    findings = lint.lint_policy(tmp_path / "nowhere")
    assert [f.render() for f in findings] == [
        f"{tmp_path / 'nowhere'}:1:1: error: policy folder does not exist"
    ]


def test_a_broken_yaml_file_is_reported_with_the_rest(tmp_path: Path) -> None:
    root = lint_case(tmp_path, "table-silent")
    shutil.copy(root / "rules.yaml", root / "more.yaml")
    (root / "broken.yaml").write_text("rules:\n  - id: [unclosed\n", encoding="utf-8")
    findings = lint.lint_policy(root)
    assert [(Path(f.file).name, f.line, f.check) for f in findings] == [
        ("broken.yaml", 3, "load"),
        ("rules.yaml", 3, "load"),
    ]
    assert findings[1].message == "duplicate rule id `deposit`"
