"""`audit`: the report of a ledger's findings, grouped, bounded, each finding linked to its explanation."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from audit_support import (
    POLICY,
    contract,
    findings,
    handover,
    monthly_paperwork,
    receipt,
    run_audit,
    write_csv,
    write_jsonl,
    write_xlsx,
)
from salesops_rules.audit.progress import ProgressBar, line, wanted
from salesops_rules.audit.report import build, html, markdown
from salesops_rules.cli import main

BIG = "12000"  # a contract over 10000: the general manager approves it


def mixed_ledger(path: Path) -> Path:
    return write_jsonl(
        path,
        [
            contract("C-1", "2011-12-01", amount=BIG),
            receipt("R-1", "2011-12-02T10:00:00"),
            handover("H-1", "R-1", "2011-12-03T09:00:00"),
            "{broken",
            {**contract("C-2", "2011-12-05"), "product_class": "lamps"},
            contract("C-3", "2012-01-10", amount=BIG, prepared_by="E-08"),
            *monthly_paperwork("2011-12"),
            contract("C-4", "2012-01-31"),
        ],
    )


def test_every_finding_of_every_event_is_a_row_of_findings_csv(tmp_path: Path) -> None:
    ledger = mixed_ledger(tmp_path / "l.jsonl")
    result = run_audit(ledger, tmp_path / "out")
    rows = findings(tmp_path / "out")
    # The single-event findings are exactly those of Policy.evaluate, event by event.
    for line_no, event in (
        (1, contract("C-1", "2011-12-01", amount=BIG)),
        (6, contract("C-3", "2012-01-10", amount=BIG, prepared_by="E-08")),
    ):
        decision = POLICY.evaluate(event)
        expected = sorted(
            [v.code for v in decision.violations]
            + [o.code for o in decision.obligations]
            + [f"{a.role}.{a.action}" for a in decision.approvals if not a.satisfied]
        )
        assert sorted(r["code"] for r in rows if r["line"] == str(line_no)) == expected
    assert result.totals.records == 9
    assert result.totals.audited == 7
    assert result.totals.skipped == 2
    assert result.totals.findings() == len(rows)
    assert {r["month"] for r in rows} == {"2011-12", "2012-01"}
    assert {r["employee"] for r in rows if r["event_id"] == "C-3"} == {"E-08"}


def test_skipped_records_are_listed_with_their_line_and_counted(tmp_path: Path) -> None:
    result = run_audit(mixed_ledger(tmp_path / "l.jsonl"), tmp_path / "out")
    assert [(s.position, s.message) for s in result.skipped] == [
        (4, "invalid JSON at column 2: Expecting property name enclosed in double quotes"),
        (
            5,
            "invalid event: $.product_class: `lamps` is not allowed: input should be 'stock', "
            "'made_to_order' "
            "or 'custom'",
        ),
    ]
    assert (tmp_path / "out" / "skipped.csv").read_text(encoding="utf-8").splitlines()[0] == "line,problem"
    report = markdown(build(result, POLICY.compiled))
    assert "| Records read | 9 |\n| Events audited | 7 |\n| Records skipped | 2 |" in report
    assert "| line 5 | invalid event: $.product\\_class: \\`lamps\\` is not allowed" in report


def test_the_report_leads_with_breaches_and_links_each_finding(tmp_path: Path) -> None:
    result = run_audit(mixed_ledger(tmp_path / "l.jsonl"), tmp_path / "out")
    report = markdown(build(result, POLICY.compiled))
    headings = [
        '## <a id="summary"></a>Summary',
        '## <a id="dismissals"></a>Dismissal-grade breaches (第三十八条)',
        '## <a id="by-employee"></a>Breaches and penalties by employee',
        '## <a id="by-article"></a>Breaches by article',
        '## <a id="by-month"></a>Findings by month',
        '## <a id="obligations"></a>Open obligations',
        '## <a id="approvals"></a>Pending approvals',
        '## <a id="rules-across-events"></a>Rules across events',
        '## <a id="explanations"></a>Explanations',
    ]
    assert [report.index(h) for h in headings] == sorted(report.index(h) for h in headings)
    assert '### <a id="article-27"></a>第二十七条' in report
    assert '### <a id="approvals-24"></a>第二十四条' in report
    # Every link to an explanation lands on an anchor of the same page.
    links = set(re.findall(r"\]\(#([a-z]+-[0-9]+)\)", report))
    anchors = set(re.findall(r'<a id="([a-z]+-[0-9]+)"></a>', report))
    assert links and links <= anchors
    # The explanation of line 1 is the `explain` of that event, as of the time the ledger is judged at.
    assert result.as_of is not None
    decision, trace = POLICY.trace(contract("C-1", "2011-12-01", amount=BIG), as_of=result.as_of)
    from salesops_rules.render.explain import lines

    assert "\n".join(lines(POLICY.compiled, decision, trace)).strip() in report


def test_the_report_stays_bounded_and_says_where_the_rest_is(tmp_path: Path) -> None:
    events = [contract(f"C-{i}", "2011-12-01", amount=BIG) for i in range(30)]
    result = run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out", examples=2, explained=1)
    assert all(len(found) <= 2 for found in result.samples.values())
    assert list(result.explanations) == [1]
    report = markdown(build(result, POLICY.compiled))
    assert "28 more in [findings.csv](findings.csv) (Pending approvals: 第二十四条)" in report
    # A finding whose event is not explained in the page carries the command that explains it.
    assert f"`salesops-rules audit {tmp_path / 'l.jsonl'} --explain 2`" in report
    assert len(findings(tmp_path / "out")) == result.totals.findings() > 30


def test_the_html_report_is_one_self_contained_page(tmp_path: Path) -> None:
    result = run_audit(mixed_ledger(tmp_path / "l.jsonl"), tmp_path / "out")
    page = html(build(result, POLICY.compiled))
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert not re.search(r'(src|href)="(https?:|//)', page)  # nothing fetched from elsewhere
    assert not re.search(r"<(script|link|img)\b", page)
    assert 'id="line-1"' in page and 'href="#line-1"' in page
    assert "&lt;" not in markdown(build(result, POLICY.compiled))  # markdown is not HTML-escaped


def test_the_report_speaks_chinese_when_asked(tmp_path: Path) -> None:
    result = run_audit(mixed_ledger(tmp_path / "l.jsonl"), tmp_path / "out", lang="zh")
    report = markdown(build(result, POLICY.compiled, "zh"))
    assert "按违反的条款" in report and "跳过的记录" in report
    assert any("总经理" in r["message"] for r in findings(tmp_path / "out"))


# ---- the command line ----


def test_cli_writes_every_format_and_exits_1_on_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = mixed_ledger(tmp_path / "l.jsonl")
    out = tmp_path / "report"
    code = main(["audit", str(ledger), "--out", str(out), "--format", "md,html,xlsx"])
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == [
        "findings.csv",
        "report.html",
        "report.md",
        "report.xlsx",
        "skipped.csv",
    ]
    captured = capsys.readouterr()
    assert captured.err == ""  # no progress bar outside a terminal
    assert captured.out.splitlines()[0].startswith(f"{ledger}: 9 records, 7 audited, 2 skipped; ")
    from openpyxl import load_workbook

    book = load_workbook(out / "report.xlsx", read_only=True)
    assert book.sheetnames == [
        "Summary",
        "Dismissals",
        "Chart by employee",
        "Penalties",
        "Chart by article",
        "By article",
        "Chart by month",
        "By month",
        "Obligations",
        "Approvals",
        "Rules across events",
        "Legal notes",
        "Skipped",
        "Findings",
    ]


def test_cli_exits_0_on_a_clean_ledger(tmp_path: Path) -> None:
    clean = [
        *monthly_paperwork("2011-12"),
        {
            "kind": "order_voucher",
            "id": "V-1",
            "date": "2011-12-31",
            "complete": True,
            "accurate": True,
            "reliable": True,
        },
    ]
    assert main(["audit", str(write_jsonl(tmp_path / "l.jsonl", clean)), "--out", str(tmp_path / "o")]) == 0


def test_cli_reads_csv_and_excel_ledgers(tmp_path: Path) -> None:
    header = ["kind", "id", "date", "complete", "accurate", "reliable"]
    rows = [["order_voucher", "V-1", "2011-12-31", "true", "false", "true"]]
    csv_out, xlsx_out = tmp_path / "c", tmp_path / "x"
    assert main(["audit", str(write_csv(tmp_path / "l.csv", header, rows)), "--out", str(csv_out)]) == 1
    path = write_xlsx(
        tmp_path / "l.xlsx", {"Vouchers": [header, ["order_voucher", "V-1", "2011-12-31", True, False, True]]}
    )
    assert main(["audit", str(path), "--sheet", "Vouchers", "--out", str(xlsx_out)]) == 1
    assert findings(csv_out) == findings(xlsx_out)
    assert {r["row"] for r in findings(csv_out) if r["event_id"]} == {"2"}


def test_cli_a_wrong_sheet_is_bad_input_that_lists_the_sheets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_xlsx(tmp_path / "l.xlsx", {"Events": [["kind", "id"]], "Notes": [["x"]]})
    assert main(["audit", str(path), "--sheet", "Ledger", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == (
        f"salesops-rules: `{path}` has no sheet `Ledger`\n  help: its sheets: `Events`, `Notes`\n"
    )


def test_cli_explains_one_record_of_the_ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = mixed_ledger(tmp_path / "l.jsonl")
    assert main(["audit", str(ledger), "--explain", "6"]) == 0
    assert capsys.readouterr().out.startswith("Decision C-3 (contract) under puguang-sales-logistics")
    assert main(["audit", str(ledger), "--explain", "4"]) == 0
    assert (
        capsys.readouterr().out
        == "line 4: invalid JSON at column 2: Expecting property name enclosed in double quotes\n"
    )
    assert main(["audit", str(ledger), "--explain", "99"]) == 2
    assert capsys.readouterr().err == f"salesops-rules: `{ledger}` has no event at line 99\n"


def test_cli_explain_names_what_a_ledger_rule_decides_instead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = mixed_ledger(tmp_path / "l.jsonl")
    assert main(["audit", str(ledger), "--explain", "2"]) == 0
    out = capsys.readouterr().out
    assert (
        "Decided by rules across events:\n"
        "  cash not handed to finance the same day without permission, "
        "hand the cash to finance the same day, the logistics supervisor's permission: "
        "decided by the rule across events cash.handover-recorded-apart"
    ) in out
    assert "    this event alone cannot tell; audit the whole ledger\n" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--format", "md,pdf"],
            "salesops-rules: unknown report format `pdf`\n"
            "  help: formats: `md`, `html`, `xlsx`, comma-separated\n",
        ),
        (["--workers", "0"], "salesops-rules: `--workers` must be 1 or more, not `0`\n"),
    ],
)
def test_cli_bad_options_are_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    ledger = write_jsonl(tmp_path / "l.jsonl", [])
    assert main(["audit", str(ledger), *args]) == 2
    assert capsys.readouterr().err == message


# ---- the progress bar ----


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TERM", raising=False)
    assert wanted(Terminal())
    assert not wanted(io.StringIO())
    assert not wanted(Terminal(), disabled=True)
    monkeypatch.setenv("TERM", "dumb")
    assert not wanted(Terminal())


def test_progress_line_and_bar() -> None:
    assert (
        line(50, 200, 1000, 2.0, "line")
        == "[#######-----------------------]  25% 1,000 events 500 events/s 2s"
    )
    assert line(7, None, 5, 1.0, "row") == "7 rows read, 5 events 5 events/s 1s"
    terminal = Terminal()
    bar = ProgressBar(terminal, 100, "line")
    bar(100, 10)
    bar.close()
    assert terminal.getvalue().startswith("\r[##############################] 100% 10 events")
    assert terminal.getvalue().endswith("\r\x1b[K")


def test_the_command_says_what_it_did_in_the_reports_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = mixed_ledger(tmp_path / "l.jsonl")
    out = tmp_path / "report"
    assert main(["audit", str(ledger), "--out", str(out), "--format", "md", "--lang", "zh"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{ledger}：记录 9 条，已评判 7 条，跳过 2 条；发现 ")
    assert "违规 " in lines[0] and "待履行事项 " in lines[0] and "未满足的审批 " in lines[0]
    skipped = [line.split("：")[0] for line in lines if line.startswith("  跳过")]
    assert skipped == ["  跳过第 4 行", "  跳过第 5 行"]  # `{broken`, `lamps`
    assert sorted(line for line in lines if line.startswith("  已写入 ")) == [
        f"  已写入 {out / name}" for name in ("findings.csv", "report.md", "skipped.csv")
    ]
