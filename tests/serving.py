"""Helpers for the service tests: a real uvicorn server on 127.0.0.1 and a tiny HTTP client."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI

from salesops_rules.service.candidate import Verdict
from salesops_rules.service.holder import gate_verdict
from salesops_rules.service.run import bind, url_of


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """Serve `app` on a free loopback port in a thread; yields the base URL."""
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # a guard against a hang, not a time limit
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.005)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text, parse_float=Decimal)


def call(
    method: str,
    url: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    content_type: str | None = "application/json",
) -> Reply:
    """One request; a POST says `content_type` unless it is None; `headers` go as given (Host too)."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    parts = urlsplit(url)
    sent = dict(headers or {})
    if content_type is not None and method != "GET":
        sent.setdefault("Content-Type", content_type)
    if method != "GET":
        sent.setdefault("Content-Length", str(len(data or b"")))
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=data, headers=sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8")
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
    finally:
        connection.close()


TOKEN = "test-token-0123456789abcdef"


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# Checks a candidate's child process runs instead of the gate (they must be importable there).


def gate_when_released(root: Path) -> Verdict:
    """The real gate, once a file `release` appears beside the policy folder: a slow candidate."""
    while not (root.parent / "release").exists():
        time.sleep(0.02)
    return gate_verdict(root)


def gate_forever(root: Path) -> Verdict:
    while True:
        time.sleep(1)


def gate_spinning(root: Path) -> Verdict:
    while True:
        pass


def gate_greedy(root: Path) -> Verdict:
    hoard = [bytearray(64 << 20) for _ in range(64)]  # 4 GiB, far over any limit a test sets
    return Verdict(False, reason=f"held {len(hoard)} blocks")


def gate_dies(root: Path) -> Verdict:
    os.kill(os.getpid(), signal.SIGKILL)
    return Verdict(False, reason="unreachable")


def gate_then_edit(root: Path) -> Verdict:
    """The real gate, then an edit of the folder before the service reads it."""
    verdict = gate_verdict(root)
    manifest = root / "policy.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    return verdict


def gate_costly(root: Path) -> Verdict:
    """The real gate after a second of CPU work: a policy slow to load."""
    start = time.process_time()
    while time.process_time() - start < 1.0:
        pass
    return gate_verdict(root)
