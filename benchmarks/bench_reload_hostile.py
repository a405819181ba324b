"""Hostile reloads against a running service: the refusal, and the requests answered meanwhile.

    python benchmarks/bench_reload_hostile.py [--concurrency 4] [--json]

A real `salesops-rules serve` process (with a token, no decision log) on a copy of the
bundled policy, under a steady load of `POST /v1/evaluate` from `--concurrency` clients.
For each hostile edit of the policy folder (below) it posts a reload, and records the
answer's status and reason, how long the reload took, how many requests were answered
meanwhile and whether any failed, and the service's peak memory (VmHWM) after it. The
edit is undone before the next one, and a last reload of the clean folder must succeed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

LAUNCH = "import sys; from salesops_rules.cli import main; sys.exit(main())"
LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True))
    + "rules:\n  - id: laughs.one\n    on: contract\n    cite: {article: 11}\n"
    + '    when: "amount >= 1"\n    then:\n      values: {contract_required: true}\n    note: *h\n'
)
EVENT = json.dumps(
    {
        "kind": "contract",
        "id": "C-1",
        "date": "2011-12-01",
        "customer": {"id": "K-1", "type": "new", "legal_form": "company"},
        "product_class": "stock",
        "amount": "12000",
        "prepared_by": "E-07",
    }
).encode("utf-8")


def many_rules(count: int) -> str:
    rule = (
        "  - id: many.r{n}\n    on: contract\n    cite: {{article: 11}}\n"
        '    when: "amount >= {n}"\n    then:\n      values: {{contract_required: true}}\n'
    )
    return "rules:\n" + "".join(rule.format(n=n) for n in range(count))


def replace_in(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")

    return edit


def add_file(name: str, text: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / name).write_text(text, encoding="utf-8")

    return edit


CASES: list[tuple[str, Callable[[Path], None]]] = [
    ("billion laughs (620 bytes)", add_file("laughs.yaml", LAUGHS)),
    (
        "deposit_ratio: 1.0e-9999999",
        replace_in("contracts.yaml", "deposit_ratio: 0.30", "deposit_ratio: 1.0e-9999999"),
    ),
    (
        "deposit_ratio: 1.0e-999999",
        replace_in("contracts.yaml", "deposit_ratio: 0.30", "deposit_ratio: 1.0e-999999"),
    ),
    ("20,000 rules", add_file("many.yaml", many_rules(20_000))),
    ("YAML nested [ x 1000", add_file("deep.yaml", "rules: " + "[" * 1000)),
    ("a: &a [*a]", add_file("self.yaml", "a: &a [*a]\nrules: []\n")),
]


def start(folder: Path, token_file: Path) -> tuple[subprocess.Popen[str], int]:
    args = ["--policy", str(folder), "serve", "--port", "0", "--no-log", "--token-file", str(token_file)]
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-c", LAUNCH, *args], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    found = re.search(r"on http://127\.0\.0\.1:(\d+);", line)
    if not found:
        process.kill()
        raise SystemExit(f"the service did not start: {line.strip()}")
    threading.Thread(target=process.stderr.read, daemon=True).start()
    return process, int(found.group(1))


def peak_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else float("nan")


class Load:
    """Clients posting events until stopped; counts answers and failures."""

    def __init__(self, port: int, clients: int) -> None:
        self.port, self.answered, self.failed = port, 0, 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.client) for _ in range(clients)]
        for thread in self.threads:
            thread.start()

    def client(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            while not self.stop.is_set():
                connection.request("POST", "/v1/evaluate", EVENT, {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                with self.lock:
                    if response.status == 200:
                        self.answered += 1
                    else:
                        self.failed += 1
        except (OSError, http.client.HTTPException):
            with self.lock:
                self.failed += 1
        finally:
            connection.close()

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)


def reload(port: int, token: str) -> tuple[int, dict[str, Any], float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    try:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        connection.request("POST", "/v1/policy/reload", b"", headers)
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    return response.status, body, time.perf_counter() - start


def run(clients: int) -> dict[str, Any]:
    rows = []
    with tempfile.TemporaryDirectory() as temp:
        folder, clean = Path(temp) / "policy", Path(temp) / "clean"
        from salesops_rules.core.loader import default_policy_dir

        shutil.copytree(default_policy_dir(), clean)
        shutil.copytree(clean, folder)
        token, token_file = secrets.token_urlsafe(32), Path(temp) / "token"
        token_file.write_text(token, encoding="utf-8")
        token_file.chmod(0o600)
        process, port = start(folder, token_file)
        try:
            load = Load(port, clients)
            time.sleep(1)
            for name, edit in [*CASES, ("the clean policy again", lambda _: None)]:
                shutil.rmtree(folder)
                shutil.copytree(clean, folder)
                edit(folder)
                before = load.answered
                status, body, seconds = reload(port, token)
                rows.append(
                    {
                        "case": name,
                        "status": status,
                        "reason": body.get("reason"),
                        "first_finding": (body.get("findings") or [{}])[0].get("message"),
                        "seconds": round(seconds, 2),
                        "answered_meanwhile": load.answered - before,
                        "failed": load.failed,
                        "service_peak_mib": round(peak_mib(process.pid), 1),
                    }
                )
            load.close()
        finally:
            process.terminate()
            process.wait(30)
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "clients": clients,
        "cases": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    report = run(args.concurrency)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    for row in report["cases"]:
        why = row["reason"] or ""
        if row["first_finding"]:
            why += f" ({row['first_finding'][:80]})"
        print(
            f"{row['case']}: {row['status']} in {row['seconds']:.1f} s, {row['answered_meanwhile']} answered "
            f"meanwhile, {row['failed']} failed so far, service peak {row['service_peak_mib']:.0f} MiB; {why}"
        )


if __name__ == "__main__":
    main()
