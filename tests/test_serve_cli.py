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
from salesops_rules.core.fingerprint import policy_hash
from salesops_rules.core.loader import default_policy_dir
from serving import TOKEN, bearer, call

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

    def wait_for(self, text: str, timeout: float = 60) -> str:
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
        return self.process.wait(60)


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


def test_signals_sent_as_soon_as_the_service_says_where_it_serves(tmp_path: Path) -> None:
    # One process: a SIGHUP at once waits for its handler and reloads (its default action
    # would end the process); a SIGTERM at once stops the service, not lost before uvicorn's
    # own handler is in place.
    log = str(tmp_path / "decisions.sqlite")
    first = Server(["serve", "--port", "0", "--log", log, "--no-reload"])
    try:
        first.process.send_signal(signal.SIGHUP)
        assert first.wait_for("reloaded policy")
        assert call("POST", first.url + "/v1/evaluate", EXAMPLE).status == 200
        assert first.stop() == 0
    finally:
        if first.process.poll() is None:
            first.process.kill()
    second = Server(["serve", "--port", "0", "--no-log", "--no-reload"])
    try:
        second.process.send_signal(signal.SIGTERM)
        assert second.process.wait(60) == 0
    finally:
        if second.process.poll() is None:
            second.process.kill()


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


@pytest.fixture
def no_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALESOPS_RULES_TOKEN", raising=False)


def token_file(tmp_path: Path, text: str = TOKEN + "\n", mode: int = 0o600) -> Path:
    path = tmp_path / "token"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.mark.usefixtures("no_env_token")
def test_serve_without_a_token_refuses_to_start(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0", "--no-log"]) == 2
    assert capsys.readouterr().err == (
        "salesops-rules: reload over HTTP needs a token: "
        "give `--token-file FILE` or set SALESOPS_RULES_TOKEN\n"
        "  help: or pass `--no-reload` to turn reload over HTTP off (SIGHUP still reloads)\n"
    )


@pytest.mark.usefixtures("no_env_token")
@pytest.mark.parametrize(
    ("text", "mode", "message"),
    [
        (TOKEN, 0o644, "the token file `{path}` can be read by others (mode 0644)"),
        (TOKEN, 0o640, "the token file `{path}` can be read by others (mode 0640)"),
        ("", 0o600, "the token file `{path}` is empty"),
        ("\n\n", 0o600, "the token file `{path}` is empty"),
        ("short\n", 0o600, "the token is shorter than 16 characters"),
    ],
)
def test_a_bad_token_file_stops_serve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, mode: int, message: str
) -> None:
    path = token_file(tmp_path, text, mode)
    assert main(["serve", "--port", "0", "--no-log", "--token-file", str(path)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == "salesops-rules: " + message.format(path=path)


@pytest.mark.usefixtures("no_env_token")
def test_a_missing_token_file_stops_serve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    assert main(["serve", "--port", "0", "--no-log", "--token-file", str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"salesops-rules: cannot read the token file `{missing}`: No such file or directory\n"
    )


def test_no_reload_and_a_token_file_contradict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = token_file(tmp_path)
    assert main(["serve", "--no-reload", "--token-file", str(path), "--no-log"]) == 2
    assert (
        capsys.readouterr().err == "salesops-rules: `--no-reload` and `--token-file` contradict each other\n"
    )


@pytest.mark.parametrize("source", ["file", "environment"])
def test_with_a_token_reload_over_http_needs_it(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    args = ["--policy", str(folder), "serve", "--port", "0", "--no-log"]
    if source == "file":
        monkeypatch.delenv("SALESOPS_RULES_TOKEN", raising=False)
        args += ["--token-file", str(token_file(tmp_path))]
    else:
        monkeypatch.setenv("SALESOPS_RULES_TOKEN", TOKEN)
    running = Server(args)
    try:
        refused = call("POST", running.url + "/v1/policy/reload", "")
        reloaded = call("POST", running.url + "/v1/policy/reload", "", headers=bearer())
        text_body = call("POST", running.url + "/v1/evaluate", EXAMPLE, content_type="text/plain")
        rebound = call("GET", running.url + "/healthz", headers={"Host": "evil.example"})
    finally:
        assert running.stop() == 0
    assert refused.status == 401
    assert reloaded.status == 200, reloaded.text
    assert reloaded.json()["reloaded"] is True
    assert text_body.status == 415
    assert rebound.status == 400
