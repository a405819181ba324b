"""The decision log: what an entry keeps, concurrent appends, bad files, and `log show|list`."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_rules import Decision, Policy, load_policy
from salesops_rules.audit import decision_log as decision_log_module
from salesops_rules.audit.decision_log import SCHEMA_VERSION, DecisionLog, DecisionLogError
from salesops_rules.cli import main
from salesops_rules.core.evaluator import parse_event

HASH = "ab" * 32


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def contract(event_id: str = "C-1", amount: Decimal | str = Decimal("12000.50")) -> dict[str, Any]:
    return {
        "kind": "contract",
        "id": event_id,
        "date": dt.date(2011, 12, 1),
        "customer": {"id": "K-1", "type": "new", "legal_form": "company"},
        "product_class": "stock",
        "amount": amount,
        "prepared_by": "E-1",
    }


def decide(policy: Policy, event: dict[str, Any]) -> Decision:
    return policy.evaluate(event)


def test_an_entry_keeps_event_decision_rules_and_policy(tmp_path: Path, policy: Policy) -> None:
    event = contract()
    decision = decide(policy, event)
    with DecisionLog(tmp_path / "log.sqlite") as log:
        entry_id = log.append(event, decision, policy_hash=HASH, source="audit")
        entry = log.get(entry_id)
    assert entry is not None
    assert entry.id == entry_id == 1
    assert (entry.event_id, entry.kind, entry.verdict, entry.source) == (
        "C-1",
        "contract",
        "pending",
        "audit",
    )
    assert entry.rules == tuple(decision.rules)
    assert "contract.above-10000" in entry.rules
    assert (entry.policy_name, entry.policy_version, entry.policy_hash) == (
        "puguang-sales-logistics",
        "2011-11",
        HASH,
    )
    # Exact decimals and dates come back in a form the event models read as the same event.
    assert entry.event["amount"] == "12000.50"
    assert entry.event["date"] == "2011-12-01"
    assert decide(policy, entry.event) == decision
    assert entry.decision == decision.model_dump(mode="json")
    assert dt.datetime.fromisoformat(entry.logged_at).tzinfo == dt.UTC


def test_events_may_be_json_text_or_models(tmp_path: Path, policy: Policy) -> None:
    text = '{"kind": "contract", "amount": 12000.50}'
    decision = decide(policy, contract())
    with DecisionLog(tmp_path / "log.sqlite") as log:
        from_text = log.get(log.append(text, decision, policy_hash=HASH))
        from_model = log.get(log.append(parse_event(policy.compiled, contract()), decision, policy_hash=HASH))
    assert from_text is not None and from_model is not None
    assert from_text.event == {"kind": "contract", "amount": Decimal("12000.50")}
    assert from_model.event["amount"] == "12000.50"
    assert from_model.event["customer"]["type"] == "new"


def test_append_many_is_one_transaction_and_keeps_order(tmp_path: Path, policy: Policy) -> None:
    events = [contract(f"C-{i}") for i in range(5)]
    with DecisionLog(tmp_path / "log.sqlite") as log:
        ids = log.append_many([(e, decide(policy, e)) for e in events], policy_hash=HASH)
        assert ids == [1, 2, 3, 4, 5]
        assert [e.event_id for e in log.entries()] == [f"C-{i}" for i in range(5)]
        assert [e.event_id for e in log.entries(last=2)] == ["C-3", "C-4"]
        assert [e.id for e in log.entries(event_id="C-2")] == [3]
        assert log.entries(event_id="nope") == []
        assert log.get(99) is None


def test_a_batch_longer_than_one_insert_gets_each_row_its_own_id(tmp_path: Path, policy: Policy) -> None:
    # 2.5 INSERTs' worth of rows, after rows already there: the ids handed back are the rows'.
    size = decision_log_module.ROWS_PER_INSERT * 5 // 2
    first = contract("C-first")
    decision = decide(policy, first)
    dumped = decision.model_dump_json()
    with DecisionLog(tmp_path / "log.sqlite") as log:
        log.append(first, decision, policy_hash=HASH)
        ids = log.append_entries(
            ((contract(f"C-{i}"), decision, HASH, dumped if i % 2 else None) for i in range(size)), source="t"
        )
        assert ids == list(range(2, size + 2))
        for i in (0, 1, decision_log_module.ROWS_PER_INSERT, size - 1):
            entry = log.get(ids[i])
            assert entry is not None
            assert entry.event["id"] == f"C-{i}"  # the event of that row, not the decision's id
            assert entry.decision == json.loads(dumped)  # dumped here or handed in: the same JSON


def test_a_batch_that_cannot_be_written_leaves_nothing_behind(tmp_path: Path, policy: Policy) -> None:
    good = contract("C-1")
    with DecisionLog(tmp_path / "log.sqlite") as log:
        with pytest.raises(TypeError, match="`object` cannot be written to the decision log"):
            log.append_many(
                [(good, decide(policy, good)), ({"odd": object()}, decide(policy, good))], policy_hash=HASH
            )
        assert log.count() == 0


def test_threads_append_concurrently(tmp_path: Path, policy: Policy) -> None:
    event = contract()
    decision = decide(policy, event)
    ids: dict[int, list[int]] = {}
    with DecisionLog(tmp_path / "log.sqlite") as log:

        def worker(n: int) -> None:
            ids[n] = [log.append(event, decision, policy_hash=HASH) for _ in range(40)]

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert log.count() == 320
    every = [i for chunk in ids.values() for i in chunk]
    assert sorted(every) == list(range(1, 321))
    assert all(chunk == sorted(chunk) for chunk in ids.values())


APPENDER = """
import sys
from salesops_rules import Decision
from salesops_rules.audit.decision_log import DecisionLog
decision = Decision.model_validate_json(sys.argv[2])
with DecisionLog(sys.argv[1]) as log:
    for _ in range(100):
        log.append("{}", decision, policy_hash="h", source="audit")
