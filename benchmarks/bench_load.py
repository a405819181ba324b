"""Load time of a policy against its number of rules: loading must grow linearly (issue 12).

    python benchmarks/bench_load.py [--rules 1000,5000,20000] [--repeat R] [--profile N]

For each count, a copy of the bundled policy gets that many generated rules, 1,000 to a
file, spread over the event kinds; every generated rule reads a value other rules set
(`deposit_ratio`, `contract_required`), so the loader must order them after those rules,
and a tenth of them set a value of their own that the next rule of their kind reads. The
figure is the best of `--repeat` loads (`load_policy`: read, check, compile, plan), in
seconds, and seconds per 1,000 rules, which stays flat when the load is linear.
`--profile N` prints the 25 costliest functions of one load of N rules.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from salesops_rules import load_policy

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
PER_FILE = 1000

RULE = """\
  - id: bench.{i}
    on: contract
    cite: {{article: 14}}
    when: "amount >= {i} and contract_required and {reads}"
    then:
{sets}      obligations:
        - code: bench_{i}
          message: {{zh: 测试, en: a generated duty}}
"""
VALUE = """\
  bench_{i}: {{type: bool, zh: 测试, en: a generated value}}
"""


def make_policy(root: Path, count: int) -> None:
    """The bundled policy at `root`, with `count` generated rules and their values."""
    shutil.copytree(POLICY_DIR, root, ignore=shutil.ignore_patterns("tests"))
    setters = [i for i in range(count) if i % 10 == 0 and i + 1 < count]
    manifest = (root / "policy.yaml").read_text(encoding="utf-8")
    values = "".join(VALUE.format(i=i) for i in setters)
    (root / "policy.yaml").write_text(
        manifest.replace("values:\n", "values:\n" + values, 1), encoding="utf-8"
    )
    reads = {i + 1: f"bench_{i}" for i in setters}
    for start in range(0, count, PER_FILE):
        text = "rules:\n" + "".join(
            RULE.format(
                i=i,
                reads=reads.get(i, "deposit_ratio > 0"),
                sets=f"      values: {{bench_{i}: true}}\n" if i in setters else "",
            )
            for i in range(start, min(start + PER_FILE, count))
        )
        (root / f"zz-bench-{start // PER_FILE:03d}.yaml").write_text(text, encoding="utf-8")


def best_load(root: Path, repeat: int) -> tuple[float, float]:
    """The best wall-clock and CPU seconds of `repeat` loads (CPU time: others' load aside)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        load_policy(root)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", default="1000,5000,20000", help="comma-separated rule counts")
    parser.add_argument("--repeat", type=int, default=3, help="loads per count; the best is kept")
    parser.add_argument("--profile", type=int, default=0, help="profile one load of N rules")
    args = parser.parse_args(argv)
    print(
        f"# {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        if args.profile:
            root = Path(tmp) / "profile"
            make_policy(root, args.profile)
            profile = cProfile.Profile()
            profile.runcall(load_policy, root)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
            return 0
        baseline_root = Path(tmp) / "bundled"
        shutil.copytree(POLICY_DIR, baseline_root, ignore=shutil.ignore_patterns("tests"))
        base, base_cpu = best_load(baseline_root, args.repeat)
        rules = len(load_policy(baseline_root).compiled.rules)
        print(f"bundled policy ({rules} rules): {base:.2f} s wall, {base_cpu:.2f} s CPU")
        print("generated rules | load, wall (s) | load, CPU (s) | CPU s per 1,000 generated rules")
        for count in (int(c) for c in args.rules.split(",")):
            root = Path(tmp) / f"rules-{count}"
            make_policy(root, count)
            wall, cpu = best_load(root, args.repeat)
            per = (cpu - base_cpu) / count * 1000
            print(f"{count:>15,} | {wall:14.2f} | {cpu:13.2f} | {per:.3f}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
