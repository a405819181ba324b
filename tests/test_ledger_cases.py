"""Ledger cases (`ledger_cases:` of a case file): how they load, fail, and run in `test`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from salesops_rules import Policy, load_policy
from salesops_rules.audit.ledger_cases import run_ledger_case, run_ledger_cases
from salesops_rules.cli import main
from salesops_rules.tools.cases import CaseFileError, load_cases, load_suite

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"

# December's monthly paperwork, so that only the rule a case is about finds anything.
PAPERWORK = """\
      - {kind: customer_archive_report, id: A-12, date: 2011-12-05, month: "2011-12"}
      - {kind: internal_review, id: IR-12, date: 2011-12-05, month: "2011-12",
         reported_to_general_manager: true}
"""
CONTRACT = """\
      - {kind: contract, id: C-1, date: 2011-12-05, customer: {id: K-1, type: existing, legal_form: company},
         product_class: stock, amount: "6000.00", status: signed, prepared_by: E-07}
"""


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY_DIR)


def write(tmp_path: Path, body: str, name: str = "ledger.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def pos(path: Path, text: str) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(f"{i}:{line.index(text) + 1}" for i, line in enumerate(lines, 1) if text in line)


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def unreported(name: str, findings: str) -> str:
    """A ledger case of a 6000 contract never reported, judged the next day, expecting `findings`."""
    return (
        f"  - name: {name}\n    cite: 第十四条\n    as_of: 2011-12-06T00:00:00\n    events:\n"
        + textwrap.indent(CONTRACT + PAPERWORK, "")
        + f"    expect:\n      findings: {findings}\n"
    )


def test_a_ledger_case_passes_when_its_findings_are_exactly_those_of_the_audit(
    tmp_path: Path, policy: Policy
) -> None:
    found = "[{rule: archive-report.at-once, event: C-1, category: violation, code: other_breach}]"
    path = write(tmp_path, "ledger_cases:\n" + unreported("unreported", found))
    suite = load_suite(path)
    assert (len(suite.cases), len(suite.ledger_cases)) == (0, 1)
    assert load_cases(path) == []  # a file of ledger cases alone holds no single-event case
    [result] = run_ledger_cases(policy, suite.ledger_cases)
    assert (result.passed, result.mismatches, result.rules) == (True, [], {"archive-report.at-once"})


def test_a_failing_ledger_case_reports_a_diff_of_findings(tmp_path: Path, policy: Policy) -> None:
    # The audit finds the breach; the case expects the open duty instead, and a slip breach.
    wrong = (
        "\n        - {rule: archive-report.at-once, event: C-1, category: obligation,"
        "\n           code: report_customer_at_once}"
        "\n        - {rule: cash.payment-slip-same-day, month: '2011-12', category: violation,"
        "\n           code: other_breach}"
    )
    path = write(tmp_path, "ledger_cases:\n" + unreported("wrong", wrong))
    [case] = load_suite(path).ledger_cases
    result = run_ledger_case(policy, case)
    assert not result.passed
    p = str(path)
    assert result.mismatches == [
        f"{p}:{line_of(path, 'category: obligation,')}: wrong: findings: missing "
        "{rule: archive-report.at-once, event: C-1, category: obligation, code: report_customer_at_once}",
        f"{p}:{line_of(path, 'cash.payment-slip')}: wrong: findings: missing "
        "{rule: cash.payment-slip-same-day, month: 2011-12, category: violation, code: other_breach}",
        f"{p}:{line_of(path, 'findings:')}: wrong: findings: unexpected "
        "{rule: archive-report.at-once, event: C-1, category: violation, code: other_breach}",
    ]


def test_an_empty_list_of_findings_is_checked_too(tmp_path: Path, policy: Policy) -> None:
    # `findings: []` is an assertion: nothing found. The audit finds the breach, so it fails.
    path = write(tmp_path, "ledger_cases:\n" + unreported("nothing", "[]"))
    [case] = load_suite(path).ledger_cases
    result = run_ledger_case(policy, case)
    assert result.mismatches == [
        f"{path}:{line_of(path, 'findings:')}: nothing: findings: unexpected "
        "{rule: archive-report.at-once, event: C-1, category: violation, code: other_breach}"
    ]


def test_an_unknown_rule_a_bad_cite_and_an_invalid_event_fail_the_case(
    tmp_path: Path, policy: Policy
) -> None:
    path = write(
        tmp_path,
        """\
        ledger_cases:
          - name: bad
            cite: 第九十九条
            events:
              - {kind: hygiene_check, id: W-1, date: 2011-12-05}
              - {kind: hygiene_check, id: W-2, date: not-a-day}
            expect:
              findings:
                - {rule: hygiene.daily, month: "2011-12", category: violation, code: other_breach}
        """,
    )
    [case] = load_suite(path).ledger_cases
    result = run_ledger_case(policy, case)
    p = str(path)
    assert result.mismatches == [
        f"{p}:{line_of(path, 'cite:')}: bad: cite: `第九十九条` is not a clause of the catalogue",
        f"{p}:{line_of(path, 'hygiene.daily')}: bad: findings: `hygiene.daily` is not a rule across events",
        f"{p}:{line_of(path, 'not-a-day')}: bad: invalid event: $.date: input should be a valid date "
        "or datetime, input is too short",
        # December has begun, and the case did not say so
        f"{p}:{line_of(path, 'findings:')}: bad: findings: unexpected "
        "{rule: archive-report.monthly, month: 2011-12, category: obligation, code: report_customer_archive}",
        f"{p}:{line_of(path, 'findings:')}: bad: findings: unexpected "
        "{rule: internal-review.monthly, month: 2011-12, category: obligation, code: hold_internal_review}",
    ]


def test_a_bad_ledger_case_does_not_load_and_says_where(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        cases:
          - {name: same, cite: 第十四条, event: {kind: hygiene_check, id: W-1, date: 2011-12-05}}
        ledger_cases:
          - name: same
            cite: 第十四条
            events: [{kind: hygiene_check, id: W-1, date: 2011-12-05}]
            expect: {findings: []}
          - name: no expectation
            cite: 第十八条
            events: [{kind: hygiene_check, id: W-1, date: 2011-12-05}]
          - name: both places
            cite: 第十八条
            events: []
            expect:
              findings: [{rule: hygiene.weekly, event: W-1, month: "2011-12", category: violation, code: x}]
          - name: bad category
            cite: 第十八条
            event: {kind: hygiene_check, id: W-1, date: 2011-12-05}
            events: [{kind: hygiene_check, id: W-1, date: 2011-12-05}]
            expect:
              findings: [{rule: hygiene.weekly, month: "2011-12", category: approval, code: x}]
        """,
    )
    with pytest.raises(CaseFileError) as caught:
        load_suite(path)
    p = str(path)
    assert caught.value.message.splitlines() == [
        "policy test cases do not load: 6 errors",
        f"{p}:{line_of(path, '- name: same')}:5: error [same]: duplicate case name `same`",
        f"  help: first at line {line_of(path, 'name: same,')}",
        f"{p}:{pos(path, 'name: no expectation')}: error [no expectation]: "
        "missing key `expect` at `ledger_cases.1.expect`",
        f"{p}:{pos(path, 'events: []')}: error [both places]: `ledger_cases.2.events`: "
        "list should have at least 1 item after validation, not 0",
        f"{p}:{pos(path, '{rule: hygiene.weekly, event')}: error [both places]: "
        "`ledger_cases.2.expect.findings.0`: a finding names either its `event` "
        "or its `month`, not both nor neither",
        f"{p}:{line_of(path, '    event: {kind')}:5: error [bad category]: "
        "unknown key `event` at `ledger_cases.3.event`",
        f"{p}:{pos(path, 'category: approval')}: error [bad category]: "
        "`ledger_cases.3.expect.findings.0.category`: input should be 'violation' or 'obligation'",
    ]


