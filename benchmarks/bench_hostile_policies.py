"""Time and memory of each hostile policy of issue 12: every one must be refused in well under 1 s.

    python benchmarks/bench_hostile_policies.py [--repeat R]

For each case of `tests/hostile_policies.py` (the same corpus the tests assert the whole
message of), a copy of the bundled policy gets the hostile file, and `load_policy` is
timed until it raises its PolicyError: best of `--repeat` runs, wall and CPU, beside the
load of the unbroken bundled policy, and the peak of memory traced during one load.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hostile_policies import CASES, POLICY_DIR, make_policy
from salesops_rules import PolicyError, load_policy


def refused(root: Path) -> None:
    try:
        load_policy(root)
    except PolicyError:
        return
    raise SystemExit(f"{root} loaded: a hostile policy must not")


def measure(root: Path, repeat: int, run: object) -> tuple[float, float, int]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run(root)  # type: ignore[operator]
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    tracemalloc.start()
    run(root)  # type: ignore[operator]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(walls), min(cpus), peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"{'case':<36} | wall (ms) | CPU (ms) | peak traced (MB)")
    with tempfile.TemporaryDirectory() as tmp:
        bundled = Path(tmp) / "bundled"
        shutil.copytree(POLICY_DIR, bundled, ignore=shutil.ignore_patterns("tests"))
        wall, cpu, peak = measure(bundled, args.repeat, load_policy)
        label = "(the bundled policy, loading)"
        print(f"{label:<36} | {wall * 1000:9.0f} | {cpu * 1000:8.0f} | {peak / 1e6:.1f}")
        worst = 0.0
        for case in CASES:
            root = Path(tmp) / case.name
            make_policy(root, case)
            wall, cpu, peak = measure(root, args.repeat, refused)
            worst = max(worst, wall)
            print(f"{case.name:<36} | {wall * 1000:9.0f} | {cpu * 1000:8.0f} | {peak / 1e6:.1f}")
        print(f"slowest refusal: {worst * 1000:.0f} ms wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
