"""How writers share one decision log: turns at the write lock, and checkpoints beside them.

**Turns.** SQLite lets one writer at a time into a WAL file; the others wait in its busy
handler, which sleeps 1, 2, 5, 10, 15, 20, 25 ... 100 ms between looks. With two
processes of the service committing hundreds of times a second, a writer that finds the
lock taken sleeps far longer than the other holds it, and can lose several turns in a row:
the answers of its whole batch wait (writes of 400 ms measured under `serve --workers 2`).
So a writer first takes an advisory lock (`flock`) on the log file itself, which the
kernel hands to the next waiter the moment it is released. SQLite's own locks are
`fcntl` locks, which on Linux and the BSDs do not interact with `flock`; SQLite still
guards the file, the turn only orders the writers. A killed process's turn is released
by the kernel. Where `fcntl` does not exist (Windows), writers wait in SQLite's handler
as before.

**Checkpoints.** In WAL mode a commit appends to the `-wal` file, and every 1,000 pages
(about 4 MB, some 700 of the service's decisions) the commit that crosses the mark copies the WAL into the
database and fsyncs it: up to 25 ms measured, during which the writer's batch is not
answered. The service instead opens its writers with `wal_autocheckpoint = 0` and runs
one `Checkpointer` (a thread of the process that holds the workers): it copies what is
committed with `PASSIVE` checkpoints every 10 ms, which never take a writer's lock. A busy
log may never give a passive checkpoint the moment to finish the whole WAL; once the WAL holds
`RESTART_PAGES` the checkpointer takes a writer's turn, checkpoints all of it and has
the next writer start the WAL from its beginning, and `journal_size_limit` cuts the file
back, so the WAL stays bounded.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger("salesops_rules.audit")

# A passive checkpoint this often. Its fsync holds up the writers' appends to the WAL for
# about as long as it has pages to copy: every 50 ms the service's p99 was 31-35 ms, every
# 1 s 62-67 ms, every 10 ms 12.5-14 ms (benchmarks/README.md, issue 13).
CHECKPOINT_EVERY_S = 0.01
# WAL pages (4 kB each) past which the checkpointer restarts the WAL: about 40 MB.
RESTART_PAGES = 10_000
# What SQLite leaves of the WAL file once it starts it again (bytes).
WAL_KEPT_BYTES = 16 << 20
BUSY_TIMEOUT_S = 30.0


class WriterTurns:
    """One writer of the log at a time, in the order the kernel wakes them (`flock`).

    Also a lock among this object's threads: `flock` on one open file does not exclude
    the threads that share it. Opened on first use, so a log that is only read opens nothing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._threads = threading.Lock()
        self._fd: int | None = None

    def __enter__(self) -> WriterTurns:
        self._threads.acquire()
        try:
            if fcntl is not None:
                if self._fd is None:
                    self._fd = os.open(self.path, os.O_RDONLY)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if fcntl is not None and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def close(self) -> None:
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)  # releases the lock too
                self._fd = None


class Checkpointer:
    """A thread that checkpoints the log's WAL beside its writers until `close()`."""

    def __init__(
        self, path: str | Path, every_s: float = CHECKPOINT_EVERY_S, restart_pages: int = RESTART_PAGES
    ) -> None:
        self.path, self.every_s, self.restart_pages = Path(path), every_s, restart_pages
        self.checkpoints = self.restarts = 0  # how many, for the tests and the curious
        self._stop = threading.Event()
        self._turns = WriterTurns(self.path)
        self._connection = sqlite3.connect(
            str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        self._thread = threading.Thread(target=self._run, name="decision-log-checkpointer", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop, after one last checkpoint of what the writers committed."""
        self._stop.set()
        self._thread.join()
        self._checkpoint()
        self._turns.close()
        self._connection.close()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self._checkpoint()

    def _checkpoint(self) -> None:
        try:
            _, pages, _ = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.checkpoints += 1
            if pages >= self.restart_pages:
                # Between two writers' turns: the whole WAL is copied and the next writer
                # starts it again from its beginning (readers are waited for, briefly).
                with self._turns:
                    self._connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
                self.restarts += 1
        except (sqlite3.Error, OSError) as error:
            # The writers go on; the WAL grows until a later checkpoint succeeds.
            logger.warning("cannot checkpoint the decision log `%s`: %s", self.path, error)
