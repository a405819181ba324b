"""`audit`: judge every event of a ledger (JSON Lines, CSV, Excel) and write a report of findings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .common import EXIT_FINDINGS, EXIT_OK, BadInputError, add_policy, policy_from
from .decide import add_as_of, as_of_from

# The audit's modules are imported by `audit` itself: `check` and `explain` start without them.
if TYPE_CHECKING:
    from ..audit.ledger import Ledger
    from ..audit.run import AuditResult
    from ..core.compiled import CompiledPolicy
    from ..policy import Policy

FORMATS = ("md", "html", "xlsx")
LOCAL = "local"  # `--dask` without an address: a local cluster


def _formats(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise BadInputError(
            f"unknown report format `{unknown[0] if unknown else text}`",
            ["  help: formats: " + ", ".join(f"`{f}`" for f in FORMATS) + ", comma-separated"],
        )
    return chosen


def cmd_audit(args: argparse.Namespace) -> int:
    from ..audit import AuditOptions, LedgerError, audit_ledger, open_ledger
    from ..audit.progress import ProgressBar, wanted

    formats = _formats(args.format)
    if args.workers < 1:
        raise BadInputError(f"`--workers` must be 1 or more, not `{args.workers}`")
    if args.examples < 1:
        raise BadInputError(f"`--examples` must be 1 or more, not `{args.examples}`")
    policy = policy_from(args)
    as_of = as_of_from(args)
    try:
        ledger = open_ledger(args.ledger, args.sheet, events=policy.compiled.events)
    except LedgerError as error:
        raise BadInputError(error.message, [f"  help: {error.help}"] if error.help else []) from None
    if args.explain is not None:
        return _explain(policy, ledger, args)
    out_dir = Path(args.out) if args.out else Path(f"audit-{Path(args.ledger).stem}")
    options = AuditOptions(
        out_dir=out_dir,
        workers=args.workers,
        dask=args.dask is not None,
        scheduler=None if args.dask in (None, LOCAL) else args.dask,
        examples=args.examples,
        lang=args.lang,
        chunk_size=args.chunk_size,
        log=Path(args.log) if args.log else None,
        as_of=as_of,
    )
    bar = ProgressBar(sys.stderr, ledger.total, ledger.unit) if wanted(sys.stderr, args.no_progress) else None
    try:
        result = audit_ledger(policy, ledger, options, bar)
    except LedgerError as error:
        raise BadInputError(error.message, [f"  help: {error.help}"] if error.help else []) from None
    except OSError as error:
        raise BadInputError(f"cannot write the report into `{out_dir}`: {error.strerror}") from None
    finally:
        if bar is not None:
            bar.close()
    try:
        written = _write(result, policy.compiled, out_dir, formats, args.lang)
    except OSError as error:
        raise BadInputError(f"cannot write the report into `{out_dir}`: {error.strerror}") from None
    _summary(result, written, args.lang)
    clean = result.totals.findings() == 0 and result.totals.skipped == 0
    return EXIT_OK if clean else EXIT_FINDINGS


def _write(
    result: AuditResult, compiled: CompiledPolicy, out_dir: Path, formats: tuple[str, ...], lang: str
) -> list[Path]:
    from ..audit.report import build, html, markdown

    written = list(result.files)
    document = build(result, compiled, lang)
    if "md" in formats:
        path = out_dir / "report.md"
        path.write_text(markdown(document), encoding="utf-8")
        written.insert(0, path)
    if "html" in formats:
        path = out_dir / "report.html"
        path.write_text(html(document), encoding="utf-8")
        written.insert(0, path)
    if "xlsx" in formats:
        from ..audit.workbook import write_workbook

        path = out_dir / "report.xlsx"
        write_workbook(result, compiled, path, lang)
        written.insert(0, path)
    return written


# What `audit` prints when it is done, in the report's language.
SUMMARY = {
    "en": {
        "totals": "{ledger}: {records} records, {audited} audited, {skipped} skipped; "
        "{n} findings ({counts})",
        "count": "{n} {category}",
        "skipped": "  skipped {where}: {message}",
        "more": "  ... {n} more skipped records in skipped.csv",
        "wrote": "  wrote {path}",
    },
    "zh": {
        "totals": "{ledger}：记录 {records} 条，已评判 {audited} 条，跳过 {skipped} 条；"
        "发现 {n} 项（{counts}）",
        "count": "{category} {n}",
        "skipped": "  跳过{where}：{message}",
        "more": "  ……另有 {n} 条跳过的记录，见 skipped.csv",
        "wrote": "  已写入 {path}",
    },
}


def _summary(result: AuditResult, written: list[Path], lang: str) -> None:
    from ..audit.report import w, where
    from ..model.audit import CATEGORIES

    words = SUMMARY["zh" if lang == "zh" else "en"]
    totals = result.totals
    # English keeps the category's code (`131 violation`), as it always printed.
    counts = ("，" if lang == "zh" else ", ").join(
        words["count"].format(n=totals.findings(c), category=w(c, lang) if lang == "zh" else c)
        for c in CATEGORIES
    )
    print(
        words["totals"].format(
            ledger=result.ledger,
            records=totals.records,
            audited=totals.audited,
            skipped=totals.skipped,
            n=totals.findings(),
            counts=counts,
        )
    )
    for record in result.skipped[:5]:
        print(words["skipped"].format(where=where(result, record.position, lang), message=record.message))
    if totals.skipped > 5:
        print(words["more"].format(n=totals.skipped - 5))
    for path in sorted(written):
        print(words["wrote"].format(path=path))


def _explain(policy: Policy, ledger: Ledger, args: argparse.Namespace) -> int:
    from ..audit.run import explain_position

    lines = explain_position(policy, ledger, args.explain, args.lang, as_of_from(args))
    if lines is None:
        raise BadInputError(f"`{args.ledger}` has no event at {ledger.unit} {args.explain}")
    print("\n".join(lines).rstrip())
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser(
        "audit",
        help="judge every event of a ledger and write a report of findings",
        description="Judge every event of a ledger (JSON Lines, CSV or Excel) and write a report of "
        "findings grouped by article, employee and month. Exit 0: no findings; 1: findings or "
        "skipped records; 2: bad input. See docs/audit.md.",
    )
    audit.add_argument("ledger", help="ledger file: .jsonl, .csv or .xlsx")
    add_policy(audit)
    audit.add_argument("--out", metavar="DIR", help="report folder (default: audit-<ledger name>)")
    audit.add_argument(
        "--format",
        default="md,html",
        help="report formats, comma-separated: md, html, xlsx (default: md,html)",
    )
    audit.add_argument(
        "--workers", type=int, default=1, metavar="N", help="processes that judge events (default 1)"
    )
    audit.add_argument(
        "--dask",
        nargs="?",
        const=LOCAL,
        default=None,
        metavar="SCHEDULER_ADDRESS",
        help="judge on Dask: a `distributed` scheduler's address, or none for a local cluster of --workers "
        "processes (write --dask=ADDRESS, or put --dask after the ledger)",
    )
    audit.add_argument("--sheet", metavar="NAME", help="the sheet of an Excel ledger (default: the first)")
    audit.add_argument(
        "--lang", choices=["en", "zh"], default="en", help="language of messages and explanations"
    )
    audit.add_argument(
        "--examples", type=int, default=5, metavar="K", help="findings shown per article, employee and month"
    )
    audit.add_argument("--chunk-size", type=int, default=2000, metavar="N", help=argparse.SUPPRESS)
    audit.add_argument("--log", metavar="FILE.sqlite", help="append every decision to this decision log")
    audit.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    audit.add_argument(
        "--explain",
        type=int,
        metavar="N",
        help="explain the event at line (JSON Lines) or row (CSV, Excel) N of the ledger, and stop",
    )
    add_as_of(audit, "the ledger's last event")
    audit.set_defaults(run=cmd_audit)
