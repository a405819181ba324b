"""Running the service: a bound socket, uvicorn, and SIGHUP as a second way to reload.

The socket is bound before uvicorn starts, so a taken port is a one-line error from the
command and `--port 0` can say which port it got.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType

import uvicorn

from ..audit.decision_log import DecisionLog
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
) -> None:
    """Serve until SIGINT or SIGTERM; SIGHUP reloads the policy (main thread only)."""
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
    try:
        server.run(sockets=[sock])
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)
