"""The decision log: every decision the service or `audit` makes, kept in one SQLite file.

An auditor later asks "which rules decided this, and under which version?"; each entry
answers with the event as received, the whole decision, the ids of the rules that made
it and the policy's name, version and content hash (`core/fingerprint.py`).

Appending is safe from many threads (one connection per thread) and from several
processes (WAL journal, a busy timeout, each append one short transaction). Opening is
safe too, with any number of processes opening, reading and writing the same file at once:
the journal mode is changed only when it is not WAL yet, the schema is created in one
idempotent transaction, and the `SQLITE_BUSY` that SQLite does not wait for (changing the
journal mode) is retried. A reader (`create=False`) opens the file read-only, so it never
takes a write lock. A new file is created with mode 0600, and SQLite gives its `-wal` and
`-shm` files the same mode:

    with DecisionLog("decisions.sqlite") as log:
        entry = log.append(event, decision, policy_hash=digest, source="audit")
        ids = log.append_many(pairs, policy_hash=digest, source="audit")  # one transaction
        ids = log.append_entries(rows, source="serve")  # (event, decision, hash, JSON or None) each
        log.get(entry).rules
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from pydantic import BaseModel

from ..model.decision import Decision
from .log_sharing import WAL_KEPT_BYTES, WriterTurns

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    logged_at      TEXT NOT NULL,  -- UTC, ISO 8601 with microseconds
    source         TEXT NOT NULL,  -- who decided: `serve`, `audit`, ...
    event_id       TEXT NOT NULL,
    kind           TEXT NOT NULL,
    verdict        TEXT NOT NULL,  -- pass | pending | fail
    rules          TEXT NOT NULL,  -- JSON array of the ids of the rules that applied
    policy_name    TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    policy_hash    TEXT NOT NULL,  -- sha256 of the policy folder
    event          TEXT NOT NULL,  -- the event as JSON
    decision       TEXT NOT NULL   -- the decision as JSON (docs/contract.md §3)
);
CREATE INDEX IF NOT EXISTS decisions_event_id ON decisions (event_id);
"""
SELECT_ONE = (
    "SELECT id, logged_at, source, event_id, kind, verdict, rules, policy_name, policy_version, "
    "policy_hash, event, decision FROM decisions WHERE id = ?"
)
# LIMIT -1 is no limit; newest first here, reversed to the order they were logged.
SELECT_LAST = (
    "SELECT id, logged_at, source, event_id, kind, verdict, rules, policy_name, policy_version, "
    "policy_hash, event, decision FROM decisions ORDER BY id DESC LIMIT ?"
)
SELECT_LAST_OF_EVENT = (
    "SELECT id, logged_at, source, event_id, kind, verdict, rules, policy_name, policy_version, "
    "policy_hash, event, decision FROM decisions WHERE event_id = ? ORDER BY id DESC LIMIT ?"
)
INSERT = (
    "INSERT INTO decisions (logged_at, source, event_id, kind, verdict, rules, policy_name, "
    "policy_version, policy_hash, event, decision) VALUES "
)
ROW_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
# Rows per INSERT: 11 parameters each, 2816 in all, far below SQLite's limit of 32766.
ROWS_PER_INSERT = 256
# Another writer holding the lock (a process of `audit --workers`) is waited for, not failed on.
BUSY_TIMEOUT_S = 30.0
# The BUSY that SQLite returns at once (the journal mode change needs an exclusive lock and
# calls no busy handler) is retried for as long, with a growing, jittered pause so that
# openers that collided do not collide again in step.
RETRY_FIRST_S, RETRY_MAX_S = 0.002, 0.1
# A new log is private: decisions hold customers' events.
FILE_MODE = 0o600

T = TypeVar("T")

EventInput = str | BaseModel | dict[str, Any]


class DecisionLogError(ValueError):
    """A decision log that cannot be opened, read or written; `message` names the file."""

    def __init__(self, message: str, help: str | None = None) -> None:
        self.message, self.help = message, help
        super().__init__(message)


@dataclass(frozen=True)
class LoggedDecision:
    id: int
    logged_at: str
    source: str
    event_id: str
    kind: str
    verdict: str
    rules: tuple[str, ...]
    policy_name: str
    policy_version: str
    policy_hash: str
    event: Any  # JSON numbers read back as Decimal
    decision: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "logged_at": self.logged_at,
            "source": self.source,
            "event_id": self.event_id,
            "kind": self.kind,
            "verdict": self.verdict,
            "rules": list(self.rules),
            "policy": {"name": self.policy_name, "version": self.policy_version, "hash": self.policy_hash},
            "event": self.event,
            "decision": self.decision,
        }