"""


def test_processes_append_to_one_file(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "log.sqlite"
    decisions = [decide(policy, contract(f"P-{n}")).model_dump_json() for n in range(2)]
    workers = [
        subprocess.Popen([sys.executable, "-c", APPENDER, str(path), text], stderr=subprocess.PIPE)
        for text in decisions
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()
    with DecisionLog(path, create=False) as log:
        assert len(log.entries(event_id="P-0")) == len(log.entries(event_id="P-1")) == 100
        assert log.count() == 200


# A worker of the stress test: for each path read from stdin it opens that log (new,
# or being created by the other workers at the same moment), appends 50 decisions one
# transaction each, closes it and answers with the ids it got, or with the error.
OPENER = """
import json, sys
from salesops_rules import Decision
from salesops_rules.audit.decision_log import DecisionLog
decision = Decision.model_validate_json(sys.argv[1])
for line in sys.stdin:
    try:
        with DecisionLog(line.strip()) as log:
            ids = [log.append("{}", decision, policy_hash="h", source="audit") for _ in range(50)]
        print(json.dumps({"ids": ids}), flush=True)
    except Exception as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
"""

# The reader of the stress test: `log show` on every round's log, pass after pass, until
# the rounds are over, then one last pass; prints the exit codes and error lines it saw.
SHOWER = """
import contextlib, io, json, sys
from pathlib import Path
from salesops_rules.cli import main
folder, rounds = Path(sys.argv[1]), int(sys.argv[2])
seen = {"0": 0, "errors": []}
def show(path):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["log", "show", "1", "--log", str(path)])
    if code == 0:
        seen["0"] += 1
    else:
        seen["errors"].append(err.getvalue().splitlines()[0])
last = False
while not last:
    last = (folder / "stop").exists()
    for n in range(rounds):
        show(folder / f"log-{n}.sqlite")
