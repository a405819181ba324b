"""One writer of the decision log for every worker of `serve --workers N`.

With a writer per worker, the workers' commits queue for SQLite's one write lock, and
each worker's event loop shares its GIL with its writer thread: under load a batch's
answers waited up to hundreds of ms (benchmarks/README.md, issue 13). Instead, the process
that forks the workers keeps the log: a `LogKeeper` thread there reads the rows every
worker sends, commits all that arrived together in one transaction, and sends each worker
the ids of its rows. A worker's `RemoteLog` sends, on its event loop, without a thread,
the rows of the requests it has decided in one turn of the loop as one message, and
answers each request when its id comes back: after the commit, as with one process.

The channel is a socket pair made before the fork, one per worker; a message is a 4-byte
length and a pickle (both ends are this program; nothing else can reach the socket). The
keeper answers a worker's messages in the order they came. A write that fails is answered
as that error (the worker's requests get status 503). A `kill -9` of the parent kills the
workers too (`run._die_with`), so no answer goes out without its commit.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import pickle
import selectors
import socket
import struct
import threading
from pathlib import Path
from typing import Any

from ..audit.decision_log import DecisionLog, DecisionLogError, entry_row
from ..audit.log_sharing import Checkpointer
from ..model.decision import Decision

logger = logging.getLogger("salesops_rules.service")

_LENGTH = struct.Struct("!I")
_READ_BYTES = 1 << 20
STOPPED = "the decision log's writer has stopped: the service is stopping or its parent process died"


def _frame(value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(payload)) + payload


def channels(workers: int) -> list[tuple[socket.socket, socket.socket]]:
    """A (keeper's end, worker's end) pair per worker, made before the fork."""
    return [socket.socketpair() for _ in range(workers)]


class LogKeeper:
    """The log's one writer: a thread of the parent process that serves every worker's channel."""

    def __init__(self, path: str | Path, ends: list[socket.socket]) -> None:
        self.log = DecisionLog(path, checkpoints=False)
        self.checkpointer = Checkpointer(path)
        self._ends = ends
        self._by_fd = {end.fileno(): end for end in ends}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="decision-log-keeper", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Commit what the workers sent before they stopped, then close the log."""
        self._stop.set()
        self._thread.join()
        for end in self._ends:
            end.close()
        self.checkpointer.close()
        self.log.close()

    def _run(self) -> None:
        try:
            self._serve()
        except Exception:
            # A bug: the workers must not wait for ids that will never come. Their channels
            # are shut, so every request from now on is answered 503 (`STOPPED`).
            logger.exception("the decision log's keeper failed")
            for end in self._ends:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def _serve(self) -> None:
        # One buffer to receive into: `recv(1 MiB)` would allocate (and map) 1 MiB a call.
        scratch = memoryview(bytearray(_READ_BYTES))
        selector = selectors.DefaultSelector()
        for end in self._ends:
            selector.register(end, selectors.EVENT_READ, bytearray())
        # Until every worker has closed its end, or, once told to stop, nothing more comes.
        while selector.get_map():
            ready = selector.select(timeout=0.1)
            if not ready and self._stop.is_set():
                break
            batch: list[tuple[socket.socket, list[tuple[Any, ...]]]] = []
            for key, _ in ready:
                end, buffer = self._by_fd[key.fd], key.data
                try:
                    size = end.recv_into(scratch)
                except OSError:
                    size = 0
                if not size:  # the worker has stopped; what it sent is in `batch` already
                    selector.unregister(end)
                    continue
                buffer.extend(scratch[:size])
                batch.extend((end, rows) for rows in _messages(buffer))
            if batch:
                self._commit(batch)
        selector.close()

    def _commit(self, batch: list[tuple[socket.socket, list[tuple[Any, ...]]]]) -> None:
        replies: list[Any]
        try:
            ids = self.log.append_rows([row for _, rows in batch for row in rows])
        except DecisionLogError as error:
            replies = [("error", error.message, error.help)] * len(batch)
        except Exception as error:  # a bug: the requests fail, the keeper goes on
            logger.exception("the decision log's writer failed")
            message = f"cannot write the decision log `{self.log.path}`: {error}"
            replies = [("error", message, None)] * len(batch)
        else:
            replies, start = [], 0
            for _, rows in batch:
                replies.append(ids[start : start + len(rows)])
                start += len(rows)
        for (end, _), reply in zip(batch, replies, strict=True):
            with contextlib.suppress(OSError):  # a worker gone: nobody waits for these ids
                end.sendall(_frame(reply))


def _messages(buffer: bytearray) -> list[Any]:
    """The whole messages at the start of `buffer`, taken out of it."""
    found, start = [], 0
    while len(buffer) - start >= _LENGTH.size:
        (size,) = _LENGTH.unpack_from(buffer, start)
        end = start + _LENGTH.size + size
        if len(buffer) < end:
            break
        found.append(pickle.loads(buffer[start + _LENGTH.size : end]))  # noqa: S301 - our own worker
        start = end
    del buffer[:start]
    return found


class RemoteLog:
    """A worker's side: what `LogWriter` is to one process, over the channel to the keeper."""

    def __init__(self, end: socket.socket, source: str = "serve") -> None:
        self.source = source
        self._end = end
        self._pending: list[tuple[tuple[Any, ...], asyncio.Future[int]]] = []
        self._waiting: collections.deque[list[asyncio.Future[int]]] = collections.deque()
        self._started: asyncio.Future[asyncio.StreamWriter] | None = None
        self._stopped: DecisionLogError | None = None
        self._receiver: asyncio.Future[None] | None = None

    async def append(
        self, event: str, decision: Decision, policy_hash: str, dumped: str | None = None
    ) -> int:
        """The entry's id once the keeper has committed it; raises DecisionLogError if it cannot."""
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        try:
            await asyncio.shield(self._started)
        except OSError:
            self._stopped = DecisionLogError(STOPPED)
        if self._stopped is not None:
            raise self._stopped
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._send)  # after the requests decided in this turn of the loop
        self._pending.append((entry_row(event, decision, policy_hash, self.source, dumped), future))
        return await future

    async def aclose(self) -> None:
        if self._started is not None and self._started.done() and not self._started.exception():
            self._started.result().close()

    async def _start(self) -> asyncio.StreamWriter:
        reader, writer = await asyncio.open_connection(sock=self._end)
        self._receiver = asyncio.ensure_future(self._receive(reader))
        return writer

    def _send(self) -> None:
        batch, self._pending = self._pending, []
        if self._stopped is not None:
            _fail([future for _, future in batch], self._stopped)
            return
        assert self._started is not None
        self._started.result().write(_frame([row for row, _ in batch]))
        self._waiting.append([future for _, future in batch])

    async def _receive(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                (size,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
                reply = pickle.loads(await reader.readexactly(size))  # noqa: S301 - our own parent
                futures = self._waiting.popleft()
                if isinstance(reply, list):
                    for future, entry in zip(futures, reply, strict=True):
                        if not future.done():  # the client may have gone and the request been cancelled
                            future.set_result(entry)
                else:
                    _, message, help = reply
                    _fail(futures, DecisionLogError(message, help))
        except (asyncio.IncompleteReadError, OSError):
            self._stopped = DecisionLogError(STOPPED)
            while self._waiting:
                _fail(self._waiting.popleft(), self._stopped)


def _fail(futures: list[asyncio.Future[int]], error: DecisionLogError) -> None:
    for future in futures:
        if not future.done():
            future.set_exception(error)
