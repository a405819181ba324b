"""The compiled-pack cache of the command line (core/cache.py): used when fit, else passed by.

Every way a cached file can be unfit (cut short, altered, another key, another engine,
writable by others, not a pack) gives the fresh load's decisions, never an error; a cache
folder that cannot be written costs the cache, nothing else.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from salesops_rules import Policy, load_policy
from salesops_rules.cli import main
from salesops_rules.core import cache, eventkinds
from salesops_rules.core.compiled import CompiledPolicy
from salesops_rules.errors import EventError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def _event_mix() -> Any:
    path = ROOT / "benchmarks" / "event_mix.py"
    spec = importlib.util.spec_from_file_location("pack_cache_event_mix", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(ROOT / "policy", tmp_path / "policy", ignore=shutil.ignore_patterns("tests")))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _pack(folder: Path) -> Path:
    (pack,) = folder.glob("*.pack")
    return pack


def _decisions(policy: Policy, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [policy.evaluate(e).model_dump(mode="json") for e in events]


def _cli(*words: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(words))
    return code, out.getvalue()


def _read_lazily(policy_dir: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> CompiledPolicy:
    """The pack of `policy_dir` as a later run reads it: from the cache, no kind built in this process."""
    cache.load_policy(policy_dir, folder)  # written
    monkeypatch.setattr(eventkinds, "_BUILT", {})  # else the load's kinds, built whole, are reused
    read = cache.read(folder, cache.cache_key(policy_dir))
    assert isinstance(read, CompiledPolicy)
    assert isinstance(read.events.adapter, eventkinds.LazyAdapter)
    return read


def test_a_cached_pack_decides_every_kind_as_the_fresh_load(
    policy_dir: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = load_policy(policy_dir)
    read = _read_lazily(policy_dir, folder, monkeypatch)
    mix = _event_mix()
    events = list(mix.stream(list(mix.EVERY_GENERATOR), 600, seed=13))
    assert _decisions(Policy(read), events) == _decisions(fresh, events)
    # The explanation compiles its parts from the expressions' text on demand: the same too.
    _, trace = Policy(read).trace(events[0])
    assert [t.rule for t in trace] == [t.rule for t in fresh.trace(events[0])[1]]


def test_a_cached_pack_makes_only_the_kinds_it_decides(
    policy_dir: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = _read_lazily(policy_dir, folder, monkeypatch)
    adapter = read.events.adapter
    assert isinstance(adapter, eventkinds.LazyAdapter)
    assert adapter.lazy.infos == {} and adapter.lazy.whole is None
    event = json.loads((ROOT / "examples" / "new-customer-custom-order.json").read_text(encoding="utf-8"))
    Policy(read).evaluate(event)
    assert set(adapter.lazy.infos) == {event["kind"]} and adapter.lazy.whole is None


def test_a_cached_pack_holds_what_the_load_built(
    policy_dir: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = load_policy(policy_dir).compiled.events
    lazy = _read_lazily(policy_dir, folder, monkeypatch).events
    assert lazy.record_fields == full.record_fields
    assert lazy.declared == {k: dict(info.fields) for k, info in full.kinds.items()}
    assert dict(lazy.preparer) == dict(full.preparer)
    assert set(lazy.judged) == set(full.judged) and set(lazy.salary) == set(full.salary)
    assert list(lazy.kinds) == list(full.kinds) and set(lazy.shapes) == set(full.shapes)
    assert [i.label for i in lazy.kinds.values()] == [i.label for i in full.kinds.values()]
    assert lazy.union_schema == full.union_schema


def _problems(policy: Policy, event: Any) -> list[tuple[str, str]]:
    with pytest.raises(EventError) as caught:
        policy.evaluate(event)
    return caught.value.problems


def test_bad_events_get_the_fresh_loads_errors_from_a_cached_pack(
    policy_dir: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = load_policy(policy_dir)
    read = Policy(_read_lazily(policy_dir, folder, monkeypatch))
    good = json.loads((ROOT / "examples" / "new-customer-custom-order.json").read_text(encoding="utf-8"))
    amount = next(k for k, v in good.items() if isinstance(v, str) and v.replace(".", "").isdigit())
    bad: list[Any] = [
        {**good, "kind": "no_such_kind"},
        {k: v for k, v in good.items() if k != "kind"},
        {**good, "surprise": 1},
        {k: v for k, v in good.items() if k != amount},
        {**good, amount: "lots"},
        {**good, "date": 20240101},
        {**good, "kind": 7},
        {**good, "kind": "credit_sale"},  # another kind's fields
        [good],
    ]
    for event in bad:
        assert _problems(read, event) == _problems(fresh, event), event


def test_explain_through_the_cache_prints_what_a_fresh_load_prints(policy_dir: Path) -> None:
    for example in EXAMPLES:
        fresh = _cli("--no-cache", "--policy", str(policy_dir), "explain", str(example))
        cold = _cli("--policy", str(policy_dir), "explain", str(example))
        warm = _cli("--policy", str(policy_dir), "explain", str(example))
        assert fresh == cold == warm


def test_no_cache_neither_reads_nor_writes(
    policy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "elsewhere"
    monkeypatch.setenv(cache.ENV_FOLDER, str(folder))
    assert _cli("--no-cache", "--policy", str(policy_dir), "check", str(EXAMPLES[0]))[0] == 0
    assert _cli("check", "--no-cache", "--policy", str(policy_dir), str(EXAMPLES[0]))[0] == 0
    assert not folder.exists()
    assert _cli("--policy", str(policy_dir), "check", str(EXAMPLES[0]))[0] == 0
    assert len(list(folder.glob("*.pack"))) == 1


def test_a_changed_policy_folder_is_a_new_key(policy_dir: Path, folder: Path) -> None:
    event = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    before = Policy(cache.load_policy(policy_dir, folder)).evaluate(event)
    manifest = policy_dir / "policy.yaml"
    text = manifest.read_text(encoding="utf-8")
    name = before.policy.name
    manifest.write_text(text.replace(f"name: {name}", "name: edited-in-place", 1), encoding="utf-8")
    after = Policy(cache.load_policy(policy_dir, folder)).evaluate(event)
    assert (before.policy.name, after.policy.name) == (name, "edited-in-place")
    assert len(list(folder.glob("*.pack"))) == 2


# Each way a file may be unfit: what is done to it.
def _cut_short(pack: Path) -> None:
    pack.write_bytes(pack.read_bytes()[:-100])


def _altered(pack: Path) -> None:
    data = bytearray(pack.read_bytes())
    data[-50] ^= 0xFF
    pack.write_bytes(bytes(data))


def _empty(pack: Path) -> None:
    pack.write_bytes(b"")


def _writable_by_others(pack: Path) -> None:
    pack.chmod(0o666)


def _not_a_pack(pack: Path) -> None:
    # Hash and key right, but the payload is something else pickled: refused after reading.
    header, rest = pack.read_bytes().split(b"\n", 1)
    key, _ = rest.split(b"\n", 1)
    payload = pickle.dumps({"not": "a pack"})
    digest = hashlib.sha256(payload).hexdigest().encode()
    pack.write_bytes(header + b"\n" + key + b"\n" + digest + b"\n" + payload)


UNFIT: dict[str, Callable[[Path], None]] = {
    "cut short": _cut_short,
    "altered": _altered,
    "empty": _empty,
    "writable by others": _writable_by_others,
    "not a pack": _not_a_pack,
}


@pytest.mark.parametrize("harm", list(UNFIT), ids=list(UNFIT))
def test_an_unfit_pack_is_passed_by_and_written_anew(policy_dir: Path, folder: Path, harm: str) -> None:
    cache.load_policy(policy_dir, folder)
    pack = _pack(folder)
    UNFIT[harm](pack)
    key = cache.cache_key(policy_dir)
    assert cache.read(folder, key) is None
    event = json.loads(EXAMPLES[1].read_text(encoding="utf-8"))
    expected = load_policy(policy_dir).evaluate(event).model_dump(mode="json")
    assert Policy(cache.load_policy(policy_dir, folder)).evaluate(event).model_dump(mode="json") == expected
    if harm != "writable by others":  # that file stays unread: its folder's owner is not to be trusted
        assert isinstance(cache.read(folder, key), CompiledPolicy)  # written anew, fit again


def test_a_pack_of_another_key_is_not_read(policy_dir: Path, folder: Path) -> None:
    cache.load_policy(policy_dir, folder)
    pack = _pack(folder)
    other = "0" * 64
    shutil.copy(pack, folder / f"{other}.pack")
    assert cache.read(folder, other) is None  # its header names another key


def test_another_engine_is_another_key(
    policy_dir: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cache.cache_key(policy_dir)
    cache.load_policy(policy_dir, folder)
    monkeypatch.setattr(cache, "engine_stamp", lambda: "a later salesops-rules")
    second = cache.cache_key(policy_dir)
    assert second != first
    assert cache.read(folder, second) is None
    cache.load_policy(policy_dir, folder)
    assert len(list(folder.glob("*.pack"))) == 2


def test_a_folder_writable_by_others_is_not_used(policy_dir: Path, folder: Path) -> None:
    cache.load_policy(policy_dir, folder)
    folder.chmod(0o777)
    assert cache.read(folder, cache.cache_key(policy_dir)) is None
    assert not cache.write(folder, "1" * 64, load_policy(policy_dir).compiled)
    assert not (folder / f"{'1' * 64}.pack").exists()


def test_a_cache_folder_that_cannot_be_made_costs_only_the_cache(policy_dir: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    compiled = cache.load_policy(policy_dir, blocked / "cache")
    assert compiled.name == load_policy(policy_dir).name
    assert not cache.write(blocked / "cache", "2" * 64, compiled)
    assert blocked.read_text(encoding="utf-8") == "not a folder"


def test_a_pack_pickle_cannot_keep_is_not_cached(policy_dir: Path, folder: Path) -> None:
    compiled = load_policy(policy_dir).compiled
    factor = 2

    def closure(event: Any) -> dict[str, Any]:
        return {"x": factor}

    compiled.extractors["contract"] = closure
    assert not cache.write(folder, "3" * 64, compiled)
    assert not folder.exists() or not list(folder.glob("*.pack"))


def test_a_folder_that_does_not_load_is_the_loaders_error(tmp_path: Path, folder: Path) -> None:
    from salesops_rules.errors import PolicyError

    with pytest.raises(PolicyError, match="policy folder does not exist"):
        cache.load_policy(tmp_path / "nowhere", folder)
    assert not folder.exists()


def test_old_packs_go(policy_dir: Path, folder: Path) -> None:
    compiled = load_policy(policy_dir).compiled
    for n in range(cache.KEPT + 3):
        assert cache.write(folder, f"{n:064x}", compiled)
    assert len(list(folder.glob("*.pack"))) == cache.KEPT
    assert not list(folder.glob(".pack-*"))  # no temporary file left behind


def test_the_default_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(cache.ENV_FOLDER, str(tmp_path / "mine"))
    assert cache.cache_folder() == tmp_path / "mine"
    monkeypatch.delenv(cache.ENV_FOLDER)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_folder() == tmp_path / "xdg" / "salesops-rules"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec: only absolute paths count
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_folder() == tmp_path / "home" / ".cache" / "salesops-rules"


def test_a_pack_written_after_deciding_keeps_none_of_what_deciding_filled(
    policy_dir: Path, folder: Path
) -> None:
    policy = load_policy(policy_dir)
    mix = _event_mix()
    events = list(mix.stream(list(mix.EVERY_GENERATOR), 300, seed=29))
    expected = _decisions(policy, events)
    assert policy.compiled.citation_cache  # filled by deciding
    assert cache.write(folder, "4" * 64, policy.compiled)
    read = cache.read(folder, "4" * 64)
    assert read is not None
    for name in cache.RUNTIME_FIELDS:
        assert getattr(read, name, {}) == {}
    assert _decisions(Policy(read), events) == expected


def test_a_pack_read_in_a_fresh_process_builds_its_event_kinds_again(policy_dir: Path, folder: Path) -> None:
    # In this process the loader keeps built kinds; a new one must build them from the file.
    import subprocess
    import sys

    cache.load_policy(policy_dir, folder)
    key = cache.cache_key(policy_dir)
    probe = (
        "import json, sys; from pathlib import Path; from salesops_rules import Policy; "
        "from salesops_rules.core import cache; "
        f"compiled = cache.read(Path({str(folder)!r}), {key!r}); "
        "assert compiled is not None; "
        "events = [json.loads(Path(p).read_text(encoding='utf-8')) for p in sys.argv[1:]]; "
        "print(json.dumps([Policy(compiled).evaluate(e).model_dump(mode='json') for e in events]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *map(str, EXAMPLES)], capture_output=True, text=True, check=True
    )
    fresh = load_policy(policy_dir)
    events = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    expected = [fresh.evaluate(e).model_dump(mode="json") for e in events]
    assert json.loads(done.stdout) == expected
