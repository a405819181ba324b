"""The decision log's sharing: one keeper for every worker, turns among writers, checkpoints
beside them, and the heap the service freezes (issue 13)."""

from __future__ import annotations

import asyncio
import fcntl
import gc
import json
import sqlite3
import sys
import threading
import weakref
from pathlib import Path

import pytest

from salesops_rules import Policy, load_policy
from salesops_rules.audit.decision_log import DecisionLog, DecisionLogError
from salesops_rules.audit.log_sharing import Checkpointer, WriterTurns
from salesops_rules.service import log_keeper
from salesops_rules.service.log_keeper import STOPPED, LogKeeper, RemoteLog, channels
from salesops_rules.service.run import settle_heap
from test_decision_log import HASH, contract
from test_serve_cli import EXAMPLE
from test_serve_workers import _serving

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock and socket pairs as on POSIX")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def _text(event_id: str) -> str:
    return json.dumps(contract(event_id), default=str)


async def _append_all(remote: RemoteLog, policy: Policy, names: list[str]) -> list[int]:
    decisions = [policy.evaluate(contract(name)) for name in names]
    return await asyncio.gather(
        *(remote.append(_text(n), d, HASH) for n, d in zip(names, decisions, strict=True))
    )


def test_one_keeper_commits_every_workers_rows_and_answers_each_its_ids(
    tmp_path: Path, policy: Policy
) -> None:
    path = tmp_path / "decisions.sqlite"
    pairs = channels(2)
    keeper = LogKeeper(path, [k for k, _ in pairs])
    remotes = [RemoteLog(w) for _, w in pairs]
    names = [[f"A-{n}" for n in range(150)], [f"B-{n}" for n in range(150)]]

    async def both() -> list[list[int]]:
        return await asyncio.gather(*(_append_all(r, policy, n) for r, n in zip(remotes, names, strict=True)))

    try:
        ids = asyncio.run(both())
    finally:
        for _, worker_end in pairs:
            worker_end.close()  # the workers stop: the keeper sees its channels close
        keeper.close()
    assert len({i for part in ids for i in part}) == 300
    with DecisionLog(path, create=False) as log:
        for part, events in zip(ids, names, strict=True):
            # Each answer's id is the row of its own event, committed before the id came back.
            assert [log.get(i).event_id for i in part] == events  # type: ignore[union-attr]
        assert log.count() == 300


