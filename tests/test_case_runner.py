"""The policy test case runner (tools/cases.py): how it loads case files and reports mismatches."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from salesops_rules import Policy, load_policy
from salesops_rules.tools.cases import CaseFileError, load_cases, run_case, run_cases

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"

HEADER = """\
event_defaults:
  kind: contract
  id: HT-1
  date: "2011-12-05"
  customer: {id: K1, type: new, legal_form: company,
             documents: [business_licence, organisation_code, tax_registration], sealed: true}
  product_class: stock
  prepared_by: E-07
cases:
"""


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY_DIR)


def write(tmp_path: Path, body: str, name: str = "cases.yaml", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of `path` containing `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def pos(path: Path, text: str) -> str:
    """`line:column` of the first occurrence of `text` in `path`, as findings print it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(f"{i}:{line.index(text) + 1}" for i, line in enumerate(lines, 1) if text in line)


# ---- passing, and what a result records ----


def test_a_passing_case_records_applied_rules_and_matched_rows(tmp_path: Path, policy: Policy) -> None:
    path = write(
        tmp_path,
        """\
        - name: new stock over 10000
          cite: 第二十四条
          event: {amount: "12000"}
          expect:
            verdict: pending
            values: {deposit_ratio: 0.30, deposit_amount: "3600.00", payment_on_delivery: true}
        """,
    )
    [result] = run_cases(policy, load_cases(path))
    assert result.passed, result.mismatches
    assert result.mismatches == []
    assert result.decision is not None and result.decision.verdict == "pending"
    assert "contract.payment-terms" in result.rules
    assert "contract.above-10000" in result.rules
    # row 6 of the table of 第二十四条: new customer, stock, over 10000
    assert result.rows == [("contract.payment-terms", 6)]


def test_absent_names_the_policy_does_not_declare_never_pass(tmp_path: Path, policy: Policy) -> None:
    path = write(
        tmp_path,
        """\
        - name: typo in absent
          cite: 第二十四条
          event: {amount: "12000"}
          expect:
            absent: [deposit_amont]
        """,
    )
    [result] = run_cases(policy, load_cases(path))
    assert result.mismatches == [
        f"{path}:{line_of(path, 'absent:')}: typo in absent: "
        "absent: `deposit_amont` is not a value the policy declares",
    ]


# ---- mismatches: file:line: case name: what, expected X, got Y ----


def test_every_kind_of_mismatch_is_reported_whole(tmp_path: Path, policy: Policy) -> None:
    path = write(
        tmp_path,
        """\
        - name: wrong about everything
          cite: 第二十四条
          event: {amount: "12000", status: signed}
          expect:
            verdict: pass
            values: {deposit_amount: "3600", payment_on_delivery: 1, contract_required: true,
                     report_immediately: false, deposit_shortfal: "1.00"}
            absent: [deposit_ratio]
            approvals:
              - {role: logistics_supervisor, action: approve}
            obligations: [collection_schedule]
            violations: [{code: contract_limit_exceeded, cite: 第三十七条第（一）项}]
            penalties: [{for: contract_limit_exceeded, deduction_amount: {min: "1.00", max: "3.00"}}]
            rules: [contract.existing-small-stock, contract.no-such-rule]
        """,
    )
    [case] = load_cases(path)
    result = run_case(policy, case)
    at = f"{path}:{{}}: wrong about everything: "
    assert not result.passed
    assert result.mismatches == [
        at.format(line_of(path, "verdict:")) + "verdict: expected pass, got fail",
        at.format(line_of(path, "values:")) + 'values.deposit_amount: expected "3600", got "3600.00"',
        at.format(line_of(path, "values:")) + "values.payment_on_delivery: expected 1, got true",
        at.format(line_of(path, "report_immediately: false"))
        + "values.report_immediately: expected false, got true",
        at.format(line_of(path, "deposit_shortfal:"))
        + "values.deposit_shortfal: `deposit_shortfal` is not a value the policy declares",
        at.format(line_of(path, "absent:")) + 'absent: expected no `deposit_ratio`, got "0.30"',
        at.format(line_of(path, "approvals:"))
        + "approvals: expected [{role: logistics_supervisor, action: approve}], got "
        "[{role: logistics_supervisor, action: review, satisfied: false}, "
        "{role: general_manager, action: approve, satisfied: false}]",
        at.format(line_of(path, "obligations:")) + "obligations: expected [collection_schedule], got "
        "[report_customer_at_once, collect_deposit, collection_schedule]",
        at.format(line_of(path, "violations:"))
        + "violations: expected [{code: contract_limit_exceeded, cite: 第三十七条第（一）项}], "
        "got [{code: contract_limit_exceeded, cite: 第二十一条}]",
        at.format(line_of(path, "penalties:"))
        + "penalties: expected "
        + '[{for: contract_limit_exceeded, deduction_amount: {min: "1.00", max: "3.00"}}], '
        "got [{for: contract_limit_exceeded, sanction: warning_and_deduction, deduction_amount: null}]",
        at.format(line_of(path, "contract.no-such-rule"))
        + "rules: `contract.no-such-rule` is not a rule of the policy",
        at.format(line_of(path, "rules:"))
        + "rules: expected [contract.existing-small-stock] among the rules that applied, got "
        + "["
        + ", ".join(result.rules)
        + "]",
    ]


