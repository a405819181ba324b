"""The audit report as a person sees it: opened in headless Chromium, in Chinese and in English.

What an auditor looks for first: the 第三十八条 breach at the top with its sanction, each
employee's penalty with its amount, and charts with one bar per group. Screenshots are
saved (tests/browser.py, SHOTS) so that a person can look at them after a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from audit_support import CLERK, contract, receipt, run_audit, write_jsonl
from browser import SHOTS, page, screenshot
from salesops_rules.audit.report import build, chart_counts, html

DRIVER = {"id": "E-09", "role": "driver", "monthly_salary": "3000.00"}
CLERK_PAID = {**CLERK, "monthly_salary": "4200.00"}


def _events() -> list[dict[str, Any]]:
    accident = {
        "kind": "incident",
        "id": "SJ-7",
        "date": "2012-03-14",
        "employee": DRIVER,
        "violation": "major_traffic_accident",
    }
    late_cash = receipt(
        "R-1", "2012-01-05T10:00:00", employee=CLERK_PAID, handed_to_finance_at="2012-01-06T09:00:00"
    )
    return [
        contract("C-1", "2012-01-04", amount="25000"),
        late_cash,
        {
            **accident,
            "id": "SJ-3",
            "date": "2012-02-10",
            "employee": CLERK_PAID,
            "violation": "vehicle_not_serviced",
        },
        accident,
        contract("C-2", "2012-03-20", amount="800"),
    ]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    from audit_support import POLICY

    root = tmp_path_factory.mktemp("report")
    ledger = write_jsonl(root / "ledger.jsonl", _events())
    out: dict[str, tuple[Path, Any]] = {}
    for lang in ("zh", "en"):
        result = run_audit(ledger, root / f"out-{lang}", lang=lang)
        document = build(result, POLICY.compiled, lang)
        path = root / f"report-{lang}.html"
        path.write_text(html(document), encoding="utf-8")
        out[lang] = (path, document)
    return out


EXPECTED = {
    "zh": {"dismissal": "解聘", "accident": "驾驶员开车出现重大交通事故", "amount": "4200.00 至 12600.00"},
    "en": {
        "dismissal": "dismissal",
        "accident": "a driver caused a major traffic accident",
        "amount": "4200.00 to 12600.00",
    },
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_shows_the_dismissal_first_with_its_penalty_and_charts(
    reports: dict[str, tuple[Path, Any]], lang: str
) -> None:
    path, document = reports[lang]
    want = EXPECTED[lang]
    with page(width=1280, height=1000) as pg:
        pg.goto(path.as_uri())
        # The first section after the summary is the dismissal-grade breaches, and its first
        # row is the accident of E-09 with its sanction.
        sections = pg.eval_on_selector_all("h2", "hs => hs.map(h => h.id)")
        assert sections[:3] == ["summary", "dismissals", "by-employee"]
        first = pg.evaluate(
            """() => {
                const h = document.getElementById('dismissals');
                let el = h.nextElementSibling;
                while (el && el.tagName !== 'TABLE') el = el.nextElementSibling;
                return [...el.querySelectorAll('tbody tr:first-child td')].map(c => c.innerText);
            }"""
        )
        assert first[0] == "E-09"
        assert want["accident"] in first and want["dismissal"] in first
        # The dismissal is above every other breach on the page.
        top = pg.evaluate("document.getElementById('dismissals').getBoundingClientRect().top")
        below = pg.evaluate("document.getElementById('by-article').getBoundingClientRect().top")
        assert top < below
        # The clerk's late cash: a deduction of 1-3 months of a 4200.00 salary.
        penalties = pg.evaluate(
            """() => {
                const h = document.getElementById('by-employee');
                let el = h.nextElementSibling;
                while (el && el.tagName !== 'TABLE') el = el.nextElementSibling;
                return [...el.querySelectorAll('tbody tr')].map(r => [...r.cells].map(c => c.innerText));
            }"""
        )
        amounts = [(row[0], row[6], row[7]) for row in penalties]
        low, high = want["amount"].replace(" 至 ", " to ").split(" to ")
        assert ("E-05", low, high) in amounts
        # Each chart: one bar per group, with the group's count, drawn with a width.
        expected = chart_counts(document)
        assert set(expected) == {"chart-employee", "chart-article", "chart-month"}
        for anchor, counts in expected.items():
            bars = pg.eval_on_selector_all(
                f"svg#{anchor} rect.bar",
                "rs => rs.map(r => [r.dataset.group, +r.dataset.count, r.getBoundingClientRect().width])",
            )
            assert [(g, n) for g, n, _ in bars] == list(counts.items())
            assert len(bars) == len(counts) and all(width > 0 for _, n, width in bars if n)
        # The page names a CJK font, and the browser has one: Chinese is not drawn as boxes.
        family = pg.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Noto Sans CJK SC" in family
        assert screenshot(pg, f"audit-report-{lang}").stat().st_size > 0
        # The first screen as the auditor opens it (docs/screenshots/ holds one).
        pg.screenshot(path=str(SHOTS / f"audit-report-{lang}-top.png"), full_page=False)


def test_a_report_with_no_breach_says_so_in_the_browser(tmp_path: Path) -> None:
    from audit_support import POLICY

    ledger = write_jsonl(tmp_path / "l.jsonl", [contract("C-2", "2012-03-20", amount="800")])
    result = run_audit(ledger, tmp_path / "out", lang="zh")
    path = tmp_path / "r.html"
    path.write_text(html(build(result, POLICY.compiled, "zh")), encoding="utf-8")
    with page() as pg:
        pg.goto(path.as_uri())
        after = "document.getElementById('dismissals').nextElementSibling.nextElementSibling.innerText"
        assert pg.evaluate(after) == "无。"
        charts = chart_counts(build(result, POLICY.compiled, "zh"))
        assert pg.eval_on_selector_all("svg.chart", "s => s.length") == len(charts)
