"""A candidate policy is checked in a child process with time and memory limits; the service goes on.

The child's work is replaced here by functions of `serving.py` (slow, endless, greedy,
dying) where the point is the limit, and the real gate runs on hostile folders where
the point is the input.
"""

from __future__ import annotations

import multiprocessing
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import serving
from salesops_rules.core.loader import default_policy_dir
from salesops_rules.service import holder as holder_module
from salesops_rules.service.app import create_app
from salesops_rules.service.candidate import Limits
from salesops_rules.service.guard import Access
from salesops_rules.service.holder import PolicyHolder
from serving import TOKEN, Reply, bearer, call, running

EXAMPLE = (Path(__file__).resolve().parent.parent / "examples" / "new-customer-custom-order.json").read_text(
    encoding="utf-8"
)

LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True))
    + """rules:
  - id: laughs.one
    on: contract
    cite: {article: 11}
    when: "amount >= 1"
    then:
      values: {contract_required: true}
    note: *h
"""
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "policy"
    shutil.copytree(default_policy_dir(), copy)
    return copy


def bump_version(folder: Path) -> None:
    manifest = folder / "policy.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('version: "2011-11"', 'version: "2012-07"'), encoding="utf-8")


class Spy:
    """Counts the service's own calls of `load_policy` (the child's are in another process)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[Path] = []
        real = holder_module.load_policy

        def spy(root: Path) -> Any:
            self.calls.append(Path(root))
            return real(root)

        monkeypatch.setattr(holder_module, "load_policy", spy)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    return Spy(monkeypatch)


def no_children_left() -> bool:
    return not [p for p in multiprocessing.active_children() if p.name == "salesops-rules-candidate"]


def test_requests_are_answered_while_a_slow_candidate_loads(folder: Path, tmp_path: Path) -> None:
    holder = PolicyHolder(folder, Limits(seconds=300))
    holder.check = serving.gate_when_released  # waits until the file `release` appears
    bump_version(folder)
    reloaded: list[Reply] = []
    with running(create_app(holder, access=Access(TOKEN))) as url:
        reload = threading.Thread(
            target=lambda: reloaded.append(call("POST", url + "/v1/policy/reload", "", headers=bearer()))
        )
        reload.start()
        try:
            answers = [call("POST", url + "/v1/evaluate", EXAMPLE) for _ in range(20)]
            health = call("GET", url + "/healthz")
            still_loading = reload.is_alive()
        finally:
            (tmp_path / "release").touch()
            reload.join(60)
        after = call("POST", url + "/v1/evaluate", EXAMPLE)
    assert still_loading
    assert [a.status for a in answers] == [200] * 20
    assert {a.json()["policy"]["version"] for a in answers} == {"2011-11"}
    assert health.status == 200
    [outcome] = reloaded
    assert outcome.status == 200, outcome.text
    assert outcome.json()["active"]["version"] == "2012-07"
    assert after.json()["policy"]["version"] == "2012-07"


def test_a_candidate_over_the_cpu_limit_is_stopped_and_never_read_here(folder: Path, spy: Spy) -> None:
    holder = PolicyHolder(folder, Limits(seconds=120))  # the first load, on a busy machine, takes its time
    spy.calls.clear()
    holder.limits, holder.check = Limits(seconds=1, wall_seconds=300), serving.gate_spinning
    outcome = holder.reload()
    assert outcome.reloaded is False
    assert outcome.reason == "checking the policy took more than 1 s of CPU; it was stopped"
    assert outcome.active is outcome.previous
    assert spy.calls == []
    assert no_children_left()


def test_a_candidate_that_never_answers_is_stopped_at_the_wall_clock_limit(folder: Path, spy: Spy) -> None:
    holder = PolicyHolder(folder, Limits(seconds=120))
    spy.calls.clear()
    holder.limits, holder.check = Limits(seconds=120, wall_seconds=1.5), serving.gate_forever
    outcome = holder.reload()
    assert outcome.reloaded is False
    assert outcome.reason == "checking the policy did not finish within 1.5 s; it was stopped"
    assert spy.calls == []
    assert no_children_left()


def test_a_candidate_over_the_memory_limit_is_refused(folder: Path, spy: Spy) -> None:
    holder = PolicyHolder(folder, Limits(seconds=120))
    spy.calls.clear()
    holder.limits, holder.check = Limits(seconds=120, memory_mib=256), serving.gate_greedy
    outcome = holder.reload()
    assert outcome.reloaded is False
    assert outcome.reason == "loading the policy needs more than 256 MiB"
    assert spy.calls == []


def test_a_checker_that_dies_is_a_refusal(folder: Path, spy: Spy) -> None:
    holder = PolicyHolder(folder, Limits(seconds=120))
    spy.calls.clear()
    holder.check = serving.gate_dies
    outcome = holder.reload()
    assert outcome.reloaded is False
    assert (
        outcome.reason
        == "the process that checks the policy died of signal 9 (limits: 120 s of CPU, 1024 MiB)"
    )
    assert spy.calls == []


def test_a_folder_edited_after_its_check_is_refused_unread(folder: Path, spy: Spy) -> None:
    holder = PolicyHolder(folder, Limits(seconds=120))
    spy.calls.clear()
    holder.check = serving.gate_then_edit
    outcome = holder.reload()
    assert outcome.reloaded is False
    assert outcome.reason == "the policy folder changed after it was checked; reload again"
    assert spy.calls == []
    holder.check = None
    assert holder.reload().reloaded is True  # the edit itself is harmless: reloading again takes it


def test_a_candidate_too_costly_to_load_again_here_is_refused_on_reload(folder: Path, spy: Spy) -> None:
    # The service would load it once more itself, holding its interpreter as long as the child took.
    holder = PolicyHolder(folder, Limits(seconds=120))
    spy.calls.clear()
    holder.limits, holder.check = Limits(seconds=120, pause_seconds=0.5), serving.gate_costly
    outcome = holder.reload()
    assert outcome.reloaded is False
    assert outcome.reason is not None
    assert outcome.reason.startswith("the policy took ")
    assert outcome.reason.endswith(
        "s of CPU to load and check; loading it in the running service would hold it about as long "
        "(limit 0.5 s)"
    )
    assert spy.calls == []
    # The first load, before anything is served, is not bounded by it.
    started = PolicyHolder(folder, Limits(seconds=120, pause_seconds=0.5), check=serving.gate_costly)
    assert started.active.hash == holder.active.hash


def test_an_accepted_candidate_is_loaded_here_once(folder: Path, spy: Spy) -> None:
    holder = PolicyHolder(folder, Limits(seconds=120))
    bump_version(folder)
    spy.calls.clear()
    outcome = holder.reload()
    assert outcome.reloaded is True
    assert outcome.active.policy.version == "2012-07"
    assert spy.calls == [folder]
    # The lint warnings come from the child, as data.
    assert outcome.active.warnings
    assert all(w.severity == "warning" for w in outcome.active.warnings)


def test_a_refusal_from_the_child_keeps_its_findings_with_file_and_line(folder: Path, spy: Spy) -> None:
    holder = PolicyHolder(folder, Limits(seconds=120))
    spy.calls.clear()
    (folder / "extra.yaml").write_text("rules: [\n", encoding="utf-8")
    outcome = holder.reload()
    assert outcome.reason == "policy does not load: 1 error"
    [finding] = outcome.findings
    assert (finding.file, finding.line) == (str(folder / "extra.yaml"), 2)
    assert spy.calls == []


@pytest.fixture
def served(folder: Path) -> Iterator[tuple[str, PolicyHolder]]:
    holder = PolicyHolder(folder, Limits(seconds=120))
    holder.limits = Limits(seconds=4, memory_mib=512)  # refused for CPU time or memory, whichever comes first
    with running(create_app(holder, access=Access(TOKEN))) as url:
        yield url, holder


def test_a_billion_laughs_reload_is_refused_while_the_service_answers(
    served: tuple[str, PolicyHolder], folder: Path, spy: Spy
) -> None:
    url, holder = served
    before = holder.active
    (folder / "laughs.yaml").write_text(LAUGHS, encoding="utf-8")
    replies: list[Reply] = []
    reload = threading.Thread(
        target=lambda: replies.append(call("POST", url + "/v1/policy/reload", "", headers=bearer()))
    )
    reload.start()
    answers = []
    while not answers or (reload.is_alive() and len(answers) < 400):
        answers.append(call("POST", url + "/v1/evaluate", EXAMPLE).status)
    reload.join(60)
    [reply] = replies
    assert reply.status == 409, reply.text
    assert reply.json()["reloaded"] is False
    assert holder.active is before
    assert answers and set(answers) == {200}
    assert spy.calls == []