def test_obligations_and_violations_compare_as_multisets(tmp_path: Path, policy: Policy) -> None:
    path = write(
        tmp_path,
        """\
        - name: order does not matter, count does
          cite: 第二十四条
          event: {amount: "12000"}
          expect:
            obligations: [collection_schedule, collect_deposit]
        - name: one code twice is not the same as once
          cite: 第二十四条
          event: {amount: "12000"}
          expect:
            obligations: [collection_schedule, collect_deposit, collect_deposit]
        """,
    )
    first, second = run_cases(policy, load_cases(path))
    assert first.passed, first.mismatches
    assert second.mismatches == [
        f"{path}:{line_of(path, 'collect_deposit, collect_deposit')}: "
        "one code twice is not the same as once: "
        "obligations: expected [collection_schedule, collect_deposit, collect_deposit], "
        "got [collect_deposit, collection_schedule]"
    ]


def test_an_event_that_does_not_validate_fails_its_case_only(tmp_path: Path, policy: Policy) -> None:
    path = write(
        tmp_path,
        """\
        - name: negative amount
          cite: 第二十四条
          event:
            amount: "-5"
            customer: {type: old}
          expect: {verdict: pass}
        - name: fine
          cite: 第二十四条
          event: {amount: "5"}
          expect: {verdict: pending}
        """,
    )
    bad, good = run_cases(policy, load_cases(path))
    assert bad.passed is False and bad.decision is None
    amount_line = line_of(path, 'amount: "-5"')
    assert bad.mismatches == [
        f"{path}:{line_of(path, 'type: old')}: negative amount: invalid event: $.customer.type: "
        "`old` is not allowed: input should be 'existing' or 'new'",
        f"{path}:{amount_line}: negative amount: invalid event: $.amount: `-5` is negative",
    ]
    assert good.passed, good.mismatches


def test_a_cite_outside_the_catalogue_fails(tmp_path: Path, policy: Policy) -> None:
    path = write(
        tmp_path,
        """\
        - name: cites nothing real
          cite: 第九十条
          event: {amount: "5"}
        - name: cites an item
          cite: 第三十七条第（一）项
          event: {amount: "5"}
        """,
    )
    bad, good = run_cases(policy, load_cases(path))
    assert bad.mismatches == [
        f"{path}:{line_of(path, '第九十条')}: cites nothing real: "
        "cite: `第九十条` is not a clause of the catalogue"
    ]
    assert good.passed, good.mismatches


def test_values_compare_by_json_type(tmp_path: Path, policy: Policy) -> None:
    path = write(
        tmp_path,
        """\
        - name: a string is not a boolean
          cite: 第十一条
          event: {amount: "5000"}
          expect:
            values: {contract_required: "true"}
        - name: an unquoted decimal reads as written
          cite: 第二十四条
          event: {amount: "5000"}
          expect:
            values: {deposit_ratio: 0.20, deposit_amount: 1000.00}
        - name: an unquoted decimal with one place is not the two-place string
          cite: 第二十四条
          event: {amount: "5000"}
          expect:
            values: {deposit_ratio: 0.2}
        """,
    )
    string, exact, short = run_cases(policy, load_cases(path))
    assert [m.split(": ", 2)[2] for m in string.mismatches] == [
        'values.contract_required: expected "true", got true'
    ]
    assert exact.passed, exact.mismatches
    assert [m.split(": ", 2)[2] for m in short.mismatches] == [
        'values.deposit_ratio: expected "0.2", got "0.20"'
    ]


# ---- loading: every problem, with file and line, never ignored ----


