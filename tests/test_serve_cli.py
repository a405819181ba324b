"""`salesops-rules serve` as a real process: startup message, SIGHUP reload, clean stop, bad starts."""

from __future__ import annotations

import json
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from salesops_rules.cli import main
from salesops_rules.engine.fingerprint import policy_hash
from salesops_rules.engine.loader import default_policy_dir
from serving import call

EXAMPLE = (Path(__file__).resolve().parent.parent / "examples" / "new-customer-custom-order.json").read_text(
    encoding="utf-8"
)
LAUNCH = "import sys; from salesops_rules.cli import main; sys.exit(main())"


class Server:
    """A `serve` process whose stderr is read line by line in the background."""

    def __init__(self, args: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        started = self.wait_for("serving ")
        found = re.search(r"on (http://127\.0\.0\.1:\d+);", started)
        assert found, started
        self.url = found.group(1)

    def _pump(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            if text in line:
                return line
        raise AssertionError(f"the server never printed `{text}`")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(20)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "policy"
    shutil.copytree(default_policy_dir(), copy)
    return copy


@pytest.fixture
def server(folder: Path, tmp_path: Path) -> Iterator[Server]:
    log = tmp_path / "decisions.sqlite"
    running = Server(["--policy", str(folder), "serve", "--port", "0", "--log", str(log), "--no-reload"])
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(20)


def test_serve_decides_reloads_on_sighup_and_stops_cleanly(
    server: Server, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    health = call("GET", server.url + "/healthz").json()
    assert health["policy"]["hash"] == policy_hash(folder)
    reply = call("POST", server.url + "/v1/evaluate", EXAMPLE)
    assert reply.status == 200
    assert reply.headers["x-decision-id"] == "1"

    (folder / "extra.yaml").write_text("rules: [\n", encoding="utf-8")
    server.process.send_signal(signal.SIGHUP)
    assert server.wait_for("reload refused").startswith(
        "salesops-rules: reload refused: policy does not load: 1 error; "
        "still serving puguang-sales-logistics 2011-11"
    )
    assert call("GET", server.url + "/healthz").json()["policy"] == health["policy"]

    (folder / "extra.yaml").unlink()
    manifest = folder / "policy.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('version: "2011-11"', 'version: "2012-07"'),
        encoding="utf-8",
    )
    server.process.send_signal(signal.SIGHUP)
    digest = policy_hash(folder)
    assert server.wait_for("reloaded policy") == (
        f"salesops-rules: reloaded policy puguang-sales-logistics 2012-07 (sha256 {digest[:12]})"
    )
    assert call("GET", server.url + "/healthz").json()["policy"]["version"] == "2012-07"
    reply = call("POST", server.url + "/v1/evaluate", EXAMPLE)
    assert reply.headers["x-decision-id"] == "2"

    assert server.stop() == 0

    log = str(tmp_path / "decisions.sqlite")
    assert main(["log", "show", "1", "--log", log]) == 0
    first = capsys.readouterr().out.splitlines()
    assert first[1:3] == [
        "event HT-2011-1207 (contract): verdict pending",
        f"policy puguang-sales-logistics version 2011-11, sha256 {health['policy']['hash']}",
    ]
    assert main(["log", "show", "2", "--log", log, "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["policy"] == {"name": "puguang-sales-logistics", "version": "2012-07", "hash": digest}


def test_a_policy_that_does_not_load_stops_serve_with_exit_2(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "extra.yaml").write_text("rules: [\n", encoding="utf-8")
    code = main(["--policy", str(folder), "serve", "--port", "0", "--no-log", "--no-reload"])
    assert code == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "salesops-rules: policy does not load: 1 error"
    assert err[1].startswith(f"{folder / 'extra.yaml'}:2:1: error: invalid YAML: ")


def test_a_taken_port_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--port", str(port), "--no-log", "--no-reload"])
    assert code == 2
    assert capsys.readouterr().err == (
        f"salesops-rules: cannot listen on `127.0.0.1:{port}`: Address already in use\n"
    )


def test_a_log_that_is_not_a_decision_log_stops_serve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "notes.sqlite"
    other.write_text("not a database", encoding="utf-8")
    code = main(["serve", "--port", "0", "--log", str(other), "--no-reload"])
    assert code == 2
    assert capsys.readouterr().err == (
        f"salesops-rules: `{other}` is not a decision log: file is not a database\n"
    )
