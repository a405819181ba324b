"""The editor commands as a user runs them: `lint` and `test`, their output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from editor_support import SHIPPED, cases_demo, lint_case
from salesops_rules.cli import main


def test_lint_prints_findings_and_a_summary_and_exits_1_on_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = lint_case(tmp_path, "table-overlap")
    assert main(["lint", str(root)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{root}/rules.yaml:11:11: error [deposit]: rows 1 and 2 both match customer.type=new, amount=10000 "
        "and decide differently, e.g. customer.type=new, amount=10000",
        "  help: hit policy `unique` lets one row match an event: narrow a row, or say `hit: first` "
        "if the earlier row prevails",
        f"lint {root}: 1 error, 0 warnings",
    ]


def test_lint_exits_0_on_warnings_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = lint_case(tmp_path, "table-silent")
    assert main(["lint", str(root)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"lint {root}: 0 errors, 1 warning"


def test_lint_of_a_policy_that_does_not_load_lists_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = lint_case(tmp_path, "load-errors")
    assert main(["lint", str(root)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": error ")[1].split("]")[0] for line in out if ": error [" in line] == [
        "[unknown-field",
        "[date-with-money",
        "[missing-article",
        "[unknown-role",
    ]
    assert out[-1] == f"lint {root}: 4 errors, 0 warnings"


def test_lint_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = lint_case(tmp_path, "never-true")
    assert main(["lint", str(root), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["errors"], data["warnings"]) == (0, 1)
    (finding,) = data["findings"]
    assert finding == {
        "file": f"{root}/rules.yaml",
        "line": 6,
        "column": 5,
        "rule": "deposit",
        "message": "`when` can never be true: `amount > 10000` and `amount <= 5000` exclude each other",
        "help": "the rule never applies (its `else` always does)",
        "severity": "warning",
        "check": "never-true",
    }


def test_lint_takes_the_global_policy_option_and_defaults_to_the_bundled_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = lint_case(tmp_path, "table-overlap")
    assert main(["--policy", str(root), "lint"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == f"lint {root}: 1 error, 0 warnings"
    assert main(["lint"]) == 0
    assert "[contract.payment-terms]: row 2 states no `deposit_ratio`" in capsys.readouterr().out


def test_test_command_reports_failures_and_rule_coverage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = cases_demo(tmp_path / "policy")
    assert main(["test", str(root)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"FAIL {root}/tests/contracts.yaml:20: ten thousand exactly, wrongly expected at 30%: "
        'values.deposit_ratio: expected "0.30", got "0.20"',
        "2 cases: 1 passed, 1 failed",
        "rule coverage: 2 of 3 rules exercised, 1 of 2 table rows matched",
        "rules no case exercised:",
        "  signed-unapproved (第二十一条) at rules.yaml:20",
        "table rows no case matched:",
        "  deposit row 2 (第二十四条)",
    ]


def test_test_command_json_and_a_chosen_case_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = cases_demo(tmp_path / "policy")
    passing = tmp_path / "passing.yaml"
    text = (root / "tests" / "contracts.yaml").read_text(encoding="utf-8")
    passing.write_text(text.split("  - name: ten thousand")[0], encoding="utf-8")
    assert main(["test", str(root), "--cases", str(passing), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["cases"], data["passed"], data["failed"]) == (1, 1, [])
    assert data["coverage"]["unseen_rows"] == [{"rule": "deposit", "row": 2}]
    assert [r["rule"] for r in data["coverage"]["unexercised"]] == ["signed-unapproved"]


def test_test_command_on_bad_case_files_and_missing_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = cases_demo(tmp_path / "policy")
    (root / "tests" / "broken.yaml").write_text("cases:\n  - name: x\n    expectt: {}\n", encoding="utf-8")
    assert main(["test", str(root)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "salesops-rules: policy test cases do not load: 3 errors"
    assert f"{root}/tests/broken.yaml:3:5: error [x]: unknown key `expectt` at `cases.0.expectt`" in err
    assert main(["test", str(root), "--cases", str(tmp_path / "none")]) == 2
    assert (
        capsys.readouterr().err.splitlines()[1]
        == f"{tmp_path / 'none'}:1:1: error: no such case file or folder"
    )


def test_the_bundled_policy_passes_its_own_cases(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(SHIPPED)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(" failed") and out[0].split(": ")[1].endswith(" 0 failed")
    assert out[1].split(": ")[1].endswith(" 0 failed")
    assert out[1].split(": ")[0].endswith(" ledger cases")
    assert out[2].startswith("rule coverage: ")
