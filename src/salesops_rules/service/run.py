"""Running the service: a bound socket, uvicorn, and SIGHUP as a second way to reload.

The socket is bound before uvicorn starts, so a taken port is a one-line error from the
command and `--port 0` can say which port it got.

With several workers (`serve --workers N`, where `os.fork` exists), the process that bound
the socket and loaded the policy forks N workers, each a whole service on the same socket
(the kernel spreads the connections) with its own connection to the decision log, whose
writers SQLite serializes (WAL). The parent only passes signals on: SIGHUP reloads every
worker, SIGINT and SIGTERM stop them all; a worker that dies stops the others. A worker
dies with its parent (Linux: `PR_SET_PDEATHSIG`), so a `kill -9` of the parent leaves no
worker behind; what a worker answered was in the log before the answer, as with one.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn

from ..audit.decision_log import DecisionLog
from ..audit.log_sharing import Checkpointer
from .app import create_app
from .guard import Access
from .holder import PolicyHolder, ReloadOutcome

logger = logging.getLogger("salesops_rules.service")


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port; raises OSError (address in use, unknown host)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def describe(outcome: ReloadOutcome) -> str:
    active = outcome.active.summary
    if outcome.reloaded:
        return f"reloaded policy {active['name']} {active['version']} (sha256 {active['hash'][:12]})"
    lines = [f"reload refused: {outcome.reason}; still serving {active['name']} {active['version']}"]
    lines += [f.render() for f in outcome.findings]
    return "\n".join(lines)


def serve(
    holder: PolicyHolder,
    log: DecisionLog | None,
    sock: socket.socket,
    access_log: bool = False,
    on_reload: Callable[[str], None] | None = None,
    access: Access | None = None,
    checkpointer: bool = True,
) -> None:
    """Serve until SIGINT or SIGTERM; SIGHUP reloads the policy (main thread only).

    A log opened with `checkpoints=False` is checkpointed by a thread of this process,
    unless `checkpointer` is False (a worker: the process that forked it does that).
    """
    report = on_reload or logger.warning
    app = create_app(holder, log, access=access)
    config = uvicorn.Config(app, access_log=access_log, log_level="info", lifespan="on")
    server = uvicorn.Server(config)

    def hangup(_signal: int, _frame: FrameType | None) -> None:
        # Loading takes a while; the signal handler only starts it.
        threading.Thread(target=lambda: report(describe(holder.reload())), daemon=True).start()

    def quiet(_signal: int, _frame: FrameType | None) -> None:
        # uvicorn re-raises the signal that stopped it once it is down; by then there is nothing to do.
        return None

    saved = {}
    if threading.current_thread() is threading.main_thread():
        for sig, handler in ((signal.SIGHUP, hangup), (signal.SIGINT, quiet), (signal.SIGTERM, quiet)):
            saved[sig] = signal.signal(sig, handler)
    checkpoints = _checkpointer(log) if checkpointer else None
    try:
        server.run(sockets=[sock])
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)
        if checkpoints is not None:
            checkpoints.close()


def _checkpointer(log: DecisionLog | None) -> Checkpointer | None:
    return Checkpointer(log.path) if log is not None and not log.checkpoints else None


def serve_workers(
    workers: int,
    holder: PolicyHolder,
    log: DecisionLog | None,
    sock: socket.socket,
    **options: Any,
) -> int:
    """`serve` in `workers` forked processes on `sock`; returns once all have stopped (1 if one failed)."""
    path = log.path if log is not None else None
    checkpoints = log is not None and log.checkpoints
    if log is not None:
        log.close()  # an SQLite connection must not cross a fork: each worker opens its own
    parent = os.getpid()
    sys.stdout.flush()  # what is buffered would be written once per worker
    sys.stderr.flush()
    pids: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the caller's code
            code = 1
            try:
                _die_with(parent)
                for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
                    signal.signal(sig, signal.SIG_DFL)
                own = DecisionLog(path, checkpoints=checkpoints) if path is not None else None
                try:
                    serve(holder, own, sock, checkpointer=False, **options)
                finally:
                    if own is not None:
                        own.close()
                code = 0
            except BaseException:
                logger.exception("a worker of the service failed")
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        pids.append(pid)
    # Forked workers first: the checkpointer's thread and connection stay in this process.
    checkpointer = Checkpointer(path) if path is not None and not checkpoints else None
    try:
        return _supervise(pids)
    finally:
        if checkpointer is not None:
            checkpointer.close()


def _supervise(pids: list[int]) -> int:
    """Pass signals on to the workers until every one has stopped; stop them all when one stops."""
    stopping = False

    def tell(sig: int) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def stop(_signal: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        tell(signal.SIGTERM)

    def hangup(_signal: int, _frame: FrameType | None) -> None:
        tell(signal.SIGHUP)

    saved = {sig: signal.signal(sig, handler) for sig, handler in (
        (signal.SIGHUP, hangup), (signal.SIGINT, stop), (signal.SIGTERM, stop),
    )}  # fmt: skip
    failed = False
    try:
        running = set(pids)
        while running:
            pid, status = os.wait()
            running.discard(pid)
            failed = failed or os.waitstatus_to_exitcode(status) != 0
            if not stopping:  # a worker stopped on its own: the service is not whole any more
                stopping = True
                tell(signal.SIGTERM)
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)
    return 1 if failed else 0


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux); elsewhere, nothing."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
