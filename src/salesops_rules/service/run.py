"""Running the service: a bound socket, uvicorn, and SIGHUP as a second way to reload.

The socket is bound before uvicorn starts, so a taken port is a one-line error from the
command and `--port 0` can say which port it got.

With several workers (`serve --workers N`, where `os.fork` exists), the process that bound
the socket and loaded the policy forks N workers, each a whole service on the same socket
(the kernel spreads the connections). The parent keeps the decision log: its `LogKeeper`
commits what the workers send and answers them their ids (service/log_keeper.py), and its
checkpointer copies the WAL (audit/log_sharing.py). Otherwise it passes signals on: SIGHUP
reloads every worker, SIGINT and SIGTERM stop them all; a worker that dies stops the
others. A worker dies with its parent (Linux: `PR_SET_PDEATHSIG`), so a `kill -9` of the
parent leaves no worker behind; what a worker answered was in the log before the answer,
as with one.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
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
from .log_keeper import LogKeeper, RemoteLog, channels

logger = logging.getLogger("salesops_rules.service")

# The signals the parent of the workers passes on to them.
_PASSED_ON = {signal.SIGHUP, signal.SIGINT, signal.SIGTERM}


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
    remote_log: RemoteLog | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM; SIGHUP reloads the policy (main thread only).

    A log opened with `checkpoints=False` is checkpointed by a thread of this process,
    unless `checkpointer` is False (a worker: the process that forked it does that).
    """
    report = on_reload or logger.warning
    app = create_app(holder, log, access=access, remote_log=remote_log)
    config = uvicorn.Config(app, access_log=access_log, log_level="info", lifespan="on")
    server = uvicorn.Server(config)

    def hangup(_signal: int, _frame: FrameType | None) -> None:
        # Loading takes a while; the signal handler only starts it.
        threading.Thread(target=lambda: report(describe(holder.reload())), daemon=True).start()

    def quiet(_signal: int, _frame: FrameType | None) -> None:
        # Before uvicorn's own handler is in place (the heap settling, the checkpointer's
        # start), a stop must not be lost: uvicorn starts and stops at once when it finds
        # should_exit set. After it is down, it re-raises the signal that stopped it: no-op then.
        server.should_exit = True

    saved = {}
    if threading.current_thread() is threading.main_thread():
        for sig, handler in ((signal.SIGHUP, hangup), (signal.SIGINT, quiet), (signal.SIGTERM, quiet)):
            saved[sig] = signal.signal(sig, handler)
        # Held since the service said where it serves (`hold_signals`), or since a worker's
        # fork: one sent meanwhile is handled now.
        release_signals()
    checkpoints = _checkpointer(log) if checkpointer else None
    holder.after_swap = functools.partial(settle_heap, everything=True)
    settle_heap()
    try:
        server.run(sockets=[sock])
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)
        if checkpoints is not None:
            checkpoints.close()


def hold_signals() -> None:
    """Block SIGHUP, SIGINT and SIGTERM in this thread until `serve` or `_supervise` has its
    handlers in place.

    Once the service says where it serves, a client may signal it at once: SIGHUP's default
    action would end the process instead of reloading, and a stop would end it without its
    clean shutdown. Blocked, the signal waits for the handler. Only the main thread takes
    signals in Python, so elsewhere there is nothing to hold.
    """
    if threading.current_thread() is threading.main_thread():
        signal.pthread_sigmask(signal.SIG_BLOCK, _PASSED_ON)


def release_signals() -> None:
    """Undo `hold_signals` once serving is over (a caller that runs the command in its process)."""
    if threading.current_thread() is threading.main_thread():
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _PASSED_ON)


def settle_heap(everything: bool = False) -> None:
    """Put what the service holds for good (the policy, the app, the modules) out of the
    cyclic collector's sight (`gc.freeze`).

    Its full collections walk every object the process holds: with the policy loaded,
    40 to 140 ms during which nothing is answered, every few seconds under load (measured
    under `serve --workers 2` with the log on: the p99 of the answers was those pauses).
    What is frozen is never collected, so `everything` (after a reload) unfreezes first
    and collects it all once: a policy that was replaced is freed, not kept frozen.
    """
    if everything:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


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
    # Until the parent's handlers are in place (`_supervise`) and a worker's (`serve`), a
    # signal would kill the process it reached: it waits, blocked, instead.
    hold_signals()
    path = log.path if log is not None else None
    if log is not None:
        log.close()  # an SQLite connection must not cross a fork: the log is opened again below
    pairs = channels(workers) if path is not None else []
    settle_heap()  # once, before the fork: the workers share the frozen pages unchanged
    parent = os.getpid()
    sys.stdout.flush()  # what is buffered would be written once per worker
    sys.stderr.flush()
    pids: list[int] = []
    for number in range(workers):
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the caller's code
            code = 1
            try:
                _die_with(parent)
                for sig in _PASSED_ON:
                    signal.signal(sig, signal.SIG_DFL)
                # The three stay blocked until `serve`'s handlers are in place: a stop sent
                # while a worker starts ends it cleanly, a SIGHUP reloads it.
                for other, (keeper_end, worker_end) in enumerate(pairs):
                    keeper_end.close()
                    if other != number:
                        worker_end.close()
                remote = RemoteLog(pairs[number][1]) if pairs else None
                serve(holder, None, sock, checkpointer=False, remote_log=remote, **options)
                code = 0
            except BaseException:
                logger.exception("a worker of the service failed")
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        pids.append(pid)
    for _, worker_end in pairs:
        worker_end.close()
    # After the forks: the keeper's threads and connections stay in this process.
    keeper = None
    try:
        if path is not None:
            keeper = LogKeeper(path, [keeper_end for keeper_end, _ in pairs])
        return _supervise(pids)
    except BaseException:
        _tell(pids, signal.SIGTERM)
        raise
    finally:
        release_signals()
        if keeper is not None:
            keeper.close()


def _supervise(pids: list[int]) -> int:
    """Pass signals on to the workers until every one has stopped; stop them all when one stops."""
    stopping = False

    def stop(_signal: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        _tell(pids, signal.SIGTERM)

    def hangup(_signal: int, _frame: FrameType | None) -> None:
        _tell(pids, signal.SIGHUP)

    saved = {sig: signal.signal(sig, handler) for sig, handler in (
        (signal.SIGHUP, hangup), (signal.SIGINT, stop), (signal.SIGTERM, stop),
    )}  # fmt: skip
    release_signals()  # blocked since before the forks
    failed = False
    try:
        running = set(pids)
        while running:
            pid, status = os.wait()
            running.discard(pid)
            failed = failed or os.waitstatus_to_exitcode(status) != 0
            if not stopping:  # a worker stopped on its own: the service is not whole any more
                stopping = True
                _tell(pids, signal.SIGTERM)
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)
    return 1 if failed else 0


def _tell(pids: list[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux); elsewhere, nothing."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