def test_the_test_command_runs_counts_and_filters_ledger_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = "[{rule: archive-report.at-once, event: C-1, category: violation, code: other_breach}]"
    path = write(
        tmp_path,
        "cases:\n"
        "  - {name: a hygiene check, cite: 第十八条,\n"
        "     event: {kind: hygiene_check, id: W-1, date: 2011-12-05}}\n"
        "ledger_cases:\n" + unreported("unreported passes", found) + unreported("unreported fails", "[]"),
    )
    code = main(["test", "--cases", str(path)])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert (code, err) == (1, "")
    assert lines[0].startswith(f"FAIL {path}:") and lines[0].endswith(
        ": unreported fails: findings: unexpected "
        "{rule: archive-report.at-once, event: C-1, category: violation, code: other_breach}"
    )
    assert lines[1:3] == ["1 case: 1 passed, 0 failed", "2 ledger cases: 1 passed, 1 failed"]
    assert lines[3].endswith(", 1 of 13 ledger rules found something")
    assert "ledger rules no ledger case made find something:" in lines
    assert "  hygiene.weekly (第十八条) at records.yaml:57" in lines

    code = main(["test", "--cases", str(path), "-k", "PASSES", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {k: report[k] for k in ("cases", "passed", "ledger_cases", "ledger_passed", "failed")} == {
        "cases": 0,
        "passed": 0,
        "ledger_cases": 1,
        "ledger_passed": 1,
        "failed": [],
    }
    assert (report["coverage"]["ledger_rules"], report["coverage"]["ledger_rules_exercised"]) == (13, 1)
