"""The audit report as an Excel workbook, for the sales office that keeps its ledger in Excel.

Written with openpyxl in write-only mode (rows stream to the file). It holds what the
Markdown and HTML report hold: the summary, the counts per article, employee and month,
the findings shown per group with where to find their explanation, the rules across
events and the first skipped records; every finding is in findings.csv.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..engine.compiled import CompiledPolicy
from ..model.audit import CATEGORIES, DIMENSIONS
from .report import anchor_of, describe_rule, explain_command, group_keys, group_title
from .run import FINDINGS_FILE, SKIPPED_FILE, AuditResult


def write_workbook(result: AuditResult, policy: CompiledPolicy, path: Path, lang: str = "en") -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        ws = book.create_sheet(title)
        cells = []
        for name in header:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
        for row in rows:
            ws.append(list(row))

    totals = result.totals
    summary: list[tuple[Any, ...]] = [
        ("ledger", result.ledger + (f" (sheet {result.sheet})" if result.sheet else "")),
        ("format", result.ledger_format),
        ("policy", f"{result.policy_name} {result.policy_version}"),
        ("events dated from", totals.first_day or ""),
        ("events dated to", totals.last_day or ""),
        ("records read", totals.records),
        ("audited", totals.audited),
        ("skipped", totals.skipped),
        *((f"verdict {v}", totals.verdicts.get(v, 0)) for v in ("pass", "pending", "fail")),
        ("findings", totals.findings()),
        *((f"{c} findings", totals.findings(c)) for c in CATEGORIES),
        ("every finding", FINDINGS_FILE),
        ("every skipped record", SKIPPED_FILE),
    ]
    sheet("Summary", ("item", "value"), summary)
    for dimension in DIMENSIONS:
        keys = group_keys(result, dimension)
        rows = []
        for key in keys:
            per = [totals.groups.get((dimension, key, c), 0) for c in CATEGORIES]
            rows.append((group_title(dimension, key, policy, lang), *per, sum(per)))
        sheet(f"By {dimension}", (dimension, *CATEGORIES, "total"), rows)
    shown = []
    for dimension in DIMENSIONS:
        samples = dict(result.sampled(dimension))
        for key in group_keys(result, dimension):
            found = samples.get(key, [])
            for f in found:
                anchor = anchor_of(result, f)
                where = (
                    f"report #{anchor}"
                    if anchor is not None
                    else explain_command(result, f.position)
                    if f.position is not None
                    else ""
                )
                shown.append(
                    (
                        dimension,
                        key,
                        f.position,
                        f.event_id,
                        f.kind,
                        f.date,
                        f.employee,
                        f.category,
                        f.code,
                        f.label,
                        f.message,
                        f.rule,
                        f.detail,
                        where,
                    )
                )
    sheet(
        "Findings shown",
        (
            "group",
            "key",
            result.unit,
            "event",
            "kind",
            "date",
            "employee",
            "category",
            "code",
            "article",
            "message",
            "ledger rule",
            "detail",
            "explanation",
        ),
        shown,
    )
    across = [
        (
            rule.id,
            rule.cite.label,
            (rule.title.zh if lang == "zh" else rule.title.en) if rule.title else "",
            describe_rule(rule),
            *(result.rule_counts.get((rule.id, s), 0) for s in ("missing", "late", "open")),
        )
        for rule in policy.ledger_rules
    ]
    sheet(
        "Rules across events",
        ("rule", "article", "title", "groups and orders", "missing", "late", "open"),
        across,
    )
    sheet("Skipped", (result.unit, "problem"), [(s.position, s.message) for s in result.skipped])
    book.save(path)