print(json.dumps(seen))
"""


def test_many_processes_open_one_new_log_at_once_while_it_is_shown(tmp_path: Path, policy: Policy) -> None:
    workers, rounds, appends = 8, 20, 50
    decision = decide(policy, contract("S-1")).model_dump_json()
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, decision],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    shower = subprocess.Popen(
        [sys.executable, "-c", SHOWER, str(tmp_path), str(rounds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for n in range(rounds):
            path = tmp_path / f"log-{n}.sqlite"
            # Every worker waits on its stdin, so all of them open the new file at once.
            for opener in openers:
                assert opener.stdin is not None
                opener.stdin.write(f"{path}\n")
                opener.stdin.flush()
            answers = []
            for opener in openers:
                assert opener.stdout is not None
                answers.append(json.loads(opener.stdout.readline() or '{"error": "worker died"}'))
            assert [a.get("error") for a in answers] == [None] * workers, f"round {n}"
            ids = sorted(i for a in answers for i in a["ids"])
            assert ids == list(range(1, workers * appends + 1)), f"round {n}"
            with DecisionLog(path, create=False) as log:
                assert log.count() == workers * appends
    finally:
        (tmp_path / "stop").touch()
        for opener in openers:  # communicate() closes its stdin: the worker ends
            _, err = opener.communicate(timeout=120)
            assert opener.returncode == 0, err
        out, err = shower.communicate(timeout=120)
    assert shower.returncode == 0, err
    seen = json.loads(out)
    # Before a round's file exists `log show` says so, and while its writers have not
    # written the first entry it says there is none; nothing else may go wrong.
    allowed = (
        "salesops-rules: decision log `",
        "salesops-rules: no decision `1` in the decision log `",
    )
    assert [line for line in seen["errors"] if not line.startswith(allowed)] == []
    assert all(line.endswith(("` does not exist", ".sqlite`")) for line in seen["errors"])
    assert seen["0"] >= rounds  # the last pass, after every round, shows every log


def test_a_new_log_and_its_wal_files_are_private_whatever_the_umask(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "log.sqlite"
    old = os.umask(0)
    try:
        with DecisionLog(path) as log:
            log.append(contract(), decide(policy, contract()), policy_hash=HASH)
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in sorted(tmp_path.iterdir())}
    finally:
        os.umask(old)
    assert modes == {"log.sqlite": 0o600, "log.sqlite-shm": 0o600, "log.sqlite-wal": 0o600}


def test_an_existing_log_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    DecisionLog(path).close()
    path.chmod(0o640)
    DecisionLog(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_log_in_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "no" / "log.sqlite"
    with pytest.raises(DecisionLogError) as caught:
        DecisionLog(path)
    assert caught.value.message == f"cannot open the decision log `{path}`: No such file or directory"


def test_a_reader_needs_no_write_lock(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "log.sqlite"
    with DecisionLog(path) as log:
        log.append(contract(), decide(policy, contract()), policy_hash=HASH)
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        # Another writer holds the write lock, an append not committed yet.
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute("DELETE FROM decisions")
        with DecisionLog(path, create=False) as reader:
            assert reader.count() == 1
            with pytest.raises(DecisionLogError, match="attempt to write a readonly database"):
                reader.append(contract(), decide(policy, contract()), policy_hash=HASH)
    finally:
        writer.close()


def test_a_reader_of_a_log_its_writer_has_just_created_sees_it_empty(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    path.touch()  # the service has created the file, not yet its table
    with DecisionLog(path, create=False) as log:
        assert (log.count(), log.entries(), log.get(1)) == (0, [], None)
    assert path.stat().st_size == 0


def test_a_log_is_opened_while_another_connection_blocks_the_switch_to_wal(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x)")
    other.execute("DROP TABLE t")  # a database in the rollback journal, with no table
    other.execute("BEGIN")
    other.execute("SELECT count(*) FROM sqlite_master").fetchall()  # holds a shared lock
    # Changing the journal mode needs the file alone and SQLite does not wait for that:
    # the log retries until this reader is done.
    release = threading.Timer(0.3, other.execute, ("COMMIT",))
    release.start()
    try:
        with DecisionLog(path) as log:
            assert log.count() == 0
        release.join()
        other.close()
        with sqlite3.connect(path) as check:
            assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        check.close()
    finally:
        release.cancel()


def test_busy_is_retried_and_other_errors_are_not() -> None:
    calls: list[int] = []

    def busy_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "done"

    assert decision_log_module._retrying(busy_twice) == "done"
    assert len(calls) == 3

    def broken() -> str:
        calls.append(1)
        raise sqlite3.OperationalError("no such table: decisions")

    calls.clear()
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        decision_log_module._retrying(broken)
    assert len(calls) == 1


@pytest.fixture(scope="module")
def shared_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DecisionLog]:
    with DecisionLog(tmp_path_factory.mktemp("log") / "log.sqlite") as log:
        yield log


@settings(max_examples=60, deadline=None)
@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2),
    event_id=st.text(min_size=1, max_size=12),
)
def test_an_event_read_back_gives_the_same_decision(
    shared_log: DecisionLog, policy: Policy, amount: Decimal, event_id: str
) -> None:
    event = contract(event_id, amount)
    decision = policy.evaluate(event)
    entry = shared_log.get(shared_log.append(event, decision, policy_hash=HASH))
    assert entry is not None
    assert entry.event_id == event_id
    assert policy.evaluate(entry.event) == decision


# -- bad files ---------------------------------------------------------------------------


def test_reading_a_missing_log_does_not_create_it(tmp_path: Path) -> None:
    path = tmp_path / "missing.sqlite"
    with pytest.raises(DecisionLogError) as caught:
        DecisionLog(path, create=False)
    assert caught.value.message == f"decision log `{path}` does not exist"
    assert caught.value.help == "name the file the service or `audit` wrote with `--log FILE`"
    assert not path.exists()


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("dear diary", encoding="utf-8")
    with pytest.raises(DecisionLogError) as caught:
        DecisionLog(path)
    assert caught.value.message == f"`{path}` is not a decision log: file is not a database"


def test_another_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE t (x)")
    other.close()
    with pytest.raises(DecisionLogError) as caught:
        DecisionLog(path)
    assert caught.value.message == (
        f"`{path}` is not a decision log (schema version 0, expected {SCHEMA_VERSION})"
    )


def test_a_closed_log_says_so(tmp_path: Path, policy: Policy) -> None:
    event = contract()
    log = DecisionLog(tmp_path / "log.sqlite")
    log.close()
    with pytest.raises(DecisionLogError) as caught:
        log.append(event, decide(policy, event), policy_hash=HASH)
    assert caught.value.message == f"the decision log `{tmp_path / 'log.sqlite'}` is closed"


# -- the command line ----------------------------------------------------------------------


@pytest.fixture
def filled(tmp_path: Path, policy: Policy) -> Path:
    path = tmp_path / "decisions.sqlite"
    with DecisionLog(path) as log:
        for event in (contract("C-1"), contract("C-2", "500"), contract("C-1", "800")):
            log.append(event, decide(policy, event), policy_hash=HASH)
    return path


def test_log_show_says_which_rules_decided_and_under_which_version(
    filled: Path, policy: Policy, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["log", "show", "1", "--log", str(filled)]) == 0
    out = capsys.readouterr().out
    with DecisionLog(filled, create=False) as log:
        entry = log.get(1)
    assert entry is not None
    rules = decide(policy, contract("C-1")).rules
    head = [
        f"decision 1, logged {entry.logged_at} by serve",
        "event C-1 (contract): verdict pending",
        f"policy puguang-sales-logistics version 2011-11, sha256 {HASH}",
        f"decided by {len(rules)} rules:",
        *(f"  {rule}" for rule in rules),
        "decision:",
    ]
    lines = out.splitlines()
    assert lines[: len(head)] == head
    assert json.loads("\n".join(lines[len(head) :])) == entry.decision


def test_log_show_json_includes_the_event(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "show", "2", "--log", str(filled), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["id"] == 2
    assert record["event"]["amount"] == "500"
    assert record["policy"] == {"name": "puguang-sales-logistics", "version": "2011-11", "hash": HASH}
    assert record["decision"]["event_id"] == "C-2"


def test_log_list_and_its_event_filter(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "list", "--log", str(filled)]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["id", "logged_at", "source", "event_id", "kind", "verdict", "policy", "sha256"]
    assert [(r[0], r[3], r[5], r[6], r[7]) for r in rows[1:]] == [
        ("1", "C-1", "pending", "puguang-sales-logistics 2011-11", HASH[:12]),
        ("2", "C-2", "pending", "puguang-sales-logistics 2011-11", HASH[:12]),
        ("3", "C-1", "pending", "puguang-sales-logistics 2011-11", HASH[:12]),
    ]
    assert main(["log", "list", "--log", str(filled), "--event", "C-1"]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["1", "3"]
    assert main(["log", "list", "--log", str(filled), "--event", "C-9"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"salesops-rules: no decisions for event `C-9` in the decision log `{filled}`\n"


def test_log_show_of_an_unknown_id_exits_2(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "show", "42", "--log", str(filled)]) == 2
    assert capsys.readouterr().err == (
        f"salesops-rules: no decision `42` in the decision log `{filled}`\n"
        "  help: `salesops-rules log list` shows the ids\n"
    )


def test_log_commands_on_a_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.sqlite"
    assert main(["log", "list", "--log", str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"salesops-rules: decision log `{missing}` does not exist\n"
        "  help: name the file the service or `audit` wrote with `--log FILE`\n"
    )
    assert not missing.exists()
