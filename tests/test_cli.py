"""The command line: `check`, `check --json`, `explain --lang zh|en`, and bad input (exit 2, one line)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from salesops_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CUSTOM = EXAMPLES / "new-customer-custom-order.json"  # new customer, custom goods, 23456.78, draft
SMALL = EXAMPLES / "existing-customer-small-stock.json"  # existing customer, stock, 6800.00, signed
MISSING_ID = EXAMPLES / "individual-missing-id-card.json"  # individual, no ID card back, signed

Run = tuple[int, str, str]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- decisions on the examples ----


def test_check_prints_the_verdict_and_what_is_open(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", str(CUSTOM))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "HT-2011-1207: pending",
        "  obligation collect_deposit [第二十四条]: the deposit is not fully paid; collect it",
        "  approval general_manager (approve) [第二十四条] not satisfied",
    ]


def test_check_passes_a_compliant_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", str(SMALL)) == (0, "HT-2011-1208: pass\n", "")


def test_check_reports_a_breach_with_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    # a decision was made, whatever its verdict: exit 0
    code, out, _ = run(capsys, "check", str(MISSING_ID))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "HT-2011-1209: fail"
    assert lines[1].startswith("  violation other_breach [第二十二条]: ")
    assert "  obligation attach_customer_documents [第二十二条]: " in "\n".join(lines)


def test_check_json_is_the_contract_decision(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--json", str(CUSTOM))
    assert (code, err) == (0, "")
    decision = json.loads(out)
    assert {"event_id", "kind", "policy", "verdict", "values", "approvals", "obligations"} <= set(decision)
    assert {"violations", "penalties", "citations"} <= set(decision)
    assert decision["event_id"] == "HT-2011-1207"
    assert decision["policy"] == {"name": "puguang-sales-logistics", "version": "2011-11"}
    assert decision["verdict"] == "pending"
    # 23456.78 x 50% = 11728.39; 10000.00 paid
    assert decision["values"]["deposit_ratio"] == "0.50"
    assert decision["values"]["deposit_amount"] == "11728.39"
    assert decision["values"]["deposit_shortfall"] == "1728.39"
    assert decision["values"]["payment_on_delivery"] is True
    assert [(a["role"], a["action"], a["satisfied"], a["cite"]["label"]) for a in decision["approvals"]] == [
        ("logistics_supervisor", "review", True, "第二十一条"),
        ("general_manager", "approve", False, "第二十四条"),
    ]
    assert [o["code"] for o in decision["obligations"]] == ["collect_deposit"]
    assert decision["violations"] == [] and decision["penalties"] == []
    labels = [c["label"] for c in decision["citations"]]
    assert {"第十一条", "第二十一条", "第二十四条"} <= set(labels)


def test_explain_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "--lang", "en", str(CUSTOM))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert (
        lines[0] == "Decision HT-2011-1207 (contract) under puguang-sales-logistics 2011-11: verdict PENDING"
    )
    for expected in (
        "  deposit due: 11728.39",
        "  2. the general manager's approval: NOT satisfied: "
        + "no approval record by a general manager [第二十四条]",
        "  第二十四条 contract.above-10000 — a contract over 10000 goes to the general manager",
        "    facts: the amount is above 10000 (here: 23456.78): yes",
        "    row 8 of the table",
        "    overridden by contract.above-10000 (the specific rule prevails)",
    ):
        assert expected in lines, expected
    assert "Rules considered that did not apply:" in lines
    assert any(line.startswith("    text: 合同付款方式按照客户和产品种类分类") for line in lines)


def test_explain_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "--lang", "zh", str(SMALL))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "事项 HT-2011-1208（合同）依据 puguang-sales-logistics 2011-11 的决定：结论 通过"
    for expected in (
        "  1. 销售后勤主管审批：已满足（E-02） [第二十四条]",
        "  第二十四条 contract.existing-small-stock — 老客户一万元内常规产品由后勤主管审批",
        "    事实：客户类型为老客户（本事项：老客户）：是，产品类别为常规产品（本事项：常规产品）：是，"
        "金额不超过10000（本事项：6800.00）：是",
        "  第二十四条 contract.above-10000 — 超过一万元的合同报总经理审批",
        "    不适用，因为以下条件不成立：金额大于10000",
        "    事实：金额大于10000（本事项：6800.00）：否",
        "    被 contract.existing-small-stock 取代（特别规定优先）",
    ):
        assert expected in lines, expected
    assert "适用的规则：" in lines and "考虑过但不适用的规则：" in lines


def test_explain_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(SMALL.read_text(encoding="utf-8")))
    code, out, _ = run(capsys, "check", "-")
    assert (code, out) == (0, "HT-2011-1208: pass\n")


# ---- bad input: exit 2, one line naming the field, file or line ----


def _event(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "event.json"
    path.write_text(text, encoding="utf-8")
    return path


def _with(tmp_path: Path, **changes: object) -> Path:
    event = json.loads(CUSTOM.read_text(encoding="utf-8"))
    event.update(changes)
    return _event(tmp_path, json.dumps(event, ensure_ascii=False))


@pytest.mark.parametrize("command", ["check", "explain"])
def test_malformed_event_is_one_line_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    path = _with(tmp_path, product_class="lamps")
    assert run(capsys, command, str(path)) == (
        2,
        "",
        "salesops-rules: invalid event: $.product_class: "
        "`lamps` is not allowed: input should be 'stock', 'made_to_order' or 'custom'\n",
    )


def test_json_float_noise_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _event(tmp_path, CUSTOM.read_text(encoding="utf-8").replace('"23456.78"', "0.30000000000000004"))
    assert run(capsys, "check", str(path)) == (
        2,
        "",
        "salesops-rules: invalid event: $.amount: "
        "`0.30000000000000004` has more than 2 decimal places (money is counted in 分)\n",
    )


def test_json_numbers_are_exact(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _event(tmp_path, CUSTOM.read_text(encoding="utf-8").replace('"23456.78"', "23456.78"))
    code, out, _ = run(capsys, "check", "--json", str(path))
    assert code == 0 and json.loads(out)["values"]["deposit_amount"] == "11728.39"


def test_several_problems_print_on_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _with(tmp_path, amount="-1", status="approved")
    assert run(capsys, "check", str(path)) == (
        2,
        "",
        "salesops-rules: invalid event: $.amount: `-1` is negative; "
        "$.status: `approved` is not allowed: input should be 'draft' or 'signed'\n",
    )


def test_invalid_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _event(tmp_path, '{"kind": "contract",\n  "id": }')
    assert run(capsys, "check", str(path)) == (
        2,
        "",
        f"salesops-rules: {path}:2:9: invalid JSON: Expecting value\n",
    )


def test_event_that_is_not_an_object(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _event(tmp_path, "[1, 2]")
    assert run(capsys, "check", str(path)) == (2, "", f"salesops-rules: {path}: an event is a JSON object\n")


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    assert run(capsys, "explain", str(path)) == (
        2,
        "",
        f"salesops-rules: cannot read `{path}`: No such file or directory\n",
    )


def test_broken_policy_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", policy, ignore=shutil.ignore_patterns("tests"))
    rules = policy / "contracts.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("amount >= 5000", "amout >= 5000", 1), encoding="utf-8"
    )
    code, out, err = run(capsys, "--policy", str(policy), "check", str(CUSTOM))
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0] == "salesops-rules: policy does not load: 1 error"
    assert lines[1].startswith(f"{rules}:")
    assert lines[1].endswith("error [contract.customer-report]: in `amout >= 5000`: unknown name `amout`")
    assert lines[2:] == ["  help: did you mean `amount`?"]


def test_missing_policy_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "no-policy"
    assert run(capsys, "--policy", str(folder), "check", str(CUSTOM)) == (
        2,
        "",
        f"salesops-rules: policy does not load: 1 error\n{folder}:1:1: error: policy folder does not exist\n",
    )


# ---- the installed entry point, as a user runs it ----


def test_entry_point_in_a_subprocess(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "salesops-rules"
    found = shutil.which("salesops-rules")
    command = str(script) if script.exists() else found
    assert command, "the salesops-rules entry point is not installed"
    done = subprocess.run(  # from another folder, as the README says
        [command, "explain", "--lang", "zh", str(CUSTOM)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.splitlines()[0]
        == "事项 HT-2011-1207（合同）依据 puguang-sales-logistics 2011-11 的决定：结论 待办"
    )
    bad = subprocess.run(
        [command, "check", str(tmp_path / "missing.json")], capture_output=True, text=True, check=False
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert (
        bad.stderr
        == f"salesops-rules: cannot read `{tmp_path / 'missing.json'}`: No such file or directory\n"
    )
