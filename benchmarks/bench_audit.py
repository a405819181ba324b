"""Benchmark of `audit`: time and peak memory for 10^5 and 10^6 mixed events, 1 worker vs 2.

The ledger is the benchmark's own mixed stream (`event_mix.py`: every kind of the
contract, with their boundary cases) plus what a real ledger records apart: cash handovers
after the receipts that do not record one (mostly the same day, some a day late, some
never), the general manager's signatures after credit given on consent (some late), and a
customer archive report and an internal review for most months. It is written to a
temporary JSON Lines file; each audit runs in a child process (the command line's own
code path, reports included) whose whole process tree is sampled for memory.

Run: python benchmarks/bench_audit.py [--sizes 100000,1000000] [--workers 1,2] [--json]
Targets (issue 5): 10^6 mixed events in under 60 s on 2 cores; peak memory under 500 MB,
not growing with the ledger's size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import event_mix  # noqa: E402  (a script folder, not a package: found through sys.path)

MISSING_MONTHS = ("2012-02", "2012-08")  # months the generated office forgot its paperwork


def ledger_events(count: int, seed: int = 2011) -> Iterator[dict[str, Any]]:
    """`count` ledger lines: the mixed stream, each receipt and consent followed up as a ledger would."""
    rng = random.Random(seed + 1)  # noqa: S311  (a reproducible stream, not a secret)
    months = sorted({f"{2011 + (10 + i) // 12}-{(10 + i) % 12 + 1:02d}" for i in range(14)})
    paperwork = [e for m in months if m not in MISSING_MONTHS for e in _paperwork(m)]
    every = max(1, count // (len(paperwork) + 1))  # spread the paperwork through the ledger
    made = 0
    for event in event_mix.stream(list(event_mix.GENERATORS), count, seed):
        for line in (event, *_follow_ups(rng, event)):
            if paperwork and made and made % every == 0:
                yield paperwork.pop()
                made += 1
            if made < count:
                yield line
                made += 1
            if made >= count:
                return


def _paperwork(month: str) -> list[dict[str, Any]]:
    day = f"{month}-28"
    return [
        {
            "kind": "customer_archive_report",
            "id": f"DA-{month}",
            "date": day,
            "month": month,
            "approvals": [
                {"role": "clerk", "by": "E-05", "at": f"{day}T10:00:00"},
                {"role": "logistics_supervisor", "by": "E-02", "at": f"{day}T11:00:00"},
            ],
        },
        {
            "kind": "internal_review",
            "id": f"PS-{month}",
            "date": day,
            "month": month,
            "reported_to_general_manager": True,
        },
    ]


def _follow_ups(rng: random.Random, event: dict[str, Any]) -> list[dict[str, Any]]:
    if event["kind"] == "cash_receipt" and "handed_to_finance_at" not in event and rng.random() < 0.8:
        received = dt.datetime.fromisoformat(event["received_at"])
        late = dt.timedelta(days=1) if rng.random() < 0.15 else dt.timedelta(0)
        at = min(received + dt.timedelta(hours=2), received.replace(hour=23, minute=59)) + late
        return [
            {
                "kind": "cash_handover",
                "id": f"JK-{event['id']}",
                "receipt": event["id"],
                "handed_at": at.isoformat(),
                "amount": event["amount"],
                "payment_slip": True,
            }
        ]
    consent = any(r.get("mode") == "consent" for r in event.get("approvals", ()))
    if event["kind"] == "credit_sale" and consent and rng.random() < 0.8:
        day = dt.date.fromisoformat(event["date"])
        at = dt.datetime.combine(day + dt.timedelta(days=rng.randrange(1, 11)), dt.time(9, 30))
        return [
            {
                "kind": "credit_signature",
                "id": f"BQ-{event['id']}",
                "credit_sale": event["id"],
                "signed_by": event_mix.MANAGER,
                "role": "general_manager",
                "signed_at": at.isoformat(),
            }
        ]
    return []


def write_ledger(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as file:
        for event in ledger_events(count):
            file.write(json.dumps(event, ensure_ascii=False) + "\n")
    return path


def run_child(ledger: Path, out: Path, workers: int) -> dict[str, Any]:
    """One audit in a child process; the peak of the summed RSS of its process tree, sampled."""
    import psutil  # installed with distributed (the `dask` extra)

    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(ledger), str(out), str(workers)]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE)  # noqa: S603  (our own script)
    root = psutil.Process(child.pid)
    peak_total = peak_main = 0
    cpu: dict[int, float] = {}
    while child.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        total = 0
        for process in tree:
            try:
                rss = process.memory_info().rss
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += rss
            cpu[process.pid] = times.user + times.system
            if process.pid == root.pid:
                peak_main = max(peak_main, rss)
        peak_total = max(peak_total, total)
        time.sleep(0.05)
    stdout, _ = child.communicate()
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"the audit child failed with exit code {child.returncode}")
    report = json.loads(stdout.decode().strip().splitlines()[-1])
    return {
        **report,
        "workers": workers,
        "wall_s": round(seconds, 2),
        "cpu_s": round(sum(cpu.values()), 1),
        "peak_rss_mb": round(peak_total / 2**20),
        "peak_rss_main_mb": round(peak_main / 2**20),
    }


def child(ledger: str, out: str, workers: int) -> None:
    """The audit as `salesops-rules audit` runs it, reports included; prints its own figures as JSON."""
    from salesops_rules import load_policy
    from salesops_rules.audit import AuditOptions, audit_ledger, open_ledger
    from salesops_rules.audit.report import build, html, markdown

    start = time.perf_counter()
    policy = load_policy()
    result = audit_ledger(policy, open_ledger(ledger), AuditOptions(out_dir=Path(out), workers=workers))
    document = build(result, policy.compiled)
    (Path(out) / "report.md").write_text(markdown(document), encoding="utf-8")
    (Path(out) / "report.html").write_text(html(document), encoding="utf-8")
    print(
        json.dumps(
            {
                "events": result.totals.audited,
                "skipped": result.totals.skipped,
                "findings": result.totals.findings(),
                "audit_s": round(time.perf_counter() - start, 2),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("LEDGER", "OUT", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    cpu = platform.processor() or platform.machine()
    machine = f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as scratch:
        for size in sizes:
            ledger = Path(scratch) / f"ledger-{size}.jsonl"
            started = time.perf_counter()
            write_ledger(ledger, size)
            made = round(time.perf_counter() - started, 1)
            megabytes = round(ledger.stat().st_size / 2**20)
            for count in workers:
                row = run_child(ledger, Path(scratch) / f"out-{size}-{count}", count)
                row |= {"size": size, "ledger_mb": megabytes, "generate_s": made}
                rows.append(row)
                if not args.json:
                    print(
                        f"{size:>9,} events ({megabytes} MB JSONL), {count} worker(s): "
                        f"{row['wall_s']:7.1f} s wall, {row['events'] / row['wall_s']:8,.0f} events/s, "
                        f"{row['cpu_s']:7.1f} s CPU, peak RSS {row['peak_rss_mb']:4} MB "
                        f"(main {row['peak_rss_main_mb']} MB), {row['findings']:,} findings"
                    )
            ledger.unlink()
    if args.json:
        print(json.dumps({"machine": machine, "load": os.getloadavg(), "runs": rows}, indent=2))
    else:
        print(f"machine: {machine}; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
