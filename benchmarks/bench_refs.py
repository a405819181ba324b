"""`evaluate` per event kind on two versions of the code, side by side in one run: the ratio B/A.

    python benchmarks/bench_refs.py [--ref A] [--ref B] [--kind KIND ...] [--events N]
                                    [--passes P] [--clock cpu|wall] [--limit 1.10] [--json]

A ref is anything `git rev-parse` reads (a branch, a tag, a commit) or `WORKTREE`, the
working tree this script sits in, uncommitted changes included. The defaults compare `main`
(resolved once to its commit, which the report prints) with `WORKTREE`.

Each git ref is exported with `git archive` (its `src/` and `policy/`) into a temporary
folder, which is removed at the end; no worktree or branch is created. One worker process
per ref (`ref_worker.py`, with that ref's `src/` first on PYTHONPATH) loads its own bundled
policy and the same events, generated once here by `event_mix.py` of the working tree.

Before timing, each kind is decided once by both sides: a side that refuses the events is
reported and the kind is not timed; decisions that differ are reported (issue 9 may change
what a kind decides on purpose) and the kind is still timed. Then the passes take turns:
for each pass, for each kind, one pass of A and one of B (B first on odd passes), so that
only one worker runs at a time and a busy spell on the machine slows both. The best pass of
each side is kept. The figure is `B µs / A µs` per kind; above `--limit` the kind is marked
and the script exits with status 1 (issue 9: no kind more than 10% slower, in one run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

# The benchmark's own modules sit next to this script; it runs from any folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import event_mix

HERE = Path(__file__).resolve().parent
WORKTREE = "WORKTREE"


@dataclass
class Side:
    """One ref under test: where its code is, and its running worker."""

    label: str
    ref: str
    commit: str  # the commit, or "WORKTREE" with the HEAD it sits on
    root: Path
    process: subprocess.Popen[str] | None = None
    imported_from: str = ""
    best: dict[str, float] = field(default_factory=dict)

    def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process is not None and self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the worker of {self.label} (`{self.ref}`) stopped; its stderr is above")
        answer: dict[str, Any] = json.loads(line)
        return answer


def _git(repo: Path, *args: str, stdout: int | IO[bytes] = subprocess.PIPE) -> str:
    done = subprocess.run(  # noqa: S603  (git on the repository this script sits in)
        ["git", *args], cwd=repo, stdout=stdout, stderr=subprocess.PIPE, check=False  # noqa: S607
    )
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode().strip() if done.stdout is not None else ""


def prepare(repo: Path, label: str, ref: str, scratch: Path) -> Side:
    """The side for `ref`: the working tree as it is, or a commit's src/ and policy/ exported to `scratch`."""
    if ref == WORKTREE:
        head = _git(repo, "rev-parse", "--short", "HEAD")
        dirty = " + uncommitted changes" if _git(repo, "status", "--porcelain", "--", "src", "policy") else ""
        return Side(label, ref, f"working tree on {head}{dirty}", repo)
    commit = _git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}")
    root = scratch / label
    root.mkdir()
    archive = scratch / f"{label}.tar"
    with archive.open("wb") as out:
        _git(repo, "archive", "--format=tar", commit, "src", "policy", stdout=out)
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    archive.unlink()
    return Side(label, ref, commit[:12], root)


