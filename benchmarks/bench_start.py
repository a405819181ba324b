"""How long a `salesops-rules` command takes from start to exit, on two versions of the code in one run.

    python benchmarks/bench_start.py [--ref A] [--ref B] [--runs N] [--] [COMMAND WORDS...]

The command defaults to `explain examples/new-customer-custom-order.json` (issue 13's target:
at most 150 ms wall). Refs are read as in `bench_refs.py`: a git ref exported into a
temporary folder, or `WORKTREE`; the defaults are `main` and `WORKTREE`. Each run starts a
fresh interpreter running what the console script runs (`salesops_rules.cli.run`, or `main`
in code older than it) with the ref's `src/` first on PYTHONPATH, the runs of A and B taking
turns. Reported per side: the median wall time and the median CPU time (user + system,
from the children's rusage), which moves less than wall time when other work shares the
machine; and B/A of each.

Python's bytecode files are written and used (`PYTHONDONTWRITEBYTECODE` is dropped from the
runs' environment), as after `pip install`, which compiles them; with `--source-only` the
variable is kept as the caller has it, and every run compiles the package's sources again
(about 60 ms more on this machine). The rest of the environment is the caller's, so a cache
folder set by `XDG_CACHE_HOME` or `SALESOPS_RULES_CACHE` is shared by both sides;
`--fresh-cache` gives each run an empty one.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

# The benchmark's own modules sit next to this script; it runs from any folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_refs

# What the console script runs: `cli.run` (since issue 13's start), or `cli.main` in code before it.
LAUNCH = "import sys; from salesops_rules import cli; sys.exit((getattr(cli, 'run', None) or cli.main)())"


def one_run(root: Path, words: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one command, in a fresh interpreter importing from `root`/src."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603  (our own interpreter on our own package)
        [sys.executable, "-c", LAUNCH, *words],
        env={**env, "PYTHONPATH": str(root / "src")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"`{' '.join(words)}` failed under {root}: {done.stderr.decode().strip()}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--ref", action="append", help="a git ref or WORKTREE; twice (default: main, WORKTREE)"
    )
    parser.add_argument("--runs", type=int, default=7, help="runs per side, the median kept (default 7)")
    parser.add_argument(
        "--source-only", action="store_true", help="keep PYTHONDONTWRITEBYTECODE as the caller has it"
    )
    parser.add_argument("--fresh-cache", action="store_true", help="an empty cache folder for every run")
    parser.add_argument("words", nargs="*", help="the command (default: explain on an example)")
    args = parser.parse_args(argv)
    repo = Path(bench_refs._git(bench_refs.HERE, "rev-parse", "--show-toplevel"))
    words = args.words or ["explain", str(repo / "examples" / "new-customer-custom-order.json")]
    refs = args.ref or ["main", bench_refs.WORKTREE]
    if len(refs) == 1:
        refs = [refs[0], bench_refs.WORKTREE]
    scratch = Path(tempfile.mkdtemp(prefix="bench-start-"))
    try:
        sides = [bench_refs.prepare(repo, label, ref, scratch) for label, ref in zip("AB", refs, strict=True)]
        times: dict[str, list[tuple[float, float]]] = {side.label: [] for side in sides}
        load_before = os.getloadavg()[0]
        for number in range(args.runs + 1):
            for side in sides if number % 2 == 0 else sides[::-1]:
                env = dict(os.environ)
                if not args.source_only:
                    env.pop("PYTHONDONTWRITEBYTECODE", None)
                if args.fresh_cache:
                    cache = scratch / f"cache-{side.label}-{number}"
                    env["SALESOPS_RULES_CACHE"] = str(cache)
                result = one_run(side.root, words, env)
                if number > 0:  # the first round warms the disk cache and the .pyc files
                    times[side.label].append(result)
        load_after = os.getloadavg()[0]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    bytecode = "sources compiled on every run" if args.source_only else "bytecode cached"
    print(f"`salesops-rules {' '.join(words)}`, median of {args.runs} runs per side, taking turns")
    print(f"{bytecode}, load average {load_before:.1f} → {load_after:.1f}, {os.cpu_count()} CPUs")
    medians = {}
    for side in sides:
        walls, cpus = zip(*times[side.label], strict=True)
        medians[side.label] = (statistics.median(walls), statistics.median(cpus))
        wall, cpu = medians[side.label]
        print(
            f"  {side.label} = `{side.ref}` ({side.commit}): wall {wall * 1000:.0f} ms "
            f"(min {min(walls) * 1000:.0f}), CPU {cpu * 1000:.0f} ms (min {min(cpus) * 1000:.0f})"
        )
    (wall_a, cpu_a), (wall_b, cpu_b) = medians["A"], medians["B"]
    print(f"  B/A: wall {wall_b / wall_a:.2f}x, CPU {cpu_b / cpu_a:.2f}x")


if __name__ == "__main__":
    main()
