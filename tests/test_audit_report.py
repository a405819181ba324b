"""The audit report's content in every format: penalties, the order of sections, the workbook,
findings.csv's penalty columns, explanations that agree with the ledger, and event text that
cannot break out of its place in Markdown or HTML."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from audit_support import CLERK, POLICY, contract, findings, handover, receipt, run_audit, write_jsonl
from salesops_rules.audit.report import FONTS, build, html, markdown
from salesops_rules.audit.workbook import write_workbook

PAID = {**CLERK, "monthly_salary": "4200.00"}


def accident(eid: str, day: str, who: str = "E-09") -> dict[str, Any]:
    employee = {"id": who, "role": "driver", "monthly_salary": "3000.00"}
    return {
        "kind": "incident",
        "id": eid,
        "date": day,
        "employee": employee,
        "violation": "major_traffic_accident",
    }


def late_cash(eid: str, day: str) -> dict[str, Any]:
    return receipt(eid, f"{day}T10:00:00", employee=PAID, handed_to_finance_at=f"{day[:8]}28T09:00:00")


def test_findings_csv_appends_the_penalty_columns(tmp_path: Path) -> None:
    ledger = write_jsonl(
        tmp_path / "l.jsonl", [late_cash("R-1", "2012-01-05"), accident("SJ-1", "2012-01-09")]
    )
    run_audit(ledger, tmp_path / "out")
    header = (tmp_path / "out" / "findings.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == (
        "line,event_id,kind,date,month,employee,category,code,article,label,message,rule,detail,"
        "sanction,deduction_months,amount_min,amount_max"
    )
    rows = {r["code"]: r for r in findings(tmp_path / "out") if r["category"] == "violation"}
    cash = rows["cash_not_handed_over"]
    assert (cash["sanction"], cash["deduction_months"], cash["amount_min"], cash["amount_max"]) == (
        "warning_and_deduction", "1-3", "4200.00", "12600.00",
    )  # fmt: skip
    crash = rows["major_traffic_accident"]
    assert (crash["sanction"], crash["deduction_months"], crash["amount_min"]) == ("dismissal", "", "")
    assert all(r["sanction"] == "" for r in findings(tmp_path / "out") if r["category"] != "violation")


def test_the_report_leads_with_the_dismissal_and_sums_each_employees_deductions(tmp_path: Path) -> None:
    events = [late_cash("R-1", "2012-01-05"), late_cash("R-2", "2012-02-06"), accident("SJ-1", "2012-03-09")]
    result = run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out", lang="zh")
    report = markdown(build(result, POLICY.compiled, "zh"))
    dismissals = report.index('<a id="dismissals"></a>解聘级违规（第三十八条）')
    assert dismissals < report.index('<a id="by-employee"></a>') < report.index('<a id="by-article"></a>')
    assert report.index('<a id="by-article"></a>') < report.index('<a id="by-month"></a>')
    assert report.index('<a id="by-month"></a>') < report.index('<a id="obligations"></a>')
    first = next(line for line in report[dismissals:].splitlines() if line.startswith("| E-"))
    assert first.startswith(
        "| E-09 | 第 3 行 | SJ-1 | 2012-03-09 | 驾驶员开车出现重大交通事故 | 第三十八条第（七）项 |"
    )
    assert "| 解聘 |" in first
    # Two late hand-overs of a 4200.00 salary: 1-3 months each, summed.
    # The row names the clause breached (第二十九条, issue 10), the sanction that of 第三十七条(四).
    row = ["E-05", "未经允许当日现金没有上交财务", "第二十九条", "2", "警告并扣发月薪 1-3 倍"]
    assert "| " + " | ".join([*row, "1-3", "8400.00", "25200.00", "0"]) + " |" in report
    assert "| E-05 | 合计 |  | 2 |  |  | 8400.00 | 25200.00 | 0 |" in report
    assert "| 扣发金额合计（月薪已知者，元） | 8400.00 至 25200.00 |" in report
    assert "| 解聘级违规（第三十八条） | 1 |" in report


def test_every_chart_has_one_bar_per_group(tmp_path: Path) -> None:
    events = [
        late_cash("R-1", "2012-01-05"),
        accident("SJ-1", "2012-03-09"),
        accident("SJ-2", "2012-03-10", "E-11"),
    ]
    result = run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    page = html(build(result, POLICY.compiled))
    for anchor, groups in (
        ("chart-employee", ["E-09", "E-11", "E-05", "—"]),  # —: the months without their reports
        # by the clause breached: cash late is 第二十九条; an incident keeps its item of 第三十八条
        ("chart-article", ["第十四条", "第十九条", "第二十九条", "第三十八条"]),
        ("chart-month", ["2012-01", "2012-02", "2012-03"]),
    ):
        svg = re.search(rf'<svg class="chart" id="{anchor}".*?</svg>', page, re.S)
        assert svg is not None
        assert re.findall(r'<rect class="bar" data-group="([^"]*)"', svg.group(0)) == groups


def test_the_html_names_a_cjk_font_stack(tmp_path: Path) -> None:
    result = run_audit(write_jsonl(tmp_path / "l.jsonl", [accident("SJ-1", "2012-03-09")]), tmp_path / "out")
    page = html(build(result, POLICY.compiled, "zh"))
    assert '<html lang="zh-CN">' in page
    for font in (
        '"Noto Sans CJK SC"',
        '"Source Han Sans SC"',
        '"PingFang SC"',
        '"Microsoft YaHei"',
        "sans-serif",
    ):
        assert font in FONTS and font in page


def test_a_receipt_settled_by_its_handover_is_explained_as_settled(tmp_path: Path) -> None:
    from salesops_rules.audit import open_ledger
    from salesops_rules.audit.run import explain_record

    events = [
        receipt("R-1", "2011-12-01T10:00:00"),
        handover("H-1", "R-1", "2011-12-01T16:00:00"),
        receipt("R-2", "2011-12-02T10:00:00"),
        accident("SJ-1", "2011-12-09"),
    ]
    path = write_jsonl(tmp_path / "l.jsonl", events)
    result = run_audit(path, tmp_path / "out", lang="zh")
    # R-2 has no handover: the ledger rule's finding explains the event too, and agrees.
    r2 = "\n".join(result.explanations[3])
    assert r2.startswith("事项 R-2（现金收款）依据 puguang-sales-logistics 2011-11 的决定：结论 违规")
    assert (
        "由跨事件规则 cash.handover-recorded-apart「现金日收日交（交款另行记录）」（第二十七条）"
        "依据整个账本判定" in r2
    )
    assert "账本发现：未经允许当日现金没有上交财务：" in r2
    assert "销售后勤主管许可：未满足" not in r2
    # R-1, settled by H-1: the explanation does not say FAIL nor an unsatisfied permission.
    ledger = open_ledger(path)
    item = next(i for i in ledger.records() if i.position == 1)
    text = "\n".join(explain_record(POLICY, ledger, item, "en", {}))
    assert text.startswith("Decision R-1 (cash receipt) under puguang-sales-logistics 2011-11: verdict PASS")
    assert "NOT satisfied" not in text and "FAIL" not in text
    assert "the ledger holds the matching cash handover in time" in text
    # `audit --explain N` alone has not read the ledger: it says the verdict is the event's alone,
    # judged as of the event's own time (issue 10): the day of receipt is still running.
    alone = explain_record(POLICY, ledger, item, "zh")
    assert alone[0] == (
        "事项 R-1（现金收款）依据 puguang-sales-logistics 2011-11 的决定：结论 待办"
        "（仅凭本事项；其中部分由整个账本判定，见下）"
    )


def test_ledger_rule_paths_are_relative_to_the_pack(tmp_path: Path) -> None:
    events = [receipt("R-1", "2011-12-01T10:00:00"), accident("SJ-1", "2011-12-09")]
    result = run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    report = markdown(build(result, POLICY.compiled))
    assert re.search(r"ledger rule cash\.handover-recorded-apart \(ledger\.yaml:\d+\)", report)
    assert str(Path(POLICY.compiled.root).resolve()) not in report
    assert POLICY.compiled.root not in report


HOSTILE = [
    "X-1\n```\n<script>alert(1)</script>\n```",
    "X-2 <img src=x onerror=alert(1)>",
    "X-3 `` ` | [link](http://evil.example) *bold* _i_ # h",
    "X-4\r\n# heading\u2028<b>x</b>",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_event_text_cannot_break_out_in_markdown_or_html(tmp_path: Path, hostile: str) -> None:
    events = [contract(hostile, "2011-12-01", amount="25000", prepared_by=hostile)]
    result = run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out")
    document = build(result, POLICY.compiled)
    page = html(document)
    assert "<script" not in page and "<img" not in page and "<b>x" not in page
    md = markdown(document)
    outside = outside_code(md)
    assert not re.search(r"(?<!\\)<(script|img|b)\b", outside)
    assert not re.search(r"(?<!\\)\]\(http", outside)  # no link made of event text
    # A heading is made by the report only.
    assert not any(line.startswith("# heading") for line in outside.splitlines())


def outside_code(md: str) -> str:
    """The Markdown outside fenced blocks and code spans; fails on a fence left open."""
    out, fence = [], None
    for line in md.splitlines():
        if fence is None:
            opening = re.fullmatch(r"(`{3,})text", line)
            if opening:
                fence = opening.group(1)
                continue
            assert not line.startswith("```"), f"a fence no block opened: {line!r}"
            out.append(re.sub(r"(`+)(?: .*? | ?[^`]*?)\1", " ", line))
        elif line == fence:
            fence = None
    assert fence is None, "a fence left open"
    return "\n".join(out)


def test_the_workbook_has_typed_cells_frozen_headers_filters_and_every_finding(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    events = [contract(f"C-{i}", "2011-12-01", amount="25000") for i in range(12)]
    events += [late_cash("R-1", "2012-01-05"), accident("SJ-1", "2012-01-09")]
    result = run_audit(write_jsonl(tmp_path / "l.jsonl", events), tmp_path / "out", lang="zh")
    path = tmp_path / "r.xlsx"
    write_workbook(result, POLICY.compiled, path, "zh")
    book = load_workbook(path)
    assert book.sheetnames[:4] == ["概要", "解聘级违规", "图表（按员工）", "处罚"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert all(ws.column_dimensions[c].width for c in "AB"), ws.title
    every = book["全部发现"]
    header = [c.value for c in every[1]]
    assert header[:3] == ["行", "事件", "事件类型"]
    assert header[-5:] == ["处罚", "扣发月薪倍数", "扣发金额下限（元）", "扣发金额上限（元）", "发现"]
    assert every.max_row - 1 == len(findings(tmp_path / "out")) == result.totals.findings() > 12 * 5
    rows = [[c.value for c in row] for row in every.iter_rows(min_row=2)]
    dates = [r[header.index("日期")] for r in rows if r[header.index("日期")] is not None]
    assert dates and all(isinstance(d, dt.datetime) for d in dates)
    cash = next(r for r in rows if r[header.index("代码")] == "cash_not_handed_over")
    assert (
        cash[header.index("扣发金额下限（元）")] == 4200
        and cash[header.index("处罚")] == "warning_and_deduction"
    )
    penalties = book["处罚"]
    assert [c.value for c in penalties[1]][:4] == ["员工", "违规", "条款", "次数"]
    money = [r for r in penalties.iter_rows(min_row=2, values_only=True) if r[0] == "E-05" and r[1] == "合计"]
    assert money and Decimal(str(money[0][6])) == Decimal("4200.00")
    import zipfile

    charts = [n for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3  # by employee, by article, by month


def test_every_explanation_in_the_report_agrees_with_the_findings(tmp_path: Path) -> None:
    """Over a generated ledger: an explained event's verdict is what its findings say.

    A violation found for it (by its own rules or a rule across events): 违规; else any
    finding: 待办; else 通过 (a receipt whose handover settled it).
    """
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_audit import write_ledger

    path = write_ledger(tmp_path / "ledger.jsonl", 400)
    result = run_audit(path, tmp_path / "out", lang="zh", explained=400)
    by_line: dict[int, set[str]] = {}
    for row in findings(tmp_path / "out"):
        if row["line"]:
            by_line.setdefault(int(row["line"]), set()).add(row["category"])
    assert len(result.explanations) > 100
    settled = 0
    for position, lines in result.explanations.items():
        found = by_line.get(position, set())
        want = "违规" if "violation" in found else "待办" if found else "通过"
        # each judged as of the time the ledger is judged at, as its findings were
        judged_at = f"（评判时点：{result.as_of:%Y-%m-%d %H:%M}）"
        assert lines[0].endswith(f"结论 {want}{judged_at}"), (position, lines[0], found)
        settled += want == "通过"
    assert settled == 0  # only events with findings are explained
