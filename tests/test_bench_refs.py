"""benchmarks/bench_refs.py: two refs side by side, each from its own code; no timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_refs.py"

pytestmark = pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git checkout")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False, timeout=300
    )


def test_head_against_the_working_tree_reports_each_kind_from_its_own_code() -> None:
    done = _run(
        "--ref",
        "HEAD",
        "--kind",
        "shipment",
        "--kind",
        "incident",
        "--events",
        "20",
        "--passes",
        "1",
        "--limit",
        "1000",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    a, b = report["sides"]
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert (a["ref"], a["commit"]) == ("HEAD", head[:12])
    assert b["ref"] == "WORKTREE"
    # A is imported from the exported copy, B from this checkout.
    assert not Path(a["imported_from"]).is_relative_to(ROOT)
    assert Path(b["imported_from"]).is_relative_to(ROOT / "src")
    assert [row["kind"] for row in report["rows"]] == ["shipment", "incident", "mixed"]
    assert all(row["a_us"] > 0 and row["b_us"] > 0 for row in report["rows"])
    assert report["refused"] == {}
    assert report["decisions_differ"] == []  # the same code decides the same


def test_an_unknown_ref_is_one_line_naming_it() -> None:
    done = _run("--ref", "no-such-branch-xyz", "--kind", "shipment", "--events", "5", "--passes", "1")
    assert done.returncode != 0
    assert "no-such-branch-xyz" in done.stderr
    assert "Traceback" not in done.stderr