def test_a_write_the_keeper_cannot_make_is_answered_as_that_error(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "decisions.sqlite"
    DecisionLog(path).close()
    with sqlite3.connect(path) as db:  # a log whose every insert fails, as a full disk would
        db.execute(
            "CREATE TRIGGER full BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'disk is full'); END"
        )
    db.close()
    pairs = channels(1)
    keeper = LogKeeper(path, [pairs[0][0]])
    try:
        with pytest.raises(DecisionLogError, match=r"^cannot write the decision log `.*`: disk is full$"):
            asyncio.run(_append_all(RemoteLog(pairs[0][1]), policy, ["C-1", "C-2"]))
    finally:
        pairs[0][1].close()
        keeper.close()


def test_a_worker_whose_keeper_has_gone_fails_its_requests(policy: Policy) -> None:
    keeper_end, worker_end = channels(1)[0]
    keeper_end.close()
    with pytest.raises(DecisionLogError) as raised:
        asyncio.run(_append_all(RemoteLog(worker_end), policy, ["C-1"]))
    assert raised.value.message == STOPPED
    worker_end.close()


def test_a_keeper_that_fails_shuts_its_channels_so_no_worker_waits_for_ever(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(buffer: bytearray) -> list[object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(log_keeper, "_messages", broken)
    keeper_end, worker_end = channels(1)[0]
    keeper = LogKeeper(tmp_path / "decisions.sqlite", [keeper_end])
    try:
        with pytest.raises(DecisionLogError) as raised:
            asyncio.run(_append_all(RemoteLog(worker_end), policy, ["C-1"]))
        assert raised.value.message == STOPPED
    finally:
        worker_end.close()
        keeper.close()


def test_writers_take_turns_one_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "decisions.sqlite"
    DecisionLog(path).close()
    turns = WriterTurns(path)
    with path.open("rb") as other:  # another writer's open file, as another process has
        try:
            with turns, pytest.raises(BlockingIOError):
                fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once the turn is over
        finally:
            turns.close()


def test_two_logs_on_one_file_in_threads_lose_no_entry(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "decisions.sqlite"
    logs = [DecisionLog(path, checkpoints=False), DecisionLog(path, checkpoints=False)]
    found: list[list[int]] = [[], []]

    def write(number: int) -> None:
        for n in range(40):
            event = contract(f"T{number}-{n}")
            found[number].extend(
                logs[number].append_many([(event, policy.evaluate(event))] * 3, policy_hash=HASH)
            )

    threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for log in logs:
        log.close()
    with DecisionLog(path, create=False) as log:
        assert log.count() == 240
        assert sorted(found[0] + found[1]) == list(range(1, 241))


def test_the_checkpointer_keeps_the_wal_bounded(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "decisions.sqlite"
    log = DecisionLog(path, checkpoints=False)
    event = contract()
    decision = policy.evaluate(event)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000  # another connection: default
    db.close()
    checkpointer = Checkpointer(path, every_s=0.001, restart_pages=40)
    try:
        # Write until the checkpointer has started the WAL again at least twice.
        for _ in range(20_000):
            log.append_many([(event, decision)] * 4, policy_hash=HASH)
            if checkpointer.restarts >= 2:
                break
        assert checkpointer.restarts >= 2
        log.append(event, decision, policy_hash=HASH)
        # After a restart the next commit writes at the WAL's start: it holds few pages, not all.
        with sqlite3.connect(path) as db:
            _, pages, _ = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        db.close()
        assert pages < 40 * 20
    finally:
        checkpointer.close()
        log.close()
    with DecisionLog(path, create=False) as reader:
        assert reader.count() >= 9
        assert reader.entries(last=1)[0].event_id == "C-1"


def test_the_writers_of_the_service_leave_checkpoints_to_the_checkpointer(
    tmp_path: Path, policy: Policy
) -> None:
    path = tmp_path / "decisions.sqlite"
    with DecisionLog(path, checkpoints=False) as log:
        log.append(contract(), policy.evaluate(contract()), policy_hash=HASH)
        connection = log._connection()
        assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        assert not log.checkpoints
    with DecisionLog(path) as log:
        assert log._connection().execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
        assert log.checkpoints


class _Node:
    cycle: _Node | None = None


def test_settling_the_heap_freezes_it_and_after_a_reload_frees_what_was_replaced() -> None:
    try:
        node = _Node()
        node.cycle = node  # a cycle: only the collector frees it
        ref = weakref.ref(node)
        settle_heap()
        assert gc.get_freeze_count() > 0
        del node  # replaced, as a reload replaces a policy
        settle_heap()
        assert ref() is not None  # frozen: out of the collector's sight
        settle_heap(everything=True)
        assert ref() is None
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks, as `serve --workers` does")
def test_workers_answer_503_when_the_keeper_cannot_write(tmp_path: Path) -> None:
    from serving import call

    log = tmp_path / "decisions.sqlite"
    DecisionLog(log).close()
    with sqlite3.connect(log) as db:
        db.execute(
            "CREATE TRIGGER full BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'disk is full'); END"
        )
    db.close()
    with _serving(["serve", "--port", "0", "--log", str(log), "--no-reload", "--workers", "2"]) as server:
        reply = call("POST", server.url + "/v1/evaluate", EXAMPLE)
        assert reply.status == 503
        assert reply.json()["error"] == f"cannot write the decision log `{log}`: disk is full"