def start(side: Side, events_file: Path, clock: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(side.root / "src"), "PYTHONHASHSEED": "0"}
    side.process = subprocess.Popen(  # noqa: S603  (our own interpreter on our own worker script)
        [sys.executable, str(HERE / "ref_worker.py"), str(events_file), clock],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert side.process.stdout is not None
    line = side.process.stdout.readline()
    if not line:
        raise SystemExit(f"the worker of {side.label} (`{side.ref}`) did not start; its stderr is above")
    side.imported_from = json.loads(line)["ready"]
    expected = (side.root / "src").resolve()
    if not Path(side.imported_from).resolve().is_relative_to(expected):
        raise SystemExit(
            f"the worker of {side.label} imported salesops_rules from `{side.imported_from}`, "
            f"not `{expected}`"
        )


def stop(side: Side) -> None:
    if side.process is not None:
        assert side.process.stdin is not None
        side.process.stdin.close()
        side.process.wait(timeout=60)


def run(args: argparse.Namespace) -> dict[str, Any]:
    repo = Path(_git(HERE, "rev-parse", "--show-toplevel"))
    refs = args.ref or ["main", WORKTREE]
    if len(refs) == 1:
        refs = [refs[0], WORKTREE]
    if len(refs) != 2:
        raise SystemExit("give two refs at most: --ref A --ref B")
    kinds = args.kind or list(event_mix.EVERY_GENERATOR)
    events = {kind: list(event_mix.stream([kind], args.events, seed=args.seed)) for kind in kinds}
    if len(kinds) > 1:
        events["mixed"] = list(event_mix.stream(kinds, args.events, seed=args.seed))
    scratch = Path(tempfile.mkdtemp(prefix="bench-refs-"))
    try:
        events_file = scratch / "events.json"
        events_file.write_text(json.dumps(events, default=str, ensure_ascii=False), encoding="utf-8")
        sides = [prepare(repo, label, ref, scratch) for label, ref in zip("AB", refs, strict=True)]
        for side in sides:
            start(side, events_file, args.clock)
        try:
            return measure(sides, list(events), args)
        finally:
            for side in sides:
                stop(side)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def measure(sides: list[Side], kinds: list[str], args: argparse.Namespace) -> dict[str, Any]:
    refused: dict[str, str] = {}
    differ: list[str] = []
    timed = []
    for kind in kinds:
        answers = [side.ask({"check": kind}) for side in sides]
        errors = [
            f"{side.label}: {a['error']}" for side, a in zip(sides, answers, strict=True) if "error" in a
        ]
        if errors:
            refused[kind] = "; ".join(errors)
            continue
        if answers[0]["digest"] != answers[1]["digest"]:
            differ.append(kind)
        timed.append(kind)
    load_before = os.getloadavg()[0]
    for number in range(args.passes):
        order = sides if number % 2 == 0 else sides[::-1]
        for kind in timed:
            for side in order:
                seconds = side.ask({"time": kind})["seconds"]
                side.best[kind] = min(side.best.get(kind, float("inf")), seconds)
    rows = []
    for kind in timed:
        a_us, b_us = (side.best[kind] / args.events * 1e6 for side in sides)
        rows.append({"kind": kind, "a_us": a_us, "b_us": b_us, "ratio": b_us / a_us})
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg()[0],
        },
        "sides": [
            {"label": s.label, "ref": s.ref, "commit": s.commit, "imported_from": s.imported_from}
            for s in sides
        ],
        "clock": args.clock,
        "events_per_pass": args.events,
        "passes": args.passes,
        "limit": args.limit,
        "rows": rows,
        "refused": refused,
        "decisions_differ": differ,
    }


def show(report: dict[str, Any]) -> None:
    machine = report["machine"]
    print(
        f"{report['date']}, Python {machine['python']} on {machine['platform']}, {machine['cpus']} CPUs, "
        f"load average {machine['load_average_before']:.1f} → {machine['load_average_after']:.1f}"
    )
    for side in report["sides"]:
        print(f"  {side['label']} = `{side['ref']}` ({side['commit']})")
    print(
        f"  clock {report['clock']}, {report['events_per_pass']} events per pass, "
        f"best of {report['passes']} interleaved passes, one worker running at a time"
    )
    print()
    print(f"{'kind':<26} {'A µs':>9} {'B µs':>9} {'B/A':>7}")
    for row in report["rows"]:
        mark = "  SLOWER than the limit" if row["ratio"] > report["limit"] else ""
        print(f"{row['kind']:<26} {row['a_us']:>9.1f} {row['b_us']:>9.1f} {row['ratio']:>6.2f}x{mark}")
    for kind, why in report["refused"].items():
        print(f"{kind:<26} NOT TIMED: {why}")
    if report["decisions_differ"]:
        print("\ndecisions differ between A and B on: " + ", ".join(report["decisions_differ"]))
    if report["rows"]:
        worst = max(report["rows"], key=lambda r: r["ratio"])
        print(f"\nworst B/A: {worst['ratio']:.2f}x ({worst['kind']}); limit {report['limit']:.2f}x")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--ref", action="append", help=f"a git ref or {WORKTREE}; twice (default: main, {WORKTREE})"
    )
    parser.add_argument(
        "--kind", action="append", help="an event kind (repeatable; default: every generator)"
    )
    parser.add_argument("--events", type=int, default=2000, help="events per kind and pass (default 2000)")
    parser.add_argument("--passes", type=int, default=7, help="passes per side, the best kept (default 7)")
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument(
        "--clock", choices=("cpu", "wall"), default="cpu", help="process CPU time (default) or wall time"
    )
    parser.add_argument(
        "--limit", type=float, default=1.10, help="the B/A above which a kind fails (default 1.10)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        show(report)
    if report["refused"] or any(row["ratio"] > args.limit for row in report["rows"]):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