class DecisionLog:
    """An SQLite decision log; `create=False` opens only an existing log (for reading)."""

    def __init__(self, path: str | Path, *, create: bool = True, checkpoints: bool = True) -> None:
        self.path = Path(path)
        self._create = create
        # False: a commit never copies the WAL into the file; a `Checkpointer` does that
        # beside the writers (the service), so no answer waits for a checkpoint's fsync.
        self._checkpoints = checkpoints
        self._turns = WriterTurns(self.path) if create else None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        self._empty = False  # a reader's file that its writer has not given the schema yet
        self._prepare(self._connection())

    @property
    def checkpoints(self) -> bool:
        """Whether commits checkpoint the WAL (SQLite's default), or leave it to a `Checkpointer`."""
        return self._checkpoints

    # -- writing -----------------------------------------------------------------------

    def append(
        self, event: EventInput, decision: Decision, *, policy_hash: str, source: str = "serve"
    ) -> int:
        """Log one decision and return its id. `event` is JSON text (kept as given), a model or a dict."""
        return self.append_many([(event, decision)], policy_hash=policy_hash, source=source)[0]

    def append_many(
        self, entries: Iterable[tuple[EventInput, Decision]], *, policy_hash: str, source: str = "audit"
    ) -> list[int]:
        """Log many decisions in one transaction (all or none) and return their ids in order."""
        return self.append_entries(((e, d, policy_hash, None) for e, d in entries), source=source)

    def append_entries(
        self, entries: Iterable[tuple[EventInput, Decision, str, str | None]], *, source: str
    ) -> list[int]:
        """Like `append_many`, each `(event, decision, policy_hash, decision JSON)` with its own
        policy hash; the decision's JSON as `model_dump_json` gives it, or None to have it dumped here.

        The rows go in by one INSERT per `ROWS_PER_INSERT`: one step of SQLite instead of
        one per row, which matters in the service, where each step lets the event loop's
        thread and the writer's trade the GIL.
        """
        return self.append_rows([entry_row(e, d, digest, source, dumped) for e, d, digest, dumped in entries])

    def append_rows(self, rows: list[tuple[Any, ...]]) -> list[int]:
        """Log rows that `entry_row` made (in another process, perhaps), in one transaction."""
        connection = self._connection()
        ids: list[int] = []
        try:
            # A reader has no turn to take: SQLite refuses its write.
            with self._turns or contextlib.nullcontext():
                self._write(connection, rows, ids)
        except sqlite3.Error as error:
            raise self._failure("write", error) from None
        except OSError as error:
            message = f"cannot write the decision log `{self.path}`: {error.strerror or error}"
            raise DecisionLogError(message) from None
        return ids

    @staticmethod
    def _write(connection: sqlite3.Connection, rows: list[tuple[Any, ...]], ids: list[int]) -> None:
        connection.execute("BEGIN IMMEDIATE")
        try:
            for start in range(0, len(rows), ROWS_PER_INSERT):
                part = rows[start : start + ROWS_PER_INSERT]
                cursor = connection.execute(_insert(len(part)), [v for row in part for v in row])
                # The write lock is held: AUTOINCREMENT gave this statement's rows the ids
                # up to the last one, one after another, in the order of its VALUES.
                last = int(cursor.lastrowid or 0)
                ids.extend(range(last - len(part) + 1, last + 1))
            connection.execute("COMMIT")
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK")

    # -- reading -----------------------------------------------------------------------

    def get(self, entry_id: int) -> LoggedDecision | None:
        rows = self._query(SELECT_ONE, (entry_id,))
        return _entry(rows[0]) if rows else None

    def entries(self, event_id: str | None = None, last: int | None = None) -> list[LoggedDecision]:
        """Entries in the order they were logged; only `event_id`'s, only the `last` N if given."""
        limit = -1 if last is None else last
        if event_id is None:
            rows = self._query(SELECT_LAST, (limit,))
        else:
            rows = self._query(SELECT_LAST_OF_EVENT, (event_id, limit))
        return [_entry(row) for row in reversed(rows)]

    def count(self) -> int:
        rows = self._query("SELECT count(*) FROM decisions", ())
        return int(rows[0][0]) if rows else 0

    # -- connections ---------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for connection in self._connections:
                connection.close()
            self._connections.clear()
            if self._turns is not None:
                self._turns.close()

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.Error as error:
            if self._empty and "no such table" in str(error):
                return []
            raise self._failure("read", error) from None

    def _failure(self, verb: str, error: sqlite3.Error) -> DecisionLogError:
        if getattr(error, "sqlite_errorname", None) == "SQLITE_NOTADB":
            return DecisionLogError(f"`{self.path}` is not a decision log: {error}")
        return DecisionLogError(f"cannot {verb} the decision log `{self.path}`: {error}")

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and not self._closed:
            return connection
        with self._lock:
            if self._closed:
                raise DecisionLogError(f"the decision log `{self.path}` is closed")
            connection = self._connect()
            self._connections.append(connection)
        self._local.connection = connection
        return connection

    def _connect(self) -> sqlite3.Connection:
        if not self._create and not self.path.is_file():
            raise DecisionLogError(
                f"decision log `{self.path}` does not exist",
                "name the file the service or `audit` wrote with `--log FILE`",
            )
        try:
            if self._create:
                # Created here, not by SQLite, so it is 0600 whatever the umask allows;
                # an existing file keeps its mode.
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE))
        except OSError as error:
            raise DecisionLogError(
                f"cannot open the decision log `{self.path}`: {error.strerror or error}"
            ) from None
        # A reader opens the file read-only: it reads a snapshot and never takes a write lock.
        target = str(self.path) if self._create else self.path.absolute().as_uri() + "?mode=ro"
        try:
            # Autocommit: transactions are opened explicitly, so a reader never holds one open.
            # Each thread keeps its own connection; `close()` may come from another thread.
            connection = sqlite3.connect(
                target,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
                uri=not self._create,
            )
            if self._create:
                connection.execute("PRAGMA synchronous = NORMAL")
                if not self._checkpoints:
                    connection.execute("PRAGMA wal_autocheckpoint = 0")
                    # This writer starts the WAL again after a checkpointer's RESTART, and cuts it back.
                    connection.execute(f"PRAGMA journal_size_limit = {WAL_KEPT_BYTES}")
        except sqlite3.Error as error:
            raise self._failure("open", error) from None
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        """Create the table in a new file; refuse a file that is not a log of this schema."""
        try:
            if self._create:
                # WAL lets readers (`log show`) work while the service appends; it stays set in
                # the file, so only the first opener changes it (asking only reads).
                mode = _retrying(lambda: connection.execute("PRAGMA journal_mode").fetchone()[0])
                if str(mode).lower() != "wal":
                    _retrying(lambda: connection.execute("PRAGMA journal_mode = WAL").fetchone())
            version, tables = _retrying(lambda: _schema(connection))
            if self._create and version == 0 and not tables:
                _retrying(lambda: _create_schema(connection))
                version, tables = _retrying(lambda: _schema(connection))
        except sqlite3.Error as error:
            self.close()
            raise self._failure("open", error) from None
        if not self._create and version == 0 and not tables:
            # A file its writer has not given the schema yet (`log show` racing the
            # service's start) is an empty log, not a foreign database.
            self._empty = True
            return
        if version != SCHEMA_VERSION or ("decisions",) not in tables:
            self.close()
            raise DecisionLogError(
                f"`{self.path}` is not a decision log (schema version {version}, expected {SCHEMA_VERSION})",
                "name a new file: the service and `audit` create the log on first use",
            )


