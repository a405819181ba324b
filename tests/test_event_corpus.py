"""The event kinds built from policy/events.yaml read events exactly as the Python classes did.

tests/data/event_corpus.json.gz was recorded from the hand-written models before they moved
into the pack (tests/data/record_event_corpus.py): 8388 events of every kind, valid ones with
their decisions, and invalid ones (each field left out, null, of a wrong type; each check
across fields broken and just kept) with every error path and message. The pack's models
must give the same, event for event, and the same JSON Schemas.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from salesops_rules import load_policy
from salesops_rules.core import cache, eventkinds
from salesops_rules.core.compiled import CompiledPolicy
from salesops_rules.core.evaluator import parse_event
from salesops_rules.errors import EventError

CORPUS = Path(__file__).parent / "data" / "event_corpus.json.gz"
POLICY = load_policy()


@pytest.fixture(scope="module")
def corpus() -> dict[str, Any]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
    return data


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory) -> CompiledPolicy:
    """The bundled pack as a later run reads it from the cache: each kind made on first use."""
    folder = tmp_path_factory.mktemp("cache")
    cache.load_policy(None, folder)
    kept, eventkinds._BUILT = eventkinds._BUILT, {}  # else the load's kinds, built whole, are reused
    try:
        read = cache.read(folder, cache.cache_key(cache.default_policy_dir()))
    finally:
        eventkinds._BUILT = kept
    assert read is not None and isinstance(read.events.adapter, eventkinds.LazyAdapter)
    return read


@pytest.mark.parametrize("source", ["loaded", "cached"])
def test_every_event_reads_as_before(
    corpus: dict[str, Any], source: str, request: pytest.FixtureRequest
) -> None:
    compiled = POLICY.compiled if source == "loaded" else request.getfixturevalue("cached")
    changed = []
    for entry in corpus["entries"]:
        event = entry["event"]
        try:
            read = parse_event(compiled, event).model_dump(mode="json")
            got: dict[str, Any] = {"read": read}
        except EventError as error:
            got = {"problems": [list(p) for p in error.problems]}
        want = {k: entry[k] for k in ("read", "problems") if k in entry}
        if got != want:
            changed.append((event, want, got))
    assert changed == []
    assert len(corpus["entries"]) > 8000


# Fields a decision gained after the corpus was recorded, each empty for the bundled pack.
ADDED = {"values_in_force": []}  # issue 9, dated values


def test_every_valid_event_is_decided_as_before(corpus: dict[str, Any]) -> None:
    changed = []
    valid = [e for e in corpus["entries"] if "decision" in e]
    for entry in valid:
        decision = POLICY.evaluate(entry["event"]).model_dump(mode="json")
        if decision != {**entry["decision"], **ADDED}:
            changed.append(entry["event"]["id"])
    assert changed == []
    assert len(valid) > 1500


def _undescribed(schema: Any) -> Any:
    """The schema without `description`: the classes' docstrings then, the pack's words now."""
    if isinstance(schema, dict):
        return {k: _undescribed(v) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [_undescribed(v) for v in schema]
    return schema


def test_the_json_schemas_are_as_before_but_for_their_descriptions(corpus: dict[str, Any]) -> None:
    events = POLICY.compiled.events
    assert sorted(events.kinds) == sorted(corpus["schemas"])
    for kind, schema in corpus["schemas"].items():
        assert _undescribed(events.json_schema(kind)) == _undescribed(schema), kind
    assert _undescribed(events.union_schema) == _undescribed(corpus["union"])


def test_each_kind_of_the_corpus_has_invalid_and_valid_events(corpus: dict[str, Any]) -> None:
    kinds = set(POLICY.compiled.events.kinds)
    assert {e["event"].get("kind") for e in corpus["entries"] if "read" in e} == kinds
    assert {e["event"].get("kind") for e in corpus["entries"] if "problems" in e} >= kinds
