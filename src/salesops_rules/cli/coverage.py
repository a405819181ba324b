"""`coverage`: every article of the regulation, and what enforces it (`tools/article_coverage.py`)."""

from __future__ import annotations

import argparse
import json
import unicodedata

from ..tools.article_coverage import STATUS_TEXT, ArticleCoverage, coverage, rule_cites, summary
from .common import EXIT_OK, add_policy, policy_from

__all__ = ["ArticleCoverage", "coverage", "rule_cites", "summary"]


def cmd_coverage(args: argparse.Namespace) -> int:
    policy = policy_from(args)
    rows = coverage(policy.compiled)
    if args.json:
        data = {"articles": [_json(r) for r in rows], "summary": summary(rows)}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    # An itemised article's items follow it, indented.
    clauses = [r for row in rows for r in [row, *row.items]]
    lines = [(f"  {r.label}" if r.item is not None else r.label, r) for r in clauses]
    width = max(_columns(label) for label, _ in lines)
    for label, r in lines:
        pad = " " * (width - _columns(label))
        print(f"{label}{pad}  {STATUS_TEXT[r.status]:<16}  {r.detail()}")
    print()
    print(summary(rows))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "coverage", help="list every article with the rules that enforce it, or why none can"
    )
    add_policy(parser, positional=True)
    parser.add_argument("--json", action="store_true", help="print the table, or the error, as JSON")
    parser.set_defaults(run=cmd_coverage)


def _columns(text: str) -> int:
    """Terminal columns: a wide (CJK) character takes two, digits and dots one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _json(r: ArticleCoverage) -> dict[str, object]:
    data: dict[str, object] = {
        "article": r.article,
        "label": r.label,
        "status": r.status,
        "rules": r.rules,
        "penalties": r.penalties,
        "engine": r.engine,
        "reason": r.reason,
    }
    if r.item is not None:
        data = {"article": r.article, "item": r.item, **{k: v for k, v in data.items() if k != "article"}}
    if r.items:
        data["items"] = [_json(i) for i in r.items]
    return data
