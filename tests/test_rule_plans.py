"""The order rules run in: after every rule setting what they read, planned in linear time.

Issue 12: `loader._plans` paired every rule with every other (4k rules: 6.6 s, 12k: 75 s).
The plan now meets setters and readers at one graph node per value. Wall time is measured
in `benchmarks/bench_load.py`, never here; here, the shape: k setters and m readers of a
value make k + m edges, not k * m, and the order is still right.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from salesops_rules import load_policy
from salesops_rules.core import loader
from salesops_rules.core.graphs import Graph

ROOT = Path(__file__).resolve().parent.parent

READER = """\
  - id: test.read-{i}
    on: contract
    cite: {{article: 14}}
    when: "amount >= {i} and test_flag"
    then:
      obligations:
        - code: test_read_{i}
          message: {{zh: 测试, en: a reader}}
"""
SETTER = """\
  - id: test.set-{i}
    on: contract
    cite: {{article: 14}}
    when: "amount >= {i}"
    then:
      values: {{test_flag: true}}
"""


def _policy(root: Path, setters: int, readers: int) -> Path:
    shutil.copytree(ROOT / "policy", root, ignore=shutil.ignore_patterns("tests"))
    manifest = (root / "policy.yaml").read_text(encoding="utf-8")
    value = "  test_flag: {type: bool, zh: 测试, en: a test flag}\n"
    (root / "policy.yaml").write_text(manifest.replace("values:\n", "values:\n" + value, 1), encoding="utf-8")
    # Readers first in the file: the plan, not the file, must put the setters before them.
    rules = "".join(READER.format(i=i) for i in range(readers)) + "".join(
        SETTER.format(i=i) for i in range(setters)
    )
    (root / "zz-plans.yaml").write_text("rules:\n" + rules, encoding="utf-8")
    return root


class _CountingGraph(Graph[Any]):
    edges_added = 0

    def add_edge(self, u: Any, v: Any, **attr: Any) -> None:
        type(self).edges_added += 1
        super().add_edge(u, v, **attr)


def _edges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setters: int, readers: int) -> int:
    root = _policy(tmp_path / f"p-{setters}-{readers}", setters, readers)
    monkeypatch.setattr(loader, "Graph", _CountingGraph)
    _CountingGraph.edges_added = 0
    loader.load_policy(root)
    return _CountingGraph.edges_added


def test_setters_and_readers_of_a_value_add_edges_linearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = _edges(tmp_path, monkeypatch, 10, 10)
    large = _edges(tmp_path, monkeypatch, 20, 20)
    assert large - small == 20  # 10 more setters and 10 more readers; pairwise it was 300


def test_every_setter_runs_before_every_reader(tmp_path: Path) -> None:
    root = _policy(tmp_path / "policy", 3, 4)
    plan = [rule.id for rule in load_policy(root).compiled.plans["contract"]]
    setters = [plan.index(f"test.set-{i}") for i in range(3)]
    readers = [plan.index(f"test.read-{i}") for i in range(4)]
    assert max(setters) < min(readers)
    assert readers == sorted(readers)  # otherwise, the order of the files