def test_unknown_keys_and_bad_shapes_are_errors_with_positions(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        - name: one
          cite: 第十一条
          event: {amount: "5"}
          expect:
            verdicts: pass
            values: {deposit_ratio: null}
        - name: two
          cite: 第十一条
          evnt: {}
        - name: three
          cite: 第十一条
          event: {}
          expect:
            approvals: [{role: clerk, satisfied: maybe, signed: true}]
            obligations: [a, {code: b, cite: c, why: 1}]
            penalties: [{for: other_breach, deduction_amount: {min: "1.00"}}]
            values: {contract_required: [true]}
        - name: four
          event: {}
        """,
        header=HEADER.replace("cases:\n", "extra: 1\ncases:\n"),
    )
    with pytest.raises(CaseFileError) as caught:
        load_cases(path)
    error = caught.value
    assert isinstance(error, ValueError)
    p = str(path)
    assert error.message.splitlines() == [
        "policy test cases do not load: 11 errors",
        f"{p}:{pos(path, 'extra')}: error: unknown key `extra` at the top of a case file",
        "  help: keys: `cases`, `ledger_cases`, `event_defaults`",
        f"{p}:{pos(path, 'verdicts')}: error [one]: unknown key `verdicts` at `cases.0.expect.verdicts`",
        f"{p}:{pos(path, 'values: {deposit_ratio')}: error [one]: `cases.0.expect.values`: "
        "`deposit_ratio: null` is not a value; list `deposit_ratio` under `absent` instead",
        f"{p}:{pos(path, 'name: two')}: error [two]: missing key `event` at `cases.1.event`",
        f"{p}:{pos(path, 'evnt')}: error [two]: unknown key `evnt` at `cases.1.evnt`",
        f"{p}:{pos(path, 'satisfied: maybe')}: error [three]: `cases.2.expect.approvals.0.satisfied`: "
        "input should be a valid boolean, unable to interpret input",
        f"{p}:{pos(path, 'signed: true')}: error [three]: "
        "unknown key `signed` at `cases.2.expect.approvals.0.signed`",
        f"{p}:{pos(path, 'why: 1')}: error [three]: unknown key `why` at `cases.2.expect.obligations.1.why`",
        f"{p}:{pos(path, 'deduction_amount: {min')}: error [three]: missing key `max` at "
        "`cases.2.expect.penalties.0.deduction_amount.max`",
        f"{p}:{pos(path, 'contract_required: [true]')}: error [three]: "
        "`cases.2.expect.values.contract_required`: expected a single value, not list",
        f"{p}:{pos(path, 'name: four')}: error [four]: missing key `cite` at `cases.3.cite`",
    ]


def test_yaml_errors_duplicate_keys_and_names(tmp_path: Path) -> None:
    broken = write(tmp_path, "- name: [unclosed\n", name="a-broken.yaml")
    dup = write(
        tmp_path,
        """\
        - name: same
          cite: 第十一条
          cite: 第十四条
          event: {amount: "5"}
        - name: same
          cite: 第十一条
          event: {amount: "5"}
        """,
        name="b-dup.yaml",
    )
    (tmp_path / "c-not-cases.yaml").write_text("rules: []\n", encoding="utf-8")
    with pytest.raises(CaseFileError) as caught:
        load_cases(tmp_path)
    rendered = caught.value.message.splitlines()
    assert rendered[0] == "policy test cases do not load: 4 errors"
    assert rendered[1].startswith(f"{broken}:{HEADER.count(chr(10)) + 2}:1: error: invalid YAML: ")
    assert rendered[2:] == [
        f"{dup}:{line_of(dup, 'cite: 第十四条')}:3: error: duplicate key `cite` "
        f"(first at line {line_of(dup, 'cite: 第十一条')})",
        f"{dup}:{line_of(dup, 'name: same') + 4}:3: error [same]: duplicate case name `same`",
        f"  help: first at line {line_of(dup, 'name: same')}",
        f"{tmp_path / 'c-not-cases.yaml'}:1:1: error: "
        "a case file needs a top-level `cases:` or `ledger_cases:` list",
    ]


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="no such case file or folder"):
        load_cases(tmp_path / "nowhere.yaml")


def test_a_folder_loads_every_yaml_file_in_order(tmp_path: Path) -> None:
    one = '- {name: "b1", cite: 第十一条, event: {amount: "5"}}\n'
    two = (
        '- {name: "a1", cite: 第十一条, event: {amount: "5"}}\n'
        '- {name: "a2", cite: 第十一条, event: {amount: "6"}}\n'
    )
    write(tmp_path, one, name="b.yaml")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", two, name="a.yaml")
    (tmp_path / "notes.txt").write_text("not a case file", encoding="utf-8")
    assert [c.name for c in load_cases(tmp_path)] == ["b1", "a1", "a2"]


def test_event_defaults_merge_mappings_and_replace_the_rest(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        - name: merged
          cite: 第二十二条
          event:
            amount: "5"
            customer: {type: existing, documents: [business_licence]}
        """,
    )
    [case] = load_cases(path)
    assert case.event["customer"] == {
        "id": "K1",
        "type": "existing",
        "legal_form": "company",
        "documents": ["business_licence"],
        "sealed": True,
    }
    assert case.event["kind"] == "contract" and case.event["amount"] == "5"


def test_the_policy_loader_ignores_the_tests_folder() -> None:
    # policy/tests/*.yaml are case files, not rule files: the loader globs the top level only.
    policy = load_policy(POLICY_DIR)
    assert not any("/tests/" in rule.file for rule in policy.compiled.rules)
