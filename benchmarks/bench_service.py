"""Requests per second of `POST /v1/evaluate`, beside the in-process `evaluate` rate.

    python benchmarks/bench_service.py [--requests 5000] [--concurrency 8] [--kind contract|all]
                                       [--generator auto|python|wrk] [--json]
    python benchmarks/bench_service.py --ref A [--ref B] [--rounds 3] [--concurrency 32]

The service runs as a real `salesops-rules serve` process on 127.0.0.1 (a free port),
once with its decision log (a temporary SQLite file) and once with `--no-log`, so the
cost of the log shows. The load generator sends a bounded number of requests over
`--concurrency` keep-alive connections and checks every answer is 200:

- `python` (always there): one thread per connection with `http.client`, the events
  cycled from a seeded mix (`event_mix.py`); it shares the machine's 2 cores with the
  server, so its figure is a floor.
- `wrk` (used by `auto` when on PATH; on Debian: `apt-get install wrk`): a C load
  generator that leaves the cores to the server; one event body, for `--wrk-seconds`
  (5 s by default), after the Python run.

With `--ref` (git refs or `WORKTREE`, read as in `bench_refs.py`; one `--ref` compares it
with the working tree), two versions of the service are measured side by side in one run
(`--workers-b N` serves B with `serve --workers N`, `--workers-a N` A):
for each of `--rounds` rounds, A then B (B first on odd rounds), each a fresh server with
its own new decision log, then one without a log, each driven by wrk for `--wrk-seconds`.
The best round of each is shown with its p99, and B/A. After every run with a log, the
log's rows are counted: every answered request (wrk's count, all status 200) must have its
row (a row more is a decision whose answer wrk cut off at the end); fewer is a failure.

Beside it, on one core in this process, the same work without HTTP: parse the JSON body
with exact decimals, `evaluate`, dump the decision as JSON. The ratio of the two is the
HTTP (and log) overhead.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import event_mix
import salesops_rules
from salesops_rules import load_policy

LAUNCH = "import sys; from salesops_rules.cli import main; sys.exit(main())"
WRK_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = io.open({path}, "rb")
wrk.body = file:read("*a")
file:close()
"""


@contextmanager
def server(
    log: Path | None, root: Path | None = None, extra: Sequence[str] = ()
) -> Iterator[tuple[str, int]]:
    """A `salesops-rules serve` process on a free loopback port; yields (host, port).

    `root`: a checkout whose `src/` the server imports (first on PYTHONPATH); else this one.
    `extra`: more options of `serve` (`--workers 2`).
    """
    args = ["serve", "--host", "127.0.0.1", "--port", "0", "--no-reload", *extra]
    args += ["--log", str(log)] if log is not None else ["--no-log"]
    env = {**os.environ, "PYTHONPATH": str(root / "src")} if root is not None else None
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-c", LAUNCH, *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        found = re.search(r"on http://(127\.0\.0\.1):(\d+);", line)
        if not found:
            raise SystemExit(f"the service did not start: {line.strip()}")
        # Keep draining stderr so uvicorn's own lines never block the server.
        threading.Thread(target=process.stderr.read, daemon=True).start()
        yield found.group(1), int(found.group(2))
    finally:
        process.terminate()
        process.wait(30)


