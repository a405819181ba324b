"""kill -9 under load: every decision the service answered is in its decision log.

    python benchmarks/bench_kill.py [--rounds 5] [--concurrency 8] [--seconds 3] [--workers N] [--json]

Each round starts a real `salesops-rules serve` process on 127.0.0.1 (a free port) on one
decision log shared by all rounds, drives it with `--concurrency` keep-alive clients, each
posting contracts with ids of its own, and after `--seconds` kills it with SIGKILL. Then
it reads the log back: every answer (status 200 with its `X-Decision-Id`) must have its
row, with the same event id. Rows with no answer are decisions committed while the kill
cut their answer off: allowed, since the service answers only after the commit, never
before. SQLite's `PRAGMA integrity_check` must say `ok` after every kill.

Exit 0 when nothing answered was lost, 1 otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

LAUNCH = "import sys; from salesops_rules.cli import main; sys.exit(main())"


def start(log: Path, workers: int = 1) -> tuple[subprocess.Popen[str], int]:
    args = ["serve", "--host", "127.0.0.1", "--port", "0", "--log", str(log), "--no-reload"]
    args += ["--workers", str(workers)] if workers > 1 else []
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-c", LAUNCH, *args], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    found = re.search(r"on http://127\.0\.0\.1:(\d+);", line)
    if not found:
        process.kill()
        raise SystemExit(f"the service did not start: {line.strip()}")
    threading.Thread(target=process.stderr.read, daemon=True).start()  # keep its stderr drained
    return process, int(found.group(1))


def event(event_id: str) -> bytes:
    return json.dumps(
        {
            "kind": "contract",
            "id": event_id,
            "date": "2011-12-01",
            "customer": {"id": "K-1", "type": "new", "legal_form": "company"},
            "product_class": "stock",
            "amount": "12000",
            "prepared_by": "E-07",
        }
    ).encode("utf-8")


def load(port: int, round_no: int, clients: int, stop: threading.Event) -> list[tuple[int, str]]:
    """(decision id, event id) of every answered request, until the service dies."""
    answered: list[tuple[int, str]] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/json"}
        try:
            for i in range(10**9):
                event_id = f"K{round_no}-{n}-{i}"
                connection.request("POST", "/v1/evaluate", event(event_id), headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise SystemExit(f"the service answered {response.status}")
                with lock:
                    answered.append((int(response.getheader("x-decision-id") or 0), event_id))
                if stop.is_set():
                    return
        except (OSError, http.client.HTTPException):
            return  # the service was killed: this request has no answer
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answered


def read_log(path: Path) -> tuple[dict[int, str], str]:
    with sqlite3.connect(path) as db:
        rows = dict(db.execute("SELECT id, event_id FROM decisions"))
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    return rows, integrity


def one_round(log: Path, round_no: int, clients: int, seconds: float, workers: int = 1) -> dict[str, Any]:
    before, _ = read_log(log) if log.exists() else ({}, "ok")
    process, port = start(log, workers)
    stop = threading.Event()
    result: list[list[tuple[int, str]]] = []
    driver = threading.Thread(target=lambda: result.append(load(port, round_no, clients, stop)))
    driver.start()
    time.sleep(seconds)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    stop.set()
    driver.join(60)
    answered = result[0] if result else []
    rows, integrity = read_log(log)
    new_rows = {i: e for i, e in rows.items() if i not in before}
    lost = [(i, e) for i, e in answered if rows.get(i) != e]
    return {
        "round": round_no,
        "answered": len(answered),
        "rows": len(new_rows),
        "lost": len(lost),
        "unanswered_rows": len(new_rows) - (len(answered) - len(lost)),
        "integrity": integrity,
        "per_second": len(answered) / seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0, help="load before each kill")
    parser.add_argument(
        "--workers", type=int, default=1, help="serve --workers N (the parent is killed, its workers with it)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "decisions.sqlite"
        rounds = [
            one_round(log, n + 1, args.concurrency, args.seconds, args.workers) for n in range(args.rounds)
        ]
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "rounds": rounds,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for r in rounds:
            print(
                f"round {r['round']}: {r['answered']} answered, {r['rows']} rows, {r['lost']} lost, "
                f"{r['unanswered_rows']} logged without an answer, integrity {r['integrity']} "
                f"({r['per_second']:,.0f} answers/s)"
            )
        total = sum(r["answered"] for r in rounds)
        print(f"{total} answers in {len(rounds)} kills, {sum(r['lost'] for r in rounds)} lost")
    bad = any(r["lost"] or r["integrity"] != "ok" for r in rounds)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