def _schema(connection: sqlite3.Connection) -> tuple[int, list[Any]]:
    """The schema version and the tables, read in one snapshot (a read, no write lock)."""
    connection.execute("BEGIN")
    try:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        connection.execute("ROLLBACK")
    return version, tables


def _create_schema(connection: sqlite3.Connection) -> None:
    """Create the schema in one transaction; idempotent, so openers that race all succeed."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        if version == 0 and not tables:  # another opener may have won: leave its file as it is
            # One statement at a time: executescript() would commit the open transaction.
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")


def _retrying(step: Callable[[], T]) -> T:
    """Run `step`, again after a short random pause while SQLite says the file is busy."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = RETRY_FIRST_S
    while True:
        try:
            return step()
        except sqlite3.OperationalError as error:
            if not _busy(error) or time.monotonic() + pause > deadline:
                raise
        time.sleep(random.uniform(pause / 2, pause))  # noqa: S311 - jitter, not a secret
        pause = min(pause * 2, RETRY_MAX_S)


def _busy(error: sqlite3.OperationalError) -> bool:
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith("SQLITE_BUSY") or "database is locked" in str(error)


@functools.lru_cache(maxsize=64)
def _insert(rows: int) -> str:
    return INSERT + ", ".join([ROW_VALUES] * rows)


def entry_row(
    event: EventInput, decision: Decision, policy_hash: str, source: str, dumped: str | None = None
) -> tuple[Any, ...]:
    """The values of one row of the table, in the order of INSERT's columns."""
    return (
        dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        source,
        decision.event_id,
        decision.kind,
        decision.verdict,
        json.dumps(decision.rules),
        decision.policy.name,
        decision.policy.version,
        policy_hash,
        _event_json(event),
        decision.model_dump_json() if dumped is None else dumped,
    )


def _event_json(event: EventInput) -> str:
    if isinstance(event, str):
        return event
    if isinstance(event, BaseModel):
        return event.model_dump_json()
    return json.dumps(event, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    # Exact decimals as strings (the event models read both), dates as ISO text.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"`{type(value).__name__}` cannot be written to the decision log")


def _entry(row: Any) -> LoggedDecision:
    entry_id, logged_at, source, event_id, kind, verdict, rules, name, version, digest, event, decision = row
    return LoggedDecision(
        id=entry_id,
        logged_at=logged_at,
        source=source,
        event_id=event_id,
        kind=kind,
        verdict=verdict,
        rules=tuple(json.loads(rules)),
        policy_name=name,
        policy_version=version,
        policy_hash=digest,
        event=json.loads(event, parse_float=Decimal),
        decision=json.loads(decision),
    )
