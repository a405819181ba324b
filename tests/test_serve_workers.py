"""`serve --workers N`: N processes on one port and one decision log; signals reach them all."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil  # installed with distributed (the `dask` extra of the tests)
import pytest

from salesops_rules.cli import main
from serving import call
from test_serve_cli import EXAMPLE, Server

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="forks; a worker dies with its parent on Linux"
)


def _event(n: int) -> str:
    event = json.loads(EXAMPLE)
    event["id"] = f"W-{n:04d}"
    return json.dumps(event, ensure_ascii=False)


def _workers(server: Server, count: int = 2) -> list[psutil.Process]:
    """The workers (forked after the line that says where it serves), once `count` are there."""
    deadline = time.monotonic() + 60
    while True:
        # Not the policy holder's helper (multiprocessing's resource tracker): the forks of `serve`.
        children = psutil.Process(server.process.pid).children()
        found = [c for c in children if "serve" in " ".join(c.cmdline())]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@contextlib.contextmanager
def _serving(args: list[str]) -> Iterator[Server]:
    """A `serve --workers` process, killed with its workers whatever the test found."""
    server = Server(args)
    try:
        yield server
    finally:
        workers = psutil.Process(server.process.pid).children() if server.process.poll() is None else []
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(20)
        for worker in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                worker.kill()


def _gone(processes: list[psutil.Process], timeout: float = 30) -> bool:
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return not alive


def test_two_workers_answer_log_every_decision_reload_and_stop_together(tmp_path: Path) -> None:
    log = tmp_path / "decisions.sqlite"
    with _serving(["serve", "--port", "0", "--log", str(log), "--no-reload", "--workers", "2"]) as server:
        workers = _workers(server)
        assert len(workers) == 2
        with ThreadPoolExecutor(8) as pool:
            url = server.url + "/v1/evaluate"
            replies = list(pool.map(lambda n: call("POST", url, _event(n)), range(60)))
        assert {r.status for r in replies} == {200}
        ids = [int(r.headers["x-decision-id"]) for r in replies]
        assert len(set(ids)) == 60
        with sqlite3.connect(log) as connection:
            logged = dict(connection.execute("SELECT id, event_id FROM decisions").fetchall())
        # Every answered decision is in the log, under the id its answer gave.
        assert {logged[i] for i in ids} == {f"W-{n:04d}" for n in range(60)}
        server.process.send_signal(signal.SIGHUP)
        assert server.wait_for("reloaded policy")
        assert server.wait_for("reloaded policy")  # once per worker
        assert server.stop() == 0
        assert _gone(workers)


def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    with _serving(["serve", "--port", "0", "--no-log", "--no-reload", "--workers", "2"]) as server:
        workers = _workers(server)
        assert len(workers) == 2
        assert call("POST", server.url + "/v1/evaluate", EXAMPLE).status == 200
        server.process.kill()
        server.process.wait(20)
        assert _gone(workers)


def test_a_worker_that_dies_stops_the_service(tmp_path: Path) -> None:
    with _serving(["serve", "--port", "0", "--no-log", "--no-reload", "--workers", "2"]) as server:
        workers = _workers(server)
        assert len(workers) == 2
        workers[0].kill()
        deadline = time.monotonic() + 60
        while server.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.process.returncode == 2  # the parent said why, and stopped the other
        assert server.wait_for("a worker of the service stopped")
        assert _gone(workers)


def test_several_workers_need_no_reload_over_http(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0", "--no-log", "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        "salesops-rules: reload over HTTP needs one worker: each worker holds its own policy"
    )
    assert "add --no-reload" in err


def test_a_sighup_as_soon_as_the_service_says_where_it_serves_reloads_every_worker(tmp_path: Path) -> None:
    # The parent and each worker hold SIGHUP back until their handler is in place: sent at
    # once, it waits for them instead of killing the process it reaches.
    log = tmp_path / "decisions.sqlite"
    with _serving(["serve", "--port", "0", "--log", str(log), "--no-reload", "--workers", "2"]) as server:
        server.process.send_signal(signal.SIGHUP)
        assert server.wait_for("reloaded policy")
        assert server.wait_for("reloaded policy")  # once per worker
        assert call("POST", server.url + "/v1/evaluate", EXAMPLE).status == 200
        assert server.stop() == 0