def python_load(host: str, port: int, bodies: Sequence[bytes], requests: int, clients: int) -> dict[str, Any]:
    counter = itertools.count()  # next() on a count is atomic under the GIL
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []

    def client(mine: list[float]) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        headers = {"Content-Type": "application/json"}
        try:
            while (n := next(counter)) < requests:
                start = time.perf_counter()
                connection.request("POST", "/v1/evaluate", bodies[n % len(bodies)], headers)
                response = connection.getresponse()
                response.read()
                mine.append(time.perf_counter() - start)
                if response.status != 200:
                    failures.append(f"status {response.status}")
                    return
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(latencies[i],)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"the service failed a request: {failures[0]}")
    every = sorted(t for chunk in latencies for t in chunk)
    return {
        "generator": "python",
        "requests": len(every),
        "seconds": elapsed,
        "per_second": len(every) / elapsed,
        "p50_ms": every[len(every) // 2] * 1000,
        "p99_ms": every[int(len(every) * 0.99)] * 1000,
    }


def wrk_load(wrk: str, host: str, port: int, body: bytes, seconds: int, clients: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        event, script = Path(folder) / "event.json", Path(folder) / "post.lua"
        event.write_bytes(body)
        script.write_text(WRK_SCRIPT.format(path=json.dumps(str(event))), encoding="utf-8")
        result = subprocess.run(  # noqa: S603 (wrk found on PATH, arguments we built)
            [
                wrk,
                "-t2",
                f"-c{clients}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                str(script),
                f"http://{host}:{port}/v1/evaluate",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        )
    out = result.stdout
    if "Non-2xx" in out:
        raise SystemExit(f"the service failed requests under wrk:\n{out}")
    return {
        "generator": "wrk",
        "requests": int(_find(r"(\d+) requests in", out)),
        "seconds": seconds,
        "per_second": float(_find(r"Requests/sec:\s+([\d.]+)", out)),
        "p50_ms": _wrk_ms(_find(r"50%\s+([\d.]+\w+)", out)),
        "p99_ms": _wrk_ms(_find(r"99%\s+([\d.]+\w+)", out)),
    }


def _find(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if found is None:
        raise SystemExit(f"cannot read `{pattern}` in the output of wrk:\n{text}")
    return found.group(1)


def _wrk_ms(text: str) -> float:
    number = _find(r"([\d.]+)", text)
    unit = text[len(number) :]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def in_process_rate(bodies: Sequence[bytes], count: int) -> dict[str, float]:
    """What the service does per request, minus HTTP: parse with decimals, evaluate, dump JSON."""
    policy = load_policy()
    events = [json.loads(b, parse_float=Decimal) for b in bodies]
    start = time.perf_counter()
    for n in range(count):
        policy.evaluate(events[n % len(events)])
    evaluate = count / (time.perf_counter() - start)
    start = time.perf_counter()
    for n in range(count):
        policy.evaluate(json.loads(bodies[n % len(bodies)], parse_float=Decimal)).model_dump_json()
    whole = count / (time.perf_counter() - start)
    return {"evaluate": evaluate, "parse_evaluate_dump": whole}


def run(args: argparse.Namespace) -> dict[str, Any]:
    kinds = list(event_mix.GENERATORS) if args.kind == "all" else [args.kind]
    policy = load_policy()
    # Kinds whose rules exist in the policy: an event of a kind without rules decides nothing.
    kinds = [k for k in kinds if policy.compiled.plans.get(k)] or kinds
    bodies = [
        json.dumps(event, ensure_ascii=False, default=str).encode("utf-8")
        for event in event_mix.stream(kinds, args.distinct, seed=args.seed)
    ]
    wrk = shutil.which("wrk") if args.generator in ("auto", "wrk") else None
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for log in (Path(folder) / "decisions.sqlite", None):
            with server(log) as (host, port):
                python_load(host, port, bodies, min(200, args.requests), args.concurrency)  # warm up
                row: dict[str, Any] = {"decision_log": log is not None}
                row["python"] = python_load(host, port, bodies, args.requests, args.concurrency)
                if wrk is not None:
                    row["wrk"] = wrk_load(wrk, host, port, bodies[0], args.wrk_seconds, args.concurrency)
                runs.append(row)
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "salesops_rules": salesops_rules.__version__,
        "kinds": kinds,
        "concurrency": args.concurrency,
        "in_process": in_process_rate(bodies, args.requests),
        "service": runs,
    }


def compare_refs(args: argparse.Namespace, wrk: str) -> None:
    """Two versions of the service side by side, with and without the log: best of `--rounds`."""
    import sqlite3

    import bench_refs

    repo = Path(bench_refs._git(bench_refs.HERE, "rev-parse", "--show-toplevel"))
    refs = args.ref if len(args.ref) == 2 else [args.ref[0], bench_refs.WORKTREE]
    kinds = [args.kind] if args.kind != "all" else ["contract"]
    body = json.dumps(next(event_mix.stream(kinds, 1, seed=args.seed)), ensure_ascii=False, default=str)
    scratch = Path(tempfile.mkdtemp(prefix="bench-service-"))
    best: dict[tuple[str, bool], dict[str, Any]] = {}
    lost = []
    try:
        sides = [bench_refs.prepare(repo, label, ref, scratch) for label, ref in zip("AB", refs, strict=True)]
        load_before = os.getloadavg()[0]
        for number in range(args.rounds):
            for side in sides if number % 2 == 0 else sides[::-1]:
                for logged in (True, False):
                    log = scratch / f"log-{side.label}-{number}.sqlite" if logged else None
                    workers = args.workers_b if side.label == "B" else args.workers_a
                    extra = ["--workers", str(workers)] if workers else []
                    with server(log, side.root, extra) as (host, port):
                        wrk_load(wrk, host, port, body.encode(), 1, args.concurrency)  # warm up
                        result = wrk_load(wrk, host, port, body.encode(), args.wrk_seconds, args.concurrency)
                    if log is not None:
                        with sqlite3.connect(log) as connection:
                            rows = connection.execute("SELECT count(*) FROM decisions").fetchone()[0]
                        # The warm-up's answers are in the log too: wrk counts only what it received.
                        result["log_rows"] = rows
                        if rows < result["requests"]:
                            answered = result["requests"]
                            lost.append(f"{side.label} round {number}: {answered} answered, {rows} rows")
                    key = (side.label, logged)
                    if key not in best or result["per_second"] > best[key]["per_second"]:
                        best[key] = result
        load_after = os.getloadavg()[0]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(
        f"POST /v1/evaluate, wrk -c{args.concurrency} for {args.wrk_seconds} s, best of {args.rounds} rounds "
        f"taking turns; {os.cpu_count()} CPUs shared with wrk, "
        f"load average {load_before:.1f} → {load_after:.1f}"
    )
    for side in sides:
        count = args.workers_b if side.label == "B" else args.workers_a
        workers = f", serve --workers {count}" if count else ""
        print(f"  {side.label} = `{side.ref}` ({side.commit}){workers}")
    for logged in (True, False):
        a, b = best[("A", logged)], best[("B", logged)]
        label = "with the decision log" if logged else "without a log"
        print(
            f"  {label:<22} A {a['per_second']:>7,.0f} req/s p99 {a['p99_ms']:6.1f} ms | "
            f"B {b['per_second']:>7,.0f} req/s p99 {b['p99_ms']:6.1f} ms | "
            f"B/A {b['per_second'] / a['per_second']:.2f}x"
        )
    if lost:
        raise SystemExit("answered decisions missing from the log: " + "; ".join(lost))
    print("  every answered decision is in its log (rows counted after each run)")


def show(report: dict[str, Any]) -> None:
    machine = report["machine"]
    print(
        f"salesops-rules {report['salesops_rules']}; Python {machine['python']} on {machine['platform']}, "
        f"{machine['cpus']} cpus; {report['date']}; kinds: {', '.join(report['kinds'])}"
    )
    local = report["in_process"]
    print(f"in process, one core: evaluate {local['evaluate']:,.0f}/s; ", end="")
    print(f"parse+evaluate+dump {local['parse_evaluate_dump']:,.0f}/s")
    for row in report["service"]:
        label = "with decision log" if row["decision_log"] else "without decision log"
        for name in ("python", "wrk"):
            if name not in row:
                continue
            r = row[name]
            ratio = local["parse_evaluate_dump"] / r["per_second"]
            print(
                f"POST /v1/evaluate, {label}, {name} x{report['concurrency']}: {r['per_second']:,.0f} req/s "
                f"({r['requests']} requests, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms); "
                f"in-process is {ratio:.1f}x"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="requests per measured run")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--kind", default="contract", help="event kind, or `all` for a mix")
    parser.add_argument("--distinct", type=int, default=500, help="distinct events, cycled")
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--generator", choices=["auto", "python", "wrk"], default="auto")
    parser.add_argument("--wrk-seconds", type=int, default=5, help="length of the wrk run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--ref", action="append", help="compare two versions: a git ref or WORKTREE, twice")
    parser.add_argument("--rounds", type=int, default=3, help="with --ref: rounds, the best kept")
    parser.add_argument(
        "--workers-b", type=int, default=0, help="with --ref: serve B with `--workers N` (default: not given)"
    )
    parser.add_argument(
        "--workers-a", type=int, default=0, help="with --ref: serve A with `--workers N` (default: not given)"
    )
    args = parser.parse_args()
    if args.ref:
        wrk = shutil.which("wrk")
        if wrk is None:
            raise SystemExit("`--ref` needs `wrk` on PATH (Debian: apt-get install wrk)")
        compare_refs(args, wrk)
        return
    if args.generator == "wrk" and not shutil.which("wrk"):
        raise SystemExit(
            "`wrk` is not on PATH; install it (Debian: apt-get install wrk) or use --generator python"
        )
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        show(report)


if __name__ == "__main__":
    main()
