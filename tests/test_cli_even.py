"""The command line made even: one way to name the pack, JSON on error too, `test -k`, every default
in `--help`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from editor_support import SHIPPED, cases_demo, lint_case
from salesops_rules.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
CUSTOM = ROOT / "examples" / "new-customer-custom-order.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- the pack, named the same way on every command ----


@pytest.mark.parametrize(
    "argv",
    [
        ["coverage", str(SHIPPED)],
        ["coverage", "--policy", str(SHIPPED)],
        ["--policy", str(SHIPPED), "coverage"],
    ],
    ids=["positional", "option-after", "option-before"],
)
def test_coverage_takes_the_pack_every_way(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].startswith("40 articles: ")


def test_every_command_that_reads_a_pack_takes_policy_after_its_name() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    readers = {"check", "explain", "lint", "test", "coverage", "serve", "audit"}
    for name in readers:
        options = {o for a in sub.choices[name]._actions for o in a.option_strings}
        assert "--policy" in options, name


def test_policy_after_the_command_wins_over_the_one_before(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere"
    plain = run(capsys, "check", str(CUSTOM))
    assert run(capsys, "--policy", str(missing), "check", "--policy", str(SHIPPED), str(CUSTOM)) == plain
    assert plain[:2] == (0, "HT-2011-1207: pending\n" + plain[1].split("\n", 1)[1])


def test_a_folder_that_is_not_a_policy_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "check", "--policy", str(tmp_path / "nowhere"), str(CUSTOM))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "salesops-rules: policy does not load: 1 error",
        f"{tmp_path / 'nowhere'}:1:1: error: policy folder does not exist",
    ]


# ---- --json on error ----


def test_check_json_prints_a_bad_event_as_a_json_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    event = json.loads(CUSTOM.read_text(encoding="utf-8"))
    event.update(amount="-1", status="approved")
    del event["customer"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    code, out, err = run(capsys, "check", "--json", str(path))
    assert (code, err) == (2, "")
    body = json.loads(out)
    assert body["problems"] == [
        {
            "path": "$.customer",
            "message": "missing field: expected an object with `id`, `type`, `legal_form`",
        },
        {"path": "$.amount", "message": "`-1` is negative"},
        {"path": "$.status", "message": "`approved` is not allowed: input should be 'draft' or 'signed'"},
    ]
    assert body["error"] == "invalid event: " + "; ".join(
        f"{p['path']}: {p['message']}" for p in body["problems"]
    )


def test_explain_format_json_prints_a_bad_event_as_a_json_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps({"kind": "order_voucher", "id": "V-1", "date": "2011-12-01"}), encoding="utf-8"
    )
    code, out, err = run(capsys, "explain", "--format", "json", str(path))
    assert (code, err) == (2, "")
    assert [p["path"] for p in json.loads(out)["problems"]] == ["$.complete", "$.accurate", "$.reliable"]


def test_check_json_prints_unreadable_json_as_a_json_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"kind": ', encoding="utf-8")
    code, out, err = run(capsys, "check", "--json", str(path))
    assert (code, err) == (2, "")
    assert json.loads(out) == {"error": f"{path}:1:10: invalid JSON: Expecting value", "problems": []}


def test_coverage_json_lists_the_findings_of_a_policy_that_does_not_load(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = lint_case(tmp_path, "load-errors")
    code, out, err = run(capsys, "coverage", str(root), "--json")
    assert (code, err) == (2, "")
    body = json.loads(out)
    assert body["error"] == "policy does not load: 4 errors"
    assert [f["rule"] for f in body["findings"]] == [
        "unknown-field",
        "date-with-money",
        "missing-article",
        "unknown-role",
    ]
    assert {"file", "line", "column", "message", "help", "severity"} <= set(body["findings"][0])


def test_test_json_on_a_missing_case_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "test", str(SHIPPED), "--cases", str(tmp_path / "none.yaml"), "--json")
    assert (code, err) == (2, "")
    body = json.loads(out)
    assert body["error"] == "policy test cases do not load: 1 error"
    assert body["findings"][0]["message"] == "no such case file or folder"


def test_a_usage_error_with_json_is_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--json")
    assert (code, err) == (2, "")
    assert json.loads(out) == {
        "error": "the following arguments are required: event",
        "problems": [],
        "help": "salesops-rules COMMAND --help lists its options",
    }


# ---- test -k ----


def test_test_k_runs_only_the_cases_whose_name_contains_the_pattern(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = cases_demo(tmp_path / "demo")
    code, out, _ = run(capsys, "test", str(root), "--json")
    every = json.loads(out)
    name = every["failed"][0]["case"]
    code, out, _ = run(capsys, "test", str(root), "-k", name.upper()[3:12], "--json")
    chosen = json.loads(out)
    assert 0 < chosen["cases"] < every["cases"]
    assert [f["case"] for f in chosen["failed"]] == [name]
    assert code == 1


def test_test_k_with_no_match_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test", "-k", "no such case at all")
    assert (code, out) == (2, "")
    assert err.startswith("salesops-rules: no case name contains `no such case at all` (of ")


# ---- --help shows every default ----


def _parsers(
    parser: argparse.ArgumentParser, name: str = "salesops-rules"
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child_name, child in action.choices.items():
                found += _parsers(child, f"{name} {child_name}")
    return found


def test_help_shows_every_default() -> None:
    for name, parser in _parsers(build_parser()):
        text = " ".join(parser.format_help().split())
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or action.default in (None, False, argparse.SUPPRESS):
                continue
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            assert "default" in (action.help or "") or f"(default: {action.default})" in text, (
                name,
                action.dest,
            )


def test_explain_help_names_the_default_language(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    assert "language of the explanation (default: en)" in " ".join(capsys.readouterr().out.split())
