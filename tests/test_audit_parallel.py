"""`--workers N` and `--dask`: the same audit, finding for finding, as one process.

The ledger is the benchmark's mixed stream (every kind, the ledger's own follow-ups and
monthly paperwork) with bad lines among it, cut into many small chunks so that the
chunks really are spread over the processes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from audit_support import POLICY, run_audit
from salesops_rules.audit import AuditResult
from salesops_rules.audit.decision_log import DecisionLog

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _bench() -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("bench_audit", BENCHMARKS / "bench_audit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "mixed.jsonl"
    lines = [json.dumps(e, ensure_ascii=False) for e in _bench().ledger_events(700, seed=5)]
    lines[17] = lines[17][:30]  # a truncated line
    lines.insert(300, "not json at all")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def serial(ledger: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditResult, Path]:
    out = tmp_path_factory.mktemp("serial")
    return run_audit(ledger, out, chunk_size=50), out


def same(a: tuple[AuditResult, Path], b: tuple[AuditResult, Path]) -> None:
    (first, first_out), (second, second_out) = a, b
    for name in ("findings.csv", "skipped.csv"):
        assert (first_out / name).read_text(encoding="utf-8") == (second_out / name).read_text(
            encoding="utf-8"
        )
    assert first.totals == second.totals
    assert first.samples == second.samples
    assert first.skipped == second.skipped
    assert first.rule_counts == second.rule_counts
    assert first.explanations == second.explanations


def test_the_ledger_exercises_every_part_of_the_audit(serial: tuple[AuditResult, Path]) -> None:
    result, _ = serial
    assert result.totals.records == 701
    assert result.totals.skipped == 2
    assert len(result.totals.kinds) == 13  # every kind, the ledger's own included
    assert {state for _, state in result.rule_counts} >= {"missing", "late"}
    assert result.totals.findings("violation") and result.totals.findings("approval")


def test_a_process_pool_finds_the_same_as_one_process(
    ledger: Path, serial: tuple[AuditResult, Path], tmp_path: Path
) -> None:
    same(serial, (run_audit(ledger, tmp_path, chunk_size=50, workers=2), tmp_path))


def test_dask_finds_the_same_as_one_process(
    ledger: Path, serial: tuple[AuditResult, Path], tmp_path: Path
) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        result = run_audit(ledger, tmp_path, chunk_size=50, dask=True, scheduler=cluster.scheduler_address)
    same(serial, (result, tmp_path))


def test_every_decision_can_go_to_the_decision_log(ledger: Path, tmp_path: Path) -> None:
    log = tmp_path / "decisions.sqlite"
    result = run_audit(ledger, tmp_path / "out", chunk_size=100, workers=2, log=log)
    with DecisionLog(log, create=False) as opened:
        assert opened.count() == result.totals.audited
        entry = opened.entries(last=1)[0]
    assert (entry.source, entry.policy_name, entry.policy_version) == ("audit", POLICY.name, POLICY.version)
    assert entry.decision == json.loads(
        json.dumps(POLICY.evaluate(entry.event).model_dump(mode="json"), ensure_ascii=False)
    )


def test_dask_without_an_address_starts_its_own_cluster_of_processes(
    ledger: Path, serial: tuple[AuditResult, Path], tmp_path: Path
) -> None:
    # `--dask` alone: a local cluster of `--workers` processes, started and stopped by the audit;
    # chunks and results cross process boundaries, pickled.
    result = run_audit(ledger, tmp_path, chunk_size=50, dask=True, workers=2)
    same(serial, (result, tmp_path))
